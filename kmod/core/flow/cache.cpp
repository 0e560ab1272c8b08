// SPDX-License-Identifier: GPL-2.0
#include "core/flow/account.hpp"
#include "ktl/new.hpp"

namespace netflow {

namespace {
using namespace flow_detail;

inline u32 atomic_inc(u32* v) { return __atomic_add_fetch(v, 1, __ATOMIC_RELAXED); }
inline void atomic_dec(u32* v) { __atomic_sub_fetch(v, 1, __ATOMIC_RELAXED); }
inline u32 atomic_read(const u32* v) { return __atomic_load_n(v, __ATOMIC_RELAXED); }

// First-packet values (RFC 7012's rule for non-key fields).
inline void init_family(Flow4& fl, const PacketFacts& f)
{
	fl.key.src_mask = f.src_mask;
	fl.key.dst_mask = f.dst_mask;
}
inline void init_family(Flow6& fl, const PacketFacts& f) { fl.flow_label = f.flow_label & 0xfffff; }

inline void set_nexthop(Flow4& fl, const nf_route& r)
{
	u32 raw;
	copy(&raw, r.nexthop, 4);
	fl.nexthop = Be32::from_raw(raw);
}
inline void set_nexthop(Flow6& fl, const nf_route& r) { copy(fl.nexthop.b, r.nexthop, 16); }

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
	return visit(h, [&](const auto& fl) { return hash_of(fl.key, seed); });
}

bool CpuCache::init(u32 buckets, const HashSeed* seed, const FlowSlabs* slabs, const FlowLimits* limits) noexcept
{
	seed_ = seed;
	slabs_ = slabs;
	limits_ = limits;
	table_ = static_cast<FlowHead**>(nfp_alloc_large(sizeof(FlowHead*) * buckets));
	nbuckets_ = table_ ? buckets : 0;
	return table_ != nullptr;
}

void CpuCache::destroy() noexcept
{
	while (FlowHead* h = expiry_.pop_front())
		nfp_slab_free(h->is_v6 ? slabs_->v6 : slabs_->v4, h);
	nr_v4 = nr_v6 = 0;
	nfp_free_large(table_);
	table_ = nullptr;
	nbuckets_ = 0;
}


// No canary (see cache.hpp): `route` is filled by a fixed-size copy.
template <typename F>
NF_NO_CANARY F* CpuCache::create(const decltype(F::key)& key, const PacketFacts& facts, const nf_packet& pkt, void* slab,
		    FlowHead** bucket) noexcept
{
	const FlowLimits& limits = *limits_;
	const u32 maxflows = atomic_read(&limits.maxflows);
	if (maxflows && atomic_read(limits.nr_flows) >= maxflows) {
		stats.maxflows_err++;
		return nullptr;
	}
	void* mem = nfp_slab_alloc(slab);
	if (!mem) {
		stats.alloc_err++;
		return nullptr;
	}
	F* fl = new (mem) F{};
	fl->set_family(family_of<F>());
	fl->key = key;
	fl->first = fl->last = pkt.now;
	fl->oif = pkt.oif;
	init_family(*fl, facts);
	nf_route route{};
	nfp_packet_route(pkt.skb, family_of<F>(), &route);
	set_nexthop(*fl, route);
	fl->hash_next = *bucket;
	*bucket = fl;
	expiry_.push_back(fl);
	if constexpr (family_of<F>() == NF_FAMILY_IPV4)
		nr_v4++;
	else
		nr_v6++;
	const u32 n = atomic_inc(limits.nr_flows);
	if (n > atomic_read(limits.peak_flows)) {
		__atomic_store_n(limits.peak_flows, n, __ATOMIC_RELAXED);
		__atomic_store_n(limits.peak_tick, pkt.now, __ATOMIC_RELAXED);
	}
	return fl;
}

// For account_in() in account.hpp (inlined into nfc_account).
template Flow4* CpuCache::create<Flow4>(const decltype(Flow4::key)&, const PacketFacts&, const nf_packet&, void*,
				       FlowHead**) noexcept;
template Flow6* CpuCache::create<Flow6>(const decltype(Flow6::key)&, const PacketFacts&, const nf_packet&, void*,
				       FlowHead**) noexcept;

void CpuCache::unhash(FlowHead& h)
{
	FlowHead** pp = &table_[reduce(flow_hash(h, *seed_), nbuckets_)];
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

void CpuCache::forget(FlowHead& h)
{
	ktl::List<FlowHead>::remove(&h);
	if (h.is_v6)
		nr_v6--;
	else
		nr_v4--;
}

void CpuCache::release(FlowHead* h, u32* nr_flows) const noexcept
{
	nfp_slab_free(h->is_v6 ? slabs_->v6 : slabs_->v4, h);
	atomic_dec(nr_flows);
}

FlowHead** CpuCache::rehash(FlowHead** fresh, u32 n) noexcept
{
	FlowHead** old = table_;
	table_ = fresh;
	nbuckets_ = n;
	for (FlowHead* h : expiry_) {
		if (h->end() != EndReason::none)
			continue;	// already out of the hash
		FlowHead** bucket = &table_[reduce(flow_hash(*h, *seed_), nbuckets_)];
		h->hash_next = *bucket;
		*bucket = h;
	}
	return old;
}

} // namespace netflow
