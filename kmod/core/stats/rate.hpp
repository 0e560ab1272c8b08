// SPDX-License-Identifier: GPL-2.0
// Rate and hash-metric estimates, sampled every four seconds by the exporter
// (the original's 4-s rate timer, without its overflows: docs/ORIGINAL.md §10.1, §10.2).
// Fixed point throughout: no floating point exists in the kernel build.
#pragma once
#include "core/stats/cpu_stats.hpp"

namespace netflow {

constexpr ktl::u32 rate_period_s = 4;

// Exponentially weighted moving average over `period_s`, in 1/1024 units.
class Ewma {
public:
	void update(ktl::u64 sample, ktl::u32 period_s)
	{
		const ktl::s64 n = period_s / rate_period_s;	// samples per period
		const ktl::s64 x = static_cast<ktl::s64>(sample) << 10;
		if (!primed_) {
			v_ = x;
			primed_ = true;
			return;
		}
		v_ += (x - v_) * 2 / (n + 1);
	}
	ktl::u64 value() const { return static_cast<ktl::u64>(v_ + 512) >> 10; }
	void reset() { v_ = 0, primed_ = false; }

private:
	ktl::s64 v_ = 0;
	bool primed_ = false;
};

// (searched + found + notfound) / (found + notfound), in hundredths; 1.00
// when there were no lookups.  Counts beyond 2^56 are scaled down together
// first (the ratio is what matters), so no sum or product can overflow.
inline ktl::u64 hash_metric(ktl::u64 searched, ktl::u64 found, ktl::u64 notfound)
{
	while ((searched | found | notfound) >> 55) {
		searched >>= 4;
		found >>= 4;
		notfound >>= 4;
	}
	const ktl::u64 lookups = found + notfound;
	if (!lookups)
		return 100;
	const ktl::u64 visits = searched + lookups;	// < 2^57
	return visits / lookups * 100 + (visits % lookups) * 100 / lookups;
}

struct CpuRate {
	CpuStats prev;
	ktl::u64 pps;
	Ewma metric;	// 1-minute EWMA of the hash metric, hundredths
};

struct RateMeter {
	CpuStats prev_total{};
	ktl::u64 prev_export_bytes = 0;
	ktl::u32 last_tick = 0;
	bool started = false;
	ktl::u64 pps = 0, bps = 0;	// the last 4-s sample
	ktl::u64 metric = 100;		// the last 4-s sample, hundredths
	Ewma pps1, bps1, pps5, bps5;
	Ewma metric1, metric5, metric15;
	ktl::u64 export_rate = 0;	// bytes/s
};

class Core;

// Once every rate_period_s (earlier calls return at once): the packet and
// bit rates, hash metrics and their averages, per CPU and in total, and the
// export rate from `export_bytes`, the bytes exported so far.
void sample_rates(Core& core, RateMeter& r, CpuRate* cpu_rates, ktl::u64 export_bytes, ktl::u32 now);

} // namespace netflow
