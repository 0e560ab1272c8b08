// SPDX-License-Identifier: GPL-2.0
// /proc/net/stat/ipt_netflow, in the layout users and scripts of the original
// read (docs/ORIGINAL.md §3.1); the glue appends the per-socket lines.
#include "core/core.hpp"
#include "core/flow/ext.hpp"
#include "ktl/format.hpp"

using namespace netflow;

namespace {

void put_cpu_line(TextBuffer& out, u64 pps, const CpuStats& s, u64 metric)
{
	out.num(pps, 6).put("; ").num(s.searched, 6).put(' ').num(s.found, 6).put(' ').num(s.notfound, 6);
	out.put(" [").hundredths(metric).put("], ");
	out.num(s.trunc, 4).put(' ').num(s.frag, 4).put(' ').num(s.alloc_err, 4).put(' ').num(s.maxflows_err, 4);
	out.put(", traffic: ").num(s.pkt_total).put(", ").num(s.traf_total >> 20).put(" MB");
	out.put(", drop: ").num(s.pkt_drop).put(", ").num(s.traf_drop >> 10).put(" K\n");
}

// The original's line, flows discarded left out for hash sampling (those
// flows were never cached, so nobody counted them).
void put_sampler_line(TextBuffer& out, Core& core)
{
	const Sampler& s = core.exporter.sampler;
	if (!s.on()) {
		out.put("Flow sampling is disabled.\n");
		return;
	}
	const SamplerConfig& c = s.config();
	out.put("Flow sampling mode ").put(sampler_mode_name(c.mode)).put(" one-out-of ").num(c.n)
		.put(". Flows selected ").num(s.stats.flows_selected);
	if (c.mode != SamplerMode::hash)
		out.put(", discarded ").num(s.stats.flows_discarded);
	out.put(". Pkts selected ").num(s.stats.pkts_selected).put(", discarded ")
		.num(core.exporter.sampler_pkts_discarded(core)).put(".\n");
}

// What the glue's promisc handler counted, as of the last nfc_promisc_counts().
struct PromiscCounts {
	u64 observed, discarded;
} promisc_counts;

void put_promisc_line(TextBuffer& out, Core& core)
{
	out.put("Promisc hack is ").put(core.setting(NFC_PROMISC) ? "enabled" : "disabled").put(" (observed ")
		.num(promisc_counts.observed).put(" packets, discarded ").num(promisc_counts.discarded).put(").\n");
}

u64 sub0(u64 a, u64 b) { return a > b ? a - b : 0; }

} // namespace

extern "C" void nfc_promisc_counts(u64 observed, u64 discarded) noexcept
{
	promisc_counts = {observed, discarded};
}

extern "C" nf_size nfc_format_stats(char* buf, nf_size cap, const char* srcversion) noexcept
{
	Core& core = *g_core;
	const Exporter& ex = core.exporter;
	const RateMeter& r = ex.rates;
	const u32 hz = nfp_hz();
	const u32 now = static_cast<u32>(nfp_jiffies64());
	TextBuffer out(buf, cap);

	out.put("ipt_NETFLOW " NF_VERSION ", srcversion ").put(srcversion).put(";");
	// The link-layer fields of this load, named and ordered as the
	// original named its build options.
	if (g_ext.direction)
		out.put(" dir");
	if (g_ext.mac)
		out.put(" mac");
	if (g_ext.vlan)
		out.put(" vlan");
	out.put("\n");
	const u32 protocol = core.setting(NFC_PROTOCOL);
	out.put("Protocol version ").num(protocol).put(protocol == NF_PROTOCOL_IPFIX ? " (ipfix)" : " (netflow)");
	if (is_templated(protocol))
		out.put(", refresh-rate ").num(core.setting(NFC_REFRESH_RATE)).put(", timeout-rate ")
			.num(core.setting(NFC_TIMEOUT_RATE)).put(", (templates ").num(ex.templates.generated())
			.put(", active ").num(ex.templates.active()).put(")");
	out.put(is_templated(protocol) ? ".\n" : "\n");
	out.put("Timeouts: active ").num(core.setting(NFC_ACTIVE_TIMEOUT)).put("s, inactive ")
		.num(core.setting(NFC_INACTIVE_TIMEOUT)).put("s. Maxflows ").num(core.setting(NFC_MAXFLOWS)).put('\n');

	put_sampler_line(out, core);
	put_promisc_line(out, core);

	const NatStats& nat = core.nat_stats;
	out.put("Natevents ").put(core.setting(NFC_NATEVENTS) ? "enabled" : "disabled").put(", count start ")
		.num(nat.starts).put(", stop ").num(nat.stops).put("; lost ").num(nat.lost).put(" (overruns ")
		.num(nat.overruns).put("), malformed ").num(nat.malformed).put(", ignored ").num(nat.ignored)
		.put(".\n");

	CpuStats total{};
	u64 mem = 0, buckets = 0, table_mem = 0;
	core.for_each_cpu([&](u32, CpuCache& c) {
		total.add(c.stats);
		mem += c.record_bytes();
		buckets += c.buckets();
		table_mem += c.table_bytes();
	});
	const u32 flows = __atomic_load_n(&core.nr_flows, __ATOMIC_RELAXED);
	const u32 peak_age_min = static_cast<u32>(ticks_to_ms(now - core.peak_tick) / 60000);
	const WorkerInfo& w = ex.worker;
	out.put("Flows: active ").num(flows).put(" (peak ").num(core.peak_flows).put(" reached ")
		.num(peak_age_min / 1440).put('d').num(peak_age_min / 60 % 24).put('h').num(peak_age_min % 60)
		.put("m ago), mem ").num((mem + table_mem) >> 10).put("K, worker delay ")
		.num(w.delay).put('/').num(hz).put(" [").num(core.setting(NFC_SCAN_MIN)).put("..")
		.num(max(hz / 10, core.setting(NFC_SCAN_MIN))).put("] (")
		.num(ticks_to_ms(now - w.last_start)).put(" ms, ").num(w.busy_us).put(" us, ")
		.num(w.scanned).put(":0 [cpu").num(w.cpu).put("]).\n");

	const u64 in_pkts = sub0(total.pkt_total, ex.stats.out_pkts);
	const u64 in_bytes = sub0(total.traf_total, ex.stats.out_bytes);
	// The chains in use now: hashsize's until a CPU's table grows.
	out.put("Hash: size ").num(buckets).put(" (mem ").num(table_mem >> 10).put("K), metric ")
		.hundredths(r.metric).put(" [").hundredths(r.metric1.value() ?: 100).put(", ")
		.hundredths(r.metric5.value() ?: 100).put(", ").hundredths(r.metric15.value() ?: 100)
		.put("]. InHash: ").num(in_pkts).put(" pkt, ").num(in_bytes >> 10).put(" K, InPDU ")
		.num(ex.pending_pkts).put(", ").num(ex.pending_bytes).put(".\n");

	out.put("Rate: ").num(r.bps).put(" bits/sec, ").num(r.pps).put(" packets/sec; Avg 1 min: ")
		.num(r.bps1.value()).put(" bps, ").num(r.pps1.value()).put(" pps; 5 min: ")
		.num(r.bps5.value()).put(" bps, ").num(r.pps5.value()).put(" pps\n");

	out.put("cpu#     pps; <search found new [metric], trunc frag alloc maxflows>,"
		" traffic: <pkt, bytes>, drop: <pkt, bytes>\n");
	u64 total_pps = 0;
	for (u32 cpu = 0; cpu < core.nr_cpus; cpu++)
		total_pps += ex.cpu_rates[cpu].pps;
	out.put("Total ");
	put_cpu_line(out, total_pps, total, hash_metric(total.searched, total.found, total.notfound));
	if (core.nr_cpus > 1) {
		core.for_each_cpu([&](u32 cpu, CpuCache& c) {
			const CpuRate& cr = ex.cpu_rates[cpu];
			out.put("cpu").num_left(cpu, 2).put(' ');
			put_cpu_line(out, cr.pps, c.stats, cr.metric.value() ?: 100);
		});
	}

	const ExportStats& e = ex.stats;
	out.put("Export: Rate ").num(r.export_rate).put(" bytes/s; Total ").num(e.datagrams).put(" pkts, ")
		.num(e.bytes >> 20).put(" MB, ").num(e.flows).put(" flows; Errors ").num(e.errors)
		.put(" pkts; Traffic lost ").num(e.lost_pkts).put(" pkts, ").num(e.lost_bytes >> 10)
		.put(" Kbytes, ").num(e.lost_flows).put(" flows.\n");
	return out.size();
}

