// SPDX-License-Identifier: GPL-2.0
// Parses conntrack event messages as ctnetlink multicasts them (nfnetlink,
// NFNL_SUBSYS_CTNETLINK) into NAT events.  The input comes from the kernel,
// but it is still bounded and checked like any other input: a malformed
// message is counted and skipped, never trusted.
#pragma once
#include "core/nat/nat_event.hpp"
#include "ktl/span.hpp"

namespace netflow {

enum class CtParse : u8 { event, ignored, malformed };

// One netlink message (header included) → `out` when it is a NAT create or
// destroy event of an IPv4 conntrack.  `now_ms` stamps events without a
// conntrack timestamp.
CtParse parse_ct_message(ktl::Bytes msg, u64 now_ms, NatEvent& out) noexcept;

// Walks a buffer holding several netlink messages; pushes the NAT events to
// `queue` and counts the rest in `stats`.
void parse_ct_buffer(ktl::Bytes buf, u64 now_ms, NatQueue& queue, NatStats& stats) noexcept;

} // namespace netflow
