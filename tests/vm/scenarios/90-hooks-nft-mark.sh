#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# vm-smoke
#
# 90-hooks-nft-mark: metering without any iptables rule.  The module is
# loaded with hooks=9 targets=0 (PREROUTING + OUTPUT, the router setup the
# README recommends) and hooks_mark=1 hooks_mark_mask=1; an nft chain in
# PREROUTING (priority mangle) marks chosen UDP flows and counts them in
# named counters.  Exported (IPFIX to nfcapd): exactly the flows whose mark
# has bit 0 set, IPv4 and IPv6, with packets and bytes equal to the nft
# counters; unmarked and mark-2 flows are absent.  Then the filter changes
# at run time (mask 0xff, mark 2): only mark-2 flows are metered.  Then
# hooks=4 without a mark: every forwarded packet, against an nft counter of
# the forward chain.  No iptables rule exists anywhere at any time.
#
#   nsa 10.1.0.2 --va0|va-- [ root ] --vb|vb0-- nsb 10.2.0.2 (nft drops UDP 50000-50999)
#       fd01::2             nft prerouting: mark set 1 / 3 / 2     fd02::2
#                           ipt_NETFLOW hooks=9 targets=0 --> nfcapd 127.0.0.1:2055
#
# Phase 1 (hooks=9, mark 1/1), each flow from nsa, IPv4 and IPv6:
#   dport 50001..50003: mark 1, 50004: mark 3 (metered: bit 0 set)
#   dport 50005: mark 2, 50011: no mark   (not metered)
#   flow i: i+1 datagrams of 100*i bytes
# vm-timeout: 420

source "${VM_LIB:-$(dirname "$0")/../lib.sh}"
source "$(dirname "${BASH_SOURCE[0]}")/../netflow.sh"

PARAMS=/sys/module/ipt_NETFLOW/parameters
nf_router nft
no_iptables_rules nsa nsb

nft -f - <<'NFT'
table inet marks {
	counter sel4 {}
	counter sel6 {}
	counter other4 {}
	counter other6 {}
	chain pre {
		type filter hook prerouting priority mangle; policy accept;
		iifname "va" udp dport 50001-50003 meta mark set 1
		iifname "va" udp dport 50004 meta mark set 3
		iifname "va" udp dport 50005 meta mark set 2
		iifname "va" meta nfproto ipv4 udp dport 50001-50004 counter name sel4
		iifname "va" meta nfproto ipv6 udp dport 50001-50004 counter name sel6
		iifname "va" meta nfproto ipv4 udp dport { 50005, 50011 } counter name other4
		iifname "va" meta nfproto ipv6 udp dport { 50005, 50011 } counter name other6
	}
}
NFT
defer nft delete table inet marks

# send SPORT_BASE PORT...: flow i (by position) gets i+1 datagrams of 100*i
# bytes, once to 10.2.0.2 and once to fd02::2.
send() {
	local base=$1 i=0 dp
	shift
	for dp in "$@"; do
		i=$((i + 1))
		na python3 "$NF_TOOLS/traffic.py" udp 10.2.0.2 $((base + i)) "$dp" $((100 * i)) $((i + 1))
		na python3 "$NF_TOOLS/traffic.py" udp fd02::2 $((base + i)) "$dp" $((100 * i)) $((i + 1))
	done
}
# expect SPORT_BASE PORT...: the records of those flows, "KEY|PKTS BYTES".
expect() {
	local base=$1 i=0 dp
	shift
	for dp in "$@"; do
		i=$((i + 1))
		echo "17 10.1.0.2 $((base + i)) 10.2.0.2 $dp|$((i + 1)) $(((i + 1) * (100 * i + 28)))"
		echo "17 fd01::2 $((base + i)) fd02::2 $dp|$((i + 1)) $(((i + 1) * (100 * i + 48)))"
	done
}
# check_flows NAME WANT_LINES: the collector's records are exactly these flows.
check_flows() {
	local name=$1 want=$2 key p b r
	collector_records "$name" >"$NF_TMP/$name.txt"
	cat "$NF_TMP/$name.txt"
	while IFS='|' read -r key p; do
		read -r b r <<<"$(records_sum "$key" <"$NF_TMP/$name.txt" | cut -d' ' -f1,2)"
		assert_eq "$name: flow $key" "$p" "$b $r"
	done <<<"$want"
	assert_eq "$name: nothing but these flows" "$(wc -l <<<"$want")" \
		"$(awk '{ print $1, $2, $3, $4, $5 }' "$NF_TMP/$name.txt" | sort -u | wc -l)"
}

log "==== phase 1: hooks=9 targets=0 hooks_mark=1 hooks_mark_mask=1 ===="
collector_start c1 2055
nf_load destination=127.0.0.1:2055 protocol=10 inactive_timeout=2 hooks=9 targets=0 hooks_mark=1 hooks_mark_mask=1
assert_eq "/proc Hooks line" \
	"Hooks: 9 (PREROUTING OUTPUT), IPv4 IPv6, priority 2147483646, mark 0x1/0x1; target NETFLOW not registered (targets=0)." \
	"$(nf_hooks_line)"
assert_match "load log line" "ipt_NETFLOW: metering on netfilter hooks=9 in every network namespace, priority 2147483646" \
	"$(dmesg | tail -n 5)"
for p in hooks targets hooks_mark hooks_mark_mask nfevents_limit; do
	log "parameter $p = $(cat "$PARAMS/$p") (mode $(stat -c %a "$PARAMS/$p"))"
done
assert_eq "parameters hooks targets mark mask" "9 0 1 1" \
	"$(cat "$PARAMS/hooks") $(cat "$PARAMS/targets") $(cat "$PARAMS/hooks_mark") $(cat "$PARAMS/hooks_mark_mask")"

