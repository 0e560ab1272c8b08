#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# 50-aggregation: aggregation rules end to end.  With
#     aggregation=10.1.0.0/16=8,50000-50999=50000
# every flow from nsa (10.1.0.2, inside 10.1.0.0/16) is exported with source
# 10.0.0.0 and prefix length 8, and every destination port 50001..50005
# becomes 50000: the ten flows sent collapse into ONE record per source port,
# carrying exactly the sums of what was sent.  First as IPFIX (masks decoded
# by nfdump, IE 9/13), then as NetFlow v5 (masks decoded by tshark; nfdump
# does not decode v5 masks).  Bad rule strings, at load and on the sysctl,
# are refused whole with a kernel log line naming the position, and the
# rules in force stay.
#
#   nsa 10.1.0.2 --va0|va-- [ root: FORWARD -j NETFLOW ] --vb|vb0-- nsb 10.2.0.2
#   (sender pinned to CPU 0)      |  IPFIX, then v5
#                                 +--> nfcapd s50c10 / s50c5 127.0.0.1:2055 (+ tshark on lo)
#
# Sent (per round): source port 40001 -> 10.2.0.2:5000i, i = 1..5: i datagrams
# of 100*i bytes of payload; source port 40002 -> 10.2.0.2:5000i: 2 datagrams
# of 10*i+1 bytes.  inactive_timeout=60: nothing leaves before we say so.
# vm-timeout: 900

source "${VM_LIB:-$(dirname "$0")/../lib.sh}"
source "$(dirname "${BASH_SOURCE[0]}")/../netflow.sh"

AGGR='10.1.0.0/16=8,50000-50999=50000'
SYS=/proc/sys/net/netflow/aggregation
PARAM=/sys/module/ipt_NETFLOW/parameters/aggregation
AGGR_LINES="aggr#0 net: match 10.1.0.0/16 strip 8 (usage %u)
aggr#0 port: ports 50000-50999 replace 50000 (usage %u)"

# aggr_lines N: the two lines the main view must end with, both usages N.
# shellcheck disable=SC2059
aggr_lines() { printf "$AGGR_LINES" "$1" "$1"; }

# send_round: the traffic above; sets SENT_PKTS and expect_40001/40002 = "PKTS BYTES".
send_round() {
	local i p1=0 b1=0 p2=0 b2=0
	for i in 1 2 3 4 5; do
		na taskset -c 0 python3 "$NF_TOOLS/traffic.py" udp 10.2.0.2 40001 $((50000 + i)) $((100 * i)) $i
		na taskset -c 0 python3 "$NF_TOOLS/traffic.py" udp 10.2.0.2 40002 $((50000 + i)) $((10 * i + 1)) 2
		p1=$((p1 + i)) b1=$((b1 + i * (100 * i + 28)))
		p2=$((p2 + 2)) b2=$((b2 + 2 * (10 * i + 1 + 28)))
	done
	expect_40001="$p1 $b1"
	expect_40002="$p2 $b2"
	SENT_PKTS=$((p1 + p2))
}

# check_cached: the flows view holds just the two aggregated flows.
check_cached() {
	local rows
	rows=$(nf_flows_rows | awk '{ print $5, $6, $7, $8, $10, $11 }' | sort)
	assert_eq "cached flows (proto src,port dst,port nexthop packets bytes)" \
		"17 10.0.0.0,40001 10.2.0.2,50000 0.0.0.0 $expect_40001
17 10.0.0.0,40002 10.2.0.2,50000 0.0.0.0 $expect_40002" "$rows"
}

# export_all: every cached flow leaves through its inactive timeout.
export_all() {
	sysctl -qw net.netflow.inactive_timeout=1
	nf_wait_exported 30
	sysctl -qw net.netflow.inactive_timeout=60
}

log "a bad rule string at load time fails the load and names the position"
if out=$(modprobe ipt_NETFLOW 'aggregation=10.1.0.0/16=8,50000-50999=50000,1-2-3=4' 2>&1); then
	rmmod ipt_NETFLOW
	fail "modprobe with aggregation=...,1-2-3=4 succeeded"
