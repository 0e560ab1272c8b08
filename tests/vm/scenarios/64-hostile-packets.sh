#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# 64-hostile-packets: malformed IPv4 and IPv6 packets (scapy), where they
# end.  Those the router's IP input refuses never reach a hook: the rule
# does not see them and the router's own counters (/proc/net/snmp, snmp6)
# account for each one.  Those that reach the NETFLOW rule are either a
# flow or counted in trunc and drop, exactly as kmod/core/packet/parser.cpp
# decides (the header copy is 256 bytes; at most 16 IPv6 extension
# headers; lengths are never trusted); fragments are counted in frag.
# (IPv4 options, odd protocols, bogus IPv4 TCP data offsets, short IPv4 L4
# headers and plain IPv4 fragments are 24-v5-malformed's.)
#
#   nsa 10.1.0.2 fd01::2 --va0|va-- [ nsr: FORWARD -j NETFLOW ] --vb|vb0-- nsb 10.2.0.N
#    |  L2: scapy sendp() on va0     + a counting rule per dest.  |          fd02::N
#    |  raw: IPPROTO_RAW socket,       IP input drops counted in   |  (raw PREROUTING
#    |  OUTPUT -j NETFLOW in nsa       nsr's /proc/net/snmp{,6}    |   drops all of it)
#    +-- rules: OUTPUT -d 10.2.0.0/24 -j NETFLOW, one counting rule per dest.
#                                    exports --> nfcapd c1 127.0.0.1:2055 (IPFIX)
#
# kinds: drop4/drop6 (refused by nsr's IP input), trunc (reaches the rule,
# truncated), flow (accounted), frag (accounted, a fragment).
# vm-timeout: 300

source "${VM_LIB:-$(dirname "$0")/../lib.sh}"
source "$(dirname "${BASH_SOURCE[0]}")/../netflow.sh"
NF_TMP=${TMPDIR:-/tmp}/nf
mkdir -p "$NF_TMP"

S4="src='10.1.0.2'" S6="src='fd01::2'"
PAD="IPv6ExtHdrDestOpt(options=[PadN(optdata=b'\\0'*68)])"
# N KIND EXPR: sent from va0 to nsr (L2), destination 10.2.0.N or fd02::N
L2=(
	"31 drop4 [IP($S4,dst='10.2.0.31',ihl=4)/UDP(sport=1131,dport=50031)/Raw(b'a'*20)]*2"
	"32 drop4 [IP($S4,dst='10.2.0.32',version=5)/UDP(sport=1132,dport=50032)]*2"
	"33 trunc4 [IP($S4,dst='10.2.0.33',len=200)/UDP(sport=1133,dport=50033)/Raw(b'b'*10)]*2"
	"34 drop4 [IP($S4,dst='10.2.0.34',len=12)/UDP(sport=1134,dport=50034)]*2"
	"35 csum4 [IP($S4,dst='10.2.0.35',chksum=0x1234)/UDP(sport=1135,dport=50035)]*2"
	"36 frag [IP($S4,dst='10.2.0.36',id=901,flags='MF',proto=17)/Raw(bytes(UDP(sport=1136,dport=50036,len=24,chksum=0))+b'o'*8),IP($S4,dst='10.2.0.36',id=901,frag=1,proto=17)/Raw(b'v'*16)]"
	"37 frag IP($S4,dst='10.2.0.37',id=902,flags='MF')/TCP(sport=1137,dport=80,dataofs=15,flags='S')"
	"50 drop6 [IPv6($S6,dst='fd02::50',plen=300)/UDP(sport=1150,dport=50050)/Raw(b'c'*10)]*2"
	"49 drop6 Raw(bytes(IPv6($S6,dst='fd02::49'))[:30])"
	"51 trunc [IPv6($S6,dst='fd02::51',plen=0)/UDP(sport=1151,dport=50051)/Raw(b'd'*10)]*2"
	"52 flow [chain(IPv6($S6,dst='fd02::52'),16,UDP(sport=1152,dport=50052)/Raw(b'e'*8))]*2"
	"53 trunc [chain(IPv6($S6,dst='fd02::53'),17,UDP(sport=1153,dport=50053)/Raw(b'f'*8))]*2"
	"54 trunc IPv6($S6,dst='fd02::54')/$PAD/$PAD/$PAD/UDP(sport=1154,dport=50054)"
	"55 trunc IPv6($S6,dst='fd02::55',nh=60)/Raw(b'\\x11\\xc8'+b'\\0'*6)"
	"56 trunc IPv6($S6,dst='fd02::56')/TCP(sport=1156,dport=80,dataofs=2)"
	"57 trunc IPv6($S6,dst='fd02::57')/TCP(sport=1157,dport=80,dataofs=15)"
	"58 trunc IPv6($S6,dst='fd02::58',nh=17)/Raw(b'\\x04\\x8a\\xc3\\x7a')"
	"59 frag IPv6($S6,dst='fd02::59')/IPv6ExtHdrFragment(offset=0,m=1,nh=17,id=7)/Raw(b'\\x04\\x8b')"
	"60 frag [IPv6($S6,dst='fd02::60')/IPv6ExtHdrFragment(offset=0,m=1,nh=17,id=8)/Raw(bytes(UDP(sport=1160,dport=50060,len=32,chksum=0))+b'g'*8),IPv6($S6,dst='fd02::60')/IPv6ExtHdrFragment(offset=1,m=0,nh=17,id=8)/Raw(b'h'*16)]"
	"61 trunc IPv6($S6,dst='fd02::61',nh=44)/Raw(b'\\x11\\0\\0\\0')"
)
# Sent by nsa itself through a raw socket: Debian's 6.1 refuses IHL < 5 at
# sendto() (EINVAL: nothing reaches OUTPUT); a bad version passes (the kernel
# only fixes the length and checksum), meets nsa's NETFLOW rule (truncated)
# and is dropped by nsr's IP input.
RAW=(
	"41 rawrefused [IP($S4,dst='10.2.0.41',ihl=4)/UDP(sport=1141,dport=50041)/Raw(b'r'*20)]*2"
	"42 rawrefused IP($S4,dst='10.2.0.42',ihl=0)/UDP(sport=1142,dport=50042)/Raw(b's'*20)"
	"43 rawrefused IP($S4,dst='10.2.0.43',ihl=4,len=1000)/UDP(sport=1143,dport=50043)/Raw(b't'*20)"
	"44 rawtrunc IP($S4,dst='10.2.0.44',version=5)/UDP(sport=1144,dport=50044)/Raw(b'u'*20)"
)

