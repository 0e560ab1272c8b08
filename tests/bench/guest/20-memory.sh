#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# 20-memory: bytes per flow with 1,000,000 flows cached, IPv4 then IPv6, for
# ours (and its run.sh --base build) and the original (both builds): the flow
# objects (their slab cache in /proc/slabinfo: objsize x active objects, less
# what was there before) plus the hash table (/proc/net/stat/ipt_netflow
# "Hash: size N (mem MK)"), divided by the flows cached.  Both modules get hashsize=1000000 (one bucket
# per flow) and day-long timeouts so that every flow stays.  Boot with
# slab_nomerge so that each cache has its own slabinfo line.
#
#   nsr: pktgen 1,000,000 packets, each a new flow (seq1m / seq1m6)
#        -> FORWARD -j NETFLOW (iptables-legacy / ip6tables-legacy) -> d0
# Results: mem.VARIANT.FAMILY.{flows,obj,hash,total,slabpages} (bytes per flow).
# vm-timeout: 3600

source "${VM_LIB:-$(dirname "$0")/../../vm/lib.sh}"
source "$(dirname "${BASH_SOURCE[0]}")/bench-lib.sh"

FLOWS=${vm_bench_flows:-1000000}
HASHSIZE=${vm_bench_hashsize:-1000000}
VARIANTS=(ours best dkms)
[ -n "${vm_bench_mem_variants:-}" ] && read -r -a VARIANTS <<<"${vm_bench_mem_variants//,/ }"
grep -qw slab_nomerge /proc/cmdline || fail "boot with slab_nomerge (tests/bench/run.sh does)"

bench_router
result mem.hashsize "$HASHSIZE"
for v in "${VARIANTS[@]}"; do
	for fam in 4 6; do
		cache=ipt_netflow
		[[ $v == ours* || $v == base ]] && [ $fam = 6 ] && cache=ipt_netflow6
		ipt=iptables-legacy mix=seq1m proto=5
		# IPv6 flows need NetFlow v9 or IPFIX (ours refuses v5 with ip6tables rules)
		[ $fam = 6 ] && ipt=ip6tables-legacy mix=seq1m6 proto=10
		# no collector: nothing is exported until the unload
		nf_load_variant "$v" protocol=$proto destination=127.0.0.1:2056 hashsize="$HASHSIZE" maxflows=2000000 \
			active_timeout=86400 inactive_timeout=86400
		read -r a0 _ _ _ <<<"$(slab_line $cache)"
		nr $ipt -A FORWARD -j NETFLOW
		pg_config "$FLOWS" "$mix"
		progress "memory: $v IPv$fam: $FLOWS flows..."
		pg_run >/dev/null
		nr $ipt -F FORWARD
		flows=$(nf_active)
		read -r a1 objsize slabs pps <<<"$(slab_line $cache)"
		hkb=$(nf_hash_kb)
		log "$v IPv$fam: flows $flows; slab $cache: active $a0 -> $a1, objsize $objsize, slabs $slabs x $pps pages; hash $(nf_hash_size) buckets, ${hkb}K"
		[ "$flows" -gt 0 ] || fail "$v IPv$fam: no flow cached"
		read -r obj hash total pages <<<"$(awk -v f="$flows" -v a=$((a1 - a0)) -v o="$objsize" \
			-v h="$hkb" -v s="$slabs" -v p="$pps" 'BEGIN {
			printf "%.1f %.1f %.1f %.1f\n", a * o / f, h * 1024 / f, (a * o + h * 1024) / f,
				(s * p * 4096 + h * 1024) / f }')"
		result "mem.$v.$fam.flows" "$flows"
		result "mem.$v.$fam.objsize" "$objsize"
		result "mem.$v.$fam.obj" "$obj"
		result "mem.$v.$fam.hash" "$hash"
		result "mem.$v.$fam.total" "$total"
		result "mem.$v.$fam.slabpages" "$pages"
		progress "memory: $v IPv$fam: $flows flows, $total B/flow ($obj object + $hash hash; $pages counting whole slab pages)"
		t0=$SECONDS
		nf_unload_variant
		log "unloaded in $((SECONDS - t0)) s"
	done
done