extern "C" nf_size nfc_format_snmp(char* buf, nf_size cap, u64 sock_errors) noexcept
{
	Core& core = *g_core;
	const Exporter& ex = core.exporter;
	const ExportStats& e = ex.stats;
	TextBuffer out(buf, cap);

	CpuStats total{};
	u64 mem = 0;
	core.for_each_cpu([&](u32, CpuCache& c) {
		total.add(c.stats);
		mem += c.record_bytes() + c.table_bytes();
	});
	auto row = [&](const char* name, u64 v) { out.put(name).num(v).put('\n'); };
	row("inBitRate    ", ex.rates.bps);
	row("inPacketRate ", ex.rates.pps);
	row("inFlows      ", total.notfound);
	row("inPackets    ", total.pkt_total);
	row("inBytes      ", total.traf_total);
	out.put("hashMetric   ").hundredths(hash_metric(total.searched, total.found, total.notfound)).put('\n');
	row("hashMemory   ", mem);
	row("hashFlows    ", __atomic_load_n(&core.nr_flows, __ATOMIC_RELAXED));
	row("hashPackets  ", sub0(total.pkt_total, e.out_pkts));
	row("hashBytes    ", sub0(total.traf_total, e.out_bytes));
	row("dropPackets  ", total.pkt_drop);
	row("dropBytes    ", total.traf_drop);
	row("outByteRate  ", ex.rates.export_rate);
	row("outFlows     ", e.flows);
	row("outPackets   ", e.datagrams);
	row("outBytes     ", e.bytes);
	row("lostFlows    ", e.lost_flows);
	row("lostPackets  ", e.lost_pkts);
	row("lostBytes    ", e.lost_bytes);
	row("errTotal     ", e.errors + sock_errors);
	row("natStarts    ", core.nat_stats.starts);
	row("natStops     ", core.nat_stats.stops);
	row("natLost      ", core.nat_stats.lost);
	row("natOverruns  ", core.nat_stats.overruns);
	row("natMalformed ", core.nat_stats.malformed);
	row("natIgnored   ", core.nat_stats.ignored);
	core.for_each_cpu([&](u32 cpu, CpuCache& c) {
		const CpuStats& s = c.stats;
		const CpuRate& cr = ex.cpu_rates[cpu];
		out.put("cpu").num(cpu).put(' ').num(cr.pps).put(' ').num(s.notfound).put(' ').num(s.pkt_total)
			.put(' ').num(s.traf_total).put(' ').hundredths(cr.metric.value() ?: 100).put(' ')
			.num(s.pkt_drop).put(' ').num(s.traf_drop).put(' ').num(s.trunc).put(' ').num(s.frag)
			.put(' ').num(s.alloc_err).put(' ').num(s.maxflows_err).put('\n');
	});
	return out.size();
}
