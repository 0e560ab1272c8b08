#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# 31-protocol-switch: net.netflow.protocol switched 10 -> 9 -> 5 -> 10 under
# continuous traffic.  Whatever is cached leaves under the old protocol, the
# new one starts with fresh templates, and no accounted packet goes missing.
# With refresh-rate 2 the templates come again at least every third message.
#
#   nsa 10.1.0.2 --va0|va-- [ root: FORWARD -j NETFLOW ] --vb|vb0-- nsb 10.2.0.2
#     paced UDP, ~12 s            |  protocol 10, 9, 5, 10 (sysctl, ~3 s apart)
#                                 +--> nfcapd  127.0.0.1:2055 (all versions on one port)
#                                 +--> nfacctd 127.0.0.1:2057
#                                 +--> dumpcap on lo: own decoder; tshark's cflow on
#                                      each protocol's run of messages
#
# active_timeout=1 inactive_timeout=1: the flow is exported every second;
# each protocol is kept until it has exported 3 records of it.
# vm-timeout: 600

source "${VM_LIB:-$(dirname "$0")/../lib.sh}"
source "$(dirname "${BASH_SOURCE[0]}")/../netflow.sh"

nf_router
collector_start all 2055
acct_start acct 2057
pcap_start cap "udp port 2055 or udp port 2057"
nf_load protocol=10 destination=127.0.0.1:2055,127.0.0.1:2057 active_timeout=1 inactive_timeout=1
sysctl -qw net.netflow.refresh-rate=2
assert_eq "refresh-rate" 2 "$(sysctl -n net.netflow.refresh-rate)"
iptables -A FORWARD -j NETFLOW

log "paced UDP (25 datagrams/s) while switching the protocol"
# not through na(): $! must be the sender itself (ip netns exec execs it)
ip netns exec nsa python3 "$NF_TOOLS/burst.py" paced 10.2.0.2 40100 50100 200 60 0.04 >"$NF_TMP/sent.txt" &
sender=$!
wait_for '[ "$(nf_snmp inPackets)" -gt 0 ]' 30
t_start=$(now_ms)
# Each protocol stays until it has exported 3 records of the flow (about
# 3 s: active_timeout=1), then the next one takes over.
for proto in 9 5 10 end; do
	n=$(nf_snmp outFlows)
	wait_for "[ \"\$(nf_snmp outFlows)\" -ge $((n + 3)) ]" 20
	[ "$proto" = end ] && break
	sysctl -qw net.netflow.protocol=$proto
	log "protocol $(sysctl -n net.netflow.protocol) after $(($(now_ms) - t_start)) ms of traffic"
done
kill -TERM $sender
wait $sender
sent=$(<"$NF_TMP/sent.txt")
log "$sent datagrams in $(($(now_ms) - t_start)) ms"
log "waiting for the timeouts to export everything"
nf_wait_exported 20
read -r fwd_pkts fwd_bytes <<<"$(ipt_counter iptables FORWARD 1)"
assert_eq "datagrams forwarded = datagrams sent" "$sent $((sent * 228))" "$fwd_pkts $fwd_bytes"
assert_eq "module packets = iptables packets" "$fwd_pkts" "$(nf_snmp inPackets)"
assert_eq "module bytes = iptables bytes" "$fwd_bytes" "$(nf_snmp inBytes)"
assert_eq "packets dropped by the module" 0 "$(nf_snmp dropPackets)"
assert_eq "flows lost (v5 cannot carry IPv6: none here)" 0 "$(nf_snmp lostFlows)"
assert_eq "export errors" 0 "$(nf_snmp errTotal)"
out_flows=$(nf_snmp outFlows)
sleep 2.5 # nfacctd prints every second
pcap_stop cap
collector_stop all
acct_stop acct
iptables -F FORWARD
unload_module ipt_NETFLOW

log "decoding"
d=$NF_TMP/out
mkdir -p "$d"
cp "$NF_TMP/cap.pcap" "$NF_TMP/acct.csv" "$VM_ARTIFACTS/"
python3 "$NF_IPFIX" bundle "$NF_TMP/cap.pcap" "$d" 0 2055 2057 --nfacctd "$NF_TMP/acct.csv" --refresh 2
collector_records all >"$d/nfdump.txt"
cp -r "$d" "$VM_ARTIFACTS/"
cat "$d/check-2055.txt" "$d/messages.txt"

