// SPDX-License-Identifier: GPL-2.0
// Flow tables that follow their CPU's load: the sizing rule (sizing.hpp),
// the incremental resize (table.hpp) under packets, refills and expiry, and
// the exporter driving it (resize.hpp).  Expected sizes are worked out from
// the rule (grow above 2 flows a chain, shrink below 1, each to 1.4 flows a
// chain: flows * 5 / 7, never below the CPU's share of hashsize).
#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <random>
#include <set>

#include "core/core.hpp"
#include "core/flow/cpu_lock.hpp"
#include "core/flow/sizing.hpp"
#include "core_defaults.hpp"
#include "core_fixture.hpp"
#include "fake_platform.hpp"
#include "netflow/abi.h"
#include "packet_builder.hpp"
#include "table_ops.hpp"

namespace {

using namespace testpkt;
using netflow::TableSizing;

using tableops::cache;
using tableops::flow_packet;

const netflow::CpuStats& stats(unsigned cpu) { return cache(cpu).stats; }

void expect_each_flow_chained_once(unsigned cpu) { EXPECT_EQ(tableops::check_chains(cpu), ""); }

// The "Hash:" line of /proc/net/stat/ipt_netflow, up to "metric".
std::string hash_line()
{
	std::string buf(16384, '\0');
	buf.resize(nfc_format_stats(buf.data(), buf.size(), "x"));
	const size_t at = buf.find("Hash: ");
	return at == std::string::npos ? "" : buf.substr(at, buf.find(", metric", at) - at);
}

// Runs the exporter (due flows only) until it stops asking to come back.
int export_until_idle()
{
	int runs = 1;
	while (nfc_export(NFC_EXPORT_DUE, 0) == 0)
		runs++;
	return runs;
}

class TableTest : public CoreFixture {};

} // namespace

// ---- the rule ----------------------------------------------------------------

TEST(TableSizing, GrowsAboveTwoFlowsAChainAndShrinksBelowOne)
{
	const TableSizing s = TableSizing::make(1024, 0);
	EXPECT_EQ(s.want(0, 1024), 1024u);		// at its floor
	EXPECT_EQ(s.want(2048, 1024), 1024u);		// 2 a chain: stays
	EXPECT_EQ(s.want(2049, 1024), 1463u);		// 2049 * 5 / 7
	EXPECT_EQ(s.want(1463, 1463), 1463u);		// in [1, 2]: stays
	EXPECT_EQ(s.want(2926, 1463), 1463u);
	EXPECT_EQ(s.want(1462, 1463), 1044u);		// below 1: 1462 * 5 / 7
	EXPECT_EQ(s.want(100, 1463), 1024u);		// not below the floor
	EXPECT_EQ(s.want(1000000, 1024), 714285u);
}

TEST(TableSizing, AResizeLeavesRoomBothWays)
{
	// After a resize the load is 1.4: a third more or fewer flows before
	// the next one, so a count that wobbles at a threshold does not flap.
	const TableSizing s = TableSizing::make(64, 0);
	for (uint32_t flows : {1000u, 77777u, 3000000u}) {
		const uint32_t n = s.want(flows, 64);
		EXPECT_EQ(s.want(flows + 1, n), n) << flows;
		EXPECT_EQ(s.want(flows - 1, n), n) << flows;
		EXPECT_EQ(s.want(flows * 13 / 10, n), n) << flows;
		EXPECT_EQ(s.want(flows * 3 / 4, n), n) << flows;
	}
}

TEST(TableSizing, CeilingFromMaxflowsAndTheLargestArray)
{
	EXPECT_EQ(TableSizing::make(1024, 5000).want(100000, 1024), 5000u);	// no more chains than flows can be
	EXPECT_EQ(TableSizing::make(1024, 5000).want(100000, 5000), 5000u);
	EXPECT_EQ(TableSizing::make(8192, 5000).want(100000, 8192), 8192u);	// the share stands
	EXPECT_EQ(TableSizing::make(64, 0).want(0xffffffffu, 64), TableSizing::max_chains);
	// A share above the ceiling (hashsize set high) is kept as it is.
	EXPECT_EQ(TableSizing::make(1u << 20, 1000).want(10, 1u << 20), 1u << 20);
}

// ---- shares ---------------------------------------------------------------

TEST_F(TableTest, CpusThatAreNotOnlineStartWithTheLeast)
{
	// A guest sized for CPU hot-add: 4 possible CPUs, 1 online.  The online
	// one gets all of hashsize, the others 64 buckets each.
	for (unsigned c = 1; c < 4; c++)
		fake::set_cpu_online(c, false);
	start(4, 4096);
	EXPECT_EQ(cache(0).buckets(), 4096u);
	for (unsigned c = 1; c < 4; c++)
		EXPECT_EQ(cache(c).buckets(), 64u) << c;
	// A CPU that comes online later has its share at the next write.
	fake::set_cpu_online(2, true);
	ASSERT_EQ(nfc_resize(8192), 0);
	EXPECT_EQ(cache(0).buckets(), 4096u);	// 8192 / 2 online
	EXPECT_EQ(cache(1).buckets(), 64u);
	EXPECT_EQ(cache(2).buckets(), 4096u);
	EXPECT_EQ(cache(3).buckets(), 64u);
	EXPECT_EQ(nfc_hashsize(), 8192u);
}

