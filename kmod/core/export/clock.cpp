// SPDX-License-Identifier: GPL-2.0
#include "core/export/clock.hpp"
#include "core/core.hpp"

namespace netflow {

ExportClock ExportClock::read()
{
	const u64 j64 = nfp_jiffies64();
	u64 sec;
	u32 nsec;
	nfp_wallclock(&sec, &nsec);
	ExportClock c;
	c.now = static_cast<u32>(j64);
	c.uptime_ms = ticks_to_ms(j64);
	c.boot_wall_ms = sec * 1000 + nsec / 1000000 - c.uptime_ms;
	return c;
}

u64 ExportClock::uptime_at(u32 tick) const { return uptime_ms - ticks_to_ms(static_cast<u32>(now - tick)); }

} // namespace netflow
