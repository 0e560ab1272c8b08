# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Guest-side helpers of the benchmark (sourced after tests/vm/lib.sh): the
# pktgen router namespace, the NETFLOW modules (ours, ours built from the
# --base git ref, the original built the DKMS way, the original at its best)
# one at a time, a collector on
# loopback, and the module's counters.  See docs/PERFORMANCE.md.
#
#   nsr (router): pktgen --netif_receive--> vr [FORWARD] --> d0 (dummy, drops)
#                 vr <-veth-> vp (nsp, idle)    198.19.0.0/16, fd99::/64 via d0
#   pktgen sources 198.18.0.0/16 (fd98::/64), destination 198.19.0.1 (fd99::1)
#
# Kernel command-line words (run.sh --append) arrive as environment:
#   vm_bench_orig  the original's build directory (tests/bench/original.sh)
#   vm_bench_base  ours as of run.sh --base REF: DIR/ipt_NETFLOW.ko, DIR/xtables/
#   vm_bench_reps  repetitions per measurement (3), vm_bench_warm warm-ups (2)
#   vm_bench_pkts  packets per run (100000)

BENCH_ORIG=${vm_bench_orig:-}
BENCH_BASE=${vm_bench_base:-}
BENCH_REPS=${vm_bench_reps:-3}
BENCH_WARM=${vm_bench_warm:-2}
BENCH_PKTS=${vm_bench_pkts:-100000}
BENCH_RESULTS=$VM_ARTIFACTS/results.txt
XT_SYSTEM=/usr/lib/x86_64-linux-gnu/xtables
XT_OURS=${VM_XTLIB:-$VM_REPO/xtables}
PG=/proc/net/pktgen

# progress: a line the host prints live (tests/bench/run.sh follows the log).
progress() { log "bench: $*"; }
# result KEY VALUE: one line of results.txt, parsed by tests/bench/report.sh.
result() { echo "$1 $2" >>"$BENCH_RESULTS"; }

nr() { ip netns exec nsr "$@"; }

# bench_entropy: wait until the kernel's CRNG is ready.  Before that, each
# get_random_u32() (pktgen's random addresses and ports) costs a whole ChaCha
# block, ~1,500 instructions, which shifted the random mixes by ~3,000 per
# packet until "crng init done"; QEMU gives a virtio-rng (run.sh) to seed it.
# The timeout is in guest seconds, which fly by while an icount guest idles.
bench_entropy() {
	modprobe virtio-rng 2>/dev/null || true
	timeout 1000000 python3 -c 'import os; os.getrandom(16)' || fail "the CRNG is not ready"
	log "crng ready: $(grep -h 'crng init' /vmout/boot.dmesg 2>/dev/null; dmesg | grep 'crng init' || true)"
}

# bench_router: the router namespace, fresh (so no table of an earlier
# backend stays hooked in it).
bench_router() {
	if [ -e /run/netns/nsr ]; then ip netns del nsr; fi
	if [ -e /run/netns/nsp ]; then ip netns del nsp; fi
	netns_add nsr nsp
	ip link add vr netns nsr type veth peer name vp netns nsp
	ip -n nsp link set vp up
	ip -n nsr link set vr up
	ip -n nsr link add d0 type dummy
	ip -n nsr link set d0 up
	ip -n nsr addr add 10.99.0.1/24 dev vr
	ip -n nsr addr add 10.98.0.1/24 dev d0
	ip -n nsr route add 198.19.0.0/16 dev d0
	ip -n nsr -6 addr add fd97::1/64 dev vr nodad
	ip -n nsr -6 route add fd99::/64 dev d0
	nr sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0 \
		net.ipv4.conf.default.rp_filter=0 net.ipv4.conf.vr.rp_filter=0 \
		net.ipv6.conf.all.forwarding=1
}

# ---- pktgen ----------------------------------------------------------------

