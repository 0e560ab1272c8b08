#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# vm-lane: b
#
# 51-control-views: the control knobs and the two machine-readable views.
#   - exportcpu: 5 on this 2-CPU guest refuses the load; 1 puts the worker on
#     CPU 1 ([cpu1] on the main view's Flows line), a live write moves it,
#     a bad live write is refused;
#   - /proc/net/stat/ipt_netflow_flows lists exactly the cached flows with
#     the packets and bytes sent, from both CPUs' caches;
#   - /proc/net/stat/ipt_netflow_snmp agrees with the main view;
#   - flush=1 exports every cached flow at once (inactive_timeout=60), IPFIX
#     flowEndReason 4 (forced); flush=2 also zeroes the statistics;
#   - engine_id: IPFIX observation domain, v5 engine_id (low 8 bits), live;
#   - scan-min: 1..1000 accepted, 0 and 1001 refused (EINVAL).
#
#   nsa 10.1.0.2 --va0|va-- [ root: FORWARD -j NETFLOW ] --vb|vb0-- nsb 10.2.0.2
#                                 |  IPFIX (engine_id=7), then v5
#                                 +--> nfcapd s51c10 127.0.0.1:2055 (+ tshark on lo)
#
# Sent: round A, flow i = 1..4 from CPU 0: 10.1.0.2:4100i -> 10.2.0.2:5000i,
# i+1 datagrams of 100*i bytes; flow 5 from CPU 1: :41009 -> :50009, 3 x 333.
# Round B (CPU 0): :42001 -> :50011 4 x 50, :42002 -> :50012 1 x 1000.
# vm-timeout: 900

source "${VM_LIB:-$(dirname "$0")/../lib.sh}"
source "$(dirname "${BASH_SOURCE[0]}")/../netflow.sh"

PARAMS=/sys/module/ipt_NETFLOW/parameters

# udp CPU SPORT DPORT PAYLOAD COUNT: send from nsa pinned to CPU; remembers the
# flow's expected flows-view columns and IPFIX record in EXP_VIEW / EXP_REC.
declare -A EXP_VIEW=() EXP_REC=()
udp() {
	na taskset -c "$1" python3 "$NF_TOOLS/traffic.py" udp 10.2.0.2 "$2" "$3" "$4" "$5"
	EXP_VIEW[$2]="$IFS_IO 17 10.1.0.2,$2 10.2.0.2,$3 0.0.0.0 0,0,0,0 $5 $(($5 * ($4 + 28)))"
	EXP_REC[$2]="17 10.1.0.2 $2 10.2.0.2 $3 $5 $(($5 * ($4 + 28)))"
}

# expect_view SPORT...: the flows view holds exactly these flows.
expect_view() {
	local s want=() got
	for s in "$@"; do want+=("${EXP_VIEW[$s]}"); done
	got=$(nf_flows_rows | awk '{ print $4, $5, $6, $7, $8, $9, $10, $11 }' | sort)
	assert_eq "flows view ($*)" "$(printf '%s\n' "${want[@]}" | sort)" "$got"
	# seq counts from 0, bucket is at least 4 hex digits (more with a big
	# automatic hashsize: the debug run's 2 GiB guest), nothing is due, ages in jiffies
	nf_flows_rows | awk -v n=$# '
		$1 != NR - 1 { print "seq " $1 " on line " NR; bad = 1 }
		$2 !~ /^[0-9a-f][0-9a-f][0-9a-f][0-9a-f]+$/ { print "bucket " $2; bad = 1 }
		$3 != "0" { print "bits " $3; bad = 1 }
		$12 !~ /^[0-9]+,[0-9]+$/ || NF != 12 { print "ages/fields: " $0; bad = 1 }
		END { if (NR != n) { print "rows " NR; bad = 1 }; exit bad }' ||
		fail "flows view lines malformed: $(cat /proc/net/stat/ipt_netflow_flows)"
}

