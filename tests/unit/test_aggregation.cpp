// SPDX-License-Identifier: GPL-2.0
// Aggregation rules (kmod/core/config/aggregation.{hpp,cpp}; docs/ORIGINAL.md
// §1.1 "aggregation", §5.1 rules, §3.1 aggr lines, §4.1 src/dst mask):
//   a.b.c.d/M=N   IPv4 addresses in a.b.c.d/M are stripped to /N, N exported
//   P1-P2=P, P=Q  TCP/UDP/SCTP/UDP-Lite ports replaced (IPv4 and IPv6)
// The parser (valid, invalid, boundaries, error positions), AggrRules::apply
// and apply_ports on keys, and the rules inside the core: the aggr lines of
// the main view with their usage counters, and the v5 records they produce.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "core/config/aggregation.hpp"
#include "core/core.hpp"
#include "core_defaults.hpp"
#include "fake_platform.hpp"
#include "netflow/abi.h"
#include "packet_builder.hpp"

using namespace netflow;

namespace {

constexpr uint32_t ip4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	return uint32_t(a) << 24 | uint32_t(b) << 16 | uint32_t(c) << 8 | d;
}

struct Parsed {
	bool ok;
	std::unique_ptr<AggrRules> r;
	ParseError err;
};

Parsed parse(const char* text)
{
	Parsed p{false, std::make_unique<AggrRules>(), ParseError{777, "unset"}};
	// Whatever was there before must not survive a parse.
	p.r->nnet = 5;
	p.r->nport = 7;
	p.ok = parse_aggregation(text, *p.r, p.err);
	if (p.ok) {
		EXPECT_EQ(p.err.reason, nullptr) << text;
		EXPECT_EQ(p.err.position, 0u) << text;
	} else {
		EXPECT_NE(p.err.reason, nullptr) << text;
		EXPECT_EQ(p.r->nnet, 0u) << "a rejected string leaves no rules: " << text;
		EXPECT_EQ(p.r->nport, 0u) << "a rejected string leaves no rules: " << text;
	}
	return p;
}

// "net/M=N" of rule i, as the main view would print it.
std::string net_rule(const AggrRules& r, uint32_t i)
{
	const AggrNetRule& n = r.net[i];
	char buf[64];
	snprintf(buf, sizeof(buf), "%u.%u.%u.%u/%u=%u", n.net >> 24, n.net >> 16 & 0xff, n.net >> 8 & 0xff,
		 n.net & 0xff, n.match, n.strip);
	return buf;
}

std::string port_rule(const AggrRules& r, uint32_t i)
{
	const AggrPortRule& p = r.port[i];
	return std::to_string(p.lo) + "-" + std::to_string(p.hi) + "=" + std::to_string(p.to);
}

// Expects `text` to be rejected at byte `pos`.
void expect_rejected_at(const char* text, uint32_t pos)
{
	Parsed p = parse(text);
	EXPECT_FALSE(p.ok) << "accepted: '" << text << "'";
	EXPECT_EQ(p.err.position, pos) << "'" << text << "': " << (p.err.reason ? p.err.reason : "(null)");
}

Ipv4Key key4(uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport, uint8_t proto)
{
	Ipv4Key k{};
	k.src = Be32::from_host(src);
	k.dst = Be32::from_host(dst);
	k.sport = Be16::from_host(sport);
	k.dport = Be16::from_host(dport);
	k.iif = 3;
	k.proto = proto;
	k.tos = 0x10;
	return k;
}

struct Applied {
	Ipv4Key k;
	uint8_t smask, dmask;
};

Applied apply(AggrRules& r, Ipv4Key k)
{
	Applied a{k, 0, 0};
	r.apply(a.k, a.smask, a.dmask);
	return a;
}

} // namespace

// ============================================================================
// Parser: valid strings
// ============================================================================

TEST(AggrParse, EmptyAndSeparatorsOnlyAreNoRules)
{
	for (const char* t : {"", " ", ",", ",,, ,", " \t\n;, ", ";;"}) {
		Parsed p = parse(t);
		EXPECT_TRUE(p.ok) << "'" << t << "'";
		EXPECT_TRUE(p.r->empty()) << "'" << t << "'";
	}
	Parsed p = parse(nullptr);
	EXPECT_TRUE(p.ok);
	EXPECT_TRUE(p.r->empty());
}

