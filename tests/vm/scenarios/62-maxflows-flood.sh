#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# vm-lane: b
#
# 62-maxflows-flood: a flood of new flows against maxflows=1000, IPv4 and
# IPv6 at once.  The cache never holds more than 1000 flows, the flow slabs
# stay bounded (a few thousand objects at most, where 25000 flows would need
# 25000), every packet that could not get a flow is counted in maxflows and
# drop, packets of flows already cached are still accounted when the cache
# is full, and what is exported reconciles with the collector.  (A small
# cap, 50 of 200, and the room after a flush are 23-v5-hashsize-maxflows'.)
#
#   nsa 10.1.0.2, fd01::2 --va0|va-- [ root: FORWARD -i va -p udp -j NETFLOW ] --vb|vb0-- nsb
#     flood.py pinned to CPU 0 (so      (iptables + ip6tables)  |     10.2.0.2, fd02::2
#     every packet meets CPU 0's cache):                        |     (drops all UDP)
#       20000 flows 10.2.0.2:999 -> :1024..21023                +--> nfcapd c1 127.0.0.1:2055
#        5000 flows [fd01::2]:998 -> :1024..6023                     (IPFIX)
#
# 1. flood (both families in parallel), sampled from CPU 1: hashFlows,
#    "Flows: active", objects of the flow slabs (or of the caches they are
#    merged into on Debian's 6.1)
# 2. the same 20000 IPv4 datagrams again: exactly the cached IPv4 flows'
#    packets are accounted, the rest dropped
# 3. flush; totals: rule counters = in + drop, collector = outFlows, inPackets
# 4. the exported records wait on CPU 0 for reuse ("mem" stays up), and go
#    back to the slab a minute later (kmod/core/flow/pool.hpp)
# vm-timeout: 500

source "${VM_LIB:-$(dirname "$0")/../lib.sh}"
source "$(dirname "${BASH_SOURCE[0]}")/../netflow.sh"
NF_TMP=${TMPDIR:-/tmp}/nf
mkdir -p "$NF_TMP"

N=1000 V4=20000 V6=5000

# slab_objects NAME: the object capacity of the slabs of the cache NAME is
# (or is merged into): memory held, in objects.  ("objects", the ones in
# use, misses full slabs unless the cache is debugged.)
slab_objects() { awk '{ print $1 }' "/sys/kernel/slab/$1/total_objects"; }
# in_rule: "v4pkts v6pkts" of the two NETFLOW rules.
in_rules() {
	echo "$(ipt_counter iptables FORWARD 1 | cut -d' ' -f1) $(ipt_counter ip6tables FORWARD 1 | cut -d' ' -f1)"
}
va_dropped() { cat /sys/class/net/va/statistics/rx_dropped; }

nf_router
nb "$(helper_ipt iptables)" -A INPUT -p udp -j DROP
nb "$(helper_ipt ip6tables)" -A INPUT -p udp -j DROP
collector_start c1 2055
nf_load destination=127.0.0.1:2055 protocol=10 maxflows=$N hashsize=1024 inactive_timeout=600 active_timeout=600
iptables -A FORWARD -i va -p udp -j NETFLOW
ip6tables -A FORWARD -i va -p udp -j NETFLOW
defer iptables -D FORWARD -i va -p udp -j NETFLOW
defer ip6tables -D FORWARD -i va -p udp -j NETFLOW
assert_match "maxflows in /proc" "Maxflows $N\$" "$(grep '^Timeouts:' /proc/net/stat/ipt_netflow)"
[ -e /sys/kernel/slab/ipt_netflow ] || fail "no /sys/kernel/slab/ipt_netflow"
kind=own
[ ! -L /sys/kernel/slab/ipt_netflow ] || kind="merged into $(readlink /sys/kernel/slab/ipt_netflow)"
o4=$(slab_objects ipt_netflow) o6=$(slab_objects ipt_netflow6)
log "flow slabs: $kind; objects before: $o4 (v4), $o6 (v6)"
drop0=$(va_dropped)

