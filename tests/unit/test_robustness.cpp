// SPDX-License-Identifier: GPL-2.0
// Mutation tests: valid inputs with random damage.  Fixed seeds (override the
// count with NF_TEST_ITERATIONS); ASan/UBSan do the checking, plus the
// invariants below.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "core/config/destination.hpp"
#include "core/packet/parser.hpp"

using namespace netflow;
using Buf = std::vector<uint8_t>;

namespace {

int iterations(int dflt)
{
	const char* env = std::getenv("NF_TEST_ITERATIONS");
	return env ? std::atoi(env) : dflt;
}

const Buf seeds[] = {
	// IPv4 TCP with options
	{0x45, 0xb8, 0x00, 0x3c, 0x00, 0x01, 0x40, 0x00, 0x40, 0x06, 0x00, 0x00, 0xc0, 0xa8, 0x00, 0x01,
	 0xc0, 0xa8, 0x00, 0x02, 0x30, 0x39, 0x00, 0x50, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
	 0xa0, 0xc2, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a,
	 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x07},
	// IPv4 with options, UDP
	{0x4b, 0x00, 0x00, 0x34, 0x00, 0x00, 0x20, 0x00, 0x40, 0x11, 0x00, 0x00, 0x0a, 0x00, 0x00, 0x01,
	 0x0a, 0x00, 0x00, 0x02, 0x88, 0x04, 0x12, 0x34, 0x0a, 0x02, 0xcd, 0x02, 0x8e, 0x02, 0x0f, 0x02,
	 0x98, 0x02, 0x19, 0x02, 0x5e, 0x02, 0x9f, 0x02, 0x01, 0x00, 0x07, 0x03, 0x04, 0xd2, 0x00, 0x35,
	 0x00, 0x08, 0x00, 0x00},
	// IPv6 hop, routing, fragment, dst, TCP
	{0x6b, 0x8a, 0xbc, 0xde, 0x00, 0x48, 0x00, 0x40, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0,
	 0, 0, 0, 0x01, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02, 0x2b, 0x00, 0x01,
	 0x04, 0x00, 0x00, 0x00, 0x00, 0x2c, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x20, 0x01, 0x0d,
	 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x03, 0x3c, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x2a,
	 0x06, 0x00, 0x01, 0x04, 0x00, 0x00, 0x00, 0x00, 0x30, 0x39, 0x00, 0x50, 0, 0, 0, 1, 0, 0, 0, 0,
	 0x60, 0x02, 0xff, 0xff, 0, 0, 0, 0, 0x02, 0x04, 0x05, 0xa0},
	// IPv6 AH then ESP-looking bytes
	{0x60, 0x00, 0x00, 0x00, 0x00, 0x20, 0x33, 0x40, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0,
	 0, 0, 0, 0x01, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02, 0x32, 0x04, 0x00,
	 0x00, 0x00, 0x00, 0x10, 0x01, 0x00, 0x00, 0x00, 0x09, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xde,
	 0xad, 0xbe, 0xef, 0x00, 0x00, 0x00, 0x01},
};

} // namespace

