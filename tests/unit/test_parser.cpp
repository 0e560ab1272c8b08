// SPDX-License-Identifier: GPL-2.0
// Packet parser on packets written out byte by byte.  Every parse runs on a
// heap copy of exactly the bytes handed over, so ASan catches any read past
// the end of `l3`.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "core/packet/parser.hpp"
#include "packet_builder.hpp"
#include "plain_parse_check.hpp"

using namespace netflow;
using Buf = std::vector<uint8_t>;

namespace {

struct Result {
	ParseStatus st;
	PacketFacts f;
};

int plain_taken;	// cases the inline parser took (see PlainParserTakesTheCommonCase)

// copy: bytes handed to the parser (default all); wire: wire_len (default
// the packet size).
Result parse(const Buf& pkt, size_t copy = SIZE_MAX, uint32_t wire = UINT32_MAX, uint8_t family = 0)
{
	if (copy > pkt.size())
		copy = pkt.size();
	if (wire == UINT32_MAX)
		wire = static_cast<uint32_t>(pkt.size());
	if (family == 0)
		family = !pkt.empty() && (pkt[0] >> 4) == 6 ? NF_FAMILY_IPV6 : NF_FAMILY_IPV4;
	std::unique_ptr<uint8_t[]> buf(new uint8_t[copy]);
	if (copy)
		std::memcpy(buf.get(), pkt.data(), copy);
	Result r;
	std::memset(static_cast<void*>(&r.f), 0x5a, sizeof(r.f));	// the parser must zero it
	r.st = parse_packet(ktl::Bytes(buf.get(), copy), wire, family, r.f);
	// Every IPv4 case also checks the packet path's inline parser.
	if (family == NF_FAMILY_IPV4) {
		const auto v = test::check_plain_ipv4(buf.get(), copy, wire, r.f, r.st);
		EXPECT_NE(v, test::PlainVerdict::differs) << "parse_plain_ipv4 disagrees with parse_packet";
		if (v == test::PlainVerdict::same)
			++plain_taken;
	}
	return r;
}

Buf cat(std::initializer_list<Buf> parts)
{
	Buf out;
	for (const auto& p : parts)
		out.insert(out.end(), p.begin(), p.end());
	return out;
}

uint32_t v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	return uint32_t(a) << 24 | uint32_t(b) << 16 | uint32_t(c) << 8 | d;
}

// ---- IPv4 packets, written out -------------------------------------------

// 10.0.0.1:1234 -> 10.0.0.2:53 UDP, one byte of payload.
const Buf ipv4_udp = {
	0x45, 0x00, 0x00, 0x1d,	// v4 IHL 5, TOS 0, tot_len 29
	0x12, 0x34, 0x00, 0x00,	// id, no flags, offset 0
	0x40, 0x11, 0x00, 0x00,	// TTL 64, UDP, checksum
	0x0a, 0x00, 0x00, 0x01,	// 10.0.0.1
	0x0a, 0x00, 0x00, 0x02,	// 10.0.0.2
	0x04, 0xd2, 0x00, 0x35,	// 1234 -> 53
	0x00, 0x09, 0x00, 0x00,	// length 9, checksum
	0xab,
};

// 192.168.0.1:12345 -> 192.168.0.2:80 TCP SYN with CWR|ECE, TOS 0xb8, 20
// bytes of options: MSS, SACK-permitted, timestamps, NOP, window scale.
const Buf ipv4_tcp_syn = {
	0x45, 0xb8, 0x00, 0x3c,	// tot_len 60
	0x00, 0x01, 0x40, 0x00,	// DF: not a fragment
	0x40, 0x06, 0x00, 0x00,
	0xc0, 0xa8, 0x00, 0x01,
	0xc0, 0xa8, 0x00, 0x02,
	0x30, 0x39, 0x00, 0x50,	// 12345 -> 80
	0x00, 0x00, 0x00, 0x01,	// seq
	0x00, 0x00, 0x00, 0x00,	// ack
	0xa0, 0xc2, 0xff, 0xff,	// data offset 10, flags CWR|ECE|SYN, window
	0x00, 0x00, 0x00, 0x00,	// checksum, urgent
	0x02, 0x04, 0x05, 0xb4,	// MSS 1460 (kind 2)
	0x04, 0x02,		// SACK permitted (kind 4)
	0x08, 0x0a, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,	// timestamps (kind 8)
	0x01,			// NOP (kind 1)
	0x03, 0x03, 0x07,	// window scale (kind 3)
};

} // namespace

TEST(ParserIpv4, Udp)
{
	auto r = parse(ipv4_udp);
	ASSERT_EQ(r.st, ParseStatus::ok);
	EXPECT_EQ(r.f.family, NF_FAMILY_IPV4);
	EXPECT_EQ(r.f.ip_len, 29u);
	EXPECT_EQ(r.f.key.v4.src.host(), v4(10, 0, 0, 1));
	EXPECT_EQ(r.f.key.v4.dst.host(), v4(10, 0, 0, 2));
	EXPECT_EQ(r.f.key.v4.sport.host(), 1234);
	EXPECT_EQ(r.f.key.v4.dport.host(), 53);
	EXPECT_EQ(r.f.key.v4.proto, 17);
	EXPECT_EQ(r.f.key.v4.tos, 0);
	EXPECT_EQ(r.f.key.v4.iif, 0);	// the caller's
	EXPECT_EQ(r.f.key.v4.src_mask, 0);
	EXPECT_EQ(r.f.key.v4.dst_mask, 0);
	EXPECT_FALSE(r.f.fragment);
	EXPECT_EQ(r.f.ip_options, 0u);
	EXPECT_EQ(r.f.tcp_flags, 0);
	EXPECT_EQ(r.f.tcp_options, 0u);
	EXPECT_EQ(r.f.ext_hdrs, 0);
	EXPECT_EQ(r.f.flow_label, 0u);
}

TEST(ParserIpv4, TcpSynWithOptions)
{
	auto r = parse(ipv4_tcp_syn);
	ASSERT_EQ(r.st, ParseStatus::ok);
	EXPECT_EQ(r.f.ip_len, 60u);
	EXPECT_EQ(r.f.key.v4.tos, 0xb8);
	EXPECT_EQ(r.f.key.v4.proto, 6);
	EXPECT_EQ(r.f.key.v4.src.host(), v4(192, 168, 0, 1));
	EXPECT_EQ(r.f.key.v4.dst.host(), v4(192, 168, 0, 2));
	EXPECT_EQ(r.f.key.v4.sport.host(), 12345);
	EXPECT_EQ(r.f.key.v4.dport.host(), 80);
	EXPECT_EQ(r.f.tcp_flags, 0xc2);
	// kinds 1, 2, 3, 4, 8 -> bits 1, 2, 3, 4, 8
	EXPECT_EQ(r.f.tcp_options, 0x0000011eu);
	EXPECT_FALSE(r.f.fragment);
}

