#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# 63-collector-unreachable: export when the collector cannot be reached, and
# when the export socket is full.  Every datagram is either sent or counted
# as an error, every flow either exported or lost (sent + lost = flows), the
# per-socket counters say why, and export recovers by itself.  (A collector
# port nobody listens on, cberr, is 22-v5-destinations'.)
#
#   nsa 10.1.0.2 --va0|va-- [ root: FORWARD -i va -p udp -j NETFLOW ] --vb|vb0-- nsb 10.2.0.2
#     flood.py: N flows = N destination   |                            (drops all UDP)
#     ports of 10.2.0.2, one datagram each |  vc 10.254.0.1/24
#                                          +--veth--> vc0 10.254.0.2  nsc: nfcapd c1 :2055
#                                              tc tbf 1mbit on vc (phase E)
#
# Flows stay cached (timeouts 600 s); each phase ends with flush=1, which
# exports synchronously.  Destination 10.254.0.2:2055, v5 (30 records per
# datagram).  Destination ports by phase: A 1000+, B 2000+, ... F 6000+.
#
#   A  `ip route add unreachable 10.254.0.2` before the load: connect fails at
#      load and on each datagram (unconnected, attempts); 50 flows all lost
#   B  the route deleted: the next datagram connects; 40 flows exported
#   C  the route unreachable again under a connected socket: sends fail
#      (other errors); 30 flows lost
#   D  the route deleted: 20 flows exported, no new error
#   E  sndbuf=1 (the kernel minimum) and a 1 Mbit/s tbf qdisc on vc holding
#      the datagrams: 1500 flows (50 datagrams) flushed at once; the socket
#      fills ("sndbuf reached"), what it refused is lost, what it took
#      reaches the collector (tbf drops none)
#   F  sndbuf 1 MiB again: 600 flows, all exported
#   The collector's records per phase = the module's per-phase exports.
# vm-timeout: 300

source "${VM_LIB:-$(dirname "$0")/../lib.sh}"
source "$(dirname "${BASH_SOURCE[0]}")/../netflow.sh"
NF_TMP=${TMPDIR:-/tmp}/nf
mkdir -p "$NF_TMP"

nf_router
nb "$(helper_ipt iptables)" -A INPUT -p udp -j DROP
netns_add nsc
ip link add vc type veth peer name vc0 netns nsc
defer ip link del vc
ip addr add 10.254.0.1/24 dev vc
ip link set vc up
ip -n nsc addr add 10.254.0.2/24 dev vc0
ip -n nsc link set vc0 up
ip -n nsc route add default via 10.254.0.1
busybox ping -q -c 1 -W 5 10.254.0.2 >/dev/null
collector_start_ns nsc c1 10.254.0.2 2055

# flows N DPORT0: N one-datagram flows through the router, all metered.
flows() {
	local before
	before=$(nf_snmp inFlows)
	ip netns exec nsa python3 "$NF_TOOLS/flood.py" 10.2.0.2 999 "$2" "$1" 32 >/dev/null
	wait_for "[ \$((\$(nf_snmp inFlows) - $before)) -ge $1 ]" 20
	assert_eq "new flows" "$1" $(($(nf_snmp inFlows) - before))
}

# snapshot: the export figures, one word each (for deltas).
snapshot() {
	echo "$(nf_snmp outFlows) $(nf_snmp lostFlows) $(nf_snmp outPackets) $(nf_export_errors)" \
		"$(nf_sock_snmp 0 connect) $(nf_sock_snmp 0 full) $(nf_sock_snmp 0 other) $(nf_sock_snmp 0 cberr)"
}

# phase NAME N DPORT0: N flows, flush; sets d_out d_lost d_dg d_err d_conn
# d_full d_other d_cberr (the changes) and checks what always holds.
phase() {
	local a b
	read -r -a a <<<"$(snapshot)"
	flows "$2" "$3"
	sysctl -qw net.netflow.flush=1
	assert_eq "$1: flows cached after flush" 0 "$(nf_snmp hashFlows)"
	read -r -a b <<<"$(snapshot)"
	d_out=$((b[0] - a[0])) d_lost=$((b[1] - a[1])) d_dg=$((b[2] - a[2])) d_err=$((b[3] - a[3]))
	d_conn=$((b[4] - a[4])) d_full=$((b[5] - a[5])) d_other=$((b[6] - a[6])) d_cberr=$((b[7] - a[7]))
	log "$1: exported $d_out lost $d_lost flows; datagrams sent $d_dg, failed $d_err;" \
		"socket: connect $d_conn, full $d_full, other $d_other, cberr $d_cberr"
	log "$1: $(nf_sock_line 0)"
	assert_eq "$1: exported + lost = flows" "$2" $((d_out + d_lost))
	assert_eq "$1: datagram failures = the socket's refusals" "$d_err" $((d_conn + d_full + d_other))
	# v5: 30 records a datagram, every datagram full but the last of a flush
	assert_eq "$1: datagrams" $(((${2} + 29) / 30)) $((d_dg + d_err))
	assert_eq "$1: ICMP errors" 0 "$d_cberr"
}

ip route add unreachable 10.254.0.2/32
defer ip route del unreachable 10.254.0.2/32
nf_load destination=10.254.0.2:2055 inactive_timeout=600 active_timeout=600
iptables -A FORWARD -i va -p udp -j NETFLOW
defer iptables -D FORWARD -i va -p udp -j NETFLOW

