#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/bench/run.sh [--quick] [--kver VER] [--out DIR] [--parts P] [--base REF]
#                    [--no-original] [--backends LIST]: `make bench`.
# Measures the project's ipt_NETFLOW against the original ipt_NETFLOW 2.6
# (Debian's iptables-netflow-dkms, built privately by original.sh) in QEMU:
#
#   boot 1 (-icount shift=0,sleep=off,align=off -smp 1, 1 GiB): guest
#          instructions per packet, both iptables backends, 3 flow mixes
#          (guest/10-cost.sh)
#   boot 2 (-smp 1, 4 GiB, slab_nomerge): bytes per flow with 1,000,000
#          flows (guest/20-memory.sh); 1,000,000 flows expiring at once
#          toward nfcapd -B 64 MiB (guest/30-burst.sh)
#
#   boot 3 (as boot 1, -smp 1,maxcpus=64): the same mixes for ours on a
#          guest with 64 possible CPUs, one online (every flow on one of
#          64 per-CPU tables)
#
# then prints the tables (report.sh).  Method and reasons: docs/PERFORMANCE.md.
# --parts cost,cpus64,memory: which boots (all by default).
# BENCH_WALL_LIMIT: wall-clock seconds allowed per VM (10800).
# --quick: a smoke run (fewer packets, one repetition, 100,000 flows): the
# figures are not the benchmark's.
# --base REF (make bench BENCH_BASE=REF): also builds our module from git REF
# (git archive into OUT/base/src, ./configure --kver, make) and measures it in
# the same boots, the same way, right before the tree's; the report adds base
# vs current per figure, flagging a ratio outside +-2 %.
# --no-original: leaves out the original ipt_NETFLOW (a quicker A/B run).
# --backends legacy,nft: the iptables backends of the cost boot (both by default).
# --fields (make bench BENCH_FIELDS=1): also each link-layer field alone
# (ours-mac, ours-vlan, ours-dir, ours-phys): its cost per packet and bytes
# per flow beside ours and ours-l2 (all of them at once).
# --rules LIST (comma separated): only these cost rules and memory variants
# (e.g. none,empty,mark,ours,ours-l2,ours-mac; baselines none/empty/mark
# and ours are needed by the report).

set -euo pipefail
BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$BENCH/../.." && pwd)

QUICK=0 KVER='' OUT='' PARTS=cost,cpus64,memory BASE='' ORIGINAL=1 BACKENDS=''
WALL_LIMIT=${BENCH_WALL_LIMIT:-10800} # seconds per VM, wall clock
while [ $# -gt 0 ]; do
	case $1 in
	--quick) QUICK=1; shift ;;
	--kver) KVER=$2; shift 2 ;;
	--out) OUT=$2; shift 2 ;;
	--parts) PARTS=$2; shift 2 ;;
	--backends) BACKENDS=$2; shift 2 ;;
	--base) BASE=$2; shift 2 ;;
	--no-original) ORIGINAL=0; shift ;;
	--fields) FIELDS=1; shift ;;
	--rules) RULES=$2; shift 2 ;;
	-h | --help) sed -n '3,27p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
	esac
done

msg() { echo "bench: $*" >&2; }
t_start=$SECONDS
if [ -n "$BASE" ]; then
	base_sha=$(git -C "$REPO" rev-parse --verify --quiet "$BASE^{commit}") || { msg "--base $BASE: not a commit"; exit 2; }
fi

# ---- build what is measured -------------------------------------------------
cd "$REPO"
scripts/bootstrap.sh >/dev/null
[ -n "$KVER" ] || KVER=$(sed -n 's/^KVER := //p' config.mk)
if [ "$KVER" = "$(sed -n 's/^KVER := //p' config.mk)" ]; then
	make -s all >/dev/null
	KO=$REPO/ipt_NETFLOW.ko
else
	make -s KVER="$KVER" all >/dev/null
	KO=$REPO/build/$KVER/ipt_NETFLOW.ko
fi
ORIG=''
[ $ORIGINAL = 0 ] || ORIG=$("$BENCH/original.sh" "$KVER")

