#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# vm-smoke
#
# 97-snmp-rules: SNMP-index rules (snmp_rules=, net.netflow.snmp-rules).  The
# router's interfaces are named wan3 and lan12; with "wan:1000,lan:2000" a
# flow from wan3 to lan12 is exported with input 1003 and output 2012 (IPFIX
# and v5, decoded by nfdump), and the interface-names options records
# (tshark-free decoder, tools/ipfix.py) carry 1003 and 2012 next to the
# names, and go out again with the new indexes after each change.  At run time "lan:500" maps lan12 to 512 and leaves wan3 its own
# ifindex; a malformed string is refused with EINVAL naming the position,
# and the rules stay; an empty string removes them.  A malformed snmp_rules=
# refuses the load.
#
#   nsa 10.1.0.2 --va0|wan3-- [ root: FORWARD -j NETFLOW ] --lan12|vb0-- nsb 10.2.0.2
#                                    +--> nfcapd 127.0.0.1:2055 (+ tshark on lo)
# vm-timeout: 300

source "${VM_LIB:-$(dirname "$0")/../lib.sh}"
source "$(dirname "${BASH_SOURCE[0]}")/../netflow.sh"

IPT=$(helper_ipt iptables)
rules_lines() { grep '^SNMP-rule#' /proc/net/stat/ipt_netflow || true; }

# ---- a bad value refuses the load ----
for bad in "snmp_rules=eth" "snmp_rules=eth:1x" "snmp_rules=ppp:1,:5"; do
	if modprobe ipt_NETFLOW "$bad" 2>/dev/null; then
		rmmod ipt_NETFLOW
		fail "modprobe ipt_NETFLOW $bad loaded"
	fi
	module_loaded ipt_NETFLOW && fail "ipt_NETFLOW present after modprobe $bad failed"
	assert_match "log line for $bad" "ipt_NETFLOW: $bad is invalid at position [0-9]+: " "$(dmesg | tail -n 5)"
done

# ---- the router: nf_router with its interfaces named wan3 and lan12 ----
NF_ROUTER_A=wan3 NF_ROUTER_B=lan12 nf_router
WAN=$(ifindex wan3) LAN=$(ifindex lan12)
log "wan3 ifindex $WAN, lan12 ifindex $LAN"

collector_start c1 2055
capture_start cap "udp port 2055"
nf_load destination=127.0.0.1:2055 protocol=10 inactive_timeout=1 snmp_rules=wan:1000,lan:2000
assert_eq "parameter" "wan:1000,lan:2000" "$(cat /sys/module/ipt_NETFLOW/parameters/snmp_rules)"
assert_eq "sysctl" "wan:1000,lan:2000" "$(cat /proc/sys/net/netflow/snmp-rules)"
assert_eq "/proc lines" "SNMP-rule#0: prefix 'wan' map to 1000
SNMP-rule#1: prefix 'lan' map to 2000" "$(rules_lines)"
"$IPT" -A FORWARD -j NETFLOW
# send SPORT COUNT: COUNT datagrams of 100 bytes from nsa to nsb.
send() { na python3 "$NF_TOOLS/traffic.py" udp 10.2.0.2 "$1" 50001 100 "$2"; }

send 41001 3
nf_wait_exported 20

# ---- at run time ----
assert_eq "sysctl <- lan:5x" EINVAL "$(nf_sysctl_write snmp-rules lan:5x)"
assert_match "log line" "snmp_rules=lan:5x is invalid at position 0: .*; the previous rules stay" "$(dmesg | tail -n 3)"
assert_eq "rules kept" "wan:1000,lan:2000" "$(cat /proc/sys/net/netflow/snmp-rules)"
send 41002 4
nf_wait_exported 20
assert_eq "sysctl <- lan:500" OK "$(nf_sysctl_write snmp-rules lan:500)"
assert_eq "/proc line" "SNMP-rule#0: prefix 'lan' map to 500" "$(rules_lines)"
send 41003 5
nf_wait_exported 20
# (as sysctl(8) writes it: the value and a newline)
sysctl -qw net.netflow.snmp-rules=
assert_eq "sysctl after snmp-rules=" "" "$(cat /proc/sys/net/netflow/snmp-rules)"
assert_eq "/proc: no rules" "" "$(rules_lines)"
send 41004 6
nf_wait_exported 20

# ---- v5 ----
"$IPT" -F FORWARD
assert_eq "sysctl <- wan:1000,lan:2000" OK "$(nf_sysctl_write snmp-rules wan:1000,lan:2000)"
sysctl -qw net.netflow.protocol=5
"$IPT" -A FORWARD -j NETFLOW
send 41005 7
nf_wait_exported 20
sleep 1.5
capture_stop cap
cp "$NF_TMP/cap.pcap" "$VM_ARTIFACTS/"
cat /proc/net/stat/ipt_netflow >"$VM_ARTIFACTS/stat.txt"
collector_stop c1
collector_records c1 >"$NF_TMP/c1.txt"
cat "$NF_TMP/c1.txt"
assert_eq "module packets = rules" "25" "$(nf_snmp inPackets)"
for f in "41001 3 1003 2012" "41002 4 1003 2012" "41003 5 $WAN 512" "41004 6 $WAN $LAN" "41005 7 1003 2012"; do
	read -r sport n in out <<<"$f"
	assert_eq "flow $sport: packets, bytes, in, out (nfdump)" "$n $((n * 128)) $in $out" \
		"$(awk -v s="$sport" '$3 == s { print $6, $7, $8, $9 }' "$NF_TMP/c1.txt")"
done
python3 "$NF_TOOLS/ipfix.py" options "$NF_TMP/cap.pcap" 2055 >"$NF_TMP/options.txt"
cat "$NF_TMP/options.txt"
# The records sent at the load, under the first rules.
assert_eq "options: wan3 as 1003" "iface 1003 wan3" "$(grep -m1 ' wan3$' "$NF_TMP/options.txt")"
assert_eq "options: lan12 as 2012" "iface 2012 lan12" "$(grep -m1 ' lan12$' "$NF_TMP/options.txt")"
# and again after each change, as the rules then gave it
assert_eq "options: lan12 after each change" "2012 512 $LAN" \
	"$(awk '$1 == "iface" && $3 == "lan12" { print $2 }' "$NF_TMP/options.txt" | uniq | head -n 3 | xargs)"
"$IPT" -F FORWARD
unload_module ipt_NETFLOW
