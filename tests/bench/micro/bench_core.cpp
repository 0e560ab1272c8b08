// SPDX-License-Identifier: GPL-2.0
// Google Benchmark of the core's hot pieces on the fake platform: the packet
// path (hit, hit among many flows, miss + insert, miss at maxflows), the
// expiry scan, and each encoder.  Figures are host ns: compare runs on one
// machine, never across machines (callgrind.sh gives instruction counts).
#include <benchmark/benchmark.h>

#include <memory>

#include "core/core.hpp"
#include "core/export/records.hpp"
#include "core/export/templates.hpp"
#include "core/export/v5.hpp"
#include "core/export/message.hpp"
#include "fake_platform.hpp"
#include "workload.hpp"

using namespace netflow;

namespace {

// One flow, every packet a hit.
void BM_HitOneFlow(benchmark::State& state)
{
	micro::start_core(1, 65536);
	micro::Packet4 p;
	micro::make_udp4(p, 1);
	for (auto _ : state)
		micro::account(0, &p.pkt);
	state.SetItemsProcessed(state.iterations());
	micro::stop_core();
}
BENCHMARK(BM_HitOneFlow);

void BM_HitOneFlow6(benchmark::State& state)
{
	micro::start_core(1, 65536, 10);
	micro::Packet6 p;
	micro::make_udp6(p, 1);
	for (auto _ : state)
		micro::account(0, &p.pkt);
	state.SetItemsProcessed(state.iterations());
	micro::stop_core();
}
BENCHMARK(BM_HitOneFlow6);

// range(0) flows round-robin in a table of as many buckets: every packet a
// hit, the table bigger than the L1/L2 caches at 65,536 and 1M.
void BM_HitManyFlows(benchmark::State& state)
{
	const uint32_t n = static_cast<uint32_t>(state.range(0));
	micro::start_core(1, n);
	auto pk = micro::flows4(n);
	for (auto& p : pk)
		micro::account(0, &p.pkt);
	uint32_t i = 0;
	for (auto _ : state) {
		micro::account(0, &pk[i].pkt);
		i = (i + 1) & (n - 1);
	}
	state.SetItemsProcessed(state.iterations());
	micro::stop_core();
}
BENCHMARK(BM_HitManyFlows)->Arg(65536)->Arg(1 << 20);

// A new flow for every packet (lookup miss + insert), in a 1M-bucket table
// that is flushed (untimed) every 2^18 flows.
void BM_MissInsert(benchmark::State& state)
{
	constexpr uint32_t window = 1u << 18;
	micro::start_core(1, 1u << 20);
	auto pk = micro::flows4(window);
	uint32_t i = 0;
	for (auto _ : state) {
		micro::account(0, &pk[i].pkt);
		if (++i == window) {
			state.PauseTiming();
			micro::flush_all();
			i = 0;
			state.ResumeTiming();
		}
	}
	state.SetItemsProcessed(state.iterations());
	micro::stop_core();
}
BENCHMARK(BM_MissInsert);

// Lookup miss with maxflows reached: the packet is dropped and counted.
void BM_MissAtMaxflows(benchmark::State& state)
{
	constexpr uint32_t n = 65536;
	micro::start_core(1, n);
	nfc_set(NFC_MAXFLOWS, 1);
	auto pk = micro::flows4(n);
	micro::account(0, &pk[0].pkt);
	uint32_t i = 1;
	for (auto _ : state) {
		micro::account(0, &pk[i].pkt);
		i = (i + 1) & (n - 1);
		i += !i;
	}
	state.SetItemsProcessed(state.iterations());
	micro::stop_core();
}
BENCHMARK(BM_MissAtMaxflows);

// The expiry scan alone: 65,536 idle flows taken out of the cache (collect)
// and freed, per flow.  Filling is untimed.
void BM_ExpiryScan(benchmark::State& state)
{
	constexpr uint32_t n = 65536;
	micro::start_core(1, n);
	auto pk = micro::flows4(n);
	const Timeouts t = g_core->timeouts();
	CpuCache& cache = *g_core->cpus[0];
	for (auto _ : state) {
		state.PauseTiming();
		for (auto& p : pk)
			micro::account(0, &p.pkt);
		const uint32_t now = uint32_t(fake::jiffies()) + t.inactive;
		state.ResumeTiming();
		size_t got;
		do {
			ktl::List<FlowHead> out;
			got = cache.collect(now, t, false, out, 256);
			__atomic_sub_fetch(&g_core->nr_flows, uint32_t(got), __ATOMIC_RELAXED);
			cache.recycle(out, uint32_t(got), now, pool_window_s * nfp_hz());
			while (FlowHead* h = out.pop_front())
				cache.release(h);
		} while (got == 256);
	}
	state.SetItemsProcessed(state.iterations() * n);
	micro::stop_core();
}
BENCHMARK(BM_ExpiryScan);

// A whole flush (scan + v5 encoding + the fake's send), per flow: every
// paced run until the last (kmod/core/export/exporter.cpp).
void BM_ExportRunV5(benchmark::State& state)
{
	constexpr uint32_t n = 65536;
	micro::start_core(1, n);
	auto pk = micro::flows4(n);
	for (auto _ : state) {
		state.PauseTiming();
		for (auto& p : pk)
			micro::account(0, &p.pkt);
		fake::clear_sent();
		state.ResumeTiming();
		while (nfc_export(NFC_EXPORT_ALL, 0) == 0)
			;
	}
	state.SetItemsProcessed(state.iterations() * n);
	micro::stop_core();
}
BENCHMARK(BM_ExportRunV5);

Flow4 sample_flow4()
{
	Flow4 f{};
	f.set_family(NF_FAMILY_IPV4);
	f.key.src = Be32::from_host(0xc6120001);
	f.key.dst = Be32::from_host(0xc6130001);
	f.key.sport = Be16::from_host(1234);
	f.key.dport = Be16::from_host(53);
	f.key.iif = 2;
	f.key.proto = 17;
	f.oif = 3;
	f.first = 1000;
	f.last = 1250;
	f.packets = 2;
	f.bytes = 300;
	f.set_end(EndReason::idle);
	return f;
}

Flow6 sample_flow6()
{
	Flow6 f{};
	f.set_family(NF_FAMILY_IPV6);
	f.key.src[0] = 0x20, f.key.src[1] = 0x01, f.key.src[15] = 1;
	f.key.dst[0] = 0x20, f.key.dst[1] = 0x01, f.key.dst[15] = 2;
	f.key.sport = Be16::from_host(1234);
	f.key.dport = Be16::from_host(53);
	f.key.iif = 2;
	f.key.proto = 17;
	f.oif = 3;
	f.first = 1000;
	f.last = 1250;
	f.packets = 2;
	f.bytes = 300;
	f.set_end(EndReason::idle);
	return f;
}

// v5: one 48-byte record into a datagram (a new datagram every 30).
void BM_EncodeV5(benchmark::State& state)
{
	const Flow4 f = sample_flow4();
	auto dg = std::make_unique<v5::Datagram>();
	for (auto _ : state) {
		v5::Record r{};
		r.src = f.key.src;
		r.dst = f.key.dst;
		r.nexthop = f.nexthop;
		r.input = 2;
		r.output = 3;
		r.packets = static_cast<u32>(f.packets);
		r.octets = static_cast<u32>(f.bytes);
		r.first_ms = 1000;
		r.last_ms = 1250;
		r.sport = f.key.sport;
		r.dport = f.key.dport;
		r.proto = f.key.proto;
		if (!dg->add(r)) {
			dg->reset();
			dg->add(r);
		}
		benchmark::DoNotOptimize(dg.get());
	}
	state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EncodeV5);

// v9 / IPFIX: one data record written from its template.
template <Dialect D, bool V6> void BM_EncodeRecord(benchmark::State& state)
{
	const Flow4 f4 = sample_flow4();
	const Flow6 f6 = sample_flow6();
	const FlowHead& h = V6 ? static_cast<const FlowHead&>(f6) : static_cast<const FlowHead&>(f4);
	Template t{};
	compose_data_template(flow_shape(h), D, t);
	t.id = 256;
	const ExportClock clock{1500, 6000, 1700000000000ull};
	u8 out[512];
	for (auto _ : state) {
		write_flow_record(t, h, clock, out);
		benchmark::DoNotOptimize(out);
		benchmark::ClobberMemory();
	}
	state.SetItemsProcessed(state.iterations());
	state.SetLabel(std::to_string(t.record_size) + " B");
}
BENCHMARK(BM_EncodeRecord<Dialect::v9, false>)->Name("BM_EncodeV9_v4");
BENCHMARK(BM_EncodeRecord<Dialect::ipfix, false>)->Name("BM_EncodeIPFIX_v4");
BENCHMARK(BM_EncodeRecord<Dialect::v9, true>)->Name("BM_EncodeV9_v6");
BENCHMARK(BM_EncodeRecord<Dialect::ipfix, true>)->Name("BM_EncodeIPFIX_v6");

} // namespace

BENCHMARK_MAIN();