log "A) unreachable from the start"
assert_eq "sock0 at load" "sock0: 10.254.0.2:2055 unconnected (1 attempts)." "$(nf_sock_line 0)"
assert_eq "failed connects at load" 1 "$(nf_sock_snmp 0 connect)"
phase A 50 1000
assert_eq "A: lost" "50 0" "$d_lost $d_out"
assert_eq "A: every datagram a failed connect" "2 2 0 0" "$d_err $d_conn $d_full $d_other"
assert_eq "A: sock0" "sock0: 10.254.0.2:2055 unconnected (3 attempts)." "$(nf_sock_line 0)"
assert_eq "A: lostPackets" 50 "$(nf_snmp lostPackets)"
assert_eq "A: lostBytes" $((50 * 60)) "$(nf_snmp lostBytes)"

log "B) the route comes back: connected on the next datagram"
ip route del unreachable 10.254.0.2/32
phase B 40 2000
assert_eq "B: exported" "40 0 2" "$d_out $d_err $d_dg"
assert_match "B: sock0 connected" "^sock0: 10\.254\.0\.2:2055, sndbuf [0-9]+, .* sent 2 pkts, " "$(nf_sock_line 0)"

log "C) unreachable under a connected socket"
ip route add unreachable 10.254.0.2/32
phase C 30 3000
assert_eq "C: lost" "30 0" "$d_lost $d_out"
assert_eq "C: send errors" "1 0 0 1" "$d_err $d_conn $d_full $d_other"
assert_match "C: the reason in the kernel log" "export to sock0 failed \(-(113|101)\)" "$(dmesg | tail -n 20)"

log "D) reachable again"
ip route del unreachable 10.254.0.2/32
phase D 20 4000
assert_eq "D: exported" "20 0 1" "$d_out $d_err $d_dg"

log "E) the smallest sndbuf behind a slow link"
tc qdisc add dev vc root tbf rate 1mbit burst 4000 limit 400000
defer tc qdisc del dev vc root
sysctl -qw net.netflow.sndbuf=1
sndbuf=$(nf_sock_snmp 0 sndbuf)
assert_between "E: sndbuf (SOCK_MIN_SNDBUF)" 2048 8192 "$sndbuf"
assert_eq "E: sysctl sndbuf" "$sndbuf" "$(sysctl -n net.netflow.sndbuf)"
phase E 1500 5000
e_out=$d_out
assert_between "E: datagrams refused by the full socket" 1 49 "$d_full"
assert_eq "E: no other error" "0 0" "$d_conn $d_other"
assert_eq "E: lost = 30 per refused datagram" $((d_full * 30)) "$d_lost"
peak=$(nf_sock_snmp 0 peak)
log "E: socket peak $peak bytes, sndbuf $sndbuf; $(tc -s qdisc show dev vc | grep -m 1 -o 'dropped [0-9]*')"
assert_between "E: socket peak (one datagram over sndbuf at most)" 1 $((sndbuf + 4096)) "$peak"
wait_for "tc -s qdisc show dev vc | grep -q 'backlog 0b 0p'" 30
assert_eq "E: tbf drops" "dropped 0" "$(tc -s qdisc show dev vc | grep -m 1 -o 'dropped [0-9]*')"

log "F) sndbuf 1 MiB: everything goes"
sysctl -qw net.netflow.sndbuf=1048576
assert_between "F: sndbuf" 1048576 2097152 "$(nf_sock_snmp 0 sndbuf)"
phase F 600 7000
assert_eq "F: exported" "600 0 20" "$d_out $d_err $d_dg"
wait_for "tc -s qdisc show dev vc | grep -q 'backlog 0b 0p'" 60
assert_eq "F: tbf drops" "dropped 0" "$(tc -s qdisc show dev vc | grep -m 1 -o 'dropped [0-9]*')"

log "totals"
assert_eq "outFlows + lostFlows = inFlows" "$(nf_snmp inFlows)" $(($(nf_snmp outFlows) + $(nf_snmp lostFlows)))
assert_eq "inPackets = the rule's packets" "$(ipt_counter iptables FORWARD 1 | cut -d' ' -f1)" "$(nf_snmp inPackets)"
assert_eq "sock0 sent = outPackets" "$(nf_snmp outPackets)" "$(nf_sock 0 pkts)"
total_out=$(nf_snmp outFlows)
sleep 0.5
collector_stop c1
collector_records c1 >"$NF_TMP/c1.txt"
log "collector: $(wc -l <"$NF_TMP/c1.txt") records"
assert_eq "records at the collector = outFlows" "$total_out" $(($(wc -l <"$NF_TMP/c1.txt")))
# per phase: by destination port (field 5); phase E's 1500 flows use ports
# 5000-6499, the others a thousand each (A 1000, ..., F 7000)
per=$(awk '{ k = int($5 / 1000); if (k == 6) k = 5; if (k == 7) k = 6; n[k]++ }
	END { for (k = 1; k <= 6; k++) printf "%d ", n[k] + 0 }' "$NF_TMP/c1.txt")
assert_eq "records per phase A..F" "0 40 0 20 $e_out 600 " "$per"

iptables -D FORWARD -i va -p udp -j NETFLOW
unload_module ipt_NETFLOW
