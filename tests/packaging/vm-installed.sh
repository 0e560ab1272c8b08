#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# vm-installed: the module and the iptables extension as the Debian packages
# installed them, used the way the examples say.  Run by test-deb.sh with
# `run.sh --no-auto`: no project module tree, so modprobe resolves ipt_NETFLOW
# through the host's own modules.dep (DKMS's updates/dkms/), and iptables
# finds libxt_NETFLOW.so in the stock xtables directory.
#
#   root namespace, loopback only:
#     OUTPUT -o lo -p icmp      -j NETFLOW   (iptables, nf_tables back end)
#     OUTPUT -o lo -p ipv6-icmp -j NETFLOW   (ip6tables)
#     busybox ping 127.0.0.1 / ::1  -->  collector: python UDP socket 127.0.0.1:2055
# vm-timeout: 240

source "${VM_LIB:-$(dirname "$0")/../vm/lib.sh}"

kver=$(uname -r)
doc=/usr/share/doc/ipt-netflow-pp-dkms/examples
xt=$(pkg-config --variable=xtlibdir xtables 2>/dev/null || echo /usr/lib/x86_64-linux-gnu/xtables)

log "kernel $kver"
file=$(modinfo -n ipt_NETFLOW)
[[ $file == "/lib/modules/$kver/updates/dkms/ipt_NETFLOW.ko"* ]] ||
	fail "modprobe would load $file, not DKMS's /lib/modules/$kver/updates/dkms/ipt_NETFLOW.ko*"
log "ok: module file $file"
assert_eq "vermagic" "$kver" "$(modinfo -F vermagic ipt_NETFLOW | awk '{print $1}')"
assert_eq "xtables dir" "$xt" "${XTABLES_LIBDIR%%:*}"
[ -f "$xt/libxt_NETFLOW.so" ] || fail "$xt/libxt_NETFLOW.so is not installed"

# The packaged examples: modprobe.d options at load, sysctl.d afterwards.
cp "$doc/modprobe.d/ipt_NETFLOW.conf" /etc/modprobe.d/ipt_NETFLOW.conf
defer rm -f /etc/modprobe.d/ipt_NETFLOW.conf
load_module ipt_NETFLOW
defer rmmod ipt_NETFLOW
assert_eq "protocol from modprobe.d" "9" "$(cat /sys/module/ipt_NETFLOW/parameters/protocol)"
assert_eq "destination from modprobe.d" "127.0.0.1:2055" "$(cat /sys/module/ipt_NETFLOW/parameters/destination)"
sysctl -q -p "$doc/sysctl.d/ipt_NETFLOW.conf"
assert_eq "maxflows from sysctl.d" "2000000" "$(sysctl -n net.netflow.maxflows)"
grep -q '^ipt_NETFLOW ' /proc/modules || fail "ipt_NETFLOW not in /proc/modules"

# A collector, then traffic through rules that use the packaged extension.
READY=$TMPDIR/collector.ready python3 - >"$TMPDIR/collector.out" 2>&1 <<'PY' &
import os, socket, struct, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 2055))
s.settimeout(1.0)
open(os.environ["READY"], "w").close()
end = time.time() + 60
while time.time() < end:
    try:
        d, _ = s.recvfrom(65535)
    except socket.timeout:
        continue
    ver, count = struct.unpack("!HH", d[:4])
    print("datagram version %d count %d" % (ver, count), flush=True)
    if ver == 9 and count > 0:
        break
PY
collector=$!
wait_for '[ -e "$TMPDIR/collector.ready" ]' 20

iptables -I OUTPUT -o lo -p icmp -j NETFLOW
defer iptables -D OUTPUT -o lo -p icmp -j NETFLOW
ip6tables -I OUTPUT -o lo -p ipv6-icmp -j NETFLOW
defer ip6tables -D OUTPUT -o lo -p ipv6-icmp -j NETFLOW
assert_match "iptables -S" "-A OUTPUT -o lo -p icmp -j NETFLOW" "$(iptables -S OUTPUT)"
busybox ping -q -c 3 127.0.0.1 >/dev/null
busybox ping -6 -q -c 3 ::1 >/dev/null
# Requests and replies both leave through lo.
assert_eq "IPv4 rule counter" "6" "$(ipt_counter iptables OUTPUT 1 | awk '{print $1}')"
sysctl -qw net.netflow.flush=1
wait "$collector" || true
log "collector: $(tr '\n' ';' <"$TMPDIR/collector.out")"
grep -q '^datagram version 9 ' "$TMPDIR/collector.out" || fail "no NetFlow v9 datagram reached the collector"
grep -qE '^ *Total' /proc/net/stat/ipt_netflow || fail "/proc/net/stat/ipt_netflow has no Total line"

iptables -D OUTPUT -o lo -p icmp -j NETFLOW
ip6tables -D OUTPUT -o lo -p ipv6-icmp -j NETFLOW
unload_module ipt_NETFLOW
log "the packaged module loaded, metered, exported and unloaded on $kver"