[ -n "$OUT" ] || OUT=$BENCH/out/$(date +%Y%m%d-%H%M%S)
mkdir -p "$OUT"
OUT=$(readlink -f "$OUT")
[ -z "$(ls -A "$OUT")" ] || { msg "$OUT is not empty"; exit 2; }
ln -sfn "$OUT" "$BENCH/out/latest" 2>/dev/null || true
# A private copy: others may rebuild the tree's module during the run.
mkdir -p "$OUT/build/xtables"
cp "$KO" "$OUT/build/ipt_NETFLOW.ko"
cp "$REPO/xtables/libxt_NETFLOW.so" "$OUT/build/xtables/"
{
	echo "kver $KVER"
	echo "ours $(modinfo -F version "$KO") srcversion $(modinfo -F srcversion "$KO") git $(git -C "$REPO" describe --always --dirty 2>/dev/null || echo ?)"
	echo "original ${ORIG:-(not measured)}"
	echo "host $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
} >"$OUT/info.txt"

# The modules measured, in this order (names of bench-lib.sh's nf_load_variant).
cost_rules=(none empty mark ours hooks ours-hash ours-mpls ours-l2) mem_variants=(ours ours-mpls ours-l2) burst_variants=(ours)
if [ -n "$BASE" ]; then
	# Our module as of REF, built from a private copy of that commit.
	msg "building the base module from $BASE ($base_sha) in $OUT/base"
	mkdir -p "$OUT/base/src" "$OUT/base/xtables"
	git -C "$REPO" archive "$base_sha" | tar -x -C "$OUT/base/src"
	(cd "$OUT/base/src" && ./configure --kver="$KVER" && make -s all) >"$OUT/base/build.log" 2>&1 ||
		{ tail -n 20 "$OUT/base/build.log" >&2; msg "the base build failed: $OUT/base/build.log"; exit 1; }
	cp "$OUT/base/src/ipt_NETFLOW.ko" "$OUT/base/"
	cp "$OUT/base/src/xtables/libxt_NETFLOW.so" "$OUT/base/xtables/"
	echo "base $BASE: $(modinfo -F version "$OUT/base/ipt_NETFLOW.ko") srcversion $(modinfo -F srcversion "$OUT/base/ipt_NETFLOW.ko") git $(git -C "$REPO" describe --always "$base_sha")" >>"$OUT/info.txt"
	cost_rules=(none empty mark base ours hooks ours-hash ours-mpls ours-l2) mem_variants=(base ours ours-mpls ours-l2) burst_variants=(base ours)
fi
if [ "${FIELDS:-0}" = 1 ]; then
	cost_rules+=(ours-mac ours-vlan ours-dir ours-phys) mem_variants+=(ours-mac ours-vlan ours-dir ours-phys)
fi
if [ -n "${RULES:-}" ]; then
	IFS=, read -r -a cost_rules <<<"$RULES"
	mem_variants=()
	for r in "${cost_rules[@]}"; do
		case $r in none | empty | mark | hooks | *-hash) ;; *) mem_variants+=("$r") ;; esac
	done
fi
if [ $ORIGINAL = 1 ]; then
	cost_rules+=(dkms best) mem_variants+=(best dkms) burst_variants+=(best)
fi
common=(--append "vm_bench_orig=$ORIG" --append "vm_bench_base=${BASE:+$OUT/base}"
	--append "vm_bench_mem_variants=$(IFS=,; echo "${mem_variants[*]}")"
	--append "vm_bench_burst_variants=$(IFS=,; echo "${burst_variants[*]}")")
[ -n "$BACKENDS" ] && common+=(--append "vm_bench_backends=$BACKENDS")
flows=1000000
if [ $QUICK = 1 ]; then
	flows=100000
	common+=(--append vm_bench_reps=1 --append vm_bench_warm=1 --append vm_bench_pkts=20000
		--append vm_bench_flows=$flows --append vm_bench_hashsize=131072)
fi
echo "flows $flows" >>"$OUT/info.txt"

