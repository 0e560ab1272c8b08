// SPDX-License-Identifier: GPL-2.0
// libFuzzer target: the run-time settings (kmod/core/core.cpp): nfc_set(),
// nfc_get(), nfc_set_protocol(), nfc_setting_limits() and the timeouts
// derived from them, on one core (fake platform) kept for the whole run.
//
// Input: records of 5 bytes: which (u8: 0..15; the enum's range, as the
// glue's C code could pass), value (u32 big-endian).  which 15 with the
// top bit of the value set asks nfc_set_protocol() instead.  Each input
// starts from the module's defaults.
//
// Checks: nfc_set() accepts exactly the values inside nfc_setting_limits()
// of a known setting other than the protocol (5, 9, 10 through
// nfc_set_protocol() only), stores what it accepted, leaves everything else
// alone; the limits keep every timeout far below 2^31 ticks at HZ 1000;
// the derived Timeouts are consistent; one export run after the settings
// returns a delay inside [scan_min, max(HZ/10, scan_min)].
#include "common.hpp"
#include "core/core.hpp"
#include "fake_platform.hpp"

using namespace netflow;

namespace {

// kmod/glue/params.c defaults.
// In enum nfc_setting order: inactive, active, maxflows, protocol, engine_id,
// debug, scan_min, refresh_rate, timeout_rate, natevents.
const uint32_t defaults[NFC_NR_SETTINGS] = {15, 1800, 2000000, 5, 0, 0, 1, 20, 30, 0};

bool valid(unsigned which, uint32_t v)
{
	if (which >= NFC_NR_SETTINGS || which == NFC_PROTOCOL)
		return false;
	const nfc_limits l = nfc_setting_limits(static_cast<nfc_setting>(which));
	return v >= l.min && v <= l.max;
}

void snapshot(uint32_t (&s)[NFC_NR_SETTINGS])
{
	for (int i = 0; i < NFC_NR_SETTINGS; i++)
		s[i] = nfc_get(static_cast<nfc_setting>(i));
}

void check_timeouts()
{
	const Timeouts t = g_core->timeouts();
	const uint32_t hz = nfp_hz();
	FUZZ_CHECK(t.inactive == nfc_get(NFC_INACTIVE_TIMEOUT) * hz && t.active == nfc_get(NFC_ACTIVE_TIMEOUT) * hz);
	FUZZ_CHECK(t.inactive >= hz && t.active >= hz);
	FUZZ_CHECK(t.requeue >= 1 && t.requeue <= hz / 4 && t.requeue <= std::max(t.inactive / 4, 1u),
		   "requeue %u for inactive %u", t.requeue, t.inactive);
	FUZZ_CHECK(t.max_bytes == (nfc_get(NFC_PROTOCOL) == 5 ? v5_max_bytes : ~0ull));
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***)
{
	fake::reset();
	// Static facts of the limits: names, ranges, and ticks < 2^31 at HZ 1000.
	for (int s = 0; s < NFC_NR_SETTINGS; s++) {
		const nfc_setting w = static_cast<nfc_setting>(s);
		FUZZ_CHECK(nfc_setting_name(w) && *nfc_setting_name(w));
		FUZZ_CHECK(nfc_setting_limits(w).min <= nfc_setting_limits(w).max);
		FUZZ_CHECK(s == NFC_PROTOCOL || valid(s, defaults[s]), "default of %s", nfc_setting_name(w));
	}
	const uint64_t hz_max = 1000;
	FUZZ_CHECK(nfc_setting_limits(NFC_INACTIVE_TIMEOUT).max * hz_max < (1ull << 31));
	FUZZ_CHECK(nfc_setting_limits(NFC_ACTIVE_TIMEOUT).max * hz_max < (1ull << 31));
	FUZZ_CHECK(nfc_setting_limits(NFC_TIMEOUT_RATE).max * 60 * hz_max < (1ull << 31));

	nfc_init_args a{};
	a.nr_cpus = 2;
	a.hashsize = 256;
	for (int s = 0; s < NFC_NR_SETTINGS; s++)
		a.settings[s] = defaults[s];
	FUZZ_CHECK(nfc_init(&a) == 0);
	return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
	fake::clear_sent();
	for (int s = 0; s < NFC_NR_SETTINGS; s++)
		if (s != NFC_PROTOCOL)
			FUZZ_CHECK(nfc_set(static_cast<nfc_setting>(s), defaults[s]) == 0);
	FUZZ_CHECK(nfc_set_protocol(5) == 0 && nfc_get(NFC_PROTOCOL) == 5);

	for (size_t off = 0; off + 5 <= size; off += 5) {
		const unsigned which = data[off] & 0x0f;
		const uint32_t v = fuzz::be32(data + off + 1);
		uint32_t before[NFC_NR_SETTINGS], after[NFC_NR_SETTINGS];
		snapshot(before);
		if (which == 15 && (v & 0x80000000u)) {
			const uint32_t proto = v & 0x7fffffffu;
			const bool ok = proto == 5 || proto == 9 || proto == 10;
			const int r = nfc_set_protocol(proto);
			FUZZ_CHECK(r == (ok ? 0 : -1), "nfc_set_protocol(%u) = %d", proto, r);
			snapshot(after);
			if (ok)
				before[NFC_PROTOCOL] = proto;
		} else {
			const int r = nfc_set(static_cast<nfc_setting>(which), v);
			const bool ok = valid(which, v);
			FUZZ_CHECK(r == (ok ? 0 : -1), "nfc_set(%u, %u) = %d", which, v, r);
			snapshot(after);
			if (ok)
				before[which] = v;
		}
		for (int s = 0; s < NFC_NR_SETTINGS; s++)
			FUZZ_CHECK(after[s] == before[s], "setting %d is %u, expected %u", s, after[s], before[s]);
		check_timeouts();
	}

	// One export run under these settings (no flows: options records only).
	fake::advance_jiffies(data[0] % 64 * 250u);
	const uint32_t delay = nfc_export(NFC_EXPORT_DUE, 0);
	const uint32_t scan_min = nfc_get(NFC_SCAN_MIN);
	FUZZ_CHECK(delay >= scan_min && delay <= std::max(nfp_hz() / 10, scan_min), "delay %u, scan_min %u", delay,
		   scan_min);
	FUZZ_CHECK(fake::bug_count() == 0, "nfp_bug: %s", fake::last_bug().c_str());
	return 0;
}
