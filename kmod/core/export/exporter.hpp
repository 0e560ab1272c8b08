// SPDX-License-Identifier: GPL-2.0
// The exporter: takes due flows out of every CPU's cache, encodes them into
// datagrams and hands those to the glue's sockets.  Runs only from the
// worker, never in the packet path; one instance, so nothing here is shared
// with packet processing except the per-CPU cache locks.
#pragma once
#include "core/export/v5.hpp"
#include "core/flow/cache.hpp"
#include "core/stats/rate.hpp"

namespace netflow {

class Core;

// A v5 record counts bytes in 32 bits: such a flow is exported before its
// counter could wrap on the next (at most 64 KiB) packet.
constexpr u64 v5_max_bytes = 0xffff0000ull;

struct ExportStats {
	u64 datagrams;		// taken by at least one destination
	u64 bytes;
	u64 flows;
	u64 errors;		// datagrams no destination took
	u64 lost_pkts;		// traffic inside those datagrams
	u64 lost_bytes;
	u64 lost_flows;
	u64 out_pkts;		// traffic that has left the cache (exported or lost)
	u64 out_bytes;
};

struct WorkerInfo {
	u32 delay;		// ticks
	u32 last_start;		// tick
	u32 busy_us;
	u32 scanned;		// flows taken in the last run
	u32 cpu;
};

class Exporter {
public:
	bool init(Core& core) noexcept;
	void destroy() noexcept;
	u32 run(Core& core, nfc_export_mode mode, unsigned int cpu) noexcept;
	void reset_stats() noexcept;

	ExportStats stats{};
	WorkerInfo worker{};
	RateMeter rates{};
	CpuRate* cpu_rates = nullptr;	// [nr_cpus]
	u64 pending_pkts = 0;		// traffic inside the datagram being filled
	u64 pending_bytes = 0;

private:
	void add(Core& core, const FlowHead& flow, u32 now, u64 now_ms);
	void send_pending(Core& core);
	void sample_rates(Core& core, u32 now);

	v5::Datagram v5_;
	u32 pending_flows_ = 0;
	u32 pending_since_ = 0;
	u32 sequence_ = 0;		// flows sent before the current datagram
};

} // namespace netflow
