#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# 10-cost: guest instructions per packet (QEMU -icount shift=0: 1 guest ns =
# 1 instruction) of a forwarded 60-byte UDP packet, per iptables backend,
# FORWARD rule and flow mix; medians of vm_bench_reps runs after
# vm_bench_warm warm-ups, the flow cache flushed between scenarios.
#
#   nsr: pktgen (netif_receive on vr) -> FORWARD [rule] -> d0 (dummy)
#   rules: none (no table), empty chain, -j MARK --set-mark 1,
#          -j NETFLOW of ours (of ours as of run.sh --base REF first, if given),
#          ours metering on its FORWARD hook instead of a rule (hooks: hooks=4,
#          selecting the MARK's mark; baseline hooks-mark: the same MARK with
#          the hook selecting nothing; then hooks-target: -j NETFLOW added to
#          that chain, in the same load, to compare the two over one baseline),
#          of the original built by DKMS, of the original at its best,
#          and after each NETFLOW rule -j MARK again with that module still loaded
#          (RULE-mark: the baseline the rule is compared with, see below)
#   mixes: 1 flow, 65,536 flows, a new flow per packet
#   export to nfcapd on 127.0.0.1:2055 (init netns), as in production;
#   inactive_timeout=600 for every module (see below)
#
# Results in $VM_ARTIFACTS/results.txt: cost.BACKEND.RULE.MIX MEDIAN,
# cost.BACKEND.RULE.MIX.runs R1,R2,R3 and cost.BACKEND.RULE.MIX.first (the
# first, warm-up run).
#
# Why a baseline per module: loading a module can leave the kmalloc cache of
# the forwarded skb's head so that every packet takes SLUB's slow path in
# ip_forward() -> pskb_expand_head() (pktgen's skb and its expanded copy
# alternate between two nearly full slabs), ~280 instructions more for any
# rule, MARK included, until something reshuffles the cache.  Seen on about
# half of the loads (ftrace: ___slab_alloc under __kmalloc_node_track_caller);
# it made whole series of earlier runs ~280 high.  So each NETFLOW rule is
# compared with -j MARK measured in the same state, right after it.
#
# Why inactive_timeout=600: under -icount with sleep=off an idle guest's clock
# jumps to its next timer, so a run cycle (100,000 packets, ~0.6 guest
# seconds) takes 4 to 14 guest seconds.  In the 65,536-flow mix about one flow
# in five gets no packet in a run; with the default 15 s some of them then
# expired in the middle of the next run, which measured their export and
# re-creation instead of hits (once 21,744 extra flows, +47 instructions per
# packet in two runs of one series).  600 s keeps every mix's flows cached
# from its warm-up to its last run.  Neither module's packet path depends on
# the value (ours re-queues a hit flow every HZ/4 rounded to a power of two,
# whatever the timeout above 1 s).
# vm-timeout: 1000000
# (guest time: under icount with sleep=off an idle guest skips ahead, so guest
# seconds run far faster than wall-clock ones; tests/bench/run.sh bounds the wall time)

source "${VM_LIB:-$(dirname "$0")/../../vm/lib.sh}"
source "$(dirname "${BASH_SOURCE[0]}")/bench-lib.sh"

MIXES=(1 65536 new)
[ -n "${vm_bench_mixes:-}" ] && read -r -a MIXES <<<"${vm_bench_mixes//,/ }"
RULES=(none empty mark ours dkms best)
[ -n "${vm_bench_rules:-}" ] && read -r -a RULES <<<"${vm_bench_rules//,/ }"
BACKENDS=(legacy nft)
[ -n "${vm_bench_backends:-}" ] && read -r -a BACKENDS <<<"${vm_bench_backends//,/ }"

# netflow_rule RULE: true for a -j NETFLOW variant (ours, dkms, best), false
# for the baselines (none, empty, mark) and the MARK re-measurements (*-mark).
netflow_rule() {
	case $1 in none | empty | mark | *-mark) return 1 ;; esac
}

bench_entropy
nfrules=0
for r in "${RULES[@]}"; do
	if netflow_rule "$r"; then nfrules=$((nfrules + 1)); fi
