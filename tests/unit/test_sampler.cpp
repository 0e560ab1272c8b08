// SPDX-License-Identifier: GPL-2.0
// The sampler (docs/SAMPLING.md): the setting's syntax, which flows each
// mode chooses and how many, and the options records that describe it, byte
// for byte in v9 and IPFIX.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "fake_platform.hpp"
#include "ipfix_common.hpp"
#include "core/sampler/sampler.hpp"

using namespace netflow;
using namespace ipfixtest;

namespace {

struct ParseCase {
	const char* text;
	bool ok;
	SamplerMode mode;
	uint32_t n;
	uint32_t pos;	// error position
};

} // namespace

TEST(SamplerParse, Table)
{
	const ParseCase cases[] = {
		{"", true, SamplerMode::off, 0, 0},
		{"0", true, SamplerMode::off, 0, 0},
		{"off", true, SamplerMode::off, 0, 0},
		{"none", true, SamplerMode::off, 0, 0},
		{"deterministic:10", true, SamplerMode::deterministic, 10, 0},
		{"random:100", true, SamplerMode::random, 100, 0},
		{"hash:2", true, SamplerMode::hash, 2, 0},
		{"hash:16383", true, SamplerMode::hash, 16383, 0},
		{"d:10", true, SamplerMode::deterministic, 10, 0},
		{"rand:7", true, SamplerMode::random, 7, 0},
		{"h:0010", true, SamplerMode::hash, 10, 0},
		{"hash:1", false, SamplerMode::off, 0, 5},
		{"hash:0", false, SamplerMode::off, 0, 5},
		{"hash:16384", false, SamplerMode::off, 0, 5},
		{"hash:99999999999999999999", false, SamplerMode::off, 0, 5},
		{"hash:", false, SamplerMode::off, 0, 5},
		{"hash", false, SamplerMode::off, 0, 4},
		{"hash:10x", false, SamplerMode::off, 0, 7},
		{"hash:-10", false, SamplerMode::off, 0, 5},
		{"hash:+10", false, SamplerMode::off, 0, 5},
		{"hash: 10", false, SamplerMode::off, 0, 5},
		{"hashes:10", false, SamplerMode::off, 0, 0},
		{"x:10", false, SamplerMode::off, 0, 0},
		{":10", false, SamplerMode::off, 0, 0},
		{"Random:10", false, SamplerMode::off, 0, 0},
		{"offf", false, SamplerMode::off, 0, 0},
		{"00", false, SamplerMode::off, 0, 0},
		{"random:10:20", false, SamplerMode::off, 0, 9},
	};
	for (const ParseCase& c : cases) {
		SamplerConfig out{SamplerMode::random, 99};
		ParseError err{};
		const bool ok = parse_sampler(c.text, out, err);
		EXPECT_EQ(ok, c.ok) << c.text;
		if (ok) {
			EXPECT_EQ(out.mode, c.mode) << c.text;
			EXPECT_EQ(out.n, c.n) << c.text;
			EXPECT_EQ(err.reason, nullptr) << c.text;
		} else {
			EXPECT_EQ(out.mode, SamplerMode::random) << c.text << ": untouched on error";
			EXPECT_EQ(out.n, 99u) << c.text;
			EXPECT_NE(err.reason, nullptr) << c.text;
			EXPECT_EQ(err.position, c.pos) << c.text;
		}
	}
	SamplerConfig out{};
	ParseError err{};
	EXPECT_TRUE(parse_sampler(nullptr, out, err));
	EXPECT_FALSE(out.on());
}

// Of M flows leaving the cache, exactly floor(M / N): flows N, 2N, ...
TEST(SamplerSelect, DeterministicIsExact)
{
	for (uint32_t n : {2u, 10u, 16383u}) {
		Sampler s;
		s.start(SamplerConfig{SamplerMode::deterministic, n}, 1000);
		const uint32_t m = 100003;
		uint32_t chosen = 0;
		for (uint32_t i = 1; i <= m; i++) {
			const bool c = s.select(3);
			EXPECT_EQ(c, i % n == 0) << "flow " << i << " N " << n;
			chosen += c;
		}
		EXPECT_EQ(chosen, m / n);
		EXPECT_EQ(s.stats.flows_selected, m / n);
		EXPECT_EQ(s.stats.flows_discarded, m - m / n);
		EXPECT_EQ(s.stats.pkts_selected, 3ull * (m / n));
		EXPECT_EQ(s.stats.pkts_discarded, 3ull * (m - m / n));
		EXPECT_EQ(s.since_ms, 1000u);
	}
}

