// SPDX-License-Identifier: GPL-2.0
// libFuzzer target: the run-time settings (the table in netflow/settings.h,
// kmod/core/config/settings.cpp and kmod/core/core.cpp): nfc_set(), nfc_get()
// and the timeouts derived from them, on one core (fake platform) kept for
// the whole run.
//
// Input: records of 5 bytes: which (u8: 0..15; the enum's range, as the
// glue's C code could pass), value (u32 big-endian; for the protocol only
// its low 4 bits, so that 5, 9 and 10 come up).  Each input starts from the
// module's defaults.
//
// Checks: nfc_set() answers as the table's row says (expected_verdict():
// kind, range, load-time only), stores what it accepted, leaves everything
// else alone; the ranges keep every timeout far below 2^31 ticks at HZ 1000;
// the derived Timeouts are consistent; one export run after the settings
// returns a delay inside [scan_min, max(HZ/10, scan_min)].
#include "common.hpp"
#include "core/core.hpp"
#include "core_defaults.hpp"
#include "fake_platform.hpp"

using namespace netflow;

namespace {

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
	FUZZ_CHECK(t.max_bytes == (nfc_get(NFC_PROTOCOL) == NF_PROTOCOL_V5 ? v5_max_bytes : ~0ull));
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***)
{
	fake::reset();
	// Static facts of the table: every default accepted, ticks < 2^31 at HZ 1000.
	for (int s = 0; s < NFC_NR_SETTINGS; s++)
		FUZZ_CHECK(expected_verdict(s, default_setting(s), false) == SettingVerdict::accepted, "default of %d", s);
	const uint64_t hz_max = 1000;
	FUZZ_CHECK(spec_of(NFC_INACTIVE_TIMEOUT).max * hz_max < (1ull << 31));
	FUZZ_CHECK(spec_of(NFC_ACTIVE_TIMEOUT).max * hz_max < (1ull << 31));
	FUZZ_CHECK(spec_of(NFC_TIMEOUT_RATE).max * 60 * hz_max < (1ull << 31));

	nfc_init_args a = default_init_args(2, 256);
	FUZZ_CHECK(nfc_init(&a) == 0);
	return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
	fake::clear_sent();
	for (int s = 0; s < NFC_NR_SETTINGS; s++)
		if (s != NFC_HASHSIZE)
			FUZZ_CHECK(nfc_set(static_cast<nfc_setting>(s), default_setting(s)) == 0);

	for (size_t off = 0; off + 5 <= size; off += 5) {
		const unsigned which = data[off] & 0x0f;
		uint32_t v = fuzz::be32(data + off + 1);
		if (which == NFC_PROTOCOL)
			v &= 0x0f;
		uint32_t before[NFC_NR_SETTINGS], after[NFC_NR_SETTINGS];
		snapshot(before);
		const SettingVerdict verdict = expected_verdict(which, v, true);
		const int r = nfc_set(static_cast<nfc_setting>(which), v);
		FUZZ_CHECK(r == expected_result(verdict), "nfc_set(%u, %u) = %d", which, v, r);
		snapshot(after);
		if (verdict == SettingVerdict::accepted)
			before[which] = v;
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
