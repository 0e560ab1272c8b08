#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Test kernels of every Debian series the project supports, kept in the
# project's own cache: never installed into /boot or /lib/modules, so testing
# a kernel neither changes what the machine boots nor runs the system's DKMS
# hooks (a DKMS module that cannot build for the new kernel, e.g. Debian's
# iptables-netflow-dkms, made a system-wide install fail).
#
#   scripts/install-kernel.sh SERIES          fetch if missing; prints the
#                                             kernel release as the last line
#   scripts/install-kernel.sh --print SERIES  only print the cached release
#   scripts/install-kernel.sh --run KVER -- CMD...
#                                             run CMD in KVER's build
#                                             environment (see below)
#   scripts/install-kernel.sh --list          the series names
#
# SERIES    what                                   build environment
#   6.1     Debian 12's kernel                     this machine
#   6.1-rt  Debian 12's PREEMPT_RT flavour         this machine
#   6.12    bookworm-backports                     this machine
#   7       trixie-backports' newest (7.x)         trixie chroot
#   7-rt    its PREEMPT_RT flavour                 trixie chroot
#
# Cache (NF_KERNEL_CACHE, default /var/cache/ipt-netflow-pp/kernels):
#   KVER/boot/vmlinuz-KVER, KVER/lib/modules/KVER/   image and modules, unpacked
#                                                    with dpkg-deb -x, depmod run
#   KVER/usr/src/linux-headers-KVER                  headers (this machine's series;
#                                                    absolute links made relative to
#                                                    the cache)
#   KVER/kdir                                        the build directory, host path
#   KVER/chroot                                      present if the build runs in
#                                                    the chroot: its root
#   trixie/                                          the trixie chroot (debootstrap,
#                                                    made once): gcc-14, g++-14 and the
#                                                    7.x headers, installed by apt there
# The newest kernels' build tools need trixie's libc, hence the chroot.  The
# module builds inside it with this tree bind-mounted at the same path.
set -euo pipefail

CACHE=${NF_KERNEL_CACHE:-/var/cache/ipt-netflow-pp/kernels}
MIRROR=${NF_DEBIAN_MIRROR:-http://deb.debian.org/debian}
SERIES_ALL="6.1 6.1-rt 6.12 7 7-rt"

msg() { echo "install-kernel: $*" >&2; }
die() { msg "error: $*"; exit 1; }

# ---- which package: the ABI name a Debian metapackage points at ----------
# meta_abi REGEX APT-CACHE-CMD...: the newest linux-image-ABI that a version
# of the metapackage depends on, of the series (ABI matching REGEX).
meta_abi() {
	local re=$1
	shift
	"$@" 2>/dev/null | sed -n 's/^Depends: .*linux-image-\([^ ,]*\).*/\1/p' |
		grep -E "$re" | sort -V | tail -n1
}

series_meta() {	# SERIES -> metapackage, apt target release, ABI regex
	case $1 in
	6.1) echo 'linux-image-amd64 bookworm ^6\.1\.0-[0-9]+-amd64$' ;;
	6.1-rt) echo 'linux-image-rt-amd64 bookworm ^6\.1\.0-[0-9]+-rt-amd64$' ;;
	6.12) echo 'linux-image-amd64 bookworm-backports ^6\.12\.[0-9]+\+deb12-amd64$' ;;
	7) echo 'linux-image-amd64 trixie-backports ^7\.[0-9.]+\+deb13-amd64$' ;;
	7-rt) echo 'linux-image-rt-amd64 trixie-backports ^7\.[0-9.]+\+deb13-rt-amd64$' ;;
	*) die "unknown series '$1' (one of: $SERIES_ALL)" ;;
	esac
}
in_chroot_series() { case $1 in 7 | 7-rt) return 0 ;; esac; return 1; }

# ---- cached? ---------------------------------------------------------------
ready() {	# KVER: image, modules and headers all there
	local d=$CACHE/$1
	[ -f "$d/ready" ] && [ -r "$d/boot/vmlinuz-$1" ] && [ -d "$d/lib/modules/$1/kernel" ] &&
		[ -f "$(cat "$d/kdir")/.config" ]
}
cached_for_series() {	# SERIES: the newest ready release of it
	local k
	for k in $(cat "$CACHE"/*/series 2>/dev/null | awk -v s="$1" '$1 == s {print $2}' | sort -V -r); do
		ready "$k" && { echo "$k"; return 0; }
	done
	return 1
}

# ---- unpacking packages ----------------------------------------------------
# fetch_closure DIR DOWNLOAD-CMD PKG: downloads PKG and, recursively, the
# linux-* packages it depends on (image -> binary + modules, headers ->
# common + kbuild), into DIR.  Compiler packages are left out: the compiler
# comes from the build environment.
fetch_closure() {
	local dir=$1 dl=$2 pkg=$3 f d
	compgen -G "$dir/${pkg}_*.deb" >/dev/null && return 0
	(cd "$dir" && $dl "$pkg" >&2) || die "cannot download $pkg"
	f=$(ls "$dir/${pkg}"_*.deb | head -n1)
	for d in $(dpkg-deb -f "$f" Depends | tr ',|' '\n\n' | sed 's/(.*//; s/ //g'); do
		case $d in
		linux-compiler-*) ;;
		linux-headers-* | linux-kbuild-* | linux-binary-* | linux-modules-* | linux-image-*)
			fetch_closure "$dir" "$dl" "$d" ;;
		esac
	done
}

