# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Project helpers for scenarios, sourced after lib.sh: the namespace router,
# real collectors (nfcapd, tshark) on the guest's loopback, and the module's
# own counters.

NF_TOOLS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/tools
NF_TMP=/tmp/nf
mkdir -p "$NF_TMP"

na() { ip netns exec nsa "$@"; }
nb() { ip netns exec nsb "$@"; }

# nf_router: two hosts routed through the guest's root namespace.
#
#   nsa                          root (router)                         nsb
#   va0 10.1.0.2/24  <-veth->  va 10.1.0.1    vb 10.2.0.1  <-veth->  vb0 10.2.0.2/24
#       fd01::2/64                fd01::1        fd02::1                fd02::2/64
nf_router() {
	netns_add nsa nsb
	ip link add va type veth peer name va0 netns nsa
	ip link add vb type veth peer name vb0 netns nsb
	defer ip link del va
	defer ip link del vb
	ip addr add 10.1.0.1/24 dev va
	ip addr add 10.2.0.1/24 dev vb
	ip addr add fd01::1/64 dev va nodad
	ip addr add fd02::1/64 dev vb nodad
	ip link set va up
	ip link set vb up
	ip -n nsa addr add 10.1.0.2/24 dev va0
	ip -n nsb addr add 10.2.0.2/24 dev vb0
	ip -n nsa addr add fd01::2/64 dev va0 nodad
	ip -n nsb addr add fd02::2/64 dev vb0 nodad
	ip -n nsa link set va0 up
	ip -n nsb link set vb0 up
	ip -n nsa route add default via 10.1.0.1
	ip -n nsb route add default via 10.2.0.1
	ip -n nsa -6 route add default via fd01::1
	ip -n nsb -6 route add default via fd02::1
	sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
	# The sink host drops test UDP quietly: no ICMP errors in the flows.
	nb iptables-legacy -A INPUT -p udp --dport 50000:50999 -j DROP
	nb ip6tables-legacy -A INPUT -p udp --dport 50000:50999 -j DROP
	# Warm up ARP and ND so that only test packets follow.
	na busybox ping -q -c 1 -W 5 10.2.0.2 >/dev/null
	na busybox ping -6 -q -c 1 -W 5 fd02::2 >/dev/null
}

ifindex() { cat "/sys/class/net/$1/ifindex"; }

# collector_start NAME PORT: nfcapd on 127.0.0.1:PORT storing into $NF_TMP/NAME.
collector_start() {
	local dir=$NF_TMP/$1
	mkdir -p "$dir"
	nfcapd -w "$dir" -p "$2" -b 127.0.0.1 -t 3600 -B 8388608 -P "$NF_TMP/$1.pid" -D >/dev/null
	wait_for "[ -s $NF_TMP/$1.pid ] && ss -Hlun 'sport = :$2' | grep -q ." 10
	defer collector_stop "$1"
}

# collector_stop NAME: nfcapd writes its file on SIGTERM.
collector_stop() {
	local pidf=$NF_TMP/$1.pid pid
	[ -s "$pidf" ] || return 0
	pid=$(cat "$pidf")
	kill -TERM "$pid" 2>/dev/null || true
	wait_for "! kill -0 $pid" 20
	rm -f "$pidf"
}

# collector_records NAME: one normalized line per flow record (nfcheck.py).
collector_records() { python3 "$NF_TOOLS/nfcheck.py" nfdump "$NF_TMP/$1"; }

# capture_start NAME FILTER / capture_stop NAME: tshark on lo.
capture_start() {
	local f=$NF_TMP/$1
	tshark -i lo -f "$2" -w "$f.pcap" >"$f.tshark.log" 2>&1 &
	echo $! >"$f.tshark.pid"
	defer capture_stop "$1"
	wait_for "grep -q Capturing $f.tshark.log" 60
}
capture_stop() {
	local f=$NF_TMP/$1 pid
	[ -s "$f.tshark.pid" ] || return 0
	pid=$(cat "$f.tshark.pid")
	kill -INT "$pid" 2>/dev/null || true
	wait_for "! kill -0 $pid" 30
	rm -f "$f.tshark.pid"
}
capture_records() { python3 "$NF_TOOLS/nfcheck.py" tshark "$NF_TMP/$1.pcap"; }

# records_sum KEY... < records: "PKTS BYTES RECORDS" of matching records.
records_sum() { python3 "$NF_TOOLS/nfcheck.py" sum "$@"; }

# nf_snmp NAME: a value from /proc/net/stat/ipt_netflow_snmp.
nf_snmp() { awk -v k="$1" '$1 == k { print $2 }' /proc/net/stat/ipt_netflow_snmp; }

