#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# vm-lane: b
#
# 60-churn-load-unload: the module loaded and unloaded CYCLES times (100)
# while IPv4 and IPv6 traffic never stops, rules added and removed through
# both iptables backends each time.  Every rmmod succeeds, the reference
# count is back to 0 once the rules are gone, the flow caches go with the
# module and the kernel log stays clean (the harness checks it).
#
#   nsa 10.1.0.2, fd01::2 --va0|va-- [ root: FORWARD rules ] --vb|vb0-- nsb
#     burst.py paced: a datagram     |  exports                10.2.0.2
#     every 5 ms to 10.2.0.2:50001   +--> nfcapd c1            fd02::2
#     and every 5 ms to [fd02::2]:50002    127.0.0.1:2055      (drops them)
#
# cycle i:  modprobe ipt_NETFLOW protocol=5|9|10 hashsize=256|1024|4096|65536
#             maxflows=0|100|5000 scan_min=1|4 (natevents=1 every 10th)
#           iptables-{legacy,nft} -A FORWARD -j NETFLOW   (backend alternates)
#           ip6tables-{legacy,nft} -A FORWARD -j NETFLOW  (v9 and IPFIX only)
#           until the flows view has a flow of each family
#           flush=1 (every 3rd), delete the rules: refcnt 0; rmmod
#           gone: /sys/module, /proc/net/stat/ipt_netflow*, the flow caches
#           (their /proc/slabinfo lines and /sys/kernel/slab directories)
#
# Debian's 6.1 merges the flow caches into others of their size (no
# SLAB_NO_MERGE before 6.5): a leak then stays silent.  When they are not
# merged (6.5+, or a boot with --append slub_nomerge) their objects are
# checked too: after the last flush only the records the CPUs keep for
# reuse, none after the unload.
# vm-timeout: 600

source "${VM_LIB:-$(dirname "$0")/../lib.sh}"
source "$(dirname "${BASH_SOURCE[0]}")/../netflow.sh"
NF_TMP=${TMPDIR:-/tmp}/nf
mkdir -p "$NF_TMP"

CYCLES=${vm_churn_cycles:-100} # --append vm_churn_cycles=N for a short run
M=ipt_NETFLOW

# slab_state: "merged", "own" (a cache of its own) or "none".
slab_state() {
	if [ -L /sys/kernel/slab/ipt_netflow ]; then echo merged
	elif [ -d /sys/kernel/slab/ipt_netflow ]; then echo own
	else echo none
	fi
}

FLOWS=/proc/net/stat/ipt_netflow_flows

# caches_gone: nothing of our flow caches is left.
caches_gone() {
	local c
	for c in ipt_netflow ipt_netflow6; do
		# (a merged cache's alias link outlives it: SLUB never removes those)
		[ -L /sys/kernel/slab/$c ] || [ ! -e /sys/kernel/slab/$c ] ||
			fail "cycle $i: /sys/kernel/slab/$c after rmmod"
		! grep -q "^$c " /proc/slabinfo || fail "cycle $i: $c in /proc/slabinfo after rmmod"
	done
}

nf_router
collector_start c1 2055
ip netns exec nsa python3 "$NF_TOOLS/burst.py" paced 10.2.0.2 40001 50001 64 3600 0.005 >"$NF_TMP/p4" &
p4=$!
ip netns exec nsa python3 "$NF_TOOLS/burst.py" paced fd02::2 40002 50002 64 3600 0.005 >"$NF_TMP/p6" &
p6=$!
defer kill $p4 $p6
wait_for "[ \$(cat /sys/class/net/vb/statistics/tx_packets) -gt 100 ]" 60

