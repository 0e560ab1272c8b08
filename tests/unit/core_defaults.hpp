// SPDX-License-Identifier: GPL-2.0
// nfc_init() arguments as the module passes them by default, for the unit
// tests and the micro-benchmarks.
#pragma once
#include <cstdint>

#include "netflow/abi.h"

// The module's defaults (the settings table, netflow/settings.h), except
// that templates are due in every datagram (refresh_rate and timeout_rate
// at 1): a test sees every template where it looks, unless it asks
// otherwise.
inline uint32_t default_setting(int s)
{
#define NF_TEST_DEFAULT(ID, param, sysctl, def, ...) static_cast<uint32_t>(def),
	static constexpr uint32_t table[NFC_NR_SETTINGS] = {NF_SETTINGS(NF_TEST_DEFAULT)};
#undef NF_TEST_DEFAULT
	return s == NFC_REFRESH_RATE || s == NFC_TIMEOUT_RATE ? 1 : table[s];
}

inline nfc_init_args default_init_args(uint32_t cpus, uint32_t hashsize)
{
	nfc_init_args a{};
	a.nr_cpus = cpus;
	for (int s = 0; s < NFC_NR_SETTINGS; s++)
		a.settings[s] = default_setting(s);
	a.settings[NFC_HASHSIZE] = hashsize;
	return a;
}

// What nfc_set() must accept, read from the table's columns (kind, range,
// when it may change) independently of the core's own check: the oracle of
// the settings tests and fuzzers.  The userspace platform has 64 CPUs.
enum class SettingVerdict { accepted, invalid, load_only };

inline SettingVerdict expected_verdict(unsigned s, uint32_t v, bool running)
{
	struct Row {
		int64_t min, max;
		nf_setting_kind kind;
		nf_setting_live live;
	};
#define NF_TEST_ROW(ID, param, sysctl, def, min, max, kind, live, perm, desc) {min, max, kind, live},
	static constexpr Row rows[NFC_NR_SETTINGS] = {NF_SETTINGS(NF_TEST_ROW)};
#undef NF_TEST_ROW
	if (s >= NFC_NR_SETTINGS)
		return SettingVerdict::invalid;
	const Row& r = rows[s];
	const int64_t x = r.kind == NF_CPU ? int64_t(int32_t(v)) : int64_t(v);
	bool ok = x >= r.min && x <= r.max;
	if (r.kind == NF_PROTOCOL)
		ok = v == 5 || v == 9 || v == 10;
	else if (r.kind == NF_AUTO_RANGE)
		ok = ok || v == 0;
	else if (r.kind == NF_CPU)
		ok = x == -1 || (x >= 0 && x < 64);
	if (!ok)
		return SettingVerdict::invalid;
	return running && r.live == NF_LOAD ? SettingVerdict::load_only : SettingVerdict::accepted;
}

inline int expected_result(SettingVerdict v)
{
	return v == SettingVerdict::accepted ? NF_OK : v == SettingVerdict::invalid ? NF_EINVAL : NF_EBUSY;
}
