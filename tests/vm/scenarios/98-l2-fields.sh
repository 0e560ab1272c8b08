#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# vm-smoke
#
# 98-l2-fields: the link-layer flow fields chosen at load (macaddress=1,
# direction=1, vlan=1).  UDP from nsa to nsb is forwarded by the root
# namespace (FORWARD -j NETFLOW: ingress, the MACs of the frame that came in
# on va: va0's as source, va's as destination), some of it over VLAN 100
# (va0.100 -> va.100: tag 100, priority 0); UDP the router sends itself to
# nsb is metered in OUTPUT (egress, no MAC header yet: no MAC elements).
# IPFIX first, then v9 (net.netflow.protocol=9), decoded by nfdump and
# tshark: exact packets and bytes per flow, the MACs read from the guest's
# links, ethernetType 0x0800 / 0x86dd, flowDirection 0 / 1, the VLAN id
# (IPFIX 243/244, v9 58).  Then the module again with every field off: none
# of IE 56, 80, 256, 61 in any template.  Bad values refuse the load.
#
#   nsa va0 10.1.0.2 ------veth------ va 10.1.0.1   [ root: FORWARD -j NETFLOW ]  vb --veth-- vb0 10.2.0.2 nsb
#       va0.100 10.3.0.2 --vlan 100-- va.100 10.3.0.1 [ OUTPUT -o vb -j NETFLOW ]----^            10.2.0.3
#                                              +--> nfcapd 127.0.0.1:2055 (+ tshark on lo)
# vm-timeout: 300

source "${VM_LIB:-$(dirname "$0")/../lib.sh}"
source "$(dirname "${BASH_SOURCE[0]}")/../netflow.sh"

IPT=$(helper_ipt iptables)
IPT6=$(helper_ipt ip6tables)
PARAMS=/sys/module/ipt_NETFLOW/parameters

# ---- a bad value refuses the load ----
for bad in macaddress=2 vlan=-1 direction=1x; do
	if modprobe ipt_NETFLOW "$bad" 2>/dev/null; then
		rmmod ipt_NETFLOW
		fail "modprobe ipt_NETFLOW $bad loaded"
	fi
	module_loaded ipt_NETFLOW && fail "ipt_NETFLOW present after modprobe $bad failed"
	assert_match "log line for $bad" "ipt_NETFLOW: $bad is invalid: expected an integer from 0 to 1" \
		"$(dmesg | tail -n 5)"
done

nf_router
# VLAN 100 over the same veth pair: nsa reaches nsb's second address
# through it.
ip link add link va name va.100 type vlan id 100
defer ip link del va.100
ip addr add 10.3.0.1/24 dev va.100
ip link set va.100 up
na ip link add link va0 name va0.100 type vlan id 100
na ip addr add 10.3.0.2/24 dev va0.100
na ip link set va0.100 up
nb ip addr add 10.2.0.3/24 dev vb0
na ip route add 10.2.0.3/32 via 10.3.0.1 dev va0.100
na busybox ping -q -c 1 -W 5 10.2.0.3 >/dev/null
VA_MAC=$(cat /sys/class/net/va/address)
VA0_MAC=$(na cat /sys/class/net/va0/address)
log "va (router) $VA_MAC, va0 (nsa) $VA0_MAC"

# send SRC SPORT DPORT COUNT: COUNT datagrams of 100 bytes to nsb, from nsa
# (forwarded) or from the router itself (local).
send() {
	local dst=10.2.0.2
	case $2 in 4200[5-9]) dst=fd02::2 ;; 4201[5-9]) dst=10.2.0.3 ;; esac
	if [ "$1" = nsa ]; then
		na python3 "$NF_TOOLS/traffic.py" udp "$dst" "$2" "$3" 100 "$4"
	else
		python3 "$NF_TOOLS/traffic.py" udp "$dst" "$2" "$3" 100 "$4"
	fi
}

