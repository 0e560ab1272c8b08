// SPDX-License-Identifier: GPL-2.0
// Packet parser: from the first bytes of an IPv4/IPv6 packet to a flow key
// plus the per-packet facts accumulated into a flow (docs/ORIGINAL.md §5).
//
// Runs once per packet: no allocation, no division, no loop other than the
// bounded option walks (IPv4 options and TCP options: at most 40 bytes each)
// and the IPv6 extension-header walk (at most max_ipv6_ext_headers headers).
// It never reads outside `l3` and trusts no length field.
#pragma once
#include "core/flow/key.hpp"
#include "ktl/span.hpp"

namespace netflow {

enum class ParseStatus : u8 {
	ok,
	// Anything the parser cannot account with confidence: a header cut by
	// the end of the packet (`wire_len`) or by the end of the copy (`l3`),
	// a lying length field (IPv4 IHL < 5, tot_len < IHL*4 or > wire_len,
	// an IPv6 jumbo payload length <= 65535 or > wire_len), a wrong IP version, TCP data
	// offset < 5, or an IPv6 extension-header chain longer than
	// max_ipv6_ext_headers.  The caller counts it (`trunc`) and drops it.
	truncated,
	// The header's length field is 0 and nothing in the header says more
	// (IPv4 tot_len 0; IPv6 payload length 0 without a jumbo payload
	// option): a BIG TCP super-packet (GRO/GSO above 64 KiB, IPv6 since
	// 5.19, IPv4 since 6.3) whose length only the skb knows, the way the
	// kernel's own skb_ip_totlen()/ipv6 payload helpers read it: when the
	// skb is a GSO TCP packet, the caller parses again with
	// `length_from_skb` (the length is then `wire_len`); else truncated.
	length_in_skb,
};

// The most extension headers the IPv6 walk follows; one more is "truncated".
inline constexpr u32 max_ipv6_ext_headers = 16;

// ---- Bit mappings of the bitmap Information Elements --------------------
//
// RFC 7012 (and the IANA registry it makes normative) says of ipv4Options
// (IE 208) and tcpOptions (IE 209): "Option number X is mapped to bit X";
// ipv6ExtensionHeaders (IE 64) lists a bit number per header.  We number
// bits from the least-significant bit of the Information Element's value
// (bit X == 1 << X):
//   * that is the reading of the verified RFC 5102 erratum 2944, whose
//     figure puts EOOL (option 0) in the least-significant position of
//     ipv4Options, and the explicit rule RFC 9740 gives for the successor
//     IEs tcpOptionsFull / ipv6ExtensionHeadersFull ("kind 0 corresponds to
//     the least-significant bit");
//   * it keeps reduced-size encoding (RFC 7011 §6.2) exact: the value of
//     tcp_options is the same number whether sent in 8 bytes (IANA's
//     unsigned64) or 4, ext_hdrs the same in 4 bytes (unsigned32) or 2.
// The original ipt_NETFLOW used bit 31-X for TCP (and IPv4) options.

// IE 208 ipv4Options: option number = option type & 0x1f (the original used
// & 0x17, so numbers 8-15 and 24-31 landed on the wrong bits).  The copied
// flag and class bits of the type are not checked against the IANA list.
constexpr u32 ipv4_option_bit(u8 option_type) { return 1u << (option_type & 0x1f); }

// IE 209 tcpOptions: kinds 0..31 are recorded (kind X -> bit X); kinds >= 32
// are not representable in PacketFacts::tcp_options and are skipped.
constexpr u32 tcp_option_bit(u8 kind) { return kind < 32 ? 1u << kind : 0; }

// IE 64 ipv6ExtensionHeaders, bit numbers of the IANA registry (RFC 5102
// erratum 1738 table, as carried by RFC 7012's registry).
namespace ipv6_ext {
inline constexpr u16 dst = 1u << 0;		// 60 Destination Options
inline constexpr u16 hop = 1u << 1;		// 0 Hop-by-Hop Options
inline constexpr u16 no_next = 1u << 2;		// 59 No Next Header (IANA bits subregistry; reserved in RFC 5102)
inline constexpr u16 unknown = 1u << 3;		// UNK (never set by this parser)
inline constexpr u16 frag_first = 1u << 4;	// 44 Fragment, offset 0 (FRA0)
inline constexpr u16 routing = 1u << 5;		// 43 Routing
inline constexpr u16 frag_rest = 1u << 6;	// 44 Fragment, offset != 0 (FRA1)
inline constexpr u16 mobility = 1u << 12;	// 135 Mobility
inline constexpr u16 esp = 1u << 13;		// 50 Encapsulating Security Payload
inline constexpr u16 ah = 1u << 14;		// 51 Authentication Header
inline constexpr u16 ipcomp = 1u << 15;		// 108 Payload compression (PAY)
} // namespace ipv6_ext

namespace detail {
// Walks a TLV option list (IPv4 options, TCP options: same shape) in
// [off, end), which the caller guarantees readable and at most 40 bytes.
// Types 0 (end of list) and 1 (no-op) are the single-byte ones.  A
// malformed length stops the walk (the option's bit is already recorded).
template <bool IsTcp> inline u32 walk_options(const u8* p, u32 off, u32 end)
{
	u32 bits = 0;
	while (off < end) {
		const u8 type = p[off];
		bits |= IsTcp ? tcp_option_bit(type) : ipv4_option_bit(type);
		if (type == 0)
			break;
		if (type == 1) {
			++off;
			continue;
		}
		if (end - off < 2)
			break;
		const u8 len = p[off + 1];
		if (len < 2)
			break;
		off += len;
	}
	return bits;
}
} // namespace detail

// Parses one packet.
//   l3        starts at the IP header; at most NF_MAX_HEADER_BYTES bytes.
//   wire_len  bytes the real packet has from the IP header on.
//   family    NF_FAMILY_IPV4 or NF_FAMILY_IPV6 (anything else: truncated).
//   out       zeroed first, then filled; key.*.iif is left 0 for the
//             caller to set.  Only meaningful when the result is ok.
//
// What gets filled:
//   ip_len     IPv4 tot_len; IPv6 payload_len + 40.
//   key tos    IPv4 TOS byte; IPv6 the whole 8-bit traffic class.
//   flow_label IPv6 20-bit flow label.
//   ports      TCP/UDP/UDP-Lite(136)/SCTP(132) ports; ICMP(1)/ICMPv6(58):
//              sport 0, dport = type << 8 | code; IGMP(2): dport = type;
//              ESP(50)/AH(51, IPv4 only): SPI high 16 bits in sport, low
//              16 bits in dport.  Other protocols: 0.
//   tcp_flags  byte 13 of the TCP header (CWR ECE URG ACK PSH RST SYN FIN).
//   fragment   IPv4 MF or offset != 0; IPv6 fragment header with M or
//              offset != 0 (an "atomic" fragment header, M=0 offset=0, sets
//              the FRA0 bit but is not a fragment).  Non-first fragments
//              have no ports; a first fragment keeps its ports (and TCP
//              flags) when it carries them, even if it is too short for
//              the whole L4 header: a first fragment may end anywhere.
//   IPv6 walk  hop-by-hop(0), routing(43), fragment(44), destination
//              options(60), AH(51), mobility(135) are followed (AH's SPI is
//              not kept: the upper-layer protocol and its ports are the
//              key); ESP(50), IPComp(108) and No Next Header(59) stop it
//              and become the protocol.
ParseStatus parse_packet(ktl::Bytes l3, u32 wire_len, u8 family, PacketFacts& out,
			 bool length_from_skb = false) noexcept;

// The common case, inlined into the packet path: IPv4 without options, not
// a fragment, TCP or UDP with its whole fixed header (and TCP options) in
// the copy and inside the packet.  Then it fills `out` exactly as
// parse_packet() would (every field a flow reads; tests/fuzz/fuzz_parser
// checks the two agree) without zeroing it first, and returns true; for
// anything else it returns false, `out` partly written, and the caller
// runs parse_packet().
__attribute__((always_inline)) inline bool parse_plain_ipv4(const u8* p, u32 len, u32 wire_len,
							    PacketFacts& out) noexcept
{
	constexpr u32 ip_hdr = 20;
	if (len < ip_hdr + 8 || p[0] != 0x45)
		return false;
	const u32 tot_len = load_be<u16>(p + 2);
	const u8 proto = p[9];
	// Any of MF and the offset: a fragment.
	if (tot_len > wire_len || (load_be<u16>(p + 6) & 0x3fff) != 0)
		return false;
	const u32 size = min(len, tot_len);	// readable bytes of the packet
	u8 tcp_flags = 0;
	u32 tcp_options = 0;
	if (proto == 6) {
		if (size < ip_hdr + 20)
			return false;
		const u32 hlen = static_cast<u32>(p[ip_hdr + 12] >> 4) * 4;
		if (hlen < 20 || ip_hdr + hlen > size)
			return false;
		tcp_flags = p[ip_hdr + 13];
		if (hlen > 20)
			tcp_options = detail::walk_options<true>(p, ip_hdr + 20, ip_hdr + hlen);
	} else if (proto != 17 || size < ip_hdr + 8) {
		return false;
	}
	out.family = NF_FAMILY_IPV4;
	out.tcp_flags = tcp_flags;
	out.ext_hdrs = 0;
	out.ip_len = tot_len;
	out.ip_options = 0;
	out.tcp_options = tcp_options;
	out.flow_label = 0;
	out.fragment = false;
	out.src_mask = 0;
	out.dst_mask = 0;
	Ipv4Key& k = out.key.v4;
	static_assert(__builtin_offsetof(Ipv4Key, dst) == 4 && __builtin_offsetof(Ipv4Key, dport) == 10);
	u8* raw = reinterpret_cast<u8*>(&k);
	__builtin_memcpy(raw, p + 12, 8);	// source and destination
	__builtin_memcpy(raw + __builtin_offsetof(Ipv4Key, sport), p + ip_hdr, 4);	// both ports
	k.iif = 0;
	k.proto = proto;
	k.tos = p[1];
	k.src_mask = 0;
	k.dst_mask = 0;
	return true;
}

} // namespace netflow
