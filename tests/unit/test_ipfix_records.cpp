// SPDX-License-Identifier: GPL-2.0
// NetFlow v9 (RFC 3954) and IPFIX (RFC 7011) records against bytes written
// out by hand: every record shape in both dialects (IPv4/IPv6, ports, ICMP,
// other protocols), and the options records (system init, interfaces,
// metering statistics).
//
// Shared helpers, literal bytes and the hand arithmetic: ipfix_common.hpp.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "ipfix_common.hpp"

using namespace netflow;
using namespace ipfixtest;

// ==== Records ==================================================================

TEST(IpfixRecords, Ipv4UdpBothDialects)
{
	const auto f = udp_flow();
	const Template ti = make_template(shape::ports, Dialect::ipfix, 256);
	Buf out(ti.record_size, 0xa5);
	write_flow_record(ti, *f, clock_1500, out.data());
	EXPECT_EQ(out, udp_record_ipfix);

	const Template tv = make_template(shape::ports, Dialect::v9, 256);
	Buf outv(tv.record_size, 0xa5);
	write_flow_record(tv, *f, clock_1500, outv.data());
	EXPECT_EQ(outv, udp_record_v9);
}

TEST(IpfixRecords, Ipv4TcpLargeCountersNoInputDeviceIdleEnd)
{
	auto f = udp_flow();
	f->key.proto = 6;
	f->key.tos = 0xb8;
	f->key.iif = -1;
	f->oif = 0x01020304;
	f->tcp_flags = 0x1b;
	f->packets = 0x0102030405060708ull;
	f->bytes = 0x1122334455667788ull;
	f->set_end(EndReason::idle);
	f->nexthop = ip4(0, 0, 0, 0);
	// clang-format off
	const Buf ipfix = {
		0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x04,
		0x04, 0xd2, 0x00, 0x35,
		0x00, 0x1b,                                     // tcpControlBits
		0x00, 0x00, 0x00, 0x00,                         // ingress: -1 -> 0
		0x01, 0x02, 0x03, 0x04,                         // egress
		0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
		0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
		0x00, 0x00, 0x01, 0x8b, 0xcf, 0xe5, 0x77, 0xa0,
		0x00, 0x00, 0x01, 0x8b, 0xcf, 0xe5, 0x7b, 0x88,
		0x06, 0xb8, 0x01,                               // TCP, TOS, idle
	};
	const Buf v9 = {
		0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x04,
		0x04, 0xd2, 0x00, 0x35,
		0x1b,
		0x00, 0x00, 0x00, 0x00,
		0x01, 0x02, 0x03, 0x04,
		0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
		0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
		0x00, 0x00, 0x0f, 0xa0, 0x00, 0x00, 0x13, 0x88,
		0x06, 0xb8,
	};
	// clang-format on
	const Template ti = make_template(flow_shape(*f), Dialect::ipfix, 256);
	Buf out(ti.record_size, 0xa5);
	write_flow_record(ti, *f, clock_1500, out.data());
	EXPECT_EQ(out, ipfix);
	const Template tv = make_template(flow_shape(*f), Dialect::v9, 256);
	Buf outv(tv.record_size, 0xa5);
	write_flow_record(tv, *f, clock_1500, outv.data());
	EXPECT_EQ(outv, v9);
}

namespace {

// 2001:db8::1 port 443 -> 2001:db8::2 port 50000, TCP SYN|ACK, via fe80::1,
// every optional IPv6 block present.
std::unique_ptr<Flow6> v6_flow()
{
	auto f = std::make_unique<Flow6>();
	f->set_family(NF_FAMILY_IPV6);
	const uint8_t src[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01};
	const uint8_t dst[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02};
	const uint8_t nh[16] = {0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01};
	std::memcpy(f->key.src, src, 16);
	std::memcpy(f->key.dst, dst, 16);
	std::memcpy(f->nexthop.b, nh, 16);
	f->key.sport = ktl::Be16::from_host(443);
	f->key.dport = ktl::Be16::from_host(50000);
	f->key.iif = 3;
	f->key.proto = 6;
	f->key.tclass = 0xb8;
	f->oif = 4;
	f->flow_label = 0x12345;
	f->key.ext_hdrs = 0x0022;		// hop-by-hop | routing
	f->tcp_options = 0x0000011e;	// kinds 1, 2, 3, 4, 8
	f->tcp_flags = 0x12;
	f->first = 1000;
	f->last = 1499;
	f->packets = 10;
	f->bytes = 0x100000000ull;	// 4 GiB: needs the 8-byte counter
	f->set_end(EndReason::active);
	return f;
}

} // namespace

