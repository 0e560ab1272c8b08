// SPDX-License-Identifier: GPL-2.0
#include "core/sampler/sampler_config.hpp"

namespace netflow {

namespace {

struct ModeName {
	const char* name;
	SamplerMode mode;
};

constexpr ModeName mode_names[] = {
	{"deterministic", SamplerMode::deterministic},
	{"random", SamplerMode::random},
	{"hash", SamplerMode::hash},
};

bool equal(const char* a, const char* b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

// `len` bytes of `word` are a non-empty prefix of `name`.
bool is_prefix(const char* word, size_t len, const char* name)
{
	for (size_t i = 0; i < len; i++)
		if (!name[i] || name[i] != word[i])
			return false;
	return len > 0;
}

bool fail(ParseError& err, const char* text, const char* at, const char* reason)
{
	err.position = static_cast<u32>(at - text);
	err.reason = reason;
	return false;
}

} // namespace

const char* sampler_mode_name(SamplerMode m)
{
	for (const ModeName& mn : mode_names)
		if (mn.mode == m)
			return mn.name;
	return "off";
}

bool parse_sampler(const char* text, SamplerConfig& out, ParseError& err) noexcept
{
	err = ParseError{0, nullptr};
	if (!text || !*text || equal(text, "0") || equal(text, "off") || equal(text, "none")) {
		out = SamplerConfig{};
		return true;
	}
	const char* colon = text;
	while (*colon && *colon != ':')
		colon++;
	const size_t word = static_cast<size_t>(colon - text);
	SamplerMode mode = SamplerMode::off;
	for (const ModeName& mn : mode_names)
		if (is_prefix(text, word, mn.name))
			mode = mn.mode;
	if (mode == SamplerMode::off)
		return fail(err, text, text, "expected deterministic:N, random:N, hash:N or off");
	if (!*colon)
		return fail(err, text, colon, "expected ':' and the interval N");
	const char* p = colon + 1;
	if (*p < '0' || *p > '9')
		return fail(err, text, p, "expected the interval N, 2..16383");
	u32 n = 0;
	for (; *p >= '0' && *p <= '9'; p++) {
		n = n * 10 + static_cast<u32>(*p - '0');
		if (n > sampler_n_max)
			return fail(err, text, colon + 1, "the interval N must be 2..16383");
	}
	if (*p)
		return fail(err, text, p, "unexpected text after the interval");
	if (n < sampler_n_min)
		return fail(err, text, colon + 1, "the interval N must be 2..16383");
	out = SamplerConfig{mode, n};
	return true;
}

} // namespace netflow
