#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# vm-smoke
# vm-timeout: 540
#
# 40-nat-events: NAT event logging (natevents=1) on a namespace NAT gateway,
# once per export protocol: IPFIX (10), NetFlow v9 and v5, switched with
# sysctl on one loaded module.  Every translated connection gives exactly one
# create and one destroy event, exported with its pre- and post-NAT addresses
# and ports (v9/IPFIX NEL records; v5 zero-packet pseudo-flows) and decoded
# alike by nfdump and tshark; `conntrack -E` keeps seeing its own events.
#
#   nsa 10.1.0.2 --va0|va-- [ root: NAT gateway ] --vb|vb0-- nsb 10.2.0.2
#                  10.1.0.1  POSTROUTING -o vb MASQUERADE   10.2.0.1
#                            PREROUTING -i vb 10.2.0.1:8080 (tcp, udp) DNAT -> 10.1.0.2:80
#                            PREROUTING -i va 10.1.0.1:8081 (tcp) DNAT -> 10.2.0.2:5001
#                            ipt_NETFLOW natevents=1 --> nfcapd 127.0.0.1:2055, one per round
#                                                        (+ tshark on lo for all rounds)
#                            conntrack -E (NEW, DESTROY) all along
#
# Per round (base port B = 41000 + 100 * round), 9 NAT'd connections:
#   SNAT  3 TCP  nsa B+0..2  -> 10.2.0.2:5001    leave as 10.2.0.1:B+i
#   SNAT  3 UDP  nsa B+10..12 -> 10.2.0.2:50001  leave as 10.2.0.1:B+10+i
#   DNAT  1 TCP, 1 UDP  nsb B+20, B+21 -> 10.2.0.1:8080, sent on to 10.1.0.2:80
#   both  1 TCP  nsa B+30 -> 10.1.0.1:8081, becomes 10.2.0.1:B+30 -> 10.2.0.2:5001
# (MASQUERADE keeps a free source port; the servers report the peer they saw.)
# Destroys come from `conntrack -D` of each of them, 2 s after the last create;
# conntrack timeouts are raised to 600 s for the test so that nothing expires
# on its own.  Expected per round: 9 creates, 9 destroys (/proc counters move
# by exactly that); v9/IPFIX: 18 NEL records; v5: 20 pseudo-flows (the full
# NAT one gives an SNAT and a DNAT record per event).

source "${VM_LIB:-$(dirname "$0")/../lib.sh}"
source "$(dirname "${BASH_SOURCE[0]}")/../netflow.sh"

now_ms() { echo $((${EPOCHREALTIME/./} / 1000)); }
pname() { case $1 in 6) echo tcp ;; 17) echo udp ;; *) echo "$1" ;; esac; }

nat_gateway
nat_ct_sysctl nf_conntrack_tcp_timeout_time_wait 600
# A slow guest (debug kernel) may reach the delete after a closing state's
# own short timeout (CLOSE 10 s after a reset, LAST_ACK 30 s): raise those too.
for st in close close_wait last_ack fin_wait; do
	nat_ct_sysctl nf_conntrack_tcp_timeout_$st 600
done
nat_ct_sysctl nf_conntrack_udp_timeout 600
nat_ct_sysctl nf_conntrack_udp_timeout_stream 600
ct_events=$(sysctl -n net.netfilter.nf_conntrack_events)
assert_eq "net.netfilter.nf_conntrack_events before" 2 "$ct_events"

CTLOG=$NF_TMP/conntrack-E.log
nat_ct_watch_start "$CTLOG"
ctw_pid=$(cat "$CTLOG.pid")
log "conntrack -E running (pid $ctw_pid)"
capture_start cap "udp port 2055"
# Servers for all three rounds: nsb:5001 takes 3 SNAT + 1 full NAT
# connections a round, nsa:80 the DNAT one.
nat_tcp_server nsb 5001 12 "$NF_TMP/srv-b"
nat_tcp_server nsa 80 3 "$NF_TMP/srv-a"

nf_load destination=127.0.0.1:2055 protocol=10 natevents=1 inactive_timeout=2
assert_eq "sysctl natevents after natevents=1" 1 "$(sysctl -n net.netflow.natevents)"
assert_eq "/proc Natevents" enabled "$(nat_state)"
assert_eq "/proc Natevents counters at load" "0 0" "$(nat_counters)"
assert_eq "nf_conntrack_events with the module listening" "$ct_events" "$(sysctl -n net.netfilter.nf_conntrack_events)"
assert_eq "conntrack group listeners: conntrack -E and the module" 2 "$(nat_nl_sockets)"

