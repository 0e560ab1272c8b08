// SPDX-License-Identifier: GPL-2.0
// The destination= list parser and the %pISpc-style formatter.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "core/config/destination.hpp"

using namespace netflow;

namespace {

struct Parsed {
	bool ok;
	std::vector<Destination> d;
	ParseError err;
};

Parsed parse(const char* text, size_t cap = 8)
{
	std::vector<Destination> buf(cap ? cap : 1);
	size_t count = 12345;
	ParseError err{999, "unset"};
	bool ok = parse_destinations(text, cap ? buf.data() : nullptr, cap, count, err);
	buf.resize(count);
	if (ok) {
		EXPECT_EQ(err.reason, nullptr);
		EXPECT_EQ(err.position, 0u);
	} else {
		EXPECT_EQ(count, 0u);
		EXPECT_NE(err.reason, nullptr);
	}
	return {ok, buf, err};
}

std::string fmt(const Destination& d)
{
	char buf[destination_text_max];
	size_t n = format_destination(d, buf, sizeof(buf));
	EXPECT_EQ(n, std::strlen(buf));
	return std::string(buf, n);
}

std::string one(const char* text)
{
	auto p = parse(text);
	EXPECT_TRUE(p.ok) << text << ": " << (p.err.reason ? p.err.reason : "");
	if (!p.ok || p.d.size() != 1)
		return "<" + std::to_string(p.d.size()) + " entries>";
	return fmt(p.d[0]);
}

// Error reason and position for a text that must fail.
std::pair<std::string, uint32_t> bad(const char* text, size_t cap = 8)
{
	auto p = parse(text, cap);
	EXPECT_FALSE(p.ok) << text;
	if (p.ok)
		return {"<accepted>", 0};
	return {p.err.reason, p.err.position};
}

} // namespace

TEST(Destination, EmptyIsZeroDestinations)
{
	auto p = parse("");
	EXPECT_TRUE(p.ok);
	EXPECT_TRUE(p.d.empty());
	p = parse(nullptr);
	EXPECT_TRUE(p.ok);
	EXPECT_TRUE(p.d.empty());
	p = parse(" ,;\t\n  ,,");
	EXPECT_TRUE(p.ok);
	EXPECT_TRUE(p.d.empty());
	p = parse("", 0);
	EXPECT_TRUE(p.ok);
}

TEST(Destination, Ipv4Forms)
{
	auto p = parse("127.0.0.1:2055");
	ASSERT_TRUE(p.ok);
	ASSERT_EQ(p.d.size(), 1u);
	const Destination& d = p.d[0];
	EXPECT_EQ(d.family, NF_FAMILY_IPV4);
	const uint8_t lo[16] = {127, 0, 0, 1};
	EXPECT_EQ(0, std::memcmp(d.addr, lo, 16));
	EXPECT_EQ(d.port, 2055);
	EXPECT_EQ(d.bind_family, 0);
	EXPECT_EQ(d.ifname[0], '\0');

	EXPECT_EQ(one("10.0.0.1"), "10.0.0.1:2055");
	EXPECT_EQ(one("0.0.0.0:1"), "0.0.0.0:1");
	EXPECT_EQ(one("255.255.255.255:65535"), "255.255.255.255:65535");
	EXPECT_EQ(one("10.0.0.1:09995"), "10.0.0.1:9995");
	EXPECT_EQ(one("10.0.0.1:9995@10.0.0.2"), "10.0.0.1:9995@10.0.0.2");
	EXPECT_EQ(one("10.0.0.1%eth0"), "10.0.0.1:2055%eth0");
	EXPECT_EQ(one("10.0.0.1@10.0.0.2%eth0.100"), "10.0.0.1:2055@10.0.0.2%eth0.100");

	p = parse("10.0.0.1:9995@10.0.0.2%vlan7");
	ASSERT_TRUE(p.ok);
	EXPECT_EQ(p.d[0].bind_family, NF_FAMILY_IPV4);
	const uint8_t b[16] = {10, 0, 0, 2};
	EXPECT_EQ(0, std::memcmp(p.d[0].bind, b, 16));
	EXPECT_STREQ(p.d[0].ifname, "vlan7");
}