TEST(AggrParse, OneOfEachKind)
{
	Parsed p = parse("10.1.0.0/16=8,50000-50999=50000,80=8080");
	ASSERT_TRUE(p.ok);
	ASSERT_EQ(p.r->nnet, 1u);
	ASSERT_EQ(p.r->nport, 2u);
	EXPECT_EQ(p.r->net[0].net, ip4(10, 1, 0, 0));
	EXPECT_EQ(p.r->net[0].match, 16);
	EXPECT_EQ(p.r->net[0].strip, 8);
	EXPECT_EQ(p.r->net[0].usage, 0u);
	EXPECT_EQ(port_rule(*p.r, 0), "50000-50999=50000");
	EXPECT_EQ(port_rule(*p.r, 1), "80-80=8080");	// P=Q is the range P-P
	EXPECT_EQ(p.r->port[0].usage, 0u);
	EXPECT_EQ(p.r->port[1].usage, 0u);
}

TEST(AggrParse, KindsKeepTheirOwnOrderWhenInterleaved)
{
	Parsed p = parse("1=2, 10.0.0.0/8=8 ;3-4=5\t192.168.0.0/16=24\n6=7");
	ASSERT_TRUE(p.ok);
	ASSERT_EQ(p.r->nnet, 2u);
	ASSERT_EQ(p.r->nport, 3u);
	EXPECT_EQ(net_rule(*p.r, 0), "10.0.0.0/8=8");
	EXPECT_EQ(net_rule(*p.r, 1), "192.168.0.0/16=24");	// N > M is allowed (as the original)
	EXPECT_EQ(port_rule(*p.r, 0), "1-1=2");
	EXPECT_EQ(port_rule(*p.r, 1), "3-4=5");
	EXPECT_EQ(port_rule(*p.r, 2), "6-6=7");
}

TEST(AggrParse, NetworkIsMaskedToItsPrefix)
{
	Parsed p = parse("10.1.2.3/16=8,192.168.77.200/27=32");
	ASSERT_TRUE(p.ok);
	ASSERT_EQ(p.r->nnet, 2u);
	EXPECT_EQ(net_rule(*p.r, 0), "10.1.0.0/16=8");
	EXPECT_EQ(net_rule(*p.r, 1), "192.168.77.192/27=32");
}

TEST(AggrParse, PrefixBoundaries)
{
	Parsed p = parse("255.255.255.255/0=0,1.2.3.4/32=32,0.0.0.0/0=32,9.9.9.9/32=0");
	ASSERT_TRUE(p.ok);
	ASSERT_EQ(p.r->nnet, 4u);
	EXPECT_EQ(net_rule(*p.r, 0), "0.0.0.0/0=0");
	EXPECT_EQ(net_rule(*p.r, 1), "1.2.3.4/32=32");
	EXPECT_EQ(net_rule(*p.r, 2), "0.0.0.0/0=32");
	EXPECT_EQ(net_rule(*p.r, 3), "9.9.9.9/32=0");
}

TEST(AggrParse, PortBoundaries)
{
	Parsed p = parse("0=65535,65535=0,0-65535=1,7-7=7,65535-65535=65535");
	ASSERT_TRUE(p.ok);
	ASSERT_EQ(p.r->nport, 5u);
	EXPECT_EQ(port_rule(*p.r, 0), "0-0=65535");
	EXPECT_EQ(port_rule(*p.r, 1), "65535-65535=0");
	EXPECT_EQ(port_rule(*p.r, 2), "0-65535=1");
	EXPECT_EQ(port_rule(*p.r, 3), "7-7=7");
	EXPECT_EQ(port_rule(*p.r, 4), "65535-65535=65535");
}

TEST(AggrParse, SixtyFourOfEachKind)
{
	std::string t;
	// 64 * 12 + 64 * 4 = 1024 characters: the limit on both counts.
	for (int i = 0; i < 64; i++) {
		t += i == 63 ? "9.0.0.0/8=8," : "1.0.0.0/8=8,";
		t += i == 63 ? "2=2," : "1=1,";
	}
	ASSERT_EQ(t.size(), 1024u);
	Parsed p = parse(t.c_str());
	ASSERT_TRUE(p.ok) << p.err.reason;
	ASSERT_EQ(p.r->nnet, 64u);
	ASSERT_EQ(p.r->nport, 64u);
	EXPECT_EQ(net_rule(*p.r, 62), "1.0.0.0/8=8");
	EXPECT_EQ(net_rule(*p.r, 63), "9.0.0.0/8=8");
	EXPECT_EQ(port_rule(*p.r, 63), "2-2=2");
}

