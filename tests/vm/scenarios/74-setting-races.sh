#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# 74-setting-races: settings written while something else changes the same
# state, in loops (issue 20 items 4, 5, 6, 9).
#
# 1. module parameters written in a loop while the module is loaded and
#    unloaded LOOPS times: a write racing the unload must wait for it or
#    find the core gone, never reach freed memory.
# 2. net.netflow.protocol 5 <-> 10 against `ip6tables -A ... -j NETFLOW` /
#    `-D` in a loop: never protocol 5 with an IPv6 rule in place.
# 3. natevents 1/0 from two writers while conntrack events stream in (a
#    UDP flood through a NAT rule): each stop returns (bounded drain), the
#    listener and the setting agree, the log stays clean.
#
#   nsa 10.1.0.2 --va0|va-- [ root: MASQUERADE, FORWARD -j NETFLOW ] --vb|vb0-- nsb 10.2.0.2
# vm-timeout: 300

source "${VM_LIB:-$(dirname "$0")/../lib.sh}"
source "$(dirname "${BASH_SOURCE[0]}")/../netflow.sh"

LOOPS=${LOOPS:-40}
PARAMS=/sys/module/ipt_NETFLOW/parameters

log "1) parameters written during $LOOPS loads and unloads"
param_writer() {
	local i=0
	while [ ! -e "$NF_TMP/stop" ]; do
		i=$((i + 1))
		[ -d "$PARAMS" ] || { sleep 0.01; continue; }
		for p in inactive_timeout active_timeout maxflows engine_id debug scan_min refresh_rate timeout_rate exportcpu; do
			{ echo $((i % 3 + 1)) >"$PARAMS/$p"; } 2>/dev/null || true
		done
	done
}
param_writer &
pw1=$!
param_writer &
pw2=$!
for i in $(seq "$LOOPS"); do
	modprobe ipt_NETFLOW destination=127.0.0.1:2055 || fail "load $i failed"
	rmmod ipt_NETFLOW || fail "unload $i failed"
done
touch "$NF_TMP/stop"
wait "$pw1" "$pw2"
rm -f "$NF_TMP/stop"

log "2) protocol 5/10 against ip6tables rules"
nf_load protocol=10 destination=127.0.0.1:2055
proto_writer() { local i; for i in $(seq 60); do sysctl -qw net.netflow.protocol=$((i % 2 ? 5 : 10)) 2>/dev/null || true; done; }
rule_writer() {
	local i
	for i in $(seq 60); do
		ip6tables -A OUTPUT -o lo -j NETFLOW 2>/dev/null && ip6tables -D OUTPUT -o lo -j NETFLOW
		ip6tables -A OUTPUT -o lo -j NETFLOW 2>/dev/null || true
		if [ "$(sysctl -n net.netflow.protocol)" = 5 ] && ip6tables -C OUTPUT -o lo -j NETFLOW 2>/dev/null; then
			echo "protocol 5 with an IPv6 rule (round $i)" >"$NF_TMP/bad"
		fi
		ip6tables -D OUTPUT -o lo -j NETFLOW 2>/dev/null || true
	done
}
proto_writer &
w1=$!
rule_writer &
w2=$!
wait "$w1" "$w2"
[ ! -e "$NF_TMP/bad" ] || fail "$(cat "$NF_TMP/bad")"
ip6tables -F OUTPUT

log "3) natevents writers during a conntrack event storm"
nf_router
modprobe nf_conntrack_netlink
masquerade_out vb
iptables -A FORWARD -j NETFLOW
sysctl -qw net.netfilter.nf_conntrack_udp_timeout=1	# NEW and DESTROY events all along
listeners_before=$(nat_nl_sockets)
# not through na(): $! must be the sender itself
ip netns exec nsa python3 "$NF_TOOLS/flood.py" 10.2.0.2 999 40000 5000 8 0 >/dev/null &
flood=$!
nat_writer() {
	local i t0
	for i in $(seq 15); do
		t0=$(now_ms)
		nf_sysctl_write natevents "$1" >/dev/null
		# (20 s; a debug kernel's steps take VM_WAIT_SCALE times longer)
		[ $(($(now_ms) - t0)) -lt $((20000 * VM_WAIT_SCALE)) ] ||
			echo "natevents=$1 took $(($(now_ms) - t0)) ms" >"$NF_TMP/slow"
	done
}
nat_writer 1 &
w1=$!
nat_writer 0 &
w2=$!
wait "$w1" "$w2"
kill -KILL $flood
wait $flood || true
[ ! -e "$NF_TMP/slow" ] || fail "$(cat "$NF_TMP/slow")"
on=$(sysctl -n net.netflow.natevents)
assert_eq "listeners match natevents=$on" $((listeners_before + on)) "$(nat_nl_sockets)"
log "$(grep ^Natevents /proc/net/stat/ipt_netflow)"
assert_eq "natevents off" OK "$(nf_sysctl_write natevents 0)"
assert_eq "listeners after natevents=0" "$listeners_before" "$(nat_nl_sockets)"
iptables -F FORWARD	# the NAT rule goes at exit (masquerade_out)
unload_module ipt_NETFLOW