# views_agree: the SNMP view's totals equal the main view's, read as one
# consistent snapshot (main view read before and after the SNMP view).
views_agree() {
	local try m1 m2 s
	for try in 1 2 3 4 5 6 7 8 9 10; do
		m1=$(cat /proc/net/stat/ipt_netflow)
		s=$(cat /proc/net/stat/ipt_netflow_snmp)
		m2=$(cat /proc/net/stat/ipt_netflow)
		[ "$(grep -v '^Rate\|^Flows' <<<"$m1")" = "$(grep -v '^Rate\|^Flows' <<<"$m2")" ] && break
		sleep 0.2
	done
	echo "$m1" >"$NF_TMP/main.txt"
	echo "$s" >"$NF_TMP/snmp.txt"
	snmp() { awk -v k="$1" '$1 == k { print $2 }' "$NF_TMP/snmp.txt"; }
	local total export flows_active inhash cpu_pkts
	total=$(awk '$1 == "Total" { gsub(/[;,\[\]]/, " "); print $12, $13, $16, $17 }' "$NF_TMP/main.txt")
	export=$(sed -n 's/^Export: Rate [0-9]* bytes\/s; Total \([0-9]*\) pkts, \([0-9]*\) MB, \([0-9]*\) flows;.*/\1 \2 \3/p' \
		"$NF_TMP/main.txt")
	flows_active=$(sed -n 's/^Flows: active \([0-9]*\) .*/\1/p' "$NF_TMP/main.txt")
	inhash=$(sed -n 's/.* InHash: \([0-9]*\) pkt, \([0-9]*\) K, .*/\1 \2/p' "$NF_TMP/main.txt")
	cpu_pkts=$(awk '$1 ~ /^cpu[0-9]+$/ { s += $4 } END { print s + 0 }' "$NF_TMP/snmp.txt")
	assert_eq "Total: traffic pkts, MB, drop pkts, K = snmp" \
		"$(snmp inPackets) $(($(snmp inBytes) >> 20)) $(snmp dropPackets) $(($(snmp dropBytes) >> 10))" "$total"
	assert_eq "Flows active = snmp hashFlows" "$(snmp hashFlows)" "$flows_active"
	assert_eq "InHash pkt, K = snmp hashPackets, hashBytes" \
		"$(snmp hashPackets) $(($(snmp hashBytes) >> 10))" "$inhash"
	assert_eq "Export pkts, MB, flows = snmp outPackets, outBytes, outFlows" \
		"$(snmp outPackets) $(($(snmp outBytes) >> 20)) $(snmp outFlows)" "$export"
	assert_eq "snmp cpuN packets sum = inPackets" "$(snmp inPackets)" "$cpu_pkts"
}

log "exportcpu=5 on a guest with CPUs $(cat /sys/devices/system/cpu/possible)"
assert_eq "possible CPUs" "0-1" "$(cat /sys/devices/system/cpu/possible)"
if out=$(modprobe ipt_NETFLOW exportcpu=5 2>&1); then
	rmmod ipt_NETFLOW
	fail "modprobe ipt_NETFLOW exportcpu=5 succeeded on a 2-CPU guest"
fi
log "refused: $out"
assert_match "kernel log for exportcpu=5" 'exportcpu=5 is invalid' "$(dmesg | tail -n 20)"
module_loaded ipt_NETFLOW && fail "module loaded after a refused load"

nf_router
IFS_IO="$(ifindex va),$(ifindex vb)"
collector_start s51c10 2055
capture_start s51cap10 "udp port 2055"

# ============================================================================
log "IPFIX, engine_id=7, exportcpu=1, inactive_timeout=60"
nf_load destination=127.0.0.1:2055 protocol=10 inactive_timeout=60 engine_id=7 exportcpu=1
assert_eq "exportcpu param" 1 "$(cat $PARAMS/exportcpu)"
assert_eq "exportcpu param mode" 644 "$(stat -c %a $PARAMS/exportcpu)"
wait_for '[ "$(nf_worker_cpu)" = 1 ]' 10
for i in 1 2 3 4 5; do
	assert_eq "worker on CPU 1 (sample $i)" 1 "$(nf_worker_cpu)"
	sleep 0.3
done
grep '^Flows:' /proc/net/stat/ipt_netflow

