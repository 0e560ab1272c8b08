#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# 32-ipv6-collector: export over IPv6 and from a chosen source address.  One
# module, four destinations; every collector must get the very same
# datagrams, each from the address the destination asks for.
#
#   nsa 10.1.0.2 --va0|va-- [ root: FORWARD iptables/ip6tables -j NETFLOW ] --vb|vb0-- nsb 10.2.0.2
#       fd01::2                    |  protocol 10                                      fd02::2
#                                  +--> [::1]:2055                 nfcapd -b ::1        (source ::1)
#                                  +--> 127.0.0.1:2056             nfcapd -b 127.0.0.1  (source 127.0.0.1)
#                                  +--> 127.0.0.1:2057@127.0.0.2   nfcapd -b 127.0.0.1  (source 127.0.0.2)
#                                  +--> [::1]:2058@fd99::1         nfcapd -b ::1        (source fd99::1, on lo)
#                                  +--> dumpcap on lo, all four ports: own decoder, tshark
#
# Sent: 4 UDP flows over IPv4 and 4 over IPv6 (flow i: i+1 datagrams of 100*i
# bytes payload), 4 ICMP and 4 ICMPv6 echo requests (and replies).
# vm-timeout: 600

source "${VM_LIB:-$(dirname "$0")/../lib.sh}"
source "$(dirname "${BASH_SOURCE[0]}")/../netflow.sh"

nf_router
ip -6 addr add fd99::1/128 dev lo nodad
defer ip -6 addr del fd99::1/128 dev lo
collector_start_at c6 ::1 2055
collector_start_at c4 127.0.0.1 2056
collector_start_at cb 127.0.0.1 2057
collector_start_at c6b ::1 2058
pcap_start cap "udp portrange 2055-2058"
dest="[::1]:2055,127.0.0.1:2056,127.0.0.1:2057@127.0.0.2,[::1]:2058@fd99::1"
nf_load protocol=10 destination="$dest" inactive_timeout=2
iptables -A FORWARD -j NETFLOW
ip6tables -A FORWARD -j NETFLOW
grep '^sock' /proc/net/stat/ipt_netflow

log "traffic: 8 UDP flows, ICMP and ICMPv6 echo"
declare -A WANT=()
while read -r sp dp pl n _; do
	WANT["17 10.1.0.2 $sp 10.2.0.2 $dp"]="$n $((n * (pl + 28)))"
done < <(na python3 "$NF_TOOLS/burst.py" 10.2.0.2 40000 50000 4)
while read -r sp dp pl n _; do
	WANT["17 fd01::2 $sp fd02::2 $dp"]="$n $((n * (pl + 48)))"
done < <(na python3 "$NF_TOOLS/burst.py" fd02::2 40010 50010 4)
na busybox ping -q -c 4 -i 0.2 -s 56 10.2.0.2 >/dev/null
na busybox ping -6 -q -c 4 -i 0.2 -s 56 fd02::2 >/dev/null
WANT["1 10.1.0.2 0 10.2.0.2 2048"]="4 $((4 * 84))"
WANT["1 10.2.0.2 0 10.1.0.2 0"]="4 $((4 * 84))"
WANT["58 fd01::2 0 fd02::2 32768"]="4 $((4 * 104))"
WANT["58 fd02::2 0 fd01::2 33024"]="4 $((4 * 104))"

log "waiting for the inactive timeout to export everything"
nf_wait_exported 20
read -r f4p f4b <<<"$(ipt_counter iptables FORWARD 1)"
read -r f6p f6b <<<"$(ipt_counter ip6tables FORWARD 1)"
assert_eq "module packets bytes = iptables + ip6tables" "$((f4p + f6p)) $((f4b + f6b))" \
	"$(nf_snmp inPackets) $(nf_snmp inBytes)"
