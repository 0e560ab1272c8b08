#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# 65-permissions: who may change the module, what its views reveal, and the
# hash seed.
#
#   root ns: OUTPUT -o lo -p udp --dport 50001 -j NETFLOW
#     python: 200 source ports 40000..40199 -> 127.0.0.1:50001 (no listener)
#     flows stay cached (timeouts 600 s); destination 127.0.0.1:2055 (nobody)
#
#   uid 65534 (setpriv, no groups)   -> write every /proc/sys/net/netflow/* :
#   root of a user namespace that       EACCES, value unchanged (flush too:
#   uid 65534 made (unshare -U -r)      the cache is still full)
#   /sys/module/ipt_NETFLOW/parameters/*: root-owned, nobody may write
#
#   kptr_restrict=0: every /proc/net/stat/ipt_netflow* view, with flows
#   cached, after a flush, under v9 and IPFIX, read as root and as uid
#   65534, holds no kernel address (ffff..., 0x..., 16-hex-digit %p hashes)
#
#   hash seed: the bucket column of ipt_netflow_flows for the same 200 flows
#   is identical within one load (after a flush and the same traffic again)
#   and differs across three loads (random per load, not seed 0).
# vm-timeout: 300

source "${VM_LIB:-$(dirname "$0")/../lib.sh}"
source "$(dirname "${BASH_SOURCE[0]}")/../netflow.sh"
NF_TMP=${TMPDIR:-/tmp}/nf
mkdir -p "$NF_TMP"

SYS=/proc/sys/net/netflow
PAR=/sys/module/ipt_NETFLOW/parameters
NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups)
PARAMS=(destination=127.0.0.1:2055 hashsize=4096 inactive_timeout=600 active_timeout=600)

# as_nobody CMD...: CMD as uid/gid 65534 without supplementary groups.
as_nobody() { "${NOBODY[@]}" "$@"; }

# python3 -c "$WRITE_PY" PATH VALUE: one write(2); prints OK or the errno
# name (nf_write's, runnable under setpriv and unshare).
WRITE_PY='
import errno, os, sys
try:
    fd = os.open(sys.argv[1], os.O_WRONLY)
    try:
        os.write(fd, sys.argv[2].encode())
    finally:
        os.close(fd)
    print("OK")
except OSError as e:
    print(errno.errorcode.get(e.errno, str(e.errno)))'

# send_flows: one datagram from each of 200 source ports (all to port 50001).
send_flows() {
	python3 "$NF_TOOLS/traffic.py" udp-many 127.0.0.1 40000 200 50001 32 0 >/dev/null
	wait_for '[ "$(nf_snmp hashFlows)" -ge 200 ]' 20
}

# buckets: "SPORT BUCKET" per cached flow of the test (sorted, unique: a flow
# seen by two CPUs is in the same bucket of both).
buckets() {
	awk '{ split($6, s, ",") }
		s[1] == "127.0.0.1" && s[2] >= 40000 && s[2] < 40200 { print s[2], $2 }' \
		/proc/net/stat/ipt_netflow_flows | sort -u
}

# no_pointers WHAT FILE: FILE has no kernel address.  Kernel and module
# addresses on x86_64 start with ffff; %p prints a 16-hex-digit hash; %px
# and %pK with 0x.  The srcversion (uppercase hex) is removed first.
no_pointers() {
	local hits
	hits=$(sed "s/srcversion $SRCV//" "$2" |
		grep -Eio 'ffff[0-9a-f]{8,}|0x[0-9a-f]{8,}|\b[0-9a-f]{16}\b' | grep -Ei '[a-f]' || true)
	[ -z "$hits" ] || fail "$1: kernel address-like tokens: $(head -n 3 <<<"$hits" | xargs)"
	log "ok: $1: no kernel address in $(wc -l <"$2") lines"
}

