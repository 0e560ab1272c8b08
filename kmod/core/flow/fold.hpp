// SPDX-License-Identifier: GPL-2.0
// How two parts of one flow, metered on two CPUs, become one record: the
// rules a single table would have applied had every packet met the same
// record.  Counters add up, `first` is the earlier and `last` the later,
// the OR-accumulated bitmaps (TCP flags and options, IPv4 options, IPv6
// extension headers) are OR'ed, and the non-key fields set by a flow's first
// packet (output interface, next hop, aggregation masks, IPv6 flow label)
// come from the part that saw the earlier first packet, and so do those of
// the record's tail (ext.hpp: the top MPLS label's TTL).
#pragma once
#include "core/flow/ext.hpp"

namespace netflow {

namespace fold_detail {
inline void fold_family(Flow4& into, const Flow4& from, bool from_is_older)
{
	into.ip_options |= from.ip_options;
	if (from_is_older) {
		into.key.src_mask = from.key.src_mask;
		into.key.dst_mask = from.key.dst_mask;
	}
}
inline void fold_family(Flow6& into, const Flow6& from, bool from_is_older)
{
	into.key.ext_hdrs |= from.key.ext_hdrs;
	if (from_is_older)
		into.flow_label = from.flow_label;
}
} // namespace fold_detail

// Adds `from` (another part of the same flow, same family and key) to
// `into`.  List links, hash chain and end reason of `into` stay as they are.
template <typename F> inline void fold_part(F& into, const F& from)
{
	const bool older = time_before(from.first, into.first);
	if (older) {
		into.first = from.first;
		into.oif = from.oif;
		into.nexthop = from.nexthop;
		if (!g_ext.empty())
			copy(ext_of(into) + g_ext.key_bytes, ext_of(from) + g_ext.key_bytes, g_ext.bytes - g_ext.key_bytes);
	}
	if (time_before(into.last, from.last))
		into.last = from.last;
	into.packets += from.packets;
	into.bytes += from.bytes;
	into.tcp_flags |= from.tcp_flags;
	into.tcp_options |= from.tcp_options;
	fold_detail::fold_family(into, from, older);
}

inline void fold_part(FlowHead& into, const FlowHead& from)
{
	if (!into.is_v6)
		fold_part(as_v4(into), as_v4(from));
	else
		fold_part(as_v6(into), as_v6(from));
}

} // namespace netflow
