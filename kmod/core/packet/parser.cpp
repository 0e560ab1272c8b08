// SPDX-License-Identifier: GPL-2.0
// Packet parser (see parser.hpp for the contract).
#include "core/packet/parser.hpp"

namespace netflow {
namespace {

namespace proto {
inline constexpr u8 hopopts = 0;
inline constexpr u8 icmp = 1;
inline constexpr u8 igmp = 2;
inline constexpr u8 tcp = 6;
inline constexpr u8 udp = 17;
inline constexpr u8 routing = 43;
inline constexpr u8 fragment = 44;
inline constexpr u8 esp = 50;
inline constexpr u8 ah = 51;
inline constexpr u8 icmpv6 = 58;
inline constexpr u8 no_next = 59;
inline constexpr u8 dstopts = 60;
inline constexpr u8 ipcomp = 108;
inline constexpr u8 sctp = 132;
inline constexpr u8 mobility = 135;
inline constexpr u8 udplite = 136;
} // namespace proto

inline constexpr u32 ipv4_min_header = 20;
inline constexpr u32 ipv6_header = 40;
inline constexpr u32 tcp_min_header = 20;

// The bytes of one IP packet that we may look at.
struct View {
	const u8* p;	// the IP header
	u32 size;	// readable: min(copied bytes, ip_len)
	u32 ip_len;	// what the packet really has (<= wire_len)