assert_eq "export errors" 0 "$(nf_snmp errTotal)"
socks=$(grep '^sock' /proc/net/stat/ipt_netflow)
log "sockets: $(tr '\n' ';' <<<"$socks")"
out_flows=$(nf_snmp outFlows) out_msgs=$(nf_snmp outPackets)
sleep 1
pcap_stop cap
for c in c6 c4 cb c6b; do collector_stop $c; done
iptables -F FORWARD
ip6tables -F FORWARD
unload_module ipt_NETFLOW

log "decoding"
d=$NF_TMP/out
mkdir -p "$d"
cp "$NF_TMP/cap.pcap" "$VM_ARTIFACTS/"
python3 "$NF_IPFIX" bundle "$NF_TMP/cap.pcap" "$d" 10 2055 2056 2057 2058
for c in c6 c4 cb c6b; do collector_records $c >"$d/nfdump-$c.txt"; done
cp -r "$d" "$VM_ARTIFACTS/"

log "each destination: its own socket, the datagrams from the address asked for"
for s in "[::1]:2055" "127.0.0.1:2056" "127.0.0.1:2057" "[::1]:2058"; do
	re=$(sed 's/[].[]/\\&/g' <<<"$s")
	assert_match "a socket for $s" "sock[0-9]+: ${re}[ ,@]" "$socks"
done
declare -A SRC=([2055]=::1 [2056]=127.0.0.1 [2057]=127.0.0.2 [2058]=fd99::1)
for port in 2055 2056 2057 2058; do
	assert_eq "port $port: source address of every datagram" "${SRC[$port]}" \
		"$(cut -d' ' -f1 "$d/payloads-$port.txt" | sort -u | xargs)"
	assert_eq "port $port: datagrams = module's exported messages" "$out_msgs" "$(grep -c . "$d/payloads-$port.txt")"
done

log "the same datagrams, byte for byte, to every destination"
ref=$(cut -d' ' -f2 "$d/payloads-2055.txt")
for port in 2056 2057 2058; do
	assert_same "port $port: datagrams = those to [::1]:2055" "$ref" "$(cut -d' ' -f2 "$d/payloads-$port.txt")"
done

log "every collector decoded the same records, exactly the traffic sent"
own=$(<"$d/records-2055.txt")
assert_eq "records decoded = records exported (module)" "$out_flows" "$(grep -c . <<<"$own")"
for port in 2056 2057 2058; do
	assert_same "own decoder, port $port = port 2055" "$own" "$(<"$d/records-$port.txt")"
done
for port in 2055 2056 2057 2058; do
	assert_same "tshark, port $port = own decoder" "$own" "$(<"$d/tshark-$port.txt")"
done
for c in c6 c4 cb c6b; do
	assert_same "nfcapd $c (nfdump) = own decoder" "$own" "$(<"$d/nfdump-$c.txt")"
	# nfcapd leaves options data records out of the sequence (30 explains)
	assert_eq "nfcapd $c: sequence failures (predicted from the capture)" \
		"$(cat "$d/nfdump-seqfail.txt")" "$(collector_seqfail $c)"
done
for port in 2055 2056 2057 2058; do
	viol_load "$d/check-$port.txt"
	log "check-$port: $CHECKED"
	assert_eq "port $port: RFC 7011 violations" "" "$(for k in "${!VIOL[@]}"; do echo "$k ${VIOL[$k]}"; done)"
done
declare -A SUM=()
while read -r a b c e f p_ b_; do
	SUM["$a $b $c $e $f"]="$p_ $b_"
done < <(awk '{ k = $1" "$2" "$3" "$4" "$5; p[k] += $6; b[k] += $7 } END { for (k in p) print k, p[k], b[k] }' \
	"$d/records-2055.txt")
for k in "${!WANT[@]}"; do
	assert_eq "$k: packets bytes" "${WANT[$k]}" "${SUM[$k]:-none}"
done
assert_eq "all records = iptables + ip6tables" "$((f4p + f6p)) $((f4b + f6b))" \
	"$(records_total <"$d/records-2055.txt" | cut -d' ' -f1,2)"
