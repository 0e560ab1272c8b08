#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# 30-burst: 1,000,000 flows expire at once (flush=1) toward nfcapd on
# 127.0.0.1:2055 with a 64 MiB receive buffer (net.core.rmem_max raised):
# records nfcapd stored vs flows, the module's lost-flow counter, the UDP
# receive drops of the collector's socket, and how long the export took.
# NetFlow v5, module defaults but hashsize=1000000 and day-long timeouts.
#
#   nsr: pktgen 1,000,000 new flows -> FORWARD -j NETFLOW -> d0
#   module --v5--> nfcapd -B 67108864 (init netns, lo)
# Results: burst.VARIANT.{flows,exported,lost,records,drops,seconds}.
# vm-timeout: 3600

source "${VM_LIB:-$(dirname "$0")/../../vm/lib.sh}"
source "$(dirname "${BASH_SOURCE[0]}")/bench-lib.sh"

FLOWS=${vm_bench_flows:-1000000}
HASHSIZE=${vm_bench_hashsize:-1000000}
VARIANTS=(ours best)
[ -n "${vm_bench_burst_variants:-}" ] && read -r -a VARIANTS <<<"${vm_bench_burst_variants//,/ }"

bench_router
for v in "${VARIANTS[@]}"; do
	collector_up 67108864
	nf_load_variant "$v" destination=127.0.0.1:2055 hashsize="$HASHSIZE" maxflows=2000000 \
		active_timeout=86400 inactive_timeout=86400
	nr iptables-legacy -A FORWARD -j NETFLOW
	pg_config "$FLOWS" seq1m
	progress "burst: $v: creating $FLOWS flows..."
	pg_run >/dev/null
	nr iptables-legacy -F FORWARD
	flows=$(nf_active)
	progress "burst: $v: $flows flows cached; flush=1"
	t0=${EPOCHREALTIME/./}
	sysctl -qw net.netflow.flush=1
	last=$SECONDS start=$SECONDS
	until [ "$(nf_active)" = 0 ] && [ "$(nf_pending)" = 0 ]; do
		if ((SECONDS - last >= 10)); then
			progress "burst: $v: $(nf_active) flows cached, $(nf_export_flows) exported"
			last=$SECONDS start=$SECONDS
		fi
		((SECONDS - start < 1800)) || fail "$v: export not finished after 1800 s"
		sleep 0.2
	done
	secs=$(awk -v a="$t0" -v b="${EPOCHREALTIME/./}" 'BEGIN { printf "%.1f", (b - a) / 1e6 }')
	sleep 2 # the last datagrams through loopback into nfcapd's buffer
	drops=$(collector_drops)
	exported=$(nf_export_flows) lost=$(nf_lost_flows) errors=$(nf_export_errors)
	log "$v: $(grep -E '^(Export|sock)' /proc/net/stat/ipt_netflow | tr '\n' ' ')"
	collector_down
	records=$(collector_count)
	result "burst.$v.flows" "$flows"
	result "burst.$v.exported" "$exported"
	result "burst.$v.lost" "$lost"
	result "burst.$v.errors" "$errors"
	result "burst.$v.records" "$records"
	result "burst.$v.drops" "${drops:-?}"
	result "burst.$v.seconds" "$secs"
	progress "burst: $v: $flows flows -> $exported exported, $lost lost, $records records at nfcapd, socket drops ${drops:-?}, ${secs} s"
	nf_unload_variant
done
