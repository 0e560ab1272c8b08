#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# 24-v5-malformed: odd and malformed IPv4 packets that a router still
# forwards, crafted with scapy.  Well-formed oddities (IP options up to a
# 60-byte header, an unknown protocol, a lying UDP length, every TCP flag, an
# IP total length shorter than the frame) are flows like any other; packets
# whose transport header is cut or lies (TCP data offset < 5 or past the end,
# 4 bytes of UDP, 12 of TCP, 2 of ICMP) are counted in trunc and drop; IPv4
# fragments (not reassembled: no conntrack in the router's namespace) are
# counted in frag, a first fragment keeps its ports, the others have none.
# Then 300 packets with random transport headers (seeded).  Every packet that
# hits the rule is in traffic + drop, exactly, and no record is lost.
#
#   nsa 10.1.0.2 --va0|va-- [ nsr: FORWARD -j NETFLOW ] --vb|vb0-- nsb 10.2.0.2
#   scapy sendp()           + one counting rule per          10.2.0.11..25
#   on va0, to va's MAC       destination 10.2.0.11..25      (raw PREROUTING
#                                  |  v5 datagrams            drops them all)
#                                  +--> nfcapd c1 127.0.0.1:2055 (root ns)
#
# The router is a namespace of its own (nf_router_ns), not the root one:
# fragments must not meet the defrag hooks an earlier scenario's nat table
# may have left on in the root namespace.

source "${VM_LIB:-$(dirname "$0")/../lib.sh}"
source "$(dirname "${BASH_SOURCE[0]}")/../netflow.sh"
# Collector files of this scenario only: /tmp/nf outlives a scenario within a
# boot, and nfdump -R reads every file a collector directory holds.
NF_TMP=${TMPDIR:-/tmp}/nf
mkdir -p "$NF_TMP"

# One line per destination 10.2.0.N: N KIND SCAPY-EXPRESSION, where KIND is
# flow (accounted), trunc (counted as truncated and dropped) or frag.
S="src='10.1.0.2'"
PACKETS=(
	"11 flow [IP($S,dst='10.2.0.11',options=[IPOption_NOP()]*3+[IPOption_EOL()])/UDP(sport=1111,dport=50011)/Raw(b'a'*20)]*3"
	"12 flow [IP($S,dst='10.2.0.12',options=[IPOption_NOP()]*39+[IPOption_EOL()])/UDP(sport=1112,dport=50012)/Raw(b'b'*10)]*2"
	"13 flow IP($S,dst='10.2.0.13',options=[IPOption_RR(routers=['0.0.0.0','0.0.0.0'])])/UDP(sport=1113,dport=50013)"
	"14 flow [IP($S,dst='10.2.0.14',proto=253)/Raw(b'c'*30)]*2"
	"15 flow IP($S,dst='10.2.0.15')/UDP(sport=1115,dport=50015,len=500)/Raw(b'd'*10)"
	"16 flow IP($S,dst='10.2.0.16')/TCP(sport=1116,dport=80,flags=0xff)"
	"17 flow IP($S,dst='10.2.0.17',len=28)/UDP(sport=1117,dport=50017)/Raw(b'\\0'*20)"
	"18 trunc [IP($S,dst='10.2.0.18')/TCP(sport=1118,dport=80,dataofs=2)]*2"
	"19 trunc [IP($S,dst='10.2.0.19')/TCP(sport=1119,dport=80,dataofs=15)]*2"
	"20 trunc [IP($S,dst='10.2.0.20',proto=17)/Raw(b'\\x04\\x60\\xc3\\x74')]*2"
	"21 trunc [IP($S,dst='10.2.0.21',proto=6)/Raw(b'\\x04\\x61\\x00\\x50'+b'\\0'*8)]*2"
	"22 trunc [IP($S,dst='10.2.0.22',proto=1)/Raw(b'\\x08\\x00')]*2"
	"23 frag fragment(IP($S,dst='10.2.0.23',id=777)/UDP(sport=1123,dport=50023)/Raw(b'z'*2000),fragsize=800)"
	"24 frag IP($S,dst='10.2.0.24',proto=17,flags='MF',id=778)/Raw(b'\\x04\\x64')"
)

