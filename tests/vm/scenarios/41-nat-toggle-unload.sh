#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# vm-timeout: 600
#
# 41-nat-toggle-unload: natevents switched 1 -> 0 -> 1 (several times) while
# NAT'd traffic flows, then the module unloaded while NAT conntrack entries
# exist and natevents is on, also in the middle of a burst of conntrack
# events.  Events are counted and exported only while natevents is on;
# nothing crashes or warns; conntrack -E (another listener of the same
# groups) keeps working throughout and after the unload.
#
#   nsa 10.1.0.2 --va0|va-- [ root: MASQUERADE out of vb ] --vb|vb0-- nsb 10.2.0.2
#                                  ipt_NETFLOW natevents=1 --> nfcapd 127.0.0.1:2055 (IPFIX)
#                                  conntrack -E (NEW, DESTROY) all along
#
# Traffic: UDP datagrams from nsa to 10.2.0.2:50002.., each from a new source
# port, so each is a new SNAT conntrack (a create event).
#   background  ports 45000..45299, 0.05 s apart, while natevents is toggled
#   markers     3 ports per toggle: 46000+ sent while off (no event), 47000+
#               sent while on (one create each); 4 of them deleted while
#               off (no event), 4 while on (one destroy each, also for those
#               whose create was missed)
#   bursts      800 ports at once, then conntrack -F (800 destroys at once)
#               while natevents goes off and on / while the module is unloaded

source "${VM_LIB:-$(dirname "$0")/../lib.sh}"
source "$(dirname "${BASH_SOURCE[0]}")/../netflow.sh"

nat_gateway
nat_ct_sysctl nf_conntrack_udp_timeout 600
nat_ct_sysctl nf_conntrack_udp_timeout_stream 600
ct_events=$(sysctl -n net.netfilter.nf_conntrack_events)
assert_eq "net.netfilter.nf_conntrack_events before" 2 "$ct_events"

# The module asks for nf_conntrack_netlink itself: take it away first (it is
# only loaded, not in use, if an earlier scenario ran conntrack).
ctnl_removed=0
if module_loaded nf_conntrack_netlink; then
	if rmmod nf_conntrack_netlink 2>/dev/null; then ctnl_removed=1; fi
else
	ctnl_removed=1
fi

collector_start c 2055
nf_load destination=127.0.0.1:2055 protocol=10 natevents=1 inactive_timeout=2
if [ $ctnl_removed = 1 ]; then
	module_loaded nf_conntrack_netlink || fail "natevents=1 did not load nf_conntrack_netlink"
	log "ok: nf_conntrack_netlink loaded by the module"
else
	log "nf_conntrack_netlink was in use: its loading by the module not checked"
fi
assert_eq "conntrack group listeners: the module" 1 "$(nat_nl_sockets)"
CTLOG=$NF_TMP/conntrack-E.log
nat_ct_watch_start "$CTLOG"
ctw_pid=$(cat "$CTLOG.pid")
assert_eq "conntrack group listeners: the module and conntrack -E" 2 "$(nat_nl_sockets)"

# udp_conns PORT0 N DPORT: the connection lines (as nat_ct_tally reads them)
# of N datagrams from nsa ports PORT0.. to 10.2.0.2:DPORT, leaving as
# 10.2.0.1 with the same ports; udp_send PORT0 N DPORT sends them.
udp_conns() {
	local i
	for ((i = 0; i < $2; i++)); do
		echo "snat 17 10.1.0.2 $(($1 + i)) 10.2.0.2 $3 10.2.0.1 $(($1 + i)) 10.2.0.2 $3"
	done
}
udp_send() {
	local i specs=()
	for ((i = 0; i < $2; i++)); do specs+=("udp:10.2.0.2:$3:$(($1 + i))"); done
	nat_connect nsa "${specs[@]}"
}

log "==== toggling natevents under traffic ===="
na python3 "$NF_TOOLS/traffic.py" udp-many 10.2.0.2 45000 300 50002 50 0.05 >"$NF_TMP/bg.out" 2>&1 &
bg_pid=$!
sleep 1
for k in 1 2 3 4; do
	sysctl -qw net.netflow.natevents=0
	assert_eq "toggle $k: sysctl natevents" 0 "$(sysctl -n net.netflow.natevents)"
	assert_eq "toggle $k: /proc Natevents" disabled "$(nat_state)"
	assert_eq "toggle $k: listeners while off (conntrack -E)" 1 "$(nat_nl_sockets)"
	off=$(nat_counters)
	udp_send $((46000 + 10 * k)) 3 50003
	sleep 1
	assert_eq "toggle $k: counters frozen while off" "$off" "$(nat_counters)"
	sysctl -qw net.netflow.natevents=1
	assert_eq "toggle $k: /proc Natevents" enabled "$(nat_state)"
	udp_send $((47000 + 10 * k)) 3 50003
	sleep 0.5
