// SPDX-License-Identifier: GPL-2.0
#include "core/config/settings.hpp"

namespace netflow {

#define NF_SETTING_DEFAULT(ID, param, sysctl, def, ...) static_cast<u32>(def),
constinit SettingStore g_settings{{NF_SETTINGS(NF_SETTING_DEFAULT)}};
#undef NF_SETTING_DEFAULT

namespace {

// What a row accepts, with CPU numbers below `cpus`: one rule for the
// compile-time check of the defaults and for every value written.
constexpr bool accepts(const SettingSpec& spec, u32 value, u32 cpus)
{
	const s64 v = spec.kind == NF_CPU ? static_cast<s32>(value) : static_cast<s64>(value);
	switch (spec.kind) {
	case NF_PROTOCOL:
		return nf_protocol_valid(value);
	case NF_AUTO_RANGE:
		return v == 0 || (v >= spec.min && v <= spec.max);
	case NF_CPU:
		return v == -1 || (v >= 0 && v < cpus);
	default:
		return v >= spec.min && v <= spec.max;
	}
}

constexpr bool all_defaults_valid()
{
	for (const SettingSpec& spec : setting_specs)
		if (!accepts(spec, static_cast<u32>(spec.def), 1))
			return false;
	return true;
}
static_assert(all_defaults_valid(), "every default is a value its row accepts");

} // namespace

bool setting_valid(nfc_setting s, u32 value)
{
	return static_cast<u32>(s) < NFC_NR_SETTINGS && accepts(spec_of(s), value, nfp_nr_cpu_ids());
}

} // namespace netflow
