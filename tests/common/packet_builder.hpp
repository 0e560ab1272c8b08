// SPDX-License-Identifier: GPL-2.0
// Packets as the glue hands them to the core, for the unit tests
// (tests/unit), the libFuzzer harnesses (tests/fuzz) and the
// micro-benchmarks (tests/bench/micro): big-endian byte helpers, IPv4/IPv6
// headers with a UDP, TCP or ICMP header after them, and the nf_packet that
// nfc_account() takes.  Host code (standard library), header-only.
//
// The headers carry no checksums (the core never reads them) and a TTL / hop
// limit of 64.  Only the header prefix is materialised: Packet::wire is the
// length the packet claims (the IPv4 total length, 40 + the IPv6 payload
// length); whole() pads the bytes out to it.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "fake_platform.hpp"
#include "netflow/abi.h"

namespace testpkt {

using Buf = std::vector<uint8_t>;

// ---- bytes ------------------------------------------------------------------

// a.b.c.d in host order.
constexpr uint32_t ip4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	return uint32_t(a) << 24 | uint32_t(b) << 16 | uint32_t(c) << 8 | d;
}

inline uint16_t be16(const uint8_t* p) { return uint16_t(p[0] << 8 | p[1]); }
inline uint32_t be32(const uint8_t* p) { return uint32_t(be16(p)) << 16 | be16(p + 2); }
inline uint64_t be64(const uint8_t* p) { return uint64_t(be32(p)) << 32 | be32(p + 4); }
// n (<= 8) big-endian bytes.
inline uint64_t be_n(const uint8_t* p, size_t n)
{
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

// Big-endian stores, at a pointer or at an offset into a Buf.
inline void put16(uint8_t* p, uint16_t v)
{
	p[0] = uint8_t(v >> 8);
	p[1] = uint8_t(v);
}
inline void put32(uint8_t* p, uint32_t v)
{
	put16(p, uint16_t(v >> 16));
	put16(p + 2, uint16_t(v));
}
inline void put64(uint8_t* p, uint64_t v)
{
	put32(p, uint32_t(v >> 32));
	put32(p + 4, uint32_t(v));
}
inline void put16(Buf& b, size_t off, uint16_t v) { put16(&b[off], v); }
inline void put32(Buf& b, size_t off, uint32_t v) { put32(&b[off], v); }
inline void put64(Buf& b, size_t off, uint64_t v) { put64(&b[off], v); }
// Host order (netlink headers are host order).
inline void puth16(Buf& b, size_t off, uint16_t v) { std::memcpy(&b[off], &v, 2); }
inline void puth32(Buf& b, size_t off, uint32_t v) { std::memcpy(&b[off], &v, 4); }

// ---- headers, written into a buffer -------------------------------------------

// Bytes of the transport header the writers below put after the IP header:
// 20 for TCP (6, data offset 5, no options), 8 for anything else (UDP
// ports and length; ICMP type, code and 6 zero bytes; other protocols the
// port words as UDP would have them).
constexpr size_t l4_size(uint8_t proto) { return proto == 6 ? 20 : 8; }

// The transport header at `p` (zeroed by the caller): ports (ICMP: type =
// sport, code = dport), then TCP data offset 5 and `tcp_flags`, or the UDP
// length `udp_len`.
inline void write_l4(uint8_t* p, uint8_t proto, uint16_t sport, uint16_t dport, uint16_t udp_len,
		     uint8_t tcp_flags = 0)
{
	if (proto == 1) {	// ICMP: type, code
		p[0] = uint8_t(sport);
		p[1] = uint8_t(dport);
		return;
	}
	put16(p, sport);
	put16(p + 2, dport);
	if (proto == 6) {
		p[12] = 0x50;	// data offset 5
		p[13] = tcp_flags;
	} else {
		put16(p + 4, udp_len);
	}
}

// IPv4 header (IHL 5) and transport header at `p`, 20 + l4_size(proto)
// bytes, all written (zeros where not given).  `len` is the total length,
// `frag` the flags/fragment-offset word (0x4000: DF).
inline size_t write_v4(uint8_t* p, uint8_t proto, uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport,
		       uint16_t len, uint8_t tos = 0, uint8_t tcp_flags = 0, uint16_t frag = 0)
{
	const size_t n = 20 + l4_size(proto);
	std::memset(p, 0, n);
	p[0] = 0x45;
	p[1] = tos;
	put16(p + 2, len);
	put16(p + 6, frag);
	p[8] = 64;
	p[9] = proto;
	put32(p + 12, src);
	put32(p + 16, dst);
	write_l4(p + 20, proto, sport, dport, uint16_t(len - 20), tcp_flags);
	return n;
}

// An IPv6 address.
struct Ip6 {
	uint8_t b[16];
};
// 2001:db8::<last> (RFC 3849 documentation prefix).
constexpr Ip6 doc6(uint8_t last) { return {{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, last}}; }

// The fixed IPv6 header at `p` (40 bytes, all written): traffic class,
// 20-bit flow label, payload length, next header, hop limit 64.
inline void write_ip6_header(uint8_t* p, uint16_t payload, uint8_t next, const Ip6& src, const Ip6& dst,
			     uint8_t tclass = 0, uint32_t flow_label = 0)
{
	p[0] = uint8_t(0x60 | tclass >> 4);
	p[1] = uint8_t((tclass & 0x0f) << 4 | (flow_label >> 16 & 0x0f));
	p[2] = uint8_t(flow_label >> 8);
	p[3] = uint8_t(flow_label);
	put16(p + 4, payload);
	p[6] = next;
	p[7] = 64;
	std::memcpy(p + 8, src.b, 16);
	std::memcpy(p + 24, dst.b, 16);
}

// IPv6 header and transport header at `p`, 40 + l4_size(proto) bytes, all
// written.  `payload` is the payload length (the UDP length too).
inline size_t write_v6(uint8_t* p, uint8_t proto, const Ip6& src, const Ip6& dst, uint16_t sport, uint16_t dport,
		       uint16_t payload, uint8_t tcp_flags = 0)
{
	const size_t n = 40 + l4_size(proto);
	std::memset(p, 0, n);
	write_ip6_header(p, payload, proto, src, dst);
	write_l4(p + 40, proto, sport, dport, payload, tcp_flags);
	return n;
}

// ---- packets ----------------------------------------------------------------

// A packet as the glue hands it over: the header prefix that is copied, and
// the length the packet really has.
struct Packet {
	Buf hdr;
	uint32_t wire;
	uint8_t family;
};

// IPv4 packet of `len` bytes (total length); only the headers are
// materialised.  ICMP takes type/code in sport/dport.
inline Packet v4(uint8_t proto, uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport, uint16_t len,
		 uint8_t tos = 0, uint8_t tcp_flags = 0, uint16_t frag = 0)
{
	Buf p(20 + l4_size(proto));
	write_v4(p.data(), proto, src, dst, sport, dport, len, tos, tcp_flags, frag);
	return {p, len, NF_FAMILY_IPV4};
}

inline Packet udp4(uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport, uint16_t len = 100, uint8_t tos = 0)
{
	return v4(17, src, dst, sport, dport, len, tos);
}

inline Packet tcp4(uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport, uint8_t flags, uint16_t len = 40)
{
	return v4(6, src, dst, sport, dport, len, 0, flags);
}

inline Packet icmp4(uint32_t src, uint32_t dst, uint8_t type, uint8_t code, uint16_t len = 84)
{
	return v4(1, src, dst, type, code, len);
}

// IPv6 2001:db8::<s> -> 2001:db8::<d>, UDP (17) or TCP (6), `payload` bytes
// after the fixed header (ip_len = payload + 40).
inline Packet v6(uint8_t proto, uint8_t s, uint8_t d, uint16_t sport, uint16_t dport, uint16_t payload)
{
	Buf p(40 + l4_size(proto));
	write_v6(p.data(), proto, doc6(s), doc6(d), sport, dport, payload);
	return {p, uint32_t(payload) + 40, NF_FAMILY_IPV6};
}

inline Packet udp6(uint8_t s, uint8_t d, uint16_t sport, uint16_t dport, uint16_t payload)
{
	return v6(17, s, d, sport, dport, payload);
}

// The whole packet: the header bytes padded with zeros to the wire length.
inline Packet whole(Packet p)
{
	if (p.hdr.size() < p.wire)
		p.hdr.resize(p.wire, 0);
	return p;
}

// ---- into the core ------------------------------------------------------------

// The nf_packet of `len` header bytes at `data` (the caller keeps them
// alive), `wire` bytes on the wire, no skb.
inline nf_packet make_nf_packet(const uint8_t* data, uint32_t len, uint32_t wire, uint8_t family, int32_t iif,
				int32_t oif, uint32_t now)
{
	nf_packet p{};
	p.data = data;
	p.len = len;
	p.wire_len = wire;
	p.skb = nullptr;
	p.iif = iif;
	p.oif = oif;
	p.now = now;
	p.family = family;
	return p;
}

// nfc_account() as the glue calls it: under the CPU's cache lock.
inline void account_packet(unsigned cpu, const nf_packet& p)
{
	nfp_cpu_lock(cpu);
	nfc_account(cpu, &p);
	nfp_cpu_unlock(cpu);
}

// nfc_account() on `cpu` at the fake's current jiffies, from an exact-size
// heap copy of `bytes` (ASan sees any read past them), `wire` claimed.
inline void account_raw(unsigned cpu, const Buf& bytes, uint32_t wire, uint8_t family, int32_t iif = -1,
			int32_t oif = -1)
{
	std::unique_ptr<uint8_t[]> copy(new uint8_t[bytes.size() ? bytes.size() : 1]);
	if (!bytes.empty())
		std::memcpy(copy.get(), bytes.data(), bytes.size());
	const nf_packet p = make_nf_packet(copy.get(), static_cast<nf_u32>(bytes.size()), wire, family, iif, oif,
					   static_cast<nf_u32>(fake::jiffies()));
	account_packet(cpu, p);
}

inline void account(unsigned cpu, const Packet& pk, int32_t iif = -1, int32_t oif = -1)
{
	account_raw(cpu, pk.hdr, pk.wire, pk.family, iif, oif);
}

} // namespace testpkt
