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

template <typename Key, typename Addr> struct Flow : FlowHead {
	Key key;
	u32 first;		// ticks (jiffies, low 32 bits)
	u32 last;
	s32 oif;
	u32 ip_options;
	u32 tcp_options;
	u32 flow_label;
	u16 ext_hdrs;
	u8 src_mask;		// aggregation's prefix lengths (0 = none)
	u8 dst_mask;
	Addr nexthop;
	u64 packets;
	u64 bytes;
};

struct Ipv6Addr {
	u8 b[16];
};

using Flow4 = Flow<Ipv4Key, Be32>;
using Flow6 = Flow<Ipv6Key, Ipv6Addr>;
static_assert(sizeof(Flow4) <= 104);
static_assert(sizeof(Flow6) <= 144);

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
