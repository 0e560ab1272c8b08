// SPDX-License-Identifier: GPL-2.0
// The module's whole state, built in nfc_init() and torn down in nfc_exit():
// no global object is constructed before the module's init runs.
#pragma once
#include "core/export/exporter.hpp"
#include "core/flow/cache.hpp"
#include "core/flow/resize.hpp"
#include "core/config/aggregation.hpp"
#include "core/config/settings.hpp"
#include "core/config/snmp_rules.hpp"
#include "core/nat/ctnetlink.hpp"

namespace netflow {

class Core {
public:
	u32 nr_cpus = 0;
	CpuCache** cpus = nullptr;	// [nr_cpus], nullptr where allocation failed
	HashSeed seed{};
	FlowSlabs slabs{};
	u32 hashsize = 0;		// chains over all CPUs to start with (sizing.hpp)
	ResizeStats resizes{};		// the export mutex's
	u32 nr_flows = 0;		// atomic
	u32 peak_flows = 0;		// atomic
	u32 peak_tick = 0;
	u64 load_jiffies = 0;
	Exporter exporter;
	NatQueue* nat_queue = nullptr;
	NatStats nat_stats{};
	AggrRules* aggr = nullptr;	// published with release, read in the packet path
	SnmpRules* snmp = nullptr;	// the same; nullptr: no rules
	// Hash sampling's seed (its N is limits.hash_sampling_n), drawn at load
	// apart from `seed`.  Every other sampler chooses at export.
	HashSeed sampler_seed{};

	u32 setting(nfc_setting s) const { return g_settings.get(s); }
	// The timeouts in ticks, kept in step with the settings (so the packet
	// path reads them instead of computing them), and what bounds flow
	// creation.  Both are read by every CPU, written only on a change.
	const Timeouts& timeouts() const { return timeouts_; }
	// Stores a checked value and updates what derives from it.
	void store_setting(nfc_setting s, u32 value);
	FlowLimits limits{};
	// CPU `cpu`'s share of `total` buckets: an even part for each CPU
	// online now (at least 64), 64 for one that is not (a possible CPU
	// that may never come: a guest sized for CPU hot-add has many).
	// (`online`: online_cpus(), counted once for all CPUs.)
	u32 share_of(u32 cpu, u32 total, u32 online) const;
	u32 online_cpus() const;
	// What a CPU's table may be: at least its share of hashsize, at most
	// what maxflows can fill.
	TableSizing sizing(const CpuCache& c) const { return TableSizing::make(c.floor, setting(NFC_MAXFLOWS)); }
	Timeouts timeouts_{};

	template <typename F> void for_each_cpu(F&& f)
	{
		for (u32 cpu = 0; cpu < nr_cpus; cpu++)
			if (cpus[cpu])
				f(cpu, *cpus[cpu]);
	}
};

extern Core* g_core;

u64 ticks_to_ms(u64 ticks);

} // namespace netflow