collector_start c1 2055
capture_start cap "udp port 2055"
nf_load destination=127.0.0.1:2055 protocol=10 inactive_timeout=1 macaddress=1 direction=1 vlan=1
for p in macaddress:1 direction:1 vlan:1; do
	assert_eq "parameter ${p%:*} (mode)" "${p#*:} 444" "$(cat $PARAMS/${p%:*}) $(stat -c %a $PARAMS/${p%:*})"
done
assert_match "/proc banner names the fields" "^ipt_NETFLOW .*; dir mac vlan$" "$(head -n 1 /proc/net/stat/ipt_netflow)"
assert_eq "/proc flows view header" \
	"# hash a dev:i,o mac:src,dst vlan type proto src:ip,port dst:ip,port nexthop tos,tcpflags,options,tcpoptions packets bytes ts:first,last" \
	"$(head -n 1 /proc/net/stat/ipt_netflow_flows)"
"$IPT" -A FORWARD -j NETFLOW
"$IPT6" -A FORWARD -j NETFLOW
"$IPT" -A OUTPUT -o vb -p udp -j NETFLOW

send nsa 42001 50001 3
send root 42002 50002 2
send nsa 42005 50005 2
send nsa 42015 50015 3
send nsa 42016 50016 2
nf_wait_exported 20
sleep 1.5
# A capture of its own for v9: tshark would keep the IPFIX templates of
# the same ids and not read the v9 records with them.
capture_stop cap
capture_start cap9 "udp port 2055"
sysctl -qw net.netflow.protocol=9
send nsa 42003 50003 4
send root 42004 50004 5
send nsa 42017 50017 4
nf_wait_exported 20
sleep 1.5
capture_stop cap9
collector_stop c1
cat /proc/net/stat/ipt_netflow
collector_records c1 >"$NF_TMP/c1.txt"
cat "$NF_TMP/c1.txt"
assert_eq "module packets" 25 "$(nf_snmp inPackets)"
for f in "10.1.0.2 42001 3 384" "10.2.0.1 42002 2 256" "fd01::2 42005 2 296" "10.1.0.2 42003 4 512" \
	"10.2.0.1 42004 5 640" "10.3.0.2 42015 3 384" "10.3.0.2 42016 2 256" "10.3.0.2 42017 4 512"; do
	read -r src sport n bytes <<<"$f"
	assert_eq "nfdump: flow $sport packets, bytes, records" "$n $bytes 1" \
		"$(records_sum "17 $src $sport" <"$NF_TMP/c1.txt")"
done
assert_eq "nfdump: nothing but these flows" 8 "$(wc -l <"$NF_TMP/c1.txt")"

# tshark: PROTO SRC SPORT DST DPORT PKTS BYTES SRCMAC DSTMAC TYPE DIR (no tags).
python3 "$NF_TOOLS/nfcheck.py" nfdump-l2 "$NF_TMP/c1" >"$NF_TMP/c1.l2"
cat "$NF_TMP/c1.l2"
{ python3 "$NF_TOOLS/nfcheck.py" tshark-l2 "$NF_TMP/cap.pcap"
  python3 "$NF_TOOLS/nfcheck.py" tshark-l2 "$NF_TMP/cap9.pcap"; } | LC_ALL=C sort >"$NF_TMP/cap.l2"
cat "$NF_TMP/cap.l2"
assert_eq "tshark: MACs, ethernetType, direction" \
	"17 10.1.0.2 42001 10.2.0.2 50001 3 384 $VA0_MAC $VA_MAC 0x0800 0 - - - -
17 10.1.0.2 42003 10.2.0.2 50003 4 512 $VA0_MAC $VA_MAC 0x0800 0 - - - -
17 10.2.0.1 42002 10.2.0.2 50002 2 256 - - 0x0800 1 - - - -
17 10.2.0.1 42004 10.2.0.2 50004 5 640 - - 0x0800 1 - - - -
17 10.3.0.2 42015 10.2.0.3 50015 3 384 $VA0_MAC $VA_MAC 0x0800 0 100 0 - -
17 10.3.0.2 42016 10.2.0.3 50016 2 256 $VA0_MAC $VA_MAC 0x0800 0 100 0 - -
17 10.3.0.2 42017 10.2.0.3 50017 4 512 $VA0_MAC $VA_MAC 0x0800 0 100 - - -
17 fd01::2 42005 fd02::2 50005 2 296 $VA0_MAC $VA_MAC 0x86dd 0 - - - -" "$(cat "$NF_TMP/cap.l2")"