# ---- topology: nf_router_ns plus IPv6
nf_router_ns
ip -n nsr addr add fd01::1/64 dev va nodad
ip -n nsr addr add fd02::1/64 dev vb nodad
ip -n nsa addr add fd01::2/64 dev va0 nodad
ip -n nsb addr add fd02::2/64 dev vb0 nodad
ip -n nsa -6 route add default via fd01::1
ip -n nsb -6 route add default via fd02::1
nr sysctl -qw net.ipv6.conf.all.forwarding=1
for e in "${L2[@]}" "${RAW[@]}"; do
	n=${e%% *}
	echo "addr add 10.2.0.$n/24 dev vb0"
	echo "addr add fd02::$n/64 dev vb0 nodad"
done | ip -n nsb -batch -
na busybox ping -6 -q -c 1 -W 5 fd02::2 >/dev/null
nb "$(helper_ipt iptables)" -t raw -A PREROUTING -s 10.1.0.2 -j DROP
nb "$(helper_ipt ip6tables)" -t raw -A PREROUTING -s fd01::2 -j DROP
collector_start c1 2055
nf_load destination=127.0.0.1:2055 protocol=10 inactive_timeout=600 active_timeout=600
nr iptables -A FORWARD -j NETFLOW
nr ip6tables -A FORWARD -j NETFLOW
na iptables -A OUTPUT -d 10.2.0.0/24 -j NETFLOW
# counting rules: one restore each (an iptables process costs ~0.5 s here)
for e in "${L2[@]}"; do echo "-A FORWARD -d 10.2.0.${e%% *}"; done |
	sed '1i *filter' | sed '$a COMMIT' | nr iptables-restore --noflush
for e in "${L2[@]}"; do echo "-A FORWARD -d fd02::${e%% *}"; done |
	sed '1i *filter' | sed '$a COMMIT' | nr ip6tables-restore --noflush
for e in "${RAW[@]}"; do echo "-A OUTPUT -d 10.2.0.${e%% *}"; done |
	sed '1i *filter' | sed '$a COMMIT' | na iptables-restore --noflush
mac=$(ip -n nsr link show va | awk '/link\/ether/ { print $2 }')

# snmp NS PROTO FIELD: a counter of /proc/net/snmp's "Ip:" lines (then of
# netstat's "IpExt:", which has InCsumErrors) or of snmp6 (PROTO Ip6) in NS.
snmp() {
	if [ "$2" = Ip ]; then
		ip netns exec "$1" awk -v f="$3" '$1 == "Ip:" || $1 == "IpExt:" {
			if (!(($1) in h)) { h[$1] = 1; for (i = 2; i <= NF; i++) c[$1, $i] = i; next }
			if (($1, f) in c) print $(c[$1, f])
		}' /proc/net/snmp /proc/net/netstat
	else
		ip netns exec "$1" awk -v f="Ip6$3" '$1 == f { print $2 }' /proc/net/snmp6
	fi
}
K4="InHdrErrors InCsumErrors InTruncatedPkts"
K6="InHdrErrors InTruncatedPkts"
declare -A before
for k in $K4; do before[4$k]=$(snmp nsr Ip $k); done
for k in $K6; do before[6$k]=$(snmp nsr Ip6 $k); done