TEST_F(TableTest, AFailedHashsizeWriteKeepsEveryShare)
{
	start(2, 512);
	for (uint32_t n = 0; n < 1000; n++)
		account(0, flow_packet(n));
	fake::fail_large_allocs(1);
	EXPECT_EQ(nfc_resize(4096), NF_ENOMEM);
	EXPECT_EQ(nfc_hashsize(), 512u);
	EXPECT_EQ(cache(0).floor, 256u);
	EXPECT_EQ(cache(1).buckets(), 256u);
	for (uint32_t n = 0; n < 1000; n++)
		account(0, flow_packet(n));
	EXPECT_EQ(stats(0).found, 1000u);
}

// ---- resize under packets -------------------------------------------------

TEST_F(TableTest, TheExporterGrowsABusyCpusTableAndLeavesTheIdleOne)
{
	start(2, 512);	// 256 chains a CPU
	const long arrays = fake::large_allocs_live();
	for (uint32_t n = 0; n < 5000; n++)
		account(0, flow_packet(n));
	ASSERT_EQ(stats(0).notfound, 5000u);
	EXPECT_EQ(cache(0).buckets(), 256u);
	EXPECT_EQ(hash_line(), "Hash: size 512 (mem 4K)");
	export_until_idle();
	EXPECT_EQ(cache(0).buckets(), 3571u);	// 5000 * 5 / 7
	EXPECT_EQ(hash_line(), "Hash: size 3827 (mem 29K)");	// 3571 + 256, 8 B each
	EXPECT_EQ(nfc_hashsize(), 512u);	// the sysctl: what was set
	EXPECT_EQ(cache(1).buckets(), 256u);
	EXPECT_EQ(netflow::g_core->resizes.grown, 1u);
	EXPECT_EQ(fake::large_allocs_live(), arrays);	// the old array is freed
	expect_each_flow_chained_once(0);
	const uint64_t searched = stats(0).searched;
	for (uint32_t n = 0; n < 5000; n++)
		account(0, flow_packet(n));
	EXPECT_EQ(stats(0).found, 5000u);
	EXPECT_EQ(stats(0).notfound, 5000u);
	EXPECT_EQ(netflow::g_core->nr_flows, 5000u);
	// 1.4 flows a chain: a hit passes about 0.7 other flows; in 256 chains
	// it passed about 10.
	EXPECT_LT(stats(0).searched - searched, 5000u);
}

TEST_F(TableTest, AResizeSpreadOverRunsLosesAndDoublesNothing)
{
	start(1, 65536);	// one CPU: 65,536 chains, twice a run's 32,768
	constexpr uint32_t flows = 200000;
	for (uint32_t n = 0; n < flows; n++)
		account(0, flow_packet(n));
	ASSERT_EQ(nfc_export(NFC_EXPORT_DUE, 0), 0u);	// started, half moved: come back
	ASSERT_TRUE(cache(0).resizing());
	EXPECT_EQ(cache(0).buckets(), 142857u);	// 200000 * 5 / 7
	EXPECT_EQ(cache(0).view_chains(), 142857u + 65536u);
	// Both arrays while the flows move: (142857 + 65536) * 8 B = 1628 KiB.
	EXPECT_EQ(hash_line(), "Hash: size 142857 (mem 1628K)");
	expect_each_flow_chained_once(0);
	// Packets of every flow, and new flows, between the two halves.
	for (uint32_t n = 0; n < flows + 1000; n++)
		account(0, flow_packet(n));
	EXPECT_EQ(stats(0).found, flows);
	EXPECT_EQ(stats(0).notfound, flows + 1000);
	EXPECT_NE(nfc_export(NFC_EXPORT_DUE, 0), 0u);	// the rest moved
	EXPECT_FALSE(cache(0).resizing());
	expect_each_flow_chained_once(0);
	for (uint32_t n = 0; n < flows + 1000; n++)
		account(0, flow_packet(n));
	EXPECT_EQ(stats(0).found, 2 * flows + 1000);
	EXPECT_EQ(netflow::g_core->nr_flows, flows + 1000);
}

