#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# debug-kernel.sh [build|install|kdir|check] [SCENARIO.sh...]
#
# A debug kernel for the VM suite (`make check-debug-kernel` runs "check"):
#   build    builds Debian's linux-source-6.1 with KASAN, lockdep, kmemleak,
#            UBSAN... (defconfig + kvm_guest.config + scripts/debug-kernel.config)
#            once, cached outside the tree under $DEBUG_KERNEL_CACHE
#            (default /var/cache/ipt-netflow-pp/debug-kernel/KEY, KEY = hash of
#            the source package version, the fragment's options, the recipe)
#   install  build, then put it where tests/vm/run.sh looks for kernels:
#            /boot/vmlinuz-KVER and /lib/modules/KVER (no build link: DKMS
#            and the packaging test must not build for it); prints KVER
#   kdir     prints the build directory (for `make KVER=KVER
#            CONFIGURE_ARGS=--kdir=DIR`)
#   check    install, `make KVER=KVER` the module, then run the VM scenarios
#            (default: tests/vm/scenarios/*.sh) between tests/vm/debug/00-* and
#            99-* (kmemleak baseline and final scan) on it.  Exit status of run.sh.
#
# Nothing here touches the default kernel choice: configure uses the running
# kernel's headers and run.sh the kernel the module was built for.
# Environment: DEBUG_KERNEL_CACHE, DEBUG_KERNEL_JOBS (default nproc),
# VM_TIMEOUT_SCALE (default 4), VM_BOOT_TIMEOUT (default 900), VM_MEM (default 2048).

set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
FRAGMENT=$REPO/scripts/debug-kernel.config
CACHE=${DEBUG_KERNEL_CACHE:-/var/cache/ipt-netflow-pp/debug-kernel}
JOBS=${DEBUG_KERNEL_JOBS:-$(nproc)}
SRCPKG=linux-source-6.1
# Bump when the recipe in configure_tree changes (part of the cache key).
RECIPE=1

msg() { echo "debug-kernel: $*" >&2; }
die() { msg "ERROR: $*"; exit 1; }

# -------------------------------------------------------------- packages ---
install_deps() {
	local p missing=()
	for p in $SRCPKG build-essential bc bison flex libelf-dev libssl-dev cpio \
		xz-utils kmod; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'ok installed' ||
			missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	msg "installing ${missing[*]}"
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >&2
}

# ----------------------------------------------------------------- build ---
srcver() { dpkg-query -W -f='${Version}' $SRCPKG; }

cache_key() {
	# Options only: editing a comment of the fragment must not cost a rebuild.
	{ echo "$SRCPKG $(srcver) recipe $RECIPE"; grep -E '^(# )?CONFIG_' "$FRAGMENT"; } |
		sha256sum | cut -c1-16
}

# unpack_source DIR: the pristine tree, shared by every key of one version.
unpack_source() {
	local d=$1
	[ -f "$d/Makefile" ] && return 0
	msg "unpacking /usr/src/$SRCPKG.tar.xz"
	rm -rf "$d.tmp"
	mkdir -p "$d.tmp"
	tar -C "$d.tmp" -xJf /usr/src/$SRCPKG.tar.xz
	mv "$d.tmp/$SRCPKG" "$d"
	rm -rf "$d.tmp"
}

# configure_tree SRC OBJ: defconfig + kvm_guest.config + our fragment, then
# check that every option of the fragment survived olddefconfig (a missing
# dependency silently drops an option).
configure_tree() {
	local src=$1 obj=$2 line opt bad=0
	make -s -C "$src" O="$obj" x86_64_defconfig >&2
	make -s -C "$src" O="$obj" kvm_guest.config >&2
	"$src/scripts/kconfig/merge_config.sh" -m -O "$obj" "$obj/.config" "$FRAGMENT" >/dev/null
	make -s -C "$src" O="$obj" olddefconfig >&2
	while read -r line; do
		case $line in
		CONFIG_*=*) opt=${line%%=*} ;;
		'# CONFIG_'*' is not set') opt=${line#\# }; opt=${opt%% *} ;;
		*) continue ;;
		esac
		if ! grep -qxF "$line" "$obj/.config"; then
			# "=n" and "is not set" are the same; an absent option is off too.
			case $line in '#'*) grep -q "^$opt=[ym]" "$obj/.config" || continue ;; esac
			msg "config: wanted '$line', got '$(grep -E "^(# )?${opt}[= ]" "$obj/.config" || echo absent)'"
			bad=1
		fi
	done <"$FRAGMENT"
	[ $bad = 0 ] || die "the fragment does not apply cleanly (see above)"
}

