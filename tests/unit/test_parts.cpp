// SPDX-License-Identifier: GPL-2.0
// One record per flow across CPUs (kmod/core/flow/parts.hpp, fold.hpp): a
// flow whose packets were metered on several CPUs leaves as one v5 record
// per interval.  Packets are accounted on chosen CPUs with nfc_account(),
// exported with nfc_export(), and the datagrams read back.  Expected values
// are worked out by hand (HZ 250: 1 tick = 4 ms; inactive 15 s = 3750
// ticks; a partial datagram waits min(inactive, 1 s) = 250 ticks).
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "core/core.hpp"
#include "core_defaults.hpp"
#include "core_fixture.hpp"
#include "fake_platform.hpp"
#include "netflow/abi.h"
#include "packet_builder.hpp"

namespace {

using namespace testpkt;

struct Rec {
	uint32_t src, dst, nexthop;
	uint16_t input, output;
	uint32_t pkts, octets, first, last;
	uint16_t sport, dport;
	uint8_t tcp_flags, proto;
};

std::vector<Rec> records()
{
	std::vector<Rec> out;
	for (const Buf& d : fake::sent()) {
		EXPECT_EQ(be16(&d[0]), 5);
		const size_t n = be16(&d[2]);
		for (size_t i = 0; i < n; i++) {
			const uint8_t* r = &d[24 + 48 * i];
			out.push_back(Rec{be32(r), be32(r + 4), be32(r + 8), be16(r + 12), be16(r + 14), be32(r + 16),
					  be32(r + 20), be32(r + 24), be32(r + 28), be16(r + 32), be16(r + 34), r[37],
					  r[38]});
		}
	}
	return out;
}

uint32_t nr_flows() { return netflow::g_core->nr_flows; }
uint32_t cached_on(unsigned cpu) { return netflow::g_core->cpus[cpu]->flows(); }

// Exports what is due at tick `t`, then what waits in a partial datagram.
void export_due_at(uint64_t t)
{
	fake::set_jiffies(t);
	nfc_export(NFC_EXPORT_DUE, 0);
	fake::set_jiffies(t + 250);
	nfc_export(NFC_EXPORT_DUE, 0);
}

class Parts : public CoreFixture {
protected:
	void SetUp() override { reinit(4); }
	void reinit(uint32_t cpus) { start(cpus, 4096); }
};

const uint32_t A = ip4(10, 0, 0, 1);
const uint32_t B = ip4(10, 0, 0, 2);

} // namespace

TEST_F(Parts, CountersAddUpIntoOneRecord)
{
	const Packet p = udp4(A, B, 1000, 53, 120);
	account(0, p);
	account(0, p);
	account(1, p);
	account(3, p);
	account(3, p);
	account(3, p);
	EXPECT_EQ(nr_flows(), 3u);	// three parts while cached
	export_due_at(3750);
	const auto r = records();
	ASSERT_EQ(r.size(), 1u);
	EXPECT_EQ(r[0].pkts, 6u);
	EXPECT_EQ(r[0].octets, 720u);
	EXPECT_EQ(nr_flows(), 0u);
	EXPECT_EQ(netflow::g_core->exporter.stats.flows, 1u);
	EXPECT_EQ(netflow::g_core->exporter.stats.out_pkts, 6u);
}

TEST_F(Parts, FirstIsEarliestLastIsLatestFlagsOredNonKeyFromFirstPacket)
{
	fake::set_jiffies(100);
	fake::set_route_nexthop_v4(192, 0, 2, 1);
	account(1, tcp4(A, B, 40000, 80, 0x02, 60), 5, 7);	// SYN on CPU 1
	fake::set_jiffies(200);
	fake::set_route_nexthop_v4(192, 0, 2, 2);
	account(0, tcp4(A, B, 40000, 80, 0x10, 52), 5, 8);	// ACK on CPU 0: a new part
	fake::set_jiffies(300);
	account(1, tcp4(A, B, 40000, 80, 0x18, 500), 5, 8);	// PSH|ACK on CPU 1
	fake::set_jiffies(400);
	account(0, tcp4(A, B, 40000, 80, 0x11, 52), 5, 8);	// FIN|ACK on CPU 0
	export_due_at(400 + 3750);
	const auto r = records();
	ASSERT_EQ(r.size(), 1u);
	EXPECT_EQ(r[0].pkts, 4u);
	EXPECT_EQ(r[0].octets, 60u + 52 + 500 + 52);
	EXPECT_EQ(r[0].first, 400u);	// tick 100 = 400 ms
	EXPECT_EQ(r[0].last, 1600u);	// tick 400
	EXPECT_EQ(r[0].tcp_flags, 0x1b);	// SYN|FIN|PSH|ACK
	EXPECT_EQ(r[0].input, 5);
	EXPECT_EQ(r[0].output, 7);	// the first packet's
	EXPECT_EQ(r[0].nexthop, ip4(192, 0, 2, 1));
	EXPECT_EQ(nr_flows(), 0u);
}

TEST_F(Parts, SameRulesWhicheverPartLeavesFirst)
{
	// As above with the CPUs swapped: CPU 0's part (visited first) is
	// the later one.
	fake::set_jiffies(100);
	fake::set_route_nexthop_v4(192, 0, 2, 1);
	account(2, tcp4(A, B, 40000, 80, 0x02, 60), 5, 7);
	fake::set_jiffies(200);
	fake::set_route_nexthop_v4(192, 0, 2, 2);
	account(0, tcp4(A, B, 40000, 80, 0x10, 52), 5, 8);
	export_due_at(200 + 3750);
	const auto r = records();
	ASSERT_EQ(r.size(), 1u);
	EXPECT_EQ(r[0].pkts, 2u);
	EXPECT_EQ(r[0].first, 400u);
	EXPECT_EQ(r[0].last, 800u);
	EXPECT_EQ(r[0].tcp_flags, 0x12);
	EXPECT_EQ(r[0].output, 7);
	EXPECT_EQ(r[0].nexthop, ip4(192, 0, 2, 1));
}

