#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# vm-smoke
#
# 92-hooks-load-unload: the hooks come and go under traffic, in every
# namespace.  While UDP floods through the router (IPv4 and IPv6) and
# namespaces are created and deleted all along, the module is loaded and
# unloaded 6 times with different hook sets (31, 9, 4, 1, 16, 2), IPv6 on
# and off (protocol 10 / 5) and targets 0 and 1: each load meters (the
# counters move), and pings inside a namespace made after the load are
# metered exactly once at each chosen hook they pass (IPv6 only when the
# protocol can carry it).  The kernel log stays clean (the harness checks).  Bad values of the new parameters
# refuse the load, naming the parameter.
#
#   nsa 10.1.0.2 --va0|va-- [ root ] --vb|vb0-- nsb 10.2.0.2 (nft drops UDP 50000-50999)
#       udp-spray -> 10.2.0.2:50001, fd02::2:50002       churnN: ip netns add/del, looping
# vm-timeout: 420

source "${VM_LIB:-$(dirname "$0")/../lib.sh}"
source "$(dirname "${BASH_SOURCE[0]}")/../netflow.sh"

nf_router nft
no_iptables_rules nsa nsb

# late_pings: in a namespace made now, 2 pings of an address of its own
# (192.0.2.1, and 2001:db8::1), then "V4 V6": the packets of those flows
# cached (/proc/net/stat/ipt_netflow_flows: proto, src, packets columns).
late_pings() {
	ip netns add late
	ip -n late link set lo up
	ip -n late addr add 192.0.2.1/32 dev lo
	ip -n late addr add 2001:db8::1/128 dev lo nodad
	ip netns exec late busybox ping -q -c 2 -i 0.2 192.0.2.1 >/dev/null
	ip netns exec late busybox ping -6 -q -c 2 -i 0.2 2001:db8::1 >/dev/null
	ip netns del late
	awk '$5 == 1 && $6 == "192.0.2.1,0" { a += $10 } $5 == 58 && $6 == "2001:db8::1,0" { b += $10 }
		END { print a + 0, b + 0 }' /proc/net/stat/ipt_netflow_flows
}

log "bad values refuse the load"
for bad in hooks=32 hooks=-1 hooks=0x100 targets=2 targets=-1 nfevents_limit=0 hooks_mark=x hooks_mark_mask=-1; do
	if modprobe ipt_NETFLOW "$bad" 2>/dev/null; then
		rmmod ipt_NETFLOW
		fail "modprobe ipt_NETFLOW $bad loaded"
	fi
	module_loaded ipt_NETFLOW && fail "ipt_NETFLOW present after modprobe $bad failed"
	assert_match "log line for $bad" "ipt_NETFLOW: ${bad%%=*}=${bad#*=} is invalid" "$(dmesg | tail -n 5)"
done

log "traffic and namespace churn in the background"
# Until the rounds end (killed there): a FORWARD-only round has no other
# traffic, and on a slow kernel (the RT debug one) the rounds before it
# outlasted a 120-second spray.
na python3 "$NF_TOOLS/traffic.py" udp-spray 10.2.0.2 44000 16 50001 64 3600 >"$NF_TMP/spray4.out" &
spray4=$!
na python3 "$NF_TOOLS/traffic.py" udp-spray fd02::2 44100 16 50002 64 3600 >"$NF_TMP/spray6.out" &
spray6=$!
defer kill -TERM $spray4 $spray6
churn() {
	local i=0
	while [ ! -e "$NF_TMP/stop-churn" ]; do
		ip netns add churn$i && ip -n churn$i link set lo up && ip netns exec churn$i busybox ping -q -c 1 -W 1 127.0.0.1 >/dev/null
		ip netns del churn$i
		i=$((i + 1))
	done
	echo "$i" >"$NF_TMP/churned"
}
churn &
churner=$!
defer touch "$NF_TMP/stop-churn"

round=0
for set in "31 10 1" "9 5 0" "4 10 1" "1 10 0" "16 5 1" "2 10 0"; do
	read -r hooks proto targets <<<"$set"
	round=$((round + 1))
	log "round $round: hooks=$hooks protocol=$proto targets=$targets"
	load_module ipt_NETFLOW destination=127.0.0.1:2055 hooks="$hooks" protocol="$proto" targets="$targets" \
		inactive_timeout=60
	wait_for "[ \"\$(nf_snmp inPackets)\" -gt 0 ]" 20
	# Loopback pings pass PREROUTING, INPUT, OUTPUT and POSTROUTING (not
	# FORWARD): request and reply, 2 of each, at each of those hooks chosen.
	local_hooks=$(( (hooks & 1) + (hooks >> 1 & 1) + (hooks >> 3 & 1) + (hooks >> 4 & 1) ))
	v6=$((4 * local_hooks))
	[ "$proto" = 5 ] && v6=0	# the IPv6 hooks meter nothing under v5
	assert_eq "round $round: pings in a namespace made after the load, metered (IPv4 IPv6)" \
		"$((4 * local_hooks)) $v6" "$(late_pings)"
	log "round $round: metered $(nf_snmp inPackets) packets, $(nf_snmp hashFlows) flows cached"
	unload_module ipt_NETFLOW
done

touch "$NF_TMP/stop-churn"
wait "$churner"
kill -TERM $spray4 $spray6 2>/dev/null || true
wait $spray4 $spray6 || true
log "namespaces churned: $(cat "$NF_TMP/churned"); $(cat "$NF_TMP/spray4.out") (IPv4), $(cat "$NF_TMP/spray6.out") (IPv6)"
no_iptables_rules nsa nsb
