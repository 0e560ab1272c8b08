#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# 76-race-windows: the races of issue 20 items 4, 5, 6 and 9, each made
# certain by widening its window on purpose (kmod/glue/race_windows.c: a
# test arms a window through debugfs, the next pass through it waits), so a
# regression fails every run rather than once in a million.  74 runs the
# same races unaided.
#
#   9  protocol 5 written while `ip6tables -A ... -j NETFLOW` registers:
#      the protocol write waits between its rule count and its store; the
#      rule comes in meanwhile.  Never protocol 5 with an IPv6 rule.
#   4  natevents=0 while a conntrack event is being delivered: the
#      listener's data-ready waits before it queues the work, the stop runs
#      meanwhile.  The work must not run on the released socket and buffer.
#   5  natevents=0 during a conntrack event storm (some 200 events/s
#      here), the stop reading 256 events every 3 s (a slow router: 85/s)
#      and finding a backlog (the work item held back 3 s): it must return
#      within a bound (it reads only what was queued when it left the
#      groups, at most 4,096: some 10 s here).
#   6  a module parameter written while rmmod runs: the unload waits after
#      stopping the exporter, the write gets in and waits inside nfc_set()
#      holding the core.  It must not write into the freed core.  (Only a
#      kernel that checks freed memory sees that write: a KASAN kernel, or
#      page_poison=1 on the command line, which reports the corruption when
#      the pages are reused; the last step reuses them.)
#
# Each item is a function; ITEMS (default "9 4 5 6") picks some.
#
#   nsa 10.1.0.2 --va0|va-- [ root: MASQUERADE, FORWARD -j NETFLOW ] --vb|vb0-- nsb 10.2.0.2
# vm-timeout: 240

source "${VM_LIB:-$(dirname "$0")/../lib.sh}"
source "$(dirname "${BASH_SOURCE[0]}")/../netflow.sh"

WINDOWS=/sys/kernel/debug/ipt_NETFLOW/race_windows
PARAMS=/sys/module/ipt_NETFLOW/parameters
BAD=()

# arm NAME MS COUNT; passed NAME: whether every armed pass was taken.
# arm NAME MS COUNT (MS times the wait scale: a debug kernel's steps around
# a window take that much longer too)
arm() { echo "$1 $(($2 * VM_WAIT_SCALE)) $3" >"$WINDOWS"; }
passed() { [ "$(awk -v w="$1" '$1 == w { print $3 }' "$WINDOWS")" = 0 ]; }
# mark; since_mark: the kernel log from the last mark on.
mark() { MARK=$(dmesg | wc -l); }
since_mark() { dmesg | tail -n +$((MARK + 1)); }
# after_window NAME SYSCTL VALUE &; wait_ready: a writer already running (a
# cold python start takes seconds on a loaded TCG host) that writes VALUE
# to net.netflow.SYSCTL as soon as window NAME is next entered; prints OK
# or the error.  Arm the window once wait_ready returned.
after_window() {
	python3 - "$WINDOWS" "$1" "/proc/sys/net/netflow/$2" "$3" "$NF_TMP/ready" <<'EOF'
import os, sys, time
windows, name, path, value, ready = sys.argv[1:]
def entered():
    for line in open(windows):
        w = line.split()
        if w[0] == name:
            return int(w[3])
before = entered()
open(ready, "w").close()
while entered() == before:
    time.sleep(0.01)
fd = os.open(path, os.O_WRONLY)
try:
    os.write(fd, value.encode())
    print("OK")
except OSError as e:
    print(os.strerror(e.errno))
EOF
}
wait_ready() { wait_for "[ -e $NF_TMP/ready ]" 30; rm "$NF_TMP/ready"; }
# check ITEM WHAT EXPECTED GOT: every item is checked, the failures listed
# at the end (the old code fails several).
check() {
	if [ "$3" = "$4" ]; then
		log "item $1: $2: $4 (ok)"
	else
		log "item $1: $2: expected '$3', got '$4' (FAIL)"
		BAD+=("item $1: $2: expected '$3', got '$4'")
	fi
}

item_9() {
	log "item 9: protocol 5 against ip6tables -A"
	ip6tables -L OUTPUT -n >/dev/null	# the tables loaded: the -A below is quick
	mark
	arm protocol_check 4000 1
	sysctl -qw net.netflow.protocol=5 2>/dev/null &
	writer=$!
	# The write now waits between its rule count and its store.
	wait_for "since_mark | grep 'race window protocol_check' >/dev/null" 10
	rule=refused
	ip6tables -A OUTPUT -o lo -j NETFLOW 2>/dev/null && rule=added
	wait "$writer" || true
	passed protocol_check || fail "the protocol write never reached its window"
	present=absent
	ip6tables -C OUTPUT -o lo -j NETFLOW 2>/dev/null && present=present
	check 9 "ip6tables -A, protocol, rule in place" "refused 5 absent" \
		"$rule $(sysctl -n net.netflow.protocol) $present"
	ip6tables -F OUTPUT
	sysctl -qw net.netflow.protocol=10
}

