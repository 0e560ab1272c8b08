// SPDX-License-Identifier: GPL-2.0
// Statistics: the hash metric, the EWMA, and the /proc texts
// (nfc_format_stats = /proc/net/stat/ipt_netflow, nfc_format_snmp =
// /proc/net/stat/ipt_netflow_snmp; docs/ORIGINAL.md §3.1, §3.2, §6.2, §6.3).
// Expected texts are written out in full from hand-computed numbers.  The
// one thing taken from the code is sizeof() of the flow records (a layout
// fact, in the memory figures), via flow_mem() below.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "core/core.hpp"
#include "fake_platform.hpp"
#include "netflow/abi.h"
#include "core_defaults.hpp"
#include "core_fixture.hpp"
#include "packet_builder.hpp"

namespace {

using namespace testpkt;	// the packets (tests/common/packet_builder.hpp)

// ---- text ---------------------------------------------------------------------

std::string stats_text(const char* srcversion = "TESTSRC")
{
	std::vector<char> buf(16384);
	const size_t n = nfc_format_stats(buf.data(), buf.size(), srcversion);
	EXPECT_LT(n, buf.size());
	return std::string(buf.data(), n);
}

std::string snmp_text(uint64_t sock_errors = 0)
{
	std::vector<char> buf(16384);
	const size_t n = nfc_format_snmp(buf.data(), buf.size(), sock_errors);
	EXPECT_LT(n, buf.size());
	return std::string(buf.data(), n);
}

std::vector<std::string> lines(const std::string& text)
{
	std::vector<std::string> out;
	std::istringstream in(text);
	for (std::string l; std::getline(in, l);)
		out.push_back(l);
	return out;
}

// The first line starting with `prefix` ("" when none).
std::string line(const std::string& text, const std::string& prefix)
{
	for (const auto& l : lines(text))
		if (l.compare(0, prefix.size(), prefix) == 0)
			return l;
	return "";
}

// Bytes of cached flow records (their sizes are a layout fact of the core).
uint64_t flow_mem(uint64_t v4, uint64_t v6) { return v4 * sizeof(netflow::Flow4) + v6 * sizeof(netflow::Flow6); }
// Records waiting in the CPUs' pools (flow/pool.hpp) count in "mem" too.
uint64_t pool_mem()
{
	uint64_t m = 0;
	for (uint32_t c = 0; c < netflow::g_core->nr_cpus; c++)
		m += netflow::g_core->cpus[c]->pooled_bytes();
	return m;
}

netflow::CpuStats& stats(unsigned cpu) { return netflow::g_core->cpus[cpu]->stats; }

// ---- fixture -------------------------------------------------------------------

class StatsTest : public CoreFixture {
protected:
	void SetUp() override { start(1, 1024); }
};

const uint32_t A = ip4(10, 0, 0, 1);
const uint32_t B = ip4(10, 0, 0, 2);

const char* const cpu_header =
	"cpu#     pps; <search found new [metric], trunc frag alloc maxflows>, traffic: <pkt, bytes>, drop: <pkt, bytes>";
const char* const zero_cpu_tail = "      0      0      0 [1.00],    0    0    0    0, traffic: 0, 0 MB, drop: 0, 0 K";

} // namespace

// ============================================================================
// hash_metric, Ewma
// ============================================================================

TEST(HashMetric, Values)
{
	using netflow::hash_metric;
	EXPECT_EQ(hash_metric(0, 0, 0), 100u);	// no lookups: 1.00
	EXPECT_EQ(hash_metric(5, 3, 2), 200u);	// 10 / 5
	EXPECT_EQ(hash_metric(0, 10, 0), 100u);
	EXPECT_EQ(hash_metric(0, 0, 10), 100u);
	EXPECT_EQ(hash_metric(1, 2, 1), 133u);	// 4 / 3 = 1.333
	EXPECT_EQ(hash_metric(2, 3, 0), 166u);	// 5 / 3 = 1.666: cut, not rounded
	EXPECT_EQ(hash_metric(7, 1, 0), 800u);
	EXPECT_EQ(hash_metric(1, 0, 199), 100u);	// 200 / 199 = 1.005
	EXPECT_EQ(hash_metric(3, 0, 197), 101u);	// 200 / 197 = 1.0152
}

TEST(HashMetric, HugeCountersThatFit)
{
	using netflow::hash_metric;
	const uint64_t p63 = 1ull << 63;
	// 100 * visits would overflow in all of these.
	EXPECT_EQ(hash_metric(p63, 1ull << 40, 0), 838860900u);	// (2^23 + 1) * 100
	EXPECT_EQ(hash_metric(1, p63 - 1, 0), 100u);	// 2^63 / (2^63 - 1)
	EXPECT_EQ(hash_metric(p63 - (1ull << 20), 1ull << 20, 0), 879609302220800u);	// 2^43 * 100
	EXPECT_EQ(hash_metric(0, p63, p63 - 1), 100u);	// lookups = 2^64 - 1
	EXPECT_EQ(hash_metric(1ull << 60, 1ull << 60, 0), 200u);
	EXPECT_EQ(hash_metric(3, 1ull << 62, 0), 100u);
}

