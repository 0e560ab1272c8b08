#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# 20-v5-forward: the module's main job with its default protocol.  Traffic
# routed through the guest is metered in FORWARD and exported as NetFlow v5 to
# two collectors at once; nfdump and tshark must decode exactly what was sent.
#
#   nsa 10.1.0.2 --va0|va-- [ root: FORWARD -j NETFLOW ] --vb|vb0-- nsb 10.2.0.2
#                                 |  datagrams to both
#                                 +--> nfcapd c1 127.0.0.1:2055 (+ tshark on lo)
#                                 +--> nfcapd c2 127.0.0.1:2056
#
# Sent: 4 UDP flows (flow i: i+1 datagrams of 100*i bytes payload), 4 ICMP
# echo requests (and their replies), one TCP connection carrying 200000 bytes.

source "${VM_LIB:-$(dirname "$0")/../lib.sh}"
source "$(dirname "${BASH_SOURCE[0]}")/../netflow.sh"

nf_router
collector_start c1 2055
collector_start c2 2056
capture_start cap "udp port 2055"
nf_load destination=127.0.0.1:2055,127.0.0.1:2056 inactive_timeout=2

iptables -A FORWARD -j NETFLOW
iptables -A FORWARD -p tcp --dport 5001	# counters only: the TCP flow, each way
iptables -A FORWARD -p tcp --sport 5001

log "UDP: 4 flows of known sizes"
expect_udp=()
for i in 1 2 3 4; do
	na python3 "$NF_TOOLS/traffic.py" udp 10.2.0.2 $((40000 + i)) $((50000 + i)) $((100 * i)) $((i + 1))
	expect_udp+=("17 10.1.0.2 $((40000 + i)) 10.2.0.2 $((50000 + i)):$((i + 1)) $(((i + 1) * (100 * i + 28)))")
done
log "ICMP: 4 echo requests"
na busybox ping -q -c 4 -i 0.2 -s 56 10.2.0.2 >/dev/null
log "TCP: one connection, 200000 bytes"
nb python3 "$NF_TOOLS/traffic.py" tcp-server 5001 >"$NF_TMP/tcp.out" &
wait_for "grep -q listening $NF_TMP/tcp.out"
na python3 "$NF_TOOLS/traffic.py" tcp-client 10.2.0.2 5001 200000
wait_for "grep -qx 200000 $NF_TMP/tcp.out"

log "waiting for the inactive timeout to export everything"
nf_wait_exported 20
read -r fwd_pkts fwd_bytes <<<"$(ipt_counter iptables FORWARD 1)"
read -r tcp_pkts tcp_bytes <<<"$(ipt_counter iptables FORWARD 2)"
read -r tcpr_pkts tcpr_bytes <<<"$(ipt_counter iptables FORWARD 3)"
assert_eq "module packets = iptables packets" "$fwd_pkts" "$(nf_snmp inPackets)"
assert_eq "module bytes = iptables bytes" "$fwd_bytes" "$(nf_snmp inBytes)"
assert_eq "packets dropped by the module" 0 "$(nf_snmp dropPackets)"
assert_eq "export errors" 0 "$(nf_snmp errTotal)"

sleep 1
capture_stop cap
collector_stop c1
collector_stop c2
collector_records c1 >"$NF_TMP/c1.txt"
collector_records c2 >"$NF_TMP/c2.txt"
capture_records cap >"$NF_TMP/cap.txt"
cat "$NF_TMP/c1.txt"

log "both collectors got the same records, and tshark decodes the same"
assert_eq "collector c2 = c1" "$(cat "$NF_TMP/c1.txt")" "$(cat "$NF_TMP/c2.txt")"
assert_eq "tshark = nfdump" "$(cat "$NF_TMP/c1.txt")" "$(cat "$NF_TMP/cap.txt")"
python3 "$NF_TOOLS/nfcheck.py" v5-headers "$NF_TMP/cap.pcap"
assert_eq "records exported (module)" "$(nf_snmp outFlows)" \
	"$(($(wc -l <"$NF_TMP/c1.txt")))"

log "per flow: packets and bytes exactly as sent"
in_if=$(ifindex va) out_if=$(ifindex vb)
for e in "${expect_udp[@]}"; do
	key=${e%%:*} want=${e#*:}
	read -r p b r <<<"$(records_sum "$key" <"$NF_TMP/c1.txt")"
	assert_eq "UDP $key" "$want" "$p $b"
	assert_eq "UDP $key records" 1 "$r"
	assert_match "UDP $key interfaces" " $in_if $out_if 0.0.0.0 " "$(grep "^$key " "$NF_TMP/c1.txt")"
done
# ping sleeps between requests and may wake on the other CPU: the parts of a
# flow cached on both CPUs still leave as one record.
for k in "1 10.1.0.2 0 10.2.0.2 2048:requests" "1 10.2.0.2 0 10.1.0.2 0:replies"; do
	read -r p b r <<<"$(records_sum "${k%%:*}" <"$NF_TMP/c1.txt")"
	assert_eq "ICMP echo ${k#*:}" "4 $((4 * 84))" "$p $b"
	assert_eq "ICMP echo ${k#*:} records" 1 "$r"
done
# One record per direction, wherever its packets were handled.
read -r p b r <<<"$(grep -E '^6 10\.1\.0\.2 [0-9]+ 10\.2\.0\.2 5001 ' "$NF_TMP/c1.txt" | records_sum)"
assert_eq "TCP client->server = iptables rule 2" "$tcp_pkts $tcp_bytes 1" "$p $b $r"
read -r p b r <<<"$(grep -E '^6 10\.2\.0\.2 5001 ' "$NF_TMP/c1.txt" | records_sum)"
assert_eq "TCP server->client = iptables rule 3" "$tcpr_pkts $tcpr_bytes 1" "$p $b $r"
flags=0
for f in $(awk '$1 == 6 && $5 == 5001 { print $11 }' "$NF_TMP/c1.txt"); do flags=$((flags | f)); done
assert_eq "TCP flags SYN|FIN|ACK seen" 19 $((flags & 19))
assert_eq "all records = iptables FORWARD counter" "$fwd_pkts $fwd_bytes" \
	"$(records_sum <"$NF_TMP/c1.txt" | cut -d' ' -f1,2)"

iptables -F FORWARD
unload_module ipt_NETFLOW
