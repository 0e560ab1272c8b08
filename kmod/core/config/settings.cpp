// SPDX-License-Identifier: GPL-2.0
#include "core/config/settings.hpp"

namespace netflow {

#define NF_SETTING_DEFAULT(ID, param, sysctl, def, ...) static_cast<u32>(def),
constinit SettingStore g_settings{{NF_SETTINGS(NF_SETTING_DEFAULT)}};
#undef NF_SETTING_DEFAULT

namespace {

constexpr bool in_range(const SettingSpec& spec, s64 v) { return v >= spec.min && v <= spec.max; }

constexpr bool default_valid(const SettingSpec& spec)
{
	switch (spec.kind) {
	case NF_PROTOCOL:
		return nf_protocol_valid(static_cast<u32>(spec.def));
	case NF_AUTO_RANGE:
	case NF_CPU:
		return spec.def == (spec.kind == NF_CPU ? -1 : 0) || in_range(spec, spec.def);
	default:
		return in_range(spec, spec.def);
	}
}

constexpr bool all_defaults_valid()
{
	for (const SettingSpec& spec : setting_specs)
		if (!default_valid(spec))
			return false;
	return true;
}
static_assert(all_defaults_valid(), "every default is a value its row accepts");

} // namespace

bool setting_valid(nfc_setting s, u32 value)
{
	if (static_cast<u32>(s) >= NFC_NR_SETTINGS)
		return false;
	const SettingSpec& spec = spec_of(s);
	switch (spec.kind) {
	case NF_PROTOCOL:
		return nf_protocol_valid(value);
	case NF_AUTO_RANGE:
		return value == 0 || in_range(spec, value);
	case NF_CPU: {
		const s32 cpu = static_cast<s32>(value);
		return cpu == -1 || (cpu >= 0 && static_cast<u32>(cpu) < nfp_nr_cpu_ids());
	}
	default:
		return in_range(spec, value);
	}
}

} // namespace netflow