# relocate ROOT: absolute symlinks and the headers' "include /usr/src/..."
# point into ROOT instead of the host.
relocate() {
	local root=$1 l t
	while IFS= read -r l; do
		t=$(readlink "$l")
		ln -sfn "$root$t" "$l"
	done < <(find "$root/usr" "$root/lib" -lname '/*')
	for f in "$root"/usr/src/linux-headers-*/Makefile; do
		[ -f "$f" ] && sed -i "s|^include /usr/src/|include $root/usr/src/|" "$f"
	done
	return 0
}

finish() {	# SERIES KVER KDIR [CHROOT]: index the modules, write the markers
	local d=$CACHE/$2 f
	# Newer packages (merged /usr) put the modules, and vmlinuz among them,
	# in /usr/lib/modules: one layout in the cache.
	if [ -d "$d/usr/lib/modules/$2" ] && [ ! -d "$d/lib/modules/$2" ]; then
		mkdir -p "$d/lib"
		mv "$d/usr/lib/modules" "$d/lib/modules"
	fi
	if [ -f "$d/lib/modules/$2/vmlinuz" ] && [ ! -e "$d/boot/vmlinuz-$2" ]; then
		mkdir -p "$d/boot"
		mv "$d/lib/modules/$2/vmlinuz" "$d/boot/vmlinuz-$2"
	fi
	# Split packages ship the module indexes of the build (modules.builtin:
	# modprobe of a built-in module succeeds) with the headers.
	for f in modules.builtin modules.builtin.modinfo modules.order; do
		[ -e "$d/lib/modules/$2/$f" ] || [ ! -f "$3/../../lib/modules/$2/$f" ] ||
			cp "$3/../../lib/modules/$2/$f" "$d/lib/modules/$2/"
	done
	[ -r "$d/boot/vmlinuz-$2" ] || die "no vmlinuz-$2 in the image packages"
	depmod -b "$d" "$2"
	echo "$3" >"$d/kdir"
	if [ -n "${4:-}" ]; then echo "$4" >"$d/chroot"; else rm -f "$d/chroot"; fi
	echo "$1 $2" >"$d/series"
	touch "$d/ready"
}

