# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Project helpers for scenarios, sourced after lib.sh: the namespace router,
# real collectors (nfcapd, tshark) on the guest's loopback, and the module's
# own counters.

NF_TOOLS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/tools
# Each scenario starts with an empty work directory: collectors read every
# file in theirs, and one boot runs many scenarios.
NF_TMP=/tmp/nf
rm -rf "$NF_TMP"
mkdir -p "$NF_TMP"

na() { ip netns exec nsa "$@"; }
nb() { ip netns exec nsb "$@"; }

# nf_router [nft]: two hosts routed through the guest's root namespace.
#
# (NF_ROUTER_A / NF_ROUTER_B: other names for the router's va and vb.)
#   nsa                          root (router)                         nsb
#   va0 10.1.0.2/24  <-veth->  va 10.1.0.1    vb 10.2.0.1  <-veth->  vb0 10.2.0.2/24
#       fd01::2/64                fd01::1        fd02::1                fd02::2/64
nf_router() {
	local a=${NF_ROUTER_A:-va} b=${NF_ROUTER_B:-vb}
	netns_add nsa nsb
	ip link add $a type veth peer name va0 netns nsa
	ip link add $b type veth peer name vb0 netns nsb
	defer ip link del $a
	defer ip link del $b
	ip addr add 10.1.0.1/24 dev $a
	ip addr add 10.2.0.1/24 dev $b
	ip addr add fd01::1/64 dev $a nodad
	ip addr add fd02::1/64 dev $b nodad
	ip link set $a up
	ip link set $b up
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
	# The sink host drops test UDP quietly: no ICMP errors in the flows
	# (`nf_router nft`: with an nft rule, for guests without iptables rules).
	if [ "${1:-}" = nft ]; then
		nb nft add table inet sink
		nb nft add chain inet sink input '{ type filter hook input priority 0; }'
		nb nft add rule inet sink input udp dport 50000-50999 drop
	else
		nb "$(helper_ipt iptables)" -A INPUT -p udp --dport 50000:50999 -j DROP
		nb "$(helper_ipt ip6tables)" -A INPUT -p udp --dport 50000:50999 -j DROP
	fi
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
	tshark -i lo -f "$(capture_filter "$2")" -w "$f.pcap" >"$f.tshark.log" 2>&1 &
	echo $! >"$f.tshark.pid"
	defer capture_stop "$1"
	capture_wait_live "$f.pcap"
}