iptables -A FORWARD -j NETFLOW
log "round A: 4 flows from CPU 0, 1 from CPU 1"
for i in 1 2 3 4; do
	udp 0 $((41000 + i)) $((50000 + i)) $((100 * i)) $((i + 1))
done
udp 1 41009 50009 333 3
cat /proc/net/stat/ipt_netflow_flows
assert_eq "flows view header" \
	"# hash a dev:i,o proto src:ip,port dst:ip,port nexthop tos,tcpflags,options,tcpoptions packets bytes ts:first,last" \
	"$(head -n 1 /proc/net/stat/ipt_netflow_flows)"
expect_view 41001 41002 41003 41004 41009
read -r a_pkts a_bytes <<<"$(ipt_counter iptables FORWARD 1)"
assert_eq "snmp inPackets, inBytes, inFlows = sent" "$a_pkts $a_bytes 5" \
	"$(nf_snmp inPackets) $(nf_snmp inBytes) $(nf_snmp inFlows)"
assert_eq "snmp hashFlows, hashPackets, hashBytes" "5 $a_pkts $a_bytes" \
	"$(nf_snmp hashFlows) $(nf_snmp hashPackets) $(nf_snmp hashBytes)"
cpu_rows=$(awk '$1 ~ /^cpu[0-9]+$/ { print $1, $3, $4 }' /proc/net/stat/ipt_netflow_snmp)
assert_eq "snmp per-CPU new flows, packets" "cpu0 4 $((a_pkts - 3))
cpu1 1 3" "$cpu_rows"
views_agree

log "flush=1: everything leaves now"
out_flows0=$(nf_snmp outFlows)
# a shell builtin write: no process start between the stamps
t_flush1=$EPOCHREALTIME
echo 1 >/proc/sys/net/netflow/flush || fail "flush=1 refused"
log "flush=1 returned after $(((${EPOCHREALTIME/./} - ${t_flush1/./}) / 1000)) ms"
assert_eq "hashFlows after flush=1" 0 "$(nf_snmp hashFlows)"
assert_eq "outFlows after flush=1" $((out_flows0 + 5)) "$(nf_snmp outFlows)"
assert_eq "flows view after flush=1" "" "$(nf_flows_rows)"
assert_eq "Flows active after flush=1" 0 "$(nf_flows_active)"
assert_eq "flush reads back 0" 0 "$(cat /proc/sys/net/netflow/flush)"
assert_eq "statistics kept by flush=1" "$a_pkts $a_bytes 5" \
	"$(nf_snmp inPackets) $(nf_snmp inBytes) $(nf_snmp inFlows)"
views_agree

log "round B, then flush=2"
udp 0 42001 50011 50 4
udp 0 42002 50012 1000 1
expect_view 42001 42002
read -r ab_pkts ab_bytes <<<"$(ipt_counter iptables FORWARD 1)"
assert_eq "snmp inPackets, inFlows before flush=2" "$ab_pkts 7" "$(nf_snmp inPackets) $(nf_snmp inFlows)"
views_agree
out_flows0=$(nf_snmp outFlows)
# a shell builtin write: no process start between the stamps
t_flush2=$EPOCHREALTIME
echo 2 >/proc/sys/net/netflow/flush || fail "flush=2 refused"
log "flush=2 returned after $(((${EPOCHREALTIME/./} - ${t_flush2/./}) / 1000)) ms"
cat /proc/net/stat/ipt_netflow /proc/net/stat/ipt_netflow_snmp
assert_eq "flows view after flush=2" "" "$(nf_flows_rows)"
assert_eq "snmp after flush=2: inPackets inBytes inFlows hashFlows hashPackets outFlows" "0 0 0 0 0 0" \
	"$(nf_snmp inPackets) $(nf_snmp inBytes) $(nf_snmp inFlows) $(nf_snmp hashFlows) $(nf_snmp hashPackets) $(nf_snmp outFlows)"
