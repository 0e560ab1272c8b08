#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# vm-smoke
#
# 93-bridge-ports: physdev=1 and physdev=2 on a Linux bridge whose packets
# br_netfilter hands to the IP hooks (bridge-nf-call-iptables=1), metered
# by `-m physdev --physdev-is-bridged -j NETFLOW` in FORWARD.  There the
# IP hooks see the bridge (br0) as both input and output device; the ports
# (pa, pb) are the bridge's own facts.
#   physdev=1: IE 10/14 = br0, and IE 252/253 = the ports the packet came
#              in and went out by (each direction its own), IPFIX and v9,
#              decoded by tshark; a flow the router sends itself through
#              br0 (OUTPUT, not bridged) has no IE 252/253.
#   physdev=2: the ports in place of the interfaces: IE 10/14 in IPFIX and
#              v5's input/output, decoded by nfdump and tshark, and no IE
#              252/253 in any template.
# Every flow: exact packets and bytes, equal to the rule's counters and the
# module's.  A bad value refuses the load.
#
#   nsa va0 10.9.0.1 --veth-- pa [ br0 10.9.0.3 (root) ] pb --veth-- vb0 10.9.0.2 nsb
#                                  FORWARD -m physdev --physdev-is-bridged -p udp -j NETFLOW
#                                  OUTPUT -o br0 -j NETFLOW      +--> nfcapd 127.0.0.1:2055
# vm-timeout: 300

source "${VM_LIB:-$(dirname "$0")/../lib.sh}"
source "$(dirname "${BASH_SOURCE[0]}")/../netflow.sh"

IPT=$(helper_ipt iptables)
IPT6=$(helper_ipt ip6tables)
PARAMS=/sys/module/ipt_NETFLOW/parameters

for bad in physdev=3 physdev=-1; do
	if modprobe ipt_NETFLOW "$bad" 2>/dev/null; then
		rmmod ipt_NETFLOW
		fail "modprobe ipt_NETFLOW $bad loaded"
	fi
	module_loaded ipt_NETFLOW && fail "ipt_NETFLOW present after modprobe $bad failed"
	assert_match "log line for $bad" "ipt_NETFLOW: $bad is invalid: expected an integer from 0 to 2" \
		"$(dmesg | tail -n 5)"
done

# ---- the bridge ----
modprobe br_netfilter
defer modprobe -r br_netfilter
sysctl -qw net.bridge.bridge-nf-call-iptables=1 net.bridge.bridge-nf-call-ip6tables=1
netns_add nsa nsb
ip link add br0 type bridge
defer ip link del br0
ip link add pa type veth peer name va0 netns nsa
ip link add pb type veth peer name vb0 netns nsb
defer ip link del pa
defer ip link del pb
for p in pa pb; do
	ip link set "$p" master br0
	ip link set "$p" up
done
ip link set br0 up
ip addr add 10.9.0.3/24 dev br0
na ip addr add 10.9.0.1/24 dev va0
nb ip addr add 10.9.0.2/24 dev vb0
na ip addr add fd09::1/64 dev va0 nodad
nb ip addr add fd09::2/64 dev vb0 nodad
na ip link set va0 up
nb ip link set vb0 up
# Both hosts drop the test UDP quietly (no ICMP errors in the flows).
for ns in nsa nsb; do
	ip netns exec $ns "$IPT" -A INPUT -p udp --dport 50000:50999 -j DROP
	ip netns exec $ns "$IPT6" -A INPUT -p udp --dport 50000:50999 -j DROP
done
na busybox ping -q -c 1 -W 5 10.9.0.2 >/dev/null
na busybox ping -6 -q -c 1 -W 5 fd09::2 >/dev/null
busybox ping -q -c 1 -W 5 10.9.0.2 >/dev/null
BR=$(cat /sys/class/net/br0/ifindex)
PA=$(cat /sys/class/net/pa/ifindex)
PB=$(cat /sys/class/net/pb/ifindex)
log "br0 $BR, pa $PA, pb $PB"

# send FROM DST SPORT DPORT COUNT: COUNT datagrams of 100 bytes of payload.
send() {
	case $1 in
	nsa) na python3 "$NF_TOOLS/traffic.py" udp "$2" "$3" "$4" 100 "$5" ;;
	nsb) nb python3 "$NF_TOOLS/traffic.py" udp "$2" "$3" "$4" 100 "$5" ;;
	root) python3 "$NF_TOOLS/traffic.py" udp "$2" "$3" "$4" 100 "$5" ;;
	esac
}

rules_add() {
	"$IPT" -A FORWARD -m physdev --physdev-is-bridged -p udp -j NETFLOW
	"$IPT6" -A FORWARD -m physdev --physdev-is-bridged -p udp -j NETFLOW
	"$IPT" -A OUTPUT -o br0 -p udp -j NETFLOW
}
rules_flush() {
	"$IPT" -F FORWARD
	"$IPT6" -F FORWARD
	"$IPT" -F OUTPUT
}
# rule_packets: the packets the three NETFLOW rules counted.
rule_packets() {
	local a b c
	read -r a _ <<<"$(ipt_counter "$IPT" FORWARD 1)"
	read -r b _ <<<"$(ipt_counter "$IPT6" FORWARD 1)"
	read -r c _ <<<"$(ipt_counter "$IPT" OUTPUT 1)"
	echo $((a + b + c))
}