# ---- this machine's series -------------------------------------------------
install_native() {	# SERIES META RELEASE REGEX
	local s=$1 meta=$2 rel=$3 re=$4 k d dl
	if [ "$rel" = bookworm-backports ] && ! apt-cache policy 2>/dev/null | grep -q bookworm-backports; then
		grep -rqs bookworm-backports /etc/apt/sources.list /etc/apt/sources.list.d/ || cat \
			>/etc/apt/sources.list.d/bookworm-backports.sources <<SOURCES
Types: deb
URIs: $MIRROR
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
		apt-get update -q >&2
	fi
	k=$(meta_abi "$re" apt-cache show -q "$meta")
	[ -n "$k" ] || die "$rel offers no $meta (apt-get update?)"
	ready "$k" && { echo "$k"; return 0; }
	# Installed on this machine already (Debian 12's own kernel): use it.
	if [ -r "/boot/vmlinuz-$k" ] && [ -d "/lib/modules/$k/kernel" ] && [ -f "/lib/modules/$k/build/.config" ]; then
		need_compiler "/lib/modules/$k/build/.config"
		echo "$k"
		return 0
	fi
	d=$CACHE/$k
	rm -rf "$d" "$d.debs"
	mkdir -p "$d.debs"
	dl="apt-get download -q -o APT::Sandbox::User=root"
	fetch_closure "$d.debs" "$dl" "linux-image-$k"
	fetch_closure "$d.debs" "$dl" "linux-headers-$k"
	for f in "$d.debs"/*.deb; do dpkg-deb -x "$f" "$d"; done
	rm -rf "$d.debs"
	relocate "$d"
	need_compiler "$d/usr/src/linux-headers-$k/.config"
	finish "$s" "$k" "$d/usr/src/linux-headers-$k"
	echo "$k"
}

need_compiler() {	# .config: the g++ of the kernel's gcc, on this machine
	local v
	v=$(sed -n 's/^CONFIG_GCC_VERSION=//p' "$1")
	command -v "g++-$((v / 10000))" >/dev/null ||
		apt-get install -y -q --no-install-recommends "g++-$((v / 10000))" >&2
}

# ---- trixie's series, through the chroot -----------------------------------
ROOT=$CACHE/trixie
in_root() { chroot "$ROOT" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8 \
	DEBIAN_FRONTEND=noninteractive "$@"; }

make_chroot() {
	[ -f "$ROOT/.ready" ] && return 0
	command -v debootstrap >/dev/null || apt-get install -y -q debootstrap >&2
	rm -rf "$ROOT.tmp"
	msg "making the trixie build environment in $ROOT (once)"
	debootstrap --variant=minbase \
		--include=ca-certificates,make,gcc-14,g++-14,libc6-dev,kmod,xz-utils,bc,libelf-dev,pkg-config,libxtables-dev \
		trixie "$ROOT.tmp" "$MIRROR" >&2
	cat >"$ROOT.tmp/etc/apt/sources.list" <<LIST
deb $MIRROR trixie main
deb $MIRROR trixie-backports main
LIST
	# Never start services from package scripts in there.
	printf '#!/bin/sh\nexit 101\n' >"$ROOT.tmp/usr/sbin/policy-rc.d"
	chmod 0755 "$ROOT.tmp/usr/sbin/policy-rc.d"
	rm -rf "$ROOT"
	mv "$ROOT.tmp" "$ROOT"
	touch "$ROOT/.ready"
}

install_chroot() {	# SERIES META RELEASE REGEX
	local s=$1 meta=$2 rel=$3 re=$4 k d
	make_chroot
	in_root apt-get update -q >&2
	k=$(meta_abi "$re" in_root apt-cache show -q "$meta")
	[ -n "$k" ] || die "$rel offers no $meta"
	ready "$k" && { echo "$k"; return 0; }
	# Headers (and their kbuild) installed by apt in the chroot: its tools
	# run there.  No image is installed there: nothing to boot.
	in_root apt-get install -y -q --no-install-recommends -t "$rel" "linux-headers-$k" >&2
	d=$CACHE/$k
	rm -rf "$d"
	mkdir -p "$d" "$ROOT/tmp/debs-$k"
	fetch_closure "$ROOT/tmp/debs-$k" "in_root_download $k" "linux-image-$k"
	for f in "$ROOT/tmp/debs-$k"/linux-{image,binary,modules}-*.deb; do
		[ -f "$f" ] && dpkg-deb -x "$f" "$d"
	done
	rm -rf "$ROOT/tmp/debs-$k"
	finish "$s" "$k" "$ROOT/usr/src/linux-headers-$k" "$ROOT"
	echo "$k"
}
in_root_download() {	# KVER PKG: apt-get download inside the chroot, into /tmp/debs-KVER
	local k=$1
	shift
	chroot "$ROOT" sh -c "cd /tmp/debs-$k && apt-get download -q -o APT::Sandbox::User=root $*"
}

# ---- running a build in a kernel's environment -----------------------------
# The chroot sees this tree (and the current directory) at the same paths.
run_in() {
	local k=$1 root repo
	shift
	if [ ! -f "$CACHE/$k/chroot" ]; then
		exec "$@"
	fi
	root=$(cat "$CACHE/$k/chroot")
	repo=$(cd "$(dirname "$0")/.." && pwd)
	mkdir -p "$root$repo" "$root/dev" "$root/proc"
	# Each run mounts what it needs and leaves nothing mounted behind.
	unshare -m --propagation private bash -c '
		set -e
		mount --rbind /dev "$1/dev"
		mount -t proc proc "$1/proc"
		mount --bind "$2" "$1$2"
		root=$1 cwd=$3
		shift 3
		exec chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8 \
			HOME=/root sh -c "cd \"\$0\" && exec \"\$@\"" "$cwd" "$@"
	' run-in "$root" "$repo" "$PWD" "$@"
}

# ---- main ------------------------------------------------------------------
case ${1:-} in
--list) echo "$SERIES_ALL"; exit 0 ;;
--print) [ $# = 2 ] || die "usage: $0 --print SERIES"
	series_meta "$2" >/dev/null
	cached_for_series "$2" || die "series $2 is not in $CACHE; run $0 $2 as root"
	exit 0 ;;
--run) [ $# -ge 4 ] && [ "$3" = -- ] || die "usage: $0 --run KVER -- CMD..."
	k=$2
	shift 3
	run_in "$k" "$@"
	exit ;;
'' | -*) sed -n '3,20s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
esac

s=$1
read -r meta rel re <<<"$(series_meta "$s")"
[ "$(id -u)" = 0 ] || { cached_for_series "$s" && exit 0; die "run as root to fetch series $s"; }
mkdir -p "$CACHE"
if in_chroot_series "$s"; then
	k=$(install_chroot "$s" "$meta" "$rel" "$re")
else
	k=$(install_native "$s" "$meta" "$rel" "$re")
fi
msg "series $s: kernel $k in $CACHE/$k"
echo "$k"