nf_router_ns
for e in "${PACKETS[@]}"; do ip -n nsb addr add "10.2.0.${e%% *}/24" dev vb0; done
# nsb answers ARP for them but takes nothing in: no replies, no ICMP errors,
# no reassembly (and so no reassembly timeout) of the fragments.
nb "$(helper_ipt iptables)" -t raw -A PREROUTING -s 10.1.0.2 -j DROP
collector_start c1 2055
nf_load destination=127.0.0.1:2055 inactive_timeout=2
nr iptables -A FORWARD -j NETFLOW
for e in "${PACKETS[@]}"; do nr iptables -A FORWARD -d "10.2.0.${e%% *}"; done
mac=$(ip -n nsr link show va | awk '/link\/ether/ { print $2 }')

log "scapy: ${#PACKETS[@]} kinds of packets from va0 to $mac"
exprs=()
for e in "${PACKETS[@]}"; do exprs+=("${e#* * }"); done
na python3 "$NF_TOOLS/traffic.py" scapy va0 "$mac" "${exprs[@]}" >"$NF_TMP/sent.txt"
mapfile -t sent <"$NF_TMP/sent.txt"
assert_eq "scapy reports" ${#PACKETS[@]} ${#sent[@]}

log "every packet was forwarded: each destination's rule counts what was sent"
declare -A want_pkts want_bytes
tot_p=0 tot_b=0 trunc_p=0 trunc_b=0
for i in "${!PACKETS[@]}"; do
	read -r n kind _ <<<"${PACKETS[i]}"
	read -r p b <<<"${sent[i]}"
	want_pkts[$n]=$p want_bytes[$n]=$b
	assert_eq "10.2.0.$n ($kind) forwarded" "$p $b" "$(ipt_counter -n nsr iptables FORWARD $((i + 2)))"
	tot_p=$((tot_p + p)) tot_b=$((tot_b + b))
	if [ "$kind" = trunc ]; then trunc_p=$((trunc_p + p)) trunc_b=$((trunc_b + b)); fi
done
read -r fwd_pkts fwd_bytes <<<"$(ipt_counter -n nsr iptables FORWARD 1)"
assert_eq "NETFLOW rule = all packets sent" "$tot_p $tot_b" "$fwd_pkts $fwd_bytes"

log "the counters: traffic + drop = the rule, trunc and frag exact"
grep -E '^(Total|cpu)' /proc/net/stat/ipt_netflow
assert_eq "inPackets + dropPackets = iptables packets" "$fwd_pkts" $(($(nf_snmp inPackets) + $(nf_snmp dropPackets)))
assert_eq "inBytes + dropBytes = iptables bytes" "$fwd_bytes" $(($(nf_snmp inBytes) + $(nf_snmp dropBytes)))
assert_eq "trunc (Total line)" "$trunc_p" "$(nf_total trunc)"
assert_eq "trunc (snmp cpu rows)" "$trunc_p" "$(nf_cpu_sum trunc)"
assert_eq "dropPackets = truncated packets" "$trunc_p" "$(nf_snmp dropPackets)"
assert_eq "dropBytes = their IP lengths" "$trunc_b" "$(nf_snmp dropBytes)"
# The 3 fragments of 10.2.0.23 and the lone first fragment to 10.2.0.24: this
# port counts every IPv4 fragment (MF set or offset != 0) in frag, as it does
# for IPv6; the original counted IPv4 fragments with offset != 0 only (2 here).
assert_eq "frag (Total line)" 4 "$(nf_total frag)"
assert_eq "frag (snmp cpu rows)" 4 "$(nf_cpu_sum frag)"
assert_eq "alloc errors, maxflows refusals" "0 0" "$(nf_total alloc) $(nf_total maxflows)"

log "300 packets with random transport headers of 0..64 bytes to 10.2.0.25"
ip -n nsb addr add 10.2.0.25/24 dev vb0
nr iptables -A FORWARD -d 10.2.0.25
before_trunc=$(nf_total trunc) before_drop=$(nf_snmp dropPackets)
na python3 "$NF_TOOLS/traffic.py" scapy va0 "$mac" \
	"[IP($S,dst='10.2.0.25',proto=rnd.choice([1,2,6,17,50,51,132,136]))/Raw(bytes(rnd.randrange(256) for _ in range(rnd.randrange(65)))) for _ in range(300)]" \
	>"$NF_TMP/fuzz.txt"
read -r p b <"$NF_TMP/fuzz.txt"
assert_eq "10.2.0.25 (random) forwarded" "$p $b" "$(ipt_counter -n nsr iptables FORWARD $((${#PACKETS[@]} + 2)))"
read -r fwd_pkts fwd_bytes <<<"$(ipt_counter -n nsr iptables FORWARD 1)"
assert_eq "inPackets + dropPackets = iptables packets" "$fwd_pkts" $(($(nf_snmp inPackets) + $(nf_snmp dropPackets)))
assert_eq "inBytes + dropBytes = iptables bytes" "$fwd_bytes" $(($(nf_snmp inBytes) + $(nf_snmp dropBytes)))
fuzz_trunc=$(($(nf_total trunc) - before_trunc))
assert_eq "the random ones dropped = the random ones truncated" "$fuzz_trunc" $(($(nf_snmp dropPackets) - before_drop))
log "random: $fuzz_trunc of 300 truncated, $((300 - fuzz_trunc)) accounted"

log "the module still meters normal traffic"
na python3 "$NF_TOOLS/traffic.py" udp 10.2.0.2 1199 50099 100 5
nf_wait_exported 20
read -r fwd_pkts fwd_bytes <<<"$(ipt_counter -n nsr iptables FORWARD 1)"
assert_eq "inPackets + dropPackets = iptables packets" "$fwd_pkts" $(($(nf_snmp inPackets) + $(nf_snmp dropPackets)))
assert_eq "inBytes + dropBytes = iptables bytes" "$fwd_bytes" $(($(nf_snmp inBytes) + $(nf_snmp dropBytes)))
assert_eq "export errors" 0 "$(nf_snmp errTotal)"
in_pkts=$(nf_snmp inPackets) in_bytes=$(nf_snmp inBytes)

sleep 0.5
collector_stop c1
# (collector_times: it knows nfdump's names of ESP, AH and UDP-Lite; the two
# columns it adds after the record are not read here)
collector_times c1 >"$NF_TMP/c1.txt"
cat "$NF_TMP/c1.txt"
assert_eq "records at the collector = records exported (module)" "$(nf_snmp outFlows)" \
	"$(($(wc -l <"$NF_TMP/c1.txt")))"
assert_eq "all records = inPackets, inBytes" "$in_pkts $in_bytes" \
	"$(records_sum <"$NF_TMP/c1.txt" | cut -d' ' -f1,2)"

log "per destination"
rec() { records_sum "$1" <"$NF_TMP/c1.txt" | cut -d' ' -f1,2; }
assert_eq "IPv4 options, 4 bytes" "${want_pkts[11]} ${want_bytes[11]}" "$(rec "17 10.1.0.2 1111 10.2.0.11 50011")"
assert_eq "IPv4 options, 40 bytes" "${want_pkts[12]} ${want_bytes[12]}" "$(rec "17 10.1.0.2 1112 10.2.0.12 50012")"
assert_eq "IPv4 record-route option" "${want_pkts[13]} ${want_bytes[13]}" "$(rec "17 10.1.0.2 1113 10.2.0.13 50013")"
assert_eq "protocol 253" "${want_pkts[14]} ${want_bytes[14]}" "$(rec "253 10.1.0.2 0 10.2.0.14 0")"
assert_eq "UDP length 500 in an 18-byte datagram" "${want_pkts[15]} ${want_bytes[15]}" "$(rec "17 10.1.0.2 1115 10.2.0.15 50015")"
assert_eq "TCP with every flag" "${want_pkts[16]} ${want_bytes[16]}" "$(rec "6 10.1.0.2 1116 10.2.0.16 80")"
assert_eq "TCP flags exported" 255 "$(awk '$4 == "10.2.0.16" { print $11 }' "$NF_TMP/c1.txt")"
assert_eq "IP total length 28 in a 48-byte payload" "1 28" "$(rec "17 10.1.0.2 1117 10.2.0.17 50017")"
assert_eq "truncated packets: no record" "" "$(grep -E ' 10\.2\.0\.(18|19|20|21|22) ' "$NF_TMP/c1.txt" || true)"
assert_eq "first fragment: ports, 1 packet" "1 820" "$(rec "17 10.1.0.2 1123 10.2.0.23 50023")"
assert_eq "other fragments: no ports" "2 $((820 + 428))" "$(rec "17 10.1.0.2 0 10.2.0.23 0")"
assert_eq "a first fragment too short for ports" "1 22" "$(rec "17 10.1.0.2 0 10.2.0.24 0")"
assert_eq "the normal flow" "5 640" "$(rec "17 10.1.0.2 1199 10.2.0.2 50099")"

nr iptables -F FORWARD
unload_module ipt_NETFLOW