TEST(Destination, Separators)
{
	auto p = parse(" 1.1.1.1:1,2.2.2.2:2;3.3.3.3:3\t4.4.4.4:4\n5.5.5.5:5 ");
	ASSERT_TRUE(p.ok);
	ASSERT_EQ(p.d.size(), 5u);
	for (size_t i = 0; i < 5; ++i) {
		EXPECT_EQ(p.d[i].port, i + 1);
		EXPECT_EQ(p.d[i].addr[0], i + 1);
	}
}

TEST(Destination, Ipv6Forms)
{
	auto p = parse("[2001:db8::1]:9996");
	ASSERT_TRUE(p.ok);
	const uint8_t a[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
	EXPECT_EQ(p.d[0].family, NF_FAMILY_IPV6);
	EXPECT_EQ(0, std::memcmp(p.d[0].addr, a, 16));
	EXPECT_EQ(p.d[0].port, 9996);

	EXPECT_EQ(one("[2001:db8::1]"), "[2001:db8::1]:2055");
	EXPECT_EQ(one("2001:db8::1"), "[2001:db8::1]:2055");
	EXPECT_EQ(one("2001:db8::1.9996"), "[2001:db8::1]:9996");
	EXPECT_EQ(one("2001:db8::1p9996"), "[2001:db8::1]:9996");
	EXPECT_EQ(one("2001:db8::1#9996"), "[2001:db8::1]:9996");
	EXPECT_EQ(one("::1"), "[::1]:2055");
	EXPECT_EQ(one("::"), "[::]:2055");
	EXPECT_EQ(one("[::]:1"), "[::]:1");
	EXPECT_EQ(one("1::"), "[1::]:2055");
	EXPECT_EQ(one("1:2:3:4:5:6:7:8"), "[1:2:3:4:5:6:7:8]:2055");
	EXPECT_EQ(one("2001:0DB8:0000:0000:0000:0000:0000:00AB"), "[2001:db8::ab]:2055");
	// A ':' after a bare address is part of the address, never a port.
	EXPECT_EQ(one("2001:db8::1:2055"), "[2001:db8::1:2055]:2055");
	// Dotted-quad tails.
	EXPECT_EQ(one("::ffff:192.0.2.1"), "[::ffff:192.0.2.1]:2055");
	EXPECT_EQ(one("::ffff:192.0.2.1.99"), "[::ffff:192.0.2.1]:99");
	EXPECT_EQ(one("[::ffff:192.0.2.1]:99"), "[::ffff:192.0.2.1]:99");
	EXPECT_EQ(one("64:ff9b::192.0.2.1"), "[64:ff9b::c000:201]:2055");
	// Bind and interface.
	EXPECT_EQ(one("[fe80::1]:2055@fe80::2%eth0"), "[fe80::1]:2055@fe80::2%eth0");
	EXPECT_EQ(one("[2001:db8::1]:2055@[2001:db8::2]"), "[2001:db8::1]:2055@2001:db8::2");
	EXPECT_EQ(one("2001:db8::1#99@2001:db8::2%br-lan"), "[2001:db8::1]:99@2001:db8::2%br-lan");
	EXPECT_EQ(one("fe80::1%eth1"), "[fe80::1]:2055%eth1");
	// A bare bind address follows the same rule: ":80" is address, not port.
	EXPECT_EQ(one("[::1]@::2:80"), "[::1]:2055@::2:80");
	EXPECT_EQ(one("2001:db8::1.99%eth1"), "[2001:db8::1]:99%eth1");
}

TEST(Destination, Ipv6Compression)
{
	// RFC 5952 §4: longest zero run, first on a tie, never a single group.
	EXPECT_EQ(one("2001:db8:0:0:1:0:0:1"), "[2001:db8::1:0:0:1]:2055");
	EXPECT_EQ(one("2001:0:0:1:0:0:0:1"), "[2001:0:0:1::1]:2055");
	EXPECT_EQ(one("2001:db8:0:1:1:1:1:1"), "[2001:db8:0:1:1:1:1:1]:2055");
	EXPECT_EQ(one("2001:db8::1:1:1:1:1"), "[2001:db8:0:1:1:1:1:1]:2055");
	EXPECT_EQ(one("0:0:0:0:0:0:0:1"), "[::1]:2055");
	EXPECT_EQ(one("1:0:0:0:0:0:0:0"), "[1::]:2055");
	EXPECT_EQ(one("0:1:0:1:0:1:0:1"), "[0:1:0:1:0:1:0:1]:2055");
	EXPECT_EQ(one("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:2055");
	EXPECT_EQ(one("::ffff:0:0"), "[::ffff:0.0.0.0]:2055");
	EXPECT_EQ(one("::fffe:1:2"), "[::fffe:1:2]:2055");
}

TEST(Destination, Errors)
{
	using R = std::pair<std::string, uint32_t>;
	EXPECT_EQ(bad("1.2.3.4 1.2.3.256"), R("invalid address", 8));
	EXPECT_EQ(bad("1.2.3.4:0"), R("port out of range", 0));
	EXPECT_EQ(bad("1.2.3.4:65536"), R("port out of range", 0));
	EXPECT_EQ(bad("1.2.3.4:99999"), R("port out of range", 0));
	EXPECT_EQ(bad("1.2.3.4:"), R("invalid port", 0));
	EXPECT_EQ(bad("1.2.3.4:123456"), R("invalid port", 0));
	EXPECT_EQ(bad("1.2.3.4:-1"), R("invalid port", 0));
	EXPECT_EQ(bad("1.2.3.4:+1"), R("invalid port", 0));
	EXPECT_EQ(bad("1.2.3.4:80x"), R("unexpected character", 0));
	EXPECT_EQ(bad("1.2.3.4:80:81"), R("unexpected character", 0));
	EXPECT_EQ(bad("1.2.3.4x"), R("unexpected character", 0));
	EXPECT_EQ(bad("01.2.3.4"), R("invalid address", 0));
	EXPECT_EQ(bad("1.2.3"), R("invalid address", 0));
	EXPECT_EQ(bad("1.2.3.4.5"), R("invalid address", 0));
	EXPECT_EQ(bad("1..2.3"), R("invalid address", 0));
	EXPECT_EQ(bad("localhost:2055"), R("unexpected character", 0));
	EXPECT_EQ(bad("abc"), R("invalid address", 0));
	EXPECT_EQ(bad("bogus"), R("invalid address", 0));	// 'b' is a hex digit
	EXPECT_EQ(bad("[2001:db8::1"), R("missing ']'", 0));
	EXPECT_EQ(bad("[1.2.3.4]:80"), R("invalid IPv6 address", 0));
	EXPECT_EQ(bad("[]:80"), R("invalid IPv6 address", 0));
	EXPECT_EQ(bad("[::1]2055"), R("unexpected character", 0));
	EXPECT_EQ(bad("[::1].2055"), R("unexpected character", 0));
	EXPECT_EQ(bad("[::1]:80x"), R("unexpected character", 0));
	EXPECT_EQ(bad("1:2:3:4:5:6:7:8:9"), R("invalid address", 0));
	EXPECT_EQ(bad("1::2::3"), R("invalid address", 0));
	EXPECT_EQ(bad("12345::1"), R("invalid address", 0));
	EXPECT_EQ(bad(":1"), R("invalid address", 0));
	EXPECT_EQ(bad("1:"), R("invalid address", 0));
	EXPECT_EQ(bad("1:::2"), R("invalid address", 0));
	EXPECT_EQ(bad("1:2:3:4:5:6:7::8"), R("invalid address", 0));	// "::" for no group
	EXPECT_EQ(bad("::1.2.3"), R("invalid address", 0));
	EXPECT_EQ(bad("::256.1.1.1"), R("invalid address", 0));
	EXPECT_EQ(bad("2001:db8::1p"), R("invalid port", 0));
	EXPECT_EQ(bad("2001:db8::1p0"), R("port out of range", 0));
	EXPECT_EQ(bad("::1.99p100"), R("unexpected character", 0));	// two ports
	EXPECT_EQ(bad("::1P99"), R("unexpected character", 0));
	EXPECT_EQ(bad("1.2.3.4@"), R("invalid bind address", 0));
	EXPECT_EQ(bad("1.2.3.4@::1"), R("invalid bind address", 0));
	EXPECT_EQ(bad("1.2.3.4@1.2.3.4:80"), R("invalid bind address", 0));
	EXPECT_EQ(bad("[::1]@1.2.3.4"), R("bind address family differs", 0));
	EXPECT_EQ(bad("[::1]@[::2"), R("missing ']'", 0));
	EXPECT_EQ(bad("[::1]@[::2]x"), R("unexpected character", 0));
	EXPECT_EQ(bad("1.2.3.4%"), R("empty interface name", 0));
	EXPECT_EQ(bad("1.2.3.4%abcdefghijklmnop"), R("interface name too long", 0));
	EXPECT_EQ(bad("1.2.3.4%a/b"), R("invalid interface name", 0));
	EXPECT_EQ(bad("1.2.3.4%a:b"), R("invalid interface name", 0));
	EXPECT_EQ(bad("1.2.3.4%a%b"), R("invalid interface name", 0));
	EXPECT_EQ(bad("1.2.3.4%."), R("invalid interface name", 0));
	EXPECT_EQ(bad("1.2.3.4%.."), R("invalid interface name", 0));
	EXPECT_EQ(bad("1.2.3.4%eth0@1.2.3.5"), R("invalid interface name", 0));
	// Position is the byte offset of the bad entry.
	EXPECT_EQ(bad("1.1.1.1, ,2.2.2.2;;host"), R("unexpected character", 19));
	EXPECT_EQ(bad("\t\t[::1"), R("missing ']'", 2));
}

TEST(Destination, IfnameBoundary)
{
	EXPECT_EQ(one("1.2.3.4%abcdefghijklmno"), "1.2.3.4:2055%abcdefghijklmno");	// 15
	EXPECT_EQ(one("1.2.3.4%..."), "1.2.3.4:2055%...");
	EXPECT_EQ(one("1.2.3.4%a"), "1.2.3.4:2055%a");
}

TEST(Destination, PortBoundaries)
{
	EXPECT_EQ(one("1.2.3.4:1"), "1.2.3.4:1");
	EXPECT_EQ(one("1.2.3.4:65535"), "1.2.3.4:65535");
	EXPECT_EQ(one("1.2.3.4:00001"), "1.2.3.4:1");
	EXPECT_EQ(one("[::1]:65535"), "[::1]:65535");
	EXPECT_EQ(one("::1#1"), "[::1]:1");
}

TEST(Destination, DuplicatesIgnored)
{
	auto p = parse("1.2.3.4:2055 1.2.3.4 1.2.3.4:2056");
	ASSERT_TRUE(p.ok);
	ASSERT_EQ(p.d.size(), 2u);
	EXPECT_EQ(fmt(p.d[0]), "1.2.3.4:2055");
	EXPECT_EQ(fmt(p.d[1]), "1.2.3.4:2056");

	// Same address:port with another bind/ifname: still a duplicate, the
	// first one wins.
	p = parse("1.2.3.4@5.6.7.8,1.2.3.4%eth0");
	ASSERT_TRUE(p.ok);
	ASSERT_EQ(p.d.size(), 1u);
	EXPECT_EQ(fmt(p.d[0]), "1.2.3.4:2055@5.6.7.8");

	// IPv6 spellings of one address.
	p = parse("[2001:db8::1]:2055 2001:DB8:0::1 2001:db8::1#2055 2001:db8::0:1.2055");
	ASSERT_TRUE(p.ok);
	EXPECT_EQ(p.d.size(), 1u);

	// IPv4 and the IPv6 address with the same bytes are different.
	p = parse("1.2.3.4 [102:304::]");
	ASSERT_TRUE(p.ok);
	EXPECT_EQ(p.d.size(), 2u);
}

TEST(Destination, Capacity)
{
	auto p = parse("1.1.1.1 2.2.2.2", 2);
	ASSERT_TRUE(p.ok);
	EXPECT_EQ(p.d.size(), 2u);
	// Duplicates don't use capacity.
	p = parse("1.1.1.1 2.2.2.2 1.1.1.1:2055 2.2.2.2", 2);
	ASSERT_TRUE(p.ok);
	EXPECT_EQ(p.d.size(), 2u);
	EXPECT_EQ(bad("1.1.1.1 2.2.2.2 3.3.3.3", 2), std::make_pair(std::string("too many destinations"), uint32_t(16)));
	EXPECT_EQ(bad("1.1.1.1", 0), std::make_pair(std::string("too many destinations"), uint32_t(0)));
	// An error anywhere rejects the whole list, even after valid entries.
	p = parse("1.1.1.1 2.2.2.2 3.3.3.3:0", 8);
	EXPECT_FALSE(p.ok);
	EXPECT_TRUE(p.d.empty());
	EXPECT_EQ(p.err.position, 16u);
}

TEST(Destination, FormatTruncatesSafely)
{
	auto p = parse("[2001:db8::1]:2055@2001:db8::2%eth0");
	ASSERT_TRUE(p.ok);
	const std::string full = fmt(p.d[0]);
	EXPECT_EQ(full, "[2001:db8::1]:2055@2001:db8::2%eth0");
	for (size_t cap = 0; cap <= full.size() + 2; ++cap) {
		std::vector<char> buf(cap + 1, '#');
		size_t n = format_destination(p.d[0], buf.data(), cap);
		const size_t want = cap == 0 ? 0 : std::min(cap - 1, full.size());
		EXPECT_EQ(n, want) << cap;
		if (cap) {
			EXPECT_EQ(std::string(buf.data()), full.substr(0, want)) << cap;
		}
		EXPECT_EQ(buf[cap], '#') << cap;	// nothing written past cap
	}
}

TEST(Destination, LongestTextFits)
{
	const char* text =
		"[ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255]:65535@ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255%abcdefghijklmno";
	auto p = parse(text);
	ASSERT_TRUE(p.ok);
	const std::string s = fmt(p.d[0]);
	EXPECT_LT(s.size(), destination_text_max);
	EXPECT_EQ(s, "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535@ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff%abcdefghijklmno");
	// The worst case for the formatter is IPv4-mapped: dotted tails.
	p = parse("[::ffff:255.255.255.255]:65535@::ffff:255.255.255.255%abcdefghijklmno");
	ASSERT_TRUE(p.ok);
	EXPECT_LT(fmt(p.d[0]).size(), destination_text_max);
}

TEST(Destination, FormatRoundTrip)
{
	const char* inputs[] = {
		"127.0.0.1:2055",
		"10.1.2.3:1@10.1.2.4",
		"10.1.2.3%e",
		"192.0.2.9:65535@192.0.2.10%abcdefghijklmno",
		"[::]:1",
		"[::1]:2055",
		"[2001:db8::1]:9996@2001:db8::2",
		"[fe80::1:2:3]:2055%eth0",
		"[::ffff:10.0.0.1]:2055@::ffff:10.0.0.2%x",
		"[1:0:0:1:0:0:0:1]:4739",
		"[a:b:c:d:e:f:1:2]:4739",
		"2001:db8::5.4739",
		"2001:db8::6p4739@2001:db8::7%lan",
	};
	for (const char* in : inputs) {
		SCOPED_TRACE(in);
		auto a = parse(in);
		ASSERT_TRUE(a.ok);
		ASSERT_EQ(a.d.size(), 1u);
		const std::string text = fmt(a.d[0]);
		auto b = parse(text.c_str());
		ASSERT_TRUE(b.ok) << text;
		ASSERT_EQ(b.d.size(), 1u);
		EXPECT_EQ(0, std::memcmp(&a.d[0], &b.d[0], sizeof(Destination))) << text;
		EXPECT_EQ(fmt(b.d[0]), text);
	}
}

TEST(Destination, OutputIsFullyInitialised)
{
	// Parsed entries are zero except for what was given (memcmp-able).
	auto p = parse("1.2.3.4");
	ASSERT_TRUE(p.ok);
	Destination z;
	std::memset(&z, 0, sizeof(z));
	z.family = NF_FAMILY_IPV4;
	z.addr[0] = 1;
	z.addr[1] = 2;
	z.addr[2] = 3;
	z.addr[3] = 4;
	z.port = 2055;
	EXPECT_EQ(0, std::memcmp(&p.d[0], &z, sizeof(z)));
}

TEST(Destination, GlueEntryPoints)
{
	// The glue gets the parser's own structs and text, errors included.
	const char* text = "10.0.0.1:9995@10.0.0.2%eth0 [2001:db8::1]:2055";
	auto p = parse(text);
	ASSERT_TRUE(p.ok);
	nf_dest abi[NF_MAX_DESTINATIONS];
	nf_u32 pos = 99;
	const char* reason = nullptr;
	ASSERT_EQ(nfc_parse_destinations(text, abi, NF_MAX_DESTINATIONS, &pos, &reason), 2);
	EXPECT_EQ(0, std::memcmp(abi, p.d.data(), 2 * sizeof(nf_dest)));
	char buf[NF_DEST_TEXT_MAX];
	EXPECT_EQ(nfc_format_destination(&abi[1], buf, sizeof(buf)), 18u);
	EXPECT_STREQ(buf, "[2001:db8::1]:2055");

	EXPECT_EQ(nfc_parse_destinations("1.1.1.1 1.2.3.4:0", abi, NF_MAX_DESTINATIONS, &pos, &reason), -1);
	EXPECT_EQ(pos, 8u);
	EXPECT_STREQ(reason, "port out of range");

	// Never more than NF_MAX_DESTINATIONS, whatever cap says.
	std::string many;
	for (int i = 1; i <= NF_MAX_DESTINATIONS + 1; ++i)
		many += "10.0.0." + std::to_string(i) + " ";
	nf_dest big[NF_MAX_DESTINATIONS + 1];
	EXPECT_EQ(nfc_parse_destinations(many.c_str(), big, NF_MAX_DESTINATIONS + 1, &pos, &reason), -1);
	EXPECT_STREQ(reason, "too many destinations");
}

TEST(Destination, FormatAddress)
{
	const uint8_t v4[16] = {192, 0, 2, 1};
	const uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
	char buf[64];
	EXPECT_EQ(format_address(NF_FAMILY_IPV4, v4, buf, sizeof(buf)), 9u);
	EXPECT_STREQ(buf, "192.0.2.1");
	EXPECT_EQ(format_address(NF_FAMILY_IPV6, v6, buf, sizeof(buf)), 11u);
	EXPECT_STREQ(buf, "2001:db8::1");
	EXPECT_EQ(format_address(NF_FAMILY_IPV6, v6, buf, 5), 4u);
	EXPECT_STREQ(buf, "2001");
	buf[0] = '#';
	EXPECT_EQ(format_address(NF_FAMILY_IPV4, v4, buf, 0), 0u);
	EXPECT_EQ(buf[0], '#');

	// Appended to other text, as the flows view does.
	TextBuffer out(buf, sizeof(buf));
	out.put("src ");
	put_address(out, NF_FAMILY_IPV6, v6);
	out.put(',').num(80);
	EXPECT_EQ(std::string(buf, out.size()), "src 2001:db8::1,80");
}
