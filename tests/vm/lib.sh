# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Helpers for scenario scripts; sourced inside the guest:
#     source "${VM_LIB:-$(dirname "$0")/../lib.sh}"
# In the style of tools/testing/selftests/wireguard/netns.sh: set -e, tiny
# helpers, cleanups registered with defer and run on exit.
#
# Environment from guest-init.sh: VM_NAME, VM_ARTIFACTS (writable dir, lands in
# the host's results dir), VM_REASON_FILE, VM_TIMEOUT, VM_KVER, VM_REPO,
# VM_MODULES (project module names), XTABLES_LIBDIR.

set -eEuo pipefail

VM_T0=${EPOCHREALTIME/./}

log() {
	local t=$((${EPOCHREALTIME/./} - VM_T0))
	printf '[%3d.%03d] %s\n' $((t / 1000000)) $((t % 1000000 / 1000)) "$*"
}

# The first failure reason wins; run.sh prints it on the FAIL line.
vm__reason() {
	if [ -n "${VM_REASON_FILE:-}" ] && [ ! -s "$VM_REASON_FILE" ]; then
		echo "$*" >"$VM_REASON_FILE"
	fi
}

# fail MSG...: print MSG with the caller's location, exit 1.
fail() {
	local where="${BASH_SOURCE[1]##*/}:${BASH_LINENO[0]}"
	echo "FAIL: $* ($where)" >&2
	vm__reason "$* ($where)"
	exit 1
}

# set -e failures get a reason too: the command and its line.
vm__on_err() {
	local rc=$1 line=$2 cmd=$3
	# inside $(...) errexit is off: the shell goes on, so this is no failure
	[[ $- == *e* ]] || return 0
	echo "FAIL: command failed (status $rc, line $line): $cmd" >&2
	vm__reason "command failed (status $rc, line $line): $cmd"
}
trap 'vm__on_err $? $LINENO "$BASH_COMMAND"' ERR

# defer CMD [ARGS...]: run CMD at exit (last registered first), errors ignored.
VM_DEFERRED=()
defer() {
	local q
	printf -v q '%q ' "$@"
	VM_DEFERRED+=("$q")
}
vm__on_exit() {
	local rc=$? i
	trap - ERR
	set +eE
	for ((i = ${#VM_DEFERRED[@]} - 1; i >= 0; i--)); do
		eval "${VM_DEFERRED[i]}" >/dev/null 2>&1
	done
	if [ $rc -eq 0 ]; then log "OK ${VM_NAME:-}"; fi
	exit $rc
}
trap vm__on_exit EXIT
trap 'echo "killed by SIGTERM (timeout?)" >&2; exit 143' TERM
trap 'exit 130' INT

# assert_eq WHAT EXPECTED ACTUAL
assert_eq() {
	if [ "$2" != "$3" ]; then
		local where="${BASH_SOURCE[1]##*/}:${BASH_LINENO[0]}"
		echo "FAIL: $1: expected '$2', got '$3' ($where)" >&2
		vm__reason "$1: expected '$2', got '$3' ($where)"
		exit 1
	fi
	log "ok: $1 = '$3'"
}

# assert_match WHAT ERE ACTUAL
assert_match() {
	if ! [[ $3 =~ $2 ]]; then
		local where="${BASH_SOURCE[1]##*/}:${BASH_LINENO[0]}"
		echo "FAIL: $1: '$3' does not match /$2/ ($where)" >&2
		vm__reason "$1: '${3:0:200}' does not match /$2/ ($where)"
		exit 1
	fi
	log "ok: $1 =~ /$2/"
}

# Network namespaces: n0 CMD... = ip netns exec ns0 CMD... (n0..n9).
for vm__i in 0 1 2 3 4 5 6 7 8 9; do
	eval "n$vm__i() { ip netns exec ns$vm__i \"\$@\"; }"
done
unset vm__i

# netns_add NAME...: create namespaces with lo up, deleted at exit.
netns_add() {
	local ns
	for ns in "$@"; do
		ip netns add "$ns"
		defer ip netns del "$ns"
		ip -n "$ns" link set lo up
		[ -z "${EPHEMERAL_PORTS:-}" ] ||
			ip netns exec "$ns" sh -c 'echo "$1" >/proc/sys/net/ipv4/ip_local_port_range' _ "$EPHEMERAL_PORTS"
	done
}

# veth NS_A IF_A NS_B IF_B: a veth pair between two namespaces, both ends up.
veth() {
	ip link add "$2" netns "$1" type veth peer name "$4" netns "$3"
	ip -n "$1" link set "$2" up
	ip -n "$3" link set "$4" up
}

# wait_for CMD [TIMEOUT_SECS=10]: poll CMD (a shell string) until it succeeds.
# A slow guest (the debug kernel: KASAN, lockdep) boots with
# vm_timeout_scale=N on its command line: every wait is N times longer.
VM_WAIT_SCALE=$(sed -n 's/.*\bvm_timeout_scale=\([1-9][0-9]*\).*/\1/p' /proc/cmdline 2>/dev/null)
VM_WAIT_SCALE=${VM_WAIT_SCALE:-1}

wait_for() {
	local cmd=$1 t=$((${2:-10} * VM_WAIT_SCALE))
	local deadline=$((${EPOCHREALTIME/./} + t * 1000000))
	until eval "$cmd" >/dev/null 2>&1; do
		if [ "${EPOCHREALTIME/./}" -gt $deadline ]; then
			local where="${BASH_SOURCE[1]##*/}:${BASH_LINENO[0]}"
			echo "FAIL: timed out after ${t}s waiting for: $cmd ($where)" >&2
			vm__reason "timed out after ${t}s waiting for: $cmd ($where)"
			exit 1
		fi
		sleep 0.1
	done
}

# ipt_counter [-n NETNS] [-t TABLE] BACKEND CHAIN RULE_NUM
# Prints "PKTS BYTES" (exact) of rule RULE_NUM in CHAIN.
# BACKEND: iptables, iptables-legacy, iptables-nft, ip6tables, ip6tables-legacy,
# ip6tables-nft, or the short forms legacy, nft, legacy6, nft6.
ipt_counter() {
	local ns='' table=filter cmd out
	while [ $# -gt 0 ]; do
		case $1 in
		-n) ns=$2; shift 2 ;;
		-t) table=$2; shift 2 ;;
		*) break ;;
		esac
	done
	[ $# -eq 3 ] || fail "usage: ipt_counter [-n NETNS] [-t TABLE] BACKEND CHAIN RULE_NUM"
	case $1 in
	legacy) cmd=iptables-legacy ;;
	nft) cmd=iptables-nft ;;
	legacy6) cmd=ip6tables-legacy ;;
	nft6) cmd=ip6tables-nft ;;
	iptables | iptables-legacy | iptables-nft | ip6tables | ip6tables-legacy | ip6tables-nft) cmd=$1 ;;
	*) fail "ipt_counter: unknown backend '$1'" ;;
	esac
	local pre=()
	[ -n "$ns" ] && pre=(ip netns exec "$ns")
	out=$("${pre[@]}" "$cmd" -w -t "$table" -L "$2" -v -x -n --line-numbers 2>/dev/null) ||
		fail "ipt_counter: $cmd -t $table -L $2 failed${ns:+ in $ns}"
	awk -v n="$3" '$1 == n { print $2, $3; found = 1 } END { exit !found }' <<<"$out" ||
		fail "ipt_counter: no rule $3 in $cmd -t $table $2${ns:+ in $ns}"
}