# tshark and dumpcap print "Capturing" before the kernel runs their filter:
# a datagram sent just after (the templates a load sends at once) could be
# missing from the capture.  A capture is live once it holds one of the
# probes sent to the discard port, which every capture also takes and no
# decoder here reads (they all select cflow or the collector ports).
capture_filter() { echo "($1) or (udp dst port 9 and dst host 127.0.0.1)"; }
capture_wait_live() {
	local i n
	for ((i = 0; i < 300; i++)); do
		echo probe 2>/dev/null >/dev/udp/127.0.0.1/9 || true
		n=$(capinfos -c -M "$1" 2>/dev/null | awk '/Number of packets/ { print $NF }') || n=0
		[ "${n:-0}" -gt 0 ] && return 0
		sleep 0.2
	done
	fail "capture $1 took none of its probes in 60 s"
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
# nf_flows_mem_k: "mem NK" of the Flows line (records cached or pooled, and the hash).
nf_flows_mem_k() { sed -n 's/^Flows: .*, mem \([0-9]*\)K, .*/\1/p' /proc/net/stat/ipt_netflow; }
nf_hash_size() { sed -n 's/^Hash: size \([0-9]*\) .*/\1/p' /proc/net/stat/ipt_netflow; }
# nf_hash_settled: the hash size once no table is being resized (each CPU's
# table follows its flows: two reads a second apart agree); prints it.
nf_hash_settled() {
	local a b i
	for ((i = 0; i < 60; i++)); do
		a=$(nf_hash_size)
		sleep 1
		b=$(nf_hash_size)
		[ "$a" = "$b" ] && { echo "$b"; return 0; }
	done
	fail "the hash size kept changing: $a, $b"
}

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

# nf_router_ns: nf_router's IPv4 topology with the router in a namespace of
# its own, nsr: a fresh netns has no conntrack or defrag hooks, whatever
# earlier scenarios left in the root namespace (an iptables nat table keeps
# IPv4 defragmentation on there until its module goes).
#
#   nsa                          nsr (router)                          nsb
#   va0 10.1.0.2/24  <-veth->  va 10.1.0.1    vb 10.2.0.1  <-veth->  vb0 10.2.0.2/24
nr() { ip netns exec nsr "$@"; }
nf_router_ns() {
	netns_add nsa nsr nsb
	veth nsr va nsa va0
	veth nsr vb nsb vb0
	ip -n nsr addr add 10.1.0.1/24 dev va
	ip -n nsr addr add 10.2.0.1/24 dev vb
	ip -n nsa addr add 10.1.0.2/24 dev va0
	ip -n nsb addr add 10.2.0.2/24 dev vb0
	ip -n nsa route add default via 10.1.0.1
	ip -n nsb route add default via 10.2.0.1
	nr sysctl -qw net.ipv4.ip_forward=1
	nb "$(helper_ipt iptables)" -A INPUT -p udp --dport 50000:50999 -j DROP
	na busybox ping -q -c 1 -W 5 10.2.0.2 >/dev/null
}

# ---- aggregation and control views (scenarios 50-51) ----

# nf_write PATH VALUE: one write(2) of VALUE to PATH (a sysctl or a module
# parameter file); prints OK or the errno name (EINVAL, EPERM, ...).
nf_write() {
	python3 -c '
import errno, os, sys
fd = os.open(sys.argv[1], os.O_WRONLY)
try:
    os.write(fd, sys.argv[2].encode())
    print("OK")
except OSError as e:
    print(errno.errorcode.get(e.errno, str(e.errno)))
finally:
    os.close(fd)' "$1" "$2"
}

# nf_sysctl_write NAME VALUE: nf_write on /proc/sys/net/netflow/NAME.
nf_sysctl_write() { nf_write "/proc/sys/net/netflow/$1" "$2"; }

# nf_aggr_usage KIND N: the usage of line "aggr#N KIND:" (KIND net or port)
# of /proc/net/stat/ipt_netflow; empty when there is no such line.
nf_aggr_usage() {
	sed -n "s/^aggr#$2 $1: .* (usage \([0-9]*\))\$/\1/p" /proc/net/stat/ipt_netflow
}

# nf_flows_rows: the flow lines of /proc/net/stat/ipt_netflow_flows (no header).
nf_flows_rows() { tail -n +2 /proc/net/stat/ipt_netflow_flows; }

# nf_export_totals: "PKTS MB FLOWS" of the Export line of /proc/net/stat/ipt_netflow.
nf_export_totals() {
	sed -n 's/^Export: Rate [0-9]* bytes\/s; Total \([0-9]*\) pkts, \([0-9]*\) MB, \([0-9]*\) flows;.*/\1 \2 \3/p' \
		/proc/net/stat/ipt_netflow
}

# nf_worker_cpu: N of the worker's "[cpuN]" on the Flows line.
nf_worker_cpu() { sed -n 's/^Flows: .*\[cpu\([0-9]*\)\])\.$/\1/p' /proc/net/stat/ipt_netflow; }

# ---- NAT events (scenarios 40-49) ----

# nat_counters: "START STOP" from the line "Natevents enabled|disabled, count
# start N, stop M." of /proc/net/stat/ipt_netflow; nat_state: enabled|disabled.
nat_counters() {
	sed -n 's/^Natevents [a-z]*, count start \([0-9]*\), stop \([0-9]*\)[.;].*/\1 \2/p' /proc/net/stat/ipt_netflow
}
nat_state() { sed -n 's/^Natevents \([a-z]*\), .*/\1/p' /proc/net/stat/ipt_netflow; }

# nat_gateway: nf_router with the root namespace as a NAT gateway.
#   MASQUERADE of everything leaving by vb (nsa -> nsb leaves as 10.2.0.1);
#   DNAT of 10.2.0.1:8080 (tcp and udp, from vb) to 10.1.0.2:80 (nsa);
#   DNAT of 10.1.0.1:8081 (tcp, from va) to 10.2.0.2:5001, then MASQUERADE:
#   both translations on one connection.
# Test UDP to nsa port 80 is dropped quietly there, as nsb does 50000:50999.
nat_gateway() {
	nf_router
	masquerade_out vb
	if modprobe -n -q xt_nat; then
		iptables -w -t nat -A PREROUTING -i vb -p tcp --dport 8080 -j DNAT --to-destination 10.1.0.2:80
		iptables -w -t nat -A PREROUTING -i vb -p udp --dport 8080 -j DNAT --to-destination 10.1.0.2:80
		iptables -w -t nat -A PREROUTING -i va -p tcp --dport 8081 -j DNAT --to-destination 10.2.0.2:5001
		defer iptables -w -t nat -F
	else
		# No x_tables NAT targets (Debian's 7.x rt flavour): the same
		# translations in nftables' own NAT.
		log "no xt_nat in $(uname -r): DNAT rules in nftables"
		nft add table ip nat_gw
		defer nft delete table ip nat_gw
		nft add chain ip nat_gw pre '{ type nat hook prerouting priority dstnat; }'
		nft add rule ip nat_gw pre iifname vb tcp dport 8080 dnat to 10.1.0.2:80
		nft add rule ip nat_gw pre iifname vb udp dport 8080 dnat to 10.1.0.2:80
		nft add rule ip nat_gw pre iifname va tcp dport 8081 dnat to 10.2.0.2:5001
	fi
	na "$(helper_ipt iptables)" -A INPUT -p udp --dport 80 -j DROP
}

# masquerade_out DEV: source NAT of everything leaving by DEV, with
# iptables' MASQUERADE where the kernel has it, else in nftables (Debian's
# 7.x rt flavour has no x_tables NAT targets); removed at exit.
masquerade_out() {
	if modprobe -n -q xt_MASQUERADE; then
		iptables -w -t nat -A POSTROUTING -o "$1" -j MASQUERADE
		defer iptables -w -t nat -D POSTROUTING -o "$1" -j MASQUERADE
	else
		nft add table ip masq_out
		defer nft delete table ip masq_out
		nft add chain ip masq_out post '{ type nat hook postrouting priority srcnat; }'
		nft add rule ip masq_out post oifname "$1" masquerade
	fi
}

# nat_ct_sysctl NAME VALUE: set net.netfilter.NAME for the scenario, restored at exit.
nat_ct_sysctl() {
	local old
	old=$(sysctl -n "net.netfilter.$1")
	defer sysctl -qw "net.netfilter.$1=$old"
	sysctl -qw "net.netfilter.$1=$2"
}

# Connections from a chosen source port, so that every tuple is known in
# advance (python inline: a client of traffic.py cannot pick its port).
NAT_PY_TCP_SERVER='
import socket, sys
port, n = int(sys.argv[1]), int(sys.argv[2])
ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("0.0.0.0", port))
ls.listen(64)
ls.settimeout(120)
print("listening", flush=True)
for _ in range(n):
    c, peer = ls.accept()
    c.settimeout(60)
    total = 0
    while True:
        b = c.recv(65536)
        if not b:
            break
        total += len(b)
    c.close()
    print("peer %s %d %d" % (peer[0], peer[1], total), flush=True)
