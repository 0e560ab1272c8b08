// SPDX-License-Identifier: GPL-2.0
// nfc_init() arguments as the module passes them by default, for the unit
// tests and the micro-benchmarks.
#pragma once
#include <cstdint>

#include "netflow/abi.h"

// The module's defaults (kmod/glue/params.c) for the settings the tests
// know; any other setting gets the lowest value it accepts.
inline uint32_t default_setting(int s)
{
	switch (s) {
	case NFC_INACTIVE_TIMEOUT: return 15;
	case NFC_ACTIVE_TIMEOUT: return 1800;
	case NFC_MAXFLOWS: return 2000000;
	case NFC_PROTOCOL: return 5;
	case NFC_ENGINE_ID: return 0;
	case NFC_DEBUG: return 0;
	case NFC_SCAN_MIN: return 1;
	default: return nfc_setting_limits(static_cast<nfc_setting>(s)).min;
	}
}

inline nfc_init_args default_init_args(uint32_t cpus, uint32_t hashsize)
{
	nfc_init_args a{};
	a.nr_cpus = cpus;
	a.hashsize = hashsize;
	for (int s = 0; s < NFC_NR_SETTINGS; s++)
		a.settings[s] = default_setting(s);
	return a;
}
