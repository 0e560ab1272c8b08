#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make check`: build checks, unit tests, every VM scenario in one boot on the
# default kernel (6.1), then the build checks and the smoke subset of the VM
# scenarios on the second series (6.12; CHECK_SERIES names others).
# Ends with one line "N passed, M failed" over all of them.
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

echo "== VM scenarios"
# The kernel the module was configured for, not merely the newest in /boot
# (a second series, e.g. 6.12 from backports, may be installed beside it).
kver=$(sed -n 's/^KVER := //p' config.mk)
tests/vm/run.sh ${kver:+--kver "$kver"} tests/vm/scenarios/*.sh 2>&1 | tee "$logs/vm"
tally vm "$logs/vm"

# Further series: build checks and the smoke subset only ('# vm-smoke'
# scenarios: load/unload, v5 and IPFIX exact, NAT events), fetched by
# scripts/install-kernel.sh into the project's cache.  A second full suite
# would not fit CI's hour on two cores; `make check-kernels` runs the whole
# suite on every series.  CHECK_SERIES="" skips them (e.g. offline).
for s in ${CHECK_SERIES-6.12}; do
	tests/run-kernels.sh --smoke "$s" 2>&1 | tee "$logs/series-$s"
	tally "series $s (smoke)" "$logs/series-$s"
done

echo "== make check: $(($(date +%s) - start)) s${broken[*]:+; failing suites: ${broken[*]}}"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
