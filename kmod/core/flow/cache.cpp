// SPDX-License-Identifier: GPL-2.0
#include "core/flow/cache.hpp"
#include "ktl/new.hpp"

namespace netflow {

namespace {

template <typename Key> inline u32 hash_of(const Key& key, const HashSeed& seed)
{
	return hash_key<Key::key_bytes>(&key, seed);
}

inline u32 atomic_inc(u32* v) { return __atomic_add_fetch(v, 1, __ATOMIC_RELAXED); }
inline void atomic_dec(u32* v) { __atomic_sub_fetch(v, 1, __ATOMIC_RELAXED); }
inline u32 atomic_read(const u32* v) { return __atomic_load_n(v, __ATOMIC_RELAXED); }

template <typename F> constexpr u8 family_of();
template <> constexpr u8 family_of<Flow4>() { return NF_FAMILY_IPV4; }
template <> constexpr u8 family_of<Flow6>() { return NF_FAMILY_IPV6; }
template <typename F> constexpr bool is_v6() { return family_of<F>() == NF_FAMILY_IPV6; }

inline void merge_family(Flow4& fl, const PacketFacts& f) { fl.ip_options |= f.ip_options; }
inline void merge_family(Flow6& fl, const PacketFacts& f) { fl.key.ext_hdrs |= f.ext_hdrs; }

template <typename F> inline void touch(F& fl, const PacketFacts& f, u32 now)
{
	fl.packets++;
	fl.bytes += f.ip_len;
	fl.last = now;
	fl.tcp_flags |= f.tcp_flags;
	fl.tcp_options |= f.tcp_options;
	merge_family(fl, f);
}

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


// Inlined into account(): one call and one prologue less per packet.
template <typename F>
__attribute__((always_inline)) inline void CpuCache::account_in(const decltype(F::key)& key, const PacketFacts& facts, const nf_packet& pkt,
			  const Timeouts& t, void* slab) noexcept
{
	FlowHead** bucket = &table_[reduce(hash_of(key, *seed_), nbuckets_)];
	FlowHead** link = bucket;
	for (; *link; link = &(*link)->hash_next) {
		FlowHead* h = *link;
		if (h->is_v6 == is_v6<F>() && static_cast<F*>(h)->key == key)
			break;
		stats.searched++;
	}
	F* fl;
	if (*link) {
		stats.found++;
		fl = static_cast<F*>(*link);
	} else {
		stats.notfound++;
		fl = create<F>(key, facts, pkt, slab, bucket);
		if (!fl) {
			stats.pkt_drop++;
			stats.traf_drop += facts.ip_len;
			return;
		}
		link = bucket;
	}
	const u32 now = pkt.now;
	// Into a new requeue period since the last packet (see cache.hpp).
	const bool requeue = (now ^ fl->last) >= t.requeue;
	touch(*fl, facts, now);
	stats.pkt_total++;
	stats.traf_total += facts.ip_len;

	if (time_after_eq(now, fl->first + t.active) || fl->bytes >= t.max_bytes) {
		// Long-lived: out of the hash and to the front of the expiry list,
		// where the exporter takes it; the next packet starts a new record.
		*link = fl->hash_next;
		fl->hash_next = nullptr;
		fl->set_end(EndReason::active);
		ktl::List<FlowHead>::remove(fl);
		expiry_.push_front(fl);
	} else if (requeue) {
		ktl::List<FlowHead>::remove(fl);
		expiry_.push_back(fl);
	}
}

// No canary: only create()'s `route` (filled by nfp_packet_route() with a
// fixed 4 or 16 bytes) would call for one, yet every hit would pay for it.
NF_NO_CANARY void CpuCache::account(const PacketFacts& facts, const nf_packet& pkt, const Timeouts& t) noexcept
{
	if (facts.family == NF_FAMILY_IPV4)
		account_in<Flow4>(facts.key.v4, facts, pkt, t, slabs_->v4);
	else
		account_in<Flow6>(facts.key.v6, facts, pkt, t, slabs_->v6);
}

template <typename F>
F* CpuCache::create(const decltype(F::key)& key, const PacketFacts& facts, const nf_packet& pkt, void* slab,
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