protos=(5 9 10)
hashes=(256 1024 4096 65536)
maxes=(0 100 5000)
merged=0 own=0 v6cycles=0
read -ra backends <<<"$(ipt_backends)"	# alternating where there are two
t0=$(now_ms)
for ((i = 1; i <= CYCLES; i++)); do
	proto=${protos[i % 3]}
	args=(destination=127.0.0.1:2055 protocol=$proto hashsize=${hashes[i % 4]}
		maxflows=${maxes[i % 3]} scan_min=$((i % 2 ? 1 : 4)) inactive_timeout=5 active_timeout=10)
	((i % 10)) || args+=(natevents=1)
	out=$(modprobe $M "${args[@]}" 2>&1) || fail "cycle $i: modprobe ${args[*]}: $out"
	be=${backends[(i + 1) % ${#backends[@]}]}
	iptables-$be -w -A FORWARD -j NETFLOW
	six=0
	if [ "$proto" != 5 ]; then
		ip6tables-$be -w -A FORWARD -j NETFLOW
		six=1 v6cycles=$((v6cycles + 1))
	fi
	case $(slab_state) in merged) merged=$((merged + 1)) ;; own) own=$((own + 1)) ;; esac
	# Traffic through the module before it goes: both families where ruled.
	# (the flows view: no iptables process per poll, which costs ~0.3 s)
	wait_for "grep -q ' 10.1.0.2,40001 ' $FLOWS" 30
	[ $six = 0 ] || wait_for "grep -q ' fd01::2,40002 ' $FLOWS" 30
	((i % 3)) || echo 1 >/proc/sys/net/netflow/flush
	iptables-$be -w -D FORWARD -j NETFLOW
	[ $six = 0 ] || ip6tables-$be -w -D FORWARD -j NETFLOW
	read -r refcnt </sys/module/$M/refcnt
	[ "$refcnt" = 0 ] || fail "cycle $i: refcnt $refcnt without rules"
	out=$(rmmod $M 2>&1) || fail "cycle $i: rmmod: $out"
	[ ! -e /sys/module/$M ] || fail "cycle $i: /sys/module/$M after rmmod"
	[ ! -e /proc/net/stat/ipt_netflow ] || fail "cycle $i: /proc/net/stat/ipt_netflow after rmmod"
	caches_gone
	if ((i == 1)); then log "one cycle: $(($(now_ms) - t0)) ms"; fi
	if ((i % 10 == 0)); then log "cycle $i ($(($(now_ms) - t0)) ms so far)"; fi
done
log "$CYCLES cycles in $(($(now_ms) - t0)) ms; $v6cycles with IPv6 rules; caches merged in $merged, own in $own"
assert_eq "cycles with the caches seen" "$CYCLES" $((merged + own))

log "a last load with its own check of the caches: flows come and go"
nf_load destination=127.0.0.1:2055 protocol=10 inactive_timeout=1 active_timeout=2
iptables -w -A FORWARD -j NETFLOW
ip6tables -w -A FORWARD -j NETFLOW
wait_for '[ "$(nf_snmp hashFlows)" -ge 2 ]' 30
kill $p4 $p6
wait $p4 $p6 || true
sleep 0.5
sysctl -qw net.netflow.flush=1
assert_eq "flows cached after the traffic stopped and a flush" 0 "$(nf_snmp hashFlows)"
if [ "$(slab_state)" = own ]; then
	# What stays after the flush are the records the CPUs keep for reuse
	# (kmod/core/flow/pool.hpp): with two flows at a time, one refill of 32
	# per CPU and family; the unload below must free them all.  Objects
	# free in a CPU's slab count as active until the cache is shrunk.
	most=$(($(nproc) * 2 * 32))
	wait_for 'echo 1 >/sys/kernel/slab/ipt_netflow/shrink; echo 1 >/sys/kernel/slab/ipt_netflow6/shrink
		[ "$(awk '\''$1 ~ /^ipt_netflow6?$/ { s += $2 } END { print s + 0 }'\'' /proc/slabinfo)" -le '$most' ]' 10
	log "ok: $(awk '$1 ~ /^ipt_netflow6?$/ { s += $2 } END { print s + 0 }' /proc/slabinfo) active objects in" \
		"ipt_netflow and ipt_netflow6 after the flush (pooled records, at most $most)"
else
	log "flow caches merged into others (no per-cache object count)"
fi
iptables -w -D FORWARD -j NETFLOW
ip6tables -w -D FORWARD -j NETFLOW
unload_module $M
i=final caches_gone
# (the harness fails a scenario on any WARNING; this names the leak itself)
assert_eq "kernel log: caches destroyed with objects" "" \
	"$(dmesg | grep -E 'kmem_cache_destroy .*(still has objects|Slab cache still)' | head -n 3 || true)"