pg() { # pg FILE CMD: one pktgen command in nsr, checked
	nr sh -c "echo '$2' > $PG/$1"
	if [ "$1" != pgctrl ] && ! nr grep -q "^Result: OK" "$PG/$1"; then
		fail "pktgen $1 '$2': $(nr grep '^Result' "$PG/$1")"
	fi
}

# pg_config COUNT MIX: the vr device set up for a flow mix:
#   1      one flow
#   65536  256 source addresses x 256 source ports, random
#   new    random over 65,536 addresses x 64,512 ports: a new flow for nearly every packet
#   seq1m  1,001,000 distinct flows in sequence (1000 source x 1001 destination
#          ports, stepped together): the first 1,000,000 packets are all new flows
#   seq1m6 the same in IPv6
pg_config() {
	local count=$1 mix=$2 mac
	mac=$(ip -n nsr -br link show vr | awk '{ print $3 }')
	[ -e /sys/module/pktgen ] || modprobe pktgen
	pg kpktgend_0 rem_device_all
	pg kpktgend_0 "add_device vr"
	pg vr "count $count"
	pg vr "clone_skb 0"
	pg vr "burst 1"
	pg vr "delay 0"
	pg vr "xmit_mode netif_receive"
	pg vr "dst_mac $mac"
	case $mix in
	seq1m6)
		pg vr "pkt_size 80"
		pg vr "dst6 fd99::1"
		pg vr "src6 fd98::1"
		;;
	*)
		pg vr "pkt_size 60"
		pg vr "dst_min 198.19.0.1"
		pg vr "dst_max 198.19.0.1"
		;;
	esac
	case $mix in
	1)
		pg vr "src_min 198.18.0.1"
		pg vr "src_max 198.18.0.1"
		pg vr "udp_src_min 1024"
		pg vr "udp_src_max 1024"
		pg vr "udp_dst_min 9"
		pg vr "udp_dst_max 9"
		;;
	65536)
		pg vr "src_min 198.18.0.0"
		pg vr "src_max 198.18.0.255"
		pg vr "udp_src_min 1024"
		pg vr "udp_src_max 1279"
		pg vr "udp_dst_min 9"
		pg vr "udp_dst_max 9"
		pg vr "flag IPSRC_RND"
		pg vr "flag UDPSRC_RND"
		;;
	new)
		pg vr "src_min 198.18.0.0"
		pg vr "src_max 198.18.255.255"
		pg vr "udp_src_min 1024"
		pg vr "udp_src_max 65535"
		pg vr "udp_dst_min 9"
		pg vr "udp_dst_max 9"
		pg vr "flag IPSRC_RND"
		pg vr "flag UDPSRC_RND"
		;;
	seq1m | seq1m6)
		# pktgen steps both ports each packet and wraps at max (exclusive):
		# 1000 and 1001 values, coprime, give 1000 * 1001 distinct pairs.
		if [ "$mix" = seq1m ]; then
			pg vr "src_min 198.18.0.1"
			pg vr "src_max 198.18.0.1"
		fi
		pg vr "udp_src_min 10000"
		pg vr "udp_src_max 11000"
		pg vr "udp_dst_min 20000"
		pg vr "udp_dst_max 21001"
		;;
	*) fail "unknown flow mix $mix" ;;
	esac
}