log "L2: ${#L2[@]} kinds to $mac; raw: ${#RAW[@]} kinds from nsa's OUTPUT"
l2=() raw=()
for e in "${L2[@]}"; do l2+=("${e#* * }"); done
for e in "${RAW[@]}"; do raw+=("${e#* * }"); done
na python3 "$NF_TOOLS/hostile.py" l2 va0 "$mac" "${l2[@]}" raw "${raw[@]}" >"$NF_TMP/sent.txt"
head -n ${#L2[@]} "$NF_TMP/sent.txt" >"$NF_TMP/l2.txt"
tail -n +$((${#L2[@]} + 1)) "$NF_TMP/sent.txt" >"$NF_TMP/raw.txt"
mapfile -t sent_l2 <"$NF_TMP/l2.txt"
mapfile -t sent_raw <"$NF_TMP/raw.txt"
assert_eq "hostile.py reports" "${#L2[@]} ${#RAW[@]}" "${#sent_l2[@]} ${#sent_raw[@]}"

log "what reached the rules"
declare -A want
drop4=0 csum4=0 trunc4=0 drop6=0 trunc6=0 tr_p=0 tr_b=0 in_p=0 in_b=0 frag=0 rule_p=0 raw_p=0
for i in "${!L2[@]}"; do
	read -r n kind _ <<<"${L2[i]}"
	read -r p decl _ <<<"${sent_l2[i]}"
	want[$n]="$p $decl"
	fam=iptables rule=$((2 + i)) dst=10.2.0.$n
	[ "$n" -lt 49 ] || fam=ip6tables dst=fd02::$n
	got=$(ipt_counter -n nsr $fam FORWARD $rule)
	case $kind in
	drop4 | csum4 | trunc4 | drop6)
		assert_eq "$dst ($kind): refused before the hooks" "0 0" "$got"
		case $kind in
		drop4) drop4=$((drop4 + p)) ;;
		csum4) csum4=$((csum4 + p)) ;;
		trunc4) trunc4=$((trunc4 + p)) ;;
		drop6) [ "$n" = 49 ] && drop6=$((drop6 + p)) || trunc6=$((trunc6 + p)) ;;
		esac ;;
	*)
		assert_eq "$dst ($kind): reached the rule" "$p $decl" "$got"
		rule_p=$((rule_p + p))
		case $kind in
		trunc) tr_p=$((tr_p + p)) tr_b=$((tr_b + decl)) ;;
		flow) in_p=$((in_p + p)) in_b=$((in_b + decl)) ;;
		frag) in_p=$((in_p + p)) in_b=$((in_b + decl)) frag=$((frag + p)) ;;
		esac ;;
	esac
done
for i in "${!RAW[@]}"; do
	read -r n kind _ <<<"${RAW[i]}"
	read -r p _ buf refused <<<"${sent_raw[i]}"
	log "10.2.0.$n (raw): $p sent, $refused refused by sendto()"
	if [ "$kind" = rawrefused ]; then
		assert_eq "10.2.0.$n (raw, IHL < 5): refused by sendto(), none sent" 0 "$p"
		assert_match "10.2.0.$n (raw, IHL < 5): refused" '^[1-9]$' "$refused"
	else
		assert_eq "10.2.0.$n (raw, $kind): sent" "1 0" "$p $refused"
	fi
	# iptables counts skb->len: the buffer, whatever the header says
	assert_eq "10.2.0.$n (raw, $kind): nsa's OUTPUT" "$p $buf" "$(ipt_counter -n nsa iptables OUTPUT $((2 + i)))"
	tr_p=$((tr_p + p)) tr_b=$((tr_b + buf)) drop4=$((drop4 + p)) raw_p=$((raw_p + p))
done
read -r r4 _ <<<"$(ipt_counter -n nsr iptables FORWARD 1)"
read -r r6 _ <<<"$(ipt_counter -n nsr ip6tables FORWARD 1)"
read -r ro _ <<<"$(ipt_counter -n nsa iptables OUTPUT 1)"
assert_eq "NETFLOW rules (nsr v4 + v6, nsa OUTPUT)" $((rule_p + raw_p)) $((r4 + r6 + ro))

