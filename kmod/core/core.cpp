// SPDX-License-Identifier: GPL-2.0
// Lifetime and settings of the core: what the glue calls at load, unload and
// on a parameter or sysctl write.
#include "core/core.hpp"
#include "core/flow/cpu_lock.hpp"
#include "core/flow/ext.hpp"
#include "ktl/new.hpp"

namespace netflow {

namespace {

ExtChoice ext_choice(const u32* settings)
{
	ExtChoice c;
	c.mpls_depth = settings[NFC_PROMISC_MPLS];
	c.mac = settings[NFC_MACADDRESS] != 0;
	c.vlan = settings[NFC_VLAN] != 0;
	c.direction = settings[NFC_DIRECTION] != 0;
	c.physdev = settings[NFC_PHYSDEV] == NF_PHYSDEV_EXPORT;
	return c;
}

} // namespace

Core* g_core = nullptr;

u64 ticks_to_ms(u64 ticks)
{
	const u32 hz = nfp_hz();
	return (1000 % hz == 0) ? ticks * (1000 / hz) : ticks * 1000 / hz;
}

// Each setting updates only what derives from it: two settings written at
// once (two sysctl writers) never undo each other here.
void Core::store_setting(nfc_setting s, u32 value)
{
	const u32 hz = nfp_hz();
	g_settings.put(s, value);
	switch (s) {
	case NFC_INACTIVE_TIMEOUT: {
		const u32 inactive = value * hz;
		// A busy flow is re-queued at most (about) eight times a second,
		// and always well within its inactive timeout; a power of two,
		// so that a hit finds a new period with one xor (cache.hpp).
		const u32 r = min(hz / 4, max(inactive / 4, 1u));
		__atomic_store_n(&timeouts_.requeue, 1u << (31 - __builtin_clz(max(r, 1u))), __ATOMIC_RELAXED);
		__atomic_store_n(&timeouts_.inactive, inactive, __ATOMIC_RELAXED);
		break;
	}
	case NFC_ACTIVE_TIMEOUT:
		__atomic_store_n(&timeouts_.active, value * hz, __ATOMIC_RELAXED);
		break;
	case NFC_PROTOCOL:
		__atomic_store_n(&timeouts_.max_bytes, value == NF_PROTOCOL_V5 ? v5_max_bytes : ~0ull, __ATOMIC_RELAXED);
		break;
	case NFC_MAXFLOWS:
		__atomic_store_n(&limits.maxflows, value, __ATOMIC_RELAXED);
		limits.update_create_gate();
		break;
	default:
		break;
	}
}

u32 Core::online_cpus() const
{
	u32 online = 0;
	for (u32 c = 0; c < nr_cpus; c++)
		online += nfp_cpu_online(c) ? 1 : 0;
	return online;
}

u32 Core::share_of(u32 cpu, u32 total, u32 online) const
{
	if (!online || !nfp_cpu_online(cpu))
		return 64;
	return max((total + online - 1) / online, 64u);
}

} // namespace netflow

using namespace netflow;

extern "C" u32 nfc_auto_hashsize(u64 ram_bytes) noexcept
{
	// The original's rule: RAM/1024 bytes of buckets, at most 5 MiB, 8 B each.
	u64 bytes = min<u64>(ram_bytes / 1024, 5ull << 20);
	return static_cast<u32>(max<u64>(bytes / 8, spec_of(NFC_HASHSIZE).min));
}

extern "C" int nfc_init(const nfc_init_args* args) noexcept
{
	for (int s = 0; s < NFC_NR_SETTINGS; s++)
		if (!setting_valid(static_cast<nfc_setting>(s), args->settings[s]))
			return NF_EINVAL;
	if (!args->nr_cpus)
		return NF_EINVAL;
	const u32 asked = args->settings[NFC_HASHSIZE];
	const u32 hashsize = asked ? asked : nfc_auto_hashsize(args->ram_bytes);

	Core* core = new (gfp_kernel) Core;
	if (!core)
		return NF_ENOMEM;
	core->nr_cpus = args->nr_cpus;
	core->hashsize = hashsize;
	for (int s = 0; s < NFC_NR_SETTINGS; s++)
		core->store_setting(static_cast<nfc_setting>(s), args->settings[s]);
	core->limits.nr_flows = &core->nr_flows;
	core->limits.peak_flows = &core->peak_flows;
	core->limits.peak_tick = &core->peak_tick;
	nfp_random(&core->seed, sizeof(core->seed));
	nfp_random(&core->sampler_seed, sizeof(core->sampler_seed));
	core->limits.sampler_seed = &core->sampler_seed;
	core->load_jiffies = nfp_jiffies64();
	core->peak_tick = static_cast<u32>(core->load_jiffies);
	// Before the first record: every record of this load has this tail.
	g_ext = ExtLayout::make(ext_choice(args->settings));
	core->slabs.v4 = nfp_slab_create("ipt_netflow", record_size(false));
	core->slabs.v6 = nfp_slab_create("ipt_netflow6", record_size(true));
	core->cpus = static_cast<CpuCache**>(nfp_alloc(sizeof(CpuCache*) * core->nr_cpus, NF_GFP_KERNEL));
	bool ok = core->slabs.v4 && core->slabs.v6 && core->cpus;
	const u32 online = core->online_cpus();
	for (u32 cpu = 0; ok && cpu < core->nr_cpus; cpu++) {
		CpuCache* c = new (gfp_kernel) CpuCache;
		core->cpus[cpu] = c;
		ok = c && c->init(cpu, core->share_of(cpu, hashsize, online), &core->seed, &core->slabs, &core->limits);
	}
	core->nat_queue = static_cast<NatQueue*>(nfp_alloc_large(sizeof(NatQueue)));
	if (core->nat_queue)
		new (core->nat_queue) NatQueue;
	ok = ok && core->nat_queue && core->exporter.init(*core);
	g_core = core;
	if (!ok) {
		nfc_exit();
		return NF_ENOMEM;
	}
	return NF_OK;
}

