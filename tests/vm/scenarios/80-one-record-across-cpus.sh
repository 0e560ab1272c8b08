#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# 80-one-record-across-cpus: a flow whose packets are handled alternately on
# the guest's two CPUs (the sender pinned to CPU 0, 1, 0, 1... between
# sends: a veth transmit is routed and metered in the sending CPU's softirq)
# still leaves as exactly one record per direction per interval, with
# exactly the packets and bytes sent, for TCP, UDP and ICMP.  Before the
# flows expire, the cache holds a part of each on both CPUs: the split is
# real and the exporter joins the parts.
#
#   nsa 10.1.0.2 --va0|va-- [ root: FORWARD -j NETFLOW ] --vb|vb0-- nsb 10.2.0.2
#    hop.py: taskset 0,1,0,1...     |  NetFlow v5
#                                   +--> nfcapd c1 127.0.0.1:2055
# vm-timeout: 240

source "${VM_LIB:-$(dirname "$0")/../lib.sh}"
source "$(dirname "${BASH_SOURCE[0]}")/../netflow.sh"

assert_eq "online CPUs" 2 "$(nproc)"
nf_router
collector_start c1 2055
nf_load destination=127.0.0.1:2055 inactive_timeout=10

iptables -A FORWARD -j NETFLOW
iptables -A FORWARD -p tcp --dport 5001	# counters only: the TCP flow, each way
iptables -A FORWARD -p tcp --sport 5001

cpu_packets() { awk -v c="cpu$1" '$1 == c { print $4 }' /proc/net/stat/ipt_netflow_snmp; }
# parts_cached "SRC,SPORT DST,DPORT": the flow is cached in one part per CPU.
parts_cached() {
	assert_eq "parts of $1 cached" 2 "$(grep -c -- "$1" /proc/net/stat/ipt_netflow_flows)"
}

log "TCP: 40 writes of 5000 bytes, the sender hopping between CPUs"
nb python3 "$NF_TOOLS/traffic.py" tcp-server 5001 >"$NF_TMP/tcp.out" &
wait_for "grep -q listening $NF_TMP/tcp.out"
na python3 "$NF_TOOLS/hop.py" tcp 10.2.0.2 5001 40 5000
wait_for "grep -qx 200000 $NF_TMP/tcp.out"
parts_cached "10.1.0.2,[0-9]* 10.2.0.2,5001 "
parts_cached "10.2.0.2,5001 10.1.0.2,"
log "UDP: 20 datagrams of 300 bytes"
na python3 "$NF_TOOLS/hop.py" udp 10.2.0.2 40080 50080 300 20
parts_cached "10.1.0.2,40080 10.2.0.2,50080 "
log "ICMP: 10 echo requests of 100 bytes"
na python3 "$NF_TOOLS/hop.py" icmp 10.2.0.2 100 10
parts_cached "10.1.0.2,0 10.2.0.2,2048 "
parts_cached "10.2.0.2,0 10.1.0.2,0 "
for c in 0 1; do
	assert_match "CPU $c metered packets" '^[1-9][0-9]*$' "$(cpu_packets $c)"
done

log "waiting for the inactive timeout to export everything"
nf_wait_exported 30
read -r fwd_pkts fwd_bytes <<<"$(ipt_counter iptables FORWARD 1)"
read -r tcp_pkts tcp_bytes <<<"$(ipt_counter iptables FORWARD 2)"
read -r tcpr_pkts tcpr_bytes <<<"$(ipt_counter iptables FORWARD 3)"
assert_eq "module packets = iptables packets" "$fwd_pkts" "$(nf_snmp inPackets)"
assert_eq "packets dropped by the module" 0 "$(nf_snmp dropPackets)"
assert_eq "export errors" 0 "$(nf_snmp errTotal)"

sleep 1
collector_stop c1
collector_records c1 >"$NF_TMP/c1.txt"
cat "$NF_TMP/c1.txt"
assert_eq "records exported (module) = at nfdump" "$(nf_snmp outFlows)" "$(wc -l <"$NF_TMP/c1.txt")"
assert_eq "records: TCP x2, UDP, ICMP x2" 5 "$(wc -l <"$NF_TMP/c1.txt")"

log "one record per direction, exactly what was sent"
assert_eq "TCP client->server = iptables rule 2" "$tcp_pkts $tcp_bytes 1" \
	"$(grep -E '^6 10\.1\.0\.2 [0-9]+ 10\.2\.0\.2 5001 ' "$NF_TMP/c1.txt" | records_sum)"
assert_eq "TCP server->client = iptables rule 3" "$tcpr_pkts $tcpr_bytes 1" \
	"$(grep -E '^6 10\.2\.0\.2 5001 ' "$NF_TMP/c1.txt" | records_sum)"
for f in $(awk '$1 == 6 { print $11 }' "$NF_TMP/c1.txt"); do
	assert_eq "TCP flags SYN|FIN|ACK in one record" 19 $((f & 19))
done
assert_eq "UDP" "20 $((20 * 328)) 1" "$(records_sum "17 10.1.0.2 40080 10.2.0.2 50080" <"$NF_TMP/c1.txt")"
assert_eq "ICMP echo requests" "10 $((10 * 128)) 1" "$(records_sum "1 10.1.0.2 0 10.2.0.2 2048" <"$NF_TMP/c1.txt")"
assert_eq "ICMP echo replies" "10 $((10 * 128)) 1" "$(records_sum "1 10.2.0.2 0 10.1.0.2 0" <"$NF_TMP/c1.txt")"
assert_eq "all records = iptables FORWARD counter" "$fwd_pkts $fwd_bytes" \
	"$(records_sum <"$NF_TMP/c1.txt" | cut -d' ' -f1,2)"

iptables -F FORWARD
unload_module ipt_NETFLOW
