// SPDX-License-Identifier: GPL-2.0
// The flow key: what makes two packets the same flow (docs/ORIGINAL.md §5).
// Keys are compared and hashed as raw bytes: the first `key_bytes` of each.
// The two bytes after them (alignment would waste them) carry non-key data
// of the flow record, so that an IPv4 flow fits 88 bytes and an IPv6 one
// 120; they are zero in a lookup key and never compared or hashed.
#pragma once
#include "ktl/byteorder.hpp"

namespace netflow {
using namespace ktl;

namespace detail {
// Equality of two N-byte objects, N a compile-time constant: 8-byte words
// and a 2-byte tail, no branch until the end (memcmp would be a call in
// the kernel).
template <size_t N> inline bool same_bytes(const void* a, const void* b)
{
	static_assert(N % 2 == 0);
	const u8* x = static_cast<const u8*>(a);
	const u8* y = static_cast<const u8*>(b);
	u64 diff = 0;
	size_t i = 0;
	for (; i + 8 <= N; i += 8) {
		u64 u, v;
		__builtin_memcpy(&u, x + i, 8);
		__builtin_memcpy(&v, y + i, 8);
		diff |= u ^ v;
	}
	for (; i < N; i += 2) {
		u16 u, v;
		__builtin_memcpy(&u, x + i, 2);
		__builtin_memcpy(&v, y + i, 2);
		diff |= static_cast<u16>(u ^ v);
	}
	return diff == 0;
}
} // namespace detail

struct Ipv4Key {
	Be32 src;
	Be32 dst;
	Be16 sport;	// ICMP: 0
	Be16 dport;	// ICMP: type << 8 | code
	s32 iif;	// -1 when the packet has no input device
	u8 proto;
	u8 tos;
	// Not key: the flow's aggregation prefix lengths (0 = none).
	u8 src_mask;
	u8 dst_mask;

	static constexpr size_t key_bytes = 18;
	bool operator==(const Ipv4Key& o) const { return detail::same_bytes<key_bytes>(this, &o); }
};
static_assert(sizeof(Ipv4Key) == 20 && __builtin_offsetof(Ipv4Key, src_mask) == Ipv4Key::key_bytes);

struct Ipv6Key {
	u8 src[16];
	u8 dst[16];
	Be16 sport;
	Be16 dport;
	s32 iif;
	u8 proto;
	u8 tclass;	// the whole 8-bit traffic class (the original kept 4 bits)
	// Not key: the flow's IPv6 extension-header bitmap (IE 64).
	u16 ext_hdrs;

	static constexpr size_t key_bytes = 42;
	bool operator==(const Ipv6Key& o) const { return detail::same_bytes<key_bytes>(this, &o); }
};
static_assert(sizeof(Ipv6Key) == 44 && __builtin_offsetof(Ipv6Key, ext_hdrs) == Ipv6Key::key_bytes);

// Per-packet facts that are not key: accumulated into the flow record.
struct PacketFacts {
	u8 family;		// NF_FAMILY_IPV4 / NF_FAMILY_IPV6
	u8 tcp_flags;		// low 8 bits of the TCP flags (CWR..FIN)
	u16 ext_hdrs;		// IPv6 extension-header bitmap (IE 64)
	u32 ip_len;		// bytes accounted: IPv4 total length, IPv6 payload + 40
	u32 ip_options;		// IPv4 options bitmap (IE 208)
	u32 tcp_options;	// TCP options bitmap, kinds < 32 (IE 209)
	u32 flow_label;		// IPv6 flow label (IE 31)
	bool fragment;		// any IP fragment (counted in `frag`)
	u8 src_mask;		// prefix lengths set by aggregation, else 0
	u8 dst_mask;
	union Key {
		Ipv4Key v4;
		Ipv6Key v6;
		// Empty: parse_packet() zeroes the whole PacketFacts
		// first, so a constructor zeroing it too is a second memset
		// per packet.  `PacketFacts f{}` still zeroes.
		Key() {}
	} key;
};

} // namespace netflow