TEST(HashMetric, HugeLookupCountsDoNotOverflow)
{
	// BUG: hash_metric() (kmod/core/stats/rate.hpp) says "64-bit all the
	// way: never overflows", but its remainder term
	// `(visits % lookups) * 100` overflows once lookups > 2^64 / 100
	// (~1.8e17), and `searched + lookups` wraps when the three counters
	// add up past 2^64.  E.g. searched = found = notfound = 2^62 has
	// visits 3 * 2^62 over lookups 2^63 = 1.50, but the remainder 2^62
	// times 100 is 25 * 2^64 = 0 mod 2^64, so it returns 100 (1.00).
	// Expected: the exact floor (e.g. with unsigned __int128, saturated).
	using netflow::hash_metric;
	const uint64_t p62 = 1ull << 62, p63 = 1ull << 63;
	EXPECT_EQ(hash_metric(p62, p62, p62), 150u);	// returns 100
	EXPECT_EQ(hash_metric(500000000000000000ull, 1000000000000000000ull, 0), 150u);	// returns 113
	EXPECT_EQ(hash_metric(p63, p62, p62), 200u);	// visits = 2^64: returns 0
}

TEST(Ewma, FirstSamplePrimesThenMovesByTwoOverNPlusOne)
{
	netflow::Ewma e;
	EXPECT_EQ(e.value(), 0u);
	e.update(100, 60);	// primes: 100
	EXPECT_EQ(e.value(), 100u);
	e.update(200, 60);	// n = 15: 102400 + 204800 / 16 = 115200 -> 112.5 -> 113
	EXPECT_EQ(e.value(), 113u);
	e.update(200, 60);	// 115200 + 179200 / 16 = 126400 -> 123.4 -> 123
	EXPECT_EQ(e.value(), 123u);

	netflow::Ewma five, fifteen;
	five.update(100, 300);
	five.update(200, 300);	// n = 75: 102400 + 204800 / 76 (2694) = 105094 -> 102.6 -> 103
	EXPECT_EQ(five.value(), 103u);
	five.update(200, 300);	// 105094 + 199412 / 76 (2623) = 107717 -> 105.2 -> 105
	EXPECT_EQ(five.value(), 105u);
	fifteen.update(100, 900);
	fifteen.update(200, 900);	// n = 225: 102400 + 204800 / 226 (906) -> 100.88 -> 101
	EXPECT_EQ(fifteen.value(), 101u);
}

TEST(Ewma, DecaysConvergesAndResets)
{
	netflow::Ewma e;
	e.update(100, 60);
	e.update(0, 60);	// 102400 - 204800 / 16 = 89600 -> 87.5 -> 88
	EXPECT_EQ(e.value(), 88u);

	netflow::Ewma c;
	c.update(777, 60);
	for (int i = 0; i < 100; i++)
		c.update(777, 60);
	EXPECT_EQ(c.value(), 777u);	// a constant stays exact

	netflow::Ewma up;
	up.update(100, 60);
	for (int i = 0; i < 200; i++)
		up.update(200, 60);
	EXPECT_EQ(up.value(), 200u);	// converges (the step truncates within 8/1024)

	netflow::Ewma big;
	big.update(80000, 300);
	big.update(0, 300);	// 81920000 - 163840000 / 76 (2155789) = 79764211 -> 77894.7 -> 77895
	EXPECT_EQ(big.value(), 77895u);
	big.update(10000000000ull, 60);	// 10 Gbit/s: no overflow in 1/1024 units
	EXPECT_GT(big.value(), 77895u);

	e.reset();
	EXPECT_EQ(e.value(), 0u);
	e.update(42, 60);	// primes again
	EXPECT_EQ(e.value(), 42u);
}

// ============================================================================
// nfc_format_stats
// ============================================================================

TEST_F(StatsTest, FreshCoreFullText)
{
	ASSERT_EQ(sizeof(void*), 8u);
	// 1 CPU, 1024 buckets of 8 bytes: 8K.
	const std::string expected =
		"ipt_NETFLOW " NF_VERSION ", srcversion TESTSRC;\n"
		"Protocol version 5 (netflow)\n"
		"Timeouts: active 1800s, inactive 15s. Maxflows 2000000\n"
		"Flow sampling is disabled.\n"
		"Promisc hack is disabled (observed 0 packets, discarded 0).\n"
		"Natevents disabled, count start 0, stop 0; lost 0 (overruns 0), malformed 0, ignored 0.\n"
		"Flows: active 0 (peak 0 reached 0d0h0m ago), mem 8K, worker delay 25/250 [1..25] (0 ms, 0 us, 0:0 [cpu0]).\n"
		"Hash: size 1024 (mem 8K), metric 1.00 [1.00, 1.00, 1.00]. InHash: 0 pkt, 0 K, InPDU 0, 0.\n"
		"Rate: 0 bits/sec, 0 packets/sec; Avg 1 min: 0 bps, 0 pps; 5 min: 0 bps, 0 pps\n" +
		std::string(cpu_header) + "\n" +
		"Total      0;" + zero_cpu_tail + "\n" +
		"Export: Rate 0 bytes/s; Total 0 pkts, 0 MB, 0 flows; Errors 0 pkts; Traffic lost 0 pkts, 0 Kbytes, 0 flows.\n";
	EXPECT_EQ(stats_text(), expected);
}