TEST(AggrParse, Exactly1024CharactersIsAccepted)
{
	// "1=1," three times, spaces, and "2=22" ending at character 1024.
	std::string t;
	for (int i = 0; i < 3; i++)
		t += "1=1,";
	t += std::string(1024 - 3 * 4 - 4, ' ');
	t += "2=22";
	ASSERT_EQ(t.size(), 1024u);
	Parsed p = parse(t.c_str());
	ASSERT_TRUE(p.ok) << p.err.reason;
	ASSERT_EQ(p.r->nport, 4u);
	EXPECT_EQ(port_rule(*p.r, 3), "2-2=22");
}

// ============================================================================
// Parser: rejected strings, and where
// ============================================================================

TEST(AggrParse, BadAddressRules)
{
	expect_rejected_at("10.0.0.0/8=33", 0);
	expect_rejected_at("10.0.0.0/33=8", 0);
	expect_rejected_at("10.0.0.0/8=", 0);
	expect_rejected_at("10.0.0.0/8", 0);		// missing '='
	expect_rejected_at("10.0.0.0/=8", 0);
	expect_rejected_at("10.0.0.0=8", 0);		// missing /M
	expect_rejected_at("10.0.0/8=8", 0);
	expect_rejected_at("10.0.0.256/8=8", 0);
	expect_rejected_at("10.0.0.0/8=8x", 0);
	expect_rejected_at("10.0.0.0/8=8/8", 0);
	expect_rejected_at("10.0.0.0/8==8", 0);
	expect_rejected_at("10.0.0.0/-1=8", 0);
	expect_rejected_at("10.0.0.0/8=-1", 0);
	expect_rejected_at("10.0.0.0/99999999999=8", 0);
}

TEST(AggrParse, BadPortRules)
{
	expect_rejected_at("80-70=1", 0);		// P1 > P2
	expect_rejected_at("80", 0);			// missing '='
	expect_rejected_at("80-90", 0);
	expect_rejected_at("80=", 0);
	expect_rejected_at("=80", 0);
	expect_rejected_at("-80=1", 0);
	expect_rejected_at("80-=1", 0);
	expect_rejected_at("65536=1", 0);
	expect_rejected_at("1=65536", 0);
	expect_rejected_at("0-65536=1", 0);
	expect_rejected_at("1=2=3", 0);
	expect_rejected_at("1-2-3=4", 0);
	expect_rejected_at("99999999999999=1", 0);
	expect_rejected_at("+80=1", 0);
	expect_rejected_at("0x50=1", 0);
}

TEST(AggrParse, Junk)
{
	expect_rejected_at("garbage", 0);
	expect_rejected_at("x", 0);
	expect_rejected_at("/", 0);
	expect_rejected_at("=", 0);
	expect_rejected_at("-", 0);
	expect_rejected_at("10.0.0.0/8=8:", 0);
	expect_rejected_at("\x01", 0);
}

TEST(AggrParse, PositionIsTheStartOfTheBadRule)
{
	expect_rejected_at("10.0.0.0/8=8,80-70=1", 13);
	expect_rejected_at("80=8080, 10.0.0.0/8=33", 9);
	expect_rejected_at("1=1,2=2,3=3,,  junk,4=4", 15);
	expect_rejected_at("  ;\t10.0.0.0/8=8 garbage 10.0.0.0/8=8", 17);
	// Only the first bad one is reported.
	expect_rejected_at("1=1,x,y", 4);
}

TEST(AggrParse, OneBadRuleRejectsAllOfThem)
{
	Parsed p = parse("10.0.0.0/8=8,80=8080,nonsense");
	EXPECT_FALSE(p.ok);
	EXPECT_EQ(p.err.position, 21u);
	EXPECT_TRUE(p.r->empty());
}

