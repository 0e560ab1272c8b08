#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# vm-lane: b
#
# 61-sysctl-churn: every run-time setting changed again and again under
# steady traffic, and not one packet unaccounted at the end: datagrams sent
# = seen by the rule (+ lost before the router), the rule = the module's
# packets + its maxflows drops, the module's exported packets = what the two
# collectors decoded, no flow lost.
#
#   nsa 10.1.0.2 --va0|va-- [ root: FORWARD -i va -p udp -j NETFLOW ] --vb|vb0-- nsb 10.2.0.2
#     flood.py: 50 flows (ports                |                                 (drops UDP)
#     50001..50050), 64-byte datagrams,        +--> nfcapd c1 127.0.0.1:2055
#     one every 2 ms, until SIGTERM            +--> nfcapd c2 127.0.0.1:2056
#                                              (dumpcap on lo: both ports)
#
# Settings, each step ~0.7 s apart, the list twice:
#   hashsize 4096, protocol 9, destination :2056, active_timeout 2, hashsize
#   256, protocol 10, maxflows 20 and a flush (20 of the 50 flows come
#   back, the others' packets are dropped), inactive 1,
#   maxflows 0 (no limit), destination :2055, protocol 5, hashsize 65536,
#   timeouts 60/15, destination :2056 + protocol 10, scan-min 2 ...
# Then the sender stops, flush=1, everything exported.  A capture of the
# export (dumpcap) shows each data set after its template at each collector.
# vm-timeout: 420

source "${VM_LIB:-$(dirname "$0")/../lib.sh}"
source "$(dirname "${BASH_SOURCE[0]}")/../netflow.sh"
NF_TMP=${TMPDIR:-/tmp}/nf
mkdir -p "$NF_TMP"

STEPS=(
	"hashsize=4096" "protocol=9" "destination=127.0.0.1:2056" "active_timeout=2"
	"hashsize=256" "protocol=10" "maxflows=20 flush=1" "inactive_timeout=1" "maxflows=0"
	"destination=127.0.0.1:2055" "protocol=5" "hashsize=65536"
	"active_timeout=60 inactive_timeout=15" "destination=127.0.0.1:2056 protocol=10"
	"scan-min=2" "hashsize=1024 protocol=9"
)

nf_router
nb "$(helper_ipt iptables)" -A INPUT -p udp -j DROP
collector_start c1 2055
collector_start c2 2056
pcap_start cap 'udp and (port 2055 or port 2056)'
nf_load destination=127.0.0.1:2055 protocol=5 hashsize=1024
iptables -A FORWARD -i va -p udp -j NETFLOW
defer iptables -D FORWARD -i va -p udp -j NETFLOW
va0=$(cat /sys/class/net/va/statistics/rx_dropped)

ip netns exec nsa python3 "$NF_TOOLS/flood.py" 10.2.0.2 999 50001 50 64 0 0.002 >"$NF_TMP/sent" &
sender=$!
defer kill $sender
wait_for '[ "$(nf_snmp inPackets)" -gt 100 ]' 30

maxdrops=0
for round in 1 2; do
	for step in "${STEPS[@]}"; do
		before=$(nf_snmp inPackets) drops=$(nf_snmp dropPackets)
		for kv in $step; do
			key=${kv%%=*} value=${kv#*=}
			# (a redirection, not sysctl(8): no process per write)
			echo "$value" >"/proc/sys/net/netflow/$key"
			[ "$key" = flush ] || [ "$(<"/proc/sys/net/netflow/$key")" = "$value" ] ||
				fail "round $round: $key reads $(<"/proc/sys/net/netflow/$key") after writing $value"
		done
		sleep 0.7
		log "round $round, $step: +$(($(nf_snmp inPackets) - before)) packets," \
			"+$(($(nf_snmp dropPackets) - drops)) dropped, $(nf_snmp hashFlows) flows cached," \
			"exported $(nf_snmp outFlows), lost $(nf_snmp lostFlows)"
		assert_match "round $round, $step: packets still metered" '^[1-9][0-9]*$' \
			$(($(nf_snmp inPackets) - before))
	done
	assert_eq "round $round: protocol at the end" 9 "$(sysctl -n net.netflow.protocol)"
	assert_eq "round $round: hashsize (/proc)" 1024 "$(nf_hash_size)"
	assert_match "round $round: maxflows dropped some (20 < 50 flows)" '^[1-9][0-9]*$' \
		"$(nf_total maxflows)"
done

kill -TERM $sender
wait $sender
read -r _ sent <"$NF_TMP/sent"
sleep 0.5
sysctl -qw net.netflow.flush=1
nf_wait_exported 20
read -r rule_p rule_b <<<"$(ipt_counter iptables FORWARD 1)"
lost=$(($(cat /sys/class/net/va/statistics/rx_dropped) - va0))
in_p=$(nf_snmp inPackets) in_b=$(nf_snmp inBytes) dr_p=$(nf_snmp dropPackets) dr_b=$(nf_snmp dropBytes)
log "sent $sent; va dropped $lost; rule $rule_p; module in $in_p, dropped $dr_p (maxflows $(nf_total maxflows))"
assert_eq "sent = rule + va drops" "$sent" $((rule_p + lost))
assert_eq "rule bytes = 92 a datagram" $((rule_p * 92)) "$rule_b"
assert_eq "rule = inPackets + dropPackets" "$rule_p" $((in_p + dr_p))
assert_eq "rule bytes = inBytes + dropBytes" "$rule_b" $((in_b + dr_b))
assert_eq "drops = maxflows refusals (no trunc)" "$dr_p" "$(nf_total maxflows)"
assert_eq "lost flows, packets" "0 0" "$(nf_snmp lostFlows) $(nf_snmp lostPackets)"
assert_eq "export errors" 0 "$(nf_export_errors)"
out_f=$(nf_snmp outFlows)

sleep 0.5
pcap_stop cap
cp "$NF_TMP/cap.pcap" "$VM_ARTIFACTS/"
collector_stop c1
collector_stop c2
collector_records c1 >"$NF_TMP/c1.txt"
collector_records c2 >"$NF_TMP/c2.txt"
cat "$NF_TMP/c1.txt" "$NF_TMP/c2.txt" >"$NF_TMP/all.txt"
log "collectors: $(wc -l <"$NF_TMP/c1.txt") + $(wc -l <"$NF_TMP/c2.txt") records"
# v9/IPFIX: a collector drops data whose template it has not seen; after a
# destination change the new collector must get the templates first.
for port in 2055 2056; do
	python3 "$NF_IPFIX" check "$NF_TMP/cap.pcap" $port 0 >"$NF_TMP/check-$port.txt" 2>&1 || true
	assert_eq "port $port: data sets before their template" "" \
		"$(grep -o 'message #[0-9]* ([^)]*): data set [0-9]* before its template' "$NF_TMP/check-$port.txt" | head -n 3)"
done
assert_eq "records at the collectors = outFlows" "$out_f" $(($(wc -l <"$NF_TMP/all.txt")))
assert_eq "collectors' packets, bytes = inPackets, inBytes" "$in_p $in_b" \
	"$(records_total <"$NF_TMP/all.txt" | cut -d' ' -f1,2)"

iptables -D FORWARD -i va -p udp -j NETFLOW
unload_module ipt_NETFLOW