# conns ROUND: the round's connections, one per line:
# KIND PROTO PRE_SRC PRE_SPORT PRE_DST PRE_DPORT POST_SRC POST_SPORT POST_DST POST_DPORT
conns() {
	local b=$((41000 + 100 * $1)) i
	for i in 0 1 2; do
		echo "snat 6 10.1.0.2 $((b + i)) 10.2.0.2 5001 10.2.0.1 $((b + i)) 10.2.0.2 5001"
	done
	for i in 0 1 2; do
		echo "snat 17 10.1.0.2 $((b + 10 + i)) 10.2.0.2 50001 10.2.0.1 $((b + 10 + i)) 10.2.0.2 50001"
	done
	echo "dnat 6 10.2.0.2 $((b + 20)) 10.2.0.1 8080 10.2.0.2 $((b + 20)) 10.1.0.2 80"
	echo "dnat 17 10.2.0.2 $((b + 21)) 10.2.0.1 8080 10.2.0.2 $((b + 21)) 10.1.0.2 80"
	echo "full 6 10.1.0.2 $((b + 30)) 10.1.0.1 8081 10.2.0.1 $((b + 30)) 10.2.0.2 5001"
}

# expect_nel ROUND: the NEL records (nfcheck.py nel, without time and version).
expect_nel() {
	local kind p a ap b bp c cp d dp ev
	while read -r kind p a ap b bp c cp d dp; do
		for ev in 1 2; do echo "$ev $p $a $ap $b $bp $c $cp $d $dp"; done
	done < <(conns "$1") | sort
}
# expect_v5 ROUND nfdump|tshark: the v5 pseudo-flows (nfcheck.py v5nat
# without time and version): src = pre-NAT source, dst = post-NAT
# destination; SNAT: nexthop and src_as = post-NAT source; DNAT: nexthop and
# dst_as = pre-NAT destination; TCP flags SYN|ACK (18) on create, RST|FIN (5)
# on destroy (nfdump shows no flags for UDP).
expect_v5() {
	local kind p a ap b bp c cp d dp f shown
	while read -r kind p a ap b bp c cp d dp; do
		for f in 18 5; do
			shown=$f
			if [ "$2" = nfdump ] && [ "$p" != 6 ]; then shown=0; fi
			if [ "$kind" != dnat ]; then echo "$p $a $ap $d $dp 0 0 $c $cp 0 $shown"; fi
			if [ "$kind" != snat ]; then echo "$p $a $ap $d $dp 0 0 $b 0 $bp $shown"; fi
		done
	done < <(conns "$1") | sort
}
# of_round ROUND PORTCOL < records: those whose pre-NAT source port (column
# PORTCOL) belongs to ROUND.
of_round() { awk -v lo=$((41000 + 100 * $1)) -v c="$2" '$c >= lo && $c < lo + 100'; }