# pg_run: one run of the configured device; prints instructions per packet
# (icount: 1 guest ns = 1 instruction), from pktgen's elapsed microseconds.
pg_run() {
	local line us n r0 r1
	r0=$(pg_thread_ns)
	nr sh -c "echo start > $PG/pgctrl"
	r1=$(pg_thread_ns)
	line=$(nr grep -m1 '^Result: OK' "$PG/vr") || fail "pktgen: $(nr grep '^Result' "$PG/vr")"
	[[ $line =~ OK:\ ([0-9]+)\(c.*usec,\ ([0-9]+)\ \( ]] || fail "pktgen result: $line"
	us=${BASH_REMATCH[1]} n=${BASH_REMATCH[2]}
	[ -n "${vm_bench_debug:-}" ] && log "pktgen: $line" >&2
	# What other tasks ran during the run (their instructions count in the
	# elapsed time): elapsed minus the pktgen threads' own run time.
	PG_OTHER=$(awk -v us="$us" -v n="$n" -v d=$((r1 - r0)) 'BEGIN { printf "%.2f", (us * 1000 - d) / n }')
	echo "$PG_OTHER" >"$TMPDIR/pg_other"
	awk -v us="$us" -v n="$n" 'BEGIN { printf "%.2f\n", us * 1000 / n }'
}

# pg_thread_ns: run time (ns; instructions under icount) of all kpktgend threads.
pg_thread_ns() {
	local p s=0 t
	for p in $(pgrep '^kpktgend_'); do
		read -r t _ <"/proc/$p/schedstat" 2>/dev/null || continue
		s=$((s + t))
	done
	echo $s
}

# median X Y Z...
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# ---- the modules -------------------------------------------------------------

# variant_ko VARIANT: the .ko of the original's builds (dkms, best).
variant_ko() { echo "$BENCH_ORIG/$1/ipt_NETFLOW.ko"; }

# nf_load_variant VARIANT PARAMS...: ours | ours-hash | ours-mpls | ours-l2 | base | dkms | best
# (ours-hash: ours with sampler=hash:100, the sampler's cost; ours-mpls: ours
# with promisc_mpls=3, records with room for three labels, every packet's
# frame read for them: what keeping labels costs traffic without any; ours-l2:
# ours with macaddress=1 vlan=1 direction=1 physdev=1, every link-layer field;
# ours-mac, ours-vlan, ours-dir, ours-phys: one of them alone); also points
# XTABLES_LIBDIR at that module's extension only: ours and base have their own
# libxt_NETFLOW.so, the original libipt_/libip6t_NETFLOW.so; never two visible at once.
nf_load_variant() {
	local v=$1 ko d xt
	shift
	if [ -e /sys/module/ipt_NETFLOW ]; then rmmod ipt_NETFLOW; fi
	case $v in
	ours)
		export XTABLES_LIBDIR=$XT_OURS:$XT_SYSTEM
		load_module ipt_NETFLOW "$@"
		;;
	ours-hash)
		export XTABLES_LIBDIR=$XT_OURS:$XT_SYSTEM
		load_module ipt_NETFLOW "$@" sampler=hash:100
		;;
	ours-mpls)
		export XTABLES_LIBDIR=$XT_OURS:$XT_SYSTEM
		load_module ipt_NETFLOW "$@" promisc_mpls=3
		;;
	ours-l2)
		export XTABLES_LIBDIR=$XT_OURS:$XT_SYSTEM
		load_module ipt_NETFLOW "$@" macaddress=1 vlan=1 direction=1 physdev=1
		;;
	ours-mac | ours-vlan | ours-dir | ours-phys)
		export XTABLES_LIBDIR=$XT_OURS:$XT_SYSTEM
		local field=${v#ours-}
		case $field in mac) field=macaddress ;; dir) field=direction ;; phys) field=physdev ;; esac
		load_module ipt_NETFLOW "$@" "$field=1"
		;;
	*)
		# base (vm_bench_base), or dkms, best or any other build of the
		# original in vm_bench_orig/NAME/
		if [ "$v" = base ]; then
			[ -n "$BENCH_BASE" ] || fail "vm_bench_base not set"
			ko=$BENCH_BASE/ipt_NETFLOW.ko xt=$BENCH_BASE/xtables
		else
			[ -n "$BENCH_ORIG" ] || fail "vm_bench_orig not set"
			ko=$(variant_ko "$v") xt=$BENCH_ORIG/xtables
		fi
		[ -f "$ko" ] || fail "unknown variant $v: $ko missing"
		export XTABLES_LIBDIR=$xt:$XT_SYSTEM
		for d in $(modinfo -F depends "$ko" | tr ',' ' '); do modprobe "$d"; done
		insmod "$ko" "$@" || fail "insmod $ko $*: $(dmesg | tail -n 3)"
		;;
	esac
	defer nf_unload_variant
}
nf_unload_variant() {
	if [ -e /sys/module/ipt_NETFLOW ]; then rmmod ipt_NETFLOW; fi
}

