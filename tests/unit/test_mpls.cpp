// SPDX-License-Identifier: GPL-2.0
// MPLS label stacks as the promisc handler strips them (netflow/mpls.h):
// entries read byte by byte in network order, the stack ends at its
// bottom-of-stack entry, a stack deeper than the depth asked for (or cut
// short) is refused, the IP version after it comes from the payload, and
// the 3-byte label sections of IE 70..79 are the entry without its TTL.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "netflow/mpls.h"

namespace {

// One entry: label, traffic class, bottom of stack, TTL.
std::vector<uint8_t> entry(uint32_t label, uint32_t tc, bool bottom, uint8_t ttl)
{
	const uint32_t e = label << 12 | tc << 9 | (bottom ? 1u : 0u) << 8 | ttl;
	return {uint8_t(e >> 24), uint8_t(e >> 16), uint8_t(e >> 8), uint8_t(e)};
}

std::vector<uint8_t> stack(std::initializer_list<std::vector<uint8_t>> entries)
{
	std::vector<uint8_t> out;
	for (const auto& e : entries)
		out.insert(out.end(), e.begin(), e.end());
	return out;
}

TEST(Mpls, OneLabelFieldsByteExact)
{
	// Label 16 (0x00010), TC 5, bottom, TTL 64: 00 01 0b 40.
	const std::vector<uint8_t> s = entry(16, 5, true, 64);
	ASSERT_EQ(s, (std::vector<uint8_t>{0x00, 0x01, 0x0b, 0x40}));
	nf_mpls_stack st{};
	EXPECT_EQ(nf_mpls_parse(s.data(), s.size(), 3, &st), 4u);
	ASSERT_EQ(st.depth, 1u);
	EXPECT_EQ(st.entry[0], 0x00010b40u);
	EXPECT_EQ(nf_mpls_label(st.entry[0]), 16u);
	EXPECT_EQ(nf_mpls_tc(st.entry[0]), 5u);
	EXPECT_TRUE(nf_mpls_bottom(st.entry[0]));
	EXPECT_EQ(nf_mpls_ttl(st.entry[0]), 64u);
}

TEST(Mpls, ThreeLabelsOutermostFirst)
{
	// The highest label, 0xfffff, and a TTL of 255 in the middle.
	const auto s = stack({entry(100, 0, false, 10), entry(0xfffff, 7, false, 255), entry(300, 1, true, 1)});
	nf_mpls_stack st{};
	EXPECT_EQ(nf_mpls_parse(s.data(), s.size(), 3, &st), 12u);
	ASSERT_EQ(st.depth, 3u);
	EXPECT_EQ(nf_mpls_label(st.entry[0]), 100u);
	EXPECT_EQ(nf_mpls_label(st.entry[1]), 0xfffffu);
	EXPECT_EQ(nf_mpls_tc(st.entry[1]), 7u);
	EXPECT_EQ(nf_mpls_ttl(st.entry[1]), 255u);
	EXPECT_EQ(nf_mpls_label(st.entry[2]), 300u);
	EXPECT_FALSE(nf_mpls_bottom(st.entry[0]));
	EXPECT_TRUE(nf_mpls_bottom(st.entry[2]));
}

TEST(Mpls, StackDeeperThanTheDepthIsRefused)
{
	const auto s = stack({entry(1, 0, false, 1), entry(2, 0, false, 1), entry(3, 0, false, 1),
			      entry(4, 0, true, 1)});
	nf_mpls_stack st{};
	EXPECT_EQ(nf_mpls_parse(s.data(), s.size(), 3, &st), 0u);
	EXPECT_EQ(st.depth, 0u);
	EXPECT_EQ(nf_mpls_parse(s.data(), s.size(), 4, &st), 16u);
	EXPECT_EQ(st.depth, 4u);
	// Depth 1 takes a single bottom entry only.
	EXPECT_EQ(nf_mpls_parse(s.data(), s.size(), 1, &st), 0u);
	const auto one = entry(9, 0, true, 2);
	EXPECT_EQ(nf_mpls_parse(one.data(), one.size(), 1, &st), 4u);
}

TEST(Mpls, DepthAboveTheMaximumIsCapped)
{
	std::vector<uint8_t> s;
	for (int i = 0; i < 11; i++) {
		const auto e = entry(i + 1, 0, i == 10, 1);
		s.insert(s.end(), e.begin(), e.end());
	}
	nf_mpls_stack st{};
	EXPECT_EQ(nf_mpls_parse(s.data(), s.size(), 99, &st), 0u);	// 11 entries > 10
	// The tenth entry made the bottom one: a stack of exactly 10.
	const auto last = entry(10, 0, true, 1);
	std::copy(last.begin(), last.end(), s.begin() + 36);
	EXPECT_EQ(nf_mpls_parse(s.data(), s.size(), 99, &st), 40u);
	EXPECT_EQ(st.depth, 10u);
}

TEST(Mpls, TruncatedStackIsRefused)
{
	const auto s = stack({entry(1, 0, false, 1), entry(2, 0, true, 1)});
	nf_mpls_stack st{};
	for (size_t len = 0; len < s.size(); len++)
		EXPECT_EQ(nf_mpls_parse(s.data(), len, 3, &st), 0u) << len;
	EXPECT_EQ(nf_mpls_parse(s.data(), s.size(), 3, &st), 8u);
}

TEST(Mpls, PayloadFamilyFromTheFirstNibble)
{
	EXPECT_EQ(nf_mpls_payload_family(0x45), NF_FAMILY_IPV4);
	EXPECT_EQ(nf_mpls_payload_family(0x4f), NF_FAMILY_IPV4);
	EXPECT_EQ(nf_mpls_payload_family(0x60), NF_FAMILY_IPV6);
	EXPECT_EQ(nf_mpls_payload_family(0x00), 0);	// e.g. a pseudowire control word
	EXPECT_EQ(nf_mpls_payload_family(0x54), 0);
}

TEST(Mpls, LabelSectionIsTheEntryWithoutTtl)
{
	uint8_t out[3] = {0xaa, 0xaa, 0xaa};
	nf_mpls_ie_section(0x00010b40u, out);
	EXPECT_EQ(out[0], 0x00);
	EXPECT_EQ(out[1], 0x01);
	EXPECT_EQ(out[2], 0x0b);
	nf_mpls_ie_section(0xfffffe7fu, out);
	EXPECT_EQ(out[0], 0xff);
	EXPECT_EQ(out[1], 0xff);
	EXPECT_EQ(out[2], 0xfe);
}

} // namespace