TEST(AggrParse, TooLong)
{
	std::string t;
	for (int i = 0; i < 3; i++)
		t += "1=1,";
	t += std::string(1025 - t.size() - 4, ' ');
	t += "2=22";
	ASSERT_EQ(t.size(), 1025u);
	Parsed p = parse(t.c_str());
	EXPECT_FALSE(p.ok);
	EXPECT_EQ(p.err.position, 1024u);	// the first character past the limit
	// A long string of separators only is still too long.
	EXPECT_FALSE(parse(std::string(5000, ',').c_str()).ok);
}

TEST(AggrParse, SixtyFifthAddressRule)
{
	std::string t;
	for (int i = 0; i < 64; i++)
		t += "10.0.0.0/8=8,";	// 13 chars each
	const uint32_t at = static_cast<uint32_t>(t.size());
	t += "11.0.0.0/8=8";
	ASSERT_LE(t.size(), 1024u);
	expect_rejected_at(t.c_str(), at);
}

TEST(AggrParse, SixtyFifthPortRule)
{
	std::string t;
	for (int i = 0; i < 64; i++)
		t += "1=1,";
	const uint32_t at = static_cast<uint32_t>(t.size());
	t += "65000-65010=9";
	expect_rejected_at(t.c_str(), at);
	// 64 port rules do not limit the address rules, and the other way round.
	std::string u;
	for (int i = 0; i < 64; i++)
		u += "1=1,1.0.0.0/8=8,";
	ASSERT_LE(u.size(), 1024u);
	Parsed p = parse(u.c_str());
	EXPECT_TRUE(p.ok);
	EXPECT_EQ(p.r->nnet, 64u);
	EXPECT_EQ(p.r->nport, 64u);
}

// ============================================================================
// AggrRules::apply on IPv4 keys
// ============================================================================

TEST(AggrApply, StripsSourceAndReturnsTheMask)
{
	Parsed p = parse("10.1.0.0/16=8");
	ASSERT_TRUE(p.ok);
	Applied a = apply(*p.r, key4(ip4(10, 1, 0, 2), 40001, ip4(10, 2, 0, 2), 50001, 17));
	EXPECT_EQ(a.k.src.host(), ip4(10, 0, 0, 0));
	EXPECT_EQ(a.k.dst.host(), ip4(10, 2, 0, 2));	// 10.2/16 is outside 10.1/16
	EXPECT_EQ(a.smask, 8);
	EXPECT_EQ(a.dmask, 0);
	EXPECT_EQ(a.k.sport.host(), 40001);
	EXPECT_EQ(a.k.dport.host(), 50001);
	// The rest of the key is untouched.
	EXPECT_EQ(a.k.iif, 3);
	EXPECT_EQ(a.k.proto, 17);
	EXPECT_EQ(a.k.tos, 0x10);
	EXPECT_EQ(p.r->net[0].usage, 1u);
}

TEST(AggrApply, SourceAndDestinationIndependently)
{
	Parsed p = parse("10.2.0.0/16=24,10.1.0.0/16=8");
	ASSERT_TRUE(p.ok);
	Applied a = apply(*p.r, key4(ip4(10, 1, 7, 9), 1, ip4(10, 2, 3, 4), 2, 6));
	EXPECT_EQ(a.k.src.host(), ip4(10, 0, 0, 0));
	EXPECT_EQ(a.smask, 8);
	EXPECT_EQ(a.k.dst.host(), ip4(10, 2, 3, 0));
	EXPECT_EQ(a.dmask, 24);
	EXPECT_EQ(p.r->net[0].usage, 1u);
	EXPECT_EQ(p.r->net[1].usage, 1u);

	// Both addresses in the same rule: counted twice.
	Applied b = apply(*p.r, key4(ip4(10, 2, 9, 9), 1, ip4(10, 2, 8, 8), 2, 6));
	EXPECT_EQ(b.k.src.host(), ip4(10, 2, 9, 0));
	EXPECT_EQ(b.k.dst.host(), ip4(10, 2, 8, 0));
	EXPECT_EQ(b.smask, 24);
	EXPECT_EQ(b.dmask, 24);
	EXPECT_EQ(p.r->net[0].usage, 3u);
	EXPECT_EQ(p.r->net[1].usage, 1u);

	// Destination only.
	Applied c = apply(*p.r, key4(ip4(192, 168, 0, 1), 1, ip4(10, 1, 255, 255), 2, 6));
	EXPECT_EQ(c.k.src.host(), ip4(192, 168, 0, 1));
	EXPECT_EQ(c.smask, 0);
	EXPECT_EQ(c.k.dst.host(), ip4(10, 0, 0, 0));
	EXPECT_EQ(c.dmask, 8);
	EXPECT_EQ(p.r->net[1].usage, 2u);
}

