// SPDX-License-Identifier: GPL-2.0
// The clocks of one export run, read once at its start: every record of the
// run then places its flow's ticks on the same uptime and wall clock.
#pragma once
#include "ktl/types.hpp"

namespace netflow {

struct ExportClock {
	ktl::u32 now;		// ticks
	ktl::u64 uptime_ms;	// at `now`
	ktl::u64 boot_wall_ms;	// wall-clock time of uptime 0

	static ExportClock read();
	// Uptime at `tick`, a tick not after `now`.
	ktl::u64 uptime_at(ktl::u32 tick) const;
};

} // namespace netflow
