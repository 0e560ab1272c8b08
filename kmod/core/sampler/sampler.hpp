// SPDX-License-Identifier: GPL-2.0
// The sampler in force and what it counted (docs/SAMPLING.md).  Deterministic
// and random sampling choose among the flows the exporter takes out of the
// cache; hash sampling chooses in the packet path (hash_selected()), so every
// flow that reaches the exporter is already chosen.  The exporter's half is
// used only under the export serialisation.
#pragma once
#include "core/flow/hash.hpp"
#include "core/sampler/sampler_config.hpp"

namespace netflow {

struct SamplerStats {
	u64 flows_selected;
	u64 flows_discarded;	// deterministic and random only
	u64 pkts_selected;
	u64 pkts_discarded;
};

class Sampler {
public:
	// A new sampler (or the same again): its counts start from zero.
	void start(const SamplerConfig& c, u64 now_ms);
	// Whether a flow with `packets` packets, leaving the cache, is exported
	// (always, when off or hash); counts it.
	bool select(u64 packets);

	const SamplerConfig& config() const { return config_; }
	bool on() const { return config_.on(); }
	// The v5 header's sampling_interval: mode << 14 | N (hash is reported
	// as random: v5 has no name for it).
	u16 v5_interval() const;
	// The sampler id carried by data records (IE 48 / 302) and the options.
	u8 id() const { return static_cast<u8>(config_.mode); }

	SamplerStats stats{};
	u64 since_ms = 0;	// wall clock of start()
	// Hash: the CPUs' count of packets passed over when this sampler
	// started (the CPUs count on; this sampler's share is the difference).
	u64 drop_base = 0;

private:
	bool choose();

	SamplerConfig config_{};
	u32 count_ = 0;		// deterministic: flows since the last chosen;
				// random: position in the current block of N
	u32 pick_ = 0;		// random: the position chosen in this block
};

// Hash sampling: a flow (by its key, after aggregation) is chosen when its
// keyed hash falls in the lowest ceil(2^32 / n) values of 2^32: a share of
// 1/n up to n / 2^32.  The seed is random per load and differs from the flow
// table's, so the choice says nothing about buckets and nobody outside can
// steer traffic past the sampler.
template <typename Key> inline bool hash_selected(const Key& key, u32 n, const HashSeed& seed)
{
	return reduce(hash_key<Key::key_bytes>(&key, seed), n) == 0;
}

// The exact share hash_selected() chooses, as a fraction of 2^32.
constexpr u64 hash_selected_values(u32 n) { return ((1ull << 32) + n - 1) / n; }

} // namespace netflow
