#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# 21-v5-timeouts: when flows leave the cache.  The inactive timeout exports an
# idle flow no earlier than the timeout and at most ~2 s later; the active
# timeout cuts a long flow into records no longer than the timeout, losing no
# packet; flush=1 exports everything at once.
#
#   nsa 10.1.0.2 --va0|va-- [ root: FORWARD -j NETFLOW ] --vb|vb0-- nsb 10.2.0.2
#                                 |  v5 datagrams
#                                 +--> nfcapd c1 127.0.0.1:2055
#                                      (records keep nfcapd's receive time, tr)
#
# Sent: A) 10 datagrams on one flow, inactive_timeout=3;
#       B) 60 datagrams at 5/s (12 s) on one flow, active_timeout=4,
#          inactive_timeout=10;
#       C) 5 flows of 3 datagrams, inactive_timeout=60, then flush=1.

source "${VM_LIB:-$(dirname "$0")/../lib.sh}"
source "$(dirname "${BASH_SOURCE[0]}")/../netflow.sh"
# Collector files of this scenario only: /tmp/nf outlives a scenario within a
# boot, and nfdump -R reads every file a collector directory holds.
NF_TMP=${TMPDIR:-/tmp}/nf
mkdir -p "$NF_TMP"

# us EPOCH.FRACTION (6 digits, as $EPOCHREALTIME): microseconds.
us() { local t=${1/./}; echo $((10#$t)); }

nf_router
collector_start c1 2055
nf_load destination=127.0.0.1:2055 inactive_timeout=3
iptables -A FORWARD -j NETFLOW

log "A) inactive timeout 3 s: one burst, then silence"
t_last=$(na python3 "$NF_TOOLS/traffic.py" udp-stamp 10.2.0.2 40001 50001 100 10)
# Still cached 2.5 s after the last packet (checked if the sample is taken
# before 2.9 s: a starved guest may get here later).
sleep_until=$(($(us "$t_last") + 2500000))
while [ "$(us "$EPOCHREALTIME")" -lt $sleep_until ]; do sleep 0.05; done
cached_then="$(nf_snmp hashFlows) $(nf_snmp outFlows)"
sampled_ms=$((($(us "$EPOCHREALTIME") - $(us "$t_last")) / 1000))
if [ $sampled_ms -lt 2900 ]; then
	assert_eq "flows cached, records exported ${sampled_ms} ms after the last packet" "1 0" "$cached_then"
else
	log "flows cached, records exported ${sampled_ms} ms after the last packet: $cached_then (too late to judge)"
fi
wait_for '[ "$(nf_snmp outFlows)" = 1 ]' 10
t_out=$EPOCHREALTIME
a_module_ms=$((($(us "$t_out") - $(us "$t_last")) / 1000))
log "A: /proc showed the export ${a_module_ms} ms after the last packet"
assert_eq "flows cached after the export" 0 "$(nf_snmp hashFlows)"

log "B) active timeout 4 s (inactive 10 s): 60 datagrams at 5/s"
sysctl -qw net.netflow.active_timeout=4 net.netflow.inactive_timeout=10
assert_match "timeouts in /proc" "Timeouts: active 4s, inactive 10s\." "$(cat /proc/net/stat/ipt_netflow)"
t0=$EPOCHREALTIME
na python3 "$NF_TOOLS/traffic.py" udp-paced 10.2.0.2 40002 50002 200 60 0.2
t1=$EPOCHREALTIME
log "B: sent in $((($(us "$t1") - $(us "$t0")) / 1000)) ms"
# A record already left while the flow was still running.
b_out_during=$(($(nf_snmp outFlows) - 1))
nf_wait_exported 15

log "C) inactive timeout 60 s, then flush=1"
sysctl -qw net.netflow.inactive_timeout=60 net.netflow.active_timeout=1800
na python3 "$NF_TOOLS/traffic.py" udp-many 10.2.0.2 40010 5 50010 300 0 3
out_before=$(nf_snmp outFlows)
cached=$(nf_snmp hashFlows)
sleep 2
assert_eq "nothing exported 2 s after C's traffic (inactive 60 s)" "$out_before" "$(nf_snmp outFlows)"
assert_eq "C's flows still cached" "$cached" "$(nf_snmp hashFlows)"
assert_match "C's 5 flows are cached (a part per CPU that saw them)" "^([5-9]|10)$" "$cached"
t_flush=$EPOCHREALTIME
sysctl -qw net.netflow.flush=1
assert_eq "flows cached right after flush=1" 0 "$(nf_snmp hashFlows)"
assert_eq "records exported by flush=1 (one per flow: parts joined)" $((out_before + 5)) "$(nf_snmp outFlows)"
assert_match "nothing waits in a partial datagram" "InPDU 0, 0\." "$(cat /proc/net/stat/ipt_netflow)"

read -r fwd_pkts fwd_bytes <<<"$(ipt_counter iptables FORWARD 1)"
assert_eq "module packets = iptables packets" "$fwd_pkts" "$(nf_snmp inPackets)"
assert_eq "module bytes = iptables bytes" "$fwd_bytes" "$(nf_snmp inBytes)"
assert_eq "packets dropped by the module" 0 "$(nf_snmp dropPackets)"
assert_eq "export errors" 0 "$(nf_snmp errTotal)"
assert_eq "flows lost" 0 "$(nf_snmp lostFlows)"

sleep 0.5
collector_stop c1
collector_times c1 >"$NF_TMP/c1.txt"
cat "$NF_TMP/c1.txt"
assert_eq "records at the collector = records exported (module)" "$(nf_snmp outFlows)" \
	"$(($(wc -l <"$NF_TMP/c1.txt")))"
assert_eq "all records = iptables FORWARD counter" "$fwd_pkts $fwd_bytes" \
	"$(records_sum <"$NF_TMP/c1.txt" | cut -d' ' -f1,2)"

log "A: one record, received 3..5 s after the last packet"
key="17 10.1.0.2 40001 10.2.0.2 50001"
assert_eq "A: record" "10 1280 1" "$(records_sum "$key" <"$NF_TMP/c1.txt")"
a_tr=$(awk -v k="$key" 'index($0, k " ") == 1 { print $14 }' "$NF_TMP/c1.txt")
a_ms=$((a_tr - $(us "$t_last") / 1000))
log "A: nfcapd received the record ${a_ms} ms after the last packet (module sent it after ${a_module_ms} ms)"
# One jiffy (4 ms at HZ=250) of slack below: flow times are kept in jiffies.
assert_between "A: ms from the last packet to the collector" 2996 5000 "$a_ms"
# Polling /proc only adds delay: a lower bound, the upper one is the collector's.
assert_between "A: ms from the last packet to the export seen in /proc" 2996 100000 "$a_module_ms"

log "B: at least 3 records, none longer than ~4.5 s, packets exact"
key="17 10.1.0.2 40002 10.2.0.2 50002"
read -r p b r <<<"$(records_sum "$key" <"$NF_TMP/c1.txt")"
assert_eq "B: packets and bytes of all its records" "60 $((60 * 228))" "$p $b"
assert_match "B: records (>= 3)" "^([3-9]|[1-9][0-9])$" "$r"
assert_match "B: a record left while the flow ran" "^[1-9][0-9]*$" "$b_out_during"
durations=$(awk -v k="$key" 'index($0, k " ") == 1 { print $13 }' "$NF_TMP/c1.txt" | sort -n | xargs)
log "B: $r records, $b_out_during exported during the traffic, durations (ms): $durations"
for d in $durations; do
	assert_between "B: record duration (ms)" 0 4500 "$d"
done

log "C: every flushed record received within 2 s of flush=1"
c_first=$(($(us "$t_flush") / 1000))
read -r p b r <<<"$(grep -E '^17 10\.1\.0\.2 4001[0-4] 10\.2\.0\.2 50010 ' "$NF_TMP/c1.txt" | records_sum)"
assert_eq "C: packets and bytes" "15 $((15 * 328))" "$p $b"
assert_eq "C: one record per flow" 5 "$r"
for tr in $(grep -E '^17 10\.1\.0\.2 4001[0-4] ' "$NF_TMP/c1.txt" | awk '{ print $14 }'); do
	assert_between "C: ms from flush=1 to the collector" 0 2000 $((tr - c_first))
done

iptables -F FORWARD
unload_module ipt_NETFLOW