vm__dmesg_tail() { dmesg | tail -n 25 | sed 's/^/    dmesg: /' >&2; }

# load_module NAME [PARAMS...] (any modprobe arguments; the first non-option is the module)
load_module() {
	local a name='' out
	for a in "$@"; do [[ $a == -* ]] || { name=$a; break; }; done
	log "modprobe $*"
	if ! out=$(modprobe "$@" 2>&1); then
		echo "$out" >&2
		vm__dmesg_tail
		local where="${BASH_SOURCE[1]##*/}:${BASH_LINENO[0]}"
		vm__reason "modprobe $* failed: ${out:0:200} ($where)"
		echo "FAIL: modprobe $* failed ($where)" >&2
		exit 1
	fi
	if [ -n "$name" ] && [ ! -d "/sys/module/${name//-/_}" ]; then
		vm__dmesg_tail
		fail "modprobe $* succeeded but /sys/module/${name//-/_} is missing"
	fi
}

# unload_module NAME: rmmod and check that it is gone.
unload_module() {
	local name=${1//-/_} out
	log "rmmod $name"
	if ! out=$(rmmod "$name" 2>&1); then
		echo "$out" >&2
		vm__dmesg_tail
		fail "rmmod $name failed: $out"
	fi
	if [ -e "/sys/module/$name" ] || grep -q "^$name " /proc/modules; then
		fail "module $name still present after rmmod"
	fi
}

# module_loaded NAME: true if loaded.
module_loaded() { grep -q "^${1//-/_} " /proc/modules; }

# tainted: print /proc/sys/kernel/tainted
tainted() { cat /proc/sys/kernel/tainted; }

# have_legacy_iptables: true if this kernel has legacy x_tables (ip_tables,
# ip6_tables); false on kernels built without it (Debian's 7.x rt flavour),
# where plain iptables is the nft back end (guest-init.sh).  A scenario's
# iptables-legacy round is skipped there, with a log line.
# helper_ipt iptables|ip6tables: the command for a scenario's helper rules
# (a sink's quiet DROP; not what is measured): the legacy back end, or nft on
# kernels without legacy x_tables.
helper_ipt() {
	if [ "${VM_LEGACY_IPTABLES:-1}" = 1 ]; then echo "$1-legacy"; else echo "$1-nft"; fi
}

# The iptables back ends this kernel has, as the suffixes of iptables-legacy
# and iptables-nft: "legacy nft", or "nft" alone.
ipt_backends() {
	if [ "${VM_LEGACY_IPTABLES:-1}" = 1 ]; then echo "legacy nft"; else echo nft; fi
}

have_legacy_iptables() {
	[ "${VM_LEGACY_IPTABLES:-1}" = 1 ] && return 0
	log "no legacy iptables in $(uname -r) (CONFIG_IP_NF_IPTABLES_LEGACY off): skipping ${1:-the iptables-legacy part}"
	return 1
}