	bool readable(u32 off, u32 n) const { return off <= size && n <= size - off; }
};

inline u16 rd16(const u8* p) { return load_be<u16>(p); }
inline Be16 raw16(const u8* p)
{
	u16 raw;
	__builtin_memcpy(&raw, p, sizeof(raw));
	return Be16::from_raw(raw);
}

using detail::walk_options;

struct L4Result {
	Be16 sport;
	Be16 dport;
};

// Transport header at `off`.  `first_fragment`: the packet is a first
// fragment (more follow), so it may legitimately end inside the L4 header.
// Inlined into both callers: one call less per packet.
__attribute__((always_inline)) inline ParseStatus parse_l4(const View& v, u32 off, u8 protocol, bool first_fragment,
							     PacketFacts& out, L4Result& r)
{
	u32 need;	// the fixed header
	u32 key_bytes;	// what the key needs from it
	switch (protocol) {
	case proto::tcp:
		need = tcp_min_header;
		key_bytes = 4;
		break;
	case proto::udp:
	case proto::udplite:
		need = 8;
		key_bytes = 4;
		break;
	case proto::sctp:
		need = 12;
		key_bytes = 4;
		break;
	case proto::icmp:
	case proto::icmpv6:
		need = 8;
		key_bytes = 2;
		break;
	case proto::igmp:
		need = 8;
		key_bytes = 1;
		break;
	case proto::esp:
		need = 8;
		key_bytes = 4;
		break;
	case proto::ah:
		need = 12;
		key_bytes = 8;
		break;
	default:
		return ParseStatus::ok;
	}

	bool whole = v.readable(off, need);
	if (!whole) {
		// The packet has the header but the copy does not: copy limit.
		if (off <= v.ip_len && need <= v.ip_len - off)
			return ParseStatus::truncated;
		// The packet itself ends early: only a first fragment may.
		if (!first_fragment)
			return ParseStatus::truncated;
		if (!v.readable(off, key_bytes))
			return ParseStatus::ok;	// a first fragment without ports
	}

	const u8* h = v.p + off;
	switch (protocol) {
	case proto::tcp:
		r.sport = raw16(h);
		r.dport = raw16(h + 2);
		if (v.readable(off, 14))
			out.tcp_flags = h[13];
		if (!whole)
			break;
		{
			const u32 hlen = static_cast<u32>(h[12] >> 4) * 4;
			if (hlen < tcp_min_header)
				return ParseStatus::truncated;
			if (!v.readable(off, hlen)) {
				if (off + hlen <= v.ip_len || !first_fragment)
					return ParseStatus::truncated;
				break;	// first fragment cut inside the options
			}
			out.tcp_options = walk_options<true>(v.p, off + tcp_min_header, off + hlen);
		}
		break;
	case proto::udp:
	case proto::udplite:
	case proto::sctp:
		r.sport = raw16(h);
		r.dport = raw16(h + 2);
		break;
	case proto::icmp:
	case proto::icmpv6:
		r.dport = raw16(h);	// type << 8 | code, already in network order
		break;
	case proto::igmp:
		r.dport = Be16::from_host(h[0]);
		break;
	case proto::esp:
		r.sport = raw16(h);	// SPI, high half
		r.dport = raw16(h + 2);
		break;
	case proto::ah:
		r.sport = raw16(h + 4);
		r.dport = raw16(h + 6);
		break;
	}
	return ParseStatus::ok;
}

ParseStatus parse_ipv4(ktl::Bytes l3, u32 wire_len, bool length_from_skb, PacketFacts& out)
{
	if (l3.size() < ipv4_min_header)
		return ParseStatus::truncated;
	const u8* p = l3.data();
	if ((p[0] >> 4) != 4)
		return ParseStatus::truncated;
	const u32 hlen = static_cast<u32>(p[0] & 0x0f) * 4;
	u32 tot_len = rd16(p + 2);
	if (tot_len == 0) {
		if (!length_from_skb)
			return ParseStatus::length_in_skb;
		tot_len = wire_len;
	}
	if (hlen < ipv4_min_header || tot_len < hlen || tot_len > wire_len)
		return ParseStatus::truncated;

	View v{p, static_cast<u32>(min<size_t>(l3.size(), tot_len)), tot_len};
	if (!v.readable(0, hlen))
		return ParseStatus::truncated;

	Ipv4Key& k = out.key.v4;
	out.family = NF_FAMILY_IPV4;
	out.ip_len = tot_len;
	k.tos = p[1];
	k.proto = p[9];
	__builtin_memcpy(&k.src, p + 12, 4);
	__builtin_memcpy(&k.dst, p + 16, 4);
	if (hlen > ipv4_min_header)
		out.ip_options = walk_options<false>(p, ipv4_min_header, hlen);

	const u16 frag = rd16(p + 6);
	const bool more = frag & 0x2000;
	const bool offset = frag & 0x1fff;
	out.fragment = more || offset;
	if (offset)
		return ParseStatus::ok;	// no transport header in here

	L4Result r{};
	const ParseStatus st = parse_l4(v, hlen, k.proto, more, out, r);
	k.sport = r.sport;
	k.dport = r.dport;
	return st;
}

// RFC 2675: payload length 0 with a Jumbo Payload option (type 0xC2, 4
// bytes) in a hop-by-hop header right after the IPv6 header: what BIG TCP
// inserts into its IPv6 super-packets on 6.1 and 6.12.  Returns the jumbo length (which counts
// the hop-by-hop header), 0 when there is no such option.
u32 jumbo_payload(ktl::Bytes l3)
{
	const u8* p = l3.data();
	if (p[6] != proto::hopopts || l3.size() < ipv6_header + 8)
		return 0;
	const u32 end = min<u32>(static_cast<u32>(l3.size()), ipv6_header + (p[ipv6_header + 1] + 1u) * 8);
	u32 off = ipv6_header + 2;
	while (off < end) {
		const u8 type = p[off];
		if (type == 0) {	// Pad1
			off++;
			continue;
		}
		if (off + 2 > end)
			return 0;
		const u32 len = p[off + 1];
		if (type == 0xc2)
			return len == 4 && off + 6 <= end ? load_be<u32>(p + off + 2) : 0;
		off += 2 + len;
	}
	return 0;
}

// The bytes the packet has from the IPv6 header on: payload length + 40,
// else the jumbo option's length + 40, else (BIG TCP without the option,
// length_from_skb) the skb's; 0 when the header gives no length.
u64 ipv6_length(ktl::Bytes l3, u32 wire_len, bool length_from_skb)
{
	const u32 payload = rd16(l3.data() + 4);
	if (payload)
		return payload + ipv6_header;
	const u32 jumbo = jumbo_payload(l3);
	if (jumbo > 0xffff)	// RFC 2675: a jumbo length below 65536 is an error
		return u64{jumbo} + ipv6_header;
	return length_from_skb ? wire_len : 0;
}

ParseStatus parse_ipv6(ktl::Bytes l3, u32 wire_len, bool length_from_skb, PacketFacts& out)
{
	if (l3.size() < ipv6_header)
		return ParseStatus::truncated;
	const u8* p = l3.data();
	if ((p[0] >> 4) != 6)
		return ParseStatus::truncated;
	const u64 length = ipv6_length(l3, wire_len, length_from_skb);
	if (length == 0)
		return ParseStatus::length_in_skb;
	if (length < ipv6_header || length > wire_len)
		return ParseStatus::truncated;
	const u32 ip_len = static_cast<u32>(length);

	View v{p, static_cast<u32>(min<size_t>(l3.size(), ip_len)), ip_len};

	Ipv6Key& k = out.key.v6;
	out.family = NF_FAMILY_IPV6;
	out.ip_len = ip_len;
	k.tclass = static_cast<u8>((p[0] << 4) | (p[1] >> 4));
	out.flow_label = (static_cast<u32>(p[1] & 0x0f) << 16) | (static_cast<u32>(p[2]) << 8) | p[3];
	__builtin_memcpy(k.src, p + 8, 16);
	__builtin_memcpy(k.dst, p + 24, 16);

	u8 next = p[6];
	u32 off = ipv6_header;
	bool first_fragment = false;
	for (u32 n = 0;; ++n) {
		u16 bit;
		switch (next) {
		case proto::hopopts:
			bit = ipv6_ext::hop;
			break;
		case proto::routing:
			bit = ipv6_ext::routing;
			break;
		case proto::dstopts:
			bit = ipv6_ext::dst;
			break;
		case proto::mobility:
			bit = ipv6_ext::mobility;
			break;
		case proto::ah:
			bit = ipv6_ext::ah;
			break;
		case proto::fragment:
			bit = 0;
			break;
		default:
			goto upper_layer;
		}
		if (n == max_ipv6_ext_headers)
			return ParseStatus::truncated;
		if (next == proto::fragment) {
			if (!v.readable(off, 8))
				return ParseStatus::truncated;
			const u16 fo = rd16(p + off + 2);
			const bool frag_offset = fo & 0xfff8;
			const bool more = fo & 1;
			out.ext_hdrs |= frag_offset ? ipv6_ext::frag_rest : ipv6_ext::frag_first;
			out.fragment = out.fragment || frag_offset || more;
			next = p[off];
			if (frag_offset) {
				k.proto = next;	// what the fragmentable part starts with
				return ParseStatus::ok;
			}
			first_fragment = more;
			off += 8;
			continue;
		}
		if (!v.readable(off, 2))
			return ParseStatus::truncated;
		out.ext_hdrs |= bit;
		const u32 units = p[off + 1];
		const u32 len = next == proto::ah ? (units + 2) * 4 : (units + 1) * 8;
		next = p[off];
		off += len;	// <= 40 + 16 * 2048: no overflow
	}

upper_layer:
	k.proto = next;
	switch (next) {
	case proto::esp:
		out.ext_hdrs |= ipv6_ext::esp;
		break;
	case proto::ipcomp:
		out.ext_hdrs |= ipv6_ext::ipcomp;
		break;
	case proto::no_next:
		out.ext_hdrs |= ipv6_ext::no_next;
		break;
	}
	if (off > v.ip_len)
		return ParseStatus::truncated;	// the last extension header lied

	L4Result r{};
	const ParseStatus st = parse_l4(v, off, next, first_fragment, out, r);
	k.sport = r.sport;
	k.dport = r.dport;
	return st;
}

} // namespace

ParseStatus parse_packet(ktl::Bytes l3, u32 wire_len, u8 family, PacketFacts& out, bool length_from_skb) noexcept
{
	zero(&out, sizeof(out));
	if (family == NF_FAMILY_IPV4)
		return parse_ipv4(l3, wire_len, length_from_skb, out);
	if (family == NF_FAMILY_IPV6)
		return parse_ipv6(l3, wire_len, length_from_skb, out);
	return ParseStatus::truncated;
}

} // namespace netflow
