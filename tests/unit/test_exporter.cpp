// SPDX-License-Identifier: GPL-2.0
// The exporter under protocol 5: flows accounted with nfc_account(), taken
// by nfc_export(), and the datagrams nfp_send() received read back byte by
// byte here (docs/ORIGINAL.md §4.1 layout).  Expected values are worked out by
// hand from the packets and the fake clocks (HZ 250: 1 tick = 4 ms).
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <set>
#include <vector>

#include "core/core.hpp"
#include "fake_platform.hpp"
#include "netflow/abi.h"
#include "core_defaults.hpp"
#include "core_fixture.hpp"
#include "packet_builder.hpp"

namespace {

using namespace testpkt;	// the packets (tests/common/packet_builder.hpp)

// ---- v5 datagrams, read back ---------------------------------------------------

struct V5Rec {
	uint32_t src, dst, nexthop;
	uint16_t input, output;
	uint32_t pkts, octets, first, last;
	uint16_t sport, dport;
	uint8_t pad1, tcp_flags, proto, tos;
	uint16_t src_as, dst_as;
	uint8_t src_mask, dst_mask;
	uint16_t pad2;
};

struct V5 {
	size_t size;
	uint16_t version, count;
	uint32_t uptime, secs, nsecs, seq;
	uint8_t engine_type, engine_id;
	uint16_t sampling;
	std::vector<V5Rec> recs;
};

V5 parse(const Buf& d)
{
	V5 v{};
	v.size = d.size();
	EXPECT_GE(d.size(), 24u);
	if (d.size() < 24)
		return v;
	v.version = be16(&d[0]);
	v.count = be16(&d[2]);
	v.uptime = be32(&d[4]);
	v.secs = be32(&d[8]);
	v.nsecs = be32(&d[12]);
	v.seq = be32(&d[16]);
	v.engine_type = d[20];
	v.engine_id = d[21];
	v.sampling = be16(&d[22]);
	EXPECT_EQ(v.version, 5);
	EXPECT_LE(v.count, 30);
	EXPECT_EQ(d.size(), 24u + 48u * v.count);
	for (size_t i = 0; i < v.count && 24 + 48 * (i + 1) <= d.size(); i++) {
		const uint8_t* r = &d[24 + 48 * i];
		V5Rec x{};
		x.src = be32(r);
		x.dst = be32(r + 4);
		x.nexthop = be32(r + 8);
		x.input = be16(r + 12);
		x.output = be16(r + 14);
		x.pkts = be32(r + 16);
		x.octets = be32(r + 20);
		x.first = be32(r + 24);
		x.last = be32(r + 28);
		x.sport = be16(r + 32);
		x.dport = be16(r + 34);
		x.pad1 = r[36];
		x.tcp_flags = r[37];
		x.proto = r[38];
		x.tos = r[39];
		x.src_as = be16(r + 40);
		x.dst_as = be16(r + 42);
		x.src_mask = r[44];
		x.dst_mask = r[45];
		x.pad2 = be16(r + 46);
		v.recs.push_back(x);
	}
	return v;
}

std::vector<V5> sent_v5()
{
	std::vector<V5> out;
	for (const Buf& d : fake::sent())
		out.push_back(parse(d));
	return out;
}

const netflow::ExportStats& xstats() { return netflow::g_core->exporter.stats; }
uint32_t nr_flows() { return netflow::g_core->nr_flows; }

// ---- fixture -----------------------------------------------------------------

class ExporterV5 : public CoreFixture {
protected:
	void SetUp() override { start(1, 4096); }
};

const uint32_t A = ip4(10, 0, 0, 1);
const uint32_t B = ip4(10, 0, 0, 2);

} // namespace