TEST(AggrApply, FirstMatchWins)
{
	Parsed p = parse("10.1.2.0/24=32,10.1.0.0/16=16,10.0.0.0/8=8,0.0.0.0/0=0");
	ASSERT_TRUE(p.ok);
	Applied a = apply(*p.r, key4(ip4(10, 1, 2, 3), 0, ip4(10, 1, 3, 3), 0, 1));
	EXPECT_EQ(a.k.src.host(), ip4(10, 1, 2, 3));	// /32: nothing stripped, but a match
	EXPECT_EQ(a.smask, 32);
	EXPECT_EQ(a.k.dst.host(), ip4(10, 1, 0, 0));
	EXPECT_EQ(a.dmask, 16);
	Applied b = apply(*p.r, key4(ip4(10, 9, 9, 9), 0, ip4(8, 8, 8, 8), 0, 1));
	EXPECT_EQ(b.k.src.host(), ip4(10, 0, 0, 0));
	EXPECT_EQ(b.smask, 8);
	EXPECT_EQ(b.k.dst.host(), ip4(0, 0, 0, 0));	// caught by /0, stripped to /0
	EXPECT_EQ(b.dmask, 0);
	EXPECT_EQ(p.r->net[0].usage, 1u);
	EXPECT_EQ(p.r->net[1].usage, 1u);
	EXPECT_EQ(p.r->net[2].usage, 1u);
	EXPECT_EQ(p.r->net[3].usage, 1u);	// matched although it exports mask 0
}

TEST(AggrApply, NoMatchLeavesKeyAndMasksAlone)
{
	Parsed p = parse("10.0.0.0/8=8,50000-50999=50000");
	ASSERT_TRUE(p.ok);
	const Ipv4Key k = key4(ip4(11, 0, 0, 1), 40000, ip4(9, 255, 255, 255), 51000, 17);
	Applied a{k, 0, 0};
	p.r->apply(a.k, a.smask, a.dmask);
	EXPECT_TRUE(a.k == k);
	EXPECT_EQ(a.smask, 0);
	EXPECT_EQ(a.dmask, 0);
	EXPECT_EQ(p.r->net[0].usage, 0u);
	EXPECT_EQ(p.r->port[0].usage, 0u);
}

TEST(AggrApply, PrefixEdges)
{
	Parsed p = parse("192.168.1.0/24=16");
	ASSERT_TRUE(p.ok);
	EXPECT_EQ(apply(*p.r, key4(ip4(192, 168, 1, 0), 0, ip4(192, 168, 1, 255), 0, 1)).k.src.host(),
		  ip4(192, 168, 0, 0));
	EXPECT_EQ(apply(*p.r, key4(ip4(192, 168, 1, 0), 0, ip4(192, 168, 1, 255), 0, 1)).k.dst.host(),
		  ip4(192, 168, 0, 0));
	Applied out = apply(*p.r, key4(ip4(192, 168, 0, 255), 0, ip4(192, 168, 2, 0), 0, 1));
	EXPECT_EQ(out.k.src.host(), ip4(192, 168, 0, 255));
	EXPECT_EQ(out.k.dst.host(), ip4(192, 168, 2, 0));
	EXPECT_EQ(out.smask, 0);
	EXPECT_EQ(out.dmask, 0);
	EXPECT_EQ(p.r->net[0].usage, 4u);

	Parsed all = parse("0.0.0.0/0=32");
	ASSERT_TRUE(all.ok);
	Applied a = apply(*all.r, key4(ip4(255, 255, 255, 255), 0, ip4(0, 0, 0, 1), 0, 1));
	EXPECT_EQ(a.k.src.host(), ip4(255, 255, 255, 255));
	EXPECT_EQ(a.k.dst.host(), ip4(0, 0, 0, 1));
	EXPECT_EQ(a.smask, 32);
	EXPECT_EQ(a.dmask, 32);
}

