#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# vm-smoke
#
# 96-promisc: promiscuous capture (promisc=1).  A monitor namespace nsm has
# one veth end in promiscuous mode, fed by the peer in nsa the way a
# switch's mirror port would feed it: frames addressed to another MAC, sent
# with scapy (tools/l2frames.py), without VLAN, with one 802.1Q tag, with
# QinQ (802.1ad 100 + 802.1Q 10), with 1 to 3 MPLS labels (alone or under
# VLAN tags), IPv4 and IPv6, some with Ethernet padding, plus malformed
# ones (among them 4 labels, deeper than promisc_mpls=3).  Rules in nsm: raw PREROUTING -j NETFLOW (IPv4, IPv6).
#
#   nsa: va0 --veth--> nsm: vm0 (promisc, 10.9.0.254/24, forwarding on)
#        scapy frames to 02:00:00:00:00:99         raw PREROUTING -j NETFLOW
#                                                  --> nfcapd 127.0.0.1:2055
#
# Checked: every flow exported to nfcapd with the exact packets and bytes
# sent (IP lengths: tags and padding are not counted), equal to the raw
# rules' counters; a broadcast frame (not for another host) metered once,
# by the normal path; the /proc line "Promisc hack is enabled (observed N
# packets, discarded M)" with N = frames for the other MAC, M = the
# malformed ones; nothing forwarded or answered (nsm's ForwDatagrams, vm0's
# and va0's tx/rx counters).  Then net.netflow.promisc at run time: a bad
# value refused keeping 1, 0 stops the capture (frames no longer seen),
# 1 restarts it.  Bad promisc= and promisc_mpls= values refuse the load.
# The labels (promisc_mpls=3) are part of the flow key and exported: the
# stacks nfdump and tshark decode (IE 70-72, label/exp/bottom-of-stack) and
# the top label's TTL (IE 200, tshark) are the ones sent, and one 5-tuple
# under two different labels is two flows.  Last, promisc_mpls=1: one
# label is taken, two are not; and without promisc_mpls (0, the default)
# no MPLS frame is taken.
# vm-timeout: 480

source "${VM_LIB:-$(dirname "$0")/../lib.sh}"
source "$(dirname "${BASH_SOURCE[0]}")/../netflow.sh"

SYSCTL=/proc/sys/net/netflow
# Legacy rules where the kernel has them; Debian's 7.x rt flavour has none:
# there the same rules go through the nft back end (nft_compat).
IPT=iptables-legacy IPT6=ip6tables-legacy
have_legacy_iptables "the legacy rules (the nft back end instead)" || IPT=iptables IPT6=ip6tables
OTHER=02:00:00:00:00:99
nm() { ip netns exec nsm "$@"; }

# ---- bad values at load ----
for bad in promisc=2 promisc=-1 promisc=1x promisc_mpls=-1 promisc_mpls=11; do
	if modprobe ipt_NETFLOW "$bad" 2>/dev/null; then
		rmmod ipt_NETFLOW
		fail "modprobe ipt_NETFLOW $bad loaded"
	fi
	module_loaded ipt_NETFLOW && fail "ipt_NETFLOW present after modprobe $bad failed"
	assert_match "log line for $bad" "ipt_NETFLOW: $bad is invalid" "$(dmesg | tail -n 5)"
done

# ---- the mirror port ----
netns_add nsa nsm
ip link add va0 netns nsa type veth peer name vm0 netns nsm
nm sysctl -qw net.ipv6.conf.vm0.disable_ipv6=1 net.ipv4.ip_forward=1
na sysctl -qw net.ipv6.conf.va0.disable_ipv6=1
nm ip addr add 10.9.0.254/24 dev vm0
nm ip link set vm0 promisc on up
na ip link set va0 up
VM0_IF=$(nm cat /sys/class/net/vm0/ifindex)
VM0_MAC=$(nm cat /sys/class/net/vm0/address)
log "vm0: ifindex $VM0_IF, MAC $VM0_MAC; frames go to $OTHER"