TEST(ParserIpv4, TcpOptionsHighKindsEolAndGarbage)
{
	Buf p = {
		0x45, 0x00, 0x00, 0x34,	// tot_len 52 = 20 + 32
		0x00, 0x00, 0x00, 0x00,
		0x40, 0x06, 0x00, 0x00,
		0x01, 0x01, 0x01, 0x01,
		0x02, 0x02, 0x02, 0x02,
		0x00, 0x16, 0xc0, 0x00,	// 22 -> 49152
		0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00,
		0x80, 0x11, 0x01, 0x00,	// data offset 8, ACK|FIN
		0x00, 0x00, 0x00, 0x00,
		0x22, 0x02,		// kind 34: not representable, skipped
		0x1e, 0x04, 0x00, 0x00,	// kind 30 (MPTCP) -> bit 30
		0x00,			// EOL -> bit 0, stop
		0x08, 0x0a, 0x00, 0x00, 0x00,	// after EOL: not options
	};
	auto r = parse(p);
	ASSERT_EQ(r.st, ParseStatus::ok);
	EXPECT_EQ(r.f.tcp_flags, 0x11);
	EXPECT_EQ(r.f.tcp_options, 0x40000001u);
	EXPECT_EQ(r.f.key.v4.dport.host(), 49152);
}

TEST(ParserIpv4, TcpOptionBadLengthStopsWalk)
{
	Buf p = {
		0x45, 0x00, 0x00, 0x2c,	// tot_len 44 = 20 + 24
		0x00, 0x00, 0x00, 0x00,
		0x40, 0x06, 0x00, 0x00,
		0x01, 0x01, 0x01, 0x01,
		0x02, 0x02, 0x02, 0x02,
		0x00, 0x16, 0xc0, 0x00,
		0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00,
		0x60, 0x10, 0x01, 0x00,	// data offset 6
		0x00, 0x00, 0x00, 0x00,
		0x02, 0x00,		// kind 2 with length 0: bit 2, then stop
		0x04, 0x02,		// never reached
	};
	auto r = parse(p);
	ASSERT_EQ(r.st, ParseStatus::ok);
	EXPECT_EQ(r.f.tcp_options, 0x00000004u);

	// An option whose length runs past the header: bit kept, walk ends.
	p[40] = 0x05;	// SACK (kind 5)
	p[41] = 0x20;	// length 32 > 4 left
	r = parse(p);
	ASSERT_EQ(r.st, ParseStatus::ok);
	EXPECT_EQ(r.f.tcp_options, 0x00000020u);
}

TEST(ParserIpv4, TcpDataOffsetBelowFiveIsTruncated)
{
	Buf p = ipv4_tcp_syn;
	p[32] = 0x40;	// data offset 4
	EXPECT_EQ(parse(p).st, ParseStatus::truncated);
	p[32] = 0x00;
	EXPECT_EQ(parse(p).st, ParseStatus::truncated);
}

TEST(ParserIpv4, TcpDataOffsetBeyondPacketIsTruncated)
{
	Buf p = ipv4_tcp_syn;
	p[32] = 0xf0;	// 60 bytes of TCP header; the packet has 40
	EXPECT_EQ(parse(p).st, ParseStatus::truncated);
}

TEST(ParserIpv4, IcmpTypeCode)
{
	Buf p = {
		0x45, 0x00, 0x00, 0x1c,	// tot_len 28
		0x00, 0x00, 0x00, 0x00,
		0x40, 0x01, 0x00, 0x00,	// ICMP
		0x0a, 0x00, 0x00, 0x01,
		0x0a, 0x00, 0x00, 0x02,
		0x08, 0x00, 0xf7, 0xff,	// echo request: type 8 code 0
		0x00, 0x01, 0x00, 0x01,
	};
	auto r = parse(p);
	ASSERT_EQ(r.st, ParseStatus::ok);
	EXPECT_EQ(r.f.key.v4.proto, 1);
	EXPECT_EQ(r.f.key.v4.sport.host(), 0);
	EXPECT_EQ(r.f.key.v4.dport.host(), 0x0800);

	p[20] = 3;	// port unreachable: type 3 code 3
	p[21] = 3;
	r = parse(p);
	ASSERT_EQ(r.st, ParseStatus::ok);
	EXPECT_EQ(r.f.key.v4.dport.host(), 0x0303);
	// On the wire order: type then code.
	uint8_t raw[2];
	std::memcpy(raw, &r.f.key.v4.dport, 2);
	EXPECT_EQ(raw[0], 3);
	EXPECT_EQ(raw[1], 3);
}

TEST(ParserIpv4, IcmpTooShortIsTruncated)
{
	Buf p = {
		0x45, 0x00, 0x00, 0x18,	// tot_len 24: 4 bytes of ICMP
		0x00, 0x00, 0x00, 0x00,
		0x40, 0x01, 0x00, 0x00,
		0x0a, 0x00, 0x00, 0x01,
		0x0a, 0x00, 0x00, 0x02,
		0x08, 0x00, 0xf7, 0xff,
	};
	EXPECT_EQ(parse(p).st, ParseStatus::truncated);
}

TEST(ParserIpv4, IgmpWithRouterAlert)
{
	Buf p = {
		0x46, 0xc0, 0x00, 0x20,	// IHL 6, TOS 0xc0, tot_len 32
		0x00, 0x00, 0x00, 0x00,
		0x01, 0x02, 0x00, 0x00,	// TTL 1, IGMP
		0x0a, 0x00, 0x00, 0x01,
		0xe0, 0x00, 0x00, 0x16,	// 224.0.0.22
		0x94, 0x04, 0x00, 0x00,	// Router Alert: type 148 = number 20
		0x16, 0x00, 0x09, 0x04,	// IGMPv2 membership report
		0xe0, 0x00, 0x00, 0xfb,
	};
	auto r = parse(p);
	ASSERT_EQ(r.st, ParseStatus::ok);
	EXPECT_EQ(r.f.key.v4.proto, 2);
	EXPECT_EQ(r.f.key.v4.tos, 0xc0);
	EXPECT_EQ(r.f.key.v4.sport.host(), 0);
	EXPECT_EQ(r.f.key.v4.dport.host(), 0x16);
	EXPECT_EQ(r.f.ip_options, 0x00100000u);	// bit 20
}

