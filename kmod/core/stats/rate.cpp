// SPDX-License-Identifier: GPL-2.0
#include "core/stats/rate.hpp"
#include "core/core.hpp"

namespace netflow {

namespace {

void sample_cpu(CpuRate& cr, const CpuStats& s, bool started)
{
	if (started) {
		cr.pps = (s.pkt_total + s.pkt_drop - cr.prev.pkt_total - cr.prev.pkt_drop) / rate_period_s;
		cr.metric.update(hash_metric(s.searched - cr.prev.searched, s.found - cr.prev.found,
					     s.notfound - cr.prev.notfound), 60);
	}
	cr.prev = s;
}

void sample_total(RateMeter& r, const CpuStats& total, u64 export_bytes)
{
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
	r.export_rate = (export_bytes - r.prev_export_bytes) / rate_period_s;
}

} // namespace

void sample_rates(Core& core, RateMeter& r, CpuRate* cpu_rates, u64 export_bytes, u32 now)
{
	if (r.started && time_before(now, r.last_tick + rate_period_s * nfp_hz()))
		return;
	CpuStats total{};
	core.for_each_cpu([&](u32 cpu, CpuCache& c) {
		const CpuStats s = c.stats;	// racy snapshot: monotonic counters
		sample_cpu(cpu_rates[cpu], s, r.started);
		total.add(s);
	});
	if (r.started)
		sample_total(r, total, export_bytes);
	r.prev_total = total;
	r.prev_export_bytes = export_bytes;
	r.last_tick = now;
	r.started = true;
}

} // namespace netflow