# nfdump: its input source and destination MAC columns and the direction.
assert_eq "nfdump: MACs (ismc, idmc) and direction" \
	"17 10.1.0.2 42001 10.2.0.2 50001 3 384 $VA0_MAC $VA_MAC 0
17 10.1.0.2 42003 10.2.0.2 50003 4 512 $VA0_MAC $VA_MAC 0
17 10.2.0.1 42002 10.2.0.2 50002 2 256 00:00:00:00:00:00 00:00:00:00:00:00 1
17 10.2.0.1 42004 10.2.0.2 50004 5 640 00:00:00:00:00:00 00:00:00:00:00:00 1
17 10.3.0.2 42015 10.2.0.3 50015 3 384 $VA0_MAC $VA_MAC 0
17 10.3.0.2 42016 10.2.0.3 50016 2 256 $VA0_MAC $VA_MAC 0
17 10.3.0.2 42017 10.2.0.3 50017 4 512 $VA0_MAC $VA_MAC 0
17 fd01::2 42005 fd02::2 50005 2 296 $VA0_MAC $VA_MAC 0" \
	"$(awk '{ print $1, $2, $3, $4, $5, $6, $7, $8, $9, $12 }' "$NF_TMP/c1.l2")"
# nfdump 1.7.1 reads v9's vlanId (IE 58) as its source VLAN, not IPFIX's
# dot1qVlanId (IE 243): only the v9 flow over VLAN 100 shows it.
assert_eq "nfdump: v9 vlanId" "42017 100" "$(awk '$13 != 0 { print $3, $13 }' "$NF_TMP/c1.l2")"
"$IPT" -F FORWARD
"$IPT6" -F FORWARD
"$IPT" -F OUTPUT
unload_module ipt_NETFLOW

# ---- every field off: no link-layer element in any template ----
collector_start c2 2055
capture_start cap2 "udp port 2055"
nf_load destination=127.0.0.1:2055 protocol=10 inactive_timeout=1
assert_match "/proc banner, fields off" "^ipt_NETFLOW .*;$" "$(head -n 1 /proc/net/stat/ipt_netflow)"
assert_match "/proc flows view header, fields off" "^# hash a dev:i,o proto src" \
	"$(head -n 1 /proc/net/stat/ipt_netflow_flows)"
"$IPT" -A FORWARD -j NETFLOW
send nsa 42011 50011 3
nf_wait_exported 20
sleep 1.5
capture_stop cap2
capture_start cap2v9 "udp port 2055"
sysctl -qw net.netflow.protocol=9
send nsa 42012 50012 2
nf_wait_exported 20
sleep 1.5
capture_stop cap2v9
collector_stop c2
collector_records c2 >"$NF_TMP/c2.txt"
assert_eq "off: flow 42011" "3 384 1" "$(records_sum "17 10.1.0.2 42011" <"$NF_TMP/c2.txt")"
assert_eq "off: flow 42012" "2 256 1" "$(records_sum "17 10.1.0.2 42012" <"$NF_TMP/c2.txt")"
{ python3 "$NF_TOOLS/nfcheck.py" tshark-template-ids "$NF_TMP/cap2.pcap"
  python3 "$NF_TOOLS/nfcheck.py" tshark-template-ids "$NF_TMP/cap2v9.pcap"; } | sort -nu >"$NF_TMP/cap2.ids"
xargs <"$NF_TMP/cap2.ids"
assert_match "off: templates seen" "^1$" "$(grep -x 1 "$NF_TMP/cap2.ids")"
assert_eq "off: no IE 56, 61, 80, 256" "" "$(grep -xE '56|61|80|256' "$NF_TMP/cap2.ids" || true)"
"$IPT" -F FORWARD
unload_module ipt_NETFLOW
