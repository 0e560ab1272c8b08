// SPDX-License-Identifier: GPL-2.0
// libFuzzer target: the `snmp_rules` setting (kmod/core/config/snmp_rules.hpp),
// its parser and SnmpRules::map(), against a reference model written
// differently (std::string, no pointers).
//
// Input: "TEXT\nNAME" (the rules up to the first newline, then an interface
// name of at most 15 bytes; the rest ignored); up to the first NUL.
//
// Checks on top of ASan/UBSan:
//   * accepted exactly when the model accepts, with the same rules;
//   * on failure a reason, a position inside the text that starts a rule;
//   * NAME maps to the same index in the parser's rules and the model's.
#include <string>
#include <vector>

#include "common.hpp"
#include "core/config/snmp_rules.hpp"

using namespace netflow;

namespace {

struct Rule {
	std::string prefix;
	unsigned long long base;
};

bool sep(char c) { return c == ',' || c == ' ' || c == '\t' || c == '\n' || c == ';'; }

// The syntax as the README states it.
bool model(const std::string& s, std::vector<Rule>& out)
{
	size_t i = 0;
	while (i < s.size()) {
		if (sep(s[i])) {
			i++;
			continue;
		}
		size_t j = i;
		while (j < s.size() && !sep(s[j]))
			j++;
		const std::string word = s.substr(i, j - i);
		const size_t colon = word.find(':');
		if (colon == std::string::npos || colon == 0 || colon > 15 || colon + 1 == word.size())
			return false;
		const std::string prefix = word.substr(0, colon), num = word.substr(colon + 1);
		for (unsigned char c : prefix)
			if (c <= ' ' || c >= 0x7f || c == '/')
				return false;
		unsigned long long base = 0;
		for (char c : num) {
			if (c < '0' || c > '9')
				return false;
			base = base * 10 + unsigned(c - '0');
			if (base > 2147483647ull)
				return false;
		}
		if (out.size() == 32)
			return false;
		out.push_back({prefix, base});
		i = j;
	}
	return true;
}

long long model_map(const std::vector<Rule>& rules, const std::string& name, long long ifindex)
{
	for (const Rule& r : rules) {
		if (name.compare(0, r.prefix.size(), r.prefix) != 0 || name.size() == r.prefix.size())
			continue;
		const std::string digits = name.substr(r.prefix.size());
		if (digits.find_first_not_of("0123456789") != std::string::npos)
			continue;
		unsigned long long n = 0;
		bool big = false;
		for (char c : digits) {
			n = n * 10 + unsigned(c - '0');
			big = big || n > 2147483647ull;
		}
		if (big || r.base + n > 2147483647ull)
			continue;
		return static_cast<long long>(r.base + n);
	}
	return ifindex;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
	const std::string in(reinterpret_cast<const char*>(data), strnlen(reinterpret_cast<const char*>(data), size));
	const size_t nl = in.find('\n');
	const std::string text = in.substr(0, nl);
	const std::string name = nl == std::string::npos ? "eth0" : in.substr(nl + 1, 15);
	static SnmpRules got;
	ParseError err{};
	const bool ok = parse_snmp_rules(text.c_str(), got, err);
	std::vector<Rule> want;
	const bool model_ok = model(text, want);
	FUZZ_CHECK(ok == model_ok, "'%s': parser %d, model %d", text.c_str(), ok, model_ok);
	if (!ok) {
		FUZZ_CHECK(got.n == 0);
		FUZZ_CHECK(err.reason != nullptr);
		FUZZ_CHECK(err.position < text.size() && !sep(text[err.position]) &&
				   (err.position == 0 || sep(text[err.position - 1])),
			   "'%s': position %u", text.c_str(), err.position);
		return 0;
	}
	FUZZ_CHECK(err.reason == nullptr && err.position == 0);
	FUZZ_CHECK(got.n == want.size(), "'%s': %u rules, model %zu", text.c_str(), got.n, want.size());
	for (u32 i = 0; i < got.n; i++)
		FUZZ_CHECK(got.rule[i].prefix == want[i].prefix && got.rule[i].base == want[i].base, "'%s': rule %u",
			   text.c_str(), i);
	char buf[snmp_prefix_max + 2] = {};
	name.copy(buf, snmp_prefix_max);
	const long long m = got.map(buf, 7);
	FUZZ_CHECK(m == model_map(want, std::string(buf), 7), "'%s' name '%s': %lld", text.c_str(), buf, m);
	return 0;
}