# send_frames < SPECS: every frame of tools/l2frames.py's specs, from nsa's va0.
send_frames() { na python3 "$NF_TOOLS/l2frames.py" va0 >/dev/null; }
stat_of() { ip netns exec "$1" cat "/sys/class/net/$2/statistics/$3"; }
promisc_line() { grep '^Promisc hack is ' /proc/net/stat/ipt_netflow || true; }
forwarded() { nm awk '$1 == "Ip:" && !h { for (i = 1; i <= NF; i++) c[$i] = i; h = 1; next }
	$1 == "Ip:" { print $c["ForwDatagrams"] }' /proc/net/snmp; }

collector_start c1 2055
capture_start cap1 "udp port 2055"
nf_load destination=127.0.0.1:2055 protocol=10 inactive_timeout=2 promisc=1 promisc_mpls=3
assert_match "load log line" "ipt_NETFLOW: promisc: metering frames for other hosts in PREROUTING" "$(dmesg | tail -n 5)"
assert_eq "/proc line at load" "Promisc hack is enabled (observed 0 packets, discarded 0)." "$(promisc_line)"
assert_eq "sysctl promisc" 1 "$(cat $SYSCTL/promisc)"
assert_eq "parameter promisc (mode)" "1 444" \
	"$(cat /sys/module/ipt_NETFLOW/parameters/promisc) $(stat -c %a /sys/module/ipt_NETFLOW/parameters/promisc)"
assert_eq "parameter promisc_mpls (mode)" "3 444" \
	"$(cat /sys/module/ipt_NETFLOW/parameters/promisc_mpls) $(stat -c %a /sys/module/ipt_NETFLOW/parameters/promisc_mpls)"
nm $IPT -t raw -I PREROUTING -j NETFLOW
nm $IPT6 -t raw -I PREROUTING -j NETFLOW

tx_vm0=$(stat_of nsm vm0 tx_packets) rx_va0=$(stat_of nsa va0 rx_packets)
# Flows (each its own source port), IP bytes per packet in the comment.
send_frames <<EOS
udp $OTHER - 10.9.0.1 10.9.0.2 40001 50001 100 3
# 128 B, no tag
udp $OTHER 10 10.9.0.1 10.9.0.2 40002 50002 200 4
# 228 B, 802.1Q 10
udp $OTHER 100,10 10.9.0.1 10.9.0.2 40003 50003 300 5
# 328 B, QinQ
udp $OTHER 10 10.9.0.1 10.9.0.2 40004 50004 2 6 20
# 30 B + 20 B of Ethernet padding
udp $OTHER - fd09::1 fd09::2 40005 50005 50 2
# 98 B, IPv6
udp $OTHER 100,10 fd09::1 fd09::2 40006 50006 60 3 16
# 108 B, IPv6 in QinQ, padded
udp ff:ff:ff:ff:ff:ff - 10.9.0.1 10.9.0.255 40007 50007 10 2
# 38 B, broadcast: not for another host, the stack's PREROUTING meters it
udp $OTHER -:16 10.9.0.1 10.9.0.2 40021 50021 100 3
# 128 B, one MPLS label
udp $OTHER 10:16/17 10.9.0.1 10.9.0.2 40022 50022 200 2
# 228 B, VLAN 10 and two labels
udp $OTHER 100,10:16/17/18 10.9.0.1 10.9.0.2 40023 50023 300 4
# 328 B, QinQ and three labels
udp $OTHER -:1000/2000/3000 fd09::1 fd09::2 40024 50024 50 2
# 98 B, IPv6 under three labels
udp $OTHER -:1/2/3/4 10.9.0.1 10.9.0.2 40025 50025 10 1
# four labels: deeper than promisc_mpls=3, discarded
udp $OTHER -:16 10.9.0.1 10.9.0.2 40026 50026 100 2
udp $OTHER -:17 10.9.0.1 10.9.0.2 40026 50026 100 3
# 128 B, one 5-tuple under two labels: two flows
bad $OTHER csum
bad $OTHER long
bad $OTHER short
bad $OTHER arp
EOS
SENT_OTHER=$((3 + 4 + 5 + 6 + 2 + 3 + 3 + 2 + 4 + 2 + 1 + 2 + 3 + 4)) BAD=$((1 + 4))

nf_wait_exported 22
sleep 1.5
collector_stop c1
capture_stop cap1
cat /proc/net/stat/ipt_netflow
assert_eq "/proc line" "Promisc hack is enabled (observed $SENT_OTHER packets, discarded $BAD)." "$(promisc_line)"
collector_records c1 >"$NF_TMP/c1.txt"
cat "$NF_TMP/c1.txt"
want="17 10.9.0.1 40001 10.9.0.2 50001|3 384
17 10.9.0.1 40002 10.9.0.2 50002|4 912
17 10.9.0.1 40003 10.9.0.2 50003|5 1640
17 10.9.0.1 40004 10.9.0.2 50004|6 180
17 fd09::1 40005 fd09::2 50005|2 196
17 fd09::1 40006 fd09::2 50006|3 324
17 10.9.0.1 40007 10.9.0.255 50007|2 76
17 10.9.0.1 40021 10.9.0.2 50021|3 384
17 10.9.0.1 40022 10.9.0.2 50022|2 456
17 10.9.0.1 40023 10.9.0.2 50023|4 1312
17 fd09::1 40024 fd09::2 50024|2 196"
while IFS='|' read -r key pb; do
	assert_eq "c1: flow $key" "$pb 1" "$(records_sum "$key" <"$NF_TMP/c1.txt")"
done <<<"$want"
assert_eq "c1: flow 40026 (two stacks)" "5 640 2" "$(records_sum "17 10.9.0.1 40026" <"$NF_TMP/c1.txt")"
assert_eq "c1: nothing but these flows" 13 "$(wc -l <"$NF_TMP/c1.txt")"

# The label stacks, as LABEL.EXP.BOS outermost first (l2frames.py: TC 0,
# TTL 63 on top), nfdump and tshark alike; the rest carry none.
mpls_want="17 10.9.0.1 40021 10.9.0.2 50021 3 384 16.0.1
17 10.9.0.1 40022 10.9.0.2 50022 2 456 16.0.0/17.0.1
17 10.9.0.1 40023 10.9.0.2 50023 4 1312 16.0.0/17.0.0/18.0.1
17 10.9.0.1 40026 10.9.0.2 50026 2 256 16.0.1
17 10.9.0.1 40026 10.9.0.2 50026 3 384 17.0.1
17 fd09::1 40024 fd09::2 50024 2 196 1000.0.0/2000.0.0/3000.0.1"
python3 "$NF_TOOLS/nfcheck.py" nfdump-mpls "$NF_TMP/c1" >"$NF_TMP/c1.mpls"
python3 "$NF_TOOLS/nfcheck.py" tshark-mpls "$NF_TMP/cap1.pcap" >"$NF_TMP/cap1.mpls"
cat "$NF_TMP/c1.mpls" "$NF_TMP/cap1.mpls"
assert_eq "nfdump: the label stacks" "$mpls_want" "$(grep -v ' -$' "$NF_TMP/c1.mpls")"
assert_eq "nfdump: records without labels" 7 "$(grep -c ' -$' "$NF_TMP/c1.mpls")"
assert_eq "tshark: the label stacks, top TTL 63" "$(sed 's/$/ 63/' <<<"$mpls_want")" \
	"$(grep -v ' - -$' "$NF_TMP/cap1.mpls")"
assert_eq "tshark: records without labels (nor IE 200)" 7 "$(grep -c ' - -$' "$NF_TMP/cap1.mpls")"
assert_eq "c1: every record from vm0 (IN ifindex)" "$VM0_IF" "$(awk '{ print $8 }' "$NF_TMP/c1.txt" | sort -u)"
assert_eq "raw PREROUTING IPv4 rule = records" \
	"$((3 + 4 + 5 + 6 + 2 + 3 + 2 + 4 + 5)) $((384 + 912 + 1640 + 180 + 76 + 384 + 456 + 1312 + 640))" \
	"$(ipt_counter -n nsm -t raw "$IPT" PREROUTING 1)"
assert_eq "raw PREROUTING IPv6 rule = records" "7 716" "$(ipt_counter -n nsm -t raw "$IPT6" PREROUTING 1)"
assert_eq "module packets and bytes = rules" "41 6700" "$(nf_snmp inPackets) $(nf_snmp inBytes)"
assert_eq "nsm forwarded nothing" 0 "$(forwarded)"
assert_eq "vm0 sent nothing" "$tx_vm0" "$(stat_of nsm vm0 tx_packets)"
assert_eq "va0 got nothing back" "$rx_va0" "$(stat_of nsa va0 rx_packets)"

# ---- net.netflow.promisc at run time ----
assert_eq "sysctl promisc <- 2" EINVAL "$(nf_sysctl_write promisc 2)"
assert_eq "sysctl promisc <- -1" EINVAL "$(nf_sysctl_write promisc -1)"
assert_eq "promisc kept" 1 "$(cat $SYSCTL/promisc)"
assert_eq "sysctl promisc <- 0" OK "$(nf_sysctl_write promisc 0)"
assert_eq "parameter follows the sysctl" 0 "$(cat /sys/module/ipt_NETFLOW/parameters/promisc)"
echo "udp $OTHER - 10.9.0.1 10.9.0.2 40011 50011 100 3" | send_frames
assert_eq "/proc line, off" "Promisc hack is disabled (observed $SENT_OTHER packets, discarded $BAD)." \
	"$(promisc_line)"
assert_eq "raw rule saw nothing while off" "34 5984" "$(ipt_counter -n nsm -t raw "$IPT" PREROUTING 1)"
assert_eq "sysctl promisc <- 1" OK "$(nf_sysctl_write promisc 1)"
echo "udp $OTHER 10 10.9.0.1 10.9.0.2 40012 50012 100 2" | send_frames
assert_eq "/proc line, on again" "Promisc hack is enabled (observed $((SENT_OTHER + 2)) packets, discarded $BAD)." \
	"$(promisc_line)"
assert_eq "raw rule after the restart" "36 6240" "$(ipt_counter -n nsm -t raw "$IPT" PREROUTING 1)"
assert_eq "nsm forwarded nothing" 0 "$(forwarded)"
assert_eq "vm0 sent nothing" "$tx_vm0" "$(stat_of nsm vm0 tx_packets)"
nm $IPT -t raw -F PREROUTING
nm $IPT6 -t raw -F PREROUTING
unload_module ipt_NETFLOW

# ---- promisc_mpls=1: a single label only ----
nf_load destination=127.0.0.1:2055 protocol=10 promisc=1 promisc_mpls=1
nm $IPT -t raw -I PREROUTING -j NETFLOW
send_frames <<EOS
udp $OTHER -:16 10.9.0.1 10.9.0.2 40031 50031 100 2
udp $OTHER -:16/17 10.9.0.1 10.9.0.2 40032 50032 100 3
EOS
assert_eq "/proc line, promisc_mpls=1" "Promisc hack is enabled (observed 5 packets, discarded 3)." "$(promisc_line)"
assert_eq "raw rule: the one-label frames only" "2 256" "$(ipt_counter -n nsm -t raw "$IPT" PREROUTING 1)"
assert_eq "module: the one-label frames only" "2 256" "$(nf_snmp inPackets) $(nf_snmp inBytes)"
nm $IPT -t raw -F PREROUTING
unload_module ipt_NETFLOW

# ---- no promisc_mpls (0): no MPLS frame is taken ----
nf_load destination=127.0.0.1:2055 protocol=10 promisc=1
assert_eq "parameter promisc_mpls, default" 0 "$(cat /sys/module/ipt_NETFLOW/parameters/promisc_mpls)"
nm $IPT -t raw -I PREROUTING -j NETFLOW
send_frames <<EOS
udp $OTHER -:16 10.9.0.1 10.9.0.2 40041 50041 100 2
udp $OTHER - 10.9.0.1 10.9.0.2 40042 50042 100 1
EOS
assert_eq "/proc line, promisc_mpls=0" "Promisc hack is enabled (observed 3 packets, discarded 2)." "$(promisc_line)"
assert_eq "raw rule: the unlabelled frame only" "1 128" "$(ipt_counter -n nsm -t raw "$IPT" PREROUTING 1)"
nm $IPT -t raw -F PREROUTING
unload_module ipt_NETFLOW
