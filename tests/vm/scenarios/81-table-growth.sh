#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# vm-lane: b
# vm-smoke
#
# 81-table-growth: a CPU's flow table follows its own load.  A million flows
# arrive on CPU 0 of a router loaded with hashsize=1024 (512 chains a CPU,
# ~2,000 flows a chain if the table stayed): CPU 0's table grows, by
# incremental resizes the exporter drives while the flood goes on, to
# between one and two flows a chain; CPU 1's stays at its share.  Nothing is
# lost or doubled on the way: the same million datagrams again are a
# million hits on CPU 0 and no new flow, a hit walks short chains (hash
# metric under 2.1), the collector gets each flow once with its two packets,
# and once the flows left the table shrinks back to its share.  The memory
# per cached flow stays at most 96 bytes, chains included.
#
#   nsa 10.1.0.2 --va0|va-- [ root: FORWARD -s 10.1.0.2 -j NETFLOW, hashsize 1024 ] --vb|vb0-- nsb (drops UDP)
#     flood.py on CPU 0: 20 source ports x 50,000          |
#     destination ports, 18-byte payloads, twice           +--> nfcapd c1 127.0.0.1:2055 (IPFIX)
# vm-timeout: 900

source "${VM_LIB:-$(dirname "$0")/../lib.sh}"
source "$(dirname "${BASH_SOURCE[0]}")/../netflow.sh"

SPORTS=20 PER=50000
FLOWS=$((SPORTS * PER))
PKT=$((20 + 8 + 18))	# bytes of one datagram at layer 3

# cpu_lookups CPU: "searched found new" of that CPU's /proc line.
cpu_lookups() { awk -v c="cpu$1" '$1 == c { print $3, $4, $5 }' /proc/net/stat/ipt_netflow; }
flood_round() {
	local sp
	for ((sp = 1; sp <= SPORTS; sp++)); do
		na taskset -c 0 python3 "$NF_TOOLS/flood.py" 10.2.0.2 $((1000 + sp)) 10000 $PER 18 >/dev/null
	done
}
nf_router
nb "$(helper_ipt iptables)" -I INPUT -p udp -j DROP
# The flush sends ~35,000 IPFIX datagrams at the export pace: nfcapd gets
# the 8 MiB it asks for (rmem_max is ~200 KB by default), so a slow TCG
# host cannot make the collector drop what the module sent.
defer sysctl -qw net.core.rmem_max="$(sysctl -n net.core.rmem_max)"
sysctl -qw net.core.rmem_max=8388608
collector_start c1 2055
nf_load protocol=10 destination=127.0.0.1:2055 hashsize=1024 maxflows=0 inactive_timeout=600 active_timeout=1800
iptables -A FORWARD -s 10.1.0.2 -p udp -j NETFLOW
assert_eq "hash size at load" 1024 "$(nf_hash_size)"

log "1) $FLOWS new flows on CPU 0"
flood_round
assert_eq "flows cached" $FLOWS "$(nf_snmp hashFlows)"
size=$(nf_hash_settled)
# CPU 1 keeps its 512; CPU 0 ends with 1 to 2 flows a chain.
assert_between "chains after the flood" $((512 + FLOWS / 2)) $((512 + FLOWS)) "$size"
mem_k=$(nf_flows_mem_k)
log "memory: ${mem_k}K for $FLOWS flows: $((mem_k * 1024 / FLOWS)) bytes a flow"
assert_between "bytes a flow, chains included" 1 96 $((mem_k * 1024 / FLOWS))

log "2) the same datagrams again: all hits on CPU 0"
read -r s0 f0 n0 <<<"$(cpu_lookups 0)"
flood_round
read -r s1 f1 n1 <<<"$(cpu_lookups 0)"
assert_eq "hits, new flows on CPU 0" "$FLOWS 0" "$((f1 - f0)) $((n1 - n0))"
assert_eq "flows cached" $FLOWS "$(nf_snmp hashFlows)"
metric=$(((s1 - s0 + FLOWS) * 100 / FLOWS))
log "second round: $((s1 - s0)) flows passed on the way to $FLOWS hits: metric ${metric}/100"
assert_between "hash metric of the second round (hundredths)" 100 210 $metric
assert_eq "rule counter" $((2 * FLOWS)) "$(ipt_counter iptables FORWARD 1 | cut -d' ' -f1)"

log "3) flush: every flow once at the collector, and the table back to its share"
rcvbuf0=$(awk '/^Udp:/ && $2 ~ /^[0-9]/ { print $6 }' /proc/net/snmp)
sysctl -qw net.netflow.flush=1
nf_wait_exported 300
assert_eq "lost" "0 0" "$(sed -n 's/.*Traffic lost \([0-9]*\) pkts, [0-9]* Kbytes, \([0-9]*\) flows.*/\1 \2/p' /proc/net/stat/ipt_netflow)"
sleep 2	# the last datagrams through loopback into nfcapd
collector_stop c1
log "UDP receive-buffer drops during the flush: $(($(awk '/^Udp:/ && $2 ~ /^[0-9]/ { print $6 }' /proc/net/snmp) - rcvbuf0))"
stat=$(nfdump -R "$NF_TMP/c1" -I)
assert_eq "collector flows packets bytes" "$FLOWS $((2 * FLOWS)) $((2 * FLOWS * PKT))" \
	"$(awk '$1 == "Flows:" { f = $2 } $1 == "Packets:" { p = $2 } $1 == "Bytes:" { b = $2 } END { print f, p, b }' <<<"$stat")"
assert_eq "records without exactly 2 packets" 0 \
	"$(nfdump -R "$NF_TMP/c1" -q -N -o 'fmt:%pkt' 'packets < 2 or packets > 2' | grep -vc '^No matching flows$')"
wait_for '[ "$(nf_hash_size)" = 1024 ]' 30
assert_eq "hash size after the flows left" 1024 "$(nf_hash_size)"
iptables -D FORWARD -s 10.1.0.2 -p udp -j NETFLOW
unload_module ipt_NETFLOW
