// SPDX-License-Identifier: GPL-2.0
// parse_plain_ipv4() (the packet path's inline IPv4 TCP/UDP parser) against
// parse_packet(), for the unit tests and fuzz_parser: when the plain parser
// takes a packet, the full parser must accept it too and produce the same
// facts in every field a flow reads.
#pragma once
#include <cstring>
#include <memory>

#include "core/packet/parser.hpp"

namespace netflow::test {

enum class PlainVerdict { declined, same, differs };

inline PlainVerdict check_plain_ipv4(const uint8_t* l3, size_t copy, uint32_t wire_len, const PacketFacts& full,
				     ParseStatus full_status)
{
	std::unique_ptr<uint8_t[]> buf(new uint8_t[copy ? copy : 1]);	// exact size: ASan sees overreads
	if (copy)
		std::memcpy(buf.get(), l3, copy);
	PacketFacts p;
	std::memset(static_cast<void*>(&p), 0xa5, sizeof(p));	// what it leaves unset shows
	if (!parse_plain_ipv4(buf.get(), static_cast<u32>(copy), wire_len, p))
		return PlainVerdict::declined;
	const bool same = full_status == ParseStatus::ok && p.family == full.family && p.tcp_flags == full.tcp_flags &&
			  p.ext_hdrs == full.ext_hdrs && p.ip_len == full.ip_len && p.ip_options == full.ip_options &&
			  p.tcp_options == full.tcp_options && p.flow_label == full.flow_label &&
			  p.fragment == full.fragment && p.src_mask == full.src_mask && p.dst_mask == full.dst_mask &&
			  std::memcmp(&p.key.v4, &full.key.v4, sizeof(p.key.v4)) == 0;
	return same ? PlainVerdict::same : PlainVerdict::differs;
}

} // namespace netflow::test