// Exactly one flow in each block of N, at a place that varies: every place
// is used about equally often (chi-square over 10,000 blocks of 10 far below
// its 99.9th percentile, 27.9 for 9 degrees of freedom).
TEST(SamplerSelect, RandomIsOneInEachBlock)
{
	fake::reset();
	Sampler s;
	const uint32_t n = 10, blocks = 10000;
	s.start(SamplerConfig{SamplerMode::random, n}, 0);
	std::vector<uint32_t> at(n, 0);
	for (uint32_t b = 0; b < blocks; b++) {
		uint32_t in_block = 0;
		for (uint32_t i = 0; i < n; i++)
			if (s.select(1)) {
				in_block++;
				at[i]++;
			}
		ASSERT_EQ(in_block, 1u) << "block " << b;
	}
	double chi2 = 0;
	const double expect = double(blocks) / n;
	for (uint32_t c : at)
		chi2 += (c - expect) * (c - expect) / expect;
	EXPECT_LT(chi2, 27.9);
	EXPECT_EQ(s.stats.flows_selected, blocks);
	EXPECT_EQ(s.stats.flows_discarded, blocks * (n - 1));
}

TEST(SamplerSelect, OffAndHashTakeEveryFlowAtExport)
{
	Sampler s;
	for (int i = 0; i < 100; i++)
		EXPECT_TRUE(s.select(1));
	EXPECT_EQ(s.stats.flows_selected, 0u) << "off counts nothing";
	s.start(SamplerConfig{SamplerMode::hash, 10}, 0);
	for (int i = 0; i < 100; i++)
		EXPECT_TRUE(s.select(2));
	EXPECT_EQ(s.stats.flows_selected, 100u);
	EXPECT_EQ(s.stats.pkts_selected, 200u);
	EXPECT_EQ(s.stats.flows_discarded, 0u);
}

// The share of keys the hash chooses: 100,000 distinct keys at N = 10 under
// several seeds; binomial standard deviation sqrt(M p (1 - p)) = 94.9, the
// bound 6 of them.  The exact share is ceil(2^32 / N) / 2^32.
TEST(SamplerSelect, HashShare)
{
	EXPECT_EQ(hash_selected_values(10), 429496730u);
	EXPECT_EQ(hash_selected_values(2), 1ull << 31);
	for (uint64_t seed_base : {1ull, 0x9e3779b97f4a7c15ull, 0xdeadbeefull}) {
		HashSeed seed{{seed_base, seed_base * 3, seed_base * 5, seed_base * 7}};
		uint32_t chosen = 0;
		const uint32_t m = 100000;
		for (uint32_t i = 0; i < m; i++) {
			Ipv4Key k{};
			k.src = Be32::from_host(0x0a000000u | (i >> 8));
			k.dst = Be32::from_host(0x0a800001u);
			k.sport = Be16::from_host(static_cast<uint16_t>(1024 + (i & 0xff)));
			k.dport = Be16::from_host(53);
			k.proto = 17;
			chosen += hash_selected(k, 10, seed);
		}
		EXPECT_NEAR(chosen, m / 10.0, 6 * 94.9) << "seed " << seed_base;
		// The same key, the same answer.
		Ipv4Key k{};
		k.proto = 6;
		const bool first = hash_selected(k, 10, seed);
		for (int r = 0; r < 10; r++)
			EXPECT_EQ(hash_selected(k, 10, seed), first);
	}
}

TEST(SamplerRecords, V5Interval)
{
	Sampler s;
	EXPECT_EQ(s.v5_interval(), 0);
	s.start(SamplerConfig{SamplerMode::deterministic, 10}, 0);
	EXPECT_EQ(s.v5_interval(), 0x4000 | 10);
	s.start(SamplerConfig{SamplerMode::random, 16383}, 0);
	EXPECT_EQ(s.v5_interval(), 0x8000 | 16383);
	s.start(SamplerConfig{SamplerMode::hash, 100}, 0);
	EXPECT_EQ(s.v5_interval(), 0x8000 | 100) << "hash is reported as random";
}

TEST(SamplerRecords, Float64OfFraction)
{
	const auto as_double = [](uint64_t bits) {
		double d;
		std::memcpy(&d, &bits, 8);
		return d;
	};
	for (uint32_t n : {2u, 3u, 10u, 100u, 16383u}) {
		const uint64_t v = hash_selected_values(n);
		EXPECT_EQ(as_double(float64_of_fraction32(v)), double(v) / 4294967296.0) << n;
	}
	EXPECT_EQ(float64_of_fraction32(1ull << 31), 0x3fe0000000000000ull);	// 0.5
	EXPECT_EQ(float64_of_fraction32(0), 0u);
}

namespace {

Buf record_of(const Template& t, const std::function<void(u8*)>& write)
{
	Buf b(t.record_size, 0xee);
	write(b.data());
	return b;
}

// A template set holding `t`, as Message writes it (header bytes excluded).
Buf template_set(const Template& t, Dialect d)
{
	Message m;
	m.begin(d);
	EXPECT_TRUE(m.add_template(t, 0));
	Buf all = to_vec(m.finish(MessageHeader{}));
	return Buf(all.begin() + (d == Dialect::ipfix ? 16 : 20), all.end());
}

} // namespace