TEST_F(ExporterV5, OneRecordByteExact)
{
	fake::set_jiffies(1000);
	fake::set_wallclock(1700000000, 123456789);	// at tick 1000
	start(1, 4096);
	ASSERT_EQ(nfc_set(NFC_ENGINE_ID, 300), 0);	// only the low byte fits: 44
	fake::set_route_nexthop_v4(10, 0, 0, 254);
	const uint32_t s = ip4(192, 168, 0, 1), d = ip4(192, 168, 0, 2);
	account(0, v4(6, s, d, 12345, 80, 60, 0xb8, 0x02), 2, 3);	// SYN at tick 1000
	fake::set_jiffies(1250);
	account(0, v4(6, s, d, 12345, 80, 52, 0xb8, 0x10), 2, 3);	// ACK at tick 1250
	fake::set_jiffies(1500);
	nfc_export(NFC_EXPORT_ALL, 0);

	// clang-format off
	const Buf expected = {
		0x00, 0x05,             // version
		0x00, 0x01,             // count
		0x00, 0x00, 0x17, 0x70, // sys_uptime: tick 1500 = 6000 ms
		0x65, 0x53, 0xf1, 0x02, // unix_secs: 1700000000 + 500 ticks (2 s)
		0x07, 0x5b, 0xcd, 0x15, // unix_nsecs: 123456789 (nanoseconds)
		0x00, 0x00, 0x00, 0x00, // flow_sequence
		0x00,                   // engine_type
		0x2c,                   // engine_id 300 & 0xff
		0x00, 0x00,             // sampling
		0xc0, 0xa8, 0x00, 0x01, // src
		0xc0, 0xa8, 0x00, 0x02, // dst
		0x0a, 0x00, 0x00, 0xfe, // nexthop
		0x00, 0x02,             // input
		0x00, 0x03,             // output
		0x00, 0x00, 0x00, 0x02, // dPkts
		0x00, 0x00, 0x00, 0x70, // dOctets 60 + 52
		0x00, 0x00, 0x0f, 0xa0, // First: tick 1000 = 4000 ms
		0x00, 0x00, 0x13, 0x88, // Last: tick 1250 = 5000 ms
		0x30, 0x39,             // srcport 12345
		0x00, 0x50,             // dstport 80
		0x00,                   // pad1
		0x12,                   // tcp_flags SYN | ACK
		0x06,                   // prot
		0xb8,                   // tos
		0x00, 0x00, 0x00, 0x00, // src_as, dst_as
		0x00, 0x00,             // masks
		0x00, 0x00,             // pad2
	};
	// clang-format on
	const auto sent = fake::sent();
	ASSERT_EQ(sent.size(), 1u);
	EXPECT_EQ(sent[0], expected);
	EXPECT_EQ(xstats().datagrams, 1u);
	EXPECT_EQ(xstats().bytes, 72u);
	EXPECT_EQ(xstats().flows, 1u);
}

TEST_F(ExporterV5, WallClockIsNanoseconds)
{
	fake::set_wallclock(100, 999000000);	// at tick 0
	account(0, udp4(A, B, 1, 1));
	fake::set_jiffies(1);	// + 4 ms: carries into the seconds
	nfc_export(NFC_EXPORT_ALL, 0);
	const auto d = sent_v5();
	ASSERT_EQ(d.size(), 1u);
	EXPECT_EQ(d[0].uptime, 4u);
	EXPECT_EQ(d[0].secs, 101u);
	EXPECT_EQ(d[0].nsecs, 3000000u);	// 3 ms in nanoseconds, not 3000 us
}

TEST_F(ExporterV5, InterfacesProtocolsAndPorts)
{
	account(0, udp4(A, B, 1, 1), -1, -1);	// no devices
	account(0, udp4(A, B, 2, 2), 70000, 65535);	// does not fit / fits exactly
	account(0, udp4(A, B, 3, 3), 0, 65536);
	account(0, v4(1, A, B, 3, 1, 56), 5, 6);	// ICMP port unreachable
	account(0, v4(1, A, B, 8, 0, 84), 5, 6);	// ICMP echo request
	nfc_export(NFC_EXPORT_ALL, 0);
	const auto d = sent_v5();
	ASSERT_EQ(d.size(), 1u);
	ASSERT_EQ(d[0].count, 5);
	const auto& r = d[0].recs;
	EXPECT_EQ(r[0].input, 65535);
	EXPECT_EQ(r[0].output, 65535);
	EXPECT_EQ(r[1].input, 65535);
	EXPECT_EQ(r[1].output, 65535);
	EXPECT_EQ(r[2].input, 0);
	EXPECT_EQ(r[2].output, 65535);
	EXPECT_EQ(r[3].proto, 1);
	EXPECT_EQ(r[3].sport, 0);
	EXPECT_EQ(r[3].dport, 0x0301);
	EXPECT_EQ(r[3].input, 5);
	EXPECT_EQ(r[3].output, 6);
	EXPECT_EQ(r[3].octets, 56u);
	EXPECT_EQ(r[4].dport, 0x0800);
	for (const auto& x : r) {
		EXPECT_EQ(x.src, A);
		EXPECT_EQ(x.dst, B);
		EXPECT_EQ(x.nexthop, 0u);
		EXPECT_EQ(x.pad1, 0);
		EXPECT_EQ(x.pad2, 0);
		EXPECT_EQ(x.src_as, 0);
		EXPECT_EQ(x.dst_as, 0);
		EXPECT_EQ(x.src_mask, 0);
		EXPECT_EQ(x.dst_mask, 0);
		EXPECT_EQ(x.tcp_flags, 0);
		EXPECT_EQ(x.tos, 0);
		EXPECT_EQ(x.pkts, 1u);
	}
}

