// SPDX-License-Identifier: GPL-2.0
// NetFlow v5 datagrams against bytes written out by hand.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <vector>

#include "core/export/v5.hpp"

using namespace netflow;
using Buf = std::vector<uint8_t>;

namespace {

Buf to_vec(ktl::Bytes b) { return Buf(b.data(), b.data() + b.size()); }

ktl::Be32 ip(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	return ktl::Be32::from_host(uint32_t(a) << 24 | uint32_t(b) << 16 | uint32_t(c) << 8 | d);
}

v5::Record record1()
{
	v5::Record r{};
	r.src = ip(10, 0, 0, 1);
	r.dst = ip(192, 168, 1, 2);
	r.nexthop = ip(10, 0, 0, 254);
	r.input = 2;
	r.output = 3;
	r.packets = 10;
	r.octets = 1500;
	r.first_ms = 0x00010000;
	r.last_ms = 0x00012000;
	r.sport = ktl::Be16::from_host(1234);
	r.dport = ktl::Be16::from_host(80);
	r.tcp_flags = 0x1b;
	r.proto = 6;
	r.tos = 0x10;
	r.src_as = 0;
	r.dst_as = 65000;
	r.src_mask = 24;
	r.dst_mask = 16;
	return r;
}

v5::Record record2()
{
	v5::Record r{};
	r.src = ip(255, 255, 255, 255);
	r.dst = ip(1, 2, 3, 4);
	r.nexthop = ip(0, 0, 0, 0);
	r.input = 0xffff;
	r.output = 0x1234;
	r.packets = 0xdeadbeef;
	r.octets = 0x01020304;
	r.first_ms = 0xfffffffe;
	r.last_ms = 0xffffffff;
	r.sport = ktl::Be16::from_host(0xabcd);
	r.dport = ktl::Be16::from_host(1);
	r.tcp_flags = 0;
	r.proto = 17;
	r.tos = 0xff;
	r.src_as = 0x0102;
	r.dst_as = 0x0304;
	r.src_mask = 32;
	r.dst_mask = 0;
	return r;
}

v5::Header header()
{
	v5::Header h{};
	h.sys_uptime_ms = 74565;	// 0x00012345
	h.unix_secs = 1700000000;	// 0x6553f100
	h.unix_nsecs = 123456789;	// 0x075bcd15: nanoseconds
	h.flow_sequence = 42;
	h.engine_type = 0;
	h.engine_id = 7;
	h.sampling_interval = (1 << 14) | 100;	// deterministic 1:100 = 0x4064
	return h;
}

// clang-format off
const Buf expected_two_records = {
	// header
	0x00, 0x05,             // version 5
	0x00, 0x02,             // count 2
	0x00, 0x01, 0x23, 0x45, // sys_uptime 74565 ms
	0x65, 0x53, 0xf1, 0x00, // unix_secs 1700000000
	0x07, 0x5b, 0xcd, 0x15, // unix_nsecs 123456789
	0x00, 0x00, 0x00, 0x2a, // flow_sequence 42
	0x00,                   // engine_type
	0x07,                   // engine_id
	0x40, 0x64,             // sampling: mode 1, interval 100
	// record 1
	0x0a, 0x00, 0x00, 0x01, // srcaddr 10.0.0.1
	0xc0, 0xa8, 0x01, 0x02, // dstaddr 192.168.1.2
	0x0a, 0x00, 0x00, 0xfe, // nexthop 10.0.0.254
	0x00, 0x02,             // input 2
	0x00, 0x03,             // output 3
	0x00, 0x00, 0x00, 0x0a, // dPkts 10
	0x00, 0x00, 0x05, 0xdc, // dOctets 1500
	0x00, 0x01, 0x00, 0x00, // First
	0x00, 0x01, 0x20, 0x00, // Last
	0x04, 0xd2,             // srcport 1234
	0x00, 0x50,             // dstport 80
	0x00,                   // pad1
	0x1b,                   // tcp_flags
	0x06,                   // prot
	0x10,                   // tos
	0x00, 0x00,             // src_as
	0xfd, 0xe8,             // dst_as 65000
	0x18,                   // src_mask 24
	0x10,                   // dst_mask 16
	0x00, 0x00,             // pad2
	// record 2
	0xff, 0xff, 0xff, 0xff,
	0x01, 0x02, 0x03, 0x04,
	0x00, 0x00, 0x00, 0x00,
	0xff, 0xff,
	0x12, 0x34,
	0xde, 0xad, 0xbe, 0xef,
	0x01, 0x02, 0x03, 0x04,
	0xff, 0xff, 0xff, 0xfe,
	0xff, 0xff, 0xff, 0xff,
	0xab, 0xcd,
	0x00, 0x01,
	0x00,
	0x00,
	0x11,
	0xff,
	0x01, 0x02,
	0x03, 0x04,
	0x20,
	0x00,
	0x00, 0x00,
};
// clang-format on

} // namespace

