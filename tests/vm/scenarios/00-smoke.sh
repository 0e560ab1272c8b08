#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# vm-smoke
#
# 00-smoke: proves the harness; needs no project module.
#
#   ns0                                          ns1
#   +------------------------+   veth   +------------------------+
#   | veth0 10.0.0.1/24      |<-------->| veth1 10.0.0.2/24      |
#   |       fd00::1/64       |          |       fd00::2/64       |
#   | iptables-legacy and    |          | iptables-nft and       |
#   | ip6tables-legacy:      |          | ip6tables-nft:         |
#   |   OUTPUT -p icmp       |          |   OUTPUT -p icmp       |
#   +------------------------+          +------------------------+
#
# Pings across the pair in both directions, checks the OUTPUT counter rules
# count exactly N echo requests (and their bytes) with both iptables backends,
# IPv4 and IPv6, and loads/unloads a stock module (dummy).

# shellcheck source=../lib.sh
source "${VM_LIB:-$(dirname "$0")/../lib.sh}"

N=7

log "kernel $(uname -r), tainted=$(tainted)"

netns_add ns0 ns1
veth ns0 veth0 ns1 veth1
ip -n ns0 addr add 10.0.0.1/24 dev veth0
ip -n ns1 addr add 10.0.0.2/24 dev veth1
ip -n ns0 addr add fd00::1/64 dev veth0 nodad
ip -n ns1 addr add fd00::2/64 dev veth1 nodad

log "warm-up pings (ARP / ND)"
n0 busybox ping -q -c 1 -W 5 10.0.0.2 >/dev/null
n1 busybox ping -q -c 1 -W 5 10.0.0.1 >/dev/null
n0 busybox ping -6 -q -c 1 -W 5 fd00::2 >/dev/null
n1 busybox ping -6 -q -c 1 -W 5 fd00::1 >/dev/null

# A stock module round trip.
load_module dummy
ip link add dummy0 type dummy
ip link del dummy0
unload_module dummy

# count_pings NS BACKEND4 BACKEND6 PEER4 PEER6
count_pings() {
	local ns=$1 b4=$2 b6=$3 peer4=$4 peer6=$5
	log "$ns: $b4 / $b6 counting $N echo requests"
	ip netns exec "$ns" "$b4" -w -A OUTPUT -p icmp --icmp-type echo-request
	ip netns exec "$ns" "$b6" -w -A OUTPUT -p ipv6-icmp --icmpv6-type echo-request
	assert_eq "$b4 counter before" "0 0" "$(ipt_counter -n "$ns" "$b4" OUTPUT 1)"
	ip netns exec "$ns" busybox ping -q -A -c $N -W 5 "$peer4" >/dev/null
	ip netns exec "$ns" busybox ping -6 -q -A -c $N -W 5 "$peer6" >/dev/null
	# echo request: 20 (IPv4) or 40 (IPv6) + 8 (ICMP) + 56 (payload) bytes
	assert_eq "$b4 OUTPUT icmp pkts/bytes" "$N $((N * 84))" "$(ipt_counter -n "$ns" "$b4" OUTPUT 1)"
	assert_eq "$b6 OUTPUT icmpv6 pkts/bytes" "$N $((N * 104))" "$(ipt_counter -n "$ns" "$b6" OUTPUT 1)"
}

legacy=0
have_legacy_iptables "the legacy round" && legacy=1
[ $legacy = 0 ] || count_pings ns0 iptables-legacy ip6tables-legacy 10.0.0.2 fd00::2
count_pings ns1 iptables-nft ip6tables-nft 10.0.0.1 fd00::1

# The rule-less direction saw nothing extra: legacy rules live only in ns0.
[ $legacy = 0 ] ||
	assert_eq "ns1 has no legacy rules" "" "$(n1 iptables-legacy -w -S OUTPUT 2>/dev/null | grep -- '-A' || true)"

log "tainted=$(tainted)"
