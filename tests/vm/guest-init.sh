#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# PID 1 of the test guest, started by the initramfs after switch_root.
# The root is the host's / (9p, read-only) under a tmpfs overlay, so every host
# binary is here at the same path. Results go to the writable 9p share "out",
# mounted on /vmout; run.sh wrote the run description to /vmout/vm.conf.
#
# For every scenario it writes /vmout/<name>/:
#   start    guest time the scenario started (the host watchdog looks for it)
#   log      stdout+stderr of the scenario
#   reason   one-line failure reason (written by lib.sh's fail / ERR trap)
#   dmesg    kernel log produced while the scenario (and its cleanup) ran
#   tainted  /proc/sys/kernel/tainted after the scenario
#   time     wall seconds
#   rc       exit code (written last: "scenario finished")
# and at the end boot.dmesg, end.dmesg, dmesg.full, tainted, done.
# PID 1 must never exit: everything ends with busybox poweroff -f.

export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root TERM=dumb LANG=C.UTF-8 LC_ALL=C.UTF-8
umask 022

# Setup uses the static busybox and bash builtins: every dynamically linked
# exec costs library loads over 9p under TCG.
bb=/bin/busybox
[ -x $bb ] || bb=/usr/bin/busybox
uptime() { local u _; read -r u _ </proc/uptime; echo "$u"; }
say() { echo "vmtest: $*"; [ -d /vmout/. ] && echo "[$(uptime)] $*" >>/vmout/guest.log; }
usec() { local t=${EPOCHREALTIME/./}; echo "${t#0}"; }
secs() { printf '%d.%d' $(($1 / 1000000)) $(($1 % 1000000 / 100000)); }

shutdown() {
	$bb sync
	say "powering off"
	$bb poweroff -f
	$bb sleep 1000000
}
trap shutdown EXIT

$bb mount -t proc proc /proc
echo "vmtest: guest-init started" >/dev/kmsg
$bb mount -t sysfs sysfs /sys
[ -e /dev/null ] || $bb mount -t devtmpfs devtmpfs /dev
$bb mkdir -p /dev/pts /dev/shm
$bb mount -t devpts -o newinstance,ptmxmode=0666 devpts /dev/pts
$bb mount -t tmpfs -o mode=1777 tmpfs /dev/shm
# /tmp is NOT a fresh tmpfs: it is the host's /tmp under the overlay (writes
# land in the overlay's tmpfs), so scenarios, modules and tools that live in
# the host's /tmp stay visible. /run is fresh: the host's netns files and
# sockets there mean nothing in the guest.
$bb mount -t tmpfs -o mode=0755 tmpfs /run
$bb mkdir -p /run/lock /run/netns /vmout
$bb mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
$bb mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
$bb ln -sfn /proc/self/fd /dev/fd
$bb ln -sfn /proc/self/fd/0 /dev/stdin
$bb ln -sfn /proc/self/fd/1 /dev/stdout
$bb ln -sfn /proc/self/fd/2 /dev/stderr
$bb ln -sfn /proc/kcore /dev/core
[ -e /dev/ptmx ] || $bb ln -sfn pts/ptmx /dev/ptmx
echo vmtest >/proc/sys/kernel/hostname
$bb ip link set lo up

if ! $bb mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 out /vmout; then
	say "FATAL: cannot mount the results share (9p tag 'out')"
	exit 1
fi
if ! . /vmout/vm.conf; then
	say "FATAL: cannot read /vmout/vm.conf"
	exit 1
fi

read -r osrelease </proc/sys/kernel/osrelease
say "booted $osrelease in $(uptime)s, $($bb nproc) CPUs, scenarios: ${SCEN_NAMES[*]}"

# A test kernel from the project's cache: its modules are not under the
# host's /lib/modules; link them there (the overlay keeps writes in the guest).
if [ -n "${VM_KMODDIR:-}" ] && [ ! -e "/lib/modules/$VM_KVER" ]; then
	$bb mkdir -p /lib/modules
	$bb ln -s "$VM_KMODDIR" "/lib/modules/$VM_KVER"
