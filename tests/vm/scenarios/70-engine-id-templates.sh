#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# 70-engine-id-templates: engine_id is the IPFIX observation domain (the v9
# source id), and collectors keep templates per domain.  After
# `echo 7 > .../parameters/engine_id` the first message of the new domain
# must carry every template its records need, or nfcapd and tshark decode
# nothing of it until the next template refresh (refresh-rate 20 messages,
# timeout-rate 30 minutes: not within this test).
#
#   nsa 10.1.0.2 --va0|va-- [ root: FORWARD -j NETFLOW ] --vb|vb0-- nsb 10.2.0.2
#     4 UDP flows, engine_id 0 -> 7, 4 more    |
#                                              +--> nfcapd 127.0.0.1:2055, tshark on lo
#
# Once with protocol 10 (IPFIX), once with 9.
# vm-timeout: 300

source "${VM_LIB:-$(dirname "$0")/../lib.sh}"
source "$(dirname "${BASH_SOURCE[0]}")/../netflow.sh"

nf_router
for proto in 10 9; do
	log "======== protocol $proto"
	rm -rf "${NF_TMP:?}"/*
	collector_start nf$proto 2055
	capture_start cap$proto "udp port 2055"
	nf_load protocol=$proto destination=127.0.0.1:2055 inactive_timeout=1
	iptables -A FORWARD -s 10.1.0.2 -p udp -j NETFLOW
	na python3 "$NF_TOOLS/burst.py" 10.2.0.2 40000 50000 4 >/dev/null
	nf_wait_exported 20
	echo 7 >/sys/module/ipt_NETFLOW/parameters/engine_id
	na python3 "$NF_TOOLS/burst.py" 10.2.0.2 40100 50100 4 >/dev/null
	nf_wait_exported 20
	read -r pkts bytes <<<"$(ipt_counter iptables FORWARD 1)"
	out_flows=$(nf_snmp outFlows)
	assert_eq "v$proto: flows exported, lost" "8 0" "$out_flows $(nf_snmp lostFlows)"
	sleep 1
	capture_stop cap$proto
	collector_stop nf$proto
	iptables -F FORWARD
	unload_module ipt_NETFLOW
	collector_records nf$proto >"$NF_TMP/nfdump.txt"
	capture_records cap$proto >"$NF_TMP/tshark.txt"
	cp "$NF_TMP"/*.txt "$NF_TMP/cap$proto.pcap" "$VM_ARTIFACTS/" 2>/dev/null || true
	for c in nfdump tshark; do
		assert_eq "v$proto: $c: records, packets, bytes after the engine_id change" "4 14 $((14 * 28 + 100 * (2 + 6 + 12 + 20)))" \
			"$(awk '$3 > 40100 { n++; p += $6; b += $7 } END { print n + 0, p + 0, b + 0 }' "$NF_TMP/$c.txt")"
		assert_eq "v$proto: $c: all records = iptables" "8 $pkts $bytes" \
			"$(awk '{ n++; p += $6; b += $7 } END { print n + 0, p + 0, b + 0 }' "$NF_TMP/$c.txt")"
	done
done
