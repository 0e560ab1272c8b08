#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# vm-smoke
#
# 10-load-unload: the module's life cycle and its configuration surface.  No
# traffic, no rules: only the guest's root namespace.
#
#   modprobe ipt_NETFLOW [params]            x3 (defaults, then with values;
#                                            the third through the alias
#                                            ip6t_NETFLOW)
#     |-> /proc/net/stat/ipt_netflow         line 1 "ipt_NETFLOW V, srcversion S;"
#     |-> /proc/net/stat/ipt_netflow_snmp    inPackets inBytes dropPackets hashFlows
#     |-> /proc/sys/net/netflow/*            debug: 0 -> 2 -> 0
#     |-> /sys/module/ipt_NETFLOW/parameters/*
#   rmmod ipt_NETFLOW                        x3: all of the above gone
#
#   modprobe ipt_NETFLOW BAD=VALUE           x7: refused, a kernel log line
#                                            names BAD and VALUE, not loaded
#   sysctl -w net.netflow.KEY=BAD            x7: EINVAL, old value stays
#   sysctl -w net.netflow.KEY=GOOD           taken, read back, restored
#
# The parameter and sysctl lists are checked to hold at least the names below
# (more may come with new features).
#
# Each refused modprobe and each bad write is bracketed by a marker written to
# /dev/kmsg, so the kernel log lines are checked per attempt.

source "${VM_LIB:-$(dirname "$0")/../lib.sh}"
source "$(dirname "${BASH_SOURCE[0]}")/../netflow.sh"

M=ipt_NETFLOW
STAT=/proc/net/stat/ipt_netflow
SNMP=/proc/net/stat/ipt_netflow_snmp
SYS=/proc/sys/net/netflow
PARAMS="active_timeout debug destination engine_id hashsize inactive_timeout maxflows protocol scan_min sndbuf"
SYSCTLS="active_timeout debug destination flush hashsize inactive_timeout maxflows protocol scan-min sndbuf"

module_loaded $M && fail "$M is loaded before the scenario starts"
defer nf_unload_if_loaded

# kmsg_mark: a unique marker in the kernel log; kmsg_since_mark: the log after it.
KMSG_N=0
kmsg_mark() {
	KMSG_N=$((KMSG_N + 1))
	KMSG_MARK="vmtest ${VM_NAME:-10-load-unload} mark $KMSG_N $$"
	echo "$KMSG_MARK" >/dev/kmsg
}
kmsg_since_mark() { dmesg | awk -v m="$KMSG_MARK" 'seen { print } index($0, m) { seen = 1 }'; }

# assert_has WHAT REQUIRED_WORDS ACTUAL_WORDS: every required name is present.
assert_has() {
	local w missing=
	for w in $2; do [[ " $3 " == *" $w "* ]] || missing+=" $w"; done
	[ -z "$missing" ] || fail "$1: missing$missing (has: $3)"
	log "ok: $1 has $2 (all: $3)"
}

# assert_gone: nothing of the module is left after rmmod.
assert_gone() {
	module_loaded $M && fail "$M still in /proc/modules"
	[ ! -e /sys/module/$M ] || fail "/sys/module/$M still exists"
	[ ! -e $STAT ] || fail "$STAT still exists"
	[ ! -e $SNMP ] || fail "$SNMP still exists"
	[ ! -e $SYS ] || fail "$SYS still exists"
	assert_eq "net.netflow sysctls after rmmod" 0 "$(sysctl -a -N 2>/dev/null | grep -c '^net\.netflow\.' || true)"
}

# --------------------------------------------------------------- life cycle
# round N NAME PARAMS...: modprobe NAME (the module or its alias), check every
# interface, unload.
round() {
	local n=$1 name=$2 out
	shift 2
	log "round $n: modprobe $name $*"
	out=$(modprobe "$name" "$@" 2>&1) || fail "modprobe $name $* failed: $out"
	module_loaded $M || fail "modprobe $name $* did not load $M"
	local srcv ver first
	srcv=$(cat /sys/module/$M/srcversion)
	ver=$(cat /sys/module/$M/version)
	assert_match "srcversion format" '^[0-9A-F]{16,32}$' "$srcv"
	assert_eq "srcversion = modinfo" "$(modinfo -F srcversion $M)" "$srcv"
	[ -r $STAT ] || fail "$STAT missing"
	first=$(head -n 1 $STAT)
	assert_eq "$STAT line 1" "ipt_NETFLOW $ver, srcversion $srcv;" "$first"
	assert_match "$STAT line 1 format" '^ipt_NETFLOW [0-9]+\.[0-9]+[^ ,]*, srcversion [0-9A-F]+;$' "$first"

	[ -r $SNMP ] || fail "$SNMP missing"
	local k snmp
	snmp=$(cat $SNMP)
	for k in inPackets inBytes dropPackets hashFlows; do
		assert_match "$SNMP $k" "^$k +[0-9]+\$" "$(grep -m 1 "^$k " <<<"$snmp" || true)"
	done
	assert_eq "inPackets with no rule" 0 "$(nf_snmp inPackets)"
	assert_eq "hashFlows with no rule" 0 "$(nf_snmp hashFlows)"

	assert_has "/sys/module/$M/parameters" "$PARAMS" "$(ls /sys/module/$M/parameters | tr '\n' ' ')"
	assert_has "$SYS" "$SYSCTLS" "$(ls $SYS | tr '\n' ' ')"
	local proto=5 a
	for a in "$@"; do [[ $a != protocol=* ]] || proto=${a#protocol=}; done
	case $proto in
	5) assert_eq "$STAT line 2" "Protocol version 5 (netflow)" "$(sed -n 2p $STAT)" ;;
	9) assert_match "$STAT line 2" '^Protocol version 9 \(netflow\), ' "$(sed -n 2p $STAT)" ;;
	10) assert_match "$STAT line 2" '^Protocol version 10 \(ipfix\), ' "$(sed -n 2p $STAT)" ;;
	esac
	assert_eq "sysctl protocol" "$proto" "$(sysctl -n net.netflow.protocol)"

	local debug0=0
	for a in "$@"; do [[ $a != debug=* ]] || debug0=${a#debug=}; done
	assert_eq "net.netflow.debug initially" "$debug0" "$(sysctl -n net.netflow.debug)"
	sysctl -q -w net.netflow.debug=2
	assert_eq "net.netflow.debug after writing 2" 2 "$(sysctl -n net.netflow.debug)"
	assert_eq "parameters/debug after writing 2" 2 "$(cat /sys/module/$M/parameters/debug)"
	sysctl -q -w net.netflow.debug=0
	assert_eq "net.netflow.debug after writing 0" 0 "$(sysctl -n net.netflow.debug)"

	# The load-time values are in force.
	for a in "$@"; do
		case ${a%%=*} in
		inactive_timeout | active_timeout | maxflows | destination | protocol)
			assert_eq "sysctl ${a%%=*} (loaded with $a)" "${a#*=}" "$(sysctl -n "net.netflow.${a%%=*}")" ;;
		hashsize)
			assert_eq "sysctl hashsize (loaded with $a)" "${a#*=}" "$(sysctl -n net.netflow.hashsize)" ;;
		esac
		case ${a%%=*} in
		debug) ;; # rewritten above
		*) assert_eq "parameters/${a%%=*}" "${a#*=}" "$(cat "/sys/module/$M/parameters/${a%%=*}")" ;;
		esac
	done
	if [ "$n" = 3 ]; then
		assert_eq "$STAT Timeouts line" "Timeouts: active 60s, inactive 7s. Maxflows 1000" "$(sed -n 3p $STAT)"
	fi

	unload_module $M
	assert_gone
}