TEST(AggrApply, PortsAndAddressesTogether)
{
	Parsed p = parse("10.1.0.0/16=8,50000-50999=50000");
	ASSERT_TRUE(p.ok);
	for (uint16_t port = 50001; port <= 50005; port++) {
		Applied a = apply(*p.r, key4(ip4(10, 1, 0, 2), 40000, ip4(10, 2, 0, 2), port, 17));
		EXPECT_EQ(a.k.src.host(), ip4(10, 0, 0, 0));
		EXPECT_EQ(a.k.sport.host(), 40000);
		EXPECT_EQ(a.k.dport.host(), 50000);
		EXPECT_EQ(a.smask, 8);
		EXPECT_EQ(a.dmask, 0);
	}
	EXPECT_EQ(p.r->net[0].usage, 5u);
	EXPECT_EQ(p.r->port[0].usage, 5u);
}

// ============================================================================
// Port rules
// ============================================================================

TEST(AggrPorts, FirstMatchAndBothDirections)
{
	Parsed p = parse("80=8080,1-1023=1,1000-2000=2");
	ASSERT_TRUE(p.ok);
	Be16 s = Be16::from_host(80), d = Be16::from_host(1500);
	p.r->apply_ports(s, d, 6);
	EXPECT_EQ(s.host(), 8080);	// 80=8080 comes before 1-1023
	EXPECT_EQ(d.host(), 2);
	s = Be16::from_host(1000);	// in 1-1023 and in 1000-2000: the first wins
	d = Be16::from_host(2001);	// in none
	p.r->apply_ports(s, d, 17);
	EXPECT_EQ(s.host(), 1);
	EXPECT_EQ(d.host(), 2001);
	EXPECT_EQ(p.r->port[0].usage, 1u);
	EXPECT_EQ(p.r->port[1].usage, 1u);
	EXPECT_EQ(p.r->port[2].usage, 1u);
}

TEST(AggrPorts, RangeEdgesAndZero)
{
	Parsed p = parse("100-200=7,0=9,65535=8");
	ASSERT_TRUE(p.ok);
	for (uint16_t in : {99, 100, 150, 200, 201, 0, 65535, 65534}) {
		Be16 s = Be16::from_host(in), d = Be16::from_host(in);
		p.r->apply_ports(s, d, 132);
		uint16_t want = in;
		if (in >= 100 && in <= 200)
			want = 7;
		else if (in == 0)
			want = 9;
		else if (in == 65535)
			want = 8;
		EXPECT_EQ(s.host(), want) << in;
		EXPECT_EQ(d.host(), want) << in;
	}
	EXPECT_EQ(p.r->port[0].usage, 6u);	// 100, 150, 200 on both sides
	EXPECT_EQ(p.r->port[1].usage, 2u);
	EXPECT_EQ(p.r->port[2].usage, 2u);
}

TEST(AggrPorts, OnlyTcpUdpSctpUdpLite)
{
	Parsed p = parse("0-65535=1");
	ASSERT_TRUE(p.ok);
	uint64_t expect_usage = 0;
	for (int proto = 0; proto < 256; proto++) {
		Be16 s = Be16::from_host(0x0800), d = Be16::from_host(4242);
		p.r->apply_ports(s, d, static_cast<uint8_t>(proto));
		const bool ports = proto == 6 || proto == 17 || proto == 132 || proto == 136;
		EXPECT_EQ(s.host(), ports ? 1 : 0x0800) << "proto " << proto;
		EXPECT_EQ(d.host(), ports ? 1 : 4242) << "proto " << proto;
		if (ports)
			expect_usage += 2;
	}
	EXPECT_EQ(p.r->port[0].usage, expect_usage);

	// ICMP keeps its type/code "port" also through apply() on a key.
	Applied a = apply(*p.r, key4(ip4(1, 1, 1, 1), 0, ip4(2, 2, 2, 2), 0x0800, 1));
	EXPECT_EQ(a.k.dport.host(), 0x0800);
	EXPECT_EQ(a.k.sport.host(), 0);
}

