// SPDX-License-Identifier: GPL-2.0
// The `sampler` setting (docs/SAMPLING.md): which flows are exported, one out
// of N, chosen by one of three methods, with the original's spelling:
//
//   deterministic:N   every N-th flow (count-based)
//   random:N          one flow at a random place in each block of N
//   hash:N            flows whose keyed hash falls in the lowest 1/N of the
//                     hash range; chosen as their first packet arrives, the
//                     others are never cached
//
// N is 2..16383 (the v5 header keeps it in 14 bits).  "", "0", "off" and
// "none" turn sampling off.  A mode may be shortened to any prefix of its
// name ("d:10", "rand:10"): the original looked at the first letter only.
#pragma once
#include "core/config/destination.hpp"

namespace netflow {

// Numbered as the records carry them: the sampler id (IE 48 / 302), the v5
// header's mode bits (hash is reported as random there) and the original's
// /proc line.
enum class SamplerMode : u8 { off = 0, deterministic = 1, random = 2, hash = 3 };

inline constexpr u32 sampler_n_min = 2;
inline constexpr u32 sampler_n_max = 16383;
inline constexpr size_t sampler_text_max = 64;

struct SamplerConfig {
	SamplerMode mode = SamplerMode::off;
	u32 n = 0;	// 0 when off

	bool on() const { return mode != SamplerMode::off; }
	bool operator==(const SamplerConfig&) const = default;
};

// Parses the whole text (blanks around it are the caller's to trim).  On
// error returns false with err.position at the offending byte and a reason;
// `out` is left alone.
bool parse_sampler(const char* text, SamplerConfig& out, ParseError& err) noexcept;

const char* sampler_mode_name(SamplerMode m);

} // namespace netflow