TEST_F(TableTest, TablesShrinkBackToTheirShareWhenTheFlowsLeave)
{
	start(2, 512);
	const long arrays = fake::large_allocs_live();
	for (uint32_t n = 0; n < 5000; n++)
		account(1, flow_packet(n));
	export_until_idle();
	ASSERT_EQ(cache(1).buckets(), 3571u);
	while (nfc_export(NFC_EXPORT_ALL, 0) == 0) {
	}
	ASSERT_EQ(netflow::g_core->nr_flows, 0u);
	export_until_idle();
	EXPECT_EQ(cache(1).buckets(), 256u);
	// (It may shrink on the way too, as the flush takes the flows.)
	EXPECT_GE(netflow::g_core->resizes.shrunk, 1u);
	EXPECT_EQ(fake::large_allocs_live(), arrays);
}

TEST_F(TableTest, AFailedAllocationWaitsBeforeTheNextTry)
{
	start(1, 256);
	for (uint32_t n = 0; n < 1000; n++)
		account(0, flow_packet(n));
	fake::fail_large_allocs(1);
	nfc_export(NFC_EXPORT_DUE, 0);
	EXPECT_EQ(netflow::g_core->resizes.no_memory, 1u);
	EXPECT_EQ(cache(0).buckets(), 256u);
	fake::advance_jiffies(9 * 250);	// 9 s at HZ 250: not yet
	nfc_export(NFC_EXPORT_DUE, 0);
	EXPECT_EQ(cache(0).buckets(), 256u);
	fake::advance_jiffies(250);
	nfc_export(NFC_EXPORT_DUE, 0);
	EXPECT_EQ(cache(0).buckets(), 714u);	// 1000 * 5 / 7
	for (uint32_t n = 0; n < 1000; n++)
		account(0, flow_packet(n));
	EXPECT_EQ(stats(0).found, 1000u);
}

TEST_F(TableTest, ARefillInTheMiddleOfAResizeFindsTheFlowsChain)
{
	start(1, 256);
	constexpr uint32_t n = NF_REFILL_BATCH + 1;	// the last one refills again
	for (uint32_t i = 0; i < n - 1; i++)
		account(0, flow_packet(i));
	// While the packet path waits for the slab, a resize starts and moves
	// half the chains: the new flow's chain is then in either array.
	fake::on_next_refill([] {
		auto* fresh = static_cast<netflow::FlowHead**>(nfp_alloc_large(sizeof(void*) * 1000));
		netflow::CpuLockGuard lock(0);
		cache(0).begin_resize(fresh, 1000);
		EXPECT_EQ(cache(0).migrate(128), nullptr);
	});
	account(0, flow_packet(n - 1));
	ASSERT_TRUE(cache(0).resizing());
	expect_each_flow_chained_once(0);
	for (uint32_t i = 0; i < n; i++)
		account(0, flow_packet(i));
	EXPECT_EQ(stats(0).found, n);
	EXPECT_EQ(stats(0).notfound, n);
	netflow::finish_resize(cache(0), 0);
	expect_each_flow_chained_once(0);
}

TEST_F(TableTest, TheHashsizeSysctlWaitsForAResizeUnderWay)
{
	start(1, 65536);
	const long arrays = fake::large_allocs_live();
	for (uint32_t n = 0; n < 200000; n++)
		account(0, flow_packet(n));
	ASSERT_EQ(nfc_export(NFC_EXPORT_DUE, 0), 0u);
	ASSERT_TRUE(cache(0).resizing());
	ASSERT_EQ(nfc_resize(1u << 18), 0);	// above what the load asks
	EXPECT_FALSE(cache(0).resizing());
	EXPECT_EQ(cache(0).buckets(), 1u << 18);
	expect_each_flow_chained_once(0);
	EXPECT_EQ(fake::large_allocs_live(), arrays);
}

// Random programs of tables/table_ops.hpp (packets, expiry, resizes started
// at random sizes and moved by random steps): each hashed flow in exactly
// one chain after every operation; at the end, the exported packets per
// flow equal what was sent.  (tests/fuzz's fuzz_table runs the same with
// libFuzzer's programs.)
TEST_F(TableTest, FuzzedInterleavingKeepsEveryFlowOnce)
{
	for (uint64_t seed = 1; seed <= 20; seed++) {
		fake::reset();
		start(1, 256);
		ASSERT_EQ(nfc_set(NFC_INACTIVE_TIMEOUT, 1), 0);	// 250 ticks
		std::mt19937_64 rng(seed);
		tableops::Program prog;
		for (int op = 0; op < 3000; op++) {
			prog.step(static_cast<uint8_t>(rng()), static_cast<uint32_t>(rng()));
			ASSERT_EQ(tableops::check_chains(0), "") << "seed " << seed << " op " << op;
		}
		while (nfc_export(NFC_EXPORT_ALL, 0) == 0) {
		}
		ASSERT_EQ(tableops::exported_packets(), prog.packets) << "seed " << seed;
		nfc_exit();
	}
}
