#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# 23-v5-hashsize-maxflows: the flow table's size and cap.  Resizing the hash
# (sysctl hashsize) under a steady stream of 500 flows loses no packet and no
# flow; maxflows=50 keeps the cache at 50 flows, counts every packet of a
# refused flow as dropped (maxflows column), and the rest is exported exactly.
#
#   nsa 10.1.0.2 --va0|va-- [ root: FORWARD -j NETFLOW ] --vb|vb0-- nsb 10.2.0.2
#     (python: 500 source     |  v5 datagrams
#      ports, round-robin)    +--> nfcapd c1 127.0.0.1:2055
#
# A) hashsize=1024 at load, inactive_timeout=60: UDP round after round from
#    ports 45000..45499 to 10.2.0.2:50001 while hashsize becomes 256, 4096,
#    100000, 512 (1 s apart); the sender stops after its round; flush=1.
# B) reloaded with maxflows=50: 200 flows (ports 46000..46199 to :50002) of
#    one datagram each, 10 ms apart; then flush=1 and 10 new flows.

source "${VM_LIB:-$(dirname "$0")/../lib.sh}"
source "$(dirname "${BASH_SOURCE[0]}")/../netflow.sh"
# Collector files of this scenario only: /tmp/nf outlives a scenario within a
# boot, and nfdump -R reads every file a collector directory holds.
NF_TMP=${TMPDIR:-/tmp}/nf
mkdir -p "$NF_TMP"

nf_router
collector_start c1 2055
nf_load destination=127.0.0.1:2055 hashsize=1024 inactive_timeout=60
iptables -A FORWARD -j NETFLOW
assert_eq "hashsize at load (sysctl)" 1024 "$(sysctl -n net.netflow.hashsize)"
assert_eq "hashsize at load (/proc)" 1024 "$(nf_hash_size)"

log "A) 500 flows while the hash is resized"
va_drops0=$(cat /sys/class/net/va/statistics/rx_dropped)
# Not through na(): $! must be python itself (ip netns exec execs it).
ip netns exec nsa python3 "$NF_TOOLS/traffic.py" udp-spray 10.2.0.2 45000 500 50001 64 90 >"$NF_TMP/spray.out" &
spray=$!
wait_for '[ "$(nf_snmp hashFlows)" -ge 500 ]' 30
for hs in 256 4096 100000 512; do
	before=$(nf_snmp inPackets)
	sleep 1
	sysctl -qw net.netflow.hashsize=$hs
	assert_eq "hashsize $hs (sysctl)" $hs "$(sysctl -n net.netflow.hashsize)"
	# /proc shows the buckets in use: each CPU's share, or more where a
	# CPU holds over 2 flows a bucket (then 1.4 a bucket: 500 flows on one
	# CPU ask for at most 500 * 5 / 7 = 357 buckets, its share included).
	assert_between "hashsize $hs (/proc Hash: size)" $hs $((hs + 357)) "$(nf_hash_settled)"
	log "  $(grep -E '^(Flows|Hash):' /proc/net/stat/ipt_netflow | cut -c1-90 | xargs)"
	assert_match "  packets still flowing" "^[1-9][0-9]*$" $(($(nf_snmp inPackets) - before))
done
if sysctl -qw net.netflow.hashsize=255 2>/dev/null; then fail "hashsize=255 accepted"; fi
assert_eq "hashsize after a refused write" 512 "$(sysctl -n net.netflow.hashsize)"
kill -TERM $spray || fail "the traffic ended before the last resize"
wait $spray
read -r _ sent _ rounds <"$NF_TMP/spray.out"
read -r fwd_pkts fwd_bytes <<<"$(ipt_counter iptables FORWARD 1)"
# Some may be lost before the router when the guest is starved: the receive
# backlog of the router's CPU overflows, and va counts them as rx_dropped.
va_drops=$(($(cat /sys/class/net/va/statistics/rx_dropped) - va_drops0))
log "A: sent $sent datagrams, $rounds rounds over 500 ports; the rule saw $fwd_pkts, va dropped $va_drops"
assert_eq "datagrams sent = seen by the rule + dropped by va" "$sent" $((fwd_pkts + va_drops))
assert_eq "iptables bytes = 92 per datagram" $((fwd_pkts * 92)) "$fwd_bytes"
a_fwd="$fwd_pkts $fwd_bytes"
assert_eq "module packets = iptables packets" "$fwd_pkts" "$(nf_snmp inPackets)"
assert_eq "module bytes = iptables bytes" "$fwd_bytes" "$(nf_snmp inBytes)"
assert_eq "packets dropped by the module" 0 "$(nf_snmp dropPackets)"
cached=$(nf_snmp hashFlows)
assert_match "A's flows cached (500, a part per CPU that saw them)" "^([5-9][0-9][0-9]|1000)$" "$cached"
sysctl -qw net.netflow.flush=1
assert_eq "flows cached after flush=1" 0 "$(nf_snmp hashFlows)"
assert_eq "records exported (one per flow: parts joined)" 500 "$(nf_snmp outFlows)"
assert_eq "flows lost" 0 "$(nf_snmp lostFlows)"
assert_eq "export errors" 0 "$(nf_snmp errTotal)"
a_out=$(nf_snmp outFlows)

iptables -F FORWARD
unload_module ipt_NETFLOW