extern "C" void nfc_exit(void) noexcept
{
	Core* core = g_core;
	if (!core)
		return;
	core->exporter.destroy();
	nfp_free_large(core->nat_queue);
	nfp_free_large(core->aggr);
	nfp_free(core->snmp);
	if (core->cpus) {
		for (u32 cpu = 0; cpu < core->nr_cpus; cpu++) {
			if (CpuCache* c = core->cpus[cpu]) {
				if (c->buckets())
					c->destroy();
				destroy(c);
			}
		}
		nfp_free(core->cpus);
	}
	if (core->slabs.v4)
		nfp_slab_destroy(core->slabs.v4);
	if (core->slabs.v6)
		nfp_slab_destroy(core->slabs.v6);
	g_core = nullptr;
	g_ext = ExtLayout{};
	destroy(core);
}

extern "C" int nfc_check(nfc_setting which, u32 value) noexcept
{
	if (!setting_valid(which, value))
		return NF_EINVAL;
	return g_core && spec_of(which).live != NF_LIVE ? NF_EBUSY : NF_OK;
}

extern "C" int nfc_set(nfc_setting which, u32 value) noexcept
{
	if (const int err = nfc_check(which, value))
		return err;
	Core* core = g_core;
	if (!core) {
		g_settings.put(which, value);
		return NF_OK;
	}
	nfp_race_window(NF_WINDOW_CORE_SET);
	if (which == NFC_PROTOCOL && value != core->setting(NFC_PROTOCOL))
		core->exporter.switch_protocol(*core, value);
	core->store_setting(which, value);
	return NF_OK;
}

extern "C" u32 nfc_get(nfc_setting which) noexcept { return g_settings.get(which); }

extern "C" u32 nfc_hashsize(void) noexcept { return g_core->hashsize; }

extern "C" int nfc_resize(u32 hashsize) noexcept
{
	Core& core = *g_core;
	if (!hashsize || !setting_valid(NFC_HASHSIZE, hashsize))
		return NF_EINVAL;
	// The shares as the CPUs are online now (the old ones again if an
	// array cannot be had).
	const u32 online = core.online_cpus();
	core.for_each_cpu([&](u32 cpu, CpuCache& c) { c.floor = core.share_of(cpu, hashsize, online); });
	if (!resize_all_now(core.cpus, core.nr_cpus, core.setting(NFC_MAXFLOWS), core.resizes)) {
		core.for_each_cpu([&](u32 cpu, CpuCache& c) { c.floor = core.share_of(cpu, core.hashsize, online); });
		return NF_ENOMEM;
	}
	core.hashsize = hashsize;
	return NF_OK;
}

extern "C" void nfc_nat_input(const u8* buf, nf_size len) noexcept
{
	Core& core = *g_core;
	u64 sec;
	u32 nsec;
	nfp_wallclock(&sec, &nsec);
	parse_ct_buffer(Bytes(buf, len), sec * 1000 + nsec / 1000000, *core.nat_queue, core.nat_stats);
}

extern "C" void nfc_nat_lost(u32 events) noexcept { g_core->nat_stats.lost += events; }

extern "C" void nfc_nat_overrun(void) noexcept { g_core->nat_stats.overruns++; }

extern "C" int nfc_set_aggregation(const char* text, u32* err_pos, const char** err_reason) noexcept
{
	Core& core = *g_core;
	AggrRules* fresh = static_cast<AggrRules*>(nfp_alloc_large(sizeof(AggrRules)));
	if (!fresh) {
		*err_pos = 0;
		*err_reason = "out of memory";
		return NF_ENOMEM;
	}
	new (fresh) AggrRules;
	ParseError err{};
	if (!parse_aggregation(text, *fresh, err)) {
		*err_pos = err.position;
		*err_reason = err.reason;
		nfp_free_large(fresh);
		return NF_EINVAL;
	}
	if (fresh->empty()) {
		nfp_free_large(fresh);
		fresh = nullptr;
	}
	AggrRules* old = __atomic_exchange_n(&core.aggr, fresh, __ATOMIC_ACQ_REL);
	if (old) {
		nfp_synchronize();
		nfp_free_large(old);
	}
	return NF_OK;
}

// Parsed whole; a bad text changes nothing.  Applied (while the core runs)
// as the original does on every write, even of the same text: what is
// cached leaves under the old sampler and the counts start again.  The
// packet path switches first, so the flows the flush leaves behind were
// all metered under the new sampler.
extern "C" int nfc_set_sampler(const char* text, u32* err_pos, const char** err_reason) noexcept
{
	SamplerConfig c;
	ParseError err{};
	if (!parse_sampler(text, c, err)) {
		*err_pos = err.position;
		*err_reason = err.reason;
		return NF_EINVAL;
	}
	Core* core = g_core;
	if (!core)
		return NF_OK;
	__atomic_store_n(&core->limits.hash_sampling_n, c.mode == SamplerMode::hash ? c.n : 0, __ATOMIC_RELAXED);
	core->limits.update_create_gate();
	core->exporter.switch_sampler(*core, c);
	return NF_OK;
}