TEST_F(StatsTest, FreshCoreWithTwoCpusHasPerCpuLines)
{
	start(2, 4096);	// 2048 buckets each: 32K
	const std::string expected =
		"ipt_NETFLOW " NF_VERSION ", srcversion none;\n"
		"Protocol version 5 (netflow)\n"
		"Timeouts: active 1800s, inactive 15s. Maxflows 2000000\n"
		"Flow sampling is disabled.\n"
		"Promisc hack is disabled (observed 0 packets, discarded 0).\n"
		"Natevents disabled, count start 0, stop 0; lost 0 (overruns 0), malformed 0, ignored 0.\n"
		"Flows: active 0 (peak 0 reached 0d0h0m ago), mem 32K, worker delay 25/250 [1..25] (0 ms, 0 us, 0:0 [cpu0]).\n"
		"Hash: size 4096 (mem 32K), metric 1.00 [1.00, 1.00, 1.00]. InHash: 0 pkt, 0 K, InPDU 0, 0.\n"
		"Rate: 0 bits/sec, 0 packets/sec; Avg 1 min: 0 bps, 0 pps; 5 min: 0 bps, 0 pps\n" +
		std::string(cpu_header) + "\n" +
		"Total      0;" + zero_cpu_tail + "\n" +
		"cpu0       0;" + zero_cpu_tail + "\n" +
		"cpu1       0;" + zero_cpu_tail + "\n" +
		"Export: Rate 0 bytes/s; Total 0 pkts, 0 MB, 0 flows; Errors 0 pkts; Traffic lost 0 pkts, 0 Kbytes, 0 flows.\n";
	EXPECT_EQ(stats_text("none"), expected);
}

TEST_F(StatsTest, PerCpuLinesOnlyWithSeveralCpus)
{
	auto count_cpu_lines = [](const std::string& t) {
		int n = 0;
		for (const auto& l : lines(t))
			if (l.compare(0, 3, "cpu") == 0 && l.compare(0, 4, "cpu#") != 0)
				n++;
		return n;
	};
	EXPECT_EQ(count_cpu_lines(stats_text()), 0);
	start(3, 768);
	const std::string t3 = stats_text();
	EXPECT_EQ(count_cpu_lines(t3), 3);
	const auto l3 = lines(t3);
	ASSERT_GE(l3.size(), 14u);
	EXPECT_EQ(l3[10], "Total      0;" + std::string(zero_cpu_tail));
	EXPECT_EQ(l3[11], "cpu0       0;" + std::string(zero_cpu_tail));
	EXPECT_EQ(l3[12], "cpu1       0;" + std::string(zero_cpu_tail));
	EXPECT_EQ(l3[13], "cpu2       0;" + std::string(zero_cpu_tail));
	start(12, 768);	// "cpu%-2u": two-digit numbers fill the column
	const std::string t12 = stats_text();
	EXPECT_EQ(count_cpu_lines(t12), 12);
	EXPECT_EQ(line(t12, "cpu9 "), "cpu9       0;" + std::string(zero_cpu_tail));
	EXPECT_EQ(line(t12, "cpu10 "), "cpu10      0;" + std::string(zero_cpu_tail));
	EXPECT_EQ(line(t12, "cpu11 "), "cpu11      0;" + std::string(zero_cpu_tail));
}

TEST_F(StatsTest, SettingsLines)
{
	ASSERT_EQ(nfc_set(NFC_ACTIVE_TIMEOUT, 60), 0);
	ASSERT_EQ(nfc_set(NFC_INACTIVE_TIMEOUT, 5), 0);
	ASSERT_EQ(nfc_set(NFC_MAXFLOWS, 0), 0);
	ASSERT_EQ(nfc_set(NFC_SCAN_MIN, 40), 0);
	const std::string t = stats_text();
	EXPECT_EQ(line(t, "Timeouts:"), "Timeouts: active 60s, inactive 5s. Maxflows 0");
	// The delay is only clamped by the next run.
	EXPECT_EQ(line(t, "Flows:"),
		  "Flows: active 0 (peak 0 reached 0d0h0m ago), mem 8K, worker delay 25/250 [40..40] (0 ms, 0 us, 0:0 [cpu0]).");
	nfc_export(NFC_EXPORT_DUE, 0);
	EXPECT_EQ(line(stats_text(), "Flows:"),
		  "Flows: active 0 (peak 0 reached 0d0h0m ago), mem 8K, worker delay 40/250 [40..40] (0 ms, 0 us, 0:0 [cpu0]).");
}

TEST_F(StatsTest, TotalAndCpuLinesAfterKnownTraffic)
{
	start(2, 1u << 20);	// 2^19 buckets each: no chains, searched stays 0
	// cpu0: flow A, 100 packets of 65535 bytes = 6553500; a later fragment
	// (offset 1480, no ports) of 1500 bytes: a second flow.
	for (int i = 0; i < 100; i++)
		account(0, udp4(A, B, 1, 1, 65535));
	account(0, v4(17, A, B, 0, 0, 1500, 0, 0, 185));
	// cpu1: a slab failure (700: its first flow, so the pool is empty);
	// flow B, 2 x 500; a cut packet of 2048; then maxflows 3 refuses a
	// fourth flow (900).
	fake::fail_slab_allocs(1);
	account(1, udp4(A, B, 3, 3, 700));
	account(1, udp4(A, B, 2, 2, 500));
	account(1, udp4(A, B, 2, 2, 500));
	const Packet cut = udp4(A, B, 9, 9);
	account_raw(1, Buf(cut.hdr.begin(), cut.hdr.begin() + 12), 2048, NF_FAMILY_IPV4);
	ASSERT_EQ(nfc_set(NFC_MAXFLOWS, 3), 0);
	account(1, udp4(A, B, 4, 4, 900));

	const std::string t = stats_text();
	// cpu0: found 99, new 2, frag 1; 101 pkts, 6555000 B = 6 MB.
	EXPECT_EQ(line(t, "cpu0 "), "cpu0       0;      0     99      2 [1.00],    0    1    0    0, traffic: 101, 6 MB, drop: 0, 0 K");
	// cpu1: found 1, new 3; trunc, alloc, maxflows 1 each; 2 pkts 1000 B;
	// drop 3 packets, 2048 + 700 + 900 = 3648 B = 3 K.
	EXPECT_EQ(line(t, "cpu1 "), "cpu1       0;      0      1      3 [1.00],    1    0    1    1, traffic: 2, 0 MB, drop: 3, 3 K");
	EXPECT_EQ(line(t, "Total "), "Total      0;      0    100      5 [1.00],    1    1    1    1, traffic: 103, 6 MB, drop: 3, 3 K");
	// 3 IPv4 flows + 2^20 buckets; InHash 6556000 B = 6402 K.
	const uint64_t mem_k = (flow_mem(3, 0) + pool_mem() + (1u << 20) * 8) >> 10;
	EXPECT_EQ(line(t, "Flows:"), "Flows: active 3 (peak 3 reached 0d0h0m ago), mem " + std::to_string(mem_k) +
					 "K, worker delay 25/250 [1..25] (0 ms, 0 us, 0:0 [cpu0]).");
	EXPECT_EQ(line(t, "Hash:"),
		  "Hash: size 1048576 (mem 8192K), metric 1.00 [1.00, 1.00, 1.00]. InHash: 103 pkt, 6402 K, InPDU 0, 0.");
}

