// SPDX-License-Identifier: GPL-2.0
// NAT events under NetFlow v5, which has no field for a translation: the
// original's pseudo-flows of zero packets (docs/ORIGINAL.md §4.6.2), so that
// collectors that read it keep reading this.
#pragma once
#include "core/export/v5.hpp"
#include "core/nat/nat_event.hpp"

namespace netflow::v5 {

inline constexpr u32 max_nat_records = 2;

// The records of one event (one per direction translated, SNAT first) into
// `out`; returns how many.  `boot_wall_ms` puts the event's wall-clock time
// on the uptime clock of the datagram's header.
u32 nat_records(const NatEvent& e, u64 boot_wall_ms, Record (&out)[max_nat_records]);

} // namespace netflow::v5
