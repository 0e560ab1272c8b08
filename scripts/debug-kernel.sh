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
#   config   only configures that tree (checks that the fragment applies)
#   install  build, then unpack it into the test-kernel cache of
#            scripts/install-kernel.sh, where tests/vm/run.sh --kver finds it:
#            $NF_KERNEL_CACHE/KVER/boot/vmlinuz-KVER, .../lib/modules/KVER;
#            never into /boot or /lib/modules; prints KVER
#   kdir     prints the build directory (for `make KVER=KVER
#            CONFIGURE_ARGS=--kdir=DIR`)
#   check    install, `make KVER=KVER` the module, then run the VM scenarios
#            (default: tests/vm/scenarios/*.sh) between tests/vm/debug/00-* and
#            99-* (kmemleak baseline and final scan) on it.  Exit status of run.sh.
#
# DEBUG_KERNEL_FLAVOUR=rt (`make check-debug-kernel-rt`): the same checkers on
# PREEMPT_RT, built from linux-source-6.12 (PREEMPT_RT is mainline since
# 6.12) with scripts/debug-kernel-rt.config over the fragment; its own KEY.
#
# Nothing here touches what the machine boots or the default kernel choice:
# configure uses the running kernel's headers and run.sh the kernel the module
# was built for.
# Environment: DEBUG_KERNEL_FLAVOUR, DEBUG_KERNEL_CACHE, DEBUG_KERNEL_JOBS
# (default nproc), NF_KERNEL_CACHE, VM_TIMEOUT_SCALE (default 4),
# VM_BOOT_TIMEOUT (default 900), VM_MEM (default 2048).

set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
FRAGMENT=$REPO/scripts/debug-kernel.config
CACHE=${DEBUG_KERNEL_CACHE:-/var/cache/ipt-netflow-pp/debug-kernel}
KCACHE=${NF_KERNEL_CACHE:-/var/cache/ipt-netflow-pp/kernels}
JOBS=${DEBUG_KERNEL_JOBS:-$(nproc)}
case ${DEBUG_KERNEL_FLAVOUR:-} in
'') SRCPKG=linux-source-6.1 FLAVOUR_FRAGMENT= ;;
rt) SRCPKG=linux-source-6.12 FLAVOUR_FRAGMENT=$REPO/scripts/debug-kernel-rt.config ;;
*) echo "debug-kernel: unknown DEBUG_KERNEL_FLAVOUR '$DEBUG_KERNEL_FLAVOUR' (empty or rt)" >&2; exit 2 ;;
esac
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
	# (The default flavour's key must not move: the same words as always.)
	{
		echo "$SRCPKG $(srcver) recipe $RECIPE"
		grep -E '^(# )?CONFIG_' "$FRAGMENT"
		[ -z "$FLAVOUR_FRAGMENT" ] || grep -E '^(# )?CONFIG_' "$FLAVOUR_FRAGMENT"
	} | sha256sum | cut -c1-16
}

