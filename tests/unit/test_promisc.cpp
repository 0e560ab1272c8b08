// SPDX-License-Identifier: GPL-2.0
// Promiscuous capture, what the core owns of it: the `promisc` setting
// (0 or 1, changed at run time) and the /proc line with the counters the
// glue's packet handler (kmod/glue/promisc.c) hands over.
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "core/core.hpp"
#include "core_defaults.hpp"
#include "fake_platform.hpp"
#include "netflow/abi.h"

namespace {

std::string promisc_line()
{
	std::vector<char> buf(16384);
	std::istringstream in(std::string(buf.data(), nfc_format_stats(buf.data(), buf.size(), "x")));
	for (std::string l; std::getline(in, l);)
		if (l.rfind("Promisc", 0) == 0)
			return l;
	return "";
}

TEST(Promisc, SettingIsZeroOrOneAndLive)
{
	nfc_init_args a = default_init_args(1, 4096);
	ASSERT_EQ(nfc_init(&a), 0);
	EXPECT_EQ(nfc_get(NFC_PROMISC), 0u);
	EXPECT_EQ(nfc_set(NFC_PROMISC, 2), NF_EINVAL);
	EXPECT_EQ(nfc_get(NFC_PROMISC), 0u);
	EXPECT_EQ(nfc_set(NFC_PROMISC, 1), NF_OK);
	EXPECT_EQ(nfc_get(NFC_PROMISC), 1u);
	EXPECT_EQ(nfc_set(NFC_PROMISC, 0), NF_OK);
	nfc_exit();
	EXPECT_EQ(nfc_check(NFC_PROMISC, 1), NF_OK);
	EXPECT_EQ(nfc_check(NFC_PROMISC, 0xffffffffu), NF_EINVAL);
}

// The MPLS depth: 0..10, 0 (no labels, MPLS frames not taken) unless
// configure said otherwise, load time only; with 1..10 records get a tail.
TEST(Promisc, MplsDepthRangeAndLoadTimeOnly)
{
	EXPECT_EQ(NF_PROMISC_MPLS_DEFAULT, 0);
	EXPECT_EQ(nfc_check(NFC_PROMISC_MPLS, 11), NF_EINVAL);
	EXPECT_EQ(nfc_check(NFC_PROMISC_MPLS, 0xffffffffu), NF_EINVAL);
	EXPECT_EQ(nfc_check(NFC_PROMISC_MPLS, 0), NF_OK);
	EXPECT_EQ(nfc_check(NFC_PROMISC_MPLS, 1), NF_OK);
	EXPECT_EQ(nfc_check(NFC_PROMISC_MPLS, 10), NF_OK);
	nfc_init_args a = default_init_args(1, 4096);
	ASSERT_EQ(nfc_init(&a), 0);
	EXPECT_EQ(nfc_get(NFC_PROMISC_MPLS), 0u);
	EXPECT_EQ(nfc_record_tail(), 0);
	EXPECT_EQ(nfc_set(NFC_PROMISC_MPLS, 5), NF_EBUSY);
	EXPECT_EQ(nfc_get(NFC_PROMISC_MPLS), 0u);
	nfc_exit();
	a.settings[NFC_PROMISC_MPLS] = 3;
	ASSERT_EQ(nfc_init(&a), 0);
	EXPECT_EQ(nfc_record_tail(), 1);
	nfc_exit();
	EXPECT_EQ(nfc_record_tail(), 0);
}

// The original's wording, between the sampler line and the NAT events line.
TEST(Promisc, ProcLineShowsStateAndCounters)
{
	nfc_init_args a = default_init_args(1, 4096);
	ASSERT_EQ(nfc_init(&a), 0);
	EXPECT_EQ(promisc_line(), "Promisc hack is disabled (observed 0 packets, discarded 0).");
	ASSERT_EQ(nfc_set(NFC_PROMISC, 1), NF_OK);
	nfc_promisc_counts(12345678901ull, 7);
	EXPECT_EQ(promisc_line(), "Promisc hack is enabled (observed 12345678901 packets, discarded 7).");
	std::vector<char> buf(16384);
	const std::string t(buf.data(), nfc_format_stats(buf.data(), buf.size(), "x"));
	const size_t samp = t.find("Flow sampling"), prom = t.find("Promisc hack"), nat = t.find("Natevents");
	EXPECT_LT(samp, prom);
	EXPECT_LT(prom, nat);
	nfc_promisc_counts(0, 0);
	nfc_exit();
}

} // namespace
