#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Instructions per packet in the core's packet path (nfc_account), from
# callgrind on the userspace build: exact and repeatable, unlike host ns.
# Usage: callgrind.sh [path/to/ipp] [PACKETS]
#
# "core" is nfc_account's inclusive count minus what it spends in the fake
# platform's slab (with the lock let go) and route stubs (malloc + memset, a mutex), which the
# kernel replaces with kmem_cache_alloc and a dst lookup; "all" keeps them.
# Not counted here (kernel only): target.c's header copy, the per-CPU lock
# and BH toggling in platform.c.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
ipp=${1:-$here/build/ipp}
n=${2:-100000}
command -v valgrind >/dev/null || { echo "callgrind.sh: valgrind missing (tests/bench/micro/install-deps.sh)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

printf '%-8s %10s %10s   %s\n' case core/pkt all/pkt "(instructions per packet, $n packets)"
for c in hit hit64k new miss hit6; do
	out=$tmp/cg.$c
	valgrind --tool=callgrind --callgrind-out-file="$out" --collect-atstart=no \
		--toggle-collect=measured "$ipp" "$c" "$n" >/dev/null 2>"$tmp/log.$c" || {
		cat "$tmp/log.$c" >&2
		exit 1
	}
	callgrind_annotate --inclusive=yes --threshold=100 "$out" >"$tmp/ann.$c" 2>/dev/null
	awk -v n="$n" -v c="$c" '
		function num(s) { gsub(/,/, "", s); return s + 0 }
		/PROGRAM TOTALS/ { m = num($1) }
		/:nfp_(slab_alloc_bulk_unlocked|slab_free|packet_route) \[/ { p += num($1) }
		END { printf "%-8s %10.1f %10.1f\n", c, (m - p) / n, m / n }' "$tmp/ann.$c"
done

# Export: instructions per exported flow (one record per flow, its parts on
# other CPUs joined; flow/parts.hpp), v5 encoding and the fake's send
# included, 65,536 flows.
nx=65536
printf '\n%-8s %10s   %s\n' case all/flow "(instructions per exported flow, $nx flows)"
for c in export1 export2 export2d export64; do
	out=$tmp/cg.$c
	valgrind --tool=callgrind --callgrind-out-file="$out" --collect-atstart=no \
		--toggle-collect=measured_export "$ipp" "$c" "$nx" >/dev/null 2>"$tmp/log.$c" || {
		cat "$tmp/log.$c" >&2
		exit 1
	}
	callgrind_annotate --inclusive=yes --threshold=100 "$out" >"$tmp/ann.$c" 2>/dev/null
	awk -v n="$nx" -v c="$c" '
		function num(s) { gsub(/,/, "", s); return s + 0 }
		/PROGRAM TOTALS/ { m = num($1) }
		END { printf "%-8s %10.1f\n", c, m / n }' "$tmp/ann.$c"
done
