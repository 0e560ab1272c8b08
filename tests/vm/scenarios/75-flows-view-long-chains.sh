#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# 75-flows-view-long-chains: /proc/net/stat/ipt_netflow_flows shows every
# cached flow, once, line numbers without a gap (lines used to be cut at
# 64 KiB per bucket, silently, numbers skipping).  100,000 flows arrive on
# one CPU of a table loaded with 256 buckets (128 per CPU): its chains grow
# long (~800 flows, ~90 KB of text) until the exporter grows the table, so
# the view is read once the size settled.  (A chain longer than the
# reader's buffer, shown a chunk at a time, is the unit tests' case:
# StatsTest.FlowsViewShowsALongBucketWhole.)
#
#   nsa 10.1.0.2 --va0|va-- [ root: FORWARD -j NETFLOW, hashsize 256 ] --vb|vb0-- nsb (drops UDP)
#     flood.py (CPU 0): 2 source ports x 50,000 destination ports
# vm-timeout: 240

source "${VM_LIB:-$(dirname "$0")/../lib.sh}"
source "$(dirname "${BASH_SOURCE[0]}")/../netflow.sh"

FLOWS=100000
nf_router
nb "$(helper_ipt iptables)" -I INPUT -p udp -j DROP
nf_load protocol=10 destination=127.0.0.1:2055 inactive_timeout=600 active_timeout=1800 hashsize=256 maxflows=0
iptables -A FORWARD -s 10.1.0.2 -p udp -j NETFLOW
for sp in 1 2; do
	na taskset -c 0 python3 "$NF_TOOLS/flood.py" 10.2.0.2 $((1000 + sp)) 10000 $((FLOWS / 2)) 18 >/dev/null
done
assert_eq "flows cached" $FLOWS "$(nf_snmp hashFlows)"
log "hash size: $(nf_hash_settled)"
cat /proc/net/stat/ipt_netflow_flows >"$NF_TMP/flows.txt"
longest=$(awk 'NR > 1 { n[$2]++ } END { for (b in n) if (n[b] > m) m = n[b]; print m + 0 }' "$NF_TMP/flows.txt")
log "longest chain: $longest flows, $(wc -c <"$NF_TMP/flows.txt") bytes in all"
assert_eq "lines (header excluded)" $FLOWS "$(($(wc -l <"$NF_TMP/flows.txt") - 1))"
assert_eq "line numbers without a gap" "" "$(awk 'NR > 1 && $1 != NR - 2 { print NR ": " $0; exit }' "$NF_TMP/flows.txt")"
assert_eq "distinct flows listed" $FLOWS "$(awk 'NR > 1 { print $6, $7 }' "$NF_TMP/flows.txt" | sort -u | wc -l)"
iptables -F FORWARD
unload_module ipt_NETFLOW