# nf_wait_exported [SECS]: until no flow is cached and no datagram is pending.
nf_wait_exported() {
	wait_for "[ \"\$(nf_snmp hashFlows)\" = 0 ] && grep -q 'InPDU 0, 0' /proc/net/stat/ipt_netflow" "${1:-20}"
}

# nf_load PARAMS...: load the module and register its unload.
nf_load() {
	load_module ipt_NETFLOW "$@"
	defer nf_unload_if_loaded
}
nf_unload_if_loaded() { module_loaded ipt_NETFLOW && rmmod ipt_NETFLOW || true; }

# ---- more readers of the module's counters (scenarios 21-24) ----

# collector_times NAME: collector_records plus DURATION_MS RECEIVED_MS per line.
collector_times() { python3 "$NF_TOOLS/nfcheck.py" nfdump-times "$NF_TMP/$1"; }

# nf_total COLUMN: a column of the Total line of /proc/net/stat/ipt_netflow:
# pps searched found new trunc frag alloc maxflows pkts drop.
nf_total() {
	awk -v c="$1" '$1 == "Total" {
		gsub(/[;,\[\]]/, " ")
		split("pps searched found new metric trunc frag alloc maxflows", n, " ")
		for (i = 1; i <= 9; i++) v[n[i]] = $(i + 1)
		v["pkts"] = $12; v["drop"] = $16
		print v[c]
	}' /proc/net/stat/ipt_netflow
}

# nf_cpu_sum COLUMN: the sum over the cpuN rows of ipt_netflow_snmp, COLUMN one
# of pps flows pkts bytes droppkts dropbytes trunc frag alloc maxflows.
nf_cpu_sum() {
	awk -v c="$1" 'BEGIN {
		split("pps flows pkts bytes metric droppkts dropbytes trunc frag alloc maxflows", n, " ")
		for (i in n) col[n[i]] = i + 1
	}
	$1 ~ /^cpu[0-9]+$/ { s += $(col[c]) }
	END { print s + 0 }' /proc/net/stat/ipt_netflow_snmp
}

# nf_flows_active / nf_flows_peak / nf_hash_size: from /proc/net/stat/ipt_netflow.
nf_flows_active() { sed -n 's/^Flows: active \([0-9]*\) .*/\1/p' /proc/net/stat/ipt_netflow; }
nf_flows_peak() { sed -n 's/^Flows: active [0-9]* (peak \([0-9]*\) .*/\1/p' /proc/net/stat/ipt_netflow; }
nf_hash_size() { sed -n 's/^Hash: size \([0-9]*\) .*/\1/p' /proc/net/stat/ipt_netflow; }

# nf_sock_line N: the "sockN: ..." line of /proc/net/stat/ipt_netflow.
nf_sock_line() { grep "^sock$1: " /proc/net/stat/ipt_netflow; }

# nf_sock N FIELD: one figure of destination N's line: sndbuf filled peak
# full (sndbuf reached) connect cberr other pkts bytes (sent), or attempts
# (unconnected only); empty when the line does not have it.
nf_sock() {
	nf_sock_line "$1" | awk -v f="$2" '{
		gsub(/[,;.()]/, " ")
		for (i = 1; i < NF; i++) {
			if ($i == "sndbuf" && $(i + 1) ~ /^[0-9]+$/) v["sndbuf"] = $(i + 1)
			if ($i == "filled") v["filled"] = $(i + 1)
			if ($i == "peak") v["peak"] = $(i + 1)
			if ($i == "reached") v["full"] = $(i + 1)
			if ($i == "connect") v["connect"] = $(i + 1)
			if ($i == "cberr") v["cberr"] = $(i + 1)
			if ($i == "other") v["other"] = $(i + 1)
			if ($i == "sent") { v["pkts"] = $(i + 1); v["bytes"] = $(i + 3) }
			if ($i == "unconnected") v["attempts"] = $(i + 1)
		}
		print v[f]
	}'
}

# assert_between WHAT LO HI ACTUAL: integer LO <= ACTUAL <= HI, else fail.
assert_between() {
	if ! [[ $4 =~ ^-?[0-9]+$ ]] || (($4 < $2 || $4 > $3)); then
		local where="${BASH_SOURCE[1]##*/}:${BASH_LINENO[0]}"
		echo "FAIL: $1: '$4' not in [$2, $3] ($where)" >&2
		vm__reason "$1: '$4' not in [$2, $3] ($where)"
		exit 1
	fi
	log "ok: $1 = $4 (in [$2, $3])"
}
