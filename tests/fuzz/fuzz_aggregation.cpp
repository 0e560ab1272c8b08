// SPDX-License-Identifier: GPL-2.0
// libFuzzer target: aggregation rules (kmod/core/config/aggregation.hpp):
// parse_aggregation() and AggrRules::apply() / apply_ports().
//
// Input: the rule text, then (after the first NUL, if any) keys to apply
// the rules to, 20 bytes each as an Ipv4Key (padding forced to zero).
//
// Checks on top of ASan/UBSan:
//   * failure: no rules left, a reason, position inside the text (1024 for
//     an over-long text); success: err = {0, nullptr}, <= 64 rules of each
//     kind, M and N <= 32, net masked to /M, lo <= hi;
//   * a canonical re-print of the parsed rules parses to the same rules;
//   * apply() matches a reference model: first matching address rule per
//     address strips to /N and reports N as the mask, else both unchanged;
//     first matching port rule per port for TCP/UDP/SCTP/UDP-Lite only;
//     other key bytes untouched; usage counters count the matches.
#include <memory>
#include <string>

#include "common.hpp"
#include "core/config/aggregation.hpp"

using namespace netflow;

namespace {

uint32_t mask_of(unsigned len) { return len ? ~0u << (32 - len) : 0; }

std::string canonical(const AggrRules& r)
{
	std::string s;
	char tmp[64];
	for (u32 i = 0; i < r.nnet; i++) {
		const AggrNetRule& n = r.net[i];
		std::snprintf(tmp, sizeof(tmp), "%u.%u.%u.%u/%u=%u,", n.net >> 24, n.net >> 16 & 0xff,
			      n.net >> 8 & 0xff, n.net & 0xff, n.match, n.strip);
		s += tmp;
	}
	for (u32 i = 0; i < r.nport; i++) {
		const AggrPortRule& p = r.port[i];
		if (p.lo == p.hi)
			std::snprintf(tmp, sizeof(tmp), "%u=%u ", p.lo, p.to);
		else
			std::snprintf(tmp, sizeof(tmp), "%u-%u=%u;", p.lo, p.hi, p.to);
		s += tmp;
	}
	return s;
}

bool same_rules(const AggrRules& a, const AggrRules& b)
{
	if (a.nnet != b.nnet || a.nport != b.nport)
		return false;
	for (u32 i = 0; i < a.nnet; i++)
		if (a.net[i].net != b.net[i].net || a.net[i].match != b.net[i].match || a.net[i].strip != b.net[i].strip)
			return false;
	for (u32 i = 0; i < a.nport; i++)
		if (a.port[i].lo != b.port[i].lo || a.port[i].hi != b.port[i].hi || a.port[i].to != b.port[i].to)
			return false;
	return true;
}

void check_apply(AggrRules& r, const uint8_t* raw)
{
	Ipv4Key key;
	std::memcpy(&key, raw, sizeof(key));
	key.src_mask = key.dst_mask = 0;	// not key: apply() reports masks separately
	const Ipv4Key before = key;

	// Reference model.
	Ipv4Key want = key;
	uint8_t want_src = 0xee, want_dst = 0xee;	// 0xee: untouched
	int net_hits[aggregation_max_rules] = {}, port_hits[aggregation_max_rules] = {};
	auto strip = [&](Be32& a, uint8_t& m) {
		const uint32_t h = a.host();
		for (u32 i = 0; i < r.nnet; i++)
			if ((h & mask_of(r.net[i].match)) == r.net[i].net) {
				a = Be32::from_host(h & mask_of(r.net[i].strip));
				m = r.net[i].strip;
				net_hits[i]++;
				return;
			}
	};
	strip(want.src, want_src);
	strip(want.dst, want_dst);
	if (want.proto == 6 || want.proto == 17 || want.proto == 132 || want.proto == 136) {
		auto port = [&](Be16& p) {
			const uint16_t h = p.host();
			for (u32 i = 0; i < r.nport; i++)
				if (h >= r.port[i].lo && h <= r.port[i].hi) {
					p = Be16::from_host(r.port[i].to);
					port_hits[i]++;
					return;
				}
		};
		port(want.sport);
		port(want.dport);
	}

	u64 net_usage[aggregation_max_rules], port_usage[aggregation_max_rules];
	for (u32 i = 0; i < r.nnet; i++)
		net_usage[i] = r.net[i].usage;
	for (u32 i = 0; i < r.nport; i++)
		port_usage[i] = r.port[i].usage;

	uint8_t src_mask = 0xee, dst_mask = 0xee;
	r.apply(key, src_mask, dst_mask);
	if (std::memcmp(&key, &want, sizeof(key)) != 0 || src_mask != want_src || dst_mask != want_dst) {
		fuzz::hexdump("key ", reinterpret_cast<const uint8_t*>(&before), sizeof(before));
		fuzz::hexdump("got ", reinterpret_cast<const uint8_t*>(&key), sizeof(key));
		fuzz::hexdump("want", reinterpret_cast<const uint8_t*>(&want), sizeof(want));
		FUZZ_CHECK(false, "apply() differs from the model: masks %u/%u, want %u/%u (rules \"%s\")", src_mask,
			   dst_mask, want_src, want_dst, canonical(r).c_str());
	}
	FUZZ_CHECK(key.iif == before.iif && key.tos == before.tos && key.proto == before.proto);
	for (u32 i = 0; i < r.nnet; i++)
		FUZZ_CHECK(r.net[i].usage == net_usage[i] + u64(net_hits[i]), "net rule %u usage", i);
	for (u32 i = 0; i < r.nport; i++)
		FUZZ_CHECK(r.port[i].usage == port_usage[i] + u64(port_hits[i]), "port rule %u usage", i);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
	const size_t len = strnlen(reinterpret_cast<const char*>(data), size);
	std::unique_ptr<char[]> text(new char[len + 1]);
	std::memcpy(text.get(), data, len);
	text[len] = '\0';

	static AggrRules rules;	// 2 KiB+: kept off the stack
	std::memset(&rules, 0x5a, sizeof(rules));
	ParseError err{7, "x"};
	const bool ok = parse_aggregation(text.get(), rules, err);
	if (!ok) {
		FUZZ_CHECK(rules.nnet == 0 && rules.nport == 0, "rules left after an error");
		FUZZ_CHECK(err.reason != nullptr);
		if (len > aggregation_text_max)
			FUZZ_CHECK(err.position == aggregation_text_max);
		else
			FUZZ_CHECK(err.position < len, "position %u, length %zu", err.position, len);
		return 0;
	}
	FUZZ_CHECK(len <= aggregation_text_max, "accepted %zu characters", len);
	FUZZ_CHECK(err.reason == nullptr && err.position == 0);
	FUZZ_CHECK(rules.nnet <= aggregation_max_rules && rules.nport <= aggregation_max_rules);
	for (u32 i = 0; i < rules.nnet; i++) {
		const AggrNetRule& n = rules.net[i];
		FUZZ_CHECK(n.match <= 32 && n.strip <= 32 && (n.net & ~mask_of(n.match)) == 0 && n.usage == 0,
			   "net rule %u: %#x/%u=%u", i, n.net, n.match, n.strip);
	}
	for (u32 i = 0; i < rules.nport; i++)
		FUZZ_CHECK(rules.port[i].lo <= rules.port[i].hi && rules.port[i].usage == 0, "port rule %u", i);

	// Canonical text round trip.
	const std::string canon = canonical(rules);
	if (canon.size() <= aggregation_text_max) {
		static AggrRules again;
		FUZZ_CHECK(parse_aggregation(canon.c_str(), again, err) && same_rules(rules, again),
			   "canonical \"%s\" (from \"%s\") parses differently: %s", canon.c_str(), text.get(),
			   err.reason ? err.reason : "-");
	}

	// Apply to the keys after the text.
	if (len < size) {
		const uint8_t* k = data + len + 1;
		size_t left = size - len - 1;
		for (; left >= sizeof(Ipv4Key); k += sizeof(Ipv4Key), left -= sizeof(Ipv4Key))
			check_apply(rules, k);
	}
	return 0;
}
