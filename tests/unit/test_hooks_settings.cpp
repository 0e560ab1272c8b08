// SPDX-License-Identifier: GPL-2.0
// What the capture-without-rules settings decide in the core and the ABI:
// the hooks' mark filter (nf_mark_selected(), the one rule kmod/glue/hooks.c
// applies to every packet) and nfevents_limit, the bound on NAT events one
// exporter run takes from the queue.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "core/core.hpp"
#include "core_defaults.hpp"
#include "fake_platform.hpp"
#include "netflow/abi.h"

namespace {

// ---- the mark filter ------------------------------------------------------------

TEST(HooksMark, ZeroMaskSelectsEveryPacket)
{
	for (uint32_t mark : {0u, 1u, 0x80000000u, 0xffffffffu}) {
		EXPECT_TRUE(nf_mark_selected(mark, 0, 0)) << mark;
		// hooks_mark alone (mask 0) filters nothing, as in the fork.
		EXPECT_TRUE(nf_mark_selected(mark, 1, 0)) << mark;
	}
}

TEST(HooksMark, OnlyTheMaskedBitsAreCompared)
{
	// hooks_mark=1 hooks_mark_mask=1: odd marks are metered.
	EXPECT_TRUE(nf_mark_selected(1, 1, 1));
	EXPECT_TRUE(nf_mark_selected(0x101, 1, 1));
	EXPECT_FALSE(nf_mark_selected(0, 1, 1));
	EXPECT_FALSE(nf_mark_selected(2, 1, 1));
	// hooks_mark=0 with a mask: packets whose masked bits are clear.
	EXPECT_TRUE(nf_mark_selected(0xf0, 0, 0x0f));
	EXPECT_FALSE(nf_mark_selected(0xf1, 0, 0x0f));
	// Bits of hooks_mark outside the mask do not count.
	EXPECT_TRUE(nf_mark_selected(0x1, 0xff01, 0xff));
	EXPECT_FALSE(nf_mark_selected(0xff02, 0xff01, 0xff));
	// Full mask: exact equality.
	EXPECT_TRUE(nf_mark_selected(0xdeadbeef, 0xdeadbeef, 0xffffffff));
	EXPECT_FALSE(nf_mark_selected(0xdeadbeee, 0xdeadbeef, 0xffffffff));
}

TEST(HooksMark, EveryMarkAgainstOneByteFilters)
{
	// Exhaustive over 8-bit marks, filters and masks: the rule is "equal in
	// the bits of the mask".
	for (uint32_t mask = 0; mask < 256; mask++)
		for (uint32_t mark = 0; mark < 256; mark++)
			for (uint32_t skb = 0; skb < 256; skb += 5) {
				bool equal_in_mask = true;
				for (int b = 0; b < 8; b++)
					if ((mask >> b & 1) && ((skb >> b & 1) != (mark >> b & 1)))
						equal_in_mask = false;
				ASSERT_EQ(!!nf_mark_selected(skb, mark, mask), equal_in_mask) << skb << " " << mark << " " << mask;
			}
}

// ---- the settings rows ---------------------------------------------------------

TEST(HooksSettings, RangesAndWhenTheyChange)
{
	nfc_init_args a = default_init_args(1, 4096);
	ASSERT_EQ(nfc_init(&a), 0);
	EXPECT_EQ(nfc_get(NFC_HOOKS), 0u);
	EXPECT_EQ(nfc_get(NFC_TARGETS), 1u);
	EXPECT_EQ(nfc_get(NFC_NFEVENTS_LIMIT), 10000u);
	// Load-time only: refused while running, whatever the value.
	EXPECT_EQ(nfc_set(NFC_HOOKS, 9), NF_EBUSY);
	EXPECT_EQ(nfc_set(NFC_TARGETS, 0), NF_EBUSY);
	// Out of range first.
	EXPECT_EQ(nfc_check(NFC_HOOKS, 32), NF_EINVAL);
	EXPECT_EQ(nfc_check(NFC_TARGETS, 2), NF_EINVAL);
	EXPECT_EQ(nfc_set(NFC_NFEVENTS_LIMIT, 0), NF_EINVAL);
	EXPECT_EQ(nfc_set(NFC_NFEVENTS_LIMIT, 1000001), NF_EINVAL);
	EXPECT_EQ(nfc_get(NFC_NFEVENTS_LIMIT), 10000u);
	// Live ones.
	EXPECT_EQ(nfc_set(NFC_NFEVENTS_LIMIT, 5), NF_OK);
	EXPECT_EQ(nfc_set(NFC_HOOKS_MARK, 0xffffffff), NF_OK);
	EXPECT_EQ(nfc_set(NFC_HOOKS_MARK_MASK, 0x10), NF_OK);
	EXPECT_EQ(nfc_get(NFC_HOOKS_MARK), 0xffffffffu);
	nfc_exit();
	// Before init every value in range is stored (module parameters).
	EXPECT_EQ(nfc_set(NFC_HOOKS, 31), NF_OK);
	EXPECT_EQ(nfc_set(NFC_HOOKS, 0), NF_OK);
	EXPECT_EQ(nfc_check(NFC_HOOKS, 31), NF_OK);
}

// ---- nfevents_limit ------------------------------------------------------------

// One SNAT create event as a 6.1 kernel multicast it (tests/unit/test_ctnetlink.cpp):
// udp 10.1.0.2:40001 -> 10.2.0.2:50001, translated to 10.2.0.1.
const std::vector<uint8_t> snat_new = {
	0x94, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x06, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x02, 0x00, 0x00, 0x00, 0x34, 0x00, 0x01, 0x80, 0x14, 0x00, 0x01, 0x80, 0x08, 0x00, 0x01, 0x00,
	0x0a, 0x01, 0x00, 0x02, 0x08, 0x00, 0x02, 0x00, 0x0a, 0x02, 0x00, 0x02, 0x1c, 0x00, 0x02, 0x80,
	0x05, 0x00, 0x01, 0x00, 0x11, 0x00, 0x00, 0x00, 0x06, 0x00, 0x02, 0x00, 0x9c, 0x41, 0x00, 0x00,
	0x06, 0x00, 0x03, 0x00, 0xc3, 0x51, 0x00, 0x00, 0x34, 0x00, 0x02, 0x80, 0x14, 0x00, 0x01, 0x80,
	0x08, 0x00, 0x01, 0x00, 0x0a, 0x02, 0x00, 0x02, 0x08, 0x00, 0x02, 0x00, 0x0a, 0x02, 0x00, 0x01,
	0x1c, 0x00, 0x02, 0x80, 0x05, 0x00, 0x01, 0x00, 0x11, 0x00, 0x00, 0x00, 0x06, 0x00, 0x02, 0x00,
	0xc3, 0x51, 0x00, 0x00, 0x06, 0x00, 0x03, 0x00, 0x9c, 0x41, 0x00, 0x00, 0x08, 0x00, 0x0c, 0x00,
	0x0d, 0xd1, 0x4e, 0xed, 0x08, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, 0x98, 0x08, 0x00, 0x07, 0x00,
	0x00, 0x00, 0x00, 0x1e,
};

class NfeventsLimit : public ::testing::Test {
protected:
	void SetUp() override
	{
		fake::clear_sent();
		nfc_init_args a = default_init_args(1, 4096);
		a.settings[NFC_NFEVENTS_LIMIT] = 3;
		ASSERT_EQ(nfc_init(&a), 0);
	}
	void TearDown() override
	{
		if (netflow::g_core)
			nfc_exit();
		EXPECT_EQ(fake::large_allocs_live(), 0);
		EXPECT_EQ(fake::bug_count(), 0) << fake::last_bug();
	}
	static void feed(int events)
	{
		std::vector<uint8_t> buf;
		for (int i = 0; i < events; i++)
			buf.insert(buf.end(), snat_new.begin(), snat_new.end());
		nfc_nat_input(buf.data(), buf.size());
	}
	// v5 records in the datagrams sent since the last call (an SNAT event
	// is one pseudo-flow).
	static unsigned records_sent()
	{
		unsigned n = 0;
		for (const auto& d : fake::sent())
			n += d[2] << 8 | d[3];
		fake::clear_sent();
		return n;
	}
};

TEST_F(NfeventsLimit, EachRunTakesAtMostTheLimitAndComesBackAtOnce)
{
	feed(7);
	ASSERT_EQ(netflow::g_core->nat_stats.starts, 7u);
	// A forced run sends what it took; 0 = "call me again next tick".
	EXPECT_EQ(nfc_export(NFC_EXPORT_ALL, 0), 0u);
	EXPECT_EQ(records_sent(), 3u);
	EXPECT_EQ(nfc_export(NFC_EXPORT_ALL, 0), 0u);
	EXPECT_EQ(records_sent(), 3u);
	// The last one: the queue is empty, the usual delay.
	EXPECT_NE(nfc_export(NFC_EXPORT_ALL, 0), 0u);
	EXPECT_EQ(records_sent(), 1u);
	EXPECT_NE(nfc_export(NFC_EXPORT_ALL, 0), 0u);
	EXPECT_EQ(records_sent(), 0u);
}

TEST_F(NfeventsLimit, ExactlyTheLimitNeedsNoSecondRun)
{
	feed(3);
	EXPECT_NE(nfc_export(NFC_EXPORT_ALL, 0), 0u);
	EXPECT_EQ(records_sent(), 3u);
}

TEST_F(NfeventsLimit, ARunTimeChangeAppliesToTheNextRun)
{
	feed(7);
	ASSERT_EQ(nfc_set(NFC_NFEVENTS_LIMIT, 10000), NF_OK);
	EXPECT_NE(nfc_export(NFC_EXPORT_ALL, 0), 0u);
	EXPECT_EQ(records_sent(), 7u);
}

} // namespace