TEST(IpfixRecords, Ipv6AllFieldsIpfix)
{
	const auto f = v6_flow();
	const uint32_t key = flow_shape(*f);
	ASSERT_EQ(key, shape::ipv6 | shape::ports | shape::flow_label | shape::ext_hdrs | shape::tcp_options);
	const Template t = make_template(key, Dialect::ipfix, 256);
	ASSERT_EQ(t.record_size, 114);
	// clang-format off
	const Buf expected = cat({
		v6_addresses,                                   // 27, 28, 62
		{0x06,                                          // 60  ipVersion
		 0x00, 0x01, 0x23, 0x45,                        // 31  flowLabelIPv6
		 0x00, 0x00, 0x00, 0x22,                        // 64  ipv6ExtensionHeaders
		 0x01, 0xbb,                                    // 7   443
		 0xc3, 0x50,                                    // 11  50000
		 0x00, 0x12,                                    // 6   SYN|ACK
		 0x00, 0x00, 0x00, 0x03,                        // 10
		 0x00, 0x00, 0x00, 0x04,                        // 14
		 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0a, // 2
		 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, // 1  4 GiB
		 0x00, 0x00, 0x01, 0x8b, 0xcf, 0xe5, 0x77, 0xa0, // 152 tick 1000
		 0x00, 0x00, 0x01, 0x8b, 0xcf, 0xe5, 0x7f, 0x6c, // 153 tick 1499: 1700000005996
		 0x06,                                          // 4
		 0xb8,                                          // 5   the whole traffic class
		 0x02,                                          // 136 active timeout
		 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x1e}, // 209 tcpOptions
	});
	// clang-format on
	Buf out(t.record_size, 0xa5);
	write_flow_record(t, *f, clock_1500, out.data());
	EXPECT_EQ(out, expected);
}

TEST(IpfixRecords, Ipv6AllFieldsV9)
{
	const auto f = v6_flow();
	const Template t = make_template(flow_shape(*f), Dialect::v9, 256);
	ASSERT_EQ(t.record_size, 104);
	// clang-format off
	const Buf expected = cat({
		v6_addresses,
		{0x06,
		 0x00, 0x01, 0x23, 0x45,
		 0x00, 0x00, 0x00, 0x22,
		 0x01, 0xbb, 0xc3, 0x50,
		 0x12,                                          // TCP_FLAGS, 1 byte
		 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x04,
		 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0a,
		 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
		 0x00, 0x00, 0x0f, 0xa0,                        // FIRST 4000 ms
		 0x00, 0x00, 0x17, 0x6c,                        // LAST 5996 ms
		 0x06, 0xb8,
		 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x1e},
	});
	// clang-format on
	Buf out(t.record_size, 0xa5);
	write_flow_record(t, *f, clock_1500, out.data());
	EXPECT_EQ(out, expected);
}

TEST(IpfixRecords, IcmpIgmpEspAndIpOptions)
{
	auto f = udp_flow();
	// ICMP echo request: type 8 code 0 -> dport 0x0800, sport 0.
	f->key.proto = 1;
	f->key.sport = ktl::Be16::from_host(0);
	f->key.dport = ktl::Be16::from_host(0x0800);
	f->ip_options = 0x00000080;	// option 7 (record route)
	{
		const Template t = make_template(flow_shape(*f), Dialect::ipfix, 256);
		Buf out(t.record_size, 0xa5);
		write_flow_record(t, *f, clock_1500, out.data());
		ASSERT_EQ(out.size(), 62u);
		// 8,12,15,60,208,32: 13 + 4 + 2.
		EXPECT_EQ(Buf(out.begin() + 13, out.begin() + 19), (Buf{0x00, 0x00, 0x00, 0x80, 0x08, 0x00}));
		EXPECT_EQ(out.back(), 0x04);
		EXPECT_EQ(out[out.size() - 3], 0x01);	// protocol
	}
	{
		const Template t = make_template(flow_shape(*f), Dialect::v9, 256);
		Buf out(t.record_size, 0xa5);
		write_flow_record(t, *f, clock_1500, out.data());
		ASSERT_EQ(out.size(), 55u);
		// 208 then the ports block 7, 11: sport 0, dport type << 8 | code.
		EXPECT_EQ(Buf(out.begin() + 13, out.begin() + 21),
			  (Buf{0x00, 0x00, 0x00, 0x80, 0x00, 0x00, 0x08, 0x00}));
	}
	// IGMP v2 membership report: type 0x16 in dport.
	f->ip_options = 0;
	f->key.proto = 2;
	f->key.dport = ktl::Be16::from_host(0x16);
	for (Dialect d : {Dialect::ipfix, Dialect::v9}) {
		const Template t = make_template(flow_shape(*f), d, 256);
		Buf out(t.record_size, 0xa5);
		write_flow_record(t, *f, clock_1500, out.data());
		EXPECT_EQ(out.back(), 0x16);	// igmpType last
		EXPECT_EQ(out[out.size() - 3 - (d == Dialect::ipfix)], 0x02);
	}
	// ESP, SPI 0xdeadbeef split over the ports.
	f->key.proto = 50;
	f->key.sport = ktl::Be16::from_host(0xdead);
	f->key.dport = ktl::Be16::from_host(0xbeef);
	for (Dialect d : {Dialect::ipfix, Dialect::v9}) {
		const Template t = make_template(flow_shape(*f), d, 256);
		Buf out(t.record_size, 0xa5);
		write_flow_record(t, *f, clock_1500, out.data());
		EXPECT_EQ(Buf(out.end() - 4, out.end()), (Buf{0xde, 0xad, 0xbe, 0xef}));
	}
}

