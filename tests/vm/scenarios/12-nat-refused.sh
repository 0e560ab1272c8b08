#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# 12-nat-refused: where `-j NETFLOW` may go.  The target's checkentry refuses
# the nat table (with a kernel log line naming it) and accepts every other
# table/chain, for IPv4 and IPv6, with both iptables backends.  No traffic.
#
#   {iptables,ip6tables}-{legacy,nft}  (root namespace, one at a time)
#     -t nat    PREROUTING INPUT OUTPUT POSTROUTING  -j NETFLOW -> refused,
#                                                     "not valid in the nat table",
#                                                     nat table left empty
#     -t filter INPUT FORWARD OUTPUT                 -j NETFLOW -> accepted
#     -t mangle PREROUTING INPUT FORWARD OUTPUT POSTROUTING      -> accepted
#     -t raw    PREROUTING OUTPUT                                -> accepted
#
# Each attempt is bracketed by a marker in the kernel log; accepted rules are
# listed back with -S, then deleted; the module unloads at the end.
#
# NetFlow v5 cannot carry IPv6: under the default protocol 5 ip6tables is
# refused everywhere ("needs protocol 9 or 10", checked first with both
# backends); the matrix above then runs under protocol 10.

source "${VM_LIB:-$(dirname "$0")/../lib.sh}"
source "$(dirname "${BASH_SOURCE[0]}")/../netflow.sh"

NAT_MSG="not valid in the nat table"
V5_MSG="needs protocol 9 or 10"

nf_load

KMSG_N=0
kmsg_mark() {
	KMSG_N=$((KMSG_N + 1))
	KMSG_MARK="vmtest ${VM_NAME:-12-nat-refused} mark $KMSG_N $$"
	echo "$KMSG_MARK" >/dev/kmsg
}
kmsg_since_mark() { dmesg | awk -v m="$KMSG_MARK" 'seen { print } index($0, m) { seen = 1 }'; }

declare -A chains=(
	[filter]="INPUT FORWARD OUTPUT"
	[mangle]="PREROUTING INPUT FORWARD OUTPUT POSTROUTING"
	[raw]="PREROUTING OUTPUT"
)

refused=0 accepted=0 refused_v5=0
assert_eq "default protocol" 5 "$(sysctl -n net.netflow.protocol)"
for b in $(ipt_backends); do
	ipt=ip6tables-$b
	defer "$ipt" -w -t filter -F
	kmsg_mark
	if out=$("$ipt" -w -t filter -A OUTPUT -j NETFLOW 2>&1); then
		fail "$ipt -A OUTPUT -j NETFLOW was accepted under protocol 5"
	fi
	klog=$(kmsg_since_mark)
	grep -qF "$V5_MSG" <<<"$klog" ||
		fail "$ipt -A OUTPUT under protocol 5: no '$V5_MSG' in the kernel log: ${klog//$'\n'/ | }"
	log "ok: $ipt -A OUTPUT refused under protocol 5: $(grep -m 1 -F "$V5_MSG" <<<"$klog" | sed 's/^\[[^]]*\] //')"
	assert_eq "$ipt filter rules" "" "$("$ipt" -w -S | grep -- '^-A' || true)"
	refused_v5=$((refused_v5 + 1))
done
sysctl -q -w net.netflow.protocol=10
assert_eq "protocol" 10 "$(sysctl -n net.netflow.protocol)"

for b in $(ipt_backends); do
	for ipt in iptables-$b ip6tables-$b; do
		defer "$ipt" -w -t nat -F
		for t in filter mangle raw; do defer "$ipt" -w -t $t -F; done

		for c in PREROUTING INPUT OUTPUT POSTROUTING; do
			kmsg_mark
			if out=$("$ipt" -w -t nat -A $c -j NETFLOW 2>&1); then
				fail "$ipt -t nat -A $c -j NETFLOW was accepted"
			fi
			klog=$(kmsg_since_mark)
			grep -qF "$NAT_MSG" <<<"$klog" ||
				fail "$ipt -t nat -A $c: no '$NAT_MSG' in the kernel log: ${klog//$'\n'/ | }"
			log "ok: $ipt -t nat -A $c refused (${out//$'\n'/ | }): $(grep -m 1 -F "$NAT_MSG" <<<"$klog" | sed 's/^\[[^]]*\] //')"
			refused=$((refused + 1))
		done
		# The nat table, if the attempts created it at all, holds no rule.
		nat=$("$ipt" -w -t nat -S 2>/dev/null || true)
		assert_eq "$ipt nat table rules" "" "$(grep -- '^-A' <<<"$nat" || true)"

		for t in filter mangle raw; do
			kmsg_mark
			for c in ${chains[$t]}; do
				"$ipt" -w -t $t -A $c -j NETFLOW || fail "$ipt -t $t -A $c -j NETFLOW refused"
				accepted=$((accepted + 1))
			done
			assert_eq "$ipt -t $t rules" \
				"$(for c in ${chains[$t]}; do echo "-A $c -j NETFLOW"; done)" \
				"$("$ipt" -w -t $t -S | grep -- '^-A')"
			for c in ${chains[$t]}; do "$ipt" -w -t $t -D $c -j NETFLOW; done
			assert_eq "$ipt -t $t rules after -D" "" "$("$ipt" -w -t $t -S | grep -- '^-A' || true)"
			klog=$(kmsg_since_mark)
			grep -qF "$NAT_MSG" <<<"$klog" && fail "'$NAT_MSG' logged for $ipt -t $t: ${klog//$'\n'/ | }"
		done
	done
done

if [ -d /sys/module/nf_tables ]; then
	assert_eq "NETFLOW in the nft ruleset" 0 "$(nft list ruleset | grep -ci netflow || true)"
fi
log "refused $refused nat rules, $refused_v5 IPv6 rules under v5; accepted $accepted filter/mangle/raw rules"
# per back end: 2 x 4 nat chains refused, 1 IPv6 rule under v5, 2 x 20 rules accepted
nb=$(wc -w <<<"$(ipt_backends)")
assert_eq "refused nat/refused v5/accepted" "$((8 * nb)) $nb $((20 * nb))" "$refused $refused_v5 $accepted"
wait_for '[ "$(cat /sys/module/ipt_NETFLOW/refcnt)" = 0 ]' 10
unload_module ipt_NETFLOW