TEST_F(StatsTest, TotalLineWideAndMetricValues)
{
	// Counters set directly: the line's arithmetic and widths.
	netflow::CpuStats& s = stats(0);
	s.searched = 5;
	s.found = 3;
	s.notfound = 2;
	s.trunc = 12345;	// wider than %4u: printed whole
	s.frag = 7;
	s.maxflows_err = 99999;
	s.pkt_total = 123456789;
	s.traf_total = (3ull << 20) + 5;	// 3 MB
	s.pkt_drop = 42;
	s.traf_drop = (5 << 10) + 1023;	// 5 K
	EXPECT_EQ(line(stats_text(), "Total "),
		  "Total      0;      5      3      2 [2.00], 12345    7    0 99999, traffic: 123456789, 3 MB, drop: 42, 5 K");
	s.searched = 1234567;
	s.found = 1;
	s.notfound = 0;	// (1234567 + 1) / 1 = 1234568.00
	EXPECT_EQ(line(stats_text(), "Total "),
		  "Total      0; 1234567      1      0 [1234568.00], 12345    7    0 99999, traffic: 123456789, 3 MB, drop: 42, 5 K");
	s.searched = 1;
	s.found = 9;
	s.notfound = 1;	// 11 / 10 = 1.10
	EXPECT_EQ(line(stats_text(), "Total "),
		  "Total      0;      1      9      1 [1.10], 12345    7    0 99999, traffic: 123456789, 3 MB, drop: 42, 5 K");
	s.searched = 1;
	s.found = 19;
	s.notfound = 81;	// 101 / 100 = 1.01: the leading zero
	EXPECT_EQ(line(stats_text(), "Total "),
		  "Total      0;      1     19     81 [1.01], 12345    7    0 99999, traffic: 123456789, 3 MB, drop: 42, 5 K");
	EXPECT_EQ(line(snmp_text(), "hashMetric"), "hashMetric   1.01");
}

TEST_F(StatsTest, FlowsLinePeakAndWorker)
{
	start(1, 256);	// 256 buckets: 2K
	for (uint16_t p = 0; p < 20; p++)
		account(0, udp4(A, B, p, 1));
	for (uint16_t p = 0; p < 10; p++)
		account(0, udp6(1, 2, p, 1, 20));
	const uint64_t mem_k = (flow_mem(20, 10) + pool_mem() + 256 * 8) >> 10;
	fake::set_jiffies(22515000);	// 1501 min = 1d 1h 1m after the peak
	EXPECT_EQ(line(stats_text(), "Flows:"),
		  "Flows: active 30 (peak 30 reached 1d1h1m ago), mem " + std::to_string(mem_k) +
			  "K, worker delay 25/250 [1..25] (90060000 ms, 0 us, 0:0 [cpu0]).");
	nfc_export(NFC_EXPORT_ALL, 2);	// 20 records in one datagram, 10 lost
	// The 30 records wait in the pools now: the hash and them.
	const std::string pooled_k = std::to_string((pool_mem() + 256 * 8) >> 10);
	EXPECT_EQ(line(stats_text(), "Flows:"),
		  "Flows: active 0 (peak 30 reached 1d1h1m ago), mem " + pooled_k +
			  "K, worker delay 25/250 [1..25] (0 ms, 0 us, 30:0 [cpu2]).");
	fake::set_jiffies(22515000 + 250);
	EXPECT_EQ(line(stats_text(), "Flows:"),
		  "Flows: active 0 (peak 30 reached 1d1h1m ago), mem " + pooled_k +
			  "K, worker delay 25/250 [1..25] (1000 ms, 0 us, 30:0 [cpu2]).");
	EXPECT_EQ(line(stats_text(), "Export:"),
		  "Export: Rate 0 bytes/s; Total 1 pkts, 0 MB, 20 flows; Errors 0 pkts; Traffic lost 10 pkts, 0 Kbytes, 10 flows.");
}