log "B) maxflows=50: 200 one-packet flows"
nf_load destination=127.0.0.1:2055 maxflows=50 inactive_timeout=60
iptables -A FORWARD -j NETFLOW
assert_match "maxflows in /proc" "Maxflows 50$" "$(grep '^Timeouts:' /proc/net/stat/ipt_netflow)"
ip netns exec nsa python3 "$NF_TOOLS/traffic.py" udp-many 10.2.0.2 46000 200 50002 100 0.01 >"$NF_TMP/many.out" &
sender=$!
samples=0 max_hash=0 max_active=0
while kill -0 $sender 2>/dev/null; do
	h=$(nf_snmp hashFlows) a=$(nf_flows_active)
	((h > max_hash)) && max_hash=$h
	((a > max_active)) && max_active=$a
	samples=$((samples + 1))
done
wait $sender
log "B: $(cat "$NF_TMP/many.out"); $samples samples during the traffic, max hashFlows $max_hash, max Flows: active $max_active"
assert_match "samples while the traffic ran" "^([3-9]|[1-9][0-9]+)$" "$samples"
assert_between "max hashFlows while the traffic ran" 1 50 "$max_hash"
assert_between "max Flows: active while the traffic ran" 1 50 "$max_active"
assert_eq "flows cached" 50 "$(nf_snmp hashFlows)"
assert_eq "peak flows" 50 "$(nf_flows_peak)"
read -r fwd_pkts fwd_bytes <<<"$(ipt_counter iptables FORWARD 1)"
assert_eq "iptables FORWARD counter" "200 $((200 * 128))" "$fwd_pkts $fwd_bytes"
assert_eq "maxflows refusals (Total line)" 150 "$(nf_total maxflows)"
assert_eq "maxflows refusals (snmp cpu rows)" 150 "$(nf_cpu_sum maxflows)"
assert_eq "dropPackets = refusals" 150 "$(nf_snmp dropPackets)"
assert_eq "dropBytes" $((150 * 128)) "$(nf_snmp dropBytes)"
assert_eq "drop column of the Total line" 150 "$(nf_total drop)"
assert_eq "inPackets" 50 "$(nf_snmp inPackets)"
assert_eq "inFlows (flows created or refused)" 200 "$(nf_snmp inFlows)"
assert_eq "inPackets + dropPackets = iptables packets" "$fwd_pkts" $(($(nf_snmp inPackets) + $(nf_snmp dropPackets)))
assert_eq "inBytes + dropBytes = iptables bytes" "$fwd_bytes" $(($(nf_snmp inBytes) + $(nf_snmp dropBytes)))
assert_eq "alloc errors" 0 "$(nf_total alloc)"
sysctl -qw net.netflow.flush=1
assert_eq "flows cached after flush=1" 0 "$(nf_snmp hashFlows)"
assert_eq "records exported" 50 "$(nf_snmp outFlows)"

log "B: room again after the flush: 10 new flows are all accepted"
na python3 "$NF_TOOLS/traffic.py" udp-many 10.2.0.2 46200 10 50002 100 0
assert_eq "flows cached" 10 "$(nf_snmp hashFlows)"
assert_eq "maxflows refusals unchanged" 150 "$(nf_cpu_sum maxflows)"
read -r fwd_pkts fwd_bytes <<<"$(ipt_counter iptables FORWARD 1)"
assert_eq "inPackets + dropPackets = iptables packets" "$fwd_pkts" $(($(nf_snmp inPackets) + $(nf_snmp dropPackets)))
sysctl -qw net.netflow.flush=1
b_in=$(nf_snmp inPackets) b_inbytes=$(nf_snmp inBytes) b_out=$(nf_snmp outFlows)
assert_eq "records exported" 60 "$b_out"

sleep 0.5
collector_stop c1
collector_records c1 >"$NF_TMP/c1.txt"
log "collector: $(wc -l <"$NF_TMP/c1.txt") records"
assert_eq "records at the collector = records exported (A + B)" $((a_out + b_out)) "$(($(wc -l <"$NF_TMP/c1.txt")))"

log "A at the collector: every port, every packet"
grep ' 50001 ' "$NF_TMP/c1.txt" >"$NF_TMP/a.txt"
assert_eq "A: packets and bytes = iptables FORWARD counter" "$a_fwd" \
	"$(records_sum <"$NF_TMP/a.txt" | cut -d' ' -f1,2)"
read -r ports lo hi <<<"$(awk '{ p[$3] += $6 } END { n = 0; lo = -1; hi = 0
	for (k in p) { n++; if (lo < 0 || p[k] < lo) lo = p[k]; if (p[k] > hi) hi = p[k] }
	print n, lo, hi }' "$NF_TMP/a.txt")"
log "A: packets per source port: $lo..$hi (rounds sent: $rounds)"
assert_eq "A: source ports with records" 500 "$ports"
assert_between "A: packets of a source port" 1 "$rounds" "$lo"
assert_between "A: packets of a source port" 1 "$rounds" "$hi"

log "B at the collector: exactly the first 50 flows, then the 10 new ones"
grep ' 50002 ' "$NF_TMP/c1.txt" >"$NF_TMP/b.txt"
assert_eq "B: packets and bytes = inPackets, inBytes" "$b_in $b_inbytes 60" "$(records_sum <"$NF_TMP/b.txt")"
assert_eq "B: source ports" "$(seq 46000 46049 | xargs) $(seq 46200 46209 | xargs)" \
	"$(awk '{ print $3 }' "$NF_TMP/b.txt" | sort -n | xargs)"

iptables -F FORWARD
unload_module ipt_NETFLOW