done
wait $bg_pid
log "background: $(cat "$NF_TMP/bg.out")"
assert_eq "background traffic" "sent 300" "$(cat "$NF_TMP/bg.out")"
# Every marker sent while on is counted; wait until the counters are still.
wait_for "[ \"\$(nat_counters)\" = \"\$(sleep 2; nat_counters)\" ]" 60
sleep 2.5
read -r starts stops <<<"$(nat_counters)"
log "counters after the toggles: start $starts, stop $stops"
assert_eq "no destroy events yet (nothing deleted, timeouts 600 s)" 0 "$stops"

starts1=$starts
markers_on=$(for k in 1 2 3 4; do udp_conns $((47000 + 10 * k)) 3 50003; done)
markers_off=$(for k in 1 2 3 4; do udp_conns $((46000 + 10 * k)) 3 50003; done)
assert_eq "conntrack -E saw every marker, on or off" \
	"$(printf '%s\n%s\n' "$markers_on" "$markers_off" | sed 's/$/ NEW=1 DESTROY=0/')" \
	"$(printf '%s\n%s\n' "$markers_on" "$markers_off" | nat_ct_tally "$CTLOG")"

log "==== destroys while off are not counted, while on they are ===="
sysctl -qw net.netflow.natevents=0
# ct_delete SPORT: conntrack -D of the marker from that port, which must exist.
ct_delete() {
	local out
	out=$(conntrack -D -p udp --orig-src 10.1.0.2 --orig-dst 10.2.0.2 --sport "$1" --dport 50003 2>&1 >/dev/null)
	assert_match "conntrack -D of the marker from port $1" "1 flow entries have been deleted" "$out"
}
for k in 1 2; do
	ct_delete $((46000 + 10 * k))
	ct_delete $((47000 + 10 * k))
done
sleep 1
assert_eq "counters after 4 deletes while off" "$starts 0" "$(nat_counters)"
sysctl -qw net.netflow.natevents=1
for k in 3 4; do
	ct_delete $((46000 + 10 * k))
	ct_delete $((47000 + 10 * k))
done
# the destroy of a connection whose create was not seen is still reported
wait_for "[ \"\$(nat_counters)\" = '$starts 4' ]" 20
sleep 2.5
assert_eq "counters after 4 more deletes while on" "$starts 4" "$(nat_counters)"
log "==== unload with NAT conntrack entries alive and natevents on ===="
nat=$(conntrack -L -s 10.1.0.2 2>/dev/null | grep -c 'dst=10.2.0.1 ' || true)
assert_between "SNAT entries alive before the unload" 100 1000 "$nat"
assert_eq "natevents before the unload" 1 "$(sysctl -n net.netflow.natevents)"
read -r starts stops <<<"$(nat_counters)"
unload_module ipt_NETFLOW
assert_eq "listeners after the unload: conntrack -E" 1 "$(nat_nl_sockets)"
assert_eq "nf_conntrack_events after the unload" "$ct_events" "$(sysctl -n net.netfilter.nf_conntrack_events)"
assert_eq "SNAT entries still alive after the unload" "$nat" \
	"$(conntrack -L -s 10.1.0.2 2>/dev/null | grep -c 'dst=10.2.0.1 ' || true)"
collector_stop c
python3 "$NF_TOOLS/nfcheck.py" nel "$NF_TMP/c" >"$NF_TMP/nel"
log "collector: $(awk '$1 == 1' "$NF_TMP/nel" | wc -l) creates, $(awk '$1 == 2' "$NF_TMP/nel" | wc -l) destroys"
assert_eq "collector: creates = final start counter" "$starts" "$(awk '$1 == 1' "$NF_TMP/nel" | wc -l)"
assert_eq "collector: destroys = final stop counter" "$stops" "$(awk '$1 == 2' "$NF_TMP/nel" | wc -l)"
assert_eq "collector: nothing else" "$((starts + stops))" "$(wc -l <"$NF_TMP/nel")"
# one create record each for the markers sent while on, none while off
assert_eq "markers sent while on: one create each" \
	"$(awk '{ print "1", $2, $3, $4, $5, $6, $7, $8, $9, $10 }' <<<"$markers_on" | sort)" \
	"$(awk '$1 == 1 && $4 >= 47000 && $4 < 48000 { print $1, $2, $3, $4, $5, $6, $7, $8, $9, $10 }' "$NF_TMP/nel" | sort)"
assert_eq "markers sent while off: no create" "" "$(awk '$1 == 1 && $4 >= 46000 && $4 < 47000' "$NF_TMP/nel")"
bg=$(awk '$1 == 1 && $4 >= 45000 && $4 < 45300' "$NF_TMP/nel" | wc -l)
assert_between "background creates exported (those while off are missing)" 1 299 "$bg"
assert_eq "background creates: distinct connections" "$bg" \
	"$(awk '$1 == 1 && $4 >= 45000 && $4 < 45300 { print $4 }' "$NF_TMP/nel" | sort -u | wc -l)"
assert_eq "creates during the toggles = markers on + background" "$starts1" "$((12 + bg))"
assert_eq "destroy records: the four deleted while on" \
	"2 17 10.1.0.2 46030 10.2.0.2 50003 10.2.0.1 46030 10.2.0.2 50003