namespace {

// Protocols whose key ports come from their own header (or stay zero): the
// packet written out, the protocol and the ports expected.
struct PortsCase {
	const char* name;
	Buf pkt;
	uint8_t proto;
	uint16_t sport, dport;
};

void PrintTo(const PortsCase& c, std::ostream* os) { *os << c.name; }

// clang-format off
const PortsCase ports_cases[] = {
	{"EspSpiSplit",
	 {
		0x45, 0x00, 0x00, 0x24,	// tot_len 36
		0x00, 0x00, 0x00, 0x00,
		0x40, 0x32, 0x00, 0x00,	// ESP
		0x0a, 0x00, 0x00, 0x01,
		0x0a, 0x00, 0x00, 0x02,
		0xde, 0xad, 0xbe, 0xef,	// SPI
		0x00, 0x00, 0x00, 0x01,	// sequence
		0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
	 },
	 50, 0xdead, 0xbeef},
	{"AhSpiSplit",
	 {
		0x45, 0x00, 0x00, 0x2c,	// tot_len 44 = 20 + 24
		0x00, 0x00, 0x00, 0x00,
		0x40, 0x33, 0x00, 0x00,	// AH
		0x0a, 0x00, 0x00, 0x01,
		0x0a, 0x00, 0x00, 0x02,
		0x06, 0x04, 0x00, 0x00,	// next TCP, length (4+2)*4 = 24
		0x01, 0x02, 0x03, 0x04,	// SPI
		0x00, 0x00, 0x00, 0x07,	// sequence
		0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xab, 0xac,	// ICV
	 },
	 51, 0x0102, 0x0304},
	{"Sctp",
	 {
		0x45, 0x00, 0x00, 0x20,	// tot_len 32
		0x00, 0x00, 0x00, 0x00,
		0x40, 0x84, 0x00, 0x00,	// SCTP (132)
		0x0a, 0x00, 0x00, 0x01,
		0x0a, 0x00, 0x00, 0x02,
		0x8e, 0x3c, 0x0b, 0x59,	// 36412 -> 2905
		0x00, 0x00, 0x00, 0x00,	// verification tag
		0x00, 0x00, 0x00, 0x00,	// checksum
	 },
	 132, 36412, 2905},
	{"UdpLite",
	 {
		0x45, 0x00, 0x00, 0x1c,	// tot_len 28
		0x00, 0x00, 0x00, 0x00,
		0x40, 0x88, 0x00, 0x00,	// UDP-Lite (136)
		0x0a, 0x00, 0x00, 0x01,
		0x0a, 0x00, 0x00, 0x02,
		0x13, 0x88, 0x13, 0x89,	// 5000 -> 5001
		0x00, 0x08, 0x00, 0x00,	// coverage, checksum
	 },
	 136, 5000, 5001},
	{"OtherProtocolHasNoPorts",
	 {
		0x45, 0x00, 0x00, 0x18,	// tot_len 24
		0x00, 0x00, 0x00, 0x00,
		0x40, 0x2f, 0x00, 0x00,	// GRE
		0x0a, 0x00, 0x00, 0x01,
		0x0a, 0x00, 0x00, 0x02,
		0x00, 0x00, 0x08, 0x00,
	 },
	 47, 0, 0},
};
// clang-format on

class ParserIpv4Ports : public ::testing::TestWithParam<PortsCase> {};

} // namespace

TEST_P(ParserIpv4Ports, ProtocolAndPorts)
{
	const PortsCase& c = GetParam();
	auto r = parse(c.pkt);
	ASSERT_EQ(r.st, ParseStatus::ok);
	EXPECT_EQ(r.f.key.v4.proto, c.proto);
	EXPECT_EQ(r.f.key.v4.sport.host(), c.sport);
	EXPECT_EQ(r.f.key.v4.dport.host(), c.dport);
}

INSTANTIATE_TEST_SUITE_P(ParserIpv4, ParserIpv4Ports, ::testing::ValuesIn(ports_cases),
			 [](const ::testing::TestParamInfo<PortsCase>& i) { return std::string(i.param.name); });

// Option numbers 8..15 and 24..31 are where `& 0x17` went wrong.
TEST(ParserIpv4, OptionsBitmapAllNumbersLandOnTheirBit)
{
	Buf p = {
		0x4b, 0x00, 0x00, 0x34,	// IHL 11 (44 bytes), tot_len 52
		0x00, 0x00, 0x00, 0x00,
		0x40, 0x11, 0x00, 0x00,
		0x0a, 0x00, 0x00, 0x01,
		0x0a, 0x00, 0x00, 0x02,
		0x88, 0x04, 0x12, 0x34,	// SID, type 136: number 8
		0x0a, 0x02,		// ZSU, type 10: number 10
		0xcd, 0x02,		// FINN, type 205: number 13
		0x8e, 0x02,		// VISA, type 142: number 14
		0x0f, 0x02,		// ENCODE, type 15: number 15
		0x98, 0x02,		// UMP, type 152: number 24
		0x19, 0x02,		// QS, type 25: number 25
		0x5e, 0x02,		// EXP, type 94: number 30
		0x9f, 0x02,		// type 159: number 31
		0x01,			// NOP: number 1
		0x00,			// EOOL: number 0, end
		0x07, 0x03,		// after EOOL: ignored
		0x04, 0xd2, 0x00, 0x35,	// UDP
		0x00, 0x08, 0x00, 0x00,
	};
	auto r = parse(p);
	ASSERT_EQ(r.st, ParseStatus::ok);
	EXPECT_EQ(r.f.ip_options, 0xc300e503u);
	EXPECT_EQ(r.f.key.v4.sport.host(), 1234);
	EXPECT_EQ(r.f.key.v4.dport.host(), 53);
	EXPECT_EQ(r.f.ip_len, 52u);
}

TEST(ParserIpv4, OptionsBitHelper)
{
	// RFC 7012 ipv4Options: option number X (type & 0x1f) -> bit X.
	EXPECT_EQ(ipv4_option_bit(0x00), 0x00000001u);	// EOOL
	EXPECT_EQ(ipv4_option_bit(0x07), 0x00000080u);	// RR
	EXPECT_EQ(ipv4_option_bit(0x44), 0x00000010u);	// TS (68): number 4
	EXPECT_EQ(ipv4_option_bit(0x83), 0x00000008u);	// LSR (131): number 3
	EXPECT_EQ(ipv4_option_bit(0x89), 0x00000200u);	// SSR (137): number 9
	EXPECT_EQ(ipv4_option_bit(0x94), 0x00100000u);	// RTRALT (148): number 20
	EXPECT_EQ(ipv4_option_bit(0x98), 0x01000000u);	// UMP (152): number 24
	EXPECT_EQ(ipv4_option_bit(0xde), 0x40000000u);	// EXP (222): number 30
	EXPECT_EQ(tcp_option_bit(0), 0x00000001u);
	EXPECT_EQ(tcp_option_bit(2), 0x00000004u);
	EXPECT_EQ(tcp_option_bit(31), 0x80000000u);
	EXPECT_EQ(tcp_option_bit(32), 0u);
	EXPECT_EQ(tcp_option_bit(254), 0u);
}

TEST(ParserIpv4, OptionRunningPastHeaderStopsWalk)
{
	Buf p = {
		0x46, 0x00, 0x00, 0x20,	// IHL 6, tot_len 32
		0x00, 0x00, 0x00, 0x00,
		0x40, 0x11, 0x00, 0x00,
		0x0a, 0x00, 0x00, 0x01,
		0x0a, 0x00, 0x00, 0x02,
		0x07, 0x27, 0x04, 0x00,	// RR claiming 39 bytes: bit 7, stop
		0x04, 0xd2, 0x00, 0x35,
		0x00, 0x08, 0x00, 0x00,
	};
	auto r = parse(p);
	ASSERT_EQ(r.st, ParseStatus::ok);
	EXPECT_EQ(r.f.ip_options, 0x00000080u);
	EXPECT_EQ(r.f.key.v4.dport.host(), 53);
}