# check_times WHAT FILE TCOL ECOL LO_CREATE HI_CREATE LO_DESTROY HI_DESTROY:
# every record's time (column TCOL) within the window of its event type
# (column ECOL: 1/2 for NEL, TCP flags 18/5 for v5).
check_times() {
	local bad
	bad=$(awk -v t="$3" -v e="$4" -v lc="$5" -v hc="$6" -v ld="$7" -v hd="$8" '
		{ ev = $e; ms = $t
		  if (ev == 1 || ev == 18) ok = ms >= lc && ms <= hc
		  else if (ev == 2 || ev == 5) ok = ms >= ld && ms <= hd
		  else ok = 0
		  if (!ok) print }' "$2")
	assert_eq "$1: records outside their time window [$5, $6] / [$7, $8]" "" "$bad"
}

declare -A WIN
round() {
	local proto=$1 r=$2 name=p$1 s0 t0 T0 T1 T2 kind p a ap b bp c cp d dp n out i
	local base=$((41000 + 100 * r))
	log "==== round $r: protocol $proto ===="
	collector_start "$name" 2055
	if [ "$(sysctl -n net.netflow.protocol)" != "$proto" ]; then
		sysctl -qw net.netflow.protocol="$proto"
	fi
	assert_eq "protocol" "$proto" "$(sysctl -n net.netflow.protocol)"
	read -r s0 t0 <<<"$(nat_counters)"
	T0=$(now_ms)

	log "SNAT: 3 TCP, 3 UDP from nsa; DNAT: TCP + UDP from nsb; full NAT: 1 TCP from nsa"
	nat_connect nsa tcp:10.2.0.2:5001:$base tcp:10.2.0.2:5001:$((base + 1)) tcp:10.2.0.2:5001:$((base + 2)) \
		udp:10.2.0.2:50001:$((base + 10)) udp:10.2.0.2:50001:$((base + 11)) udp:10.2.0.2:50001:$((base + 12)) \
		tcp:10.1.0.1:8081:$((base + 30))
	nat_connect nsb tcp:10.2.0.1:8080:$((base + 20)) udp:10.2.0.1:8080:$((base + 21))
	# What the servers saw is the translation, from the far end.
	assert_eq "nsb's server: peers (SNAT, full NAT)" \
		"$(printf 'peer 10.2.0.1 %s 1000\n' $base $((base + 1)) $((base + 2)) $((base + 30)))" \
		"$(grep "^peer .* $((base / 100))[0-9][0-9] " "$NF_TMP/srv-b" | sort)"
	assert_eq "nsa's server: peer (DNAT)" "peer 10.2.0.2 $((base + 20)) 1000" \
		"$(grep "^peer .* $((base / 100))[0-9][0-9] " "$NF_TMP/srv-a")"

	wait_for "[ \"\$(nat_counters)\" = '$((s0 + 9)) $t0' ]" 30
	sleep 2
	assert_eq "Natevents counters after 9 NAT'd connections" "$((s0 + 9)) $t0" "$(nat_counters)"
	conntrack -L >"$NF_TMP/$name.ct" 2>/dev/null
	while read -r kind p a ap b bp c cp d dp; do
		n=$(grep -cE "src=${a//./\\.} dst=${b//./\\.} sport=$ap dport=$bp .*src=${d//./\\.} dst=${c//./\\.} sport=$dp dport=$cp " "$NF_TMP/$name.ct" || true)
		assert_eq "conntrack -L: $kind $p $a:$ap -> $b:$bp as $c:$cp -> $d:$dp" 1 "$n"
	done < <(conns "$r")

	T1=$(now_ms)
	log "conntrack -D of each of the 9"
	while read -r kind p a ap b bp c cp d dp; do
		out=$(conntrack -D -p "$(pname "$p")" --orig-src "$a" --orig-dst "$b" --sport "$ap" --dport "$bp" 2>&1 >/dev/null)
		assert_match "conntrack -D $kind $p $a:$ap" "1 flow entries have been deleted" "$out"
	done < <(conns "$r")
	wait_for "[ \"\$(nat_counters)\" = '$((s0 + 9)) $((t0 + 9))' ]" 30
	T2=$(now_ms)
	sleep 2.5	# a partly filled datagram waits at most 1 s (inactive_timeout 2)
	assert_eq "Natevents counters after the deletes" "$((s0 + 9)) $((t0 + 9))" "$(nat_counters)"
	assert_eq "/proc Natevents" enabled "$(nat_state)"
	assert_eq "nf_conntrack_events during round $r" "$ct_events" "$(sysctl -n net.netfilter.nf_conntrack_events)"

	log "conntrack -E saw each connection's NEW and DESTROY"
	assert_eq "conntrack -E, round $r" "$(conns "$r" | sed 's/$/ NEW=1 DESTROY=1/')" \
		"$(conns "$r" | nat_ct_tally "$CTLOG")"

	collector_stop "$name"
	WIN[$r]="$T0 $T1 $T2"
	if [ "$proto" = 5 ]; then
		python3 "$NF_TOOLS/nfcheck.py" v5nat "$NF_TMP/$name" >"$NF_TMP/$name.nfdump"
		cat "$NF_TMP/$name.nfdump"
		assert_eq "v5 pseudo-flows (nfdump)" "$(expect_v5 "$r" nfdump)" "$(cut -d' ' -f1-11 "$NF_TMP/$name.nfdump" | sort)"
		assert_eq "v5 records' version (nfdump)" 5 "$(awk '{ print $13 }' "$NF_TMP/$name.nfdump" | sort -u)"
		check_times "v5 (nfdump, TCP)" <(awk '$1 == 6' "$NF_TMP/$name.nfdump") 12 11 \
			"$((T0 - 1000))" "$T1" "$((T1 - 50))" "$((T2 + 1000))"
	else
		python3 "$NF_TOOLS/nfcheck.py" nel "$NF_TMP/$name" >"$NF_TMP/$name.nfdump"
		cat "$NF_TMP/$name.nfdump"
		assert_eq "NEL records (nfdump)" "$(expect_nel "$r")" "$(cut -d' ' -f1-10 "$NF_TMP/$name.nfdump" | sort)"
		assert_eq "NEL records' version (nfdump)" "$proto" "$(awk '{ print $12 }' "$NF_TMP/$name.nfdump" | sort -u)"
		check_times "NEL (nfdump)" "$NF_TMP/$name.nfdump" 11 1 "$((T0 - 1000))" "$T1" "$((T1 - 50))" "$((T2 + 1000))"
	fi
	log "round $r: protocol $proto: counters $s0 $t0 -> $(nat_counters), $(wc -l <"$NF_TMP/$name.nfdump") records (nfdump)"
}

round 10 0
round 9 1
round 5 2

log "natevents off, then unload: conntrack -E and nf_conntrack_events unaffected"
sysctl -qw net.netflow.natevents=0
assert_eq "/proc Natevents after natevents=0" "disabled" "$(nat_state)"
assert_eq "counters kept" "27 27" "$(nat_counters)"
assert_eq "conntrack group listeners without the module's" 1 "$(nat_nl_sockets)"
unload_module ipt_NETFLOW
assert_eq "nf_conntrack_events after unload" "$ct_events" "$(sysctl -n net.netfilter.nf_conntrack_events)"
kill -0 "$ctw_pid" || fail "conntrack -E died"
after="snat 17 10.1.0.2 41999 10.2.0.2 50001 10.2.0.1 41999 10.2.0.2 50001"
nat_connect nsa udp:10.2.0.2:50001:41999
conntrack -D -p udp --orig-src 10.1.0.2 --sport 41999 >/dev/null 2>&1
wait_for "echo '$after' | nat_ct_tally $CTLOG | grep -q 'NEW=1 DESTROY=1'" 10
nat_ct_watch_stop "$CTLOG"
cp "$CTLOG" "$VM_ARTIFACTS/" 2>/dev/null || true
log "conntrack -E: $(grep -c '\[NEW\]' "$CTLOG") NEW, $(grep -c '\[DESTROY\]' "$CTLOG") DESTROY lines in all"

log "tshark's decoding of the whole capture"
capture_stop cap
cp "$NF_TMP/cap.pcap" "$VM_ARTIFACTS/" 2>/dev/null || true
python3 "$NF_TOOLS/nfcheck.py" nel-tshark "$NF_TMP/cap.pcap" >"$NF_TMP/cap.nel"
python3 "$NF_TOOLS/nfcheck.py" v5nat-tshark "$NF_TMP/cap.pcap" >"$NF_TMP/cap.v5"
tshark -r "$NF_TMP/cap.pcap" -d udp.port==2055,cflow -Y "cflow.version == 5" -w "$NF_TMP/cap5.pcap" 2>/dev/null
log "v5 datagrams: $(python3 "$NF_TOOLS/nfcheck.py" v5-headers "$NF_TMP/cap5.pcap")"
for r in 0 1; do
	proto=$((r == 0 ? 10 : 9))
	assert_eq "round $r: NEL records with times and version: tshark = nfdump" \
		"$(sort "$NF_TMP/p$proto.nfdump")" "$(of_round $r 4 <"$NF_TMP/cap.nel" | sort)"
	n=$(nel_templates "$NF_TMP/cap.pcap" |
		grep -cE "^$proto ([0-9;]*;)?323;8;12;225;226;7;11;227;228;4;230(;[0-9;]*)? ([0-9;]*;)?8;4;4;4;4;2;2;2;2;1;1(;|$)" || true)
	assert_between "v$proto NEL template (323,8,12,225,226,7,11,227,228,4,230 / 8,4,4,4,4,2,2,2,2,1,1) sent" 1 1000 "$n"
done
assert_eq "NEL records in the capture: rounds 0 and 1 only" 36 "$(wc -l <"$NF_TMP/cap.nel")"
cat "$NF_TMP/cap.v5"
assert_eq "v5 pseudo-flows (tshark)" "$(expect_v5 2 tshark)" "$(of_round 2 3 <"$NF_TMP/cap.v5" | cut -d' ' -f1-11 | sort)"
assert_eq "v5 records in the capture: round 2 only" 20 "$(wc -l <"$NF_TMP/cap.v5")"
assert_eq "v5 first-seen times: tshark = nfdump" "$(awk '{ print $12 }' "$NF_TMP/p5.nfdump" | sort)" \
	"$(awk '{ print $12 }' "$NF_TMP/cap.v5" | sort)"
read -r T0 T1 T2 <<<"${WIN[2]}"
check_times "v5 (tshark)" "$NF_TMP/cap.v5" 12 11 "$((T0 - 1000))" "$T1" "$((T1 - 50))" "$((T2 + 1000))"
