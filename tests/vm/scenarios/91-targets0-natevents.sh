#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# vm-smoke
#
# 91-targets0-natevents: NAT event logging alone.  targets=0 natevents=1
# registers no NETFLOW target and no hook: an nft masquerade on the root
# namespace gives NEL records (IPFIX, nfcapd) for each translated UDP
# "connection", created and destroyed, without any -j NETFLOW; nothing is
# metered; `iptables -j NETFLOW` is refused by every backend and family.
#
#   nsa 10.1.0.2 --va0|va-- [ root: nft masquerade -o vb ] --vb|vb0-- nsb 10.2.0.2
#                           ipt_NETFLOW targets=0 natevents=1 --> nfcapd 127.0.0.1:2055
#
# Sent: 3 UDP datagrams from nsa source ports 43001..43003 to 10.2.0.2:50001;
# conntrack -D of each.  Expected: 3 create + 3 destroy NEL records, the
# post-NAT source 10.2.0.1 with the same port (masquerade keeps a free one).
# nfevents_limit=2: the events leave two per exporter run, none lost.
# vm-timeout: 300

source "${VM_LIB:-$(dirname "$0")/../lib.sh}"
source "$(dirname "${BASH_SOURCE[0]}")/../netflow.sh"

PARAMS=/sys/module/ipt_NETFLOW/parameters
nf_router nft
nft -f - <<'NFT'
table ip nat {
	chain post {
		type nat hook postrouting priority srcnat; policy accept;
		oifname "vb" masquerade
	}
}
NFT
defer nft delete table ip nat
nat_ct_sysctl nf_conntrack_udp_timeout 600
nat_ct_sysctl nf_conntrack_udp_timeout_stream 600
no_iptables_rules nsa nsb

collector_start c1 2055
nf_load destination=127.0.0.1:2055 protocol=10 natevents=1 targets=0 inactive_timeout=2 nfevents_limit=2
assert_eq "/proc Natevents" enabled "$(nat_state)"
assert_eq "/proc Hooks line" "Hooks: 0; target NETFLOW not registered (targets=0)." "$(nf_hooks_line)"

log "iptables -j NETFLOW is refused: no target registered"
for cmd in $(for b in $(ipt_backends); do echo iptables-$b ip6tables-$b; done); do
	if $cmd -w -A FORWARD -j NETFLOW 2>"$NF_TMP/$cmd.err"; then
		$cmd -w -D FORWARD -j NETFLOW || true
		fail "$cmd -A FORWARD -j NETFLOW was accepted with targets=0"
	fi
	log "$cmd: $(head -n 1 "$NF_TMP/$cmd.err")"
done
no_iptables_rules nsa nsb

conns="17 10.1.0.2 43001 10.2.0.2 50001 10.2.0.1 43001 10.2.0.2 50001
17 10.1.0.2 43002 10.2.0.2 50001 10.2.0.1 43002 10.2.0.2 50001
17 10.1.0.2 43003 10.2.0.2 50001 10.2.0.1 43003 10.2.0.2 50001"
nat_connect nsa udp:10.2.0.2:50001:43001 udp:10.2.0.2:50001:43002 udp:10.2.0.2:50001:43003
wait_for "[ \"\$(nat_counters)\" = '3 0' ]" 30
for sp in 43001 43002 43003; do
	out=$(conntrack -D -p udp --orig-src 10.1.0.2 --orig-dst 10.2.0.2 --sport $sp --dport 50001 2>&1 >/dev/null)
	assert_match "conntrack -D udp $sp" "1 flow entries have been deleted" "$out"
done
wait_for "[ \"\$(nat_counters)\" = '3 3' ]" 30
sleep 2.5	# a partly filled datagram waits at most 1 s
collector_stop c1
python3 "$NF_TOOLS/nfcheck.py" nel "$NF_TMP/c1" >"$NF_TMP/c1.nel"
cat "$NF_TMP/c1.nel"
assert_eq "NEL records (nfdump): a create and a destroy per connection" \
	"$(while read -r l; do echo "1 $l"; echo "2 $l"; done <<<"$conns" | sort)" \
	"$(cut -d' ' -f1-10 "$NF_TMP/c1.nel" | sort)"
assert_eq "nothing metered" "0 0" "$(nf_snmp inPackets) $(nf_snmp hashFlows)"
assert_match "no NAT event lost" "Traffic lost 0 pkts, 0 Kbytes, 0 flows\." "$(grep '^Export:' /proc/net/stat/ipt_netflow)"
unload_module ipt_NETFLOW
no_iptables_rules nsa nsb
