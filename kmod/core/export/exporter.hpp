// SPDX-License-Identifier: GPL-2.0
// The exporter: takes due flows out of every CPU's cache, encodes them as
// NetFlow v5, v9 or IPFIX, and hands the datagrams to the glue's sockets.
// Runs only from the worker (serialised by the glue), never in the packet
// path; nothing here is shared with packet processing but the per-CPU
// cache locks.
#pragma once
#include "core/export/message.hpp"
#include "core/export/records.hpp"
#include "core/export/v5.hpp"
#include "core/flow/cache.hpp"
#include "core/stats/rate.hpp"

namespace netflow {

class Core;

// A v5 record counts bytes in 32 bits: such a flow is exported before its
// counter could wrap on the next (at most 64 KiB) packet.
constexpr u64 v5_max_bytes = 0xffff0000ull;

// Packets and bytes of a flow, or of the flows in a datagram: what the
// pending and lost counters add up.
struct Traffic {
	u64 packets;
	u64 bytes;
};

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
	u64 joined;		// flow parts folded into another part (flow/parts.hpp)

	// Flows that left the cache but no collector will see.
	void count_lost(u32 flows, const Traffic& t)
	{
		lost_flows += flows;
		lost_pkts += t.packets;
		lost_bytes += t.bytes;
	}
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
	// One export run.  Returns the delay in ticks before the next one, or
	// 0 when the run used up its datagram budget with flows still due (or,
	// for NFC_EXPORT_ALL, a flush unfinished): call again after a pause of
	// about a tick (see the pacing rule in exporter.cpp).
	u32 run(Core& core, nfc_export_mode mode, unsigned int cpu) noexcept;
	// Everything cached leaves under the old protocol first, paced
	// (nfp_export_pause() between runs: the export mutex is let go).
	void switch_protocol(Core& core, u32 protocol) noexcept;
	void flush_pending(Core& core) noexcept { send_pending(core); }
	// New destinations must see every template again.
	void resend_templates() noexcept { templates.mark_all_unsent(); options_due_ = true; }
	// What the options records say changed (the interface indexes): they
	// go out again with the next export run.
	void options_changed() noexcept { options_due_ = true; }
	void reset_stats(u32 nr_cpus) noexcept;
	// Everything cached leaves under the old sampler first, paced like a
	// protocol switch, then `c` starts with its counts at zero and its
	// options go out in the next run.
	void switch_sampler(Core& core, const SamplerConfig& c) noexcept;
	// Packets the sampler passed over: at export, or for hash sampling in
	// the packet path.
	u64 sampler_pkts_discarded(Core& core) const noexcept;

	ExportStats stats{};
	WorkerInfo worker{};
	RateMeter rates{};
	CpuRate* cpu_rates = nullptr;	// [nr_cpus]
	u64 pending_pkts = 0;		// traffic inside the datagram being filled
	u64 pending_bytes = 0;
	TemplateCache templates;
	Sampler sampler;

private:
	void export_all_paced(Core& core) noexcept;
	// The clocks a datagram's header carries, read as it leaves.
	struct DatagramTime {
		u32 uptime_ms;
		u32 unix_secs;
		u32 unix_nsecs;
	};

	bool drain(Core& core, const ExportClock& clock, const Timeouts& t, bool force, u64 budget,
		   u64 sent_before, u32& taken);
	size_t export_batch(Core& core, u32 cpu, const ExportClock& clock, const Timeouts& t, bool force,
			    size_t want);
	void add(Core& core, const FlowHead& flow, const ExportClock& clock);
	void add_v5(Core& core, const Flow4& flow, const Traffic& t, const ExportClock& clock);
	void add_templated(Core& core, const FlowHead& flow, const Traffic& t, const ExportClock& clock);
	void push_v5(Core& core, const v5::Record& r, const ExportClock& clock);
	void add_nat(Core& core, const NatEvent& e, const ExportClock& clock);
	bool export_nat(Core& core, const ExportClock& clock, u32 limit);
	bool tend_tables(Core& core, u32 now);
	u8* record_slot(Core& core, u32 key, const ExportClock& clock);
	void add_options(Core& core, const ExportClock& clock, bool force);
	void add_sampler_options(Core& core, const ExportClock& clock, bool describe, bool count);
	void send_pending(Core& core);
	ktl::Bytes finish_v5(const DatagramTime& when);
	ktl::Bytes finish_message(const DatagramTime& when);
	void reset_datagram();
	void queued(const Traffic& t);
	void mark_pending(const ExportClock& clock);
	void begin_domain(Core& core);
	void begin(u32 protocol);
	void adapt_delay(Core& core, u64 sent, bool more);

	u32 protocol_ = NF_PROTOCOL_V5;
	v5::Datagram v5_;
	Message msg_;
	bool pending_ = false;		// something is in the datagram being filled
	u32 pending_flows_ = 0;
	u32 pending_since_ = 0;
	u32 run_domain_ = 0;		// engine_id as read at the start of this run
	u32 msg_domain_ = 0;		// engine_id of the datagram being filled
	u32 v5_sequence_ = 0;		// flows before the current datagram
	u32 messages_ = 0;		// v9/IPFIX messages handed to the wire
	u32 ipfix_sequence_ = 0;	// data records before the current message
	bool options_due_ = true;
	bool sampler_due_ = false;	// the sampler changed: describe it now
	u32 sysinit_tick_ = 0;
	u32 stats_tick_ = 0;
	nf_ifinfo* ifaces_ = nullptr;
	u32 next_cpu_ = 0;		// where the last paced run stopped
	bool flushing_ = false;		// an NFC_EXPORT_ALL spans runs
	u32 flush_left_ = 0;		// flows that flush still has to take
};

} // namespace netflow
