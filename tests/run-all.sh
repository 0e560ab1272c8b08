#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make check`: build checks, unit tests, every VM scenario in one boot on the
# default kernel (6.1), then the build checks and the smoke subset of the VM
# scenarios on the second series (6.12; CHECK_SERIES names others).
# Ends with one line "N passed, M failed" over all of them.
#
# Two lanes, because the guest is single-threaded TCG (one host core): the
# 6.1 VM suite runs in the background on a snapshot of the module, while the
# build checks, unit tests, the second series and then the 6.1 scenarios
# tagged '# vm-lane: b' run in the foreground on the other core.
# CHECK_SERIAL=1 runs them one after the other.
set -uo pipefail
cd "$(dirname "$0")/.."

pass=0 fail=0 broken=()
tally() {	# tally SUITE LOG: adds the suite's own "N passed, M failed"
	local line p f
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$2" | tail -1)
	if [ -z "$line" ]; then
		broken+=("$1 (no result line)")
		fail=$((fail + 1))
		return
	fi
	p=${line%% passed*}
	f=${line#*, }
	f=${f%% failed*}
	pass=$((pass + p))
	fail=$((fail + f))
	[ "$f" -eq 0 ] || broken+=("$1")
}

logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
start=$(date +%s)

# ---- lane A: the whole VM suite on the configured kernel ------------------
# The kernel the module was configured for, not merely the newest in /boot.
kver=$(sed -n 's/^KVER := //p' config.mk)
# A snapshot: the build checks below rebuild ./ipt_NETFLOW.ko meanwhile.
mkdir -p "$logs/mod/xt"
cp ipt_NETFLOW.ko "$logs/mod/"
cp xtables/*.so "$logs/mod/xt/"
# vm_suite LOG SCENARIO...: one boot of the configured kernel.
vm_suite() {
	local log=$1
	shift
	tests/vm/run.sh ${kver:+--kver "$kver"} --no-auto --module "$logs/mod/ipt_NETFLOW.ko" \
		--xtlib "$logs/mod/xt" "$@" >"$log" 2>&1
}
# The scenarios tagged '# vm-lane: b' run in lane B once the further series
# are done, so that both lanes end at about the same time (lane A alone
# would take most of CI's hour).  CHECK_SERIAL=1 runs them all in lane A.
mapfile -t lane_b < <(grep -l '^# *vm-lane: *b' tests/vm/scenarios/*.sh)
lane_a=()
for f in tests/vm/scenarios/*.sh; do
	[[ " ${lane_b[*]} " == *" $f "* ]] || lane_a+=("$f")
done
if [ "${CHECK_SERIAL:-0}" = 1 ]; then
	lane_a=(tests/vm/scenarios/*.sh) lane_b=()
	echo "== VM scenarios (${kver:-default kernel})"
	vm_suite "$logs/vm" "${lane_a[@]}"
	cat "$logs/vm"
else
	echo "== VM scenarios (${kver:-default kernel}) started in the background: progress in $logs/vm"
	vm_suite "$logs/vm" "${lane_a[@]}" &
	vm_pid=$!
fi

# ---- lane B: build checks, unit tests, further series ----------------------
echo "== build checks"
tests/build/check-build.sh 2>&1 | tee "$logs/build"
tally build "$logs/build"

echo "== unit tests"
make -s -C tests/unit run 2>&1 | tee "$logs/unit"
# GoogleTest's summary, turned into the common line.
{
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) tests\?\..*/\1/p' "$logs/unit" | tail -1)
	f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) tests\?, listed below:.*/\1/p' "$logs/unit" | tail -1)
	[ -n "$p" ] && echo "${p:-0} passed, ${f:-0} failed"
} >"$logs/unit.sum"
tally unit "$logs/unit.sum"

# Further series: build checks and the smoke subset only ('# vm-smoke'
# scenarios: load/unload, v5 and IPFIX exact, NAT events), fetched by
# scripts/install-kernel.sh into the project's cache.  A second full suite
# would not fit CI's hour on two cores; `make check-kernels` runs the whole
# suite on every series.  CHECK_SERIES="" skips them (e.g. offline).
for s in ${CHECK_SERIES-6.12}; do
	tests/run-kernels.sh --smoke "$s" 2>&1 | tee "$logs/series-$s"
	tally "series $s (smoke)" "$logs/series-$s"
done

if [ ${#lane_b[@]} -gt 0 ]; then
	echo "== VM scenarios (${kver:-default kernel}), lane B: ${#lane_b[@]} of them"
	vm_suite "$logs/vm-b" "${lane_b[@]}"
	cat "$logs/vm-b"
	tally "vm (lane B)" "$logs/vm-b"
fi

if [ -n "${vm_pid:-}" ]; then
	echo "== VM scenarios (${kver:-default kernel}): waiting for the background lane"
	wait "$vm_pid"
	cat "$logs/vm"
fi
tally vm "$logs/vm"

echo "== make check: $(($(date +%s) - start)) s${broken[*]:+; failing suites: ${broken[*]}}"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
