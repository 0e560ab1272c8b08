// SPDX-License-Identifier: GPL-2.0
#include "core/sampler/sampler.hpp"
#include "netflow/abi.h"

namespace netflow {

void Sampler::start(const SamplerConfig& c, u64 now_ms)
{
	config_ = c;
	stats = SamplerStats{};
	since_ms = now_ms;
	count_ = 0;
	pick_ = 0;
}

u16 Sampler::v5_interval() const
{
	if (!on())
		return 0;
	const u16 mode = config_.mode == SamplerMode::deterministic ? 1 : 2;
	return static_cast<u16>(mode << 14 | config_.n);
}

// Deterministic: flows N, 2N, 3N ... of those leaving the cache, so of M
// flows exactly floor(M / N) are exported.  Random: one flow in each block of
// N, at a place drawn when the block begins (random n-out-of-N sampling,
// RFC 7014 §3.2 with n = 1): of M flows floor(M / N) or one more.
bool Sampler::choose()
{
	const u32 n = config_.n;
	if (config_.mode == SamplerMode::deterministic) {
		if (++count_ < n)
			return false;
		count_ = 0;
		return true;
	}
	if (count_ == 0) {
		u32 r;
		nfp_random(&r, sizeof(r));
		pick_ = reduce(r, n);
	}
	const bool chosen = count_ == pick_;
	count_ = count_ + 1 == n ? 0 : count_ + 1;
	return chosen;
}

bool Sampler::select(u64 packets)
{
	if (config_.mode == SamplerMode::off)
		return true;
	const bool chosen = config_.mode == SamplerMode::hash || choose();
	if (chosen) {
		stats.flows_selected++;
		stats.pkts_selected += packets;
	} else {
		stats.flows_discarded++;
		stats.pkts_discarded += packets;
	}
	return chosen;
}

} // namespace netflow