TEST(AggrPorts, IPv6KeysGetPortRules)
{
	Parsed p = parse("10.0.0.0/8=8,443=1");
	ASSERT_TRUE(p.ok);
	Ipv6Key k{};
	k.sport = Be16::from_host(443);
	k.dport = Be16::from_host(33000);
	k.proto = 6;
	p.r->apply_ports(k.sport, k.dport, k.proto);
	EXPECT_EQ(k.sport.host(), 1);
	EXPECT_EQ(k.dport.host(), 33000);
	EXPECT_EQ(p.r->port[0].usage, 1u);
	EXPECT_EQ(p.r->net[0].usage, 0u);
}

TEST(AggrPorts, NoPortRulesNoChange)
{
	Parsed p = parse("10.0.0.0/8=8");
	ASSERT_TRUE(p.ok);
	Be16 s = Be16::from_host(1), d = Be16::from_host(2);
	p.r->apply_ports(s, d, 6);
	EXPECT_EQ(s.host(), 1);
	EXPECT_EQ(d.host(), 2);
}

// ============================================================================
// In the core: nfc_set_aggregation, the aggr lines, v5 masks
// ============================================================================

namespace {

using Buf = std::vector<uint8_t>;

// IPv4 UDP src:sport -> dst:dport with `payload` bytes, the whole packet.
Buf udp4(uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport, size_t payload)
{
	return testpkt::whole(testpkt::udp4(src, dst, sport, dport, uint16_t(28 + payload))).hdr;
}

// Accounted on CPU 0, in 2, out 3.
void account(const Buf& pkt) { testpkt::account_raw(0, pkt, uint32_t(pkt.size()), NF_FAMILY_IPV4, 2, 3); }

std::string aggr_text()
{
	std::vector<char> buf(64 * 1024);
	const nf_size n = nfc_format_aggregation(buf.data(), buf.size());
	return std::string(buf.data(), n);
}

using testpkt::be16;
using testpkt::be32;

struct V5Rec {
	uint32_t src, dst;
	uint16_t sport, dport;
	uint32_t pkts, bytes;
	uint8_t smask, dmask;
};

std::vector<V5Rec> v5_records()
{
	std::vector<V5Rec> out;
	for (const auto& dg : fake::sent()) {
		if (dg.size() < 24 || be16(dg.data()) != 5)
			continue;
		const uint16_t n = be16(dg.data() + 2);
		EXPECT_EQ(dg.size(), 24u + 48u * n);
		for (uint16_t i = 0; i < n && 24u + 48u * (i + 1) <= dg.size(); i++) {
			const uint8_t* r = dg.data() + 24 + 48 * i;
			out.push_back({be32(r), be32(r + 4), be16(r + 32), be16(r + 34), be32(r + 16), be32(r + 20),
				       r[44], r[45]});
		}
	}
	return out;
}

class AggrCore : public ::testing::Test {
protected:
	void SetUp() override
	{
		nfc_init_args a = default_init_args(1, 1024);
		a.settings[NFC_MAXFLOWS] = 0;
		a.settings[NFC_REFRESH_RATE] = 20;
		a.settings[NFC_TIMEOUT_RATE] = 30;
		ASSERT_EQ(nfc_init(&a), 0);
	}
	void TearDown() override
	{
		if (g_core)
			nfc_exit();
		EXPECT_EQ(fake::slab_objects_live(), 0);
		EXPECT_EQ(fake::large_allocs_live(), 0);
		EXPECT_EQ(fake::bug_count(), 0) << fake::last_bug();
	}
	static int set(const char* text, uint32_t* pos = nullptr, const char** why = nullptr)
	{
		uint32_t p = 999;
		const char* w = "unset";
		const int rc = nfc_set_aggregation(text, &p, &w);
		if (pos)
			*pos = p;
		if (why)
			*why = w;
		return rc;
	}
};

} // namespace

TEST_F(AggrCore, NoRulesNoLines)
{
	EXPECT_EQ(aggr_text(), "");
	ASSERT_EQ(set(""), 0);
	EXPECT_EQ(aggr_text(), "");
	EXPECT_EQ(g_core->aggr, nullptr);
}

