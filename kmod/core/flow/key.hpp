// SPDX-License-Identifier: GPL-2.0
// The flow key: what makes two packets the same flow (UPSTREAM-2.6 §5).
// Keys are compared and hashed as raw bytes, so padding is explicit and zero.
#pragma once
#include "ktl/byteorder.hpp"

namespace netflow {
using namespace ktl;

struct Ipv4Key {
	Be32 src;
	Be32 dst;
	Be16 sport;	// ICMP: 0
	Be16 dport;	// ICMP: type << 8 | code
	s32 iif;	// -1 when the packet has no input device
	u8 proto;
	u8 tos;
	u8 pad[2];

	bool operator==(const Ipv4Key& o) const { return equal(this, &o, sizeof(*this)); }
};
static_assert(sizeof(Ipv4Key) == 20);

struct Ipv6Key {
	u8 src[16];
	u8 dst[16];
	Be16 sport;
	Be16 dport;
	s32 iif;
	u8 proto;
	u8 tclass;	// the whole 8-bit traffic class (the original kept 4 bits)
	u8 pad[2];

	bool operator==(const Ipv6Key& o) const { return equal(this, &o, sizeof(*this)); }
};
static_assert(sizeof(Ipv6Key) == 44);

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
		constexpr Key() : v6{} {}
	} key;
};

} // namespace netflow