print("done", flush=True)
'
NAT_PY_CONNECT='
import socket, sys
for spec in sys.argv[1:]:
    proto, dst, dport, sport = spec.split(":")
    dport, sport = int(dport), int(sport)
    if proto == "udp":
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("0.0.0.0", sport))
        s.sendto(b"u" * 100, (dst, dport))
        s.close()
        continue
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", sport))
    s.settimeout(30)
    s.connect((dst, dport))
    s.sendall(b"t" * 1000)
    s.shutdown(socket.SHUT_WR)
    while s.recv(4096):
        pass
    s.close()
'
# nat_tcp_server NS PORT N OUTFILE: in the background, accepts N connections
# and reads each to EOF; OUTFILE gets "listening", "peer ADDR PORT BYTES" per
# connection (the address as the server saw it: after NAT), then "done".
nat_tcp_server() {
	ip netns exec "$1" python3 -c "$NAT_PY_TCP_SERVER" "$2" "$3" >"$4" 2>&1 &
	wait_for "grep -q listening $4" 30
}
# nat_connect NS PROTO:DST:DPORT:SPORT...: one after the other, each a TCP
# connection (PROTO tcp: 1000 bytes, orderly close, the client closing first)
# or a UDP datagram of 100 bytes (PROTO udp), from source port SPORT.
nat_connect() { local ns=$1; shift; ip netns exec "$ns" python3 -c "$NAT_PY_CONNECT" "$@"; }