TEST(Robustness, MutatedPacketsNeverOverread)
{
	std::mt19937_64 rng(20240601);
	const int n = iterations(200000);
	for (int i = 0; i < n; ++i) {
		Buf p = seeds[rng() % std::size(seeds)];
		const int flips = 1 + static_cast<int>(rng() % 6);
		for (int k = 0; k < flips; ++k) {
			switch (rng() % 4) {
			case 0:	// random byte
				p[rng() % p.size()] = static_cast<uint8_t>(rng());
				break;
			case 1:	// length-ish fields get small or huge values
				p[rng() % std::min<size_t>(p.size(), 8)] = static_cast<uint8_t>(rng() % 2 ? 0 : 0xff);
				break;
			case 2:	// grow with junk (up to the copy limit)
				if (p.size() < NF_MAX_HEADER_BYTES)
					p.push_back(static_cast<uint8_t>(rng()));
				break;
			case 3:	// shrink
				if (p.size() > 1)
					p.pop_back();
				break;
			}
		}
		const size_t copy = rng() % 4 == 0 ? rng() % (p.size() + 1) : p.size();
		uint32_t wire = static_cast<uint32_t>(p.size());
		if (rng() % 4 == 0)
			wire = static_cast<uint32_t>(rng() % 2000);
		const uint8_t family = (p[0] >> 4) == 6 ? NF_FAMILY_IPV6 : NF_FAMILY_IPV4;

		std::unique_ptr<uint8_t[]> buf(new uint8_t[copy ? copy : 1]);
		std::memcpy(buf.get(), p.data(), copy);
		PacketFacts f;
		const ParseStatus st = parse_packet(ktl::Bytes(buf.get(), copy), wire, family, f);
		if (st != ParseStatus::ok)
			continue;
		ASSERT_LE(f.ip_len, wire);
		ASSERT_EQ(f.family, family);
		if (family == NF_FAMILY_IPV4) {
			ASSERT_GE(f.ip_len, 20u);
			ASSERT_EQ(f.key.v4.iif, 0);
			ASSERT_EQ(f.ext_hdrs, 0);
		} else {
			ASSERT_GT(f.ip_len, 40u);
			ASSERT_LE(f.flow_label, 0xfffffu);
			ASSERT_EQ(f.ip_options, 0u);
			ASSERT_EQ(f.key.v6.iif, 0);
		}
		if (f.tcp_flags || f.tcp_options) {
			ASSERT_EQ(family == NF_FAMILY_IPV4 ? f.key.v4.proto : f.key.v6.proto, 6);
		}
	}
}

TEST(Robustness, RandomDestinationStrings)
{
	static const char alphabet[] = "0123456789abcdefABCDEFp#.:[]@% ,;\t\nxyz/-";
	const char* stems[] = {"1.2.3.4:2055@5.6.7.8%eth0", "[2001:db8::1]:2055@2001:db8::2%br0",
			       "2001:db8::1.2055", "::ffff:1.2.3.4.99p", "fe80::1#9%lo"};
	std::mt19937_64 rng(7);
	const int n = iterations(200000);
	int accepted = 0;
	for (int i = 0; i < n; ++i) {
		std::string s = stems[rng() % std::size(stems)];
		const int edits = static_cast<int>(rng() % 4);
		for (int k = 0; k < edits; ++k) {
			const size_t pos = rng() % (s.size() + 1);
			const char c = alphabet[rng() % (sizeof(alphabet) - 1)];
			switch (rng() % 3) {
			case 0:
				s.insert(s.begin() + static_cast<long>(pos), c);
				break;
			case 1:
				if (pos < s.size())
					s.erase(pos, 1);
				break;
			case 2:
				if (pos < s.size())
					s[pos] = c;
				break;
			}
		}
		Destination out[4];
		size_t count = 99;
		ParseError err{};
		// An exact-size heap copy so ASan sees a read past the NUL.
		std::unique_ptr<char[]> text(new char[s.size() + 1]);
		std::memcpy(text.get(), s.c_str(), s.size() + 1);
		if (!parse_destinations(text.get(), out, 4, count, err)) {
			ASSERT_EQ(count, 0u);
			ASSERT_NE(err.reason, nullptr);
			ASSERT_LE(err.position, s.size());
			continue;
		}
		++accepted;
		for (size_t j = 0; j < count; ++j) {
			ASSERT_TRUE(out[j].family == NF_FAMILY_IPV4 || out[j].family == NF_FAMILY_IPV6);
			ASSERT_GE(out[j].port, 1);
			ASSERT_LT(std::strlen(out[j].ifname), 16u);
			char buf[destination_text_max];
			const size_t len = format_destination(out[j], buf, sizeof(buf));
			ASSERT_LT(len, sizeof(buf) - 1);	// never cut
			Destination back[1];
			size_t c2 = 0;
			ASSERT_TRUE(parse_destinations(buf, back, 1, c2, err)) << s << " -> " << buf;
			ASSERT_EQ(c2, 1u);
			ASSERT_EQ(0, std::memcmp(&back[0], &out[j], sizeof(Destination))) << s << " -> " << buf;
		}
	}
	EXPECT_GT(accepted, n / 20);	// the mutations leave plenty of valid lists
}