TEST_F(StatsTest, HashLineInHashAndInPdu)
{
	start(1, 256);
	for (int i = 0; i < 3; i++)
		account(0, udp4(A, B, 1, 1, 1000));
	account(0, udp4(A, B, 2, 2, 2048));
	// 4 packets, 5048 bytes = 4 K in the hash.
	EXPECT_EQ(line(stats_text(), "Hash:"),
		  "Hash: size 256 (mem 2K), metric 1.00 [1.00, 1.00, 1.00]. InHash: 4 pkt, 4 K, InPDU 0, 0.");
	fake::set_jiffies(3750);
	nfc_export(NFC_EXPORT_DUE, 0);	// both flows now wait in the datagram
	std::string t = stats_text();
	EXPECT_EQ(line(t, "Hash:"),
		  "Hash: size 256 (mem 2K), metric 1.00 [1.00, 1.00, 1.00]. InHash: 0 pkt, 0 K, InPDU 4, 5048.");
	EXPECT_EQ(line(t, "Export:"),
		  "Export: Rate 0 bytes/s; Total 0 pkts, 0 MB, 0 flows; Errors 0 pkts; Traffic lost 0 pkts, 0 Kbytes, 0 flows.");
	fake::set_jiffies(4000);
	nfc_export(NFC_EXPORT_DUE, 0);
	t = stats_text();
	EXPECT_EQ(line(t, "Hash:"),
		  "Hash: size 256 (mem 2K), metric 1.00 [1.00, 1.00, 1.00]. InHash: 0 pkt, 0 K, InPDU 0, 0.");
	EXPECT_EQ(line(t, "Export:"),
		  "Export: Rate 0 bytes/s; Total 1 pkts, 0 MB, 2 flows; Errors 0 pkts; Traffic lost 0 pkts, 0 Kbytes, 0 flows.");
}

TEST_F(StatsTest, RatesSampledEveryFourSeconds)
{
	nfc_export(NFC_EXPORT_DUE, 0);	// tick 0: the first sample only primes
	fake::set_jiffies(500);
	for (int i = 0; i < 400; i++)
		account(0, udp4(A, B, 1, 1, 100));
	fake::set_jiffies(999);
	nfc_export(NFC_EXPORT_DUE, 0);	// not yet 4 s
	EXPECT_EQ(line(stats_text(), "Rate:"), "Rate: 0 bits/sec, 0 packets/sec; Avg 1 min: 0 bps, 0 pps; 5 min: 0 bps, 0 pps");
	fake::set_jiffies(1000);
	nfc_export(NFC_EXPORT_DUE, 0);
	// 400 packets / 4 s = 100 pps; 40000 bytes * 8 / 4 = 80000 bit/s.
	std::string t = stats_text();
	EXPECT_EQ(line(t, "Rate:"),
		  "Rate: 80000 bits/sec, 100 packets/sec; Avg 1 min: 80000 bps, 100 pps; 5 min: 80000 bps, 100 pps");
	EXPECT_EQ(line(t, "Total "),
		  "Total    100;      0    399      1 [1.00],    0    0    0    0, traffic: 400, 0 MB, drop: 0, 0 K");
	EXPECT_EQ(line(t, "Hash:"),
		  "Hash: size 1024 (mem 8K), metric 1.00 [1.00, 1.00, 1.00]. InHash: 400 pkt, 39 K, InPDU 0, 0.");
	EXPECT_EQ(line(snmp_text(), "inBitRate"), "inBitRate    80000");
	EXPECT_EQ(line(snmp_text(), "inPacketRate"), "inPacketRate 100");

	fake::set_jiffies(1500);
	nfc_export(NFC_EXPORT_ALL, 0);	// one 72-byte datagram; no sample (500 ticks)
	fake::set_jiffies(2000);
	nfc_export(NFC_EXPORT_DUE, 0);
	// No traffic: pps1 = 89600 / 1024 -> 88, pps5 = 99706 / 1024 -> 97,
	// bps1 = 71680000 / 1024 -> 70000, bps5 = 79764211 / 1024 -> 77895.
	t = stats_text();
	EXPECT_EQ(line(t, "Rate:"),
		  "Rate: 0 bits/sec, 0 packets/sec; Avg 1 min: 70000 bps, 88 pps; 5 min: 77895 bps, 97 pps");
	EXPECT_EQ(line(t, "Total "),
		  "Total      0;      0    399      1 [1.00],    0    0    0    0, traffic: 400, 0 MB, drop: 0, 0 K");
	EXPECT_EQ(line(t, "Export:"),
		  "Export: Rate 18 bytes/s; Total 1 pkts, 0 MB, 1 flows; Errors 0 pkts; Traffic lost 0 pkts, 0 Kbytes, 0 flows.");
	EXPECT_EQ(line(snmp_text(), "outByteRate"), "outByteRate  18");
}

TEST_F(StatsTest, PerCpuPpsCountsDrops)
{
	start(2, 1024);
	nfc_export(NFC_EXPORT_DUE, 0);
	for (int i = 0; i < 8; i++)
		account(1, udp4(A, B, 1, 1, 100));
	for (int i = 0; i < 4; i++)
		account_raw(1, Buf(10, 0x45), 100, NF_FAMILY_IPV4);	// cut: dropped
	fake::set_jiffies(1000);
	nfc_export(NFC_EXPORT_DUE, 0);
	const std::string t = stats_text();
	// cpu1: (8 accounted + 4 dropped) / 4 s = 3; the Rate line only counts
	// accounted packets: 8 / 4 = 2, 800 bytes * 8 / 4 = 1600 bit/s.
	EXPECT_EQ(line(t, "cpu1 "), "cpu1       3;      0      7      1 [1.00],    4    0    0    0, traffic: 8, 0 MB, drop: 4, 0 K");
	EXPECT_EQ(line(t, "cpu0 "), "cpu0       0;" + std::string(zero_cpu_tail));
	EXPECT_EQ(line(t, "Total "), "Total      3;      0      7      1 [1.00],    4    0    0    0, traffic: 8, 0 MB, drop: 4, 0 K");
	EXPECT_EQ(line(t, "Rate:"), "Rate: 1600 bits/sec, 2 packets/sec; Avg 1 min: 1600 bps, 2 pps; 5 min: 1600 bps, 2 pps");
	EXPECT_EQ(line(snmp_text(), "cpu1 "), "cpu1 3 1 8 800 1.00 4 400 4 0 0 0");
}

