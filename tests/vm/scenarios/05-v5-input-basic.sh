#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# vm-smoke
#
# 05-v5-input-basic: the project module end to end, NetFlow v5.
#
#   ns0                              ns1
#   +-------------------+   veth   +------------------------------------+
#   | veth0 10.0.0.1/24 |--------->| veth1 10.0.0.2/24                  |
#   |  busybox ping     |          | INPUT -p icmp -j NETFLOW            |
#   +-------------------+          |   round 1: iptables-legacy         |
#                                  |   round 2: iptables-nft            |
#                                  +------------------------------------+
#   init netns: ipt_NETFLOW exports v5 to 127.0.0.1:2055 --lo--> python collector
#
# Loads ipt_NETFLOW (plain modprobe) with a 1 s inactive timeout, pings N
# times, waits for the expired flow to be exported, checks the v5 record
# (addresses, protocol, packets, octets), repeats with the nft backend, then
# removes the rules and unloads the module. dmesg and taint are checked by the
# harness.
# vm-timeout: 180

# shellcheck source=../lib.sh
source "${VM_LIB:-$(dirname "$0")/../lib.sh}"

[ -n "${VM_XTLIB:-}" ] || fail "no xtables extension dir (build xtables/libxt_NETFLOW.so or pass --xtlib)"

netns_add ns0 ns1
veth ns0 veth0 ns1 veth1
ip -n ns0 addr add 10.0.0.1/24 dev veth0
ip -n ns1 addr add 10.0.0.2/24 dev veth1
n0 busybox ping -q -c 1 -W 5 10.0.0.2 >/dev/null

# Collector: one line per datagram, "version count" then one
# "src dst proto pkts octets" line per v5 record.
flows=$TMPDIR/flows.txt
python3 -u - "$flows" <<'EOF' &
import socket, struct, sys, ipaddress
out = open(sys.argv[1], "w", buffering=1)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 2055))
out.write("ready\n")
while True:
    d, _ = s.recvfrom(65535)
    ver, cnt = struct.unpack_from("!HH", d, 0)
    out.write("datagram %d %d %d\n" % (ver, cnt, len(d)))
    if ver != 5:
        continue
    for i in range(cnt):
        r = d[24 + 48 * i: 24 + 48 * (i + 1)]
        src, dst = (str(ipaddress.IPv4Address(r[o:o + 4])) for o in (0, 4))
        pkts, octets = struct.unpack_from("!II", r, 16)
        out.write("flow %s %s %d %d %d\n" % (src, dst, r[38], pkts, octets))
EOF
defer kill $!
wait_for "grep -q ready $flows" 30

load_module ipt_NETFLOW destination=127.0.0.1:2055 inactive_timeout=1 active_timeout=60
defer rmmod ipt_NETFLOW
[ -r /proc/net/stat/ipt_netflow ] || fail "/proc/net/stat/ipt_netflow missing"

defer cp "$flows" "$VM_ARTIFACTS/"

# ping_sum FROM: packets and octets of the ping flow's records from line FROM
# of the collector's output on (one record per interval: the parts cached on
# the CPUs that handled the pings are joined at export).
ping_sum() {
	tail -n +"$1" "$flows" | awk '$1 == "flow" && $2 == "10.0.0.1" && $3 == "10.0.0.2" && $4 == 1 {
		p += $5; o += $6 } END { print p + 0, o + 0 }'
}

round() { # round BACKEND COUNT PAYLOAD
	local ipt=$1 n=$2 size=$3 from
	local octets=$((n * (20 + 8 + size)))
	from=$(($(wc -l <"$flows") + 1))
	log "$ipt: $n pings of $size bytes"
	n1 "$ipt" -w -A INPUT -p icmp -j NETFLOW
	n0 busybox ping -q -A -c "$n" -s "$size" -W 5 10.0.0.2 >/dev/null
	assert_eq "$ipt rule counter" "$n $octets" "$(ipt_counter -n ns1 "$ipt" INPUT 1)"
	wait_for "[ \"\$(ping_sum $from)\" = '$n $octets' ]" 30
	assert_eq "$ipt: exported packets and octets" "$n $octets" "$(ping_sum "$from")"
	log "exported: $(grep -c '^datagram 5 ' "$flows") v5 datagram(s) so far"
	n1 "$ipt" -w -D INPUT -p icmp -j NETFLOW
}

! have_legacy_iptables "round 1" || round iptables-legacy 5 56
round iptables-nft 3 100

grep -q '^datagram [^5]' "$flows" && fail "non-v5 datagram: $(grep -m1 '^datagram [^5]' "$flows")"
cp "$flows" "$VM_ARTIFACTS/" || true
log "stats: $(head -n 3 /proc/net/stat/ipt_netflow | tr '\n' ' ')"
unload_module ipt_NETFLOW