// v9 sampler options: scope System (observationDomainId, 4 bytes), then
// FLOW_SAMPLER_ID (1), FLOW_SAMPLER_MODE (1), FLOW_SAMPLER_RANDOM_INTERVAL (4).
TEST(SamplerRecords, V9SamplerOptionsBytes)
{
	const Template t = make_options(OptionsKind::sampler_v9, Dialect::v9, 260);
	// clang-format off
	EXPECT_EQ(template_set(t, Dialect::v9), (Buf{
		0x00, 0x01, 0x00, 0x1c,		// options template set, 28 bytes (26 + 2 padding)
		0x01, 0x04, 0x00, 0x04, 0x00, 0x0c,	// id 260, scope 4 bytes, options 12 bytes
		0x00, 0x01, 0x00, 0x04,		// scope System, 4
		0x00, 0x30, 0x00, 0x01,		// 48, 1
		0x00, 0x31, 0x00, 0x01,		// 49, 1
		0x00, 0x32, 0x00, 0x04,		// 50, 4
		0x00, 0x00,
	}));
	Sampler s;
	s.start(SamplerConfig{SamplerMode::deterministic, 10}, 0);
	EXPECT_EQ(record_of(t, [&](u8* p) { write_sampler(t, 7, s, p); }),
		  (Buf{0, 0, 0, 7, 1, 1, 0, 0, 0, 10}));
	s.start(SamplerConfig{SamplerMode::random, 300}, 0);
	EXPECT_EQ(record_of(t, [&](u8* p) { write_sampler(t, 7, s, p); }),
		  (Buf{0, 0, 0, 7, 2, 2, 0, 0, 0x01, 0x2c}));
	s.start(SamplerConfig{SamplerMode::hash, 100}, 0);
	EXPECT_EQ(record_of(t, [&](u8* p) { write_sampler(t, 7, s, p); }),
		  (Buf{0, 0, 0, 7, 3, 2, 0, 0, 0, 100}));
	// clang-format on
}

// IPFIX selector options, RFC 7014: count-based 1-in-N as
// samplingFlowInterval 1, samplingFlowSpacing N - 1.
TEST(SamplerRecords, IpfixSelectorCountBytes)
{
	const Template t = make_options(OptionsKind::selector_count, Dialect::ipfix, 261);
	// clang-format off
	EXPECT_EQ(template_set(t, Dialect::ipfix), (Buf{
		0x00, 0x03, 0x00, 0x20,		// options template set, 32 bytes (30 + 2)
		0x01, 0x05, 0x00, 0x05, 0x00, 0x01,	// id 261, 5 fields, 1 scope
		0x00, 0x95, 0x00, 0x04,		// 149 observationDomainId, 4
		0x01, 0x2e, 0x00, 0x08,		// 302 selectorId, 8
		0x01, 0x86, 0x00, 0x02,		// 390 flowSelectorAlgorithm, 2
		0x01, 0x8c, 0x00, 0x08,		// 396 samplingFlowInterval, 8
		0x01, 0x8d, 0x00, 0x08,		// 397 samplingFlowSpacing, 8
		0x00, 0x00,
	}));
	Sampler s;
	s.start(SamplerConfig{SamplerMode::deterministic, 10}, 0);
	EXPECT_EQ(record_of(t, [&](u8* p) { write_sampler(t, 0x01020304, s, p); }), (Buf{
		0x01, 0x02, 0x03, 0x04,
		0, 0, 0, 0, 0, 0, 0, 1,		// selector 1
		0, 1,				// systematic count-based
		0, 0, 0, 0, 0, 0, 0, 1,		// take 1
		0, 0, 0, 0, 0, 0, 0, 9,		// skip 9
	}));
	// clang-format on
}

TEST(SamplerRecords, IpfixSelectorRandomBytes)
{
	const Template t = make_options(OptionsKind::selector_random, Dialect::ipfix, 262);
	// clang-format off
	EXPECT_EQ(template_set(t, Dialect::ipfix), (Buf{
		0x00, 0x03, 0x00, 0x20,
		0x01, 0x06, 0x00, 0x05, 0x00, 0x01,
		0x00, 0x95, 0x00, 0x04,
		0x01, 0x2e, 0x00, 0x08,
		0x01, 0x86, 0x00, 0x02,
		0x01, 0x35, 0x00, 0x04,		// 309 samplingSize, 4
		0x01, 0x36, 0x00, 0x04,		// 310 samplingPopulation, 4
		0x00, 0x00,
	}));
	Sampler s;
	s.start(SamplerConfig{SamplerMode::random, 10}, 0);
	EXPECT_EQ(record_of(t, [&](u8* p) { write_sampler(t, 7, s, p); }), (Buf{
		0, 0, 0, 7,
		0, 0, 0, 0, 0, 0, 0, 2,		// selector 2
		0, 3,				// random n-out-of-N
		0, 0, 0, 1,			// n = 1
		0, 0, 0, 10,			// N = 10
	}));
	// clang-format on
}