TEST_F(ExporterV5, NexthopPerFlow)
{
	fake::set_route_nexthop_v4(192, 0, 2, 1);
	account(0, udp4(A, B, 1, 1));
	fake::set_route_nexthop_v4(192, 0, 2, 2);
	account(0, udp4(A, B, 2, 2));
	account(0, udp4(A, B, 1, 1));	// existing flow: keeps 192.0.2.1
	nfc_export(NFC_EXPORT_ALL, 0);
	const auto d = sent_v5();
	ASSERT_EQ(d.size(), 1u);
	ASSERT_EQ(d[0].count, 2);
	EXPECT_EQ(d[0].recs[0].nexthop, ip4(192, 0, 2, 1));
	EXPECT_EQ(d[0].recs[0].pkts, 2u);
	EXPECT_EQ(d[0].recs[1].nexthop, ip4(192, 0, 2, 2));
}

TEST_F(ExporterV5, SixtyFiveFlowsMakeThreeDatagrams)
{
	start(2, 4096);
	std::set<uint16_t> ports;
	for (uint16_t p = 0; p < 65; p++) {
		account(p < 33 ? 0 : 1, udp4(A, B, uint16_t(1000 + p), 53, uint16_t(100 + p)));
		ports.insert(uint16_t(1000 + p));
	}
	fake::set_jiffies(25);
	nfc_export(NFC_EXPORT_ALL, 0);
	auto d = sent_v5();
	ASSERT_EQ(d.size(), 3u);
	const uint16_t counts[] = {30, 30, 5};
	const uint32_t seqs[] = {0, 30, 60};
	const size_t sizes[] = {1464, 1464, 264};
	std::set<uint16_t> seen;
	uint64_t octets = 0;
	for (size_t i = 0; i < 3; i++) {
		EXPECT_EQ(d[i].count, counts[i]);
		EXPECT_EQ(d[i].seq, seqs[i]);
		EXPECT_EQ(d[i].size, sizes[i]);
		EXPECT_EQ(d[i].uptime, 100u);
		for (const auto& r : d[i].recs) {
			seen.insert(r.sport);
			octets += r.octets;
			EXPECT_EQ(r.octets, 100u + (r.sport - 1000u));
		}
	}
	EXPECT_EQ(seen, ports);
	EXPECT_EQ(octets, 65u * 100 + 64u * 65 / 2);	// 6500 + 2080

	for (uint16_t p = 0; p < 7; p++)
		account(1, udp4(A, B, uint16_t(2000 + p), 53));
	nfc_export(NFC_EXPORT_ALL, 0);
	d = sent_v5();
	ASSERT_EQ(d.size(), 4u);
	EXPECT_EQ(d[3].count, 7);
	EXPECT_EQ(d[3].seq, 65u);
	EXPECT_EQ(d[3].size, 360u);
	EXPECT_EQ(xstats().datagrams, 4u);
	EXPECT_EQ(xstats().flows, 72u);
	EXPECT_EQ(xstats().bytes, 3552u);	// 1464 * 2 + 264 + 360
	EXPECT_EQ(xstats().errors, 0u);
}