TEST(ParserIpv4, FirstFragmentKeepsPorts)
{
	Buf p = ipv4_udp;
	p[6] = 0x20;	// MF, offset 0
	auto r = parse(p);
	ASSERT_EQ(r.st, ParseStatus::ok);
	EXPECT_TRUE(r.f.fragment);
	EXPECT_EQ(r.f.key.v4.sport.host(), 1234);
	EXPECT_EQ(r.f.key.v4.dport.host(), 53);
}

TEST(ParserIpv4, NonFirstFragmentsHaveNoPorts)
{
	Buf p = ipv4_udp;	// the bytes after the IP header look like ports
	p[6] = 0x20;	// MF, offset 185 (1480 bytes)
	p[7] = 0xb9;
	auto r = parse(p);
	ASSERT_EQ(r.st, ParseStatus::ok);
	EXPECT_TRUE(r.f.fragment);
	EXPECT_EQ(r.f.key.v4.proto, 17);
	EXPECT_EQ(r.f.key.v4.sport.host(), 0);
	EXPECT_EQ(r.f.key.v4.dport.host(), 0);
	EXPECT_EQ(r.f.ip_len, 29u);

	p[6] = 0x00;	// last fragment: no MF, offset 185
	r = parse(p);
	ASSERT_EQ(r.st, ParseStatus::ok);
	EXPECT_TRUE(r.f.fragment);
	EXPECT_EQ(r.f.key.v4.sport.host(), 0);

	p[6] = 0x40;	// DF and offset: still a fragment
	r = parse(p);
	EXPECT_TRUE(r.f.fragment);
	EXPECT_EQ(r.f.key.v4.dport.host(), 0);
}

TEST(ParserIpv4, DontFragmentIsNotAFragment)
{
	Buf p = ipv4_udp;
	p[6] = 0x40;
	auto r = parse(p);
	ASSERT_EQ(r.st, ParseStatus::ok);
	EXPECT_FALSE(r.f.fragment);
}

TEST(ParserIpv4, TinyFirstFragmentKeepsPortsButIsNotTruncated)
{
	// First fragment with only 8 bytes of TCP: ports yes, flags no.
	Buf p = {
		0x45, 0x00, 0x00, 0x1c,	// tot_len 28
		0x00, 0x00, 0x20, 0x00,	// MF
		0x40, 0x06, 0x00, 0x00,
		0x0a, 0x00, 0x00, 0x01,
		0x0a, 0x00, 0x00, 0x02,
		0x30, 0x39, 0x00, 0x50,
		0x00, 0x00, 0x00, 0x01,
	};
	auto r = parse(p);
	ASSERT_EQ(r.st, ParseStatus::ok);
	EXPECT_TRUE(r.f.fragment);
	EXPECT_EQ(r.f.key.v4.sport.host(), 12345);
	EXPECT_EQ(r.f.key.v4.dport.host(), 80);
	EXPECT_EQ(r.f.tcp_flags, 0);

	// The same bytes without MF are a short packet.
	p[6] = 0x00;
	EXPECT_EQ(parse(p).st, ParseStatus::truncated);

	// A first fragment with 2 bytes of TCP: no ports, still fine.
	Buf q(p.begin(), p.begin() + 22);
	q[3] = 22;
	q[6] = 0x20;
	r = parse(q);
	ASSERT_EQ(r.st, ParseStatus::ok);
	EXPECT_EQ(r.f.key.v4.sport.host(), 0);
	EXPECT_EQ(r.f.key.v4.dport.host(), 0);

	// A first fragment with 14 bytes of TCP carries the flags byte.
	Buf f = {
		0x45, 0x00, 0x00, 0x22,	// tot_len 34
		0x00, 0x00, 0x20, 0x00,	// MF
		0x40, 0x06, 0x00, 0x00,
		0x0a, 0x00, 0x00, 0x01,
		0x0a, 0x00, 0x00, 0x02,
		0x30, 0x39, 0x00, 0x50,
		0x00, 0x00, 0x00, 0x01,
		0x00, 0x00, 0x00, 0x00,
		0x50, 0x12,		// data offset 5, SYN|ACK
	};
	r = parse(f);
	ASSERT_EQ(r.st, ParseStatus::ok);
	EXPECT_EQ(r.f.tcp_flags, 0x12);
	EXPECT_EQ(r.f.key.v4.dport.host(), 80);
}

TEST(ParserIpv4, HeaderChecks)
{
	Buf p = ipv4_udp;
	p[0] = 0x44;	// IHL 4
	EXPECT_EQ(parse(p).st, ParseStatus::truncated);
	p[0] = 0x40;	// IHL 0
	EXPECT_EQ(parse(p).st, ParseStatus::truncated);
	p[0] = 0x65;	// version 6 on the IPv4 path
	EXPECT_EQ(parse(p, SIZE_MAX, UINT32_MAX, NF_FAMILY_IPV4).st, ParseStatus::truncated);
	p[0] = 0x4f;	// IHL 15 = 60 bytes > tot_len 29
	EXPECT_EQ(parse(p).st, ParseStatus::truncated);

	p = ipv4_udp;
	p[2] = 0x00;	// tot_len 19 < 20
	p[3] = 0x13;
	EXPECT_EQ(parse(p).st, ParseStatus::truncated);
	p[3] = 0x00;	// tot_len 0: only a BIG TCP skb can say the length
	EXPECT_EQ(parse(p).st, ParseStatus::length_in_skb);
	p[2] = 0xff;	// tot_len 65535, lying
	p[3] = 0xff;
	EXPECT_EQ(parse(p).st, ParseStatus::truncated);
	p[2] = 0x00;	// tot_len 30 > wire 29
	p[3] = 0x1e;
	EXPECT_EQ(parse(p).st, ParseStatus::truncated);

	EXPECT_EQ(parse(ipv4_udp, SIZE_MAX, UINT32_MAX, 5).st, ParseStatus::truncated);	// no such family
}

TEST(ParserIpv4, TrailingPaddingIsNotAccounted)
{
	Buf p = ipv4_udp;
	p.resize(60, 0xee);	// Ethernet minimum frame padding
	auto r = parse(p);
	ASSERT_EQ(r.st, ParseStatus::ok);
	EXPECT_EQ(r.f.ip_len, 29u);
	EXPECT_EQ(r.f.key.v4.dport.host(), 53);
}

TEST(ParserIpv4, HeaderOnlyPacketOfUnknownProtocol)
{
	Buf p = {
		0x45, 0x00, 0x00, 0x14,	// tot_len 20: nothing after the header
		0x00, 0x00, 0x00, 0x00,
		0x40, 0xfd, 0x00, 0x00,	// experimental protocol 253
		0x0a, 0x00, 0x00, 0x01,
		0x0a, 0x00, 0x00, 0x02,
	};
	auto r = parse(p);
	ASSERT_EQ(r.st, ParseStatus::ok);
	EXPECT_EQ(r.f.ip_len, 20u);
	EXPECT_EQ(r.f.key.v4.proto, 253);
}

