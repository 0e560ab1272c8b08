#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# 73-sndbuf-unconnected: net.netflow.sndbuf can be set while no destination
# is connected (its route is missing, as at boot before the network is up):
# the value is kept, read back, and applied when the socket comes up.  It
# used to fail with ENOENT, so `sysctl -p` could not set it at boot.
#
#   root: destination 10.99.0.1:2055, no route to it at first
#         OUTPUT -p icmp -j NETFLOW; ping 127.0.0.1 makes something to send
#         then 10.99.0.1/32 on lo: the next send connects
# vm-timeout: 120

source "${VM_LIB:-$(dirname "$0")/../lib.sh}"
source "$(dirname "${BASH_SOURCE[0]}")/../netflow.sh"

nf_load protocol=5 destination=10.99.0.1:2055 inactive_timeout=1
nf_sock_line 0 | grep -q unconnected || fail "sock0 connected without a route: $(nf_sock_line 0)"
assert_eq "sysctl sndbuf <- 300000 while unconnected" OK "$(nf_sysctl_write sndbuf 300000)"
assert_eq "sndbuf read back" 300000 "$(sysctl -n net.netflow.sndbuf)"
assert_eq "sysctl sndbuf <- -1" EINVAL "$(nf_sysctl_write sndbuf -1)"
assert_eq "sndbuf kept" 300000 "$(sysctl -n net.netflow.sndbuf)"

ip addr add 10.99.0.1/32 dev lo
defer ip addr del 10.99.0.1/32 dev lo
iptables -A OUTPUT -p icmp -j NETFLOW
busybox ping -q -c 1 -W 2 127.0.0.1 >/dev/null
wait_for '[ -n "$(nf_sock 0 sndbuf)" ]' 20
log "$(nf_sock_line 0)"
assert_eq "the socket took the value when it connected" 300000 "$(nf_sock 0 sndbuf)"
assert_eq "sndbuf read from the socket" 300000 "$(sysctl -n net.netflow.sndbuf)"
assert_eq "sysctl sndbuf <- 400000 while connected" OK "$(nf_sysctl_write sndbuf 400000)"
assert_eq "the socket follows" 400000 "$(nf_sock 0 sndbuf)"
iptables -F OUTPUT
unload_module ipt_NETFLOW
