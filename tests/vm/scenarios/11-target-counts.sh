#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# 11-target-counts: every packet that hits `-j NETFLOW` is accounted exactly
# once, IPv4 and IPv6, through both iptables backends; the target is
# non-terminating.  Everything happens on the root namespace's loopback.
#
#   traffic.py udp --> 127.0.0.1:5555 / [::1]:5555 --lo--> sink (python, bound,
#                                                           counts what arrives)
#        |
#        +- OUTPUT (one backend at a time: legacy, then nft; IPv4 and IPv6)
#             1: -o lo -p udp --dport 5555 -j NETFLOW     (metered)
#             2: -o lo -p udp --dport 5555                (counter only: reached
#                                                          since NETFLOW continues)
#   ipt_NETFLOW: destination 127.0.0.1:2055 (its own datagrams go to port 2055,
#   not matched by the rules); /proc/net/stat/ipt_netflow_snmp inPackets and
#   inBytes deltas must equal the rule 1 counters.
#
# NetFlow v5 cannot carry IPv6, so ip6tables takes `-j NETFLOW` only under
# protocol 9 or 10: the rounds run as
#   legacy IPv4 (protocol 5), legacy IPv6 (9), nft IPv4 (9), nft IPv6 (10),
# the protocol switched with sysctl between them (the cache is exported on a
# switch; the counters must not care).
#
# Per round: K datagrams of P bytes payload; bytes = K * (P + 28) for IPv4,
# K * (P + 48) for IPv6.  Each round uses its own K and P.

source "${VM_LIB:-$(dirname "$0")/../lib.sh}"
source "$(dirname "${BASH_SOURCE[0]}")/../netflow.sh"

PORT=5555

nf_load destination=127.0.0.1:2055

# sink FAMILY_ADDR EXPECTED: a bound UDP socket on PORT that reads until it
# has EXPECTED datagrams (or 20 s pass), then prints "COUNT BYTES".
sink_start() {
	SINK_OUT=$TMPDIR/sink.$1.$2.out
	python3 -u - "$1" "$PORT" "$2" >"$SINK_OUT" 2>&1 <<'EOF' &
import socket, sys
addr, port, want = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
s = socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
s.bind((addr, port))
s.settimeout(20)
print("ready", flush=True)
n = nbytes = 0
try:
    while n < want:
        nbytes += len(s.recv(65535))
        n += 1
except socket.timeout:
    pass
print(n, nbytes, flush=True)
EOF
	SINK_PID=$!
	defer kill "$SINK_PID"
	wait_for "grep -q ready $SINK_OUT" 30
}
sink_wait() { # sets SINK_GOT
	wait "$SINK_PID" || fail "sink exited with an error: $(cat "$SINK_OUT")"
	SINK_GOT=$(tail -n 1 "$SINK_OUT")
}

# round IPTABLES DST K P
round() {
	local ipt=$1 dst=$2 k=$3 p=$4 hdr=28 fam=IPv4
	[[ $dst == *:* ]] && { hdr=48; fam=IPv6; }
	local bytes=$((k * (p + hdr)))
	log "$ipt: $k $fam datagrams of $p bytes to [$dst]:$PORT ($bytes bytes on the wire)"
	"$ipt" -w -A OUTPUT -o lo -p udp --dport $PORT -j NETFLOW
	"$ipt" -w -A OUTPUT -o lo -p udp --dport $PORT
	assert_eq "$ipt rule 1 before" "0 0" "$(ipt_counter "$ipt" OUTPUT 1)"
	local p0 b0 d0
	p0=$(nf_snmp inPackets) b0=$(nf_snmp inBytes) d0=$(nf_snmp dropPackets)

	sink_start "$dst" "$k"
	python3 "$NF_TOOLS/traffic.py" udp "$dst" $((40000 + k)) $PORT "$p" "$k"
	sink_wait
	assert_eq "$fam datagrams received by the sink" "$k $((k * p))" "$SINK_GOT"

	local got1 got2 dp db dd
	got1=$(ipt_counter "$ipt" OUTPUT 1)
	got2=$(ipt_counter "$ipt" OUTPUT 2)
	dp=$(($(nf_snmp inPackets) - p0)) db=$(($(nf_snmp inBytes) - b0)) dd=$(($(nf_snmp dropPackets) - d0))
	log "observed: $ipt rule 1 = $got1, rule 2 = $got2, inPackets +$dp, inBytes +$db, dropPackets +$dd"
	assert_eq "$ipt OUTPUT NETFLOW rule pkts/bytes" "$k $bytes" "$got1"
	assert_eq "$ipt OUTPUT rule after NETFLOW (XT_CONTINUE)" "$k $bytes" "$got2"
	assert_eq "inPackets/inBytes delta ($ipt)" "$k $bytes" "$dp $db"
	assert_eq "dropPackets delta ($ipt)" 0 "$dd"
	"$ipt" -w -F OUTPUT
	assert_eq "$ipt OUTPUT rules after flush" "" "$("$ipt" -w -S OUTPUT | grep -- '^-A' || true)"
}

# Both backends pin the module while they hold a NETFLOW rule; nft drops its
# references from a work item after the commit, so give it a moment.
refcnt_zero() { wait_for '[ "$(cat /sys/module/ipt_NETFLOW/refcnt)" = 0 ]' 10; }

for b in $(ipt_backends); do
	defer iptables-$b -w -F OUTPUT
	defer ip6tables-$b -w -F OUTPUT
done

protocol() {
	sysctl -q -w net.netflow.protocol="$1"
	assert_eq "net.netflow.protocol" "$1" "$(sysctl -n net.netflow.protocol)"
}

assert_eq "default protocol" 5 "$(sysctl -n net.netflow.protocol)"
pkts=0 bytes=0
if have_legacy_iptables "the iptables-legacy rounds"; then
	round iptables-legacy 127.0.0.1 37 200
	protocol 9
	round ip6tables-legacy ::1 23 333
	refcnt_zero
	pkts=$((37 + 23)) bytes=$((37 * 228 + 23 * 381))
fi
protocol 9
round iptables-nft 127.0.0.1 41 120
protocol 10
round ip6tables-nft ::1 19 999
refcnt_zero
log "totals: inPackets $(nf_snmp inPackets), inBytes $(nf_snmp inBytes), dropPackets $(nf_snmp dropPackets)"
assert_eq "inPackets/inBytes totals" "$((pkts + 41 + 19)) $((bytes + 41 * 148 + 19 * 1047))" \
	"$(nf_snmp inPackets) $(nf_snmp inBytes)"

log "stats: $(sed -n 4,5p /proc/net/stat/ipt_netflow | tr '\n' ' ')"
unload_module ipt_NETFLOW
