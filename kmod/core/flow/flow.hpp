// SPDX-License-Identifier: GPL-2.0
// A flow record as the cache keeps it.  The head is common to both families
// so one per-CPU table and one expiry list hold IPv4 and IPv6 flows; the key
// sits right after the chain pointer, on the same cache line, for lookups.
#pragma once
#include "core/flow/key.hpp"
#include "ktl/list.hpp"

namespace netflow {

enum class EndReason : u8 { none = 0, idle = 1, active = 2, end_of_flow = 3, forced = 4 };

struct FlowHead : ktl::ListNode {	// node: this CPU's expiry list
	FlowHead* hash_next;
	u32 queued;		// tick of its last move to the expiry list's tail
	u8 family;
	u8 tcp_flags;
	EndReason end;		// none while in the hash; set when taken out for export
	u8 spare;
};
static_assert(sizeof(FlowHead) == 32);

// What only one family has, kept out of the other's record: an IPv4 flow
// fits 96 bytes.
struct Ipv4Only {
	u32 ip_options;		// IE 208 bitmap
	u8 src_mask;		// aggregation's prefix lengths (0 = none)
	u8 dst_mask;
};
struct Ipv6Only {
	u32 flow_label;		// first packet's
	u16 ext_hdrs;		// IE 64 bitmap
};

template <typename Key, typename Addr, typename Only> struct Flow : FlowHead, Only {
	Key key;
	u32 first;		// ticks (jiffies, low 32 bits)
	u32 last;
	s32 oif;
	u32 tcp_options;
	Addr nexthop;
	u64 packets;
	u64 bytes;
};

struct Ipv6Addr {
	u8 b[16];
};

using Flow4 = Flow<Ipv4Key, Be32, Ipv4Only>;
using Flow6 = Flow<Ipv6Key, Ipv6Addr, Ipv6Only>;
static_assert(sizeof(Flow4) == 96);
static_assert(sizeof(Flow6) <= 136);

// Family-specific fields, read the same way for both.
inline u32 ip_options_of(const Flow4& f) { return f.ip_options; }
inline u32 ip_options_of(const Flow6&) { return 0; }
inline u8 src_mask_of(const Flow4& f) { return f.src_mask; }
inline u8 src_mask_of(const Flow6&) { return 0; }
inline u8 dst_mask_of(const Flow4& f) { return f.dst_mask; }
inline u8 dst_mask_of(const Flow6&) { return 0; }
inline u32 flow_label_of(const Flow4&) { return 0; }
inline u32 flow_label_of(const Flow6& f) { return f.flow_label; }
inline u16 ext_hdrs_of(const Flow4&) { return 0; }
inline u16 ext_hdrs_of(const Flow6& f) { return f.ext_hdrs; }

inline Flow4& as_v4(FlowHead& h) { return static_cast<Flow4&>(h); }
inline Flow6& as_v6(FlowHead& h) { return static_cast<Flow6&>(h); }
inline const Flow4& as_v4(const FlowHead& h) { return static_cast<const Flow4&>(h); }
inline const Flow6& as_v6(const FlowHead& h) { return static_cast<const Flow6&>(h); }

// Calls f(Flow4&) or f(Flow6&) for a head of either family.
template <typename H, typename F> inline decltype(auto) visit(H& head, F&& f)
{
	if (head.family == NF_FAMILY_IPV4)
		return f(as_v4(head));
	return f(as_v6(head));
}

} // namespace netflow