# nat_ct_watch_start FILE: `conntrack -E -e NEW,DESTROY` in the background,
# line-buffered into FILE; nat_ct_watch_stop stops it (SIGINT).
nat_ct_watch_start() {
	stdbuf -oL conntrack -E -e NEW,DESTROY >"$1" 2>"$1.err" &
	echo $! >"$1.pid"
	defer nat_ct_watch_stop "$1"
	# subscribed once its socket is in /proc/net/netlink with groups set
	wait_for "nat_nl_listening $(cat "$1.pid")" 20
}
# nat_nl_listening PID: a NETLINK_NETFILTER socket of process PID has joined
# multicast groups; nat_nl_sockets: how many such sockets there are
# (conntrack -E, the module's listener, ...).
nat_nl_listening() {
	local inodes
	inodes=$(find "/proc/$1/fd" -lname 'socket:*' -printf '%l\n' 2>/dev/null | tr -dc '0-9\n')
	[ -n "$inodes" ] || return 1
	awk -v list="$inodes" 'BEGIN { n = split(list, a, "\n"); for (i = 1; i <= n; i++) want[a[i]] = 1 }
		$2 == 12 && $4 != "00000000" && ($10 in want) { f = 1 } END { exit !f }' /proc/net/netlink
}
nat_nl_sockets() { awk '$2 == 12 && $4 != "00000000" { n++ } END { print n + 0 }' /proc/net/netlink; }
nat_ct_watch_stop() {
	local pid
	[ -s "$1.pid" ] || return 0
	pid=$(cat "$1.pid")
	kill -INT "$pid" 2>/dev/null || true
	wait_for "! kill -0 $pid" 10
	rm -f "$1.pid"
}
# nat_ct_tally FILE < CONNS: for each line "KIND PROTO PRE_SRC PRE_SPORT
# PRE_DST PRE_DPORT POST_SRC POST_SPORT POST_DST POST_DPORT" on stdin, that
# line followed by "NEW=n DESTROY=m": how many events conntrack -E printed to
# FILE for the connection (its original tuple, and its reply tuple, which is
# the post-NAT one reversed).
nat_ct_tally() {
	awk 'NR == FNR {
		k = $2 " " $3 " " $4 " " $5 " " $6 " " $9 " " $10 " " $7 " " $8
		want[k] = $0; order[++n] = k; next
	}
	match($0, /\[(NEW|DESTROY)\]/) {
		ev = substr($0, RSTART + 1, RLENGTH - 2)
		ns = nd = nsp = ndp = 0; p = ""
		for (i = 1; i <= NF; i++) {
			if ($i ~ /^\[/ && p == "" && i + 2 <= NF) p = $(i + 2)
			if ($i ~ /^src=/) s[++ns] = substr($i, 5)
			else if ($i ~ /^dst=/) d[++nd] = substr($i, 5)
			else if ($i ~ /^sport=/) sp[++nsp] = substr($i, 7)
			else if ($i ~ /^dport=/) dp[++ndp] = substr($i, 7)
		}
		if (ns < 2 || nd < 2 || nsp < 2 || ndp < 2) next
		c[ev " " p " " s[1] " " sp[1] " " d[1] " " dp[1] " " s[2] " " sp[2] " " d[2] " " dp[2]]++
	}
	END {
		for (i = 1; i <= n; i++)
			print want[order[i]], "NEW=" (c["NEW " order[i]] + 0), "DESTROY=" (c["DESTROY " order[i]] + 0)
	}' - "$1"
}

# nel_templates PCAP: "VERSION FIELD_TYPES FIELD_LENGTHS" (';'-separated) of
# every datagram that carries templates, as tshark decodes them.
nel_templates() {
	tshark -r "$1" -d udp.port==2055,cflow -d udp.port==2056,cflow -Y cflow.template_id -T fields \
		-E occurrence=a -E aggregator=';' -e cflow.version -e cflow.template_field_type \
		-e cflow.template_ipfix_field_type -e cflow.template_field_length 2>/dev/null |
		awk -F'\t' '{ print $1, ($2 != "" ? $2 : $3), $4 }'
}