TEST_F(StatsTest, MetricSamplesAndTheirAverages)
{
	start(2, 1024);
	nfc_export(NFC_EXPORT_DUE, 0);	// primes every CPU's previous counters
	stats(0).searched = 5;	// 10 visits for 5 lookups on cpu0: 2.00
	stats(0).found = 3;
	stats(0).notfound = 2;
	fake::set_jiffies(1000);
	nfc_export(NFC_EXPORT_DUE, 0);
	std::string t = stats_text();
	EXPECT_EQ(line(t, "Hash:"),
		  "Hash: size 1024 (mem 8K), metric 2.00 [2.00, 2.00, 2.00]. InHash: 0 pkt, 0 K, InPDU 0, 0.");
	EXPECT_EQ(line(t, "cpu0 "), "cpu0       0;      5      3      2 [2.00],    0    0    0    0, traffic: 0, 0 MB, drop: 0, 0 K");
	EXPECT_EQ(line(t, "cpu1 "), "cpu1       0;" + std::string(zero_cpu_tail));
	EXPECT_EQ(line(t, "Total "), "Total      0;      5      3      2 [2.00],    0    0    0    0, traffic: 0, 0 MB, drop: 0, 0 K");

	fake::set_jiffies(2000);	// no lookups in this window: a 1.00 sample
	nfc_export(NFC_EXPORT_DUE, 0);
	t = stats_text();
	// 1 min: 204800 - 102400 * 2 / 16 = 192000 -> 1.88; 5 min: - 2694 ->
	// 1.97; 15 min: - 906 -> 1.99.  The Total line stays cumulative.
	EXPECT_EQ(line(t, "Hash:"),
		  "Hash: size 1024 (mem 8K), metric 1.00 [1.88, 1.97, 1.99]. InHash: 0 pkt, 0 K, InPDU 0, 0.");
	EXPECT_EQ(line(t, "cpu0 "), "cpu0       0;      5      3      2 [1.88],    0    0    0    0, traffic: 0, 0 MB, drop: 0, 0 K");
	EXPECT_EQ(line(t, "Total "), "Total      0;      5      3      2 [2.00],    0    0    0    0, traffic: 0, 0 MB, drop: 0, 0 K");
	const std::string s = snmp_text();
	EXPECT_EQ(line(s, "hashMetric"), "hashMetric   2.00");
	EXPECT_EQ(line(s, "cpu0 "), "cpu0 0 2 0 0 1.88 0 0 0 0 0 0");
	EXPECT_EQ(line(s, "cpu1 "), "cpu1 0 0 0 0 1.00 0 0 0 0 0 0");
}

TEST_F(StatsTest, ResetZeroesTheCounters)
{
	account(0, udp4(A, B, 1, 1, 100));
	account(0, udp4(A, B, 1, 1, 100));
	account(0, udp4(A, B, 2, 2, 100));
	nfc_export(NFC_EXPORT_ALL, 0);
	account(0, udp4(A, B, 3, 3, 300));	// stays cached across the reset
	nfc_reset_stats();
	std::string t = stats_text();
	EXPECT_EQ(line(t, "Total "), "Total      0;" + std::string(zero_cpu_tail));
	EXPECT_EQ(line(t, "Export:"),
		  "Export: Rate 0 bytes/s; Total 0 pkts, 0 MB, 0 flows; Errors 0 pkts; Traffic lost 0 pkts, 0 Kbytes, 0 flows.");
	EXPECT_EQ(line(t, "Hash:"),
		  "Hash: size 1024 (mem 8K), metric 1.00 [1.00, 1.00, 1.00]. InHash: 0 pkt, 0 K, InPDU 0, 0.");
	EXPECT_EQ(line(t, "Flows:").substr(0, 36), "Flows: active 1 (peak 1 reached 0d0h");

	// The cached flow leaves after the reset: more out than in, shown as 0.
	nfc_export(NFC_EXPORT_ALL, 0);
	t = stats_text();
	EXPECT_EQ(line(t, "Hash:"),
		  "Hash: size 1024 (mem 8K), metric 1.00 [1.00, 1.00, 1.00]. InHash: 0 pkt, 0 K, InPDU 0, 0.");
	EXPECT_EQ(line(snmp_text(), "hashPackets"), "hashPackets  0");
	EXPECT_EQ(line(snmp_text(), "hashBytes"), "hashBytes    0");
	EXPECT_EQ(line(t, "Export:"),
		  "Export: Rate 0 bytes/s; Total 1 pkts, 0 MB, 1 flows; Errors 0 pkts; Traffic lost 0 pkts, 0 Kbytes, 0 flows.");
}

