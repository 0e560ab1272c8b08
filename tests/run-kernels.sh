#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Every kernel series: fetch the test kernel (scripts/install-kernel.sh),
# build the module for it, run the build checks and the VM suite on it.
#
#   tests/run-kernels.sh [--smoke] [SERIES...]
#     SERIES   default: all of scripts/install-kernel.sh --list
#              (6.1 6.1-rt 6.12 7 7-rt)
#     --smoke  only the scenarios tagged '# vm-smoke' (what `make check` runs
#              on its second series)
# Prints per series its kernel, result and time, then "N passed, M failed"
# over all of them.  `make check-kernels` runs it.
set -uo pipefail
cd "$(dirname "$0")/.."

smoke=
[ "${1:-}" = --smoke ] && { smoke=1; shift; }
series=("$@")
[ ${#series[@]} -gt 0 ] || read -ra series <<<"$(scripts/install-kernel.sh --list)"
if [ -n "$smoke" ]; then
	mapfile -t scenarios < <(grep -l '^# *vm-smoke' tests/vm/scenarios/*.sh)
else
	scenarios=(tests/vm/scenarios/*.sh)
fi

pass=0 fail=0 summary=()
count() {	# LOG: adds its last "N passed, M failed" to the totals; M in $failed
	local line p
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$1" | tail -1)
	[ -n "$line" ] || { fail=$((fail + 1)) failed=1; return; }
	p=${line%% passed*} failed=${line#*, }
	failed=${failed%% failed*}
	pass=$((pass + p)) fail=$((fail + failed))
}
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT

for s in "${series[@]}"; do
	t0=$(date +%s)
	echo "== series $s: kernel, build checks, VM ${smoke:+smoke }scenarios"
	if ! k=$(scripts/install-kernel.sh "$s" | tail -n1) || [ -z "$k" ]; then
		summary+=("$s: FAIL (kernel not installed)")
		fail=$((fail + 1))
		continue
	fi
	if ! make -s KVER="$k" all >"$logs/$s.make" 2>&1; then
		tail -n 30 "$logs/$s.make"
		summary+=("$s $k: FAIL (module build)")
		fail=$((fail + 1))
		continue
	fi
	tests/build/check-build.sh "build/$k" 2>&1 | tee "$logs/$s.build"
	count "$logs/$s.build"	# not in $( ): the totals must stay in this shell
	fb=$failed
	tb=$(($(date +%s) - t0))
	tests/vm/run.sh --kver "$k" --module "build/$k/ipt_NETFLOW.ko" --xtlib xtables \
		"${scenarios[@]}" 2>&1 | tee "$logs/$s.vm"
	count "$logs/$s.vm"
	fv=$failed
	res=$([ "$fb" = 0 ] && [ "$fv" = 0 ] && echo PASS || echo "FAIL ($fb build, $fv VM)")
	summary+=("$s $k: $res; build ${tb}s, VM ${#scenarios[@]} scenarios $(($(date +%s) - t0 - tb))s")
done

echo "== kernels:"
printf '   %s\n' "${summary[@]}"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
