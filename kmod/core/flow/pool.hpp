// SPDX-License-Identifier: GPL-2.0
// Free flow records one CPU keeps for its packet path, one stack per family,
// owned like the rest of the CPU's cache (its lock).
//
// Why: kmem_cache_alloc() on Debian's kernels (init_on_alloc, hardened and
// randomised free lists, fault-injection and memcg hooks, a fresh slab page
// every few dozen flows) costs more than a whole cached-flow packet.  Taken
// from here a record is a pointer pop.  The exporter gives exported records
// back to the CPU that cached them, so under a steady flow rate, a flood of
// new flows included, records go round between the packet path and the
// exporter and the slab is not involved.  A CPU keeps as many as it needed
// lately (RecentPeak: the most flows it cached within the last 30 to 60 s),
// so a burst's records return to the slab within a minute of it.  An empty
// stack is refilled with one kmem_cache_alloc_bulk() of NF_REFILL_BATCH
// records, made with the CPU's lock dropped (nfp_slab_alloc_bulk_unlocked): on
// PREEMPT_RT the slab's locks sleep, and the lock keeps preemption off.
// Pooled records are counted in the "mem" figures of /proc.
#pragma once
#include "core/flow/flow.hpp"

namespace netflow {

// A CPU keeps exported records while the most flows it cached within the
// last one to two windows of pool_window_s needed them, and pool_reserve
// even when idle; an exporter visit gives at most pool_trim_max back to the
// slab (the packet path waits on that lock).
constexpr u32 pool_window_s = 30;
constexpr u32 pool_reserve = 256;
constexpr u32 pool_trim_max = 4096;

class FlowPool {
public:
	// Packet path.
	FlowHead* take() noexcept
	{
		FlowHead* h = top_;
		if (__builtin_expect(h != nullptr, 1)) {
			top_ = h->hash_next;
			n_--;
		}
		return h;
	}
	// Exporter side.
	void give(FlowHead* h) noexcept
	{
		h->hash_next = top_;
		top_ = h;
		n_++;
	}
	// Every record back to the slab (unload: nothing else runs then).
	void release_all(void* slab) noexcept;

	u32 size() const { return n_; }

private:
	FlowHead* top_ = nullptr;
	u32 n_ = 0;
};

// The largest value noted within the last one to two windows (ticks).
class RecentPeak {
public:
	void note(u32 value, u32 now, u32 window)
	{
		const u32 age = now - start_;
		if (age >= window) {
			prev_ = age >= 2 * window ? 0 : cur_;
			cur_ = 0;
			start_ = now;
		}
		if (value > cur_)
			cur_ = value;
	}
	u32 value() const { return cur_ > prev_ ? cur_ : prev_; }

private:
	u32 cur_ = 0;
	u32 prev_ = 0;
	u32 start_ = 0;
};

} // namespace netflow