assert_eq "Total line traffic after flush=2" "0" "$(nf_total pkts)"
assert_eq "snmp per-CPU rows after flush=2" "cpu0 0 0 0
cpu1 0 0 0" "$(awk '$1 ~ /^cpu[0-9]+$/ { print $1, $3, $4, $5 }' /proc/net/stat/ipt_netflow_snmp)"
assert_eq "peak after flush=2" 0 "$(nf_flows_peak)"
views_agree

sleep 2
iptables -D FORWARD -j NETFLOW
unload_module ipt_NETFLOW
sleep 1
capture_stop s51cap10
collector_stop s51c10
python3 "$NF_TOOLS/nfcheck.py" tshark-ext "$NF_TMP/s51cap10.pcap" "$NF_TMP/s51cap10.dgrams" >"$NF_TMP/s51cap10.txt"
collector_records s51c10 >"$NF_TMP/s51c10.txt"
cat "$NF_TMP/s51cap10.txt" "$NF_TMP/s51c10.txt"
cp "$NF_TMP/s51cap10.pcap" "$VM_ARTIFACTS/" 2>/dev/null || true

log "IPFIX: every flow once, reason 4, domain 7, at the flush"
want=()
for s in 41001 41002 41003 41004 41009 42001 42002; do want+=("${EXP_REC[$s]} 4 10 7"); done
assert_eq "IPFIX records (tshark: ... REASON VERSION DOMAIN)" "$(printf '%s\n' "${want[@]}" | sort)" \
	"$(awk '{ print $1, $2, $3, $4, $5, $6, $7, $10, $11, $12 }' "$NF_TMP/s51cap10.txt" | sort)"
assert_eq "IPFIX records (nfdump)" "$(printf '%s\n' "${want[@]}" | cut -d' ' -f1-7 | sort)" \
	"$(cut -d' ' -f1-7 "$NF_TMP/s51c10.txt" | sort)"
# Capture times: round A within 2 s of flush=1, round B within 2 s of flush=2.
while read -r sport epoch; do
	case $sport in 4100*) t=$t_flush1 ;; *) t=$t_flush2 ;; esac
	d=$(awk -v a="$epoch" -v b="$t" 'BEGIN { printf "%d", (a - b) * 1000 }')
	assert_between "flow :$sport exported ms after its flush" 0 2000 "$d"
done < <(awk '{ print $3, $14 }' "$NF_TMP/s51cap10.txt")
assert_eq "every IPFIX datagram's observation domain" "7" "$(awk '{ print $3 }' "$NF_TMP/s51cap10.dgrams" | sort -u)"

# ============================================================================
log "NetFlow v5, engine_id=7, exportcpu=0"
collector_start s51c5 2055
capture_start s51cap5 "udp port 2055"
nf_load destination=127.0.0.1:2055 protocol=5 inactive_timeout=60 engine_id=7 exportcpu=0
wait_for '[ "$(nf_worker_cpu)" = 0 ]' 10
assert_eq "live exportcpu=1" OK "$(nf_write $PARAMS/exportcpu 1)"
wait_for '[ "$(nf_worker_cpu)" = 1 ]' 10
assert_eq "live exportcpu=5" EINVAL "$(nf_write $PARAMS/exportcpu 5)"
assert_eq "live exportcpu=-2" EINVAL "$(nf_write $PARAMS/exportcpu -2)"
assert_eq "exportcpu after bad writes" 1 "$(cat $PARAMS/exportcpu)"
assert_eq "live exportcpu=-1" OK "$(nf_write $PARAMS/exportcpu -1)"

iptables -A FORWARD -j NETFLOW
udp 0 43001 50021 10 2
assert_eq "flush=1 (v5, engine_id 7)" OK "$(nf_sysctl_write flush 1)"
assert_eq "live engine_id=258" OK "$(nf_write $PARAMS/engine_id 258)"
assert_eq "engine_id param" 258 "$(cat $PARAMS/engine_id)"
udp 0 43002 50022 20 3
assert_eq "flush=1 (v5, engine_id 258)" OK "$(nf_sysctl_write flush 1)"