TEST_F(AggrCore, LinesAndUsageCountPackets)
{
	ASSERT_EQ(set("10.1.0.0/16=8,50000-50999=50000,9=99"), 0);
	EXPECT_EQ(aggr_text(), "aggr#0 net: match 10.1.0.0/16 strip 8 (usage 0)\n"
			       "aggr#0 port: ports 50000-50999 replace 50000 (usage 0)\n"
			       "aggr#1 port: ports 9-9 replace 99 (usage 0)\n");
	// 5 flows 10.1.0.2:40000 -> 10.2.0.2:5000i, flow i has i datagrams of 100*i bytes.
	uint64_t pkts = 0, bytes = 0;
	for (uint16_t i = 1; i <= 5; i++)
		for (uint16_t n = 0; n < i; n++) {
			account(udp4(ip4(10, 1, 0, 2), 40000, ip4(10, 2, 0, 2), uint16_t(50000 + i), 100 * i));
			pkts++;
			bytes += 28 + 100 * i;
		}
	EXPECT_EQ(aggr_text(), "aggr#0 net: match 10.1.0.0/16 strip 8 (usage 15)\n"
			       "aggr#0 port: ports 50000-50999 replace 50000 (usage 15)\n"
			       "aggr#1 port: ports 9-9 replace 99 (usage 0)\n");
	// One flow: 10.0.0.0:40000 -> 10.2.0.2:50000.
	EXPECT_EQ(g_core->nr_flows, 1u);

	nfc_export(NFC_EXPORT_ALL, 0);
	const std::vector<V5Rec> recs = v5_records();
	ASSERT_EQ(recs.size(), 1u);
	EXPECT_EQ(recs[0].src, ip4(10, 0, 0, 0));
	EXPECT_EQ(recs[0].dst, ip4(10, 2, 0, 2));
	EXPECT_EQ(recs[0].sport, 40000);
	EXPECT_EQ(recs[0].dport, 50000);
	EXPECT_EQ(recs[0].pkts, pkts);
	EXPECT_EQ(recs[0].bytes, bytes);
	EXPECT_EQ(recs[0].smask, 8);
	EXPECT_EQ(recs[0].dmask, 0);
}

TEST_F(AggrCore, NoMatchExportsMaskZero)
{
	ASSERT_EQ(set("192.168.0.0/16=24"), 0);
	account(udp4(ip4(10, 1, 0, 2), 1, ip4(10, 2, 0, 2), 2, 10));
	nfc_export(NFC_EXPORT_ALL, 0);
	const std::vector<V5Rec> recs = v5_records();
	ASSERT_EQ(recs.size(), 1u);
	EXPECT_EQ(recs[0].src, ip4(10, 1, 0, 2));
	EXPECT_EQ(recs[0].smask, 0);
	EXPECT_EQ(recs[0].dmask, 0);
	EXPECT_EQ(aggr_text(), "aggr#0 net: match 192.168.0.0/16 strip 24 (usage 0)\n");
}

TEST_F(AggrCore, BadStringKeepsTheRulesInForce)
{
	ASSERT_EQ(set("10.1.0.0/16=8,50000-50999=50000"), 0);
	const std::string before = aggr_text();
	const struct {
		const char* text;
		uint32_t pos;
	} bad[] = {
		{"10.0.0.0/8=33", 0},
		{"80-70=1", 0},
		{"garbage", 0},
		{"10.0.0.0/8=8, 1=2,3", 18},
	};
	for (const auto& b : bad) {
		uint32_t pos;
		const char* why = nullptr;
		EXPECT_NE(set(b.text, &pos, &why), 0) << b.text;
		EXPECT_EQ(pos, b.pos) << b.text;
		ASSERT_NE(why, nullptr);
		EXPECT_GT(std::strlen(why), 0u) << b.text;
		EXPECT_EQ(aggr_text(), before) << b.text;
	}
	account(udp4(ip4(10, 1, 3, 4), 40000, ip4(10, 2, 0, 2), 50123, 1));
	EXPECT_EQ(aggr_text(), "aggr#0 net: match 10.1.0.0/16 strip 8 (usage 1)\n"
			       "aggr#0 port: ports 50000-50999 replace 50000 (usage 1)\n");
	// A good string replaces the rules, with fresh counters; "" removes them.
	ASSERT_EQ(set("1=2"), 0);
	EXPECT_EQ(aggr_text(), "aggr#0 port: ports 1-1 replace 2 (usage 0)\n");
	ASSERT_EQ(set(" , "), 0);
	EXPECT_EQ(aggr_text(), "");
}