# build: prints the object directory of the (cached) build.
build() {
	local ver src obj t0
	install_deps
	ver=$(srcver)
	src=$CACHE/src-$ver
	obj=$CACHE/$(cache_key)
	if [ -f "$obj/.built" ]; then
		msg "reusing cached debug kernel $obj ($(cat "$obj/.built"))"
		echo "$obj"
		return 0
	fi
	mkdir -p "$CACHE"
	unpack_source "$src"
	mkdir -p "$obj"
	echo "$src" >"$obj/.source"
	msg "configuring $obj"
	configure_tree "$src" "$obj"
	msg "building $SRCPKG $ver in $obj with -j$JOBS (log: $obj/build.log); this takes long"
	t0=$(date +%s)
	if ! nice -n 10 make -C "$src" O="$obj" -j"$JOBS" bzImage modules >"$obj/build.log" 2>&1; then
		tail -n 30 "$obj/build.log" >&2
		die "kernel build failed; see $obj/build.log"
	fi
	echo "built in $(($(date +%s) - t0))s on $(date -u +%FT%TZ)" >"$obj/.built"
	msg "$(cat "$obj/.built")"
	echo "$obj"
}

# --------------------------------------------------------------- install ---
# install_kernel OBJ: prints the kernel release.  Idempotent: only copies what
# differs; /boot and /lib/modules entries are replaced by atomic renames.
install_kernel() {
	local obj=$1 src kver md
	src=$(cat "$obj/.source")
	kver=$(make -s -C "$src" O="$obj" kernelrelease)
	md=/lib/modules/$kver
	if ! cmp -s "$obj/arch/x86/boot/bzImage" "/boot/vmlinuz-$kver"; then
		install -m 0644 "$obj/arch/x86/boot/bzImage" "/boot/.vmlinuz-$kver.tmp"
		mv -f "/boot/.vmlinuz-$kver.tmp" "/boot/vmlinuz-$kver"
		install -m 0644 "$obj/System.map" "/boot/.System.map-$kver.tmp"
		mv -f "/boot/.System.map-$kver.tmp" "/boot/System.map-$kver"
		install -m 0644 "$obj/.config" "/boot/config-$kver"
		msg "installed /boot/vmlinuz-$kver"
	fi
	if [ ! -f "$md/.nfdebug-$(basename "$obj")" ]; then
		rm -rf "$md"
		make -s -C "$src" O="$obj" INSTALL_MOD_PATH=/ modules_install >&2
		touch "$md/.nfdebug-$(basename "$obj")"
		msg "installed $md"
	fi
	# No build/source links: DKMS's postinst and tests/packaging/test-deb.sh
	# build for every /lib/modules/*/build; this kernel is for `check` only,
	# which points configure at the cache with --kdir.
	rm -f "$md/build" "$md/source"
	echo "$kver"
}

# ----------------------------------------------------------------- check ---
check() {
	local obj kver scen=("$@") t0 rc
	obj=$(build)
	kver=$(install_kernel "$obj")
	[ ${#scen[@]} -gt 0 ] || scen=("$REPO"/tests/vm/scenarios/*.sh)
	# build/KVER/config.mk remembers KDIR: reconfigure when the cache key moved.
	grep -qxF "KDIR := $obj" "$REPO/build/$kver/config.mk" 2>/dev/null ||
		rm -f "$REPO/build/$kver/config.mk"
	make -C "$REPO" KVER="$kver" CONFIGURE_ARGS=--kdir="$obj" >&2
	t0=$(date +%s)
	set +e
	# KASAN + lockdep + kmemleak under TCG: every timeout x4 (scenario limits in
	# run.sh, waits inside the guest through vm_timeout_scale), more memory
	# (shadow, quarantine, kmemleak metadata).  kmemleak's own "new suspected
	# leaks" line is 00-leak-baseline/99-leak-scan's business, not a scenario failure.
	# kasan_multi_shot: report every bad access, not only the first one.
	local scale=${VM_TIMEOUT_SCALE:-4}
	VM_TIMEOUT_SCALE=$scale VM_BOOT_TIMEOUT=${VM_BOOT_TIMEOUT:-900} \
	VM_DMESG_IGNORE="kmemleak: [0-9]+ new suspected memory leaks${VM_DMESG_IGNORE:+|$VM_DMESG_IGNORE}" \
	"$REPO/tests/vm/run.sh" --kver "$kver" --mem "${VM_MEM:-2048}" --append kasan_multi_shot --append vm_timeout_scale="$scale" \
		--module "$REPO/build/$kver/ipt_NETFLOW.ko" --xtlib "$REPO/xtables" \
		"$REPO"/tests/vm/debug/00-*.sh "${scen[@]}" "$REPO"/tests/vm/debug/99-*.sh
	rc=$?
	set -e
	msg "VM suite on $kver: exit $rc after $(($(date +%s) - t0))s"
	return $rc
}

case ${1:-check} in
build) build ;;
install) install_kernel "$(build)" ;;
kdir) build ;;
check) shift || true; check "$@" ;;
*) sed -n '4,24p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
