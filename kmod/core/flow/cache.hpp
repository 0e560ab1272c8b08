// SPDX-License-Identifier: GPL-2.0
// One CPU's flow cache: a chained hash table (table.hpp, sized by its own
// load: sizing.hpp) and an expiry list, both owned by that CPU.  The packet
// path runs on the owner inside its lock (taken by the glue, uncontended);
// the exporter, resize and flush visit it rarely under the same lock.
// Nothing here is shared between CPUs except the flow count, which only
// changes when a flow is created or freed.
//
// The expiry list is kept in the order flows were last queued.  Time is cut
// into periods of `requeue` ticks (a power of two); a hit re-queues a flow
// only when it lands in a later period than the flow's previous packet, so
// a busy flow costs a list move a few times a second, not on every packet,
// and needs no queue stamp of its own: a flow was queued within the period
// of its last packet.  A scan can then stop at the first flow that is not
// due: nothing behind it is more than one period overdue.
#pragma once
#include "core/flow/flow.hpp"
#include "core/flow/pool.hpp"
#include "core/flow/table.hpp"
#include "core/stats/cpu_stats.hpp"

// For the per-packet functions: no stack-protector canary.  The kernel's
// STACKPROTECTOR_STRONG guards any function with an on-stack array or an
// object whose address is taken (a load, a store and a check per call); on
// this path those objects are only written field by field or by a
// fixed-size copy, never through a length from the packet.
#if __has_attribute(no_stack_protector)
#define NF_NO_CANARY __attribute__((no_stack_protector))
#else
#define NF_NO_CANARY
#endif

namespace netflow {

struct Timeouts {
	u32 inactive;	// ticks
	u32 active;	// ticks
	u32 requeue;	// ticks, a power of two: re-queue period
	u64 max_bytes;	// export before a record's byte counter would wrap
};

struct FlowLimits {
	u32 maxflows;		// 0 = unlimited (atomic word)
	u32* nr_flows;		// all CPUs together
	u32* peak_flows;
	u32* peak_tick;
	// The hash sampler's N, 0 = off (atomic word): a new flow's key must hash
	// into one of N values, with a seed of its own (core/sampler/sampler.hpp).
	u32 hash_sampling_n;
	const HashSeed* sampler_seed;
	// What a new flow compares the flow count with before anything else:
	// maxflows (unreachable when unlimited) while the hash sampler is off,
	// 0 while it is on.  One comparison on the common path sends both rare
	// refusals out of its way.  Set by update_create_gate() after either
	// changes (the glue serialises setting writers).
	u32 create_gate;

	void update_create_gate()
	{
		const u32 maxflows = __atomic_load_n(&this->maxflows, __ATOMIC_RELAXED);
		const u32 gate = __atomic_load_n(&hash_sampling_n, __ATOMIC_RELAXED) ? 0 : maxflows ? maxflows : ~0u;
		__atomic_store_n(&create_gate, gate, __ATOMIC_RELAXED);
	}
};

struct FlowSlabs {
	void* v4;
	void* v6;
};

class CpuCache {
public:
	bool init(unsigned cpu, u32 buckets, const HashSeed* seed, const FlowSlabs* slabs,
		  const FlowLimits* limits) noexcept;
	void destroy() noexcept;	// frees every flow still cached

	// Packet path.  `facts.key.*.iif` is already set.
	// Defined in flow/account.hpp, to be inlined into nfc_account().
	inline void account(const PacketFacts& facts, const nf_packet& pkt, const Timeouts& t) noexcept;
	// The same while records have a tail (ext.hpp); `ext` is the packet's.
	inline void account_ext(const PacketFacts& facts, const u8* ext, const nf_packet& pkt, const Timeouts& t) noexcept;
	void count_truncated(u32 wire_len) noexcept
	{
		stats.trunc++;
		stats.pkt_drop++;
		stats.traf_drop += wire_len;
	}

	// Exporter side: moves up to `budget` flows that are due (all flows when
	// `force`) to `out`, taken out of the hash with their end reason set.
	size_t collect(u32 now, const Timeouts& t, bool force, ktl::List<FlowHead>& out,
		       size_t budget) noexcept;

	// Exporter side, under the lock: the hashed record with the key and
	// family of `like` (a flow of another CPU; `hash` is flow_hash() of
	// it), as the link that points to it, or nullptr.
	FlowHead** find_link(const FlowHead& like, u32 hash) const noexcept;
	// Takes the record `*link` points to out of the hash and the expiry
	// list (the caller then owns it and lowers the global flow count).
	FlowHead* take_out(FlowHead** link) noexcept;
	// Under the lock: a record taken out (and exported) goes back to this
	// CPU's pool; the next recycle() trims the pool to what it may keep.
	void give_back(FlowHead* h) noexcept { (h->is_v6 ? pool6_ : pool4_).give(h); }