# ---- v9 / IPFIX helpers (scenarios 3x) ----

NF_IPFIX=$NF_TOOLS/ipfix.py

# collector_start_at NAME ADDR PORT: nfcapd bound to ADDR (IPv4 or IPv6).
collector_start_at() {
	local dir=$NF_TMP/$1
	mkdir -p "$dir"
	nfcapd -w "$dir" -p "$3" -b "$2" -t 3600 -B 8388608 -P "$NF_TMP/$1.pid" -D >/dev/null
	wait_for "[ -s $NF_TMP/$1.pid ] && ss -Hlun 'sport = :$3' | grep -q ." 10
	defer collector_stop "$1"
}

# collector_seqfail NAME: the sequence failures nfdump counted in NAME's files.
collector_seqfail() { nfdump -R "$NF_TMP/$1" -I | awk '/^Sequence failures:/ { print $3 }'; }

# acct_start NAME PORT: pmacct's nfacctd on 127.0.0.1:PORT (v5, v9 and IPFIX),
# print plugin writing CSV to $NF_TMP/NAME.csv every second, aggregated per
# flow key and start/end time (so in practice one line per flow record).
acct_start() {
	local f=$NF_TMP/$1
	cat >"$f.conf" <<EOC
daemonize: false
logfile: $f.log
nfacctd_ip: 127.0.0.1
nfacctd_port: $2
plugins: print
aggregate: proto, src_host, dst_host, src_port, dst_port, in_iface, out_iface, tos, tcpflags, timestamp_start, timestamp_end
print_output: csv
print_output_file: $f.csv
print_output_file_append: true
print_refresh_time: 1
print_cache_entries: 1024
timestamps_secs: false
EOC
	nfacctd -f "$f.conf" >"$f.out" 2>&1 &
	echo $! >"$f.acct.pid"
	defer acct_stop "$1"
	wait_for "grep -q 'waiting for NetFlow/IPFIX data on' $f.log" 30
}

# acct_stop NAME: SIGINT (nfacctd's core process ignores TERM while plugins run).
acct_stop() {
	local f=$NF_TMP/$1 pid
	[ -s "$f.acct.pid" ] || return 0
	pid=$(cat "$f.acct.pid")
	kill -INT "$pid" 2>/dev/null || true
	wait_for "! kill -0 $pid" 20
	rm -f "$f.acct.pid"
}

# acct_records NAME: normalized record lines (NEXTHOP is '-').
acct_records() { python3 "$NF_IPFIX" nfacctd "$NF_TMP/$1.csv"; }

# assert_within WHAT MIN MAX ACTUAL: integer MIN <= ACTUAL <= MAX.
assert_within() {
	if ! [[ $4 =~ ^-?[0-9]+$ ]] || (($4 < $2 || $4 > $3)); then
		local where="${BASH_SOURCE[1]##*/}:${BASH_LINENO[0]}"
		echo "FAIL: $1: '$4' not within [$2, $3] ($where)" >&2
		vm__reason "$1: '$4' not within [$2, $3] ($where)"
		exit 1
	fi
	log "ok: $1 = $4 (within [$2, $3])"
}

# now_ms: wall clock in milliseconds.
now_ms() { echo $((${EPOCHREALTIME/./} / 1000)); }

# records_total [KEY] < records: "PKTS BYTES RECORDS" as records_sum, in awk
# (no python start per call).
records_total() {
	awk -v k="${1:-}" 'NF && (k == "" || index($0 " ", k " ") == 1) { p += $6; b += $7; n++ }
		END { print p + 0, b + 0, n + 0 }'
}

# assert_same WHAT EXPECTED ACTUAL: multi-line texts equal; a diff if not.
assert_same() {
	if [ "$2" != "$3" ]; then
		local where="${BASH_SOURCE[1]##*/}:${BASH_LINENO[0]}"
		echo "FAIL: $1 ($where); diff expected actual:" >&2
		diff <(echo "$2") <(echo "$3") | head -n 40 >&2 || true
		vm__reason "$1: differs: $(diff <(echo "$2") <(echo "$3") | grep '^[<>]' | head -n 4 | tr '\n' ' ') ($where)"
		exit 1
	fi
	log "ok: $1 ($(grep -c . <<<"$3") lines)"
}