// Every prefix of a valid packet, three ways.  The verdict must be exact:
// a prefix either holds what is needed or it is truncated.
TEST(ParserIpv4, EveryPrefixOfTcpPacket)
{
	const Buf& p = ipv4_tcp_syn;
	for (size_t n = 0; n <= p.size(); ++n) {
		SCOPED_TRACE(n);
		// The copy stopped at n (packet longer).
		EXPECT_EQ(parse(p, n, 60).st, n == 60 ? ParseStatus::ok : ParseStatus::truncated);
		// The packet on the wire is n bytes but tot_len says 60.
		EXPECT_EQ(parse(p, n, static_cast<uint32_t>(n)).st, n == 60 ? ParseStatus::ok : ParseStatus::truncated);
		// A consistent n-byte packet (tot_len n): too short for its TCP.
		if (n >= 4) {
			Buf q(p.begin(), p.begin() + n);
			q[2] = 0;
			q[3] = static_cast<uint8_t>(n);
			EXPECT_EQ(parse(q).st, n == 60 ? ParseStatus::ok : ParseStatus::truncated);
		}
	}
}

TEST(ParserIpv4, EveryPrefixOfOptionsPacketNeverOverreads)
{
	Buf p = {
		0x4b, 0x00, 0x00, 0x34,
		0x00, 0x00, 0x20, 0x00,	// first fragment: partial L4 allowed
		0x40, 0x06, 0x00, 0x00,
		0x0a, 0x00, 0x00, 0x01,
		0x0a, 0x00, 0x00, 0x02,
		0x88, 0x04, 0x12, 0x34, 0x0a, 0x02, 0xcd, 0x02, 0x8e, 0x02, 0x0f, 0x02,
		0x98, 0x02, 0x19, 0x02, 0x5e, 0x02, 0x9f, 0x02, 0x01, 0x07, 0x03, 0x00,
		0x30, 0x39, 0x00, 0x50, 0x00, 0x00, 0x00, 0x01,
	};
	for (size_t n = 0; n <= p.size(); ++n) {
		for (uint32_t wire : {uint32_t(n), uint32_t(p.size())}) {
			auto r = parse(p, n, wire);
			EXPECT_TRUE(r.st == ParseStatus::ok || r.st == ParseStatus::truncated);
		}
		Buf q(p.begin(), p.begin() + n);
		if (n >= 4) {
			q[2] = 0;
			q[3] = static_cast<uint8_t>(n);
		}
		auto r = parse(q);
		// A first fragment may end anywhere after its header.
		EXPECT_EQ(r.st, n >= 44 ? ParseStatus::ok : ParseStatus::truncated) << n;
	}
}

// The packet path parses plain IPv4 TCP/UDP inline (parse_plain_ipv4) and
// hands everything else to parse_packet(); parse() above checks the two
// agree on every IPv4 case of this file.  Here: which packets it takes.
TEST(ParserIpv4, PlainParserTakesTheCommonCase)
{
	auto taken = [](const Buf& pkt, size_t copy, uint32_t wire) {
		const int before = plain_taken;
		const auto r = parse(pkt, copy, wire);
		return plain_taken > before && r.st == ParseStatus::ok;
	};
	const uint32_t udp_len = static_cast<uint32_t>(ipv4_udp.size());
	const uint32_t syn_len = static_cast<uint32_t>(ipv4_tcp_syn.size());
	EXPECT_TRUE(taken(ipv4_udp, SIZE_MAX, udp_len));
	EXPECT_TRUE(taken(ipv4_tcp_syn, SIZE_MAX, syn_len));	// options walked inline
	EXPECT_TRUE(taken(ipv4_udp, SIZE_MAX, udp_len + 100));	// Ethernet padding after tot_len
	Buf frag = ipv4_udp, opts = ipv4_udp, icmp = ipv4_udp;
	frag[6] = 0x20;	// MF
	opts[0] = 0x46;
	icmp[9] = 1;
	EXPECT_FALSE(taken(frag, SIZE_MAX, udp_len));
	EXPECT_FALSE(taken(opts, SIZE_MAX, udp_len));
	EXPECT_FALSE(taken(icmp, SIZE_MAX, udp_len));
	EXPECT_FALSE(taken(ipv4_udp, SIZE_MAX, udp_len - 1));	// tot_len beyond the packet
	EXPECT_FALSE(taken(ipv4_udp, 27, udp_len));		// UDP header cut by the copy
	EXPECT_FALSE(taken(ipv4_tcp_syn, 50, syn_len));	// TCP options cut by the copy
}

// ---- IPv6 ---------------------------------------------------------------

namespace {

// Traffic class 0xb8, flow label 0xabcde, 2001:db8::1 -> 2001:db8::2.
Buf ipv6_header(uint16_t payload_len, uint8_t next)
{
	Buf p(40);
	testpkt::write_ip6_header(p.data(), payload_len, next, testpkt::doc6(1), testpkt::doc6(2), 0xb8, 0xabcde);
	return p;
}

const Buf hop_to_routing = {0x2b, 0x00, 0x01, 0x04, 0x00, 0x00, 0x00, 0x00};	// next 43, 8 bytes, PadN
const Buf routing_to_frag = {
	0x2c, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,	// next 44, 24 bytes
	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x03,
};
const Buf frag_first_to_dst = {0x3c, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x2a};	// next 60, offset 0, M
const Buf dst_to_udp = {0x11, 0x00, 0x01, 0x04, 0x00, 0x00, 0x00, 0x00};	// next 17, 8 bytes
const Buf udp_8080 = {0x1f, 0x90, 0x1f, 0x91, 0x00, 0x0c, 0x00, 0x00, 0xde, 0xad, 0xbe, 0xef};

const uint8_t src6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01};
const uint8_t dst6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02};

} // namespace

TEST(ParserIpv6, PlainUdp)
{
	Buf p = cat({ipv6_header(12, 17), udp_8080});
	auto r = parse(p);
	ASSERT_EQ(r.st, ParseStatus::ok);
	EXPECT_EQ(r.f.family, NF_FAMILY_IPV6);
	EXPECT_EQ(r.f.ip_len, 52u);
	EXPECT_EQ(r.f.key.v6.tclass, 0xb8);
	EXPECT_EQ(r.f.flow_label, 0xabcdeu);
	EXPECT_EQ(0, std::memcmp(r.f.key.v6.src, src6, 16));
	EXPECT_EQ(0, std::memcmp(r.f.key.v6.dst, dst6, 16));
	EXPECT_EQ(r.f.key.v6.proto, 17);
	EXPECT_EQ(r.f.key.v6.sport.host(), 8080);
	EXPECT_EQ(r.f.key.v6.dport.host(), 8081);
	EXPECT_EQ(r.f.key.v6.iif, 0);
	EXPECT_EQ(r.f.key.v6.ext_hdrs, 0);	// the key's non-key tail stays zero
	EXPECT_EQ(r.f.ext_hdrs, 0);
	EXPECT_FALSE(r.f.fragment);
}

