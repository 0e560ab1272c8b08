#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# 94-vlan-qinq-hooks: VLAN tags as flow key (vlan=1 macaddress=1) on
# traffic routed from 802.1Q and QinQ (802.1ad 300 + 802.1Q 30)
# sub-interfaces, and the direction (direction=1) under hooks= without any
# rule.
#   Part 1 (FORWARD -j NETFLOW): UDP from nsa to nsb, untagged, over VLAN
#   100 and over QinQ 300/30.  IPFIX decoded by tshark and libfixbuf's
#   ipfixDump: the MACs, ethernetType 0x0800, dot1qVlanId/Priority (243/244)
#   and, for QinQ, the customer tag (245/246) = 300 then 30; v9 decoded by
#   tshark and nfdump: vlanId (58) = the outer tag.  Exact packets and bytes
#   at every decoder, equal to the module's count.
#   Part 2 (hooks=9: PREROUTING + OUTPUT, the router setup; hooks_mark=1
#   set by nft on the two test flows only): a forwarded flow metered in
#   PREROUTING (input va, flowDirection 0) and one the router sends itself,
#   metered in OUTPUT (output vb, flowDirection 1), exact packets and bytes.
#
#   nsa va0 10.1.0.2 --------veth-------- va 10.1.0.1   [ root ]   vb --veth-- vb0 nsb 10.2.0.2
#       va0.100 10.3.0.2 ---802.1Q 100--- va.100 10.3.0.1                          10.2.0.3
#       va0.300.30 10.4.0.2 --802.1ad 300 + 802.1Q 30-- va.300.30 10.4.0.1         10.2.0.4
#                                             +--> nfcapd 127.0.0.1:2055 (+ tshark on lo)
# vm-timeout: 360

source "${VM_LIB:-$(dirname "$0")/../lib.sh}"
source "$(dirname "${BASH_SOURCE[0]}")/../netflow.sh"

IPT=$(helper_ipt iptables)

nf_router
# vlan_link HOST_DEV ROUTER_DEV NAME_SUFFIX ARGS...: a VLAN device on each end.
vlan_link() {
	local h=$1 r=$2 sfx=$3
	shift 3
	ip link add link "$r" name "$r.$sfx" type vlan "$@"
	defer ip link del "$r.$sfx"
	ip link set "$r.$sfx" up
	na ip link add link "$h" name "$h.$sfx" type vlan "$@"
	na ip link set "$h.$sfx" up
}
vlan_link va0 va 100 id 100
vlan_link va0 va 300 proto 802.1ad id 300
vlan_link va0.300 va.300 30 proto 802.1Q id 30
ip addr add 10.3.0.1/24 dev va.100
ip addr add 10.4.0.1/24 dev va.300.30
na ip addr add 10.3.0.2/24 dev va0.100
na ip addr add 10.4.0.2/24 dev va0.300.30
nb ip addr add 10.2.0.3/24 dev vb0
nb ip addr add 10.2.0.4/24 dev vb0
na ip route add 10.2.0.3/32 via 10.3.0.1 dev va0.100
na ip route add 10.2.0.4/32 via 10.4.0.1 dev va0.300.30
na busybox ping -q -c 1 -W 5 10.2.0.3 >/dev/null
na busybox ping -q -c 1 -W 5 10.2.0.4 >/dev/null
VA_MAC=$(cat /sys/class/net/va/address)
VA0_MAC=$(na cat /sys/class/net/va0/address)
log "va (router) $VA_MAC, va0 (nsa) $VA0_MAC"

# send DST SPORT DPORT COUNT: COUNT datagrams of 100 bytes from nsa.
send() { na python3 "$NF_TOOLS/traffic.py" udp "$1" "$2" "$3" 100 "$4"; }

# ---- part 1: tags as key, IPFIX then v9 ----
collector_start c1 2055
capture_start cap "udp port 2055"
nf_load destination=127.0.0.1:2055 protocol=10 inactive_timeout=1 macaddress=1 vlan=1
"$IPT" -A FORWARD -p udp -j NETFLOW
send 10.2.0.2 44001 50001 3
send 10.2.0.3 44002 50002 2
send 10.2.0.4 44003 50003 4
nf_wait_exported 20
sleep 1.5
capture_stop cap
capture_start cap9 "udp port 2055"
sysctl -qw net.netflow.protocol=9
send 10.2.0.2 44011 50011 1
send 10.2.0.3 44012 50012 5
send 10.2.0.4 44013 50013 2
nf_wait_exported 20
sleep 1.5
capture_stop cap9
collector_stop c1
collector_records c1 >"$NF_TMP/c1.txt"
cat "$NF_TMP/c1.txt"
read -r rule_pkts _ <<<"$(ipt_counter "$IPT" FORWARD 1)"
assert_eq "module packets = rule packets" "$rule_pkts" "$(nf_snmp inPackets)"
assert_eq "module packets" 17 "$(nf_snmp inPackets)"
for f in "10.1.0.2 44001 3 384" "10.3.0.2 44002 2 256" "10.4.0.2 44003 4 512" \
	"10.1.0.2 44011 1 128" "10.3.0.2 44012 5 640" "10.4.0.2 44013 2 256"; do
	read -r src sport n bytes <<<"$f"
	assert_eq "nfdump: flow $sport packets, bytes, records" "$n $bytes 1" \
		"$(records_sum "17 $src $sport" <"$NF_TMP/c1.txt")"
done
assert_eq "nfdump: nothing but these flows" 6 "$(wc -l <"$NF_TMP/c1.txt")"