	// Resize, under the lock: starts moving the flows into `fresh` (zeroed,
	// `n` chains; no resize may be under way), then moves up to
	// `max_chains` old chains a call.  migrate() returns the old array
	// once it is empty, for the caller to free outside the lock.
	void begin_resize(FlowHead** fresh, u32 n) noexcept { table_.begin_resize(fresh, n); }
	FlowHead** migrate(u32 max_chains) noexcept { return table_.migrate(max_chains, *seed_); }
	bool resizing() const { return table_.resizing(); }

	// Exporter side, under the lock, after collect() took `taken` flows
	// into `batch` (exported since): gives them back to this CPU's pools as
	// far as it may keep records (pool.hpp), and adds pooled records beyond
	// that to `batch`.  What is in `batch` then goes to release().
	void recycle(ktl::List<FlowHead>& batch, u32 taken, u32 now, u32 window) noexcept;
	// Gives a flow back to its slab.
	void release(FlowHead* h) const noexcept;

	// Visits every cached flow (for /proc/net/stat/ipt_netflow_flows).
	template <typename F> void for_each(F&& f) const
	{
		for (FlowHead* h : expiry_)
			f(*h);
	}

	// Visits the flows chained in one chain of view_chains() (for the
	// flows view: during a resize, the old array's chains come after the
	// new one's).
	template <typename F> void for_each_in_bucket(u32 bucket, F&& f) const
	{
		for (const FlowHead* h = table_.chain(bucket); h; h = h->hash_next)
			f(*h);
	}
	u32 view_chains() const { return table_.size() + table_.old_size(); }

	u32 buckets() const { return table_.size(); }
	// The chain arrays' memory (both during a resize).
	u64 table_bytes() const { return u64(table_.size() + table_.old_size()) * sizeof(FlowHead*); }
	u32 flows() const { return nr_v4 + nr_v6; }
	// The same read without the lock (the exporter sizing the table): a
	// count a packet later or earlier is as good.
	u32 flows_unlocked() const
	{
		return __atomic_load_n(&nr_v4, __ATOMIC_RELAXED) + __atomic_load_n(&nr_v6, __ATOMIC_RELAXED);
	}
	u32 pooled() const { return pool4_.size() + pool6_.size(); }
	u64 pooled_bytes() const;
	// Memory in flow records, cached or pooled (the "mem" of /proc).
	u64 record_bytes() const;

	CpuStats stats{};
	// The exporter's: no resize of this table before this tick (0: any
	// time), after an allocation failed (resize.cpp).
	u32 resize_after = 0;
	// Its share of hashsize: the size it starts with, the least it
	// shrinks to (sizing.hpp).  Changed under the export mutex.
	u32 floor = 0;
	u32 nr_v4 = 0;
	u32 nr_v6 = 0;

private:
	template <typename F, bool Ext> void account_in(const decltype(F::key)& key, const u8* ext, const PacketFacts& facts,
						       const nf_packet& pkt, const Timeouts& t) noexcept;
	// A new flow past FlowLimits::create_gate: true when it is not created.
	template <typename Key> bool refused(const Key& key, const PacketFacts& facts, u32 nr_flows) noexcept;
	// Out of line (in cache.cpp, not a template: a kernel object may not
	// hold out-of-line COMDAT copies) so that its registers cost the
	// common path nothing.
	bool hash_chosen(const Ipv4Key& key, u32 n) noexcept;
	bool hash_chosen(const Ipv6Key& key, u32 n) noexcept;
	// Out of line (rare): a new flow found the pool of its family empty.
	// Refills it with the lock let go, takes a record, and says where the
	// flow's chain is now (`key` is its Ipv4Key or Ipv6Key, `ext` its
	// record tail or nullptr).  No record: the slab had none.
	struct Refilled {
		FlowHead* record;
		FlowHead** bucket;
	};
	Refilled refill_take(bool v6, const void* key, const u8* ext) noexcept;
	template <typename F, bool Ext> F* create(const decltype(F::key)& key, const u8* ext, const PacketFacts& facts,
						   const nf_packet& pkt, FlowHead** bucket) noexcept;
	template <typename F> FlowHead* new_record(const decltype(F::key)& key, const u8* ext, FlowHead**& bucket) noexcept;
	void unhash(FlowHead& h);
	void forget(FlowHead& h);

	unsigned cpu_ = 0;	// whose lock a refill drops
	const HashSeed* seed_ = nullptr;
	const FlowSlabs* slabs_ = nullptr;
	const FlowLimits* limits_ = nullptr;
	FlowTable table_;
	ktl::List<FlowHead> expiry_;
	FlowPool pool4_;
	FlowPool pool6_;
	RecentPeak peak_;	// records in use, for what the pools may keep
};

} // namespace netflow
