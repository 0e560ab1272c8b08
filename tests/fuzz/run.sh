#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Runs libFuzzer targets built by tests/fuzz/Makefile (called by `make run`).
#   run.sh TARGET...             fuzz each for $FUZZ_SECONDS s, or $FUZZ_RUNS runs
#   run.sh --regress TARGET...   run each once over its seeds and crashes/TARGET-*, no fuzzing
# New inputs go to build/corpus/TARGET (the seeds in corpus/TARGET are only
# read); a crash leaves build/artifacts/TARGET-crash-* and its log in
# build/logs/TARGET.log.  Extra libFuzzer flags: $FUZZ_ARGS.  Exits 1 if any
# target crashed, after running them all, and prints executions per target.
set -u
here=$(cd "$(dirname "$0")" && pwd)
build=$here/build
regress=0
if [ "${1:-}" = --regress ]; then
	regress=1
	shift
fi
mkdir -p "$build/logs" "$build/artifacts"

# libFuzzer options per target.  The end-to-end target is ~100x slower per
# input than the parsers; the entropic scheduler's bookkeeping costs it a
# quarter of its time, so it runs with the plain one.
extra_args() {
	case $1 in
	export) echo -entropic=0 ;;
	esac
}

# Per-target input size limits: small for the string parsers, room for an
# operation program of up to 128 steps for the end-to-end target.
max_len() {
	case $1 in
	parser) echo 1024 ;;
	destination | aggregation) echo 1100 ;;
	destination_format) echo 64 ;;
	ctnetlink) echo 2048 ;;
	settings | sampler) echo 256 ;;
	export) echo 1024 ;;
	*) echo 4096 ;;
	esac
}

# A 64 MiB quarantine (not 256) still catches a use after free of anything
# these targets allocate, and touches far fewer fresh pages.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:allocator_may_return_null=0:quarantine_size_mb=64}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

failed=()
summary=()
for t in "$@"; do
	bin=$build/fuzz_$t
	seeds=$here/corpus/$t
	log=$build/logs/$t.log
	dict=()
	[ -f "$here/dict/$t.dict" ] && dict=(-dict="$here/dict/$t.dict")
	if [ $regress = 1 ]; then
		files=("$seeds"/*)
		for c in "$here/crashes/$t"-*; do	# fixed bugs, and open ones the target tolerates
			[ -f "$c" ] && files+=("$c")
		done
		start=$(date +%s.%N)
		"$bin" -runs=1 "${files[@]}" >"$log" 2>&1
		rc=$?
		end=$(date +%s.%N)
		runs=${#files[@]}
	else
		mkdir -p "$build/corpus/$t"
		if [ -n "${FUZZ_RUNS:-}" ]; then
			limit=(-runs="$FUZZ_RUNS")
		else
			limit=(-max_total_time="${FUZZ_SECONDS:-10}")
		fi
		start=$(date +%s.%N)
		# shellcheck disable=SC2086
		# shellcheck disable=SC2046
		"$bin" "${limit[@]}" -max_len="$(max_len "$t")" -timeout=25 -rss_limit_mb=2048 $(extra_args "$t") \
			-print_final_stats=1 -artifact_prefix="$build/artifacts/$t-" "${dict[@]}" ${FUZZ_ARGS:-} \
			"$build/corpus/$t" "$seeds" >"$log" 2>&1
		rc=$?
		end=$(date +%s.%N)
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	fi
	secs=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
	rate=$(awk -v r="${runs:-0}" -v s="$secs" 'BEGIN { printf "%d", (s > 0) ? r / s : 0 }')
	if [ $rc = 0 ]; then
		status=ok
	else
		status="CRASH (rc $rc)"
		failed+=("$t")
		echo "---- $t: crashed; last lines of $log:" >&2
		tail -n 40 "$log" >&2
		ls "$build/artifacts/$t-"* 2>/dev/null >&2
	fi
	line=$(printf '%-20s %12s execs %9s s %9s exec/s  %s' "$t" "${runs:-?}" "$secs" "$rate" "$status")
	summary+=("$line")
	echo "$line"
done

echo "---- fuzz summary"
printf '%s\n' "${summary[@]}"
if [ ${#failed[@]} -gt 0 ]; then
	echo "FAILED: ${failed[*]}" >&2
	exit 1
fi