nf_stat() { cat /proc/net/stat/ipt_netflow; }
nf_active() { sed -n 's/^Flows: active \([0-9]*\) .*/\1/p' /proc/net/stat/ipt_netflow; }
# nf_hash_kb: "Hash: size N (mem MK)" -> M (both modules print this line)
nf_hash_kb() { sed -n 's/^Hash: size [0-9]* (mem \([0-9]*\)K).*/\1/p' /proc/net/stat/ipt_netflow; }
nf_hash_size() { sed -n 's/^Hash: size \([0-9]*\) .*/\1/p' /proc/net/stat/ipt_netflow; }
# nf_lost: "Traffic lost P pkts, K Kbytes, F flows." -> F (both modules)
nf_lost_flows() { sed -n 's/.*Traffic lost [0-9]* pkts, [0-9]* Kbytes, \([0-9]*\) flows\..*/\1/p' /proc/net/stat/ipt_netflow; }
nf_export_flows() { sed -n 's/^Export: .* Total [0-9]* pkts, [0-9]* MB, \([0-9]*\) flows;.*/\1/p' /proc/net/stat/ipt_netflow; }
nf_export_errors() { sed -n 's/^Export: .*; Errors \([0-9]*\) pkts;.*/\1/p' /proc/net/stat/ipt_netflow; }
nf_pending() { sed -n 's/.*InPDU \([0-9]*\), [0-9]*\..*/\1/p' /proc/net/stat/ipt_netflow; }

# nf_flush_wait [SECS]: flush=1, then until no flow is cached and nothing is
# pending export (so that no expiry work lands in the next measurement).
nf_flush_wait() {
	sysctl -qw net.netflow.flush=1
	wait_for '[ "$(nf_active)" = 0 ] && [ "$(nf_pending)" = 0 ]' "${1:-120}"
	sleep 0.5
}

# ---- the collector -------------------------------------------------------------

BENCH_NF=/tmp/bench-nf
# collector_up [BUFFER]: nfcapd on 127.0.0.1:2055, a fresh directory, a large
# receive buffer (net.core.rmem_max raised to allow it).
collector_up() {
	local buf=${1:-67108864}
	collector_down
	rm -rf "$BENCH_NF"
	mkdir -p "$BENCH_NF/c"
	sysctl -qw net.core.rmem_max="$buf"
	nfcapd -w "$BENCH_NF/c" -p 2055 -b 127.0.0.1 -t 3600 -B "$buf" -P "$BENCH_NF/pid" -D >/dev/null
	wait_for "[ -s $BENCH_NF/pid ] && ss -Hlun 'sport = :2055' | grep -q ." 20
	defer collector_down
}
collector_down() {
	local pid
	[ -s "$BENCH_NF/pid" ] || return 0
	pid=$(cat "$BENCH_NF/pid")
	kill -TERM "$pid" 2>/dev/null || true
	wait_for "! kill -0 $pid" 120
	rm -f "$BENCH_NF/pid"
}
# collector_drops: UDP receive-buffer drops on 127.0.0.1:2055 (ss -m "d" field).
collector_drops() {
	ss -Hulnm 'sport = :2055' | sed -n 's/.*,d\([0-9]*\)).*/\1/p' | head -n1
}
# collector_count: flow records nfcapd stored (nfdump's summary of its files).
collector_count() {
	nfdump -R "$BENCH_NF/c" -I | sed -n 's/^Flows: *\([0-9]*\).*/\1/p' | head -n1
}

# slab_line CACHE: "ACTIVE_OBJS OBJSIZE NUM_SLABS PAGES_PER_SLAB" of a slab
# cache (0 0 0 0 when it has none); objsize is the per-object stride.
slab_line() {
	awk -v n="$1" '$1 == n { print $2, $4, $15, $6; f = 1 } END { if (!f) print 0, 0, 0, 0 }' /proc/slabinfo
}