TEST(IpfixRecords, Ipv6IcmpIpfixTypeCode)
{
	auto f = v6_flow();
	f->key.proto = 58;
	f->key.sport = ktl::Be16::from_host(0);
	f->key.dport = ktl::Be16::from_host(0x8000);	// echo request 128/0
	f->flow_label = 0;
	f->key.ext_hdrs = 0;
	f->tcp_options = 0;
	f->tcp_flags = 0;
	const Template t = make_template(flow_shape(*f), Dialect::ipfix, 256);
	ASSERT_EQ(t.record_size, 94);
	Buf out(t.record_size, 0xa5);
	write_flow_record(t, *f, clock_1500, out.data());
	EXPECT_EQ(out[48], 0x06);
	EXPECT_EQ(Buf(out.begin() + 49, out.begin() + 51), (Buf{0x80, 0x00}));	// 139
	EXPECT_EQ(out[out.size() - 3], 58);
}

TEST(IpfixRecords, V9SysUptimeKeepsTheLowBitsAfterWrap)
{
	// Ticks wrapped (now 0x10 after 2^32 ticks): uptime (2^32 + 16) * 4 ms.
	const ExportClock c{0x10, (0x100000000ull + 0x10) * 4, 1700000000000ull};
	auto f = udp_flow();
	f->first = 0xfffffff0;	// 32 ticks = 128 ms before now
	f->last = 0x10;
	const Template tv = make_template(shape::ports, Dialect::v9, 256);
	Buf out(tv.record_size, 0);
	write_flow_record(tv, *f, c, out.data());
	// FIRST = 0x3ffffffc0 -> 0xffffffc0; LAST = 0x400000040 -> 0x00000040.
	EXPECT_EQ(Buf(out.begin() + 42, out.begin() + 50),
		  (Buf{0xff, 0xff, 0xff, 0xc0, 0x00, 0x00, 0x00, 0x40}));
	const Template ti = make_template(shape::ports, Dialect::ipfix, 256);
	Buf outi(ti.record_size, 0);
	write_flow_record(ti, *f, c, outi.data());
	// 1700000000000 + 0x3ffffffc0 and + 0x400000040.
	EXPECT_EQ(Buf(outi.begin() + 43, outi.begin() + 59),
		  (Buf{0x00, 0x00, 0x01, 0x8f, 0xcf, 0xe5, 0x67, 0xc0, 0x00, 0x00, 0x01, 0x8f, 0xcf, 0xe5, 0x68, 0x40}));
}

TEST(IpfixRecords, SystemInit)
{
	for (Dialect d : {Dialect::ipfix, Dialect::v9}) {
		const Template t = make_options(OptionsKind::system_init, d, 256);
		Buf out(t.record_size, 0xa5);
		write_system_init(t, 7, clock_1500, out.data());
		EXPECT_EQ(out, sysinit_record_7);
	}
	const Template t = make_options(OptionsKind::system_init, Dialect::ipfix, 256);
	Buf out(t.record_size, 0xa5);
	write_system_init(t, 0xfedcba98, ExportClock{0, 0, 0x0102030405060708ull}, out.data());
	EXPECT_EQ(out, cat({{0xfe, 0xdc, 0xba, 0x98, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08}, domain_name}));
}

TEST(IpfixRecords, Interface)
{
	const Template t = make_options(OptionsKind::interfaces, Dialect::ipfix, 257);
	nf_ifinfo i{};
	i.ifindex = 0x00010002;
	std::memcpy(i.name, "eth0", 4);
	std::memcpy(i.description, "uplink", 6);
	Buf out(t.record_size, 0xa5);
	write_interface(t, i, out.data());
	// clang-format off
	const Buf expected = cat({
		{0x00, 0x01, 0x00, 0x02},
		{'e', 't', 'h', '0'}, zeros(12),
		{'u', 'p', 'l', 'i', 'n', 'k'}, zeros(26),
	});
	// clang-format on
	EXPECT_EQ(out, expected);

	// A name filling all 16 bytes (no NUL) and no description.
	nf_ifinfo j{};
	j.ifindex = 7;
	std::memcpy(j.name, "abcdefghijklmnop", 16);
	Buf out2(t.record_size, 0xa5);
	write_interface(t, j, out2.data());
	EXPECT_EQ(out2, cat({{0, 0, 0, 7}, {'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o', 'p'},
			     zeros(32)}));
}

TEST(IpfixRecords, MeteringStats)
{
	const Template t = make_options(OptionsKind::metering_stats, Dialect::v9, 258);
	Buf out(t.record_size, 0xa5);
	const MeteringTotals m{3, 10, 0x123456789aull, 11};
	write_metering_stats(t, 0xdeadbeef, m, out.data());
	// clang-format off
	const Buf expected = {
		0xde, 0xad, 0xbe, 0xef,                         // 149
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, // 41 messages
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0a, // 42 flows
		0x00, 0x00, 0x00, 0x12, 0x34, 0x56, 0x78, 0x9a, // 40 octets
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0b, // 163 observed
	};
	// clang-format on
	EXPECT_EQ(out, expected);
}