# boot NAME QEMU_ARGS RUN_SH_ARGS... -- SCENARIOS...: one VM, its progress
# lines ("bench: ...") shown as they come.
boot() {
	local name=$1 qargs=$2 rc=0 s
	shift 2
	local args=() scen=()
	while [ "$1" != -- ]; do args+=("$1"); shift; done
	shift
	scen=("$@")
	msg "$name: booting (QEMU $qargs ${args[*]})"
	VM_QEMU_ARGS="$qargs" timeout -s TERM "$WALL_LIMIT" "$REPO/tests/vm/run.sh" --kver "$KVER" --no-auto \
		--module "$OUT/build/ipt_NETFLOW.ko" --xtlib "$OUT/build/xtables" \
		--out "$OUT/$name" "${common[@]}" "${args[@]}" "${scen[@]}" >"$OUT/$name.verdict" 2>&1 &
	local vm=$!
	# ^C / TERM: tests/vm/run.sh stops its QEMU on TERM
	trap 'kill -TERM $vm 2>/dev/null; wait $vm; exit 130' INT TERM
	for s in "${scen[@]}"; do
		local f=$OUT/$name/$(basename "$s" .sh)/log
		(until [ -f "$f" ] || ! kill -0 $vm 2>/dev/null; do sleep 1; done
		 [ -f "$f" ] && tail -n +1 -F --pid=$vm "$f" 2>/dev/null | grep --line-buffered -o 'bench: .*' >&2) &
	done
	wait $vm || rc=$?
	trap - INT TERM
	sleep 1
	grep -E '^(PASS|FAIL|ERROR)' "$OUT/$name.verdict" >&2 || true
	if [ $rc != 0 ]; then
		msg "$name: the VM run failed (status $rc); see $OUT/$name.verdict"
		tail -n 30 "$OUT/$name.verdict" >&2
	fi
	return $rc
}

status=0
if [[ ,$PARTS, == *,cost,* ]]; then
	boot cost "-icount shift=0,sleep=off,align=off -device virtio-rng-pci" \
		--smp 1 --mem 1024 --append "vm_bench_rules=$(IFS=,; echo "${cost_rules[*]}")" \
		-- "$BENCH/guest/10-cost.sh" || status=1
fi
if [[ ,$PARTS, == *,cpus64,* ]]; then
	# One CPU online of 64 possible (as on a guest sized for CPU hot-add):
	# the kernel has 64 per-CPU tables, each starting with 1/64 of
	# hashsize, and this one CPU carries every flow.  Ours only: the
	# report sets it beside the 1-possible-CPU boot above.
	rules64=(none empty mark)
	[ -n "$BASE" ] && rules64+=(base)
	rules64+=(ours)
	boot cpus64 "-icount shift=0,sleep=off,align=off -device virtio-rng-pci" \
		--smp 1,maxcpus=64 --mem 1024 --append "vm_bench_rules=$(IFS=,; echo "${rules64[*]}")" \
		-- "$BENCH/guest/10-cost.sh" || status=1
fi
if [[ ,$PARTS, == *,memory,* ]]; then
	boot memory "-device virtio-rng-pci" --smp 1 --mem 4096 --append slab_nomerge -- \
		"$BENCH/guest/20-memory.sh" "$BENCH/guest/30-burst.sh" || status=1
fi

# The 64-possible-CPU boot's figures as cpus64.* beside the others' cost.*.
{
	for f in "$OUT"/*/*/results.txt; do
		case $f in "$OUT"/cpus64/*) sed 's/^cost\./cpus64./' "$f" ;; *) cat "$f" ;; esac
	done
} >"$OUT/results.txt" 2>/dev/null || true
"$BENCH/report.sh" "$OUT" | tee "$OUT/report.txt"
secs=$((SECONDS - t_start))
echo "run time $((secs / 60)) min $((secs % 60)) s; results in $OUT"
if [ -n "$(find /lib/modules -path '*updates*' -name 'ipt_NETFLOW*' 2>/dev/null)" ]; then
	msg "WARNING: an ipt_NETFLOW module sits under /lib/modules/*/updates: it shadows the project's in VM tests"
	status=1
fi
exit $status
