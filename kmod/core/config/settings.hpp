// SPDX-License-Identifier: GPL-2.0
// The core's side of the settings table (include/netflow/settings.h): what
// each value may be, and where it is kept.  Values live outside the Core
// object because module parameters are parsed, and stored here, before the
// module's init builds the Core.
#pragma once
#include "ktl/types.hpp"

namespace netflow {
using namespace ktl;

struct SettingSpec {
	const char* param;
	const char* sysctl;	// nullptr when no sysctl is exactly this value
	s64 def, min, max;
	nf_setting_kind kind;
	nf_setting_live live;
};

#define NF_SETTING_SPEC(ID, param, sysctl, def, min, max, kind, live, perm, desc) \
	{#param, sysctl, def, min, max, kind, live},
inline constexpr SettingSpec setting_specs[] = {NF_SETTINGS(NF_SETTING_SPEC)};
#undef NF_SETTING_SPEC
static_assert(size(setting_specs) == NFC_NR_SETTINGS);

constexpr const SettingSpec& spec_of(nfc_setting s) { return setting_specs[s]; }

// Whether `value` (the u32 the ABI carries: an NF_CPU setting's int in two's
// complement) is acceptable for `s`.
bool setting_valid(nfc_setting s, u32 value);

// The stored values: one relaxed atomic word each, read anywhere, written by
// the glue's serialised writers.
class SettingStore {
public:
	u32 get(nfc_setting s) const { return __atomic_load_n(&values_[s], __ATOMIC_RELAXED); }
	void put(nfc_setting s, u32 v) { __atomic_store_n(&values_[s], v, __ATOMIC_RELAXED); }

	u32 values_[NFC_NR_SETTINGS];
};

// Starts with every default: constant-initialised, no constructor to run.
extern SettingStore g_settings;

} // namespace netflow