log "200 flows at once: the view lists each once, numbered 0..199"
na taskset -c 0 python3 "$NF_TOOLS/traffic.py" udp-many 10.2.0.2 45000 200 50100 10 0
cat /proc/net/stat/ipt_netflow_flows >"$NF_TMP/flows200.txt"
assert_eq "snmp hashFlows (200)" 200 "$(nf_snmp hashFlows)"
assert_eq "flows view rows (200)" 200 "$(($(wc -l <"$NF_TMP/flows200.txt") - 1))"
assert_eq "flows view: each source port once, 1 packet of 38 bytes" \
	"$(for p in $(seq 45000 45199); do echo "17 10.1.0.2,$p 10.2.0.2,50100 1 38"; done)" \
	"$(tail -n +2 "$NF_TMP/flows200.txt" | awk '{ print $5, $6, $7, $10, $11 }' | sort)"
# checked last (see the end): the line numbers of this read
seq200=$(tail -n +2 "$NF_TMP/flows200.txt" | awk '{ print $1 }' | xargs)
views_agree
assert_eq "flush=1 (200 flows)" OK "$(nf_sysctl_write flush 1)"
assert_eq "flows view after flushing 200" "" "$(nf_flows_rows)"

log "scan-min"
SCAN=/proc/sys/net/netflow/scan-min
assert_eq "scan-min default" 1 "$(cat $SCAN)"
hz=$(sed -n 's/^Flows: .* worker delay [0-9]*\/\([0-9]*\) .*/\1/p' /proc/net/stat/ipt_netflow)
assert_match "worker range at scan-min 1" "worker delay [0-9]+/$hz \\[1\\.\\.$((hz / 10))\\]" \
	"$(grep '^Flows:' /proc/net/stat/ipt_netflow)"
for v in 1 7 1000; do
	assert_eq "scan-min=$v" OK "$(nf_sysctl_write scan-min $v)"
	assert_eq "scan-min reads $v" "$v" "$(cat $SCAN)"
	assert_eq "scan_min param reads $v" "$v" "$(cat $PARAMS/scan_min)"
done
assert_match "worker range at scan-min 1000" "worker delay [0-9]+/$hz \\[1000\\.\\.1000\\]" \
	"$(grep '^Flows:' /proc/net/stat/ipt_netflow)"
for v in 0 1001 -1 x; do
	assert_eq "scan-min=$v refused" EINVAL "$(nf_sysctl_write scan-min $v)"
	assert_eq "scan-min after '$v'" 1000 "$(cat $SCAN)"
done
assert_eq "scan_min param=0 refused" EINVAL "$(nf_write $PARAMS/scan_min 0)"
assert_eq "scan-min=1" OK "$(nf_sysctl_write scan-min 1)"

iptables -D FORWARD -j NETFLOW
unload_module ipt_NETFLOW
sleep 1
capture_stop s51cap5
collector_stop s51c5
python3 "$NF_TOOLS/nfcheck.py" tshark-ext "$NF_TMP/s51cap5.pcap" "$NF_TMP/s51cap5.dgrams" >"$NF_TMP/s51cap5.txt"
cat "$NF_TMP/s51cap5.txt" "$NF_TMP/s51cap5.dgrams"
cp "$NF_TMP/s51cap5.pcap" "$VM_ARTIFACTS/" 2>/dev/null || true
assert_eq "v5 records (tshark: ... VERSION ENGINE_ID ENGINE_TYPE)" \
	"${EXP_REC[43001]} 5 7 0
${EXP_REC[43002]} 5 2 0" "$(awk '$3 ~ /^4300[0-9]$/ { print $1, $2, $3, $4, $5, $6, $7, $11, $12, $13 }' "$NF_TMP/s51cap5.txt")"
assert_eq "v5 records of the 200 flows (engine_id 258 -> 2)" "200 200 2" \
	"$(awk '$3 >= 45000 && $3 < 45200 { n++; p += $6; e[$12] = 1 } END { for (k in e) ids = ids k; print n, p, ids }' "$NF_TMP/s51cap5.txt")"

log "the 200-flow read of the flows view was numbered 0..199"
assert_eq "flows view: seq numbers 0..199 in order" "$(seq 0 199 | xargs)" "$seq200"