TEST_F(Parts, InactiveIsJudgedOnTheLastPacketOnAnyCpu)
{
	const Packet p = udp4(A, B, 1000, 53, 100);
	account(0, p);	// tick 0
	account(1, p);
	fake::set_jiffies(3000);
	account(1, p);	// the flow is alive on CPU 1
	// CPU 0's part is idle at 3750, but the flow is not: nothing leaves,
	// the part joins CPU 1's.
	export_due_at(3750);
	EXPECT_TRUE(records().empty());
	EXPECT_EQ(cached_on(0), 0u);
	EXPECT_EQ(cached_on(1), 1u);
	EXPECT_EQ(nr_flows(), 1u);
	// Not due before 3000 + 3750 (judged on CPU 1's last packet).
	export_due_at(6749 - 250);
	EXPECT_TRUE(records().empty());
	export_due_at(6750);
	const auto r = records();
	ASSERT_EQ(r.size(), 1u);
	EXPECT_EQ(r[0].pkts, 3u);
	EXPECT_EQ(r[0].octets, 300u);
	EXPECT_EQ(r[0].first, 0u);
	EXPECT_EQ(r[0].last, 12000u);
	EXPECT_EQ(nr_flows(), 0u);
}

TEST_F(Parts, ActiveTimeoutCountsFromTheFlowsFirstPacketOnAnyCpu)
{
	ASSERT_EQ(nfc_set(NFC_ACTIVE_TIMEOUT, 20), 0);	// 5000 ticks
	const Packet p = udp4(A, B, 1000, 53, 100);
	account(0, p);	// tick 0: the flow's first packet
	fake::set_jiffies(2000);
	account(1, p);
	fake::set_jiffies(3750);
	account(1, p);
	nfc_export(NFC_EXPORT_DUE, 0);	// CPU 0's part joins CPU 1's
	EXPECT_EQ(nr_flows(), 1u);
	fake::set_jiffies(5000);	// 20 s after tick 0, 15 s after CPU 1's first
	account(1, p);
	export_due_at(5000);
	const auto r = records();
	ASSERT_EQ(r.size(), 1u);
	EXPECT_EQ(r[0].pkts, 4u);
	EXPECT_EQ(r[0].first, 0u);
	EXPECT_EQ(r[0].last, 20000u);
	EXPECT_EQ(nr_flows(), 0u);
	// The next packet starts the next interval's record.
	fake::set_jiffies(5001);
	account(0, p);
	EXPECT_EQ(nr_flows(), 1u);
}

TEST_F(Parts, AnActiveTimeoutTakesThePartsOnOtherCpus)
{
	ASSERT_EQ(nfc_set(NFC_ACTIVE_TIMEOUT, 20), 0);
	const Packet p = udp4(A, B, 1000, 53, 100);
	account(0, p);
	fake::set_jiffies(4000);
	account(1, p);
	fake::set_jiffies(5000);
	account(0, p);	// CPU 0's part reaches the active timeout
	nfc_export(NFC_EXPORT_DUE, 0);
	fake::set_jiffies(5250);
	nfc_export(NFC_EXPORT_DUE, 0);
	const auto r = records();
	ASSERT_EQ(r.size(), 1u);
	EXPECT_EQ(r[0].pkts, 3u);
	EXPECT_EQ(r[0].last, 20000u);
	EXPECT_EQ(nr_flows(), 0u);
}

TEST_F(Parts, DifferentFlowsStaySeparate)
{
	ASSERT_EQ(nfc_set(NFC_PROTOCOL, 10), 0);	// IPv6 needs v9/IPFIX
	account(0, udp4(A, B, 1, 2));
	account(1, udp4(A, B, 1, 3));
	account(1, udp4(B, A, 2, 1));	// the other direction
	account(2, udp4(A, B, 1, 2), 9);	// another input interface
	account(3, udp6(1, 2, 1, 2, 60));
	account(2, udp6(1, 2, 1, 2, 60));
	export_due_at(3750);
	EXPECT_EQ(netflow::g_core->exporter.stats.flows, 5u);	// the two IPv6 parts join
	EXPECT_EQ(nr_flows(), 0u);
}

TEST_F(Parts, FlushJoinsPartsToo)
{
	const Packet p = udp4(A, B, 1000, 53, 100);
	for (unsigned c = 0; c < 4; c++)
		account(c, p);
	nfc_export(NFC_EXPORT_ALL, 0);
	const auto r = records();
	ASSERT_EQ(r.size(), 1u);
	EXPECT_EQ(r[0].pkts, 4u);
	EXPECT_EQ(nr_flows(), 0u);
}

TEST_F(Parts, V5PartsThatWouldWrapTheByteCounterLeaveApart)
{
	// Each part just under v5's limit (0xffff0000 bytes): together they
	// would pass it, so they leave as two records.
	const Packet p = udp4(A, B, 1000, 53, 65000);
	const uint32_t each = 0x7fff8000u / 65000 + 1;
	for (uint32_t i = 0; i < each; i++) {
		account(0, p);
		account(1, p);
	}
	export_due_at(3750);
	const auto r = records();
	ASSERT_EQ(r.size(), 2u);
	EXPECT_EQ(r[0].pkts, each);
	EXPECT_EQ(r[1].pkts, each);
}