TEST(ParserIpv6, TrafficClassIsAllEightBits)
{
	Buf p = cat({ipv6_header(12, 17), udp_8080});
	p[0] = 0x6f;	// tclass 0xff, flow label 0xfffff
	p[1] = 0xff;
	p[2] = 0xff;
	p[3] = 0xff;
	auto r = parse(p);
	ASSERT_EQ(r.st, ParseStatus::ok);
	EXPECT_EQ(r.f.key.v6.tclass, 0xff);
	EXPECT_EQ(r.f.flow_label, 0xfffffu);
	p[0] = 0x60;	// tclass 0x01: the low nibble lives in byte 1
	p[1] = 0x10;
	p[2] = 0x00;
	p[3] = 0x00;
	r = parse(p);
	EXPECT_EQ(r.f.key.v6.tclass, 0x01);
	EXPECT_EQ(r.f.flow_label, 0u);
}

TEST(ParserIpv6, ChainHopRoutingFragmentDestThenUdp)
{
	Buf p = cat({ipv6_header(60, 0), hop_to_routing, routing_to_frag, frag_first_to_dst, dst_to_udp, udp_8080});
	ASSERT_EQ(p.size(), 100u);
	auto r = parse(p);
	ASSERT_EQ(r.st, ParseStatus::ok);
	EXPECT_EQ(r.f.ip_len, 100u);
	// HOP bit 1, RH bit 5, FRA0 bit 4, DST bit 0
	EXPECT_EQ(r.f.ext_hdrs, 0x0033);
	EXPECT_TRUE(r.f.fragment);	// M=1: a first fragment, ports kept (docs/ORIGINAL.md §10.14)
	EXPECT_EQ(r.f.key.v6.proto, 17);
	EXPECT_EQ(r.f.key.v6.sport.host(), 8080);
	EXPECT_EQ(r.f.key.v6.dport.host(), 8081);
}

TEST(ParserIpv6, NonFirstFragmentHasNoPorts)
{
	Buf frag = {0x3c, 0x00, 0x05, 0x48, 0x00, 0x00, 0x00, 0x2a};	// offset 169 (1352 bytes), M=0
	Buf p = cat({ipv6_header(60, 0), hop_to_routing, routing_to_frag, frag, dst_to_udp, udp_8080});
	auto r = parse(p);
	ASSERT_EQ(r.st, ParseStatus::ok);
	EXPECT_EQ(r.f.ext_hdrs, 0x0062);	// HOP | RH | FRA1
	EXPECT_TRUE(r.f.fragment);
	EXPECT_EQ(r.f.key.v6.proto, 60);	// what the fragment header says follows
	EXPECT_EQ(r.f.key.v6.sport.host(), 0);
	EXPECT_EQ(r.f.key.v6.dport.host(), 0);
}

TEST(ParserIpv6, AtomicFragmentIsNotAFragment)
{
	Buf frag = {0x11, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2a};	// next UDP, offset 0, M=0
	Buf p = cat({ipv6_header(20, 44), frag, udp_8080});
	auto r = parse(p);
	ASSERT_EQ(r.st, ParseStatus::ok);
	EXPECT_EQ(r.f.ext_hdrs, ipv6_ext::frag_first);
	EXPECT_FALSE(r.f.fragment);
	EXPECT_EQ(r.f.key.v6.dport.host(), 8081);
}

TEST(ParserIpv6, FirstFragmentTooShortForWholeTcpKeepsPorts)
{
	Buf frag = {0x06, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01};	// next TCP, M
	Buf tcp8 = {0x30, 0x39, 0x01, 0xbb, 0x00, 0x00, 0x00, 0x01};
	Buf p = cat({ipv6_header(16, 44), frag, tcp8});
	auto r = parse(p);
	ASSERT_EQ(r.st, ParseStatus::ok);
	EXPECT_TRUE(r.f.fragment);
	EXPECT_EQ(r.f.key.v6.proto, 6);
	EXPECT_EQ(r.f.key.v6.sport.host(), 12345);
	EXPECT_EQ(r.f.key.v6.dport.host(), 443);
	EXPECT_EQ(r.f.tcp_flags, 0);
}

namespace {
Buf dstopts_chain(int headers, uint8_t last_next)
{
	Buf chain;
	for (int i = 0; i < headers; ++i) {
		Buf h = {0x3c, 0x00, 0x01, 0x04, 0x00, 0x00, 0x00, 0x00};
		if (i == headers - 1)
			h[0] = last_next;
		chain.insert(chain.end(), h.begin(), h.end());
	}
	return chain;
}
} // namespace