TEST_F(ExporterV5, FullDatagramLeavesAtOnceThePartOneWaits)
{
	for (uint16_t p = 0; p < 31; p++)
		account(0, udp4(A, B, p, 1));
	fake::set_jiffies(3750);	// all inactive
	nfc_export(NFC_EXPORT_DUE, 0);
	auto d = sent_v5();
	ASSERT_EQ(d.size(), 1u);
	EXPECT_EQ(d[0].count, 30);
	EXPECT_EQ(d[0].seq, 0u);
	EXPECT_EQ(d[0].uptime, 15000u);
	EXPECT_EQ(netflow::g_core->exporter.pending_pkts, 1u);
	fake::set_jiffies(3999);
	nfc_export(NFC_EXPORT_DUE, 0);
	EXPECT_EQ(fake::sent_count(), 1u);
	fake::set_jiffies(4000);
	nfc_export(NFC_EXPORT_DUE, 0);
	d = sent_v5();
	ASSERT_EQ(d.size(), 2u);
	EXPECT_EQ(d[1].count, 1);
	EXPECT_EQ(d[1].seq, 30u);
	EXPECT_EQ(d[1].uptime, 16000u);
	EXPECT_EQ(d[1].recs[0].first, 0u);
	EXPECT_EQ(netflow::g_core->exporter.pending_pkts, 0u);
}

TEST_F(ExporterV5, ShortInactiveTimeoutStillWaitsOneSecondAtMost)
{
	// min(inactive, 1 s): with inactive 1 s both are 250 ticks.
	ASSERT_EQ(nfc_set(NFC_INACTIVE_TIMEOUT, 1), 0);
	account(0, udp4(A, B, 1, 1));
	fake::set_jiffies(250);
	nfc_export(NFC_EXPORT_DUE, 0);
	EXPECT_EQ(nr_flows(), 0u);
	EXPECT_EQ(fake::sent_count(), 0u);
	fake::set_jiffies(499);
	nfc_export(NFC_EXPORT_DUE, 0);
	EXPECT_EQ(fake::sent_count(), 0u);
	fake::set_jiffies(500);
	nfc_export(NFC_EXPORT_DUE, 0);
	EXPECT_EQ(fake::sent_count(), 1u);
}

TEST_F(ExporterV5, ExportAllSendsThePartialDatagram)
{
	account(0, udp4(A, B, 1, 1));
	fake::set_jiffies(3750);
	nfc_export(NFC_EXPORT_DUE, 0);
	EXPECT_EQ(fake::sent_count(), 0u);
	fake::set_jiffies(3751);
	nfc_export(NFC_EXPORT_ALL, 0);	// flush: no waiting
	const auto d = sent_v5();
	ASSERT_EQ(d.size(), 1u);
	EXPECT_EQ(d[0].count, 1);
	EXPECT_EQ(d[0].uptime, 15004u);
}

TEST_F(ExporterV5, NothingToExportSendsNothing)
{
	nfc_export(NFC_EXPORT_DUE, 0);
	nfc_export(NFC_EXPORT_ALL, 0);
	EXPECT_EQ(fake::sent_count(), 0u);
	EXPECT_EQ(xstats().datagrams, 0u);
	EXPECT_EQ(xstats().errors, 0u);
}

TEST_F(ExporterV5, Ipv6FlowsAreLostUnderV5)
{
	account(0, udp6(1, 2, 5353, 5353, 20));	// 60 bytes
	account(0, udp6(1, 2, 5353, 5353, 20));
	account(0, udp6(1, 3, 1, 2, 60));	// 100 bytes
	account(0, udp4(A, B, 7, 7, 100));
	nfc_export(NFC_EXPORT_ALL, 0);
	auto d = sent_v5();
	ASSERT_EQ(d.size(), 1u);
	EXPECT_EQ(d[0].count, 1);
	EXPECT_EQ(d[0].recs[0].sport, 7);
	EXPECT_EQ(xstats().lost_flows, 2u);
	EXPECT_EQ(xstats().lost_pkts, 3u);
	EXPECT_EQ(xstats().lost_bytes, 220u);
	EXPECT_EQ(xstats().flows, 1u);
	EXPECT_EQ(xstats().errors, 0u);
	EXPECT_EQ(xstats().out_pkts, 4u);
	EXPECT_EQ(xstats().out_bytes, 320u);
	EXPECT_EQ(nr_flows(), 0u);

	account(0, udp4(A, B, 8, 8, 100));
	nfc_export(NFC_EXPORT_ALL, 0);
	d = sent_v5();
	ASSERT_EQ(d.size(), 2u);
	EXPECT_EQ(d[1].seq, 1u);	// lost IPv6 flows never reached the wire
}

