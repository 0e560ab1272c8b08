#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make check-packaging`: builds the .debs (make deb), installs them on this
# machine (as root; DKMS builds the module for every installed kernel that has
# headers), checks what landed where, boots each such kernel in the VM with
# tests/packaging/vm-installed.sh (the installed module and extension, no
# project build), and purges the packages again, so that the normal suite goes
# on testing the tree's own build.  Prints PASS/FAIL lines and
# "N passed, M failed".
#
#   tests/packaging/test-deb.sh [--kver VER]... [--series S]...
#     --kver     an installed kernel (default: every kernel with headers)
#     --series   a test kernel of scripts/install-kernel.sh's cache (6.1-rt,
#                6.12, 7, 7-rt): DKMS builds the packaged sources in that
#                kernel's build environment (this machine, or the trixie
#                chroot, where the package itself is installed with apt), and
#                the module DKMS made is loaded in that kernel's VM.  Nothing
#                is installed under this machine's /lib/modules for it.
set -uo pipefail
cd "$(dirname "$0")/../.."

KVERS=() SERIES=()
while [ $# -gt 0 ]; do
	case $1 in
	--kver) KVERS+=("$2"); shift 2 ;;
	--series) SERIES+=("$2"); shift 2 ;;
	*) echo "usage: $0 [--kver VER]... [--series S]..." >&2; exit 2 ;;
	esac
done
[ "$(id -u)" = 0 ] || { echo "test-deb: run as root (it installs packages)" >&2; exit 2; }

pass=0 fail=0
ok() { echo "PASS packaging: $1"; pass=$((pass + 1)); }
ko() { echo "FAIL packaging: $1"; fail=$((fail + 1)); }
check() { local what=$1; shift; if "$@" >/dev/null 2>&1; then ok "$what"; else ko "$what"; fi; }
PKGS=(ipt-netflow-pp-dkms ipt-netflow-pp-xtables)
XTDIR=/usr/lib/$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || echo x86_64-linux-gnu)/xtables
log=$(mktemp -d /tmp/test-deb.XXXXXX)

purge() {
	DEBIAN_FRONTEND=noninteractive apt-get purge -y -q "${PKGS[@]}" >"$log/purge.log" 2>&1
}
# Logs (and the VM results) are kept when something failed.
trap 'purge; if [ "$fail" -eq 0 ]; then rm -rf "$log"; else echo "test-deb: logs in $log"; fi' EXIT
# The VM boots are not what is tested here: be patient with a busy host.
export VM_BOOT_TIMEOUT=${VM_BOOT_TIMEOUT:-300}

# --- tools ------------------------------------------------------------------
need=()
for p in dkms debhelper dh-dkms dpkg-dev libxtables-dev pkg-config g++ make; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
	echo "test-deb: installing ${need[*]}"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need[@]}" >"$log/deps.log" 2>&1 ||
		{ tail "$log/deps.log"; echo "test-deb: cannot install ${need[*]}" >&2; exit 1; }
fi

# A `make dkms-install` of the same name and version would clash with the package.
if [ -n "$(dkms status ipt-netflow-pp 2>/dev/null)" ] &&
	! dpkg-query -W -f='${Status}' ipt-netflow-pp-dkms 2>/dev/null | grep -q "install ok"; then
	echo "test-deb: removing the module registered by make dkms-install first"
	make -s dkms-uninstall >"$log/dkms-uninstall.log" 2>&1
fi

# vm_installed KVER: that kernel's VM loads the module DKMS installed
# (modprobe finds it in updates/dkms) and the packaged extension.
vm_installed() {
	if tests/vm/run.sh --kver "$1" --no-auto --out "$log/vm-$1" tests/packaging/vm-installed.sh \
		>"$log/vm-$1.log" 2>&1; then
		ok "VM $1: the packaged module loads, meters, exports v9 and unloads"
	else
		ko "VM $1:"; sed 's/^/    /' "$log/vm-$1.log" | tail -n 40
	fi
}