TEST(ParserIpv6, ChainLengthBound)
{
	static_assert(max_ipv6_ext_headers == 16);
	Buf ok = cat({ipv6_header(16 * 8 + 12, 60), dstopts_chain(16, 17), udp_8080});
	ASSERT_LE(ok.size(), size_t(NF_MAX_HEADER_BYTES));
	auto r = parse(ok);
	ASSERT_EQ(r.st, ParseStatus::ok);
	EXPECT_EQ(r.f.ext_hdrs, ipv6_ext::dst);
	EXPECT_EQ(r.f.key.v6.dport.host(), 8081);

	Buf too_long = cat({ipv6_header(17 * 8 + 12, 60), dstopts_chain(17, 17), udp_8080});
	ASSERT_LE(too_long.size(), size_t(NF_MAX_HEADER_BYTES));
	EXPECT_EQ(parse(too_long).st, ParseStatus::truncated);

	// 17 headers even when the 17th is a fragment header.
	Buf frag = {0x11, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
	Buf with_frag = cat({ipv6_header(16 * 8 + 8 + 12, 60), dstopts_chain(16, 44), frag, udp_8080});
	EXPECT_EQ(parse(with_frag).st, ParseStatus::truncated);
}

TEST(ParserIpv6, ChainLongerThanTheCopyIsTruncated)
{
	// Destination options of 248 bytes then TCP: 308 bytes, the glue copies 256.
	Buf dst(248, 0);
	dst[0] = 6;
	dst[1] = 30;	// (30 + 1) * 8 = 248
	dst[2] = 0x01;	// PadN over the rest
	dst[3] = 244;
	Buf tcp = {0x30, 0x39, 0x00, 0x50, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02, 0xff, 0xff, 0, 0, 0, 0};
	Buf p = cat({ipv6_header(268, 60), dst, tcp});
	ASSERT_EQ(p.size(), 308u);
	EXPECT_EQ(parse(p, NF_MAX_HEADER_BYTES, 308).st, ParseStatus::truncated);
	auto r = parse(p);	// the whole packet: fine
	ASSERT_EQ(r.st, ParseStatus::ok);
	EXPECT_EQ(r.f.key.v6.dport.host(), 80);
	EXPECT_EQ(r.f.tcp_flags, 0x02);
}

TEST(ParserIpv6, ExtensionHeaderLengthBeyondPacket)
{
	Buf dst = {0x11, 0xff, 0x01, 0x04, 0x00, 0x00, 0x00, 0x00};	// claims 2048 bytes
	Buf p = cat({ipv6_header(20, 60), dst, udp_8080});
	EXPECT_EQ(parse(p).st, ParseStatus::truncated);

	// ... even when what follows has no header to look at.
	dst[0] = 59;
	p = cat({ipv6_header(20, 60), dst, udp_8080});
	EXPECT_EQ(parse(p).st, ParseStatus::truncated);
}

TEST(ParserIpv6, ExtensionHeaderEndingAtPacketEnd)
{
	Buf dst = {59, 0x00, 0x01, 0x04, 0x00, 0x00, 0x00, 0x00};	// No Next Header
	Buf p = cat({ipv6_header(8, 60), dst});
	auto r = parse(p);
	ASSERT_EQ(r.st, ParseStatus::ok);
	EXPECT_EQ(r.f.key.v6.proto, 59);
	EXPECT_EQ(r.f.ext_hdrs, ipv6_ext::dst | ipv6_ext::no_next);
}

TEST(ParserIpv6, Icmpv6)
{
	Buf icmp = {0x80, 0x00, 0x12, 0x34, 0x00, 0x01, 0x00, 0x02};	// echo request
	auto r = parse(cat({ipv6_header(8, 58), icmp}));
	ASSERT_EQ(r.st, ParseStatus::ok);
	EXPECT_EQ(r.f.key.v6.proto, 58);
	EXPECT_EQ(r.f.key.v6.sport.host(), 0);
	EXPECT_EQ(r.f.key.v6.dport.host(), 0x8000);

	icmp[0] = 1;	// destination unreachable, code 4 (port)
	icmp[1] = 4;
	r = parse(cat({ipv6_header(8, 58), icmp}));
	EXPECT_EQ(r.f.key.v6.dport.host(), 0x0104);
}

TEST(ParserIpv6, EspStopsTheWalk)
{
	Buf esp = {0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x05, 0x3c, 0x00, 0x00, 0x00};
	Buf hop_to_esp = {50, 0x00, 0x01, 0x04, 0x00, 0x00, 0x00, 0x00};
	auto r = parse(cat({ipv6_header(20, 0), hop_to_esp, esp}));
	ASSERT_EQ(r.st, ParseStatus::ok);
	EXPECT_EQ(r.f.key.v6.proto, 50);
	EXPECT_EQ(r.f.ext_hdrs, ipv6_ext::hop | ipv6_ext::esp);
	EXPECT_EQ(r.f.key.v6.sport.host(), 0x0000);
	EXPECT_EQ(r.f.key.v6.dport.host(), 0x0100);
}

TEST(ParserIpv6, AhIsWalkedToTheUpperLayer)
{
	Buf ah = {
		0x06, 0x04, 0x00, 0x00,	// next TCP, (4+2)*4 = 24 bytes
		0x00, 0x00, 0x10, 0x01,	// SPI
		0x00, 0x00, 0x00, 0x09,
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	};
	Buf tcp = {0x00, 0x16, 0xd4, 0x31, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x18, 0xff, 0xff, 0, 0, 0, 0};
	auto r = parse(cat({ipv6_header(44, 51), ah, tcp}));
	ASSERT_EQ(r.st, ParseStatus::ok);
	EXPECT_EQ(r.f.ext_hdrs, ipv6_ext::ah);
	EXPECT_EQ(r.f.key.v6.proto, 6);
	EXPECT_EQ(r.f.key.v6.sport.host(), 22);
	EXPECT_EQ(r.f.key.v6.dport.host(), 54321);
	EXPECT_EQ(r.f.tcp_flags, 0x18);
}

TEST(ParserIpv6, MobilityAndIpcomp)
{
	Buf mh = {59, 0x01, 0x05, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};	// 16 bytes
	auto r = parse(cat({ipv6_header(16, 135), mh}));
	ASSERT_EQ(r.st, ParseStatus::ok);
	EXPECT_EQ(r.f.ext_hdrs, ipv6_ext::mobility | ipv6_ext::no_next);
	EXPECT_EQ(r.f.key.v6.proto, 59);

	Buf ipcomp = {0x06, 0x00, 0x00, 0x02, 0xaa, 0xbb, 0xcc, 0xdd};
	r = parse(cat({ipv6_header(8, 108), ipcomp}));
	ASSERT_EQ(r.st, ParseStatus::ok);
	EXPECT_EQ(r.f.ext_hdrs, ipv6_ext::ipcomp);
	EXPECT_EQ(r.f.key.v6.proto, 108);
	EXPECT_EQ(r.f.key.v6.dport.host(), 0);
}

TEST(ParserIpv6, ExtensionHeaderBitsAreTheRegistryNumbers)
{
	// IANA ipv6ExtensionHeaders: DST 0, HOP 1, UNK 3, FRA0 4, RH 5, FRA1 6,
	// MOB 12, ESP 13, AH 14, PAY 15.
	EXPECT_EQ(ipv6_ext::dst, 0x0001);
	EXPECT_EQ(ipv6_ext::hop, 0x0002);
	EXPECT_EQ(ipv6_ext::unknown, 0x0008);
	EXPECT_EQ(ipv6_ext::frag_first, 0x0010);
	EXPECT_EQ(ipv6_ext::routing, 0x0020);
	EXPECT_EQ(ipv6_ext::frag_rest, 0x0040);
	EXPECT_EQ(ipv6_ext::mobility, 0x1000);
	EXPECT_EQ(ipv6_ext::esp, 0x2000);
	EXPECT_EQ(ipv6_ext::ah, 0x4000);
	EXPECT_EQ(ipv6_ext::ipcomp, 0x8000);
}

TEST(ParserIpv6, HeaderChecks)
{
	Buf p = cat({ipv6_header(12, 17), udp_8080});
	Buf q = p;
	q[4] = 0;	// payload length 0, no jumbo option: the skb's length
	q[5] = 0;
	EXPECT_EQ(parse(q).st, ParseStatus::length_in_skb);
	q = p;
	q[5] = 13;	// one more than the wire has
	EXPECT_EQ(parse(q).st, ParseStatus::truncated);
	q = p;
	q[0] = 0x4b;	// version 4 on the IPv6 path
	EXPECT_EQ(parse(q, SIZE_MAX, UINT32_MAX, NF_FAMILY_IPV6).st, ParseStatus::truncated);
	// Too short for the fixed header.
	EXPECT_EQ(parse(p, 39, 52).st, ParseStatus::truncated);
	// UDP cut by the packet end (payload 4): truncated.
	q = cat({ipv6_header(4, 17), Buf(udp_8080.begin(), udp_8080.begin() + 4)});
	EXPECT_EQ(parse(q).st, ParseStatus::truncated);
	// Trailing padding beyond payload length is ignored.
	q = p;
	q.resize(80, 0xee);
	auto r = parse(q);
	ASSERT_EQ(r.st, ParseStatus::ok);
	EXPECT_EQ(r.f.ip_len, 52u);
}

TEST(ParserIpv6, EveryPrefixOfChainPacket)
{
	Buf tcp = {0x30, 0x39, 0x00, 0x50, 0, 0, 0, 1, 0, 0, 0, 0, 0x60, 0x02, 0xff, 0xff, 0, 0, 0, 0, 0x02, 0x04, 0x05, 0xa0};
	Buf dst_to_tcp = dst_to_udp;
	dst_to_tcp[0] = 6;
	Buf p = cat({ipv6_header(72, 0), hop_to_routing, routing_to_frag, frag_first_to_dst, dst_to_tcp, tcp});
	ASSERT_EQ(p.size(), 112u);
	auto full = parse(p);
	ASSERT_EQ(full.st, ParseStatus::ok);
	EXPECT_EQ(full.f.tcp_options, tcp_option_bit(2));
	for (size_t n = 0; n <= p.size(); ++n) {
		SCOPED_TRACE(n);
		EXPECT_EQ(parse(p, n, 112).st, n == 112 ? ParseStatus::ok : ParseStatus::truncated);
		EXPECT_EQ(parse(p, n, uint32_t(n)).st, n == 112 ? ParseStatus::ok : ParseStatus::truncated);
		if (n >= 40) {
			Buf q(p.begin(), p.begin() + n);
			q[4] = uint8_t((n - 40) >> 8);
			q[5] = uint8_t(n - 40);
			auto r = parse(q);
			// A first fragment (M=1) may stop after its ports; before the
			// end of the extension headers it is malformed.
			// (n == 40 is payload length 0 without a jumbo option.)
			EXPECT_EQ(r.st, n >= 88 ? ParseStatus::ok
					: n == 40 ? ParseStatus::length_in_skb : ParseStatus::truncated);
			if (n >= 92) {
				EXPECT_EQ(r.f.key.v6.dport.host(), 80);
			} else if (n >= 88) {
				EXPECT_EQ(r.f.key.v6.dport.host(), 0);	// a first fragment without ports
			}
		}
	}
}

// ---- BIG TCP (issue 20 item 1) --------------------------------------------
//
// GRO/GSO super-packets above 64 KiB: IPv4 tot_len 0 (6.3+), IPv6 payload
// length 0 with a hop-by-hop jumbo option (6.1, 6.12) or without one.  The
// header alone (what the glue copies) is parsed; wire_len is the skb's.

namespace {

Result parse_big(const Buf& hdr, uint32_t wire, bool length_from_skb)
{
	std::unique_ptr<uint8_t[]> buf(new uint8_t[hdr.size()]);
	std::memcpy(buf.get(), hdr.data(), hdr.size());
	Result r;
	const uint8_t family = (hdr[0] >> 4) == 6 ? NF_FAMILY_IPV6 : NF_FAMILY_IPV4;
	r.st = parse_packet(ktl::Bytes(buf.get(), hdr.size()), wire, family, r.f, length_from_skb);
	return r;
}

// TCP 12345 -> 80, ACK, data offset 5.
const Buf tcp_ack = {0x30, 0x39, 0x00, 0x50, 0, 0, 0, 1, 0, 0, 0, 1, 0x50, 0x10, 0xff, 0xff, 0, 0, 0, 0};

Buf ipv4_big_tcp()
{
	Buf p = cat({Buf(ipv4_tcp_syn.begin(), ipv4_tcp_syn.begin() + 20), tcp_ack});
	p[2] = p[3] = 0;	// tot_len 0
	return p;
}

// Hop-by-hop header with the jumbo payload option (RFC 2675), next TCP.
Buf hbh_jumbo(uint32_t jumbo)
{
	return {6, 0, 0xc2, 4, uint8_t(jumbo >> 24), uint8_t(jumbo >> 16), uint8_t(jumbo >> 8), uint8_t(jumbo)};
}

} // namespace

TEST(ParserBigTcp, Ipv4ZeroTotalLengthTakesTheSkbLength)
{
	const Buf p = ipv4_big_tcp();
	EXPECT_EQ(parse_big(p, 185000, false).st, ParseStatus::length_in_skb);
	const Result r = parse_big(p, 185000, true);
	ASSERT_EQ(r.st, ParseStatus::ok);
	EXPECT_EQ(r.f.ip_len, 185000u);
	EXPECT_EQ(r.f.key.v4.proto, 6);
	EXPECT_EQ(r.f.key.v4.dport.host(), 80);
	EXPECT_EQ(r.f.tcp_flags, 0x10);
	// Shorter than its own header: still truncated.
	EXPECT_EQ(parse_big(p, 30, true).st, ParseStatus::truncated);
}

TEST(ParserBigTcp, Ipv6JumboOptionGivesTheLength)
{
	const Buf p = cat({ipv6_header(0, 0), hbh_jumbo(185000 - 40), tcp_ack});
	const Result r = parse_big(p, 185000, false);
	ASSERT_EQ(r.st, ParseStatus::ok);
	EXPECT_EQ(r.f.ip_len, 185000u);
	EXPECT_EQ(r.f.key.v6.proto, 6);
	EXPECT_EQ(r.f.key.v6.dport.host(), 80);
	EXPECT_EQ(r.f.ext_hdrs, ipv6_ext::hop);
	// PadN before the option is skipped.
	Buf padded = cat({ipv6_header(0, 0), Buf{6, 1, 1, 2, 0, 0, 0xc2, 4, 0, 2, 0xd3, 0x80, 0, 0, 0, 0}, tcp_ack});
	const Result q = parse_big(padded, 40 + 0x2d380, false);
	ASSERT_EQ(q.st, ParseStatus::ok);
	EXPECT_EQ(q.f.ip_len, 40u + 0x2d380);
	// A jumbo length beyond the packet, or below 65536, is not trusted.
	EXPECT_EQ(parse_big(p, 184999, false).st, ParseStatus::truncated);
	EXPECT_EQ(parse_big(p, 184999, true).st, ParseStatus::truncated);
	const Buf small = cat({ipv6_header(0, 0), hbh_jumbo(1000), tcp_ack});
	EXPECT_NE(parse_big(small, 1040, false).st, ParseStatus::ok);
	// Cut inside the hop-by-hop header: never read past the copy.
	for (size_t n = 40; n < 48; n++)
		EXPECT_NE(parse_big(Buf(p.begin(), p.begin() + long(n)), 185000, false).st, ParseStatus::ok) << n;
}

TEST(ParserBigTcp, Ipv6ZeroPayloadWithoutOptionTakesTheSkbLength)
{
	const Buf p = cat({ipv6_header(0, 6), tcp_ack});
	EXPECT_EQ(parse_big(p, 150000, false).st, ParseStatus::length_in_skb);
	const Result r = parse_big(p, 150000, true);
	ASSERT_EQ(r.st, ParseStatus::ok);
	EXPECT_EQ(r.f.ip_len, 150000u);
	EXPECT_EQ(r.f.key.v6.sport.host(), 12345);
}
