// SPDX-License-Identifier: GPL-2.0
// libFuzzer target: the `sampler` setting's parser (kmod/core/sampler/
// sampler_config.hpp), against a reference model written differently.
//
// Input: the text (up to the first NUL).
//
// Checks on top of ASan/UBSan:
//   * accepted exactly when the model accepts, with the same mode and N;
//   * on success err = {0, nullptr}; on failure a reason, a position inside
//     the text, and the output untouched;
//   * an accepted sampler re-printed as "<full mode name>:<N>" (or "off")
//     parses to the same sampler.
#include <algorithm>
#include <string>

#include "common.hpp"
#include "core/sampler/sampler_config.hpp"

using namespace netflow;

namespace {

// The syntax as docs/SAMPLING.md states it.
bool model(const std::string& s, SamplerConfig& out)
{
	if (s.empty() || s == "0" || s == "off" || s == "none") {
		out = SamplerConfig{};
		return true;
	}
	const size_t colon = s.find(':');
	if (colon == std::string::npos || colon == 0)
		return false;
	const std::string word = s.substr(0, colon), num = s.substr(colon + 1);
	SamplerMode mode = SamplerMode::off;
	for (auto [name, m] : {std::pair{"deterministic", SamplerMode::deterministic},
			       std::pair{"random", SamplerMode::random}, std::pair{"hash", SamplerMode::hash}})
		if (std::string(name).compare(0, word.size(), word) == 0 && word.size() <= std::string(name).size())
			mode = m;
	if (mode == SamplerMode::off || num.empty())
		return false;
	unsigned long long n = 0;
	for (char c : num) {
		if (c < '0' || c > '9')
			return false;
		n = std::min(n * 10 + unsigned(c - '0'), 1000000ull);	// leading zeros are fine
	}
	if (n < 2 || n > 16383)
		return false;
	out = SamplerConfig{mode, static_cast<u32>(n)};
	return true;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
	const std::string text(reinterpret_cast<const char*>(data), strnlen(reinterpret_cast<const char*>(data), size));
	const SamplerConfig poison{SamplerMode::random, 77};
	SamplerConfig got = poison, want{};
	ParseError err{};
	const bool ok = parse_sampler(text.c_str(), got, err);
	const bool model_ok = model(text, want);
	FUZZ_CHECK(ok == model_ok, "'%s': parser %d, model %d", text.c_str(), ok, model_ok);
	if (!ok) {
		FUZZ_CHECK(got == poison, "'%s': output written on error", text.c_str());
		FUZZ_CHECK(err.reason != nullptr);
		FUZZ_CHECK(err.position <= text.size(), "'%s': position %u", text.c_str(), err.position);
		return 0;
	}
	FUZZ_CHECK(err.reason == nullptr && err.position == 0);
	FUZZ_CHECK(got == want, "'%s': mode %d n %u, model %d %u", text.c_str(), int(got.mode), got.n,
		   int(want.mode), want.n);
	const std::string again = got.on() ? std::string(sampler_mode_name(got.mode)) + ":" + std::to_string(got.n)
					   : "off";
	SamplerConfig back{};
	FUZZ_CHECK(parse_sampler(again.c_str(), back, err) && back == got, "re-print '%s'", again.c_str());
	return 0;
}