fi

# Project modules: run.sh ran depmod on the host into $VM_MODTREE (distro tree
# symlinked, project modules in extra/). Copy its indexes and extra/ over this
# kernel's module dir (the overlay makes it writable) so a plain modprobe works.
if [ -n "${VM_MODTREE:-}" ]; then
	src=$VM_MODTREE/lib/modules/$VM_KVER
	dst=/lib/modules/$VM_KVER
	if [ -d "$src/extra" ]; then
		files=()
		for f in "$src"/modules.*; do [ -L "$f" ] || files+=("$f"); done
		$bb cp -f "${files[@]}" "$dst/"
		$bb rm -rf "$dst/extra"
		$bb cp -rL "$src/extra" "$dst/extra"
		say "project modules: $(cd "$dst/extra" && echo *)"
	else
		say "harness error: module tree $src missing"
	fi
fi

# Legacy x_tables is a kernel option of its own since 6.17, and Debian's 7.x
# rt flavour leaves it out (no ip_tables module: iptables-legacy cannot work
# there).  Then plain iptables/ip6tables are the nft back end (shims first in
# PATH, in the guest's tmpfs overlay), and scenarios skip their
# iptables-legacy rounds (lib.sh: have_legacy_iptables).  modprobe -n: only
# looks the modules up; iptables-legacy loads them itself when it runs.
# `run.sh --append nf_test.no_legacy_iptables` does the same on a kernel that
# has them: the scenarios' nft-only paths can be run anywhere.
VM_LEGACY_IPTABLES=1
if $bb grep -qw nf_test.no_legacy_iptables /proc/cmdline || ! modprobe -n -q ip_tables || ! modprobe -n -q ip6_tables; then
	VM_LEGACY_IPTABLES=0
	for c in iptables ip6tables; do
		for s in '' -save -restore; do
			$bb ln -sf "/usr/sbin/$c-nft$s" "/usr/local/sbin/$c$s"
		done
	done
	say "no legacy iptables in this kernel: iptables/ip6tables are the nft back end"
fi
export VM_LEGACY_IPTABLES

export XTABLES_LIBDIR=/usr/lib/x86_64-linux-gnu/xtables
[ -n "${VM_XTLIB:-}" ] && XTABLES_LIBDIR=$VM_XTLIB:$XTABLES_LIBDIR
export VM_KVER VM_REPO VM_DIR VM_XTLIB
export VM_LIB=$VM_DIR/lib.sh
export VM_MODULES="${VM_PROJECT_MODS[*]}"

# Console gets warnings and worse from now on: if the guest hangs, the
# console log (host side) is the only record.
echo 5 >/proc/sys/kernel/printk
dmesg -c >/vmout/boot.dmesg
$bb cp /vmout/boot.dmesg /vmout/dmesg.full
read -r t </proc/sys/kernel/tainted
echo "$t" >/vmout/boot.tainted

