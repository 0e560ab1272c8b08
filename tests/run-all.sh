#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make check`: build checks, unit tests, every VM scenario in one boot, then
# the same build checks and VM scenarios on the second kernel series (6.12).
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

# The second kernel series (issue: both must pass): bookworm-backports' 6.12,
# installed by the script if missing. CHECK_612=no skips it (e.g. offline).
if [ "${CHECK_612:-yes}" != no ]; then
	echo "== kernel 6.12 (bookworm-backports): build checks and VM scenarios"
	if k612=$(scripts/install-kernel-612.sh | tail -n1) && [ -n "$k612" ] &&
		make -s KVER="$k612" all >"$logs/build612.make" 2>&1; then
		tests/build/check-build.sh "build/$k612" 2>&1 | tee "$logs/build612"
		tally "build-6.12" "$logs/build612"
		tests/vm/run.sh --kver "$k612" --module "build/$k612/ipt_NETFLOW.ko" --xtlib xtables \
			tests/vm/scenarios/*.sh 2>&1 | tee "$logs/vm612"
		tally "vm-6.12" "$logs/vm612"
	else
		tail -n 30 "$logs/build612.make" 2>/dev/null
		broken+=("6.12 (kernel install or module build failed)")
		fail=$((fail + 1))
	fi
fi

echo "== make check: $(($(date +%s) - start)) s${broken[*]:+; failing suites: ${broken[*]}}"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