send 40000 50001 50002 50003 50004 50005 50011
nf_wait_exported 20
sleep 1.5
collector_stop c1
read -r s4p s4b <<<"$(nft_counter inet marks sel4)"
read -r s6p s6b <<<"$(nft_counter inet marks sel6)"
read -r o4p o4b <<<"$(nft_counter inet marks other4)"
read -r o6p o6b <<<"$(nft_counter inet marks other6)"
log "nft: selected v4 $s4p/$s4b v6 $s6p/$s6b, other v4 $o4p/$o4b v6 $o6p/$o6b"
assert_eq "nft: other flows seen (6 + 7 datagrams each family)" "13 13" "$o4p $o6p"
check_flows c1 "$(expect 40000 50001 50002 50003 50004)"
read -r p4 b4 _ <<<"$(grep -E '^17 10\.1\.0\.2 ' "$NF_TMP/c1.txt" | records_sum)"
read -r p6 b6 _ <<<"$(grep -E '^17 fd01::2 ' "$NF_TMP/c1.txt" | records_sum)"
assert_eq "IPv4 records = nft counter sel4" "$s4p $s4b" "$p4 $b4"
assert_eq "IPv6 records = nft counter sel6" "$s6p $s6b" "$p6 $b6"
assert_eq "module packets and bytes = nft selected counters" "$((s4p + s6p)) $((s4b + s6b))" \
	"$(nf_snmp inPackets) $(nf_snmp inBytes)"
assert_eq "packets dropped by the module" 0 "$(nf_snmp dropPackets)"
assert_eq "records exported (module) = collector" "$(nf_snmp outFlows)" "$(wc -l <"$NF_TMP/c1.txt")"

log "==== phase 1b: at run time, mask 0xff then mark 2: only mark-2 flows ===="
collector_start c2 2056
sysctl -qw net.netflow.destination=127.0.0.1:2056
assert_eq "hooks_mark_mask <- 0xff" OK "$(nf_write "$PARAMS/hooks_mark_mask" 0xff)"
assert_eq "hooks_mark <- 2" OK "$(nf_write "$PARAMS/hooks_mark" 2)"
assert_eq "hooks_mark <- junk" EINVAL "$(nf_write "$PARAMS/hooks_mark" 2x)"
assert_eq "hooks_mark_mask <- -1" EINVAL "$(nf_write "$PARAMS/hooks_mark_mask" -1)"
assert_eq "hooks_mark_mask <- 2^32" EINVAL "$(nf_write "$PARAMS/hooks_mark_mask" 4294967296)"
assert_eq "nfevents_limit <- 0" EINVAL "$(nf_write "$PARAMS/nfevents_limit" 0)"
assert_eq "mark, mask, nfevents_limit kept" "2 255 10000" \
	"$(cat "$PARAMS/hooks_mark") $(cat "$PARAMS/hooks_mark_mask") $(cat "$PARAMS/nfevents_limit")"
assert_eq "hooks and targets are read-only" "444 444" "$(stat -c %a "$PARAMS/hooks" "$PARAMS/targets" | xargs)"
assert_match "/proc Hooks line after the change" "mark 0x2/0xff;" "$(nf_hooks_line)"
in0=$(nf_snmp inPackets)
send 41000 50005 50001 50004 50011
nf_wait_exported 20
sleep 1.5
cat /proc/net/stat/ipt_netflow
collector_stop c2
check_flows c2 "$(expect 41000 50005)"
assert_eq "module packets: the mark-2 flow only, each family" "$((in0 + 2 + 2))" "$(nf_snmp inPackets)"
unload_module ipt_NETFLOW

log "==== phase 2: hooks=4 (FORWARD), no mark: every forwarded packet ===="
nft -f - <<'NFT'
table inet fwdcount {
	counter fwdall {}
	chain forward {
		type filter hook forward priority filter; policy accept;
		meta nfproto { ipv4, ipv6 } counter name fwdall
	}
}
NFT
defer nft delete table inet fwdcount
collector_start c3 2055
nf_load destination=127.0.0.1:2055 protocol=10 inactive_timeout=2 hooks=4
assert_eq "/proc Hooks line" \
	"Hooks: 4 (FORWARD), IPv4 IPv6, priority 2147483646, mark 0x0/0x0; target NETFLOW registered." \
	"$(nf_hooks_line)"
send 42000 50001 50011
na busybox ping -q -c 3 -i 0.2 10.2.0.2 >/dev/null
na busybox ping -6 -q -c 3 -i 0.2 fd02::2 >/dev/null
nf_wait_exported 20
sleep 1.5
collector_stop c3
read -r fp fb <<<"$(nft_counter inet fwdcount fwdall)"
collector_records c3 >"$NF_TMP/c3.txt"
cat "$NF_TMP/c3.txt"
assert_eq "module = nft forward counter" "$fp $fb" "$(nf_snmp inPackets) $(nf_snmp inBytes)"
assert_eq "records = nft forward counter" "$fp $fb" "$(records_sum <"$NF_TMP/c3.txt" | cut -d' ' -f1,2)"
assert_eq "forwarded: 2+3 datagrams and 6 echoes, each family" $(((2 + 3 + 6) * 2)) "$fp"
while IFS='|' read -r key p; do
	assert_eq "c3: flow $key" "$p" "$(records_sum "$key" <"$NF_TMP/c3.txt" | cut -d' ' -f1,2)"
done <<<"$(expect 42000 50001 50011)"
unload_module ipt_NETFLOW
no_iptables_rules nsa nsb