# Leave nothing from one scenario to the next: processes, netns, project modules.
cleanup_after() {
	local name=$1 m left=()
	# only what this scenario loaded: see loaded_before
	kill -KILL -1 2>/dev/null
	$bb usleep 100000
	compgen -G "/run/netns/*" >/dev/null && ip -all netns delete 2>/dev/null
	for m in "${VM_PROJECT_MODS[@]}"; do
		[ -e "/sys/module/$m/initstate" ] && [[ " $loaded_before " != *" $m "* ]] && left+=("$m")
	done
	[ ${#left[@]} -eq 0 ] && return 0
	echo "vmtest-harness: modules left loaded by $name: ${left[*]}; flushing rules and unloading"
	for c in iptables-legacy ip6tables-legacy; do
		local f=/proc/net/ip_tables_names
		[ $c = ip6tables-legacy ] && f=/proc/net/ip6_tables_names
		[ -r $f ] || continue
		local t
		for t in $(cat $f); do $c -w -t "$t" -F; $c -w -t "$t" -X; done
	done
	[ -d /sys/module/nf_tables ] && nft flush ruleset
	for ((i = ${#left[@]} - 1; i >= 0; i--)); do
		if ! rmmod "${left[i]}"; then
			echo "vmtest-harness: rmmod ${left[i]} failed"
			echo "harness cleanup: rmmod ${left[i]} failed after the scenario" >>"/vmout/$name/cleanup-failed"
		fi
	done
}

# The scenarios bind fixed ports (collectors from 2055, traffic sources and
# sinks up to 50999): an ephemeral port the kernel hands out meanwhile (the
# exporter's UDP socket, a connect()) must never take one of them, so the
# ephemeral range starts above them.  netns_add does the same per namespace.
EPHEMERAL_PORTS="61000 64999"
echo "$EPHEMERAL_PORTS" >/proc/sys/net/ipv4/ip_local_port_range
export EPHEMERAL_PORTS

# Two vCPUs under TCG: a static key flipped while the other vCPU runs through
# the code being patched has crashed a 6.12 guest once ("Oops: int3" in
# __netif_receive_skb_core, as scapy's socket switched on netstamp_needed_key
# in the middle of 64-hostile-packets' traffic).  So the key is on before a
# scenario starts and stays on: a socket with SO_TIMESTAMP held open (the
# kernel switches the key from a work item: wait a moment for it).  run.sh
# now also runs the vCPUs on one host thread, which removes the race itself;
# this stays so that a run with VM_TCG_THREAD=multi keeps the old guard.
hold_timestamps() {
	[ "$($bb nproc)" -gt 1 ] || return 0
	local ready=/tmp/vmtest/tstamp.ready
	$bb rm -f "$ready"
	python3 -c 'import signal, socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_TIMESTAMP, 1)
open(sys.argv[1], "w").close()
signal.pause()' "$ready" </dev/null >/dev/null 2>&1 &
	local n=0
	while [ ! -e "$ready" ] && [ $n -lt 200 ]; do $bb usleep 50000; n=$((n + 1)); done
	$bb usleep 200000
}

for i in "${!SCEN_PATHS[@]}"; do
	path=${SCEN_PATHS[i]} name=${SCEN_NAMES[i]} tmo=${SCEN_TIMEOUTS[i]}
	d=/vmout/$name
	scratch=/tmp/vmtest/$name
	$bb mkdir -p "$d" "$scratch"
	say "[$name] start (timeout ${tmo}s)"
	echo "vmtest: scenario $name start" >/dev/kmsg
	loaded_before=''
	for m in "${VM_PROJECT_MODS[@]}"; do
		[ -e "/sys/module/$m/initstate" ] && loaded_before+=" $m"
	done
	hold_timestamps
	t0=$(usec)
	echo "$t0" >"$d/start"
	(
		cd "$scratch" || exit 1
		export VM_NAME=$name VM_ARTIFACTS=$d VM_REASON_FILE=$d/reason VM_TIMEOUT=$tmo TMPDIR=$scratch
		exec timeout -k 5 "$tmo" bash "$path"
	) >"$d/log" 2>&1 </dev/null
	rc=$?
	t1=$(usec)
	cleanup_after "$name" >>"$d/log" 2>&1 </dev/null
	echo "vmtest: scenario $name end rc=$rc" >/dev/kmsg
	dmesg -c >"$d/dmesg"
	$bb cat "$d/dmesg" >>/vmout/dmesg.full
	read -r t </proc/sys/kernel/tainted
	echo "$t" >"$d/tainted"
	el=$(secs $((t1 - t0)))
	echo "$el" >"$d/time"
	echo "$rc" >"$d/rc"
	say "[$name] end rc=$rc (${el}s)"
done

dmesg -c >/vmout/end.dmesg
$bb cat /vmout/end.dmesg >>/vmout/dmesg.full
read -r t </proc/sys/kernel/tainted
echo "$t" >/vmout/tainted
echo ok >/vmout/done
exit 0