TEST_F(StatsTest, ResetAlsoForgetsPerCpuRates)
{
	// BUG: nfc_reset_stats() (kmod/core/export/exporter.cpp) zeroes the CPU
	// counters and Exporter::reset_stats() the RateMeter, but not
	// Exporter::cpu_rates[]: each CPU's last pps and its 1-min metric EWMA
	// survive the reset.  Right after flush=2 the Rate line says 0 packets/sec
	// while "Total" (the sum of the per-CPU pps) and the cpuN lines and
	// ipt_netflow_snmp cpuN rows still show the old rate and metric, until
	// the second 4-s sample after the reset (the first one only primes).
	// Expected: cpu_rates[] zeroed with the rest.
	start(2, 1024);
	nfc_export(NFC_EXPORT_DUE, 0);
	for (int i = 0; i < 400; i++)
		account(1, udp4(A, B, 1, 1, 100));
	stats(0).searched = 5;
	stats(0).found = 3;
	stats(0).notfound = 2;
	fake::set_jiffies(1000);
	nfc_export(NFC_EXPORT_DUE, 0);
	ASSERT_EQ(line(stats_text(), "cpu1 ").substr(0, 13), "cpu1     100;");
	nfc_reset_stats();
	const std::string t = stats_text();
	EXPECT_EQ(line(t, "Rate:"), "Rate: 0 bits/sec, 0 packets/sec; Avg 1 min: 0 bps, 0 pps; 5 min: 0 bps, 0 pps");
	EXPECT_EQ(line(t, "Total "), "Total      0;" + std::string(zero_cpu_tail));	// "Total    100;"
	EXPECT_EQ(line(t, "cpu0 "), "cpu0       0;" + std::string(zero_cpu_tail));	// "[2.00]"
	EXPECT_EQ(line(t, "cpu1 "), "cpu1       0;" + std::string(zero_cpu_tail));	// "cpu1     100;"
	EXPECT_EQ(line(snmp_text(), "cpu1 "), "cpu1 0 0 0 0 1.00 0 0 0 0 0 0");
}

TEST_F(StatsTest, CutAtCapacity)
{
	std::unique_ptr<char[]> ten(new char[10]);	// exact size: ASan sees an overrun
	EXPECT_EQ(nfc_format_stats(ten.get(), 10, "X"), 10u);
	EXPECT_EQ(std::string(ten.get(), 10), "ipt_NETFLO");
	EXPECT_EQ(nfc_format_stats(nullptr, 0, "X"), 0u);
	std::unique_ptr<char[]> five(new char[5]);
	EXPECT_EQ(nfc_format_snmp(five.get(), 5, 0), 5u);
	EXPECT_EQ(std::string(five.get(), 5), "inBit");
}

// ============================================================================
// nfc_format_snmp
// ============================================================================

TEST_F(StatsTest, SnmpRowsExact)
{
	start(2, 1024);	// 512 buckets each
	// cpu0: flow A 3 x 1000; IPv6 flow 2 x 100.
	for (int i = 0; i < 3; i++)
		account(0, udp4(A, B, 1, 1, 1000));
	account(0, udp6(1, 2, 5, 5, 60));
	account(0, udp6(1, 2, 5, 5, 60));
	// cpu1: a slab failure of 700 (its first flow: the pool is empty);
	// flow C 1 x 500; a cut packet of 300.
	fake::fail_slab_allocs(1);
	account(1, udp4(A, B, 4, 4, 700));
	account(1, udp4(A, B, 3, 3, 500));
	account_raw(1, Buf(10, 0x45), 300, NF_FAMILY_IPV4);

	const uint64_t mem = flow_mem(2, 1) + pool_mem() + 1024 * 8;
	std::string expected =
		"inBitRate    0\n"
		"inPacketRate 0\n"
		"inFlows      4\n"
		"inPackets    6\n"
		"inBytes      3700\n"
		"hashMetric   1.00\n"
		"hashMemory   " + std::to_string(mem) + "\n"
		"hashFlows    3\n"
		"hashPackets  6\n"
		"hashBytes    3700\n"
		"dropPackets  2\n"
		"dropBytes    1000\n"
		"outByteRate  0\n"
		"outFlows     0\n"
		"outPackets   0\n"
		"outBytes     0\n"
		"lostFlows    0\n"
		"lostPackets  0\n"
		"lostBytes    0\n"
		"errTotal     7\n"
		"natStarts    0\n"
		"natStops     0\n"
		"natLost      0\n"
		"natOverruns  0\n"
		"natMalformed 0\n"
		"natIgnored   0\n"
		"cpu0 0 2 5 3200 1.00 0 0 0 0 0 0\n"
		"cpu1 0 2 1 500 1.00 2 1000 1 0 1 0\n";
	EXPECT_EQ(snmp_text(7), expected);

	nfc_export(NFC_EXPORT_ALL, 0);	// A and C in one 120-byte datagram; the IPv6 flow is lost
	expected =
		"inBitRate    0\n"
		"inPacketRate 0\n"
		"inFlows      4\n"
		"inPackets    6\n"
		"inBytes      3700\n"
		"hashMetric   1.00\n"
		"hashMemory   " + std::to_string(8192 + pool_mem()) + "\n"	// the hash and the pooled records
		"hashFlows    0\n"
		"hashPackets  0\n"
		"hashBytes    0\n"
		"dropPackets  2\n"
		"dropBytes    1000\n"
		"outByteRate  0\n"
		"outFlows     2\n"
		"outPackets   1\n"
		"outBytes     120\n"
		"lostFlows    1\n"
		"lostPackets  2\n"
		"lostBytes    200\n"
		"errTotal     0\n"
		"natStarts    0\n"
		"natStops     0\n"
		"natLost      0\n"
		"natOverruns  0\n"
		"natMalformed 0\n"
		"natIgnored   0\n"
		"cpu0 0 2 5 3200 1.00 0 0 0 0 0 0\n"
		"cpu1 0 2 1 500 1.00 2 1000 1 0 1 0\n";
	EXPECT_EQ(snmp_text(0), expected);

	fake::set_send_result(0);	// no destination takes the next one
	account(1, udp4(A, B, 5, 5, 64));
	nfc_export(NFC_EXPORT_ALL, 0);
	const std::string s = snmp_text(5);
	EXPECT_EQ(line(s, "errTotal"), "errTotal     6");	// 1 + the glue's 5
	EXPECT_EQ(line(s, "lostFlows"), "lostFlows    2");
	EXPECT_EQ(line(s, "lostPackets"), "lostPackets  3");
	EXPECT_EQ(line(s, "lostBytes"), "lostBytes    264");
	EXPECT_EQ(line(s, "outPackets"), "outPackets   1");
	EXPECT_EQ(line(s, "inFlows"), "inFlows      5");
	EXPECT_EQ(line(s, "inBytes"), "inBytes      3764");
	EXPECT_EQ(line(s, "cpu1 "), "cpu1 0 3 2 564 1.00 2 1000 1 0 1 0");
}

