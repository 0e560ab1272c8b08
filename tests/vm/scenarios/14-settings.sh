#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# vm-lane: b
#
# 14-settings: the settings table as an operator meets it (no traffic).
#   - every parameter modinfo lists reads back, after a plain load, the
#     default its description states ("... (N)"), and each plain sysctl
#     reads what its parameter reads;
#   - a bad value of each numeric setting refuses the load, with a log line
#     "NAME=VALUE is invalid";
#   - at run time each writable parameter and sysctl takes the ends of its
#     documented range and refuses one past them with EINVAL, keeping the
#     value in force;
#   - natevents written by two writers at once, 20 times each: afterwards
#     the setting, the /proc Natevents line and the number of conntrack
#     listeners agree.
# vm-timeout: 420

source "${VM_LIB:-$(dirname "$0")/../lib.sh}"
source "$(dirname "${BASH_SOURCE[0]}")/../netflow.sh"

PARAMS=/sys/module/ipt_NETFLOW/parameters
SYSCTL=/proc/sys/net/netflow
# parameter -> its sysctl, where that sysctl is exactly the setting
declare -A SYSCTL_OF=(
	[inactive_timeout]=inactive_timeout [active_timeout]=active_timeout [maxflows]=maxflows
	[protocol]=protocol [debug]=debug [scan_min]=scan-min [refresh_rate]=refresh-rate
	[timeout_rate]=timeout-rate [natevents]=natevents [promisc]=promisc
)
# The documented ranges (README "Parameters and sysctls"): NAME LOW HIGH.
RANGES="inactive_timeout 1 86400
active_timeout 1 604800
maxflows 0 4294967295
debug 0 3
scan_min 1 1000
refresh_rate 1 1000000
timeout_rate 1 1440
engine_id 0 4294967295
exportcpu -1 1
hooks_mark 0 4294967295
hooks_mark_mask 0 4294967295
nfevents_limit 1 1000000
promisc 0 1"

# ---- defaults, from modinfo's own descriptions ----
nf_load
n=0
while IFS= read -r line; do
	name=${line%%:*}
	case $name in aggregation | sampler | snmp_rules) continue ;; esac	# no default to state: empty
	want=$(sed -n 's/.*(\([^()]*\))$/\1/p' <<<"$line")
	[ -n "$want" ] || fail "modinfo description of $name states no default: $line"
	assert_eq "parameter $name after a plain load" "$want" "$(cat "$PARAMS/$name")"
	if [ -n "${SYSCTL_OF[$name]:-}" ]; then
		assert_eq "sysctl ${SYSCTL_OF[$name]} = parameter $name" "$want" "$(cat "$SYSCTL/${SYSCTL_OF[$name]}")"
	fi
	n=$((n + 1))
done < <(modinfo -F parm ipt_NETFLOW)
assert_eq "parameters checked against their stated defaults" 25 "$n"
assert_eq "aggregation parameter" "" "$(cat "$PARAMS/aggregation")"
assert_eq "sampler parameter" "" "$(cat "$PARAMS/sampler")"
assert_eq "snmp_rules parameter" "" "$(cat "$PARAMS/snmp_rules")"

# ---- run time: each end of each range taken, one past refused ----
# check_range NAME LOW HIGH: on the parameter file if writable, and the sysctl.
check_range() {
	local name=$1 low=$2 high=$3 file old v
	for file in "$PARAMS/$name" ${SYSCTL_OF[$name]:+"$SYSCTL/${SYSCTL_OF[$name]}"}; do
		[ -w "$file" ] && [ "$(stat -c %a "$file")" != 444 ] || continue
		old=$(cat "$file")
		for v in "$((low - 1))" "$((high + 1))"; do
			[ "$v" -ge 0 ] || [ "$name" = exportcpu ] || continue
			assert_eq "$file <- $v" EINVAL "$(nf_write "$file" "$v")"
			assert_eq "$file keeps $old after $v" "$old" "$(cat "$file")"
		done
		for v in "$high" "$low" "$old"; do
			assert_eq "$file <- $v" OK "$(nf_write "$file" "$v")"
			assert_eq "$file reads back" "$v" "$(cat "$file")"
		done
	done
}
while read -r name low high; do
	check_range "$name" "$low" "$high"
done <<<"$RANGES"
for v in 4 6 8 11; do
	assert_eq "sysctl protocol <- $v" EINVAL "$(nf_sysctl_write protocol "$v")"
done
assert_eq "protocol kept" 5 "$(cat "$SYSCTL/protocol")"
assert_eq "sysctl natevents <- 2" EINVAL "$(nf_sysctl_write natevents 2)"
# A number followed by junk past any number's length is refused, not cut.
assert_eq "parameter debug <- 1, 30 blanks, x" EINVAL "$(nf_write "$PARAMS/debug" "1$(printf '%30s' '')x")"
assert_eq "debug kept" 0 "$(cat "$PARAMS/debug")"
assert_eq "sysctl hashsize <- 255" EINVAL "$(nf_sysctl_write hashsize 255)"

# ---- two natevents writers at once ----
modprobe nf_conntrack_netlink
listeners_before=$(nat_nl_sockets)
writer() { local i; for i in $(seq 20); do nf_sysctl_write natevents "$1" >/dev/null; done; }
writer 1 &
w1=$!
writer 0 &
w2=$!
wait "$w1" "$w2"
on=$(cat "$SYSCTL/natevents")
assert_eq "parameter natevents = sysctl" "$on" "$(cat "$PARAMS/natevents")"
if [ "$on" = 1 ]; then
	assert_eq "/proc Natevents after the race" enabled "$(nat_state)"
	assert_eq "conntrack listeners after the race" $((listeners_before + 1)) "$(nat_nl_sockets)"
else
	assert_eq "/proc Natevents after the race" disabled "$(nat_state)"
	assert_eq "conntrack listeners after the race" "$listeners_before" "$(nat_nl_sockets)"
fi
assert_eq "natevents off" OK "$(nf_sysctl_write natevents 0)"
assert_eq "conntrack listeners after natevents=0" "$listeners_before" "$(nat_nl_sockets)"
unload_module ipt_NETFLOW

# ---- bad values at load ----
for bad in inactive_timeout=0 active_timeout=604801 maxflows=4294967296 protocol=7 engine_id=-1 debug=4 \
	scan_min=0 refresh_rate=0 timeout_rate=1441 natevents=2 hashsize=255 sndbuf=2147483648 exportcpu=2 \
	exportcpu=-2 hooks=32 hooks=-1 hooks_mark=4294967296 hooks_mark_mask=-1 targets=2 nfevents_limit=0 \
	nfevents_limit=1000001 promisc=2 promisc=-1 promisc_mpls=-1 promisc_mpls=11 snmp_rules=eth \
	macaddress=2 vlan=-1 direction=2 physdev=3; do
	if modprobe ipt_NETFLOW "$bad" 2>/dev/null; then
		rmmod ipt_NETFLOW
		fail "modprobe ipt_NETFLOW $bad loaded"
	fi
	module_loaded ipt_NETFLOW && fail "ipt_NETFLOW present after modprobe $bad failed"
	assert_match "log line for $bad" "ipt_NETFLOW: ${bad%%=*}=${bad#*=} is invalid" "$(dmesg | tail -n 5)"
done