log "1) flood: $V4 IPv4 and $V6 IPv6 new flows"
ip netns exec nsa taskset -c 0 python3 "$NF_TOOLS/flood.py" 10.2.0.2 999 1024 $V4 32 >"$NF_TMP/f4" &
f4=$!
ip netns exec nsa taskset -c 0 python3 "$NF_TOOLS/flood.py" fd02::2 998 1024 $V6 32 >"$NF_TMP/f6" &
f6=$!
samples=0 max_hash=0 max_active=0 max4=0 max6=0
while kill -0 $f4 2>/dev/null || kill -0 $f6 2>/dev/null; do
	h=$(nf_snmp hashFlows) a=$(nf_flows_active) s4=$(slab_objects ipt_netflow) s6=$(slab_objects ipt_netflow6)
	((h > max_hash)) && max_hash=$h
	((a > max_active)) && max_active=$a
	((s4 > max4)) && max4=$s4
	((s6 > max6)) && max6=$s6
	samples=$((samples + 1))
done
wait $f4 $f6
log "$(cat "$NF_TMP/f4") / $(cat "$NF_TMP/f6"); $samples samples: max hashFlows $max_hash, max active $max_active," \
	"slab objects max $max4 (v4), $max6 (v6)"
assert_eq "sent" "sent $V4 sent $V6" "$(cat "$NF_TMP/f4") $(cat "$NF_TMP/f6")"
# Each sample runs a few processes: a loaded host gets only a handful in the
# ~3 s of the flood (4 seen); two still show the bounds held while it ran.
assert_match "samples during the flood" '^([2-9]|[1-9][0-9]+)$' "$samples"
assert_between "max hashFlows during the flood" 1 $N "$max_hash"
assert_between "max Flows: active during the flood" 1 $N "$max_active"
assert_eq "flows cached" $N "$(nf_snmp hashFlows)"
assert_eq "peak flows" $N "$(nf_flows_peak)"
# A cache of its own holds our flows only; a merged one others' objects too
# (their churn is allowed 3000).  Unbounded, V4 or V6 more would show.
assert_between "IPv4 flow slab objects, growth" -100000 $((N + 3000)) $((max4 - o4))
assert_between "IPv6 flow slab objects, growth" -100000 $((N + 3000)) $((max6 - o6))
read -r r4 r6 <<<"$(in_rules)"
lost=$(($(va_dropped) - drop0))
log "rules saw $r4 IPv4 and $r6 IPv6 packets; va dropped $lost"
assert_eq "sent = seen by the rules + dropped by va" $((V4 + V6)) $((r4 + r6 + lost))
assert_eq "inPackets + dropPackets = rules" $((r4 + r6)) $(($(nf_snmp inPackets) + $(nf_snmp dropPackets)))
assert_eq "inPackets = flows cached (one packet each)" $N "$(nf_snmp inPackets)"
assert_eq "dropPackets = refused" $((r4 + r6 - N)) "$(nf_snmp dropPackets)"
assert_eq "maxflows column = dropPackets" "$(nf_snmp dropPackets)" "$(nf_total maxflows)"
assert_eq "maxflows (cpu rows) = dropPackets" "$(nf_snmp dropPackets)" "$(nf_cpu_sum maxflows)"
# cached flows per family (the flows view: IPv6 addresses have colons)
c4=$(awk 'NR > 1 && $6 ~ /^10\.1\.0\.2,999$/' /proc/net/stat/ipt_netflow_flows | wc -l)
c6=$(awk 'NR > 1 && $6 ~ /^fd01::2,998$/' /proc/net/stat/ipt_netflow_flows | wc -l)
log "cached: $c4 IPv4, $c6 IPv6 flows"
assert_eq "cached flows by family" $N $((c4 + c6))
assert_eq "inBytes (60 per IPv4, 80 per IPv6 datagram)" $((60 * c4 + 80 * c6)) "$(nf_snmp inBytes)"
assert_eq "dropBytes" $((60 * (r4 - c4) + 80 * (r6 - c6))) "$(nf_snmp dropBytes)"
assert_eq "trunc, frag, alloc errors" "0 0 0" "$(nf_total trunc) $(nf_total frag) $(nf_total alloc)"