# wanted_options: the fragment, with the flavour's lines replacing the lines
# of the same option (and added after); what configure_tree merges and checks.
wanted_options() {
	[ -n "$FLAVOUR_FRAGMENT" ] || { cat "$FRAGMENT"; return; }
	awk '
		function opt(l) {
			if (l ~ /^CONFIG_[A-Za-z0-9_]+=/) { sub(/=.*/, "", l); return l }
			if (l ~ /^# CONFIG_[A-Za-z0-9_]+ is not set$/) { split(l, w, " "); return w[2] }
			return ""
		}
		{ o = opt($0) }
		o == "" { next }
		FILENAME == ARGV[1] { if (!(o in line)) order[n++] = o; line[o] = $0; next }
		{ if (!(o in line)) order[n++] = o; line[o] = $0 }
		END { for (i = 0; i < n; i++) print line[order[i]] }
	' "$FRAGMENT" "$FLAVOUR_FRAGMENT"
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
	local src=$1 obj=$2 line opt bad=0 frag=$2/nfdebug.config
	wanted_options >"$frag"
	make -s -C "$src" O="$obj" x86_64_defconfig >&2
	make -s -C "$src" O="$obj" kvm_guest.config >&2
	"$src/scripts/kconfig/merge_config.sh" -m -O "$obj" "$obj/.config" "$frag" >/dev/null
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
	done <"$frag"
	[ $bad = 0 ] || die "the fragment does not apply cleanly (see above)"
}

# configured: prints the object directory, configured (not built).
configured() {
	local ver src obj
	install_deps
	ver=$(srcver)
	src=$CACHE/src-$ver
	obj=$CACHE/$(cache_key)
	if [ -f "$obj/.built" ]; then
		echo "$obj"
		return 0
	fi
	mkdir -p "$CACHE"
	unpack_source "$src"
	mkdir -p "$obj"
	echo "$src" >"$obj/.source"
	msg "configuring $obj"
	configure_tree "$src" "$obj"
	echo "$obj"
}

# build: prints the object directory of the (cached) build.
build() {
	local src obj ver t0
	obj=$(configured)
	if [ -f "$obj/.built" ]; then
		msg "reusing cached debug kernel $obj ($(cat "$obj/.built"))"
		echo "$obj"
		return 0
	fi
	src=$(cat "$obj/.source")
	ver=$(srcver)
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
# install_kernel OBJ: prints the kernel release.  The image and the modules go
# into the test-kernel cache in scripts/install-kernel.sh's layout (KVER/boot,
# KVER/lib/modules, KVER/kdir, KVER/ready), never into /boot or /lib/modules:
# testing a kernel must not change what the machine boots (the next
# update-grub would list it) nor run the system's DKMS hooks.  Idempotent: a
# marker names the build it came from; a new build replaces it by a rename.
install_kernel() {
	local obj=$1 src kver d tmp mark
	src=$(cat "$obj/.source")
	kver=$(make -s -C "$src" O="$obj" kernelrelease)
	d=$KCACHE/$kver
	mark=.nfdebug-$(basename "$obj")
	forget_system_install "$kver"
	if [ -f "$d/ready" ] && [ -f "$d/$mark" ]; then
		echo "$kver"
		return 0
	fi
	mkdir -p "$KCACHE"
	tmp=$(mktemp -d "$KCACHE/.$kver.XXXXXX")
	chmod 0755 "$tmp"
	install -D -m 0644 "$obj/arch/x86/boot/bzImage" "$tmp/boot/vmlinuz-$kver"
	install -m 0644 "$obj/System.map" "$tmp/boot/System.map-$kver"
	install -m 0644 "$obj/.config" "$tmp/boot/config-$kver"
	# modules_install runs depmod on INSTALL_MOD_PATH.  No build/source
	# links (DKMS and tests/packaging/test-deb.sh build for every build
	# link they find; configure is pointed at the cache with --kdir).
	make -s -C "$src" O="$obj" INSTALL_MOD_PATH="$tmp" modules_install >&2
	rm -f "$tmp/lib/modules/$kver/build" "$tmp/lib/modules/$kver/source"
	echo "$obj" >"$tmp/kdir"
	echo "debug${DEBUG_KERNEL_FLAVOUR:+-$DEBUG_KERNEL_FLAVOUR} $kver" >"$tmp/series"
	touch "$tmp/$mark" "$tmp/ready"
	rm -rf "$d"
	mv -T "$tmp" "$d"
	msg "installed $kver into $d"
	echo "$kver"
}

# forget_system_install KVER: earlier versions of this script installed the
# debug kernel into /boot and /lib/modules (marked .nfdebug-KEY there); run.sh
# would prefer that copy to the cache, and update-grub would offer it as a
# boot entry.  Removes exactly those files.
forget_system_install() {
	local k=$1 f
	compgen -G "/lib/modules/$k/.nfdebug-*" >/dev/null || return 0
	msg "removing the system-wide install of $k left by an earlier version of this script"
	rm -rf "/lib/modules/$k"
	for f in vmlinuz System.map config; do rm -f "/boot/$f-$k"; done
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
config) configured ;;
install) install_kernel "$(build)" ;;
kdir) build ;;
check) shift || true; check "$@" ;;
*) sed -n '4,31p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