TEST(V5, Sizes)
{
	EXPECT_EQ(v5::header_size, 24u);
	EXPECT_EQ(v5::record_size, 48u);
	EXPECT_EQ(v5::max_records, 30u);
	EXPECT_EQ(v5::max_datagram, 1464u);
}

TEST(V5, TwoRecordsByteExact)
{
	v5::Datagram d;
	d.reset();
	ASSERT_TRUE(d.add(record1()));
	ASSERT_TRUE(d.add(record2()));
	EXPECT_EQ(d.count(), 2);
	EXPECT_FALSE(d.full());
	const Buf got = to_vec(d.finish(header()));
	ASSERT_EQ(got.size(), 120u);
	EXPECT_EQ(got, expected_two_records);
}

TEST(V5, EmptyDatagramIsJustTheHeader)
{
	v5::Datagram d;
	EXPECT_TRUE(d.empty());
	v5::Header h{};
	h.sys_uptime_ms = 0xffffffff;
	h.unix_secs = 1;
	h.unix_nsecs = 999999999;	// 0x3b9ac9ff
	h.flow_sequence = 0x80000000;
	h.engine_type = 1;
	h.engine_id = 0xff;
	h.sampling_interval = 0;
	const Buf expected = {
		0x00, 0x05, 0x00, 0x00,
		0xff, 0xff, 0xff, 0xff,
		0x00, 0x00, 0x00, 0x01,
		0x3b, 0x9a, 0xc9, 0xff,
		0x80, 0x00, 0x00, 0x00,
		0x01, 0xff, 0x00, 0x00,
	};
	EXPECT_EQ(to_vec(d.finish(h)), expected);
}

TEST(V5, FullAtThirtyAndResetStartsOver)
{
	v5::Datagram d;
	v5::Record r = record2();
	for (int i = 0; i < 30; ++i) {
		r.packets = static_cast<uint32_t>(i);
		ASSERT_TRUE(d.add(r)) << i;
	}
	EXPECT_TRUE(d.full());
	EXPECT_EQ(d.count(), 30);
	EXPECT_FALSE(d.add(record1()));
	EXPECT_EQ(d.count(), 30);
	const Buf full = to_vec(d.finish(header()));
	ASSERT_EQ(full.size(), 1464u);
	EXPECT_EQ(full[2], 0x00);
	EXPECT_EQ(full[3], 30);
	// Record 29's dPkts at 24 + 29*48 + 16 = 1432.
	EXPECT_EQ(full[1432], 0x00);
	EXPECT_EQ(full[1435], 29);
	// The refused add() wrote nothing: last record is still record2's shape.
	EXPECT_EQ(full[1416], 0xff);

	d.reset();
	EXPECT_EQ(d.count(), 0);
	EXPECT_FALSE(d.full());
	ASSERT_TRUE(d.add(record1()));
	ASSERT_TRUE(d.add(record2()));
	EXPECT_EQ(to_vec(d.finish(header())), expected_two_records);
}

TEST(V5, FinishDoesNotResetAndCanBeRepeated)
{
	v5::Datagram d;
	ASSERT_TRUE(d.add(record1()));
	const Buf a = to_vec(d.finish(header()));
	EXPECT_EQ(d.count(), 1);
	ASSERT_TRUE(d.add(record2()));
	const Buf b = to_vec(d.finish(header()));
	EXPECT_EQ(b, expected_two_records);
	ASSERT_EQ(a.size(), 72u);
	EXPECT_EQ(a[3], 1);
	EXPECT_TRUE(std::equal(a.begin() + 24, a.end(), expected_two_records.begin() + 24));
}

TEST(V5, PadsAreZeroEvenOverDirtyBuffer)
{
	v5::Datagram d;
	v5::Record r = record2();
	for (int i = 0; i < 30; ++i)
		ASSERT_TRUE(d.add(r));
	d.reset();
	v5::Record z{};
	ASSERT_TRUE(d.add(z));
	const Buf got = to_vec(d.finish(v5::Header{}));
	Buf expected(72, 0);
	expected[1] = 5;
	expected[3] = 1;
	EXPECT_EQ(got, expected);
}