log "no accounted packet lost: every collector's total = iptables = module"
key="17 10.1.0.2 40100 10.2.0.2 50100"
assert_eq "records decoded (own) = records exported (module)" "$out_flows" "$(grep -c . "$d/records-2055.txt")"
for c in records-2055 records-2057 tshark-segments nfdump nfacctd; do
	assert_eq "$c: the paced flow = iptables counter" "$fwd_pkts $fwd_bytes" \
		"$(records_total "$key" <"$d/$c.txt" | cut -d' ' -f1,2)"
	assert_eq "$c: all records = iptables counter" "$fwd_pkts $fwd_bytes" \
		"$(records_total <"$d/$c.txt" | cut -d' ' -f1,2)"
done
assert_same "tshark (each protocol's run of messages alone) = own decoder" \
	"$(<"$d/records-2055.txt")" "$(<"$d/tshark-segments.txt")"
# tshark over the whole capture keeps the first layout of a template id; the
# module numbers templates from 256 again after every switch.
log "note: tshark over the whole capture: $(records_total <"$d/tshark-2055.txt") (packets bytes records)," \
	"$(diff "$d/records-2055.txt" "$d/tshark-2055.txt" | grep -c '^[<>]' || true) lines differ from own decoder"
assert_same "nfdump = own decoder" "$(<"$d/records-2055.txt")" "$(<"$d/nfdump.txt")"

log "the protocols, in order, and templates first after every switch"
# messages.txt: VERSION SEQUENCE SRC TEMPLATE_IDS DATA_SET_IDS RECORDS DATA SET_LENGTHS
segments=$(awk '$1 != v { printf "%s%s", (NR > 1 ? " " : ""), $1; v = $1 }' "$d/messages.txt")
assert_eq "protocol of the messages, in order" "10 9 5 10" "$segments"
firsts=$(awk '$1 != v { print $1, $4, $5; v = $1 }' "$d/messages.txt")
log "first message of each protocol (VERSION TEMPLATES DATA_SETS): $(tr '\n' ';' <<<"$firsts")"
while read -r ver tids dids; do
	[ "$ver" = 5 ] && continue
	assert_match "v$ver: first message after the switch carries the options templates" \
		"^256,257,258(,|$)" "$tids"
	[ "$dids" = - ] && continue
	for t in ${dids//,/ }; do
		assert_match "v$ver: first message: data set $t has its template in the message" "(^|,)$t(,|$)" "$tids"
	done
done <<<"$firsts"
for v in 10 9 5; do
	log "v$v: packets bytes records: $(awk -v v=$v '$16 == v' "$d/fields.txt" | records_total)"
done
assert_eq "records in each protocol (v10 v9 v5 present)" "yes yes yes" \
	"$(for v in 10 9 5; do awk -v v=$v '$16 == v { n++ } END { print (n ? "yes" : "no") }' "$d/fields.txt"; done | xargs)"
assert_eq "v5 records: only IPv4" "" "$(awk '$16 == 5 && $10 != 4' "$d/fields.txt")"

log "refresh-rate 2: a data set's template was sent at most 2 messages earlier"
for port in 2055 2057; do
	viol_load "$d/check-$port.txt"
	log "check-$port: $CHECKED"
	assert_eq "port $port: templates older than refresh-rate" "" "${VIOL[refresh]:-}"
	assert_match "port $port: template age seen (messages)" "max-template-age [0-2]$" "$CHECKED"
	assert_eq "port $port: sequence numbers within a protocol" "" "${VIOL[sequence]:-}"
	assert_eq "port $port: templates re-defined within a protocol" "" "${VIOL[redefined]:-}"
	assert_eq "port $port: v9 count / IPFIX length" "" "${VIOL[v9-count]:-}${VIOL[header-length]:-}"
	log "port $port: sequence numbers across the switches: ${VIOL[sequence-after-switch]:-continuous}"
	log "port $port: tshark's notes: $(tr '\n' ';' <"$d/tshark-expert-$port.txt")"
done
template_msgs=$(awk '$1 != 5 && $4 != "-"' "$d/messages.txt" | grep -c .)
all_msgs=$(awk '$1 != 5' "$d/messages.txt" | grep -c .)
log "v9/IPFIX messages: $all_msgs, with template sets: $template_msgs"
assert_eq "v9/IPFIX messages without any template set exist (refresh is no re-send every time)" yes \
	"$([ "$template_msgs" -lt "$all_msgs" ] && echo yes || echo no)"