log "2) the IPv4 flood again: the cached flows take their packets, full or not"
in0=$(nf_snmp inPackets) dr0=$(nf_snmp dropPackets) drop0=$(va_dropped) rb=$r4
ip netns exec nsa taskset -c 0 python3 "$NF_TOOLS/flood.py" 10.2.0.2 999 1024 $V4 32 >/dev/null
read -r r4 r6 <<<"$(in_rules)"
d_rule=$((r4 - rb)) lost=$(($(va_dropped) - drop0))
d_in=$(($(nf_snmp inPackets) - in0)) d_drop=$(($(nf_snmp dropPackets) - dr0))
log "rule +$d_rule, va dropped $lost; accounted +$d_in, dropped +$d_drop"
assert_eq "sent = rule + va drops" $V4 $((d_rule + lost))
assert_eq "accounted + dropped = rule" "$d_rule" $((d_in + d_drop))
# every cached IPv4 flow got its packet again, unless va lost it
assert_between "accounted = cached IPv4 flows (less va's losses)" $((c4 - lost)) "$c4" "$d_in"
assert_eq "flows cached" $N "$(nf_snmp hashFlows)"
assert_eq "maxflows column = dropPackets" "$(nf_snmp dropPackets)" "$(nf_total maxflows)"
assert_eq "IPv4 flows' packets in the view" $((c4 + d_in)) \
	"$(awk 'NR > 1 && $6 == "10.1.0.2,999" { s += $(NF - 2) } END { print s + 0 }' /proc/net/stat/ipt_netflow_flows)"

log "3) flush and reconcile with the collector"
sysctl -qw net.netflow.flush=1
assert_eq "flows cached after flush" 0 "$(nf_snmp hashFlows)"
assert_eq "exported" "$N 0" "$(nf_snmp outFlows) $(nf_snmp lostFlows)"
in_p=$(nf_snmp inPackets) in_b=$(nf_snmp inBytes)
sleep 0.5
collector_stop c1
collector_records c1 >"$NF_TMP/c1.txt"
assert_eq "collector: records, packets, bytes" "$N $in_p $in_b" \
	"$(($(wc -l <"$NF_TMP/c1.txt"))) $(records_total <"$NF_TMP/c1.txt" | cut -d' ' -f1,2)"
assert_eq "collector: IPv4 records" "$c4" "$(awk '$2 == "10.1.0.2"' "$NF_TMP/c1.txt" | wc -l)"
assert_eq "collector: IPv6 records" "$c6" "$(awk '$2 == "fd01::2"' "$NF_TMP/c1.txt" | wc -l)"

log "4) the records wait for reuse, then go back to the slab"
# "mem": records cached or pooled, plus the hash (1024 buckets x 8 bytes).
# After the flush CPU 0 keeps its $N records (less the few a refill had left
# in its pools: 32 per family at most); 30 to 60 s later only the 256 a CPU
# keeps anyway, and each CPU's refill leftovers.
m0=$(nf_flows_mem_k)
assert_between "mem right after the flush (K)" $((((N - 64) * 88 + 1024 * 8) / 1024)) 1000000 "$m0"
sleep 65
m1=$(nf_flows_mem_k)
log "mem after the flush ${m0}K, a minute later ${m1}K"
assert_between "mem a minute later (K)" 1 $((((256 + 4 * 32) * 120 + 1024 * 8) / 1024)) "$m1"

iptables -D FORWARD -i va -p udp -j NETFLOW
ip6tables -D FORWARD -i va -p udp -j NETFLOW
unload_module ipt_NETFLOW