# ---- physdev=1: the ports exported beside the interfaces ----
collector_start c1 2055
capture_start cap "udp port 2055"
nf_load destination=127.0.0.1:2055 protocol=10 inactive_timeout=1 physdev=1
assert_eq "parameter physdev (mode)" "1 444" "$(cat $PARAMS/physdev) $(stat -c %a $PARAMS/physdev)"
rules_add
send nsa 10.9.0.2 43001 50001 3
send nsb 10.9.0.1 43002 50002 2
send nsa fd09::2 43005 50005 2
send root 10.9.0.2 43006 50006 4
nf_wait_exported 20
sleep 1.5
capture_stop cap
capture_start cap9 "udp port 2055"
sysctl -qw net.netflow.protocol=9
send nsa 10.9.0.2 43003 50003 4
nf_wait_exported 20
sleep 1.5
capture_stop cap9
collector_stop c1
cat /proc/net/stat/ipt_netflow
collector_records c1 >"$NF_TMP/c1.txt"
cat "$NF_TMP/c1.txt"
assert_eq "module packets = rule packets" "$(rule_packets)" "$(nf_snmp inPackets)"
assert_eq "module packets" 15 "$(nf_snmp inPackets)"
{ python3 "$NF_TOOLS/nfcheck.py" tshark-ports "$NF_TMP/cap.pcap"
  python3 "$NF_TOOLS/nfcheck.py" tshark-ports "$NF_TMP/cap9.pcap"; } | LC_ALL=C sort >"$NF_TMP/cap.ports"
cat "$NF_TMP/cap.ports"
assert_eq "tshark: interfaces and bridge ports (physdev=1)" \
	"17 10.9.0.1 43001 10.9.0.2 50001 3 384 $BR $BR $PA $PB
17 10.9.0.1 43003 10.9.0.2 50003 4 512 $BR $BR $PA $PB
17 10.9.0.2 43002 10.9.0.1 50002 2 256 $BR $BR $PB $PA
17 10.9.0.3 43006 10.9.0.2 50006 4 512 0 $BR - -
17 fd09::1 43005 fd09::2 50005 2 296 $BR $BR $PA $PB" "$(cat "$NF_TMP/cap.ports")"
assert_eq "nfdump: every flow once, exact" \
	"17 10.9.0.1 43001 10.9.0.2 50001 3 384 $BR $BR
17 10.9.0.1 43003 10.9.0.2 50003 4 512 $BR $BR
17 10.9.0.2 43002 10.9.0.1 50002 2 256 $BR $BR
17 10.9.0.3 43006 10.9.0.2 50006 4 512 0 $BR
17 fd09::1 43005 fd09::2 50005 2 296 $BR $BR" "$(awk '{ print $1, $2, $3, $4, $5, $6, $7, $8, $9 }' "$NF_TMP/c1.txt" | LC_ALL=C sort)"
rules_flush
unload_module ipt_NETFLOW

# ---- physdev=2: the ports in place of the interfaces ----
collector_start c2 2055
capture_start cap2 "udp port 2055"
nf_load destination=127.0.0.1:2055 protocol=10 inactive_timeout=1 physdev=2
rules_add
send nsa 10.9.0.2 43011 50011 3
send nsb 10.9.0.1 43012 50012 2
send nsa fd09::2 43015 50015 2
send root 10.9.0.2 43016 50016 4
nf_wait_exported 20
sleep 1.5
capture_stop cap2
"$IPT6" -F FORWARD	# protocol 5 is refused while an ip6tables rule exists
sysctl -qw net.netflow.protocol=5
send nsa 10.9.0.2 43013 50013 4
nf_wait_exported 20
sleep 1.5
collector_stop c2
collector_records c2 >"$NF_TMP/c2.txt"
cat "$NF_TMP/c2.txt"
assert_eq "module packets (physdev=2)" 15 "$(nf_snmp inPackets)"
python3 "$NF_TOOLS/nfcheck.py" tshark-ports "$NF_TMP/cap2.pcap" | LC_ALL=C sort >"$NF_TMP/cap2.ports"
cat "$NF_TMP/cap2.ports"
assert_eq "tshark: the ports as IE 10/14 (physdev=2)" \
	"17 10.9.0.1 43011 10.9.0.2 50011 3 384 $PA $PB - -
17 10.9.0.2 43012 10.9.0.1 50012 2 256 $PB $PA - -
17 10.9.0.3 43016 10.9.0.2 50016 4 512 0 $BR - -
17 fd09::1 43015 fd09::2 50015 2 296 $PA $PB - -" "$(cat "$NF_TMP/cap2.ports")"
assert_eq "nfdump: the ports as input/output, IPFIX and v5 (physdev=2)" \
	"17 10.9.0.1 43011 10.9.0.2 50011 3 384 $PA $PB
17 10.9.0.1 43013 10.9.0.2 50013 4 512 $PA $PB
17 10.9.0.2 43012 10.9.0.1 50012 2 256 $PB $PA
17 10.9.0.3 43016 10.9.0.2 50016 4 512 0 $BR
17 fd09::1 43015 fd09::2 50015 2 296 $PA $PB" "$(awk '{ print $1, $2, $3, $4, $5, $6, $7, $8, $9 }' "$NF_TMP/c2.txt" | LC_ALL=C sort)"
python3 "$NF_TOOLS/nfcheck.py" tshark-template-ids "$NF_TMP/cap2.pcap" >"$NF_TMP/cap2.ids"
assert_match "physdev=2: templates seen" "^10$" "$(grep -x 10 "$NF_TMP/cap2.ids")"
assert_eq "physdev=2: no IE 252, 253" "" "$(grep -xE '252|253' "$NF_TMP/cap2.ids" || true)"
rules_flush
unload_module ipt_NETFLOW
