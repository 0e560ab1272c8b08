// SPDX-License-Identifier: GPL-2.0
#include "core/export/exporter.hpp"
#include "core/core.hpp"
#include "core/flow/cpu_lock.hpp"
#include "core/flow/parts.hpp"
#include "core/nat/nat_v5.hpp"
#include "ktl/new.hpp"

namespace netflow {

namespace {

// Flows taken out of one CPU's cache per lock hold: bounds the time the
// packet path on that CPU can wait for the exporter, and how far a run may
// go past its datagram budget (one batch: 64 v5 flows = 3 datagrams).
constexpr size_t batch_size = 64;

// Paced export.  A mass expiry (a flush, a burst of flows timing out
// together, unload) must not leave as one burst: a collector drains its
// socket at its own speed and drops what does not fit in its receive
// buffer (the original lost part of a 50,000-flow flush toward nfcapd),
// and one endless run would hog the worker's CPU (soft lockup) and hold the
// per-CPU locks over and over.  So a run stops taking flows once it has
// sent its budget of datagrams and asks to be called again one tick later
// (nfc_export() returns 0): about `pace_datagrams_per_s` at any HZ, e.g.
// 80 datagrams per 4 ms tick at HZ=250: 2,400 v5 flows per tick, 1,000,000
// flows in about 1.7 s, 29 MB/s of v5 at most.  Flows that wait for their
// turn stay hashed, so their packets keep being counted.
constexpr u32 pace_datagrams_per_s = 20000;
constexpr u32 min_run_budget = 8;

u32 run_budget(u32 hz) { return max(pace_datagrams_per_s / hz, min_run_budget); }
constexpr u32 max_interfaces = 1024;

// Options records go out as the original sends them: system and interfaces
// every 5 minutes, metering statistics every minute.
constexpr u32 sysinit_period_s = 300;
constexpr u32 stats_period_s = 60;

Dialect dialect_of(u32 protocol) { return protocol == NF_PROTOCOL_V9 ? Dialect::v9 : Dialect::ipfix; }

u32 options_key(OptionsKind k) { return shape::options_base | static_cast<u32>(k); }

Traffic traffic_of(const FlowHead& h)
{
	return visit(h, [](const auto& f) { return Traffic{f.packets, f.bytes}; });
}

} // namespace

bool Exporter::init(Core& core) noexcept
{
	cpu_rates = static_cast<CpuRate*>(nfp_alloc(sizeof(CpuRate) * core.nr_cpus, NF_GFP_KERNEL));
	ifaces_ = static_cast<nf_ifinfo*>(nfp_alloc_large(sizeof(nf_ifinfo) * max_interfaces));
	worker.delay = nfp_hz() / 10;
	begin(core.setting(NFC_PROTOCOL));
	return cpu_rates && ifaces_;
}

void Exporter::destroy() noexcept
{
	nfp_free(cpu_rates);
	cpu_rates = nullptr;
	nfp_free_large(ifaces_);
	ifaces_ = nullptr;
}

void Exporter::begin(u32 protocol)
{
	if (protocol != protocol_ || !templates.generated()) {
		protocol_ = protocol;
		templates.reset(dialect_of(protocol));
		options_due_ = true;
	}
	reset_datagram();
}

void Exporter::reset_datagram()
{
	v5_.reset();
	msg_.begin(dialect_of(protocol_));
	pending_ = false;
	pending_flows_ = 0;
	pending_pkts = pending_bytes = 0;
}

void Exporter::queued(const Traffic& t)
{
	pending_flows_++;
	pending_pkts += t.packets;
	pending_bytes += t.bytes;
}

void Exporter::add(Core& core, const FlowHead& h, const ExportClock& clock)
{
	const Traffic t = traffic_of(h);
	stats.out_pkts += t.packets;
	stats.out_bytes += t.bytes;
	if (!sampler.select(t.packets))
		return;
	// v5 cannot carry IPv6 (ip6tables rules are refused under v5; such
	// flows were cached before a switch to 5).
	if (is_templated(protocol_))
		add_templated(core, h, t, clock);
	else if (!h.is_v6)
		add_v5(core, as_v4(h), t, clock);
	else
		stats.count_lost(1, t);
}

void Exporter::add_v5(Core& core, const Flow4& f, const Traffic& t, const ExportClock& clock)
{
	push_v5(core, v5::flow_record(f, clock), clock);
	queued(t);
	if (v5_.full())
		send_pending(core);
}

void Exporter::push_v5(Core& core, const v5::Record& r, const ExportClock& clock)
{
	if (!v5_.add(r)) {
		send_pending(core);
		v5_.add(r);
	}
	mark_pending(clock);
}

void Exporter::add_nat(Core& core, const NatEvent& e, const ExportClock& clock)
{
	if (is_templated(protocol_)) {
		if (u8* slot = record_slot(core, shape::nel, clock))
			write_nat_record(*templates.get(shape::nel), e, slot);
		else
			core.nat_stats.lost++;
		return;
	}
	v5::Record r[v5::max_nat_records];
	const u32 n = v5::nat_records(e, clock.boot_wall_ms, r);
	for (u32 i = 0; i < n; i++)
		push_v5(core, r[i], clock);
	if (v5_.full())
		send_pending(core);
}

// A slot for one record of template `key` in the current message, with the
// template itself placed before it when it is due; a full message is sent
// and a new one begun.
u8* Exporter::record_slot(Core& core, u32 key, const ExportClock& clock)
{
	Template* t = templates.get(key);
	if (!t)
		return nullptr;
	for (int attempt = 0; attempt < 2; attempt++) {
		const u32 timeout = core.setting(NFC_TIMEOUT_RATE) * 60 * nfp_hz();
		if (templates.due(*t, messages_, clock.now, core.setting(NFC_REFRESH_RATE), timeout)) {
			if (msg_.add_template(*t, 4 + t->record_size)) {
				t->sent = true;
				t->sent_message = messages_;
				t->sent_tick = clock.now;
			} else {
				send_pending(core);
				continue;
			}
		}
		if (u8* slot = msg_.add_record(*t)) {
			mark_pending(clock);
			return slot;
		}
		send_pending(core);
	}
	return nullptr;
}

void Exporter::add_templated(Core& core, const FlowHead& h, const Traffic& t, const ExportClock& clock)
{
	u32 key = flow_shape(h) | (sampler.on() ? shape::sampled : 0);
	// v9 has one tag element: flows with one tag and with two share a
	// template there.
	if (protocol_ == NF_PROTOCOL_V9)
		key &= ~shape::vlan2;
	u8* slot = record_slot(core, key, clock);
	if (!slot) {
		stats.count_lost(1, t);
		return;
	}
	const Template& tpl = *templates.get(key);
	write_flow_record(tpl, h, clock, slot);
	// The sampler id is the last field (zeroed above), big-endian.
	if (key & shape::sampled)
		slot[tpl.record_size - 1] = sampler.id();
	queued(t);
}

void Exporter::add_options(Core& core, const ExportClock& clock, bool force)
{
	const u32 hz = nfp_hz();
	const u32 domain = run_domain_;
	const bool sysinit = force || options_due_ || time_after_eq(clock.now, sysinit_tick_ + sysinit_period_s * hz);
	const bool stats_due = sysinit || time_after_eq(clock.now, stats_tick_ + stats_period_s * hz);
	if (sysinit) {
		if (u8* slot = record_slot(core, options_key(OptionsKind::system_init), clock))
			write_system_init(*templates.get(options_key(OptionsKind::system_init)), domain, clock, slot);
		const u32 n = nfp_interfaces(ifaces_, max_interfaces);
		for (u32 i = 0; i < n; i++)
			ifaces_[i].ifindex = static_cast<u32>(nfc_snmp_index(ifaces_[i].name, static_cast<s32>(ifaces_[i].ifindex)));
		for (u32 i = 0; i < n; i++)
			if (u8* slot = record_slot(core, options_key(OptionsKind::interfaces), clock))
				write_interface(*templates.get(options_key(OptionsKind::interfaces)), ifaces_[i], slot);
		sysinit_tick_ = clock.now;
		options_due_ = false;
	}
	if (stats_due) {
		MeteringTotals m{stats.datagrams, stats.flows, stats.bytes, 0};
		core.for_each_cpu([&](u32, CpuCache& c) {
			m.observed_flows += c.stats.notfound - c.stats.maxflows_err - c.stats.alloc_err;
		});
		if (u8* slot = record_slot(core, options_key(OptionsKind::metering_stats), clock))
			write_metering_stats(*templates.get(options_key(OptionsKind::metering_stats)), domain, m, slot);
		stats_tick_ = clock.now;
	}
	add_sampler_options(core, clock, sysinit || sampler_due_, stats_due || sampler_due_);
	sampler_due_ = false;
}

// The sampler's description goes out with the system options (every 5
// minutes) and at once after a change; IPFIX adds its statistics every
// minute.  Nothing while sampling is off.
void Exporter::add_sampler_options(Core& core, const ExportClock& clock, bool describe, bool count)
{
	if (!sampler.on())
		return;
	const bool ipfix = protocol_ == NF_PROTOCOL_IPFIX;
	if (describe) {
		const SamplerMode m = sampler.config().mode;
		const OptionsKind kind = !ipfix ? OptionsKind::sampler_v9
			: m == SamplerMode::deterministic ? OptionsKind::selector_count
			: m == SamplerMode::random ? OptionsKind::selector_random : OptionsKind::selector_hash;
		if (u8* slot = record_slot(core, options_key(kind), clock))
			write_sampler(*templates.get(options_key(kind)), run_domain_, sampler, slot);
	}
	if (count && ipfix) {
		const OptionsKind kind = sampler.config().mode == SamplerMode::hash ? OptionsKind::selector_stats_hash
										   : OptionsKind::selector_stats;
		if (u8* slot = record_slot(core, options_key(kind), clock))
			write_selector_stats(*templates.get(options_key(kind)), sampler, sampler_pkts_discarded(core),
					     clock.boot_wall_ms + clock.uptime_ms, slot);
	}
}

u64 Exporter::sampler_pkts_discarded(Core& core) const noexcept
{
	if (sampler.config().mode != SamplerMode::hash)
		return sampler.stats.pkts_discarded;
	u64 n = 0;
	core.for_each_cpu([&](u32, CpuCache& c) { n += c.stats.samp_drop; });
	return n > sampler.drop_base ? n - sampler.drop_base : 0;
}

void Exporter::mark_pending(const ExportClock& clock)
{
	if (!pending_) {
		pending_since_ = clock.now;
		msg_domain_ = run_domain_;
	}
	pending_ = true;
}

// engine_id is read once per run, and a message carries one domain: records
// written under the old id leave with it before any under the new one.
// Templates are scoped by the domain (RFC 7011 §8, RFC 3954 §5.1), so a
// new one has seen none: every template goes out again, each before its
// first record, and the options records with theirs, or a collector could
// decode nothing of the new domain until the next refresh.
void Exporter::begin_domain(Core& core)
{
	const u32 domain = core.setting(NFC_ENGINE_ID);
	if (domain == run_domain_)
		return;
	if (pending_ && msg_domain_ != domain)
		send_pending(core);
	run_domain_ = domain;
	templates.mark_all_unsent();
	options_due_ = true;
}

ktl::Bytes Exporter::finish_v5(const DatagramTime& when)
{
	v5::Header hdr{};
	hdr.sys_uptime_ms = when.uptime_ms;
	hdr.unix_secs = when.unix_secs;
	hdr.unix_nsecs = when.unix_nsecs;
	hdr.flow_sequence = v5_sequence_;
	hdr.engine_id = static_cast<u8>(msg_domain_);
	hdr.sampling_interval = sampler.v5_interval();
	const ktl::Bytes dg = v5_.finish(hdr);
	// The sequence counts every record handed to the wire, so a collector
	// sees lost datagrams as a gap.
	v5_sequence_ += v5_.count();
	return dg;
}

ktl::Bytes Exporter::finish_message(const DatagramTime& when)
{
	MessageHeader hdr{when.uptime_ms, when.unix_secs, 0, msg_domain_};
	hdr.sequence = protocol_ == NF_PROTOCOL_V9 ? messages_ : ipfix_sequence_;
	const ktl::Bytes dg = msg_.finish(hdr);
	// RFC 7011 §3.1: IPFIX counts its own data records only.
	if (protocol_ == NF_PROTOCOL_IPFIX)
		ipfix_sequence_ += msg_.data_records();
	return dg;
}

void Exporter::send_pending(Core&)
{
	if (!pending_)
		return;
	u64 sec;
	u32 nsec;
	nfp_wallclock(&sec, &nsec);
	const DatagramTime when{static_cast<u32>(ticks_to_ms(nfp_jiffies64())), static_cast<u32>(sec), nsec};
	const ktl::Bytes dg = is_templated(protocol_) ? finish_message(when) : finish_v5(when);
	const u32 message = messages_++;
	int missed = 0;
	const int took = nfp_send(dg.data(), dg.size(), &missed);
	// A destination that missed this datagram missed the templates in it:
	// they go again, each before its next record, or that collector could
	// decode nothing of theirs until the refresh.
	if (missed > 0 && is_templated(protocol_))
		templates.mark_unsent_in(message);
	if (took > 0) {
		stats.datagrams++;
		stats.bytes += dg.size();
		stats.flows += pending_flows_;
	} else {
		stats.errors++;
		stats.count_lost(pending_flows_, Traffic{pending_pkts, pending_bytes});
	}
	reset_datagram();
}

// One batch of flows of CPU `c` (at most `want`) into datagrams; returns how
// many it took.
size_t Exporter::export_batch(Core& core, u32 c, const ExportClock& clock, const Timeouts& t, bool force,
			      size_t want)
{
	CpuCache* cache = core.cpus[c];
	ktl::List<FlowHead> batch;
	size_t n;
	{
		CpuLockGuard lock(c);
		n = cache->collect(clock.now, t, force, batch, want);
	}
	// One record per flow: its parts on other CPUs join it (flow/parts.hpp).
	JoinedParts parts;
	if (n && core.nr_cpus > 1)
		join_parts(core.cpus, core.nr_cpus, c, core.seed, clock.now, t, batch, parts);
	for (const FlowHead* h : batch)
		add(core, *h, clock);
	__atomic_sub_fetch(&core.nr_flows, static_cast<u32>(n) + parts.taken_out, __ATOMIC_RELAXED);
	stats.joined += parts.joined;
	while (FlowHead* h = parts.absorbed.pop_front())
		batch.push_back(h);
	// The records go back to the CPU that cached them, for its next flows,
	// as many as it may keep; the rest, and pooled records it no longer
	// needs, to the slab.
	{
		CpuLockGuard lock(c);
		cache->recycle(batch, static_cast<u32>(n), clock.now, pool_window_s * nfp_hz());
	}
	while (FlowHead* h = batch.pop_front())
		cache->release(h);
	return n;
}

// Takes due (or, for a flush, all) flows from every CPU's cache, starting
// with the CPU where the last budget-limited run stopped so that no CPU
// waits behind a busier one.  Returns true when the budget ran out first.
bool Exporter::drain(Core& core, const ExportClock& clock, const Timeouts& t, bool force, u64 budget,
		     u64 sent_before, u32& taken)
{
	for (u32 i = 0; i < core.nr_cpus; i++) {
		const u32 c = (next_cpu_ + i) % core.nr_cpus;
		if (!core.cpus[c])
			continue;
		size_t n;
		do {
			if (stats.datagrams + stats.errors - sent_before >= budget) {
				next_cpu_ = c;
				return true;
			}
			const size_t want = force ? min<size_t>(batch_size, flush_left_) : batch_size;
			if (!want)
				return false;
			n = export_batch(core, c, clock, t, force, want);
			taken += static_cast<u32>(n);
			if (force)
				flush_left_ -= static_cast<u32>(n);
		} while (n == batch_size);
	}
	return false;
}

// Each CPU's table follows its load (flow/resize.hpp): a resize under way
// moves on by up to `resize_run_chains` chains a run, and the next run
// comes at once until it is done.  True while one is under way.
bool Exporter::tend_tables(Core& core, u32 now)
{
	bool resizing = false;
	core.for_each_cpu([&](u32 cpu, CpuCache& c) {
		resizing |= tend_table(c, cpu, core.sizing(c), resize_run_chains, now, core.resizes);
	});
	return resizing;
}

// Up to `limit` queued NAT events; true when more are waiting.
bool Exporter::export_nat(Core& core, const ExportClock& clock, u32 limit)
{
	NatEvent e;
	for (u32 n = 0; n < limit; n++) {
		if (!core.nat_queue->pop(e))
			return false;
		add_nat(core, e, clock);
	}
	return core.nat_queue->size() != 0;
}

// Adaptive scan interval in [scan_min, HZ/10]: busier exports scan sooner.
void Exporter::adapt_delay(Core& core, u64 sent, bool more)
{
	const u32 scan_min = core.setting(NFC_SCAN_MIN);
	const u32 scan_max = max(nfp_hz() / 10, scan_min);
	u32 delay = worker.delay;
	delay = sent ? static_cast<u32>(delay / sent) : delay * 2;
	worker.delay = more ? 1 : clamp(delay, scan_min, scan_max);
}

u32 Exporter::run(Core& core, nfc_export_mode mode, unsigned int cpu) noexcept
{
	const u64 t0 = nfp_clock_ns();
	const ExportClock clock = ExportClock::read();
	const u32 now = clock.now;
	const u32 hz = nfp_hz();
	const Timeouts t = core.timeouts();
	const bool force = mode == NFC_EXPORT_ALL;
	const u64 sent_before = stats.datagrams + stats.errors;
	worker.last_start = now;
	worker.cpu = cpu;
	begin_domain(core);

	// A flush takes the flows cached when it began, over as many runs as
	// the pace needs; flows created meanwhile leave by their timeouts, so
	// a flush under a flood of new flows still ends.
	if (force && !flushing_) {
		flushing_ = true;
		flush_left_ = __atomic_load_n(&core.nr_flows, __ATOMIC_RELAXED);
	}
	if (is_templated(protocol_))
		add_options(core, clock, false);
	u32 taken = 0;
	const bool more = drain(core, clock, t, force, run_budget(hz), sent_before, taken);
	if (force && !more)
		flushing_ = false;
	const bool resizing = tend_tables(core, now);
	// At most nfevents_limit NAT events a run; the rest wait in the queue
	// for the next run, which comes a tick later.
	const bool nat_more = export_nat(core, clock, core.setting(NFC_NFEVENTS_LIMIT));
	// A partly filled datagram waits for company at most a second (or the
	// inactive timeout, if shorter); the end of a flush sends it.
	if (pending_ && ((force && !more) || time_after_eq(now, pending_since_ + min(t.inactive, hz))))
		send_pending(core);
	sample_rates(core, rates, cpu_rates, stats.bytes, now);
	adapt_delay(core, stats.datagrams + stats.errors - sent_before, more || nat_more);
	worker.scanned = taken;
	worker.busy_us = static_cast<u32>((nfp_clock_ns() - t0) / 1000);
	return more || nat_more || resizing ? 0 : worker.delay;
}

void Exporter::switch_protocol(Core& core, u32 protocol) noexcept
{
	export_all_paced(core);
	send_pending(core);
	begin(protocol);
}

// Everything cached leaves first (under the old protocol or sampler), at the
// export pace, like a flush: unpaced, a large cache would overrun the socket
// and the collector.  A flush takes the flows cached when it began, so a
// second one takes those that arrived during the first.
void Exporter::export_all_paced(Core& core) noexcept
{
	for (int pass = 0; pass < 2; pass++)
		while (run(core, NFC_EXPORT_ALL, worker.cpu) == 0)
			nfp_export_pause();
}

void Exporter::switch_sampler(Core& core, const SamplerConfig& c) noexcept
{
	export_all_paced(core);
	// The old selector's final counts (IPFIX), before they start again.
	const ExportClock clock = ExportClock::read();
	add_sampler_options(core, clock, false, true);
	send_pending(core);
	u64 dropped = 0;
	core.for_each_cpu([&](u32, CpuCache& cc) { dropped += cc.stats.samp_drop; });
	sampler.start(c, clock.boot_wall_ms + clock.uptime_ms);
	sampler.drop_base = dropped;
	sampler_due_ = true;
}

void Exporter::reset_stats(u32 nr_cpus) noexcept
{
	stats = ExportStats{};
	rates = RateMeter{};
	for (u32 cpu = 0; cpu < nr_cpus; cpu++)
		cpu_rates[cpu] = CpuRate{};
}

} // namespace netflow

using namespace netflow;

extern "C" u32 nfc_export(nfc_export_mode mode, unsigned int worker_cpu) noexcept
{
	return g_core->exporter.run(*g_core, mode, worker_cpu);
}

extern "C" void nfc_send_pending(void) noexcept { g_core->exporter.flush_pending(*g_core); }

extern "C" void nfc_resend_templates(void) noexcept { g_core->exporter.resend_templates(); }

extern "C" void nfc_reset_stats(void) noexcept
{
	Core& core = *g_core;
	core.for_each_cpu([&](u32 cpu, CpuCache& c) {
		CpuLockGuard lock(cpu);
		c.stats = CpuStats{};
	});
	core.exporter.reset_stats(core.nr_cpus);
	core.exporter.sampler.drop_base = 0;	// the CPUs' counts start again too
	core.peak_flows = core.nr_flows;
	core.peak_tick = static_cast<u32>(nfp_jiffies64());
}