# scan_views TAG: every view, as root and as nobody, has no pointer.
scan_views() {
	local f who
	for f in /proc/net/stat/ipt_netflow*; do
		cat "$f" >"$NF_TMP/view"
		no_pointers "$1: $f (root)" "$NF_TMP/view"
		as_nobody cat "$f" >"$NF_TMP/view"
		no_pointers "$1: $f (uid 65534)" "$NF_TMP/view"
	done
	for f in "$SYS"/*; do cat "$f"; done >"$NF_TMP/view"
	no_pointers "$1: $SYS/*" "$NF_TMP/view"
}

old_kptr=$(sysctl -n kernel.kptr_restrict)
defer sysctl -qw kernel.kptr_restrict="$old_kptr"
sysctl -qw kernel.kptr_restrict=0

nf_load "${PARAMS[@]}"
SRCV=$(cat /sys/module/ipt_NETFLOW/srcversion)
iptables -A OUTPUT -o lo -p udp --dport 50001 -j NETFLOW
defer iptables -D OUTPUT -o lo -p udp --dport 50001 -j NETFLOW
send_flows
cached=$(nf_snmp hashFlows)
log "$cached flows cached"

log "sysctls: root-owned, written only by root"
n=0
for f in "$SYS"/*; do
	key=${f##*/}
	assert_match "$f owner and mode" '^root root (644|600|640|200|400|444)$' "$(stat -c '%U %G %a' "$f")"
	old=$(cat "$f")
	# The value a caller would most like to set: the current one, or 1 for flush.
	new=$old
	[ "$key" != flush ] || new=1
	[ -n "$new" ] || new=1
	assert_eq "uid 65534 writes $key" EACCES "$(as_nobody python3 -c "$WRITE_PY" "$f" "$new")"
	# uid 0 of a user namespace that uid 65534 made (and that maps to it)
	assert_eq "userns root writes $key" EACCES "$(as_nobody unshare -U -r python3 -c "$WRITE_PY" "$f" "$new")"
	assert_eq "$key unchanged" "$old" "$(cat "$f")"
	n=$((n + 1))
done
assert_match "sysctls checked" '^[1-9][0-9]+$' "$n"
assert_eq "flows still cached (flush refused)" "$cached" "$(nf_snmp hashFlows)"
assert_eq "nothing exported yet" 0 "$(nf_snmp outFlows)"

log "module parameters: root-owned, nobody writes"
for f in "$PAR"/*; do
	read -r owner group mode <<<"$(stat -c '%U %G %a' "$f")"
	assert_eq "$f owner" "root root" "$owner $group"
	# Only the owner may write (x00 for group and other's write bits).
	assert_eq "$f: group/other write bits" 0 $((8#$mode & 8#022))
	old=$(cat "$f" 2>/dev/null || echo '<unreadable>')
	assert_match "uid 65534 writes ${f##*/}" '^(EACCES|EPERM)$' \
		"$(as_nobody python3 -c "$WRITE_PY" "$f" "$old")"
	assert_eq "${f##*/} unchanged" "$old" "$(cat "$f" 2>/dev/null || echo '<unreadable>')"
done

log "no kernel pointer in the views"
scan_views "v5, $cached flows cached"
sysctl -qw net.netflow.protocol=9
send_flows
scan_views "v9, flows cached"
sysctl -qw net.netflow.protocol=10
send_flows
scan_views "IPFIX, flows cached"
sysctl -qw net.netflow.flush=1
scan_views "IPFIX, flushed"
sysctl -qw net.netflow.protocol=5

log "hash seed: the same flows, the same buckets within a load"
sysctl -qw net.netflow.flush=1
send_flows
buckets >"$NF_TMP/b1"
sysctl -qw net.netflow.flush=1
assert_eq "flows after flush" 0 "$(nf_snmp hashFlows)"
send_flows
buckets >"$NF_TMP/b1again"
assert_eq "flows with a bucket" 200 "$(awk '{ print $1 }' "$NF_TMP/b1" | sort -u | wc -l)"
assert_same "buckets after a flush, same load" "$(cat "$NF_TMP/b1")" "$(cat "$NF_TMP/b1again")"
assert_match "buckets spread (distinct buckets of 200 flows)" '^(1[5-9][0-9]|200)$' \
	"$(awk '{ print $2 }' "$NF_TMP/b1" | sort -u | wc -l)"

for load in 2 3; do
	iptables -D OUTPUT -o lo -p udp --dport 50001 -j NETFLOW
	unload_module ipt_NETFLOW
	load_module ipt_NETFLOW "${PARAMS[@]}"
	iptables -A OUTPUT -o lo -p udp --dport 50001 -j NETFLOW
	send_flows
	buckets >"$NF_TMP/b$load"
	assert_eq "load $load: flows with a bucket" 200 "$(awk '{ print $1 }' "$NF_TMP/b$load" | sort -u | wc -l)"
	for prev in $(seq 1 $((load - 1))); do
		same=$(comm -12 "$NF_TMP/b$prev" "$NF_TMP/b$load" | wc -l)
		# 200 flows in 4096 buckets: about 0.05 keep theirs by chance.
		log "load $load vs load $prev: $same of 200 flows in the same bucket"
		assert_between "load $load vs $prev: flows in the same bucket" 0 10 "$same"
	done
done

iptables -D OUTPUT -o lo -p udp --dport 50001 -j NETFLOW
unload_module ipt_NETFLOW