fi
log "modprobe refused: $out"
assert_match "kernel log for the bad load" \
	'aggregation=10\.1\.0\.0/16=8,50000-50999=50000,1-2-3=4 is invalid at position 32' "$(dmesg | tail -n 20)"

nf_router

# ============================================================================
log "phase 1: IPFIX"
collector_start s50c10 2055
capture_start s50cap10 "udp port 2055"
nf_load destination=127.0.0.1:2055 protocol=10 inactive_timeout=60 "aggregation=$AGGR"
assert_eq "aggregation param mode" 400 "$(stat -c %a $PARAM)"
assert_eq "aggregation param" "$AGGR" "$(cat $PARAM)"
assert_eq "aggregation sysctl" "$AGGR" "$(cat $SYS)"
assert_eq "main view ends with the aggr lines" "$(aggr_lines 0)" "$(tail -n 2 /proc/net/stat/ipt_netflow)"

iptables -A FORWARD -j NETFLOW
send_round
read -r fwd_pkts fwd_bytes <<<"$(ipt_counter iptables FORWARD 1)"
assert_eq "FORWARD packets = sent" "$SENT_PKTS" "$fwd_pkts"
assert_eq "usage counters = packets matched" "$(aggr_lines "$SENT_PKTS")" "$(tail -n 2 /proc/net/stat/ipt_netflow)"
check_cached
assert_eq "flows active" 2 "$(nf_flows_active)"
export_all
iptables -D FORWARD -j NETFLOW
assert_eq "module bytes = iptables bytes" "$fwd_bytes" "$(nf_snmp inBytes)"
unload_module ipt_NETFLOW
sleep 1
capture_stop s50cap10
collector_stop s50c10
python3 "$NF_TOOLS/nfcheck.py" nfdump-masks "$NF_TMP/s50c10" >"$NF_TMP/s50c10.txt"
python3 "$NF_TOOLS/nfcheck.py" tshark-ext "$NF_TMP/s50cap10.pcap" >"$NF_TMP/s50cap10.txt"
cat "$NF_TMP/s50c10.txt" "$NF_TMP/s50cap10.txt"
cp "$NF_TMP/s50cap10.pcap" "$VM_ARTIFACTS/" 2>/dev/null || true

log "IPFIX: one record per source port, sums exact, prefix lengths 8 and 0"
assert_eq "IPFIX records (nfdump: ... SMASK DMASK)" \
	"17 10.0.0.0 40001 10.2.0.2 50000 $expect_40001 8 0
17 10.0.0.0 40002 10.2.0.2 50000 $expect_40002 8 0" "$(cat "$NF_TMP/s50c10.txt")"
assert_eq "IPFIX records (tshark: ... SMASK DMASK REASON VERSION)" \
	"17 10.0.0.0 40001 10.2.0.2 50000 $expect_40001 8 0 1 10
17 10.0.0.0 40002 10.2.0.2 50000 $expect_40002 8 0 1 10" "$(cut -d' ' -f1-11 "$NF_TMP/s50cap10.txt")"

# ============================================================================
log "phase 2: NetFlow v5; bad rule strings first, then the same traffic"
collector_start s50c5 2055
capture_start s50cap5 "udp port 2055"
nf_load destination=127.0.0.1:2055 protocol=5 inactive_timeout=60 "aggregation=$AGGR"
assert_eq "aggregation sysctl (v5 load)" "$AGGR" "$(cat $SYS)"

