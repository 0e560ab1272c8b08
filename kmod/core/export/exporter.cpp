// SPDX-License-Identifier: GPL-2.0
#include "core/export/exporter.hpp"
#include "core/core.hpp"
#include "ktl/new.hpp"

namespace netflow {

namespace {

// Flows taken out of one CPU's cache per lock hold: bounds the time the
// packet path on that CPU can wait for the exporter.
constexpr size_t batch_size = 256;

u16 ifindex16(s32 ifindex)
{
	// v5 has 16 bits: "no device" and indexes that do not fit both read 65535.
	return (ifindex < 0 || ifindex > 0xffff) ? 0xffff : static_cast<u16>(ifindex);
}

// Milliseconds since boot of a tick stamp, via its age (wrap-safe).
u32 uptime_ms(u32 tick, u32 now, u64 now_ms) { return static_cast<u32>(now_ms - ticks_to_ms(static_cast<u32>(now - tick))); }

u32 saturate32(u64 v) { return v > 0xffffffffull ? 0xffffffffu : static_cast<u32>(v); }

} // namespace

bool Exporter::init(Core& core) noexcept
{
	cpu_rates = static_cast<CpuRate*>(nfp_alloc(sizeof(CpuRate) * core.nr_cpus, NF_GFP_KERNEL));
	v5_.reset();
	worker.delay = nfp_hz() / 10;
	return cpu_rates != nullptr;
}

void Exporter::destroy() noexcept
{
	nfp_free(cpu_rates);
	cpu_rates = nullptr;
}

void Exporter::add(Core& core, const FlowHead& h, u32 now, u64 now_ms)
{
	visit(h, [&](const auto& f) {
		stats.out_pkts += f.packets;
		stats.out_bytes += f.bytes;
	});
	if (h.family != NF_FAMILY_IPV4) {
		// v5 cannot carry IPv6; ip6tables rules are refused under v5.
		const Flow6& f = as_v6(h);
		stats.lost_flows++;
		stats.lost_pkts += f.packets;
		stats.lost_bytes += f.bytes;
		return;
	}
	const Flow4& f = as_v4(h);
	v5::Record r{};
	r.src = f.key.src;
	r.dst = f.key.dst;
	r.nexthop = f.nexthop;
	r.input = ifindex16(f.key.iif);
	r.output = ifindex16(f.oif);
	r.packets = saturate32(f.packets);
	r.octets = saturate32(f.bytes);
	r.first_ms = uptime_ms(f.first, now, now_ms);
	r.last_ms = uptime_ms(f.last, now, now_ms);
	r.sport = f.key.sport;
	r.dport = f.key.dport;
	r.tcp_flags = f.tcp_flags;
	r.proto = f.key.proto;
	r.tos = f.key.tos;
	if (!v5_.add(r)) {
		send_pending(core);
		v5_.add(r);
	}
	if (!pending_flows_)
		pending_since_ = now;
	pending_flows_++;
	pending_pkts += f.packets;
	pending_bytes += f.bytes;
	if (v5_.full())
		send_pending(core);
}

void Exporter::send_pending(Core& core)
{
	if (!pending_flows_)
		return;
	u64 sec;
	u32 nsec;
	nfp_wallclock(&sec, &nsec);
	v5::Header hdr{};
	hdr.sys_uptime_ms = static_cast<u32>(ticks_to_ms(nfp_jiffies64()));
	hdr.unix_secs = static_cast<u32>(sec);
	hdr.unix_nsecs = nsec;
	hdr.flow_sequence = sequence_;
	hdr.engine_id = static_cast<u8>(core.setting(NFC_ENGINE_ID));
	const Bytes dg = v5_.finish(hdr);
	if (nfp_send(dg.data(), dg.size()) > 0) {
		stats.datagrams++;
		stats.bytes += dg.size();
		stats.flows += pending_flows_;
	} else {
		stats.errors++;
		stats.lost_flows += pending_flows_;
		stats.lost_pkts += pending_pkts;
		stats.lost_bytes += pending_bytes;
	}
	// The sequence counts every flow handed to the wire, so a collector
	// sees lost datagrams as a gap.
	sequence_ += pending_flows_;
	v5_.reset();
	pending_flows_ = 0;
	pending_pkts = pending_bytes = 0;
}

void Exporter::sample_rates(Core& core, u32 now)
{
	RateMeter& r = rates;
	if (r.started && time_before(now, r.last_tick + rate_period_s * nfp_hz()))
		return;
	CpuStats total{};
	core.for_each_cpu([&](u32 cpu, CpuCache& c) {
		const CpuStats s = c.stats;	// racy snapshot: monotonic counters
		CpuRate& cr = cpu_rates[cpu];
		if (r.started) {
			cr.pps = (s.pkt_total + s.pkt_drop - cr.prev.pkt_total - cr.prev.pkt_drop) / rate_period_s;
			cr.metric.update(hash_metric(s.searched - cr.prev.searched, s.found - cr.prev.found,
						     s.notfound - cr.prev.notfound), 60);
		}
		cr.prev = s;
		total.add(s);
	});
	if (r.started) {
		const CpuStats& p = r.prev_total;
		r.pps = (total.pkt_total - p.pkt_total) / rate_period_s;
		r.bps = (total.traf_total - p.traf_total) * 8 / rate_period_s;
		r.metric = hash_metric(total.searched - p.searched, total.found - p.found, total.notfound - p.notfound);
		r.pps1.update(r.pps, 60);
		r.bps1.update(r.bps, 60);
		r.pps5.update(r.pps, 300);
		r.bps5.update(r.bps, 300);
		r.metric1.update(r.metric, 60);
		r.metric5.update(r.metric, 300);
		r.metric15.update(r.metric, 900);
		r.export_rate = (stats.bytes - r.prev_export_bytes) / rate_period_s;
	}
	r.prev_total = total;
	r.prev_export_bytes = stats.bytes;
	r.last_tick = now;
	r.started = true;
}

u32 Exporter::run(Core& core, nfc_export_mode mode, unsigned int cpu) noexcept
{
	const u64 t0 = nfp_clock_ns();
	const u64 j64 = nfp_jiffies64();
	const u32 now = static_cast<u32>(j64);
	const u64 now_ms = ticks_to_ms(j64);
	const u32 hz = nfp_hz();
	const Timeouts t = core.timeouts();
	const bool force = mode == NFC_EXPORT_ALL;
	const u64 sent_before = stats.datagrams + stats.errors;
	worker.last_start = now;
	worker.cpu = cpu;

	u32 taken = 0;
	core.for_each_cpu([&](u32 c, CpuCache& cache) {
		size_t n;
		do {
			ktl::List<FlowHead> batch;
			nfp_cpu_lock(c);
			n = cache.collect(now, t, force, batch, batch_size);
			nfp_cpu_unlock(c);
			while (FlowHead* h = batch.pop_front()) {
				add(core, *h, now, now_ms);
				cache.release(h, &core.nr_flows);
			}
			taken += static_cast<u32>(n);
		} while (n == batch_size);
	});
	// A partly filled datagram waits for company at most a second (or the
	// inactive timeout, if shorter).
	if (pending_flows_ && (force || time_after_eq(now, pending_since_ + min(t.inactive, hz))))
		send_pending(core);
	sample_rates(core, now);

	// Adaptive scan interval in [scan_min, HZ/10]: busier exports scan sooner.
	const u32 scan_min = core.setting(NFC_SCAN_MIN);
	const u32 scan_max = max(hz / 10, scan_min);
	const u64 sent = stats.datagrams + stats.errors - sent_before;
	u32 delay = worker.delay;
	delay = sent ? static_cast<u32>(delay / sent) : delay * 2;
	worker.delay = clamp(delay, scan_min, scan_max);
	worker.scanned = taken;
	worker.busy_us = static_cast<u32>((nfp_clock_ns() - t0) / 1000);
	return worker.delay;
}

void Exporter::reset_stats() noexcept
{
	stats = ExportStats{};
	rates = RateMeter{};
}

} // namespace netflow

using namespace netflow;

extern "C" u32 nfc_export(nfc_export_mode mode, unsigned int worker_cpu) noexcept
{
	return g_core->exporter.run(*g_core, mode, worker_cpu);
}

extern "C" void nfc_reset_stats(void) noexcept
{
	Core& core = *g_core;
	core.for_each_cpu([&](u32 cpu, CpuCache& c) {
		nfp_cpu_lock(cpu);
		c.stats = CpuStats{};
		nfp_cpu_unlock(cpu);
	});
	core.exporter.reset_stats();
	core.peak_flows = core.nr_flows;
}