round 1 $M
round 2 $M debug=1 engine_id=3 scan_min=2 sndbuf=262144 hashsize=4096 protocol=9
round 3 ip6t_NETFLOW inactive_timeout=7 active_timeout=60 maxflows=1000 destination=127.0.0.1:2056 protocol=10

# --------------------------------------------------------- bad parameters
bad_params=(
	inactive_timeout=0
	inactive_timeout=abc
	protocol=7
	hashsize=100
	debug=9
	destination=300.1.1.1:2055
	destination=1.2.3.4:99999
)
for p in "${bad_params[@]}"; do
	name=${p%%=*} value=${p#*=}
	kmsg_mark
	if out=$(modprobe $M "$p" 2>&1); then
		fail "modprobe $M $p succeeded"
	fi
	log "modprobe $M $p refused: ${out//$'\n'/ | }"
	module_loaded $M && fail "$M loaded after the refused modprobe $p"
	[ ! -e /sys/module/$M ] || fail "/sys/module/$M exists after the refused modprobe $p"
	[ ! -e $STAT ] || fail "$STAT exists after the refused modprobe $p"
	[ ! -e $SYS ] || fail "$SYS exists after the refused modprobe $p"
	klog=$(kmsg_since_mark)
	line=$(grep -F -- "$name" <<<"$klog" | grep -F -m 1 -- "$value" || true)
	[ -n "$line" ] || fail "no kernel log line naming '$name' and '$value' after modprobe $M $p; log: ${klog//$'\n'/ | }"
	log "ok: refused $p: ${line#*] }"
done

# ----------------------------------------------------------- bad sysctls
load_module $M
bad_sysctls=(
	inactive_timeout=0
	inactive_timeout=-5
	inactive_timeout=abc
	protocol=7
	hashsize=100
	maxflows=-1
	destination=bogus
)
for kv in "${bad_sysctls[@]}"; do
	key=${kv%%=*} value=${kv#*=}
	old=$(sysctl -n "net.netflow.$key")
	if out=$(sysctl -w "net.netflow.$key=$value" 2>&1); then
		fail "sysctl -w net.netflow.$key=$value succeeded: $out"
	fi
	assert_eq "net.netflow.$key after sysctl -w $key=$value" "$old" "$(sysctl -n "net.netflow.$key")"
	# The same through a plain write(2): the error must be EINVAL.
	if out=$( { printf '%s\n' "$value" >"$SYS/$key"; } 2>&1); then
		fail "write '$value' to $SYS/$key succeeded"
	fi
	assert_match "write '$value' to $SYS/$key" 'Invalid argument' "$out"
	assert_eq "$SYS/$key after the write" "$old" "$(cat "$SYS/$key")"
done
assert_eq "parameters/inactive_timeout after bad writes" 15 "$(cat /sys/module/$M/parameters/inactive_timeout)"
assert_eq "parameters/destination after bad writes" 127.0.0.1:2055 "$(cat /sys/module/$M/parameters/destination)"

# The same keys do take good values (the refusals above are not blanket ones).
good_sysctls=(inactive_timeout=20 maxflows=5000 hashsize=512 destination=127.0.0.1:2057 protocol=9 protocol=10)
for kv in "${good_sysctls[@]}"; do
	key=${kv%%=*} value=${kv#*=}
	old=$(sysctl -n "net.netflow.$key")
	sysctl -q -w "net.netflow.$key=$value"
	assert_eq "net.netflow.$key after writing $value" "$value" "$(sysctl -n "net.netflow.$key")"
	sysctl -q -w "net.netflow.$key=$old"
	assert_eq "net.netflow.$key restored" "$old" "$(sysctl -n "net.netflow.$key")"
done

unload_module $M
assert_gone