# bad string, position of the bad rule in it
bad_rules=(
	'10.0.0.0/8=33' 0
	'10.1.0.0/16=8,80-70=1' 14
	'garbage' 0
	'10.2.0.0/16=24 ,  1=1,10.0.0.0/8' 22
	'1=1,2=2,65536=3' 8
)
for ((k = 0; k < ${#bad_rules[@]}; k += 2)); do
	bad=${bad_rules[k]} pos=${bad_rules[k + 1]}
	assert_eq "sysctl write '$bad'" EINVAL "$(nf_sysctl_write aggregation "$bad")"
	assert_eq "sysctl after '$bad'" "$AGGR" "$(cat $SYS)"
	assert_eq "param after '$bad'" "$AGGR" "$(cat $PARAM)"
	assert_eq "aggr lines after '$bad'" "$(aggr_lines 0)" "$(tail -n 2 /proc/net/stat/ipt_netflow)"
	line=$(dmesg | grep -F "aggregation=$bad is invalid at position" | tail -n 1)
	assert_match "kernel log names the position of '$bad'" "is invalid at position $pos: [^;]+; the previous rules stay" "$line"
done

iptables -A FORWARD -j NETFLOW
send_round
read -r fwd_pkts fwd_bytes <<<"$(ipt_counter iptables FORWARD 1)"
assert_eq "FORWARD packets = sent (v5)" "$SENT_PKTS" "$fwd_pkts"
assert_eq "usage counters = packets matched (v5)" "$(aggr_lines "$SENT_PKTS")" "$(tail -n 2 /proc/net/stat/ipt_netflow)"
check_cached
export_all
sleep 1
capture_stop s50cap5
collector_stop s50c5
python3 "$NF_TOOLS/nfcheck.py" tshark-ext "$NF_TMP/s50cap5.pcap" >"$NF_TMP/s50cap5.txt"
collector_records s50c5 >"$NF_TMP/s50c5.txt"
cat "$NF_TMP/s50cap5.txt" "$NF_TMP/s50c5.txt"
cp "$NF_TMP/s50cap5.pcap" "$VM_ARTIFACTS/" 2>/dev/null || true
assert_eq "v5 records (tshark: ... SMASK DMASK REASON VERSION)" \
	"17 10.0.0.0 40001 10.2.0.2 50000 $expect_40001 8 0 - 5
17 10.0.0.0 40002 10.2.0.2 50000 $expect_40002 8 0 - 5" "$(cut -d' ' -f1-11 "$NF_TMP/s50cap5.txt")"
assert_eq "v5 records (nfdump: same keys and sums)" \
	"17 10.0.0.0 40001 10.2.0.2 50000 $expect_40001
17 10.0.0.0 40002 10.2.0.2 50000 $expect_40002" "$(cut -d' ' -f1-7 "$NF_TMP/s50c5.txt")"

log "a good write replaces the rules; reads give the text back"
NEW='10.2.0.0/16=24, 1000-2000=1'
assert_eq "sysctl write '$NEW'" OK "$(nf_sysctl_write aggregation "$NEW")"
assert_eq "sysctl reads the new text" "$NEW" "$(cat $SYS)"
assert_eq "param reads the new text" "$NEW" "$(cat $PARAM)"
assert_eq "new aggr lines" "aggr#0 net: match 10.2.0.0/16 strip 24 (usage 0)
aggr#0 port: ports 1000-2000 replace 1 (usage 0)" "$(grep '^aggr#' /proc/net/stat/ipt_netflow)"
# a zero-length write(2) never reaches the handler: write a bare newline, as echo does
assert_eq "sysctl write '\\n'" OK "$(nf_sysctl_write aggregation $'\n')"
assert_eq "sysctl reads ''" "" "$(cat $SYS)"
assert_eq "no aggr lines" "" "$(grep '^aggr#' /proc/net/stat/ipt_netflow || true)"

log "longer than the limit: refused whole, not cut"
assert_eq "sysctl write '$AGGR'" OK "$(nf_sysctl_write aggregation "$AGGR")"
# 1018 spaces + "80=8080" = 1025 characters; its first 1023 would read "80=80".
long="$(printf '%1018s' '')80=8080"
assert_eq "long string length" 1025 "${#long}"
rc=$(nf_sysctl_write aggregation "$long")
after=$(cat $SYS)
log "1025-character write: $rc; sysctl now reads ${#after} characters: '$(tr -s ' ' <<<"$after")'"
grep '^aggr#' /proc/net/stat/ipt_netflow || true
assert_eq "sysctl write of 1025 characters" EINVAL "$rc"
assert_eq "sysctl after the long write" "$AGGR" "$after"
assert_eq "aggr lines after the long write" "$(aggr_lines 0)" "$(tail -n 2 /proc/net/stat/ipt_netflow)"

iptables -D FORWARD -j NETFLOW
unload_module ipt_NETFLOW
