#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Installs the second kernel series the project is tested on: Debian
# bookworm-backports' 6.12 kernel image and headers, and the g++ matching the
# gcc that kernel was built with.  Idempotent: does nothing when they are
# there already.  Prints the kernel release (e.g. 6.12.95+deb12-amd64) as its
# last line of standard output, so `make` can use it.
#
#   scripts/install-kernel-612.sh          # install if missing (as root)
#   scripts/install-kernel-612.sh --print  # only print the installed release
#
# The backports source reuses the host of the Debian mirror already
# configured in /etc/apt/sources.list*.  The image is installed by its ABI
# name, not through the linux-image-amd64 metapackage, so Debian's default
# kernel (6.1 on bookworm) stays the default.
set -eu

msg() { echo "install-kernel-612: $*" >&2; }
die() { msg "error: $*"; exit 1; }

# The newest 6.12 release with both the image and a configured build dir.
installed() {
	for d in $(ls -d /usr/src/linux-headers-6.12*-amd64 2>/dev/null | sort -V -r); do
		k=${d#/usr/src/linux-headers-}
		if [ -f "$d/.config" ] && [ -r "/boot/vmlinuz-$k" ] && [ -d "/lib/modules/$k/kernel" ]; then
			echo "$k"
			return 0
		fi
	done
	return 1
}

# g++ of the major version in CONFIG_GCC_VERSION of that kernel.
need_gxx() {
	v=$(sed -n 's/^CONFIG_GCC_VERSION=//p' "/usr/src/linux-headers-$1/.config")
	[ -n "$v" ] || die "/usr/src/linux-headers-$1/.config has no CONFIG_GCC_VERSION"
	echo "g++-$((v / 10000))"
}

if [ "${1:-}" = "--print" ]; then
	installed || die "no 6.12 kernel installed; run $0 as root"
	exit 0
fi

if k=$(installed) && command -v "$(need_gxx "$k")" >/dev/null 2>&1; then
	msg "kernel $k, its headers and $(need_gxx "$k") are installed"
	echo "$k"
	exit 0
fi
[ "$(id -u)" = 0 ] || die "run as root to install the 6.12 kernel"
export DEBIAN_FRONTEND=noninteractive

# --- apt source -------------------------------------------------------------
if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
	# The mirror host of the configured bookworm entry (deb822 or one-line).
	mirror=$(sed -n 's/^URIs: *\([^ ]*\/debian\)\/\{0,1\} *$/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n1)
	[ -n "$mirror" ] || mirror=$(sed -n 's/^deb  *\(\[[^]]*\]  *\)\{0,1\}\([^ ]*\/debian\)\/\{0,1\}  *bookworm .*/\2/p' \
		/etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | head -n1)
	[ -n "$mirror" ] || mirror=http://deb.debian.org/debian
	msg "adding bookworm-backports from $mirror"
	cat >/etc/apt/sources.list.d/bookworm-backports.sources <<SOURCES
Types: deb
URIs: $mirror
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
	apt-get update -q >&2
elif ! apt-cache policy 2>/dev/null | grep -q 'bookworm-backports'; then
	apt-get update -q >&2
fi

# --- which 6.12: the ABI the backports metapackage points at ----------------
headers=$(apt-cache show -q linux-headers-amd64 2>/dev/null |
	sed -n 's/^Depends: .*\(linux-headers-6\.12[^ ,]*-amd64\).*/\1/p' | sort -V | tail -n1)
[ -n "$headers" ] || die "bookworm-backports offers no linux-headers-6.12*-amd64 (apt-get update?)"
abi=${headers#linux-headers-}
msg "installing linux-image-$abi and linux-headers-$abi from bookworm-backports"
# Upgrade-By-Source-Package=false: apt would otherwise also move the installed
# linux-image-amd64, linux-headers-amd64, linux-libc-dev and linux-perf (same
# source package) to backports, making 6.12 the system's default kernel.
apt-get install -y -q --no-install-recommends -t bookworm-backports \
	-o APT::Get::Upgrade-By-Source-Package=false \
	"linux-image-$abi" "linux-headers-$abi" >&2

k=$(installed) || die "linux-headers-$abi installed but no usable /usr/src/linux-headers-$abi"
gxx=$(need_gxx "$k")
if ! command -v "$gxx" >/dev/null 2>&1; then
	msg "the kernel was built with ${gxx#g++-}: installing $gxx"
	apt-get install -y -q --no-install-recommends "$gxx" >&2 ||
		apt-get install -y -q --no-install-recommends -t bookworm-backports "$gxx" >&2
fi
msg "kernel $k ready (compiler $gxx)"
echo "$k"