item_4() {
	log "item 4: natevents=0 during a data-ready"
	assert_eq "natevents on" OK "$(nf_sysctl_write natevents 1)"
	mark
	# One new connection: its NEW event's data-ready spins 4 s on the sender's
	# CPU (1) while the stop runs on the other.
	(taskset -pc 0 $BASHPID >/dev/null; after_window nat_data_ready natevents 0) >"$NF_TMP/stop.out" &
	stopper=$!
	wait_ready
	arm nat_data_ready 4000 1
	taskset -c 1 ip netns exec nsa python3 "$NF_TOOLS/flood.py" 10.2.0.2 998 30000 1 8 >/dev/null &
	sender=$!
	wait "$stopper" "$sender"
	out=$(cat "$NF_TMP/stop.out")
	sleep 3		# the late work item (if any) has run
	since_mark | grep -E 'race window|natevents' >&2 || true
	check 4 "natevents=0, listeners left, kernel log" "OK $listeners clean" \
		"$out $(nat_nl_sockets) $(since_mark | grep -E 'BUG|Oops|general protection' >/dev/null && echo oops || echo clean)"
}

item_5() {
	log "item 5: natevents=0 during a conntrack event storm, slow drain"
	sysctl -qw net.netfilter.nf_conntrack_udp_timeout=1	# NEW and DESTROY events all along
	assert_eq "natevents on" OK "$(nf_sysctl_write natevents 1)"
	# Some 200 events/s here.
	ip netns exec nsa python3 "$NF_TOOLS/flood.py" 10.2.0.2 999 40000 5000 8 0 >/dev/null &
	flood=$!
	mark
	# The work item sleeps 3 s: events queue up in the socket meanwhile, and
	# the stop, which waits for the work, finds more than one read of 256.
	arm nat_stop_drain 3000 100000
	after_window nat_work natevents 0 >"$NF_TMP/stop.out" &
	stopper=$!
	wait_ready
	arm nat_work 3000 1
	wait_for "since_mark | grep 'race window nat_work:' >/dev/null" 10
	t0=$(now_ms)
	returned=returned
	wait_for "! kill -0 $stopper || [ \$((\$(now_ms) - $t0)) -gt 30000 ]" 45
	if kill -0 "$stopper" 2>/dev/null; then
		returned="not returned after 30 s"
		echo w >/proc/sysrq-trigger	# where the stop waits, in the log
	fi
	took=$(($(now_ms) - t0))
	kill -KILL "$flood"
	wait "$flood" || true
	arm nat_stop_drain 0 0	# the old stop can end now
	wait "$stopper"
	log "natevents=0: $returned (${took} ms); $(grep ^Natevents /proc/net/stat/ipt_netflow)"
	check 5 "natevents=0 under a storm, listeners left" "returned $listeners" "$returned $(nat_nl_sockets)"
}

item_6() {
	log "item 6: a parameter written during rmmod"
	iptables -F FORWARD	# the module is not in use
	mark
	arm unload 2000 1
	arm core_set 3000 1
	taskset -c 0 rmmod ipt_NETFLOW &	# the core's pages go back on CPU 0
	unloader=$!
	wait_for "since_mark | grep 'race window unload' >/dev/null" 20
	echo 7 >"$PARAMS/maxflows" &
	writer=$!
	wait "$unloader" || fail "rmmod failed"
	wait "$writer" || true
	since_mark | grep 'race window core_set' >/dev/null || fail "the write never reached nfc_set()'s window"
	# The core's memory goes back into use (the next core, allocated on the
	# same CPU first thing at load): a kernel that poisons freed pages finds
	# the late write there.
	for i in 1 2 3; do
		taskset -c 0 modprobe ipt_NETFLOW destination=127.0.0.1:2055 || fail "reload $i failed"
		taskset -c 0 rmmod ipt_NETFLOW
	done
	check 6 "kernel log after the write" clean \
		"$(since_mark | grep -E 'BUG|memory corruption|Oops' >/dev/null && echo corrupted || echo clean)"
}

nf_load protocol=10 destination=127.0.0.1:2055
[ -w "$WINDOWS" ] || fail "no $WINDOWS (debugfs)"
nf_router
modprobe nf_conntrack_netlink
masquerade_out vb
iptables -A FORWARD -j NETFLOW
defer iptables -F FORWARD
listeners=$(nat_nl_sockets)
# ITEMS picks some (a wrapper may set it; item 6 unloads the module, so it
# comes last).
for item in ${ITEMS:-9 4 5 6}; do
	"item_$item"
done

[ ${#BAD[@]} = 0 ] || fail "$(printf '%s; ' "${BAD[@]}")"