done
hooks_target=0
for r in "${RULES[@]}"; do [ "$r" = hooks ] && hooks_target=1; done
total=$((${#BACKENDS[@]} * (${#RULES[@]} + nfrules + hooks_target) * ${#MIXES[@]}))
done_n=0

# measure BACKEND RULE: every mix with the rule in place.
measure() {
	local be=$1 rule=$2 mix i v runs ipp others
	local netflow=0
	if netflow_rule "$rule"; then netflow=1; fi
	for mix in "${MIXES[@]}"; do
		pg_config "$BENCH_PKTS" "$mix"
		[ $netflow = 1 ] && nf_flush_wait
		runs=() others=()
		for ((i = 0; i < BENCH_WARM + BENCH_REPS; i++)); do
			# a new flow per packet: every run starts from an empty cache
			if [ $netflow = 1 ] && [ "$mix" = new ] && [ $i -gt 0 ]; then nf_flush_wait; fi
			v=$(pg_run)
			[ $i -ge "$BENCH_WARM" ] && runs+=("$v") others+=("$(cat "$TMPDIR/pg_other")")
			[ $i -eq 0 ] && result "cost.$be.$rule.$mix.first" "$v"
		done
		ipp=$(median "${runs[@]}")
		result "cost.$be.$rule.$mix" "$ipp"
		result "cost.$be.$rule.$mix.runs" "$(IFS=,; echo "${runs[*]}")"
		# instructions per packet spent outside the pktgen threads (other tasks)
		result "cost.$be.$rule.$mix.other" "$(IFS=,; echo "${others[*]}")"
		[ $netflow = 1 ] && result "cost.$be.$rule.$mix.flows" "$(nf_active)"
		done_n=$((done_n + 1))
		progress "[$done_n/$total] $be ${rule} mix=$mix: $ipp instructions/packet (runs ${runs[*]}; other tasks ${others[*]})"
	done
}

# ipt: the backend's iptables in the router namespace.
ipt() { nr "iptables-$BE" "$@"; }

for BE in "${BACKENDS[@]}"; do
	bench_router
	collector_up
	for rule in "${RULES[@]}"; do
		case $rule in
		none) ;;
		empty)
			ipt -A FORWARD -j ACCEPT
			ipt -D FORWARD 1
			;;
		mark)
			ipt -A FORWARD -j MARK --set-mark 1
			;;
		hooks)
			# ours metering on its FORWARD hook (hooks=4), no NETFLOW rule; the
			# chain holds the MARK of the baseline, whose mark the hook selects
			ipt -F FORWARD
			nf_load_variant ours destination=127.0.0.1:2055 inactive_timeout=600 hooks=4 \
				hooks_mark=1 hooks_mark_mask=1
			collector_up
			ipt -A FORWARD -j MARK --set-mark 1
			log "$rule: $(grep -E '^(ipt_NETFLOW|Hash|Timeouts|Hooks)' /proc/net/stat/ipt_netflow | tr '\n' ' ')"
			result "hashsize.$rule" "$(nf_hash_size)"
			;;
		*)
			ipt -F FORWARD
			nf_load_variant "$rule" destination=127.0.0.1:2055 inactive_timeout=600
			collector_up
			ipt -A FORWARD -j NETFLOW
			log "$rule: $(grep -E '^(ipt_NETFLOW|Hash|Timeouts)' /proc/net/stat/ipt_netflow | tr '\n' ' ')"
			result "hashsize.$rule" "$(nf_hash_size)"
			;;
		esac
		# (not for none: listing would instantiate the legacy filter table)
		[ "$rule" = none ] || log "$BE FORWARD: $(ipt -S FORWARD | tr '\n' ' ')"
		measure "$BE" "$rule"
		if netflow_rule "$rule"; then
			read -r pkts _ <<<"$(ipt_counter -n nsr "iptables-$BE" FORWARD 1)"
			result "cost.$BE.$rule.rulepkts" "$pkts"
			ipt -F FORWARD
			nf_flush_wait
			result "cost.$BE.$rule.exported" "$(nf_export_flows)"
			result "cost.$BE.$rule.lost" "$(nf_lost_flows)"
			# hooks: the hook stays registered but selects nothing (mark 2)
			[ "$rule" = hooks ] && echo 2 >/sys/module/ipt_NETFLOW/parameters/hooks_mark
			ipt -A FORWARD -j MARK --set-mark 1
			measure "$BE" "$rule-mark"
			if [ "$rule" = hooks ]; then
				# -j NETFLOW after the MARK in the same load and chain, the
				# hook still selecting nothing: the target's cost, compared
				# with the hook's over the same baseline
				ipt -A FORWARD -j NETFLOW
				measure "$BE" hooks-target
				nf_flush_wait
			fi
			ipt -F FORWARD
			nf_unload_variant
		fi
	done
	ipt -F FORWARD
	collector_down
	ip netns del nsr
	ip netns del nsp
done