2 17 10.1.0.2 46040 10.2.0.2 50003 10.2.0.1 46040 10.2.0.2 50003
2 17 10.1.0.2 47030 10.2.0.2 50003 10.2.0.1 47030 10.2.0.2 50003
2 17 10.1.0.2 47040 10.2.0.2 50003 10.2.0.1 47040 10.2.0.2 50003" \
	"$(awk '$1 == 2 { print $1, $2, $3, $4, $5, $6, $7, $8, $9, $10 }' "$NF_TMP/nel" | sort)"
kill -0 "$ctw_pid" || fail "conntrack -E died"
after="snat 17 10.1.0.2 48000 10.2.0.2 50004 10.2.0.1 48000 10.2.0.2 50004"
nat_connect nsa udp:10.2.0.2:50004:48000
wait_for "echo '$after' | nat_ct_tally $CTLOG | grep -q 'NEW=1 DESTROY=0'" 10
log "ok: conntrack -E sees events after the unload"
conntrack -F >/dev/null 2>&1

log "==== bursts: 800 creates, then conntrack -F while natevents goes off ===="
collector_start c2 2055
nf_load destination=127.0.0.1:2055 protocol=10 natevents=1 inactive_timeout=2
assert_eq "counters after reload" "0 0" "$(nat_counters)"
na python3 "$NF_TOOLS/traffic.py" udp-many 10.2.0.2 48100 800 50005 20 0
wait_for "[ \"\$(nat_counters)\" = '800 0' ]" 60
log "ok: 800 creates counted, none lost"
# natevents goes off and on in a loop all through the flush, and ends off:
# stops meet a backlog of messages in the listener's socket.
rm -f "$NF_TMP/toggles" "$NF_TMP/toggle.stop"
defer touch "$NF_TMP/toggle.stop"
(
	while [ ! -e "$NF_TMP/toggle.stop" ]; do
		sysctl -qw net.netflow.natevents=0
		sysctl -qw net.netflow.natevents=1
		echo >>"$NF_TMP/toggles"
	done
) &
toggler=$!
wait_for "[ -s $NF_TMP/toggles ]" 30
conntrack -F >/dev/null 2>&1
touch "$NF_TMP/toggle.stop"
wait $toggler
sysctl -qw net.netflow.natevents=0
toggles=$(wc -l <"$NF_TMP/toggles")
read -r starts stops <<<"$(nat_counters)"
log "natevents toggled $toggles times during the flush; destroys taken: $stops"
assert_between "destroys counted while the flush ran" 0 800 "$stops"
sleep 1
assert_eq "counters frozen once off" "$starts $stops" "$(nat_counters)"
assert_eq "listeners: conntrack -E" 1 "$(nat_nl_sockets)"

log "==== 800 creates, then the module unloaded during conntrack -F ===="
sysctl -qw net.netflow.natevents=1
na python3 "$NF_TOOLS/traffic.py" udp-many 10.2.0.2 49000 800 50006 20 0
wait_for "[ \"\$(nat_counters)\" = '$((starts + 800)) $stops' ]" 60
conntrack -F >/dev/null 2>&1 &
flush_pid=$!
unload_module ipt_NETFLOW
wait $flush_pid
sleep 2	# a listener's work left behind would run now
assert_eq "listeners after the unload: conntrack -E" 1 "$(nat_nl_sockets)"
assert_eq "nf_conntrack_events at the end" "$ct_events" "$(sysctl -n net.netfilter.nf_conntrack_events)"
kill -0 "$ctw_pid" || fail "conntrack -E died"
after="snat 17 10.1.0.2 48001 10.2.0.2 50004 10.2.0.1 48001 10.2.0.2 50004"
nat_connect nsa udp:10.2.0.2:50004:48001
wait_for "echo '$after' | nat_ct_tally $CTLOG | grep -q 'NEW=1 DESTROY=0'" 10
log "ok: conntrack -E sees events after the second unload"
collector_stop c2
python3 "$NF_TOOLS/nfcheck.py" nel "$NF_TMP/c2" >"$NF_TMP/nel-bursts"
n1=$(awk '$1 == 1' "$NF_TMP/nel-bursts" | wc -l)
n2=$(awk '$1 == 2' "$NF_TMP/nel-bursts" | wc -l)
log "bursts: collector got $n1 creates, $n2 destroys"
assert_eq "burst creates exported" 1600 "$n1"
assert_between "burst destroys exported: those counted before off, plus some of the second" "$stops" $((stops + 800)) "$n2"
nat_ct_watch_stop "$CTLOG"
log "conntrack -E: $(grep -c '\[NEW\]' "$CTLOG") NEW, $(grep -c '\[DESTROY\]' "$CTLOG") DESTROY lines in all"
off_lines=$(dmesg | grep -c 'ipt_NETFLOW: natevents off' || true)
on_lines=$(dmesg | grep -c 'ipt_NETFLOW: natevents on' || true)
log "kernel log: natevents on $on_lines times, off $off_lines times"
assert_eq "every natevents on has its off" "$on_lines" "$off_lines"
