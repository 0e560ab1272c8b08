#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make demo`: the module's main job, end to end, as an operator would run it.
#
#   nsa 10.1.0.2 --va0|va-- [ router: iptables -I FORWARD -j NETFLOW ] --vb|vb0-- nsb 10.2.0.2
#                                   |  NetFlow v5
#                                   +--> nfcapd on 127.0.0.1:2055 --> nfdump

source "${VM_LIB:-$(dirname "$0")/../lib.sh}"
source "$(dirname "${BASH_SOURCE[0]}")/../netflow.sh"

say() { printf '\n\033[1m## %s\033[0m\n' "$*"; }

nf_router
collector_start demo 2055

say "modprobe ipt_NETFLOW destination=127.0.0.1:2055 inactive_timeout=2"
nf_load destination=127.0.0.1:2055 inactive_timeout=2
say "iptables -I FORWARD -j NETFLOW"
iptables -I FORWARD -j NETFLOW

say "traffic from nsa to nsb: ping, DNS-like UDP, one TCP transfer"
na busybox ping -c 3 -i 0.2 10.2.0.2 | tail -2
na python3 "$NF_TOOLS/traffic.py" udp 10.2.0.2 40053 50053 64 5
nb python3 "$NF_TOOLS/traffic.py" tcp-server 5001 >"$NF_TMP/tcp.out" &
wait_for "grep -q listening $NF_TMP/tcp.out"
na python3 "$NF_TOOLS/traffic.py" tcp-client 10.2.0.2 5001 100000
wait_for "grep -qx 100000 $NF_TMP/tcp.out"

say "iptables -L FORWARD -v -x -n"
iptables -L FORWARD -v -x -n
say "waiting for the flows to expire (inactive_timeout=2) and leave as NetFlow v5"
nf_wait_exported 20
say "cat /proc/net/stat/ipt_netflow"
cat /proc/net/stat/ipt_netflow
collector_stop demo
say "nfdump -R /tmp/nf/demo -o extended   (what the collector received)"
nfdump -R "$NF_TMP/demo" -o extended
# Five flows (ping requests and replies, the UDP exchange, the TCP connection
# each way), one record each, although their packets met both CPUs.
assert_eq "records for the 5 flows" 5 "$(collector_records demo | wc -l)"
iptables -F FORWARD
unload_module ipt_NETFLOW