TEST_F(ExporterV5, SendFailureCountsLossAndTheSequenceMovesOn)
{
	fake::set_send_result(0);
	for (uint16_t p = 0; p < 35; p++) {
		account(0, udp4(A, B, p, 1, 100));
		account(0, udp4(A, B, p, 1, 100));
	}
	EXPECT_EQ(nfc_export(NFC_EXPORT_ALL, 0), 12u);	// 25 / 2 attempts
	auto d = sent_v5();
	ASSERT_EQ(d.size(), 2u);	// handed over, refused
	EXPECT_EQ(d[0].count, 30);
	EXPECT_EQ(d[0].seq, 0u);
	EXPECT_EQ(d[1].count, 5);
	EXPECT_EQ(d[1].seq, 30u);
	EXPECT_EQ(xstats().errors, 2u);
	EXPECT_EQ(xstats().lost_flows, 35u);
	EXPECT_EQ(xstats().lost_pkts, 70u);
	EXPECT_EQ(xstats().lost_bytes, 7000u);
	EXPECT_EQ(xstats().datagrams, 0u);
	EXPECT_EQ(xstats().flows, 0u);
	EXPECT_EQ(xstats().bytes, 0u);
	EXPECT_EQ(xstats().out_pkts, 70u);

	fake::set_send_result(1);
	account(0, udp4(A, B, 100, 1, 100));
	nfc_export(NFC_EXPORT_ALL, 0);
	fake::set_send_result(3);	// three destinations: still one datagram
	account(0, udp4(A, B, 101, 1, 100));
	nfc_export(NFC_EXPORT_ALL, 0);
	d = sent_v5();
	ASSERT_EQ(d.size(), 4u);
	EXPECT_EQ(d[2].seq, 35u);	// the gap shows the loss
	EXPECT_EQ(d[3].seq, 36u);
	EXPECT_EQ(xstats().datagrams, 2u);
	EXPECT_EQ(xstats().flows, 2u);
	EXPECT_EQ(xstats().bytes, 144u);
	EXPECT_EQ(xstats().errors, 2u);
	EXPECT_EQ(xstats().lost_flows, 35u);
}

TEST_F(ExporterV5, WorkerDelayAdapts)
{
	// Starts at HZ/10 = 25; each run divides it by the datagrams it sent,
	// or doubles it when none, kept in [scan_min, max(HZ/10, scan_min)].
	EXPECT_EQ(nfc_export(NFC_EXPORT_DUE, 0), 25u);	// 50 -> 25
	for (uint16_t p = 0; p < 65; p++)
		account(0, udp4(A, B, p, 1));
	EXPECT_EQ(nfc_export(NFC_EXPORT_ALL, 0), 8u);	// 25 / 3
	EXPECT_EQ(nfc_export(NFC_EXPORT_DUE, 0), 16u);
	EXPECT_EQ(nfc_export(NFC_EXPORT_DUE, 0), 25u);	// 32 -> 25
	for (uint16_t p = 0; p < 900; p++)
		account(0, udp4(A, B, p, 1));
	EXPECT_EQ(nfc_export(NFC_EXPORT_ALL, 0), 1u);	// 25 / 30 = 0 -> 1
	EXPECT_EQ(netflow::g_core->exporter.worker.scanned, 900u);
	for (uint32_t want : {2u, 4u, 8u, 16u, 25u, 25u})
		EXPECT_EQ(nfc_export(NFC_EXPORT_DUE, 0), want);
	EXPECT_EQ(netflow::g_core->exporter.worker.scanned, 0u);

	ASSERT_EQ(nfc_set(NFC_SCAN_MIN, 5), 0);
	for (uint16_t p = 0; p < 900; p++)
		account(0, udp4(A, B, p, 1));
	EXPECT_EQ(nfc_export(NFC_EXPORT_ALL, 0), 5u);	// 0 -> 5
	EXPECT_EQ(nfc_export(NFC_EXPORT_DUE, 0), 10u);
	ASSERT_EQ(nfc_set(NFC_SCAN_MIN, 40), 0);	// above HZ/10: the range is [40, 40]
	EXPECT_EQ(nfc_export(NFC_EXPORT_DUE, 0), 40u);
	EXPECT_EQ(nfc_export(NFC_EXPORT_DUE, 3), 40u);
	EXPECT_EQ(netflow::g_core->exporter.worker.cpu, 3u);
	EXPECT_EQ(nfc_set(NFC_SCAN_MIN, 0), NF_EINVAL);
	EXPECT_EQ(nfc_set(NFC_SCAN_MIN, 1001), NF_EINVAL);
}

