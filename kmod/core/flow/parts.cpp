// SPDX-License-Identifier: GPL-2.0
#include "core/flow/parts.hpp"
#include "core/flow/cpu_lock.hpp"
#include "core/flow/fold.hpp"

namespace netflow {

namespace {

u64 bytes_of(const FlowHead& h)
{
	return visit(h, [](const auto& f) { return f.bytes; });
}
u32 first_of(const FlowHead& h)
{
	return visit(h, [](const auto& f) { return f.first; });
}

bool left_idle(const FlowHead& h)
{
	return h.end() == EndReason::idle || h.end() == EndReason::end_of_flow;
}

bool idle_at(const FlowHead& h, u32 now, const Timeouts& t) { return time_after_eq(now, h.last + t.inactive); }

// A part that keeps the flow open: a packet within the inactive timeout,
// and the flow (from its earliest first packet) not due by the active one.
bool keeps_open(const FlowHead& part, u32 flow_first, u32 now, const Timeouts& t)
{
	return !idle_at(part, now, t) && !time_after_eq(now, flow_first + t.active);
}

u32 earlier(u32 a, u32 b) { return time_before(a, b) ? a : b; }

// One leaving flow `h` against its part on one other CPU (under that CPU's
// lock).  Returns true when `h` was absorbed by that part.
bool join_one(CpuCache& other, FlowHead& h, u32 hash, u32 now, const Timeouts& t, JoinedParts& out)
{
	FlowHead** link = other.find_link(h, hash);
	if (!link)
		return false;
	FlowHead& part = **link;
	// Together they could pass what a record may count (v5's 32-bit
	// bytes): they leave as two records, as one record would have split.
	if (bytes_of(part) + bytes_of(h) >= t.max_bytes)
		return false;
	const bool idle = left_idle(h);
	if (idle && keeps_open(part, earlier(first_of(part), first_of(h)), now, t)) {
		fold_part(part, h);
		out.joined++;
		return true;
	}
	// The part was still receiving packets although the flow is due: not
	// inactive, so it leaves by the active timeout.
	const bool part_live = !idle_at(part, now, t);
	fold_part(h, *other.take_out(link));
	other.give_back(&part);
	out.taken_out++;
	out.joined++;
	if (idle)
		h.set_end(part_live ? EndReason::active
				    : (h.tcp_flags & 0x05) ? EndReason::end_of_flow : EndReason::idle);
	return false;
}

u32 cached_on(const CpuCache& c)
{
	return __atomic_load_n(&c.nr_v4, __ATOMIC_RELAXED) + __atomic_load_n(&c.nr_v6, __ATOMIC_RELAXED);
}

} // namespace

void join_parts(CpuCache* const* cpus, u32 nr_cpus, u32 home, const HashSeed& seed, u32 now, const Timeouts& t,
		ktl::List<FlowHead>& batch, JoinedParts& out) noexcept
{
	for (u32 cpu = 0; cpu < nr_cpus && !batch.empty(); cpu++) {
		CpuCache* other = cpus[cpu];
		// A CPU with nothing cached has no part; one that caches its
		// first flow after this read meters packets later than the
		// flows leaving now.
		if (cpu == home || !other || !cached_on(*other))
			continue;
		ktl::List<FlowHead> kept;
		{
			CpuLockGuard lock(cpu);
			while (FlowHead* h = batch.pop_front()) {
				if (join_one(*other, *h, flow_hash(*h, seed), now, t, out))
					out.absorbed.push_back(h);
				else
					kept.push_back(h);
			}
		}
		while (FlowHead* h = kept.pop_front())
			batch.push_back(h);
	}
}

} // namespace netflow
