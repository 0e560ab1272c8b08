#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# selftest.sh [--quick] [--kver VER]
#
# Tests the VM harness itself:
#  1. scan-dmesg.sh on fixture text: each kind of kernel trouble is caught,
#     a clean boot log and known-benign lines are not.
#  2. (unless --quick) three VM runs with deliberately good and bad scenarios
#     (tests/vm/selftest/scenarios/), checking run.sh's verdict lines, summary
#     and exit status: a failing scenario, a set -e failure, a real kernel
#     WARNING from an out-of-tree module, a "BUG:" line in dmesg, an in-guest
#     timeout, cleanup between scenarios, a wedged guest killed by the host
#     watchdog, and a kernel panic.
# Exit status 0 if the harness behaves.

set -uo pipefail
VM_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
QUICK=0 KVER=
while [ $# -gt 0 ]; do
	case $1 in
	--quick) QUICK=1; shift ;;
	--kver) KVER=$2; shift 2 ;;
	*) echo "usage: $0 [--quick] [--kver VER]" >&2; exit 2 ;;
	esac
done

ok=0 bad=0
check() { # check DESCRIPTION COMMAND...
	local d=$1
	shift
	if "$@"; then
		echo "  ok   $d"
		ok=$((ok + 1))
	else
		echo "  FAIL $d"
		bad=$((bad + 1))
	fi
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# ------------------------------------------------------ 1. the scanner ---
echo "== scan-dmesg.sh"
SCAN=$VM_DIR/scan-dmesg.sh
scan_catches() { printf '%s\n' '[    1.000000] e1000: eth0 up' "$1" >"$tmp/f"; ! "$SCAN" "$tmp/f" >/dev/null; }
scan_clean() { printf '%s\n' "$@" >"$tmp/f"; "$SCAN" "$tmp/f" >/dev/null; }

while IFS= read -r line; do
	[ -n "$line" ] && check "catches: ${line:15:60}" scan_catches "$line"
done <<'EOF'
[   12.345678] WARNING: CPU: 1 PID: 345 at net/netfilter/nf_conntrack_ecache.c:312 nf_conntrack_register_notifier+0x5d/0x70
[   12.345678] ------------[ cut here ]------------
[   12.345678] BUG: kernel NULL pointer dereference, address: 0000000000000008
[   12.345678] BUG: sleeping function called from invalid context at mm/slab.h:742
[   12.345678] kernel BUG at mm/slub.c:435!
[   12.345678] Oops: 0000 [#1] PREEMPT SMP NOPTI
[   12.345678] general protection fault, probably for non-canonical address 0xdead000000000100: 0000 [#1] SMP
[   12.345678] kmemleak: 2 new suspected memory leaks (see /sys/kernel/debug/kmemleak)
[   12.345678] UBSAN: shift-out-of-bounds in kmod/core/cache.cpp:77:20
[   12.345678] BUG: KASAN: slab-use-after-free in flow_cache_lookup+0x1c/0x90 [ipt_NETFLOW]
[   12.345678] WARNING: possible circular locking dependency detected
[   12.345678] WARNING: possible recursive locking detected
[   12.345678] INFO: lockdep is turned off.
[   12.345678] watchdog: BUG: soft lockup - CPU#0 stuck for 22s! [kworker/0:1:33]
[   12.345678] INFO: task modprobe:412 blocked for more than 120 seconds.
[   12.345678] hung task detector: something
[   12.345678] refcount_t: underflow; use-after-free.
[   12.345678] list_add corruption. prev->next should be next (ffff8880), but was 0000000000000000.
[   12.345678] list_del corruption, ffff888003d1c000->next is LIST_POISON1 (dead000000000100)
[   12.345678] Call Trace:
[   12.345678] Kernel panic - not syncing: Fatal exception in interrupt
[   12.345678] rcu: INFO: rcu_preempt self-detected stall on CPU
EOF
check "ignores a lone <TASK> line" scan_clean '[    1.0] <TASK>'

check "clean boot log passes" scan_clean \
	'[    0.000000] Linux version 6.1.0-56-amd64 (debian-kernel@lists.debian.org)' \
	'[    0.412000] kmemleak: Kernel memory leak detector initialized (mem pool available: 15871)' \
	'[    0.413000] kmemleak: Automatic memory scanning thread started' \
	'[    1.231000] ipt_NETFLOW: loading out-of-tree module taints kernel.' \
	'[    1.232000] ipt_NETFLOW: module verification failed: signature and/or required key missing - tainting kernel' \
	'[    1.970328] 9pnet: Limiting '\''msize'\'' to 512000 as this is the maximum supported by transport virtio'
if ls "$VM_DIR"/out/*/boot.dmesg >/dev/null 2>&1; then
	check "a real boot.dmesg from an earlier run passes" "$SCAN" "$(ls -t "$VM_DIR"/out/*/boot.dmesg | head -n1)"
fi
printf '%s\n' '[ 1.0] foo' '[ 2.0] WARNING: CPU: 0 PID: 1 at x.c:1 f+0x1/0x2' '[ 3.0] bar' >"$tmp/w"
check "prints the offending line with file:line" \
	bash -c '[ "$("$1" "$2")" = "$2:2:[ 2.0] WARNING: CPU: 0 PID: 1 at x.c:1 f+0x1/0x2" ]' _ "$SCAN" "$tmp/w"
check "exit 1 on trouble" bash -c '"$1" "$2" >/dev/null; [ $? = 1 ]' _ "$SCAN" "$tmp/w"
check "exit 2 on a missing file" bash -c '"$1" /nonexistent 2>/dev/null; [ $? = 2 ]' _ "$SCAN"
check "VM_DMESG_IGNORE suppresses a line" env VM_DMESG_IGNORE='at x\.c:1 ' "$SCAN" "$tmp/w"

if [ $QUICK = 1 ]; then
	echo "$ok ok, $bad failed"
	[ $bad = 0 ]
	exit
fi

# ------------------------------------------------------ 2. VM runs ---
if [ -z "$KVER" ]; then
	KVER=$(for f in /boot/vmlinuz-*; do
		k=${f#/boot/vmlinuz-}
		[ -d "/lib/modules/$k/kernel" ] && echo "$k"
	done | sort -V | tail -n1)
fi
echo "== building the self-test module for $KVER"
mb=${VM_CACHE:-$VM_DIR/.cache}/$KVER/selftest-module
mkdir -p "$mb"
if [ ! -f "$mb/vmtest_selftest.ko" ] ||
	[ "$VM_DIR/selftest/module/vmtest_selftest.c" -nt "$mb/vmtest_selftest.ko" ]; then
	cp "$VM_DIR"/selftest/module/{Kbuild,vmtest_selftest.c} "$mb/"
	make -s -C "/lib/modules/$KVER/build" M="$mb" modules 2>&1 | grep -v 'Skipping BTF' || true
fi
[ -f "$mb/vmtest_selftest.ko" ] || { echo "module build failed"; exit 1; }

S=$VM_DIR/selftest/scenarios
run() { # run NAME [run.sh args...]: output in $tmp/NAME.out, status in $tmp/NAME.rc
	local n=$1
	shift
	local t0=$SECONDS
	"$VM_DIR/run.sh" --kver "$KVER" --no-auto --module "$mb/vmtest_selftest.ko" \
		--out "$tmp/$n" "$@" </dev/null >"$tmp/$n.out" 2>"$tmp/$n.err"
	echo $? >"$tmp/$n.rc"
	echo "== run $n: exit $(cat "$tmp/$n.rc"), $((SECONDS - t0))s wall"
	sed 's/^/   | /' "$tmp/$n.out"
}
has() { grep -qE -- "$2" "$tmp/$1.out"; }
last_is() { [ "$(tail -n1 "$tmp/$1.out")" = "$2" ]; }
rc_nonzero() { [ "$(cat "$tmp/$1.rc")" != 0 ]; }

run A "$S/pass.sh" "$S/fail.sh" "$S/errexit.sh" "$S/warn.sh" "$S/kmsg.sh" \
	"$S/timeout.sh" "$S/leftover.sh" "$S/after.sh" "$S/hang.sh"
check "A: pass PASS" has A '^PASS pass \([0-9.]+s\)$'
check "A: fail FAIL with its reason" has A '^FAIL fail \([0-9.]+s\): deliberate failure \(fail\.sh:[0-9]+\)$'
check "A: errexit FAIL names the command" has A '^FAIL errexit .*command failed .*ls /nonexistent-selftest-path'
check "A: warn FAIL (kernel WARNING)" has A '^FAIL warn .*kernel log: .*WARNING: CPU'
check "A: warn FAIL names the taint" has A '^FAIL warn .*kernel tainted'
check "A: warn prints offending dmesg lines" has A 'warn/dmesg:[0-9]+:.*WARNING: CPU'
check "A: warn prints the splat" has A 'vmtest_selftest: deliberate warning'
check "A: kmsg FAIL (BUG: line)" has A '^FAIL kmsg .*kernel log: .*BUG: simulated'
check "A: timeout FAIL" has A '^FAIL timeout \([0-9.]+s\): timed out after 3s$'
check "A: leftover PASS" has A '^PASS leftover '
check "A: after PASS (harness cleaned up)" has A '^PASS after '
check "A: hang (D state) FAIL, guest carries on" has A '^FAIL hang .*timed out after 3s; harness cleanup: rmmod vmtest_selftest failed'
check "A: end taint reported" has A '^ERROR end: /proc/sys/kernel/tainted'
check "A: summary line" last_is A "3 passed, 6 failed"
check "A: nonzero exit" rc_nonzero A

VM_GRACE=8 run B --timeout 5 "$S/wedge.sh" "$S/never.sh"
check "B: wedge FAIL via host watchdog" has B '^FAIL wedge .*did not finish: guest stuck in scenario wedge'
check "B: never not run" has B '^FAIL never \(0s\): not run'
check "B: summary line" last_is B "0 passed, 2 failed"
check "B: nonzero exit" rc_nonzero B

run C "$S/pass.sh" "$S/panic.sh" "$S/never.sh"
check "C: pass PASS" has C '^PASS pass '
check "C: panic FAIL (kernel panic)" has C '^FAIL panic .*did not finish: kernel panic'
check "C: never not run" has C '^FAIL never \(0s\): not run'
check "C: summary line" last_is C "1 passed, 2 failed"
check "C: nonzero exit" rc_nonzero C

echo "$ok ok, $bad failed"
[ $bad = 0 ]
