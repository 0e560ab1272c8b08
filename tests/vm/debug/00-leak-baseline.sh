#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# 00-leak-baseline: first step of `make check-debug-kernel` (debug kernel
# only, see scripts/debug-kernel.sh).  Scans once and marks every leak suspect
# the kernel has so far (boot-time objects, not ours) as already reported, so
# that 99-leak-scan's final scan shows only what the scenarios left behind.
# Also proves the checkers the run relies on are really in this kernel.

# shellcheck source=../lib.sh
source "${VM_LIB:-$(dirname "$0")/../lib.sh}"

KML=/sys/kernel/debug/kmemleak

log "kernel $(uname -r), tainted=$(tainted)"
[ -w $KML ] || fail "$KML missing: not a kmemleak kernel, or debugfs not mounted"
# Each of these leaves a mark in the boot log when it is built in and active.
boot=$(cat /vmout/boot.dmesg 2>/dev/null || true)
checkers=('Lock dependency validator' 'kmemleak: Kernel memory leak detector initialized')
# The PREEMPT_RT flavour leaves KASAN to the 6.1 debug kernel
# (scripts/debug-kernel-rt.config); every other debug kernel has it.
[[ $(uname -v) == *PREEMPT_RT* ]] || checkers+=('KernelAddressSanitizer initialized')
for what in "${checkers[@]}"; do
	[[ $boot == *"$what"* ]] || fail "boot log has no '$what' line: checker missing"
	log "ok: boot log has '$what'"
done

echo scan >$KML
n=$(grep -c '^unreferenced object' $KML || true)
log "baseline: $n leak suspect(s) from boot, marked as reported (not attributed to the suite):"
grep -A3 '^unreferenced object' $KML | head -n 40 || true
echo clear >$KML
assert_eq "suspects after clear" 0 "$(grep -c '^unreferenced object' $KML || true)"