TEST_F(ExporterV5, TimesAcrossTheJiffiesWrap)
{
	// The packet path stamps the low 32 bits of jiffies; the exporter must
	// age them across the wrap and report uptime from the 64-bit clock.
	const uint64_t wrap = 1ull << 32;
	fake::set_jiffies(wrap - 100);
	start(1, 4096);
	account(0, udp4(A, B, 1, 1));	// now = 0xffffff9c
	fake::set_jiffies(wrap + 50);
	account(0, udp4(A, B, 1, 1));	// now = 50
	fake::set_jiffies(wrap + 3799);	// last + 3749
	nfc_export(NFC_EXPORT_DUE, 0);
	EXPECT_EQ(nr_flows(), 1u);
	fake::set_jiffies(wrap + 3800);	// last + 3750
	nfc_export(NFC_EXPORT_DUE, 0);
	EXPECT_EQ(nr_flows(), 0u);
	nfc_export(NFC_EXPORT_ALL, 0);
	const auto d = sent_v5();
	ASSERT_EQ(d.size(), 1u);
	// (2^32 + 3800) ticks * 4 ms = 17179884384 ms: 15200 in 32 bits.
	EXPECT_EQ(d[0].uptime, 15200u);
	// Wall clock: 1700000000 s + 17179884.384 s.
	EXPECT_EQ(d[0].secs, 1717179884u);
	EXPECT_EQ(d[0].nsecs, 384000000u);
	ASSERT_EQ(d[0].count, 1);
	EXPECT_EQ(d[0].recs[0].first, 4294966896u);	// 4 * (2^32 - 100) mod 2^32
	EXPECT_EQ(d[0].recs[0].last, 200u);	// 4 * (2^32 + 50) mod 2^32
	EXPECT_EQ(d[0].recs[0].pkts, 2u);
}

TEST_F(ExporterV5, RecordTimesFollowThePackets)
{
	start(2, 4096);
	fake::set_jiffies(10);
	account(1, udp4(A, B, 1, 1));
	fake::set_jiffies(260);
	account(1, udp4(A, B, 1, 1));
	fake::set_jiffies(1000);
	account(0, udp4(A, B, 2, 2));
	fake::set_jiffies(1001);
	nfc_export(NFC_EXPORT_ALL, 0);
	const auto d = sent_v5();
	ASSERT_EQ(d.size(), 1u);
	ASSERT_EQ(d[0].count, 2);
	EXPECT_EQ(d[0].uptime, 4004u);
	// CPU 0 first.
	EXPECT_EQ(d[0].recs[0].sport, 2);
	EXPECT_EQ(d[0].recs[0].first, 4000u);
	EXPECT_EQ(d[0].recs[0].last, 4000u);
	EXPECT_EQ(d[0].recs[1].sport, 1);
	EXPECT_EQ(d[0].recs[1].first, 40u);
	EXPECT_EQ(d[0].recs[1].last, 1040u);
}

TEST_F(ExporterV5, ExitWithARecordWaitingLeaksNothing)
{
	account(0, udp4(A, B, 1, 1));
	account(0, udp4(A, B, 2, 2));
	fake::set_jiffies(3750);
	nfc_export(NFC_EXPORT_DUE, 0);	// both in the datagram being filled
	account(0, udp4(A, B, 3, 3));	// and one cached
	EXPECT_EQ(fake::sent_count(), 0u);
	nfc_exit();	// TearDown checks the slab and the tables
	EXPECT_EQ(fake::slab_objects_live(), 0);
}