TEST(SamplerRecords, IpfixSelectorHashBytes)
{
	const Template t = make_options(OptionsKind::selector_hash, Dialect::ipfix, 263);
	// clang-format off
	EXPECT_EQ(template_set(t, Dialect::ipfix), (Buf{
		0x00, 0x03, 0x00, 0x1c,		// 26 + 2
		0x01, 0x07, 0x00, 0x04, 0x00, 0x01,
		0x00, 0x95, 0x00, 0x04,
		0x01, 0x2e, 0x00, 0x08,
		0x01, 0x86, 0x00, 0x02,
		0x01, 0x37, 0x00, 0x08,		// 311 samplingProbability, 8
		0x00, 0x00,
	}));
	Sampler s;
	s.start(SamplerConfig{SamplerMode::hash, 2}, 0);
	EXPECT_EQ(record_of(t, [&](u8* p) { write_sampler(t, 7, s, p); }), (Buf{
		0, 0, 0, 7,
		0, 0, 0, 0, 0, 0, 0, 3,		// selector 3
		0, 4,				// uniform probabilistic
		0x3f, 0xe0, 0, 0, 0, 0, 0, 0,	// 0.5
	}));
	// clang-format on
}

TEST(SamplerRecords, IpfixSelectorStatsBytes)
{
	const Template t = make_options(OptionsKind::selector_stats, Dialect::ipfix, 264);
	// clang-format off
	EXPECT_EQ(template_set(t, Dialect::ipfix), (Buf{
		0x00, 0x03, 0x00, 0x28,		// 38 + 2
		0x01, 0x08, 0x00, 0x07, 0x00, 0x01,
		0x01, 0x2e, 0x00, 0x08,		// scope 302
		0x01, 0x8a, 0x00, 0x08,		// 394 selectorIDTotalFlowsObserved
		0x01, 0x8b, 0x00, 0x08,		// 395 selectorIDTotalFlowsSelected
		0x01, 0x3e, 0x00, 0x08,		// 318 selectorIdTotalPktsObserved
		0x01, 0x3f, 0x00, 0x08,		// 319 selectorIdTotalPktsSelected
		0x00, 0x98, 0x00, 0x08,		// 152
		0x00, 0x99, 0x00, 0x08,		// 153
		0x00, 0x00,
	}));
	Sampler s;
	s.start(SamplerConfig{SamplerMode::deterministic, 2}, 0x1000);
	for (int i = 0; i < 5; i++)
		s.select(4);	// 2 chosen, 3 not
	EXPECT_EQ(record_of(t, [&](u8* p) { write_selector_stats(t, s, s.stats.pkts_discarded, 0x2000, p); }), (Buf{
		0, 0, 0, 0, 0, 0, 0, 1,
		0, 0, 0, 0, 0, 0, 0, 5,
		0, 0, 0, 0, 0, 0, 0, 2,
		0, 0, 0, 0, 0, 0, 0, 20,
		0, 0, 0, 0, 0, 0, 0, 8,
		0, 0, 0, 0, 0, 0, 0x10, 0,
		0, 0, 0, 0, 0, 0, 0x20, 0,
	}));
	const Template th = make_options(OptionsKind::selector_stats_hash, Dialect::ipfix, 265);
	EXPECT_EQ(th.nfields, 6) << "no flows observed for hash";
	EXPECT_EQ(th.fields[1].id, selectorIDTotalFlowsSelected);
	// clang-format on
}

// Data records carry the sampler id last: v9 FLOW_SAMPLER_ID (1 byte),
// IPFIX selectorId (8 bytes).
TEST(SamplerRecords, DataTemplateEndsWithSamplerId)
{
	const Template v9 = make_template(shape::ports | shape::sampled, Dialect::v9, 256);
	EXPECT_EQ(v9.fields[v9.nfields - 1].id, flowSamplerId);
	EXPECT_EQ(v9.fields[v9.nfields - 1].size, 1);
	EXPECT_EQ(v9.record_size, make_template(shape::ports, Dialect::v9, 256).record_size + 1);
	const Template ipfix = make_template(shape::ports | shape::sampled, Dialect::ipfix, 256);
	EXPECT_EQ(ipfix.fields[ipfix.nfields - 1].id, selectorId);
	EXPECT_EQ(ipfix.fields[ipfix.nfields - 1].size, 8);
}
