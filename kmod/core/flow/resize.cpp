// SPDX-License-Identifier: GPL-2.0
#include "core/flow/resize.hpp"
#include "core/flow/cpu_lock.hpp"

namespace netflow {

namespace {

// After a failed allocation, a table waits this long before the next try
// (a vmalloc failure is loud in the kernel log).
constexpr u32 retry_after_s = 10;

FlowHead** alloc_chains(u32 n) { return static_cast<FlowHead**>(nfp_alloc_large(sizeof(FlowHead*) * n)); }

void count(ResizeStats& st, u32 from, u32 to)
{
	if (to > from)
		st.grown++;
	else
		st.shrunk++;
}

// Moves up to `budget` chains; true while the resize goes on.
bool step(CpuCache& c, u32 cpu, u32 budget)
{
	for (u32 moved = 0; moved < budget; moved += resize_step) {
		FlowHead** old;
		{
			CpuLockGuard lock(cpu);
			old = c.migrate(resize_step);
		}
		if (old) {
			nfp_free_large(old);
			return false;
		}
	}
	return true;
}

void begin(CpuCache& c, u32 cpu, FlowHead** fresh, u32 n)
{
	CpuLockGuard lock(cpu);
	c.begin_resize(fresh, n);
}

} // namespace

bool tend_table(CpuCache& c, u32 cpu, const TableSizing& s, u32 budget, u32 now, ResizeStats& st) noexcept
{
	if (c.resizing())
		return step(c, cpu, budget);
	if (c.resize_after && !time_after_eq(now, c.resize_after))
		return false;
	c.resize_after = 0;
	const u32 size = c.buckets();
	const u32 want = s.want(c.flows_unlocked(), size);
	if (want == size)
		return false;
	FlowHead** fresh = alloc_chains(want);
	if (!fresh) {
		st.no_memory++;
		const u32 after = now + retry_after_s * nfp_hz();
		c.resize_after = after ? after : 1;	// 0 is "any time"
		return false;
	}
	count(st, size, want);
	begin(c, cpu, fresh, want);
	return step(c, cpu, budget);
}

void finish_resize(CpuCache& c, u32 cpu) noexcept
{
	while (c.resizing() && step(c, cpu, resize_run_chains))
		nfp_cond_resched();
}

bool resize_all_now(CpuCache* const* cpus, u32 nr_cpus, u32 maxflows, ResizeStats& st) noexcept
{
	struct Fresh {
		FlowHead** chains;
		u32 n;
	};
	auto* fresh = static_cast<Fresh*>(nfp_alloc(sizeof(Fresh) * nr_cpus, NF_GFP_KERNEL));
	if (!fresh)
		return false;
	bool ok = true;
	for (u32 cpu = 0; cpu < nr_cpus; cpu++) {
		fresh[cpu] = Fresh{nullptr, 0};
		if (!cpus[cpu])
			continue;
		finish_resize(*cpus[cpu], cpu);
		// Sized for the flows now; the load may ask again later.
		const u32 want = TableSizing::make(cpus[cpu]->floor, maxflows).want(cpus[cpu]->flows_unlocked(),
										     cpus[cpu]->buckets());
		if (ok && want != cpus[cpu]->buckets()) {
			fresh[cpu] = Fresh{alloc_chains(want), want};
			ok = fresh[cpu].chains != nullptr;
		}
	}
	for (u32 cpu = 0; cpu < nr_cpus; cpu++) {
		if (!fresh[cpu].chains)
			continue;
		if (!ok) {
			nfp_free_large(fresh[cpu].chains);
			continue;
		}
		CpuCache& c = *cpus[cpu];
		count(st, c.buckets(), fresh[cpu].n);
		begin(c, cpu, fresh[cpu].chains, fresh[cpu].n);
		finish_resize(c, cpu);
	}
	nfp_free(fresh);
	if (!ok)
		st.no_memory++;
	return ok;
}

} // namespace netflow