python3 "$NF_TOOLS/nfcheck.py" tshark-l2 "$NF_TMP/cap.pcap" | LC_ALL=C sort >"$NF_TMP/cap.l2"
cat "$NF_TMP/cap.l2"
IPFIX_L2="17 10.1.0.2 44001 10.2.0.2 50001 3 384 $VA0_MAC $VA_MAC 0x0800 - - - - -
17 10.3.0.2 44002 10.2.0.3 50002 2 256 $VA0_MAC $VA_MAC 0x0800 - 100 0 - -
17 10.4.0.2 44003 10.2.0.4 50003 4 512 $VA0_MAC $VA_MAC 0x0800 - 300 0 30 0"
assert_eq "tshark: IPFIX MACs, type, tags (QinQ: 243 = 300, 245 = 30)" "$IPFIX_L2" "$(cat "$NF_TMP/cap.l2")"
python3 "$NF_TOOLS/ipfix.py" to-file "$NF_TMP/cap.pcap" 2055 "$NF_TMP/cap.ipfix"
python3 "$NF_TOOLS/ipfix.py" ipfixdump-l2 "$NF_TMP/cap.ipfix" | LC_ALL=C sort >"$NF_TMP/cap.ipfixdump"
cat "$NF_TMP/cap.ipfixdump"
assert_eq "ipfixDump: the same" "$IPFIX_L2" "$(cat "$NF_TMP/cap.ipfixdump")"
python3 "$NF_TOOLS/nfcheck.py" tshark-l2 "$NF_TMP/cap9.pcap" | LC_ALL=C sort >"$NF_TMP/cap9.l2"
cat "$NF_TMP/cap9.l2"
assert_eq "tshark: v9 MACs, type, vlanId (the outer tag)" \
	"17 10.1.0.2 44011 10.2.0.2 50011 1 128 $VA0_MAC $VA_MAC 0x0800 - - - - -
17 10.3.0.2 44012 10.2.0.3 50012 5 640 $VA0_MAC $VA_MAC 0x0800 - 100 - - -
17 10.4.0.2 44013 10.2.0.4 50013 2 256 $VA0_MAC $VA_MAC 0x0800 - 300 - - -" "$(cat "$NF_TMP/cap9.l2")"
python3 "$NF_TOOLS/nfcheck.py" nfdump-l2 "$NF_TMP/c1" >"$NF_TMP/c1.l2"
# nfdump 1.7.1 shows v9's vlanId as svln (not IPFIX's 243), the MACs of both.
assert_eq "nfdump: MACs of every flow, v9 vlanId" \
	"44001 $VA0_MAC $VA_MAC 0
44002 $VA0_MAC $VA_MAC 0
44003 $VA0_MAC $VA_MAC 0
44011 $VA0_MAC $VA_MAC 0
44012 $VA0_MAC $VA_MAC 100
44013 $VA0_MAC $VA_MAC 300" "$(awk '{ print $3, $8, $9, $13 }' "$NF_TMP/c1.l2" | LC_ALL=C sort)"
"$IPT" -F FORWARD
unload_module ipt_NETFLOW

# ---- part 2: direction under hooks=9, no rule ----
nft -f - <<'NFT'
table inet mark94 {
	chain pre {
		type filter hook prerouting priority mangle; policy accept;
		iifname "va" udp dport 50021 meta mark set 1
	}
	chain out {
		type route hook output priority mangle; policy accept;
		udp dport 50022 meta mark set 1
	}
}
NFT
defer nft delete table inet mark94
collector_start c2 2055
capture_start cap2 "udp port 2055"
nf_load destination=127.0.0.1:2055 protocol=10 inactive_timeout=1 direction=1 hooks=9 targets=0 \
	hooks_mark=1 hooks_mark_mask=1
send 10.2.0.2 44021 50021 3			# forwarded: PREROUTING
python3 "$NF_TOOLS/traffic.py" udp 10.2.0.2 44022 50022 100 2	# sent by the router: OUTPUT
send 10.2.0.2 44023 50023 2			# unmarked: not metered
nf_wait_exported 20
sleep 1.5
capture_stop cap2
collector_stop c2
collector_records c2 >"$NF_TMP/c2.txt"
cat "$NF_TMP/c2.txt"
assert_eq "hooks: module packets" 5 "$(nf_snmp inPackets)"
VA=$(cat /sys/class/net/va/ifindex)
VB=$(cat /sys/class/net/vb/ifindex)
python3 "$NF_TOOLS/nfcheck.py" tshark-ports "$NF_TMP/cap2.pcap" | awk '{ print $3, $6, $7, $8, $9 }' | LC_ALL=C sort >"$NF_TMP/cap2.if"
python3 "$NF_TOOLS/nfcheck.py" tshark-l2 "$NF_TMP/cap2.pcap" | awk '{ print $3, $6, $7, $11 }' | LC_ALL=C sort >"$NF_TMP/cap2.dir"
assert_eq "tshark: the two flows by interfaces" "44021 3 384 $VA 0
44022 2 256 0 $VB" "$(cat "$NF_TMP/cap2.if")"
assert_eq "tshark: flowDirection 0 (PREROUTING) and 1 (OUTPUT)" "44021 3 384 0
44022 2 256 1" "$(cat "$NF_TMP/cap2.dir")"
python3 "$NF_TOOLS/nfcheck.py" nfdump-l2 "$NF_TMP/c2" | awk '{ print $3, $6, $7, $12 }' | LC_ALL=C sort >"$NF_TMP/c2.dir"
assert_eq "nfdump: the same directions" "44021 3 384 0
44022 2 256 1" "$(cat "$NF_TMP/c2.dir")"
unload_module ipt_NETFLOW
