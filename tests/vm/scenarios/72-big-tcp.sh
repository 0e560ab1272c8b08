#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# 72-big-tcp: BIG TCP super-packets (GSO/GRO above 64 KiB) are accounted
# with their real length.  Such a packet carries IPv4 tot_len 0 (6.3+) or an
# IPv6 payload length of 0 with a jumbo hop-by-hop option (or without one);
# only the skb knows its length.  Before the fix every one of them went to
# trunc/drop, so most bulk TCP bytes of the host vanished from its flows.
#
#   ns0 v0 fd00::1 / 10.0.0.1 <---- veth, gso/gro_max_size 185000 ----> v1 fd00::2 / 10.0.0.2 ns1
#       OUTPUT -j NETFLOW (ip6tables, iptables)                          tcp-server
#       tcp-client: 16 MiB per family
#
# IPv4 BIG TCP needs IFLA_GSO_IPV4_MAX_SIZE (6.3+), set by tools/bigtcp_ipv4.py;
# on older kernels (6.1) only IPv6 is checked.  The flows' bytes (module
# counters and nfcapd's records) must equal the rule's bytes, and at least
# one packet must have been above 64 KiB (else the test proves nothing).
# vm-timeout: 240

source "${VM_LIB:-$(dirname "$0")/../lib.sh}"
source "$(dirname "${BASH_SOURCE[0]}")/../netflow.sh"

SIZE=185000 BYTES=$((16 << 20))
netns_add ns0 ns1
veth ns0 v0 ns1 v1
for end in "ns0 v0 1" "ns1 v1 2"; do
	read -r ns dev n <<<"$end"
	ip -n "$ns" link set "$dev" gso_max_size $SIZE gro_max_size $SIZE
	ip -n "$ns" addr add "fd00::$n/64" dev "$dev" nodad
	ip -n "$ns" addr add "10.0.0.$n/24" dev "$dev"
done
families=6
if ip netns exec ns0 python3 "$NF_TOOLS/bigtcp_ipv4.py" v0 $SIZE &&
	ip netns exec ns1 python3 "$NF_TOOLS/bigtcp_ipv4.py" v1 $SIZE; then
	families="6 4"
else
	log "no IPv4 BIG TCP on $(uname -r): IPv6 only"
fi
ip -n ns0 -d link show v0 | grep -o 'gso_max_size [0-9]*\|gso_ipv4_max_size [0-9]*' | tr '\n' ' '
echo

# TCP sizes its super-packets by pacing rate and min RTT; on a slow guest
# (a debug kernel) they stay below 64 KiB.  A large tcp_tso_rtt_log lets the
# RTT term alone ask for gso_max_size, fast host or slow.
if [ -e /proc/sys/net/ipv4/tcp_tso_rtt_log ]; then
	ip netns exec ns0 sysctl -qw net.ipv4.tcp_tso_rtt_log=31
fi
collector_start nf 2055
nf_load protocol=10 destination=127.0.0.1:2055 inactive_timeout=1
ip netns exec ns0 ip6tables -A OUTPUT -o v0 -p tcp -j NETFLOW
ip netns exec ns0 iptables -A OUTPUT -o v0 -p tcp -j NETFLOW
# Packets above 64 KiB, counted apart (length match: up to 65535 only).
ip netns exec ns0 ip6tables -A OUTPUT -o v0 -p tcp -m length --length 0:65535
ip netns exec ns0 iptables -A OUTPUT -o v0 -p tcp -m length --length 0:65535

port=5000
for fam in $families; do
	dst=fd00::2
	[ "$fam" = 4 ] && dst=10.0.0.2
	port=$((port + 1))
	ip netns exec ns1 python3 "$NF_TOOLS/traffic.py" tcp-server $port >"$NF_TMP/srv$fam" &
	wait_for "ip netns exec ns1 ss -Hltn 'sport = :$port' | grep -q ." 20
	ip netns exec ns0 python3 "$NF_TOOLS/traffic.py" tcp-client "$dst" $port $BYTES
	wait
done
nf_wait_exported 20
sleep 1
collector_stop nf

for fam in $families; do
	ipt=ip6tables
	[ "$fam" = 4 ] && ipt=iptables
	read -r pkts bytes <<<"$(ipt_counter -n ns0 $ipt OUTPUT 1)"
	read -r small_pkts _ <<<"$(ipt_counter -n ns0 $ipt OUTPUT 2)"
	log "IPv$fam: $pkts packets, $bytes bytes; $((pkts - small_pkts)) above 64 KiB"
	[ $((pkts - small_pkts)) -gt 0 ] || fail "IPv$fam: no packet above 64 KiB: BIG TCP is not on"
	eval "want$fam=\"$pkts $bytes\""
done
want_pkts=0 want_bytes=0
for fam in $families; do
	eval "read -r p b <<<\"\$want$fam\""
	want_pkts=$((want_pkts + p)) want_bytes=$((want_bytes + b))
done
assert_eq "packets dropped by the module (trunc)" "0 0" "$(nf_snmp dropPackets) $(nf_total trunc)"
assert_eq "module packets bytes = rules'" "$want_pkts $want_bytes" "$(nf_snmp inPackets) $(nf_snmp inBytes)"
collector_records nf >"$NF_TMP/records.txt"
for fam in $families; do
	src=fd00::1
	[ "$fam" = 4 ] && src=10.0.0.1
	eval "want=\$want$fam"
	assert_eq "nfcapd: IPv$fam records' packets bytes = rule's" "$want" \
		"$(awk -v s=$src '$1 == 6 && $2 == s { p += $6; b += $7 } END { print p + 0, b + 0 }' "$NF_TMP/records.txt")"
done
