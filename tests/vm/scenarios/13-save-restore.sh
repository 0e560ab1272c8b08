#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# 13-save-restore: NETFLOW rules survive iptables-save / iptables-restore with
# both backends, and the module's reference count follows the rules: pinned
# while any rule exists, 0 once they are gone, then a clean rmmod.  No traffic.
#
#   (module not loaded)
#   iptables-legacy -A INPUT ... -j NETFLOW  --> request_module: ipt_NETFLOW
#   sysctl net.netflow.protocol=10           (v5 cannot carry IPv6: ip6tables
#                                             needs protocol 9 or 10)
#   per backend (legacy, then nft), IPv4 and IPv6:
#     add rules in filter/mangle/raw         refcnt > 0, rmmod refused (in use)
#     {ip,ip6}tables-save  > saved           "-j NETFLOW" lines, per table
#     flush the tables                       no NETFLOW line, refcnt 0
#     {ip,ip6}tables-restore < saved
#     {ip,ip6}tables-save                    same rule lines as saved
#     -D each rule                           no NETFLOW line, refcnt 0
#   rmmod ipt_NETFLOW

source "${VM_LIB:-$(dirname "$0")/../lib.sh}"
source "$(dirname "${BASH_SOURCE[0]}")/../netflow.sh"

M=ipt_NETFLOW
REFCNT=/sys/module/$M/refcnt

# "TABLE CHAIN MATCHES..." of each rule; the target is always -j NETFLOW.
rules4=(
	"filter INPUT -i lo -p udp --dport 5555"
	"filter FORWARD -s 10.9.0.0/16"
	"mangle PREROUTING"
	"mangle POSTROUTING -o lo -p tcp --dport 80"
	"raw PREROUTING -p icmp"
)
rules6=(
	"filter INPUT -i lo -p udp --dport 5555"
	"filter OUTPUT -d fd00::/8"
	"mangle FORWARD -p tcp --dport 443"
	"raw OUTPUT -p ipv6-icmp"
)

module_loaded $M && fail "$M is loaded before the scenario starts"
defer nf_unload_if_loaded
for b in $(ipt_backends); do
	for c in iptables-$b ip6tables-$b; do
		for t in filter mangle raw; do defer "$c" -w -t $t -F; done
	done
done

# netflow_lines < SAVE_OUTPUT: "TABLE: -A ... -j NETFLOW" per NETFLOW rule.
netflow_lines() { awk '/^\*/ { t = substr($0, 2) } /^-A .*-j NETFLOW$/ { print t ": " $0 }'; }
# rule_lines < SAVE_OUTPUT: every rule line with its table.
rule_lines() { awk '/^\*/ { t = substr($0, 2) } /^-A / { print t ": " $0 }'; }

refcnt() { cat $REFCNT; }
refcnt_zero() { wait_for "[ \"\$(cat $REFCNT)\" = 0 ]" 10; log "ok: $M refcnt 0"; }

# add_rules IPTABLES RULE...
add_rules() {
	local ipt=$1 r t c m
	shift
	for r in "$@"; do
		read -r t c m <<<"$r"
		# shellcheck disable=SC2086 # the matches are words
		"$ipt" -w -t "$t" -A "$c" $m -j NETFLOW
	done
}
del_rules() {
	local ipt=$1 r t c m
	shift
	for r in "$@"; do
		read -r t c m <<<"$r"
		# shellcheck disable=SC2086
		"$ipt" -w -t "$t" -D "$c" $m -j NETFLOW
	done
}
flush_tables() { local t; for t in filter mangle raw; do "$1" -w -t $t -F; done; }

first=$(helper_ipt iptables)
log "autoload: the first $first -j NETFLOW rule loads $M"
add_rules "$first" "${rules4[0]}"
module_loaded $M || fail "$M was not loaded by $first -j NETFLOW"
if have_legacy_iptables "the exact refcnt of one legacy rule"; then
	assert_eq "refcnt with one rule" 1 "$(refcnt)"
	"$first" -w -t filter -F
	assert_eq "refcnt after flushing it" 0 "$(refcnt)"
else
	"$first" -w -t filter -F
	refcnt_zero	# nft drops its references from a work item
fi
sysctl -q -w net.netflow.protocol=10
assert_eq "net.netflow.protocol" 10 "$(sysctl -n net.netflow.protocol)"

for b in $(ipt_backends); do
	ipt4=iptables-$b ipt6=ip6tables-$b
	log "$b: ${#rules4[@]} IPv4 and ${#rules6[@]} IPv6 NETFLOW rules"
	add_rules $ipt4 "${rules4[@]}"
	add_rules $ipt6 "${rules6[@]}"
	r=$(refcnt)
	log "refcnt with the rules: $r"
	[ "$r" -gt 0 ] || fail "$M refcnt is $r while $b rules use it"
	if out=$(rmmod $M 2>&1); then
		fail "rmmod $M succeeded while $b rules use it"
	fi
	assert_match "rmmod while in use" 'in use' "$out"
	module_loaded $M || fail "$M gone after the refused rmmod"

	for fam in 4 6; do
		if [ $fam = 4 ]; then ipt=$ipt4 rules=("${rules4[@]}"); else ipt=$ipt6 rules=("${rules6[@]}"); fi
		saved=$TMPDIR/$ipt.save
		"$ipt-save" >"$saved"
		cp "$saved" "$VM_ARTIFACTS/" || true
		lines=$(netflow_lines <"$saved")
		log "$ipt-save NETFLOW lines:"$'\n'"$lines"
		assert_eq "$ipt-save NETFLOW lines" "${#rules[@]}" "$(grep -c . <<<"$lines")"
		for r in "${rules[@]}"; do
			read -r t c m <<<"$r"
			grep -qE "^$t: -A $c .*-j NETFLOW\$|^$t: -A $c -j NETFLOW\$" <<<"$lines" ||
				fail "$ipt-save: no NETFLOW rule in table $t chain $c"
		done
	done

	log "$b: flush, then restore"
	flush_tables $ipt4
	flush_tables $ipt6
	assert_eq "$ipt4-save NETFLOW lines after flush" "" "$("$ipt4-save" | netflow_lines)"
	assert_eq "$ipt6-save NETFLOW lines after flush" "" "$("$ipt6-save" | netflow_lines)"
	refcnt_zero

	for ipt in $ipt4 $ipt6; do
		saved=$TMPDIR/$ipt.save
		"$ipt-restore" <"$saved"
		again=$("$ipt-save")
		assert_eq "$ipt rule lines after save/restore/save" "$(rule_lines <"$saved")" "$(rule_lines <<<"$again")"
	done
	r=$(refcnt)
	log "refcnt after restore: $r"
	[ "$r" -gt 0 ] || fail "$M refcnt is $r after restoring the $b rules"

	log "$b: delete the rules one by one"
	del_rules $ipt4 "${rules4[@]}"
	del_rules $ipt6 "${rules6[@]}"
	assert_eq "$ipt4-save NETFLOW lines after -D" "" "$("$ipt4-save" | netflow_lines)"
	assert_eq "$ipt6-save NETFLOW lines after -D" "" "$("$ipt6-save" | netflow_lines)"
	refcnt_zero
done

assert_eq "$REFCNT before rmmod" 0 "$(refcnt)"
unload_module $M
