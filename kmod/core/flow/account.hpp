// SPDX-License-Identifier: GPL-2.0
// The per-packet half of the flow cache (lookup, update, insert), in a header
// so that it inlines into nfc_account() (meter.cpp): one call, its prologue
// and epilogue and its return thunk less per packet, for a hit and for a new
// flow alike.  The exporter's half is in cache.cpp.
#pragma once
#include "core/flow/cache.hpp"
#include "core/flow/ext.hpp"

namespace netflow {

namespace flow_detail {

template <typename Key> inline u32 hash_of(const Key& key, const HashSeed& seed)
{
	return hash_key<Key::key_bytes>(&key, seed);
}

template <typename F> constexpr u8 family_of();
template <> constexpr u8 family_of<Flow4>() { return NF_FAMILY_IPV4; }
template <> constexpr u8 family_of<Flow6>() { return NF_FAMILY_IPV6; }
template <typename F> constexpr bool is_v6() { return family_of<F>() == NF_FAMILY_IPV6; }

inline void merge_family(Flow4& fl, const PacketFacts& f) { fl.ip_options |= f.ip_options; }
inline void merge_family(Flow6& fl, const PacketFacts& f) { fl.key.ext_hdrs |= f.ext_hdrs; }

inline u32 atomic_inc(u32* v) { return __atomic_add_fetch(v, 1, __ATOMIC_RELAXED); }
inline u32 atomic_read(const u32* v) { return __atomic_load_n(v, __ATOMIC_RELAXED); }

// First-packet values (RFC 7012's rule for non-key fields).  A record from
// the pool holds an exported flow's values: every field is set here.
inline void init_family(Flow4& fl, const PacketFacts& f)
{
	fl.key.src_mask = f.src_mask;
	fl.key.dst_mask = f.dst_mask;
	fl.ip_options = 0;
}
inline void init_family(Flow6& fl, const PacketFacts& f) { fl.flow_label = f.flow_label & 0xfffff; }

inline void set_nexthop(Flow4& fl, const nf_route& r)
{
	u32 raw;
	copy(&raw, r.nexthop, 4);
	fl.nexthop = Be32::from_raw(raw);
}
inline void set_nexthop(Flow6& fl, const nf_route& r) { copy(fl.nexthop.b, r.nexthop, 16); }

template <typename F> inline void touch(F& fl, const PacketFacts& f, u32 now)
{
	fl.packets++;
	fl.bytes += f.ip_len;
	fl.last = now;
	fl.tcp_flags |= f.tcp_flags;
	fl.tcp_options |= f.tcp_options;
	merge_family(fl, f);
}

} // namespace flow_detail

// A record from the pool; an empty pool is refilled out of line, which may
// move the flow's bucket (a resize goes on while the lock is let go).
template <typename F>
__attribute__((always_inline)) inline FlowHead* CpuCache::new_record(const decltype(F::key)& key, const u8* ext,
								    FlowHead**& bucket) noexcept
{
	FlowPool& pool = flow_detail::is_v6<F>() ? pool6_ : pool4_;
	FlowHead* h = pool.take();
	if (__builtin_expect(h != nullptr, 1))
		return h;
	const Refilled r = refill_take(flow_detail::is_v6<F>(), &key, ext);
	bucket = r.bucket;
	return r.record;
}

// Inlined into account_in(): an out-of-line call cost ~30 instructions per
// new flow (argument set-up, saved registers, return thunk).
template <typename F, bool Ext>
__attribute__((always_inline)) inline F* CpuCache::create(const decltype(F::key)& key, const u8* ext, const PacketFacts& facts,
							  const nf_packet& pkt, FlowHead** bucket) noexcept
{
	using namespace flow_detail;
	const FlowLimits& limits = *limits_;
	FlowHead* mem = new_record<F>(key, ext, bucket);
	if (!mem) {
		stats.alloc_err++;
		return nullptr;
	}
	// Every field, without zeroing the record first (touch() adds the
	// first packet).
	F* fl = static_cast<F*>(mem);
	fl->start(family_of<F>(), pkt.now);
	fl->key = key;
	fl->first = pkt.now;
	fl->oif = pkt.oif;
	fl->tcp_options = 0;
	fl->packets = 0;
	fl->bytes = 0;
	init_family(*fl, facts);
	nf_route route{};
	nfp_packet_route(pkt.skb, family_of<F>(), &route);
	set_nexthop(*fl, route);
	if constexpr (Ext)
		copy_ext(ext_of(*fl), ext, g_ext.bytes);
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

// Hash sampling first: a flow it does not choose is never created, and is
// not a drop.  Then maxflows: the packet is dropped from the flows.
template <typename Key>
__attribute__((always_inline)) inline bool CpuCache::refused(const Key& key, const PacketFacts& facts, u32 nr_flows) noexcept
{
	using namespace flow_detail;
	const FlowLimits& limits = *limits_;
	const u32 hash_n = atomic_read(&limits.hash_sampling_n);
	if (hash_n && !hash_chosen(key, hash_n))
		return true;
	const u32 maxflows = atomic_read(&limits.maxflows);
	if (maxflows && nr_flows >= maxflows) {
		stats.maxflows_err++;
		stats.notfound++;
		stats.pkt_drop++;
		stats.traf_drop += facts.ip_len;
		return true;
	}
	return false;
}

// Inlined into account(), itself inlined into nfc_account().  `Ext`: records
// have a tail (ext.hpp) and `ext` is this packet's.
template <typename F, bool Ext>
__attribute__((always_inline)) inline void CpuCache::account_in(const decltype(F::key)& key, const u8* ext, const PacketFacts& facts,
			  const nf_packet& pkt, const Timeouts& t) noexcept
{
	u32 hash = flow_detail::hash_of(key, *seed_);
	if constexpr (Ext)
		hash = hash_with_ext(hash, ext, g_ext.key_bytes, *seed_);
	FlowHead** bucket = table_.bucket(hash);
	FlowHead** link = bucket;
	for (; *link; link = &(*link)->hash_next) {
		FlowHead* h = *link;
		if (h->is_v6 == flow_detail::is_v6<F>() && static_cast<F*>(h)->key == key &&
		    (!Ext || same_ext_key(ext_of(*h), ext, g_ext.key_bytes)))
			break;
		stats.searched++;
	}
	F* fl;
	if (*link) {
		stats.found++;
		fl = static_cast<F*>(*link);
	} else {
		// Only a lookup miss asks the hash sampler (a hit, the common
		// case, pays nothing), and only past the gate.
		const FlowLimits& limits = *limits_;
		const u32 nr_flows = flow_detail::atomic_read(limits.nr_flows);
		if (__builtin_expect(nr_flows >= flow_detail::atomic_read(&limits.create_gate), 0) &&
		    refused(key, facts, nr_flows))
			return;
		fl = create<F, Ext>(key, ext, facts, pkt, bucket);
		if (!fl) {	// the slab had no record
			stats.notfound++;
			stats.pkt_drop++;
			stats.traf_drop += facts.ip_len;
			return;
		}
		stats.notfound++;
		link = bucket;
	}
	const u32 now = pkt.now;
	// Into a new requeue period since the last packet (see cache.hpp).
	const bool requeue = (now ^ fl->last) >= t.requeue;
	flow_detail::touch(*fl, facts, now);
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

__attribute__((always_inline)) inline void CpuCache::account(const PacketFacts& facts, const nf_packet& pkt, const Timeouts& t) noexcept
{
	if (facts.family == NF_FAMILY_IPV4)
		account_in<Flow4, false>(facts.key.v4, nullptr, facts, pkt, t);
	else
		account_in<Flow6, false>(facts.key.v6, nullptr, facts, pkt, t);
}

__attribute__((always_inline)) inline void CpuCache::account_ext(const PacketFacts& facts, const u8* ext, const nf_packet& pkt,
								const Timeouts& t) noexcept
{
	if (facts.family == NF_FAMILY_IPV4)
		account_in<Flow4, true>(facts.key.v4, ext, facts, pkt, t);
	else
		account_in<Flow6, true>(facts.key.v6, ext, facts, pkt, t);
}

} // namespace netflow
