// SPDX-License-Identifier: GPL-2.0
#include "core/flow/account.hpp"
#include "core/sampler/sampler.hpp"
#include "ktl/new.hpp"

namespace netflow {

namespace {
using namespace flow_detail;

// Why a cached flow is due for export at `now`, or none.
EndReason due(const FlowHead& h, u32 now, const Timeouts& t)
{
	return visit(h, [&](const auto& fl) {
		if (time_after_eq(now, fl.first + t.active))
			return EndReason::active;
		if (time_after_eq(now, fl.last + t.inactive))
			return (fl.tcp_flags & 0x05) ? EndReason::end_of_flow : EndReason::idle;
		return EndReason::none;
	});
}

} // namespace

u32 flow_hash(const FlowHead& h, const HashSeed& seed)
{
	const u32 hash = visit(h, [&](const auto& fl) { return hash_of(fl.key, seed); });
	return g_ext.empty() ? hash : hash_with_ext(hash, ext_of(h), g_ext.key_bytes, seed);
}

bool CpuCache::init(unsigned cpu, u32 buckets, const HashSeed* seed, const FlowSlabs* slabs,
		    const FlowLimits* limits) noexcept
{
	cpu_ = cpu;
	seed_ = seed;
	slabs_ = slabs;
	limits_ = limits;
	FlowHead** slots = static_cast<FlowHead**>(nfp_alloc_large(sizeof(FlowHead*) * buckets));
	floor = buckets;
	if (slots)
		table_.init(slots, buckets);
	return slots != nullptr;
}

// Teardown (process context): a cache of millions of records takes long to
// free on a debug kernel (KASAN, debug objects), so other tasks get their
// turn every few thousand frees.
constexpr u32 frees_between_resched = 4096;

void CpuCache::destroy() noexcept
{
	u32 n = 0;
	while (FlowHead* h = expiry_.pop_front()) {
		release(h);
		if (++n % frees_between_resched == 0)
			nfp_cond_resched();
	}
	nr_v4 = nr_v6 = 0;
	pool4_.release_all(slabs_->v4);
	pool6_.release_all(slabs_->v6);
	FlowHead** slots;
	FlowHead** old;
	table_.release(slots, old);
	nfp_free_large(slots);
	nfp_free_large(old);
}


void CpuCache::unhash(FlowHead& h)
{
	FlowHead** pp = table_.bucket(flow_hash(h, *seed_));
	for (; *pp; pp = &(*pp)->hash_next) {
		if (*pp == &h) {
			*pp = h.hash_next;
			h.hash_next = nullptr;
			return;
		}
	}
	nfp_bug("netflow: flow missing from its hash chain");
}

size_t CpuCache::collect(u32 now, const Timeouts& t, bool force, ktl::List<FlowHead>& out,
			 size_t budget) noexcept
{
	size_t n = 0;
	while (n < budget) {
		FlowHead* h = expiry_.front();
		if (!h)
			break;
		if (h->end() == EndReason::none) {
			EndReason why = force ? EndReason::forced : due(*h, now, t);
			// Not due: everything behind it was queued later.  (A
			// head hit within its last requeue period holds the
			// rest back by less than `t.requeue`.)
			if (why == EndReason::none)
				break;
			unhash(*h);
			h->set_end(why);
		}
		forget(*h);
		out.push_back(h);
		n++;
	}
	return n;
}

FlowHead** CpuCache::find_link(const FlowHead& like, u32 hash) const noexcept
{
	FlowHead** link = table_.bucket(hash);
	for (; *link; link = &(*link)->hash_next) {
		const FlowHead& h = **link;
		if (h.is_v6 != like.is_v6)
			continue;
		if (!like.is_v6 ? as_v4(h).key == as_v4(like).key : as_v6(h).key == as_v6(like).key)
			if (same_ext_key(ext_of(h), ext_of(like), g_ext.key_bytes))
				return link;
	}
	return nullptr;
}

FlowHead* CpuCache::take_out(FlowHead** link) noexcept
{
	FlowHead* h = *link;
	*link = h->hash_next;
	h->hash_next = nullptr;
	forget(*h);
	return h;
}

void CpuCache::forget(FlowHead& h)
{
	ktl::List<FlowHead>::remove(&h);
	if (h.is_v6)
		nr_v6--;
	else
		nr_v4--;
}

void CpuCache::recycle(ktl::List<FlowHead>& batch, u32 taken, u32 now, u32 window) noexcept
{
	const u32 in_use = flows();
	peak_.note(in_use + taken, now, window);
	const u32 peak = peak_.value();
	const u32 keep = max(peak > in_use ? peak - in_use : 0, pool_reserve);
	while (pooled() < keep && !batch.empty()) {
		FlowHead* h = batch.pop_front();
		(h->is_v6 ? pool6_ : pool4_).give(h);
	}
	// Records from a bulk refill never had a family: set it for release().
	for (u32 n = 0; pooled() > keep && n < pool_trim_max; n++) {
		const bool v6 = pool6_.size() > 0;
		FlowHead* h = (v6 ? pool6_ : pool4_).take();
		h->set_family(v6 ? NF_FAMILY_IPV6 : NF_FAMILY_IPV4);
		batch.push_back(h);
	}
}

u64 CpuCache::pooled_bytes() const
{
	return u64(pool4_.size()) * record_size(false) + u64(pool6_.size()) * record_size(true);
}

u64 CpuCache::record_bytes() const
{
	return u64(nr_v4) * record_size(false) + u64(nr_v6) * record_size(true) + pooled_bytes();
}

void CpuCache::release(FlowHead* h) const noexcept
{
	nfp_slab_free(h->is_v6 ? slabs_->v6 : slabs_->v4, h);
}

// While the lock is let go for the slab, the exporter may visit this cache:
// expire flows, trim the pool, or start or go on with a resize, which may
// move the flow's chain: it is looked up again.  The flow cannot appear
// meanwhile: only this CPU's packet path inserts here, and it is waiting
// for us.
__attribute__((noinline)) CpuCache::Refilled CpuCache::refill_take(bool v6, const void* key, const u8* ext) noexcept
{
	void* rec[NF_REFILL_BATCH];
	const u32 n = static_cast<u32>(nfp_slab_alloc_bulk_unlocked(cpu_, v6 ? slabs_->v6 : slabs_->v4,
								     NF_REFILL_BATCH, rec));
	FlowPool& pool = v6 ? pool6_ : pool4_;
	for (u32 i = 0; i < n; i++)
		pool.give(static_cast<FlowHead*>(rec[i]));
	u32 hash = v6 ? flow_detail::hash_of(*static_cast<const Ipv6Key*>(key), *seed_)
		      : flow_detail::hash_of(*static_cast<const Ipv4Key*>(key), *seed_);
	if (ext)
		hash = hash_with_ext(hash, ext, g_ext.key_bytes, *seed_);
	return {pool.take(), table_.bucket(hash)};
}

namespace {
template <typename Key> __attribute__((always_inline)) inline bool chosen_or_counted(const Key& key, u32 n, const HashSeed& seed, CpuStats& stats)
{
	const bool chosen = hash_selected(key, n, seed);
	if (!chosen)
		stats.samp_drop++;
	return chosen;
}
} // namespace

__attribute__((noinline)) bool CpuCache::hash_chosen(const Ipv4Key& key, u32 n) noexcept
{
	return chosen_or_counted(key, n, *limits_->sampler_seed, stats);
}

__attribute__((noinline)) bool CpuCache::hash_chosen(const Ipv6Key& key, u32 n) noexcept
{
	return chosen_or_counted(key, n, *limits_->sampler_seed, stats);
}

void FlowPool::release_all(void* slab) noexcept
{
	u32 n = 0;
	while (FlowHead* h = take()) {
		nfp_slab_free(slab, h);
		if (++n % frees_between_resched == 0)
			nfp_cond_resched();
	}
}

} // namespace netflow