# --- a cached test kernel: DKMS in its build environment, its VM -----------------
KCACHE=${NF_KERNEL_CACHE:-/var/cache/ipt-netflow-pp/kernels}
series_dkms() {	# SERIES
	local s=$1 k kroot root built vm
	k=$(scripts/install-kernel.sh "$s" 2>"$log/kernel-$s.log" | tail -n1)
	kroot=$KCACHE/$k
	[ -n "$k" ] && [ -f "$kroot/ready" ] || { ko "series $s: no test kernel (see $log/kernel-$s.log)"; return; }
	if [ -f "$kroot/chroot" ]; then
		root=$(cat "$kroot/chroot")
		dkms_in_chroot "$s" "$k" "$root" || return
		built=$(ls "$root/lib/modules/$k/updates/dkms/ipt_NETFLOW.ko"* 2>/dev/null | head -n1)
	else
		if dkms build ipt-netflow-pp/"$version" -k "$k" --kernelsourcedir "$(cat "$kroot/kdir")" \
			>"$log/dkms-$s.log" 2>&1; then
			ok "series $s: dkms build for $k"
		else
			ko "series $s: dkms build for $k failed:"; tail -n 30 "$log/dkms-$s.log" | sed 's/^/    /'
			return
		fi
		built=$(ls /var/lib/dkms/ipt-netflow-pp/"$version"/"$k"/*/module/ipt_NETFLOW.ko* 2>/dev/null | head -n1)
	fi
	[ -n "$built" ] || { ko "series $s: DKMS left no ipt_NETFLOW.ko for $k"; return; }
	vm=$(modinfo -F vermagic "$built" | awk '{print $1}')
	[ "$vm" = "$k" ] && ok "series $s: vermagic of DKMS's module is $k" || ko "series $s: vermagic '$vm', not $k"
	# Where DKMS installs on a real machine of that kernel: updates/dkms.
	mkdir -p "$kroot/lib/modules/$k/updates/dkms"
	cp "$built" "$kroot/lib/modules/$k/updates/dkms/"
	depmod -b "$kroot" "$k"
	vm_installed "$k"
	rm -rf "$kroot/lib/modules/$k/updates"
	depmod -b "$kroot" "$k"
	if [ -n "${root:-}" ]; then
		scripts/install-kernel.sh --run "$k" -- apt-get purge -y -q ipt-netflow-pp-dkms >>"$log/dkms-$s.log" 2>&1
		check "series $s: apt-get purge in the build environment leaves nothing for $k" \
			bash -c "! ls $root/lib/modules/$k/updates/dkms/ipt_NETFLOW.ko* && test ! -e $root/usr/src/ipt-netflow-pp-$version"
	else
		dkms remove ipt-netflow-pp/"$version" -k "$k" >>"$log/dkms-$s.log" 2>&1
		check "series $s: dkms remove -k $k" test ! -e "/var/lib/dkms/ipt-netflow-pp/$version/$k"
	fi
}
# The trixie chroot: the package installed there by apt (which brings DKMS),
# and DKMS builds for the kernel whose headers are installed there.
dkms_in_chroot() {	# SERIES KVER ROOT
	local s=$1 k=$2 root=$3 deb rc
	deb=ipt-netflow-pp-dkms_"$version"_all.deb
	cp "build/deb/$deb" "$root/tmp/"
	scripts/install-kernel.sh --run "$k" -- sh -c "apt-get update -q && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -q --no-install-recommends /tmp/$deb && \
		{ dkms status ipt-netflow-pp/$version -k $k | grep -q installed || dkms autoinstall -k $k; } && \
		dkms status ipt-netflow-pp/$version -k $k | grep -q ': installed'" >"$log/dkms-$s.log" 2>&1
	rc=$?
	rm -f "$root/tmp/$deb"
	if [ $rc = 0 ]; then
		ok "series $s: apt-get install in its build environment, DKMS installed it for $k"
	else
		ko "series $s: DKMS in the build environment failed:"; tail -n 30 "$log/dkms-$s.log" | sed 's/^/    /'
	fi
	return $rc
}

# --- build --------------------------------------------------------------------
if make -s deb >"$log/deb.log" 2>&1; then
	ok "make deb built $(ls build/deb/*.deb | xargs -n1 basename | tr '\n' ' ')"
else
	ko "make deb failed:"; sed 's/^/    /' "$log/deb.log"
	echo "$pass passed, $fail failed"
	exit 1
fi
version=$(sed -n 's/^#define NF_VERSION "\(.*\)"$/\1/p' include/netflow/abi.h)

# --- install ------------------------------------------------------------------
if [ ${#KVERS[@]} -eq 0 ]; then
	for d in /lib/modules/*; do
		[ -f "$d/build/Makefile" ] && KVERS+=("$(basename "$d")")
	done
fi
t0=$(date +%s)
if DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
	./build/deb/ipt-netflow-pp-dkms_"$version"_all.deb ./build/deb/ipt-netflow-pp-xtables_"$version"_*.deb \
	>"$log/install.log" 2>&1; then
	ok "apt-get install of both packages ($(($(date +%s) - t0)) s, DKMS builds included)"
else
	ko "apt-get install failed:"; tail -n 40 "$log/install.log" | sed 's/^/    /'
fi
# DKMS's post-install builds for the running kernel and the newest one, or
# for all when the running kernel is not installed (a container); the rest
# is what `dkms autoinstall` does when a kernel's headers are installed.
for k in "${KVERS[@]}"; do
	if ! dkms status ipt-netflow-pp/"$version" -k "$k" | grep -q installed; then
		dkms autoinstall -k "$k" >>"$log/install.log" 2>&1
	fi
done
echo "test-deb: dkms status:"
dkms status ipt-netflow-pp | sed 's/^/    /'

for k in "${KVERS[@]}"; do
	check "dkms: installed for $k" bash -c "dkms status ipt-netflow-pp/$version -k $k | grep -q ': installed'"
	f=$(modinfo -k "$k" -n ipt_NETFLOW 2>/dev/null)
	[[ $f == /lib/modules/$k/updates/dkms/ipt_NETFLOW.ko* ]] && ok "modinfo -k $k finds $f" ||
		ko "modinfo -k $k finds '$f', not updates/dkms/"
	vm=$(modinfo -k "$k" -F vermagic ipt_NETFLOW 2>/dev/null | awk '{print $1}')
	[ "$vm" = "$k" ] && ok "vermagic of the $k build is $k" || ko "vermagic of the $k build is '$vm'"
done
# A kernel's headers installed after the package: their postinst runs
# /etc/kernel/header_postinst.d/dkms, which must build our module for it.
# Reinstalling the newest kernel's headers package replays exactly that.
if [ ${#KVERS[@]} -ge 2 ]; then
	k2=$(printf '%s\n' "${KVERS[@]}" | sort -V | tail -n1)
	hdr=linux-headers-$k2
	if dpkg-query -W -f='${Status}' "$hdr" 2>/dev/null | grep -q "install ok installed"; then
		dkms remove ipt-netflow-pp/"$version" -k "$k2" >>"$log/install.log" 2>&1
		check "dkms remove -k $k2 leaves no module for it" \
			bash -c "! ls /lib/modules/$k2/updates/dkms/ipt_NETFLOW.ko* && ! dkms status ipt-netflow-pp/$version -k $k2 | grep -q installed"
		if DEBIAN_FRONTEND=noninteractive apt-get install -y -q --reinstall "$hdr" >"$log/headers.log" 2>&1; then
			check "installing $hdr rebuilt the module by DKMS (header_postinst.d hook)" \
				bash -c "dkms status ipt-netflow-pp/$version -k $k2 | grep -q ': installed' && ls /lib/modules/$k2/updates/dkms/ipt_NETFLOW.ko*"
		else
			ko "apt-get install --reinstall $hdr failed:"; tail -n 20 "$log/headers.log" | sed 's/^/    /'
		fi
	fi
fi
check "libxt_NETFLOW.so in $XTDIR" test -f "$XTDIR/libxt_NETFLOW.so"
check "iptables -j NETFLOW --help shows the target's help" \
	bash -c "iptables -j NETFLOW --help 2>&1 | grep -q 'NETFLOW target'"
check "man page NETFLOW(8) installed" test -f /usr/share/man/man8/NETFLOW.8.gz
check "examples installed" test -f /usr/share/doc/ipt-netflow-pp-dkms/examples/modprobe.d/ipt_NETFLOW.conf
check "dkms.conf has the version filled in" grep -q "PACKAGE_VERSION=\"$version\"" "/usr/src/ipt-netflow-pp-$version/dkms.conf"

# --- the installed module in the VM -------------------------------------------
for k in "${KVERS[@]}"; do
	[ -r "/boot/vmlinuz-$k" ] || { echo "test-deb: no /boot/vmlinuz-$k: no VM run"; continue; }
	vm_installed "$k"
done

# --- test kernels of the cache ------------------------------------------------
for s in "${SERIES[@]}"; do
	series_dkms "$s"
done

# --- purge ----------------------------------------------------------------------
if purge; then
	ok "apt-get purge of both packages"
else
	ko "apt-get purge failed:"; tail -n 20 "$log/purge.log" | sed 's/^/    /'
fi
for k in "${KVERS[@]}"; do
	left=$(ls /lib/modules/"$k"/updates/dkms/ipt_NETFLOW.ko* 2>/dev/null)
	[ -z "$left" ] && ok "nothing left in /lib/modules/$k/updates/dkms" || ko "left behind: $left"
	f=$(modinfo -k "$k" -n ipt_NETFLOW 2>/dev/null)
	[[ $f != */updates/* ]] && ok "modules.dep of $k no longer names updates/dkms" || ko "$k still resolves $f"
done
check "libxt_NETFLOW.so removed" test ! -e "$XTDIR/libxt_NETFLOW.so"
check "/usr/src/ipt-netflow-pp-$version removed" test ! -e "/usr/src/ipt-netflow-pp-$version"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
