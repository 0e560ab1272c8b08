// SPDX-License-Identifier: GPL-2.0
// The settings table (netflow/settings.h) as the core reads it: every row's
// boundaries accepted or refused as its kind and range say, before the core
// runs (module parameters at load: stored only) and while it runs (applied,
// load-time rows refused), with nothing changed by a refusal.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/core.hpp"
#include "core_defaults.hpp"
#include "fake_platform.hpp"
#include "netflow/abi.h"

namespace {

struct Row {
	const char* param;
	const char* sysctl;
	int64_t def, min, max;
	nf_setting_kind kind;
	nf_setting_live live;
	unsigned perm;
};

#define ROW(ID, param, sysctl, def, min, max, kind, live, perm, desc) {#param, sysctl, def, min, max, kind, live, perm},
const Row rows[NFC_NR_SETTINGS] = {NF_SETTINGS(ROW)};
#undef ROW

// Values around each boundary of a row, as the u32 the ABI carries.
std::vector<uint32_t> probes(const Row& r)
{
	std::vector<uint32_t> v = {0, 1, 4, 5, 6, 8, 9, 10, 11, 63, 64, 255, 256, 0xffffffffu, 0x7fffffffu, 0x80000000u};
	for (int64_t x : {r.def, r.min, r.max})
		for (int64_t d : {-1, 0, 1})
			v.push_back(static_cast<uint32_t>(x + d));
	return v;
}

void restore_defaults()
{
	for (int s = 0; s < NFC_NR_SETTINGS; s++)
		ASSERT_EQ(nfc_set(static_cast<nfc_setting>(s), static_cast<uint32_t>(rows[s].def)), NF_OK) << rows[s].param;
}

class SettingsTable : public ::testing::Test {
protected:
	void SetUp() override
	{
		fake::reset();
		restore_defaults();
	}
	void TearDown() override
	{
		if (netflow::g_core)
			nfc_exit();
		restore_defaults();
	}
	void check_every_row(bool running)
	{
		for (unsigned s = 0; s < NFC_NR_SETTINGS; s++) {
			const nfc_setting w = static_cast<nfc_setting>(s);
			for (uint32_t v : probes(rows[s])) {
				SCOPED_TRACE(std::string(rows[s].param) + "=" + std::to_string(v));
				const uint32_t old = nfc_get(w);
				const SettingVerdict want = expected_verdict(s, v, running);
				EXPECT_EQ(nfc_check(w, v), expected_result(want));
				EXPECT_EQ(nfc_get(w), old);	// a check changes nothing
				EXPECT_EQ(nfc_set(w, v), expected_result(want));
				EXPECT_EQ(nfc_get(w), want == SettingVerdict::accepted ? v : old);
			}
		}
	}
};

} // namespace

TEST(SettingsRows, NamesDefaultsAndModesAreTheOriginals)
{
	// The original's spellings: parameters with '_', sysctls as it named them.
	EXPECT_STREQ(rows[NFC_REFRESH_RATE].sysctl, "refresh-rate");
	EXPECT_STREQ(rows[NFC_TIMEOUT_RATE].sysctl, "timeout-rate");
	EXPECT_STREQ(rows[NFC_SCAN_MIN].param, "scan_min");
	EXPECT_STREQ(rows[NFC_SCAN_MIN].sysctl, "scan-min");
	EXPECT_EQ(rows[NFC_ENGINE_ID].sysctl, nullptr);
	EXPECT_EQ(rows[NFC_EXPORTCPU].sysctl, nullptr);
	// hashsize and sndbuf have sysctls that show the table's and the
	// sockets' real values (sysctl.c), not the load-time setting.
	EXPECT_EQ(rows[NFC_HASHSIZE].sysctl, nullptr);
	EXPECT_EQ(rows[NFC_SNDBUF].sysctl, nullptr);
	EXPECT_EQ(rows[NFC_INACTIVE_TIMEOUT].def, 15);
	EXPECT_EQ(rows[NFC_ACTIVE_TIMEOUT].def, 1800);
	EXPECT_EQ(rows[NFC_MAXFLOWS].def, 2000000);
	EXPECT_EQ(rows[NFC_PROTOCOL].def, NF_PROTOCOL_V5);
	EXPECT_EQ(rows[NFC_REFRESH_RATE].def, 20);
	EXPECT_EQ(rows[NFC_TIMEOUT_RATE].def, 30);
	EXPECT_EQ(rows[NFC_EXPORTCPU].def, -1);
	EXPECT_EQ(rows[NFC_PROTOCOL].perm, 0444u);
	EXPECT_EQ(rows[NFC_NATEVENTS].perm, 0444u);
	EXPECT_EQ(rows[NFC_INACTIVE_TIMEOUT].perm, 0644u);
	for (const Row& r : rows) {
		SCOPED_TRACE(r.param);
		EXPECT_EQ(expected_verdict(&r - rows, static_cast<uint32_t>(r.def), false), SettingVerdict::accepted);
		// A writable parameter changes a running module: the row says so.
		if (r.perm & 0200) {
			EXPECT_EQ(r.live, NF_LIVE);
		}
	}
}

TEST_F(SettingsTable, BeforeTheCoreRunsEveryValidValueIsStored)
{
	ASSERT_EQ(netflow::g_core, nullptr);
	check_every_row(false);
	EXPECT_EQ(fake::sent_count(), 0u);
}

TEST_F(SettingsTable, WhileTheCoreRunsLoadTimeRowsAreRefused)
{
	const nfc_init_args a = default_init_args(2, 1024);
	ASSERT_EQ(nfc_init(&a), NF_OK);
	check_every_row(true);
	EXPECT_EQ(nfc_get(NFC_HASHSIZE), 1024u);
	EXPECT_EQ(nfc_hashsize(), 1024u);
}

TEST_F(SettingsTable, TheCoreStartsWithWhatWasStored)
{
	// As the module does: parameters stored first, then nfc_init() with them.
	ASSERT_EQ(nfc_set(NFC_INACTIVE_TIMEOUT, 7), NF_OK);
	ASSERT_EQ(nfc_set(NFC_PROTOCOL, NF_PROTOCOL_IPFIX), NF_OK);
	ASSERT_EQ(nfc_set(NFC_HASHSIZE, 512), NF_OK);
	nfc_init_args a = default_init_args(1, 0);
	for (int s = 0; s < NFC_NR_SETTINGS; s++)
		a.settings[s] = nfc_get(static_cast<nfc_setting>(s));
	ASSERT_EQ(nfc_init(&a), NF_OK);
	EXPECT_EQ(nfc_get(NFC_INACTIVE_TIMEOUT), 7u);
	EXPECT_EQ(netflow::g_core->timeouts().inactive, 7 * nfp_hz());
	EXPECT_EQ(nfc_get(NFC_PROTOCOL), static_cast<uint32_t>(NF_PROTOCOL_IPFIX));
	EXPECT_EQ(netflow::g_core->timeouts().max_bytes, ~0ull);
	EXPECT_EQ(nfc_hashsize(), 1u << 9);
}