// Issue 20 item 7: NAT event loss shows in /proc and in the snmp rows;
// an overrun counts as one overrun, the events it cost as lost.
TEST_F(StatsTest, NatLossIsShown)
{
	netflow::g_core->nat_stats.starts = 5;
	netflow::g_core->nat_stats.stops = 4;
	netflow::g_core->nat_stats.malformed = 3;
	netflow::g_core->nat_stats.ignored = 2;
	nfc_nat_overrun();
	nfc_nat_lost(37);	// the socket's drop count moved by 37
	EXPECT_EQ(line(stats_text(), "Natevents"),
		  "Natevents disabled, count start 5, stop 4; lost 37 (overruns 1), malformed 3, ignored 2.");
	const std::string snmp = snmp_text();
	EXPECT_EQ(line(snmp, "natStarts"), "natStarts    5");
	EXPECT_EQ(line(snmp, "natStops"), "natStops     4");
	EXPECT_EQ(line(snmp, "natLost"), "natLost      37");
	EXPECT_EQ(line(snmp, "natOverruns"), "natOverruns  1");
	EXPECT_EQ(line(snmp, "natMalformed"), "natMalformed 3");
	EXPECT_EQ(line(snmp, "natIgnored"), "natIgnored   2");
}

// Issue 20 item 8: a bucket whose lines exceed the caller's buffer is shown
// whole, a chunk at a time, lines never cut and numbered without a gap.
TEST_F(StatsTest, FlowsViewShowsALongBucketWhole)
{
	start(1, 256);	// 256 buckets: 3000 flows, ~12 per bucket
	for (uint16_t i = 0; i < 3000; i++)
		account(0, udp4(A, B, 1, uint16_t(1000 + i), 100));
	const uint32_t buckets = nfc_flow_buckets(0);
	uint32_t seq = 0, longest = 0, lines_seen = 0;
	std::vector<char> buf(300);	// one line fits, two may not
	for (uint32_t b = 0; b < buckets; b++) {
		uint32_t cursor = 0, in_bucket = 0;
		size_t n;
		while ((n = nfc_format_flows_bucket(0, b, &cursor, &seq, buf.data(), buf.size())) != 0) {
			ASSERT_LE(n, buf.size());
			const std::string text(buf.data(), n);
			ASSERT_EQ(text.back(), '\n') << "a line was cut";
			for (const auto& l : lines(text)) {
				EXPECT_EQ(l.substr(0, l.find(' ')), std::to_string(lines_seen)) << l;
				lines_seen++;
				in_bucket++;
			}
		}
		EXPECT_EQ(cursor, in_bucket);
		longest = std::max(longest, in_bucket);
	}
	EXPECT_EQ(lines_seen, 3000u);
	EXPECT_EQ(seq, 3000u);
	EXPECT_GT(longest, 1u);
	// Too small for one line: nothing, and no partial line.
	uint32_t cursor = 0, s2 = 0;
	EXPECT_EQ(nfc_format_flows_bucket(0, 0, &cursor, &s2, buf.data(), 20), 0u);
	EXPECT_EQ(cursor, 0u);
}

// The original's sampler line: flows discarded only where they are known.
TEST_F(StatsTest, SamplerLine)
{
	uint32_t pos = 0;
	const char* reason = nullptr;
	ASSERT_EQ(nfc_set_sampler("deterministic:10", &pos, &reason), 0);
	EXPECT_EQ(line(stats_text(), "Flow sampling"),
		  "Flow sampling mode deterministic one-out-of 10. Flows selected 0, discarded 0. Pkts selected 0, discarded 0.");
	ASSERT_EQ(nfc_set_sampler("hash:16383", &pos, &reason), 0);
	EXPECT_EQ(line(stats_text(), "Flow sampling"),
		  "Flow sampling mode hash one-out-of 16383. Flows selected 0. Pkts selected 0, discarded 0.");
	ASSERT_EQ(nfc_set_sampler("off", &pos, &reason), 0);
	EXPECT_EQ(line(stats_text(), "Flow sampling"), "Flow sampling is disabled.");
}
