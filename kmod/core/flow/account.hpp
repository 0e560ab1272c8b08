// SPDX-License-Identifier: GPL-2.0
// The per-packet half of the flow cache (lookup, update, insert), in a header
// so that it inlines into nfc_account() (meter.cpp): one call, its prologue
// and epilogue and its return thunk less per packet.  create() and the rest
// stay in cache.cpp.
#pragma once
#include "core/flow/cache.hpp"

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

// Inlined into account(), itself inlined into nfc_account().
template <typename F>
__attribute__((always_inline)) inline void CpuCache::account_in(const decltype(F::key)& key, const PacketFacts& facts, const nf_packet& pkt,
			  const Timeouts& t, void* slab) noexcept
{
	FlowHead** bucket = &table_[reduce(flow_detail::hash_of(key, *seed_), nbuckets_)];
	FlowHead** link = bucket;
	for (; *link; link = &(*link)->hash_next) {
		FlowHead* h = *link;
		if (h->is_v6 == flow_detail::is_v6<F>() && static_cast<F*>(h)->key == key)
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
		account_in<Flow4>(facts.key.v4, facts, pkt, t, slabs_->v4);
	else
		account_in<Flow6>(facts.key.v6, facts, pkt, t, slabs_->v6);
}

} // namespace netflow
