#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# 99-leak-scan: last step of `make check-debug-kernel` (debug kernel only).
# Every scenario has run and the harness has unloaded the project module, so
# whatever kmemleak finds unreferenced now was lost during the suite
# (00-leak-baseline cleared what boot left).  Two scans some seconds apart,
# as kmemleak only reports objects older than its minimum age and a pointer
# may sit in a register or a per-CPU cache during one scan.  Fails on any
# suspect, and prints each one whole (backtrace included).

# shellcheck source=../lib.sh
source "${VM_LIB:-$(dirname "$0")/../lib.sh}"

KML=/sys/kernel/debug/kmemleak

[ -w $KML ] || fail "$KML missing: not a kmemleak kernel, or debugfs not mounted"
module_loaded ipt_NETFLOW && fail "ipt_NETFLOW still loaded at the final scan"
echo scan >$KML
sleep 6
echo scan >$KML
report=$(cat $KML)
n=$(grep -c '^unreferenced object' <<<"$report" || true)
# The module is gone by now, so its frames print as bare addresses (as would
# those of a stock module some scenario removed).
unres=$(awk '/^unreferenced object/ { hit = 0 } /\] 0x[0-9a-f]+$/ && !hit { hit = 1; n++ } END { print n + 0 }' <<<"$report")
if [ "$n" -ne 0 ]; then
	printf '%s\n' "$report" >"${VM_ARTIFACTS:-/tmp}/kmemleak.txt" 2>/dev/null || true
	printf '%s\n' "$report"
	fail "kmemleak: $n unreferenced object(s) after the suite, $unres with frames in an unloaded module (ipt_NETFLOW?)"
fi
log "kmemleak: no unreferenced objects after the suite"