# pcap_start NAME FILTER / pcap_stop NAME: like capture_start/stop, with
# dumpcap alone (starts in a fraction of tshark's time under TCG).
pcap_start() {
	local f=$NF_TMP/$1
	dumpcap -q -i lo -f "$(capture_filter "$2")" -w "$f.pcap" >"$f.dumpcap.log" 2>&1 &
	echo $! >"$f.dumpcap.pid"
	defer pcap_stop "$1"
	capture_wait_live "$f.pcap"
}
pcap_stop() {
	local f=$NF_TMP/$1 pid
	[ -s "$f.dumpcap.pid" ] || return 0
	pid=$(cat "$f.dumpcap.pid")
	kill -INT "$pid" 2>/dev/null || true
	wait_for "! kill -0 $pid" 30
	rm -f "$f.dumpcap.pid"
}

# viol_load FILE: VIOL[KIND]="COUNT FIRST" from an `ipfix.py check` output,
# CHECKED="the summary line".
declare -A VIOL=()
CHECKED=
viol_load() {
	local tag kind rest
	VIOL=()
	CHECKED=$(head -n 1 "$1")
	while read -r tag kind rest; do
		[ "$tag" = violation ] && VIOL[$kind]=$rest
	done <"$1"
	return 0
}

# ---- stress scenarios (60-69) ----

# nf_sock_snmp N FIELD: destination N's figure from its "sockN" line of
# ipt_netflow_snmp, FIELD one of connected connect full cberr other sndbuf
# filled peak (connect: failed connects, at load and on each retry).
nf_sock_snmp() {
	awk -v n="sock$1" -v f="$2" '$1 == n {
		split("connected connect full cberr other sndbuf filled peak", k, " ")
		for (i = 1; i <= 8; i++) if (k[i] == f) print $(i + 2)
	}' /proc/net/stat/ipt_netflow_snmp
}

# nf_export_errors: datagrams no destination took ("Errors N pkts" of the
# Export line of /proc/net/stat/ipt_netflow).
nf_export_errors() { sed -n 's/^Export: .*; Errors \([0-9]*\) pkts;.*/\1/p' /proc/net/stat/ipt_netflow; }

# collector_start_ns NS NAME ADDR PORT: nfcapd in namespace NS on ADDR:PORT,
# storing into $NF_TMP/NAME (collector_stop NAME ends it).
collector_start_ns() {
	local dir=$NF_TMP/$2
	mkdir -p "$dir"
	ip netns exec "$1" nfcapd -w "$dir" -p "$4" -b "$3" -t 3600 -B 8388608 -P "$NF_TMP/$2.pid" -D >/dev/null
	wait_for "[ -s $NF_TMP/$2.pid ] && ip netns exec $1 ss -Hlun 'sport = :$4' | grep -q ." 10
	defer collector_stop "$2"
}

# ---- metering on hooks, nft only (scenarios 90-94) ----

# nft_counter [-n NS] FAMILY TABLE NAME: "PKTS BYTES" of a named nft counter.
nft_counter() {
	local ns=()
	if [ "$1" = -n ]; then ns=(ip netns exec "$2"); shift 2; fi
	"${ns[@]}" nft list counter "$1" "$2" "$3" | sed -n 's/.*packets \([0-9]*\) bytes \([0-9]*\).*/\1 \2/p'
}

# no_iptables_rules [NS...]: fails if any iptables or ip6tables rule exists
# (either backend) in the root namespace or one of NS.
no_iptables_rules() {
	local ns cmd rules
	for ns in root "$@"; do
		for cmd in iptables-legacy-save ip6tables-legacy-save iptables-nft-save ip6tables-nft-save; do
			if [ "$ns" = root ]; then rules=$($cmd 2>/dev/null | grep -c '^-A' || true)
			else rules=$(ip netns exec "$ns" $cmd 2>/dev/null | grep -c '^-A' || true); fi
			assert_eq "$cmd rules in $ns" 0 "$rules"
		done
	done
}

# nf_hooks_line: the "Hooks: ..." line of /proc/net/stat/ipt_netflow.
nf_hooks_line() { grep '^Hooks: ' /proc/net/stat/ipt_netflow || true; }