log "nsr's IP input counted the refused ones"
d() {
	local now
	now=$(snmp nsr "$1" "$2")
	echo $((now - ${before[$3$2]}))
}
assert_eq "Ip InHdrErrors (IHL<5, version, tot_len<IHL*4, checksum; raw ones)" $((drop4 + csum4)) "$(d Ip InHdrErrors 4)"
assert_eq "Ip InCsumErrors" "$csum4" "$(d Ip InCsumErrors 4)"
assert_eq "Ip InTruncatedPkts (tot_len past the frame)" "$trunc4" "$(d Ip InTruncatedPkts 4)"
assert_eq "Ip6 InHdrErrors (30-byte header)" "$drop6" "$(d Ip6 InHdrErrors 6)"
assert_eq "Ip6 InTruncatedPkts (payload length past the frame)" "$trunc6" "$(d Ip6 InTruncatedPkts 6)"

log "the module: trunc, drop and frag exact"
grep -E '^(Total|cpu)' /proc/net/stat/ipt_netflow
assert_eq "trunc (Total line)" "$tr_p" "$(nf_total trunc)"
assert_eq "trunc (snmp cpu rows)" "$tr_p" "$(nf_cpu_sum trunc)"
assert_eq "dropPackets = truncated" "$tr_p" "$(nf_snmp dropPackets)"
assert_eq "dropBytes = their lengths (declared; raw: the buffer)" "$tr_b" "$(nf_snmp dropBytes)"
assert_eq "frag" "$frag" "$(nf_total frag)"
assert_eq "inPackets, inBytes" "$in_p $in_b" "$(nf_snmp inPackets) $(nf_snmp inBytes)"
assert_eq "inPackets + dropPackets = the NETFLOW rules" $((r4 + r6 + ro)) $(($(nf_snmp inPackets) + $(nf_snmp dropPackets)))
assert_eq "alloc errors, maxflows refusals" "0 0" "$(nf_total alloc) $(nf_total maxflows)"

log "the module still meters normal traffic"
na python3 "$NF_TOOLS/traffic.py" udp fd02::2 1199 50099 100 5
sysctl -qw net.netflow.flush=1
in_p=$((in_p + 5)) in_b=$((in_b + 5 * 148))
assert_eq "inPackets, inBytes" "$in_p $in_b" "$(nf_snmp inPackets) $(nf_snmp inBytes)"
assert_eq "export errors, lost" "0 0" "$(nf_export_errors) $(nf_snmp lostFlows)"
sleep 0.5
collector_stop c1
collector_records c1 >"$NF_TMP/c1.txt"
cat "$NF_TMP/c1.txt"
assert_eq "records = outFlows" "$(nf_snmp outFlows)" $(($(wc -l <"$NF_TMP/c1.txt")))
assert_eq "all records = inPackets, inBytes" "$in_p $in_b" "$(records_total <"$NF_TMP/c1.txt" | cut -d' ' -f1,2)"
rec() { awk -v k="$1" 'index($0 " ", k " ") == 1 { p += $6; b += $7 } END { print p + 0, b + 0 }' "$NF_TMP/c1.txt"; }
assert_eq "overlapping IPv4 fragments: the first with ports" "1 36" "$(rec "17 10.1.0.2 1136 10.2.0.36 50036")"
assert_eq "overlapping IPv4 fragments: the other without" "1 36" "$(rec "17 10.1.0.2 0 10.2.0.36 0")"
assert_eq "IPv4 first fragment cut in the TCP options: ports kept" "${want[37]}" "$(rec "6 10.1.0.2 1137 10.2.0.37 80")"
assert_eq "16 extension headers: a flow with ports" "${want[52]}" "$(rec "17 fd01::2 1152 fd02::52 50052")"
assert_eq "tiny first IPv6 fragment: no ports" "${want[59]}" "$(rec "17 fd01::2 0 fd02::59 0")"
assert_eq "overlapping IPv6 fragments: the first with ports" "1 64" "$(rec "17 fd01::2 1160 fd02::60 50060")"
assert_eq "overlapping IPv6 fragments: the other without" "1 64" "$(rec "17 fd01::2 0 fd02::60 0")"
assert_eq "truncated ones: no record" "" \
	"$(grep -E ' (10\.2\.0\.(3[1-5]|4[1-4])|fd02::(49|5[013-8]|61)) ' "$NF_TMP/c1.txt" || true)"
assert_eq "the normal flow" "5 740" "$(rec "17 fd01::2 1199 fd02::2 50099")"

nr iptables -F FORWARD
nr ip6tables -F FORWARD
na iptables -F OUTPUT
unload_module ipt_NETFLOW
