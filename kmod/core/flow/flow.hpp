// SPDX-License-Identifier: GPL-2.0
// A flow record as the cache keeps it.  The head is common to both families
// so one per-CPU table and one expiry list hold IPv4 and IPv6 flows; the key
// follows the head, on the same cache line as the chain pointer, for lookups.
#pragma once
#include "core/flow/key.hpp"
#include "ktl/list.hpp"

namespace netflow {

enum class EndReason : u8 { none = 0, idle = 1, active = 2, end_of_flow = 3, forced = 4 };

// 32 bytes.  `last` and the small fields live here so both families pack:
// the IPv6 flow label (20 bits) shares a word with the TCP flags, the family
// (one bit) and the end reason, and the few non-key bytes of each family sit
// in its key's tail (key.hpp).  What fits where is checked below.
struct FlowHead : ktl::ListNode {	// node: this CPU's expiry list
	FlowHead* hash_next;
	u32 last;		// ticks (jiffies, low 32 bits) of the last packet
	u8 tcp_flags;
	u32 is_v6 : 1;
	u32 end_reason : 3;	// EndReason: none while in the hash
	u32 flow_label : 20;	// IPv6 only: the first packet's (IE 31)

	u8 family() const { return is_v6 ? NF_FAMILY_IPV6 : NF_FAMILY_IPV4; }
	void set_family(u8 f) { is_v6 = f == NF_FAMILY_IPV6; }
	// A new flow in a recycled record (the list links and hash_next are
	// set as it is queued and hashed).
	void start(u8 f, u32 now)
	{
		last = now;
		tcp_flags = 0;
		set_family(f);
		end_reason = 0;
		flow_label = 0;
	}
	EndReason end() const { return static_cast<EndReason>(end_reason); }
	void set_end(EndReason e) { end_reason = static_cast<u8>(e) & 7u; }
};
static_assert(sizeof(FlowHead) == 32);

// What only IPv4 has, kept out of the IPv6 record (the prefix lengths are in
// Ipv4Key's tail, the extension headers in Ipv6Key's).
struct Ipv4Only {
	u32 ip_options;		// IE 208 bitmap
};
struct Ipv6Only {};

template <typename Key, typename Addr, typename Only> struct Flow : FlowHead, Only {
	Key key;
	u32 first;		// ticks
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
// With 8 bytes of bucket per flow at a load factor of 1: 96 and 128 bytes
// per flow all-in (the original: about 163).
static_assert(sizeof(Flow4) == 88);
static_assert(sizeof(Flow6) == 120);

// Family-specific fields, read the same way for both.
inline u32 ip_options_of(const Flow4& f) { return f.ip_options; }
inline u32 ip_options_of(const Flow6&) { return 0; }
inline u8 src_mask_of(const Flow4& f) { return f.key.src_mask; }
inline u8 src_mask_of(const Flow6&) { return 0; }
inline u8 dst_mask_of(const Flow4& f) { return f.key.dst_mask; }
inline u8 dst_mask_of(const Flow6&) { return 0; }
inline u32 flow_label_of(const Flow4&) { return 0; }
inline u32 flow_label_of(const Flow6& f) { return f.flow_label; }
inline u16 ext_hdrs_of(const Flow4&) { return 0; }
inline u16 ext_hdrs_of(const Flow6& f) { return f.key.ext_hdrs; }

inline Flow4& as_v4(FlowHead& h) { return static_cast<Flow4&>(h); }
inline Flow6& as_v6(FlowHead& h) { return static_cast<Flow6&>(h); }
inline const Flow4& as_v4(const FlowHead& h) { return static_cast<const Flow4&>(h); }
inline const Flow6& as_v6(const FlowHead& h) { return static_cast<const Flow6&>(h); }

// Calls f(Flow4&) or f(Flow6&) for a head of either family.
template <typename H, typename F> inline decltype(auto) visit(H& head, F&& f)
{
	if (!head.is_v6)
		return f(as_v4(head));
	return f(as_v6(head));
}

} // namespace netflow
