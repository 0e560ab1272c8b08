// SPDX-License-Identifier: GPL-2.0
#include "core/config/snmp_rules.hpp"
#include "core/core.hpp"
#include "ktl/format.hpp"
#include "ktl/new.hpp"

namespace netflow {

namespace {

constexpr bool is_digit(char c) { return c >= '0' && c <= '9'; }
constexpr bool is_sep(char c) { return c == ',' || c == ' ' || c == '\t' || c == '\n' || c == ';'; }
constexpr u32 ifindex_max = 0x7fffffff;

// One "prefix:base" in [s, e); nullptr when it is good, else why not.
const char* parse_rule(const char* s, const char* e, SnmpRule& r)
{
	const char* colon = s;
	while (colon < e && *colon != ':')
		colon++;
	if (colon == e)
		return "expected prefix:base";
	const size_t len = static_cast<size_t>(colon - s);
	if (len == 0)
		return "empty interface name prefix";
	if (len > snmp_prefix_max)
		return "interface name prefix longer than 15 characters";
	for (const char* p = s; p < colon; p++)
		if (*p == '/' || static_cast<u8>(*p) <= ' ' || static_cast<u8>(*p) >= 0x7f)
			return "interface name prefix with a character no interface name has";
	const char* p = colon + 1;
	if (p == e)
		return "expected a base index after the colon";
	u64 base = 0;
	for (; p < e; p++) {
		if (!is_digit(*p))
			return "the base index is a decimal number";
		base = base * 10 + static_cast<u64>(*p - '0');
		if (base > ifindex_max)
			return "the base index is at most 2147483647";
	}
	copy(r.prefix, s, len);
	r.prefix[len] = '\0';
	r.len = static_cast<u8>(len);
	r.base = static_cast<u32>(base);
	return nullptr;
}

} // namespace

bool parse_snmp_rules(const char* text, SnmpRules& out, ParseError& err) noexcept
{
	out.n = 0;
	err = {0, nullptr};
	if (!text)
		return true;
	const char* s = text;
	for (;;) {
		while (*s && is_sep(*s))
			s++;
		if (!*s)
			return true;
		const char* e = s;
		while (*e && !is_sep(*e))
			e++;
		const char* why = out.n == snmp_rules_max ? "more than 32 rules" : parse_rule(s, e, out.rule[out.n]);
		if (why) {
			out.n = 0;
			err = {static_cast<u32>(s - text), why};
			return false;
		}
		out.n++;
		s = e;
	}
}

s32 SnmpRules::map(const char* name, s32 ifindex) const
{
	for (u32 i = 0; i < n; i++) {
		const SnmpRule& r = rule[i];
		size_t k = 0;
		while (k < r.len && name[k] == r.prefix[k])
			k++;
		if (k < r.len || !is_digit(name[k]))
			continue;
		u64 v = 0;
		for (; k <= snmp_prefix_max && is_digit(name[k]); k++)
			v = v * 10 + static_cast<u64>(name[k] - '0');
		if ((k <= snmp_prefix_max && name[k]) || r.base + v > ifindex_max)
			continue;
		return static_cast<s32>(r.base + v);
	}
	return ifindex;
}

} // namespace netflow

using namespace netflow;

// Parsed whole; a bad text changes nothing.  Before nfc_init() only checked.
extern "C" int nfc_set_snmp_rules(const char* text, u32* err_pos, const char** err_reason) noexcept
{
	SnmpRules* fresh = static_cast<SnmpRules*>(nfp_alloc(sizeof(SnmpRules), NF_GFP_KERNEL));
	if (!fresh) {
		*err_pos = 0;
		*err_reason = "out of memory";
		return NF_ENOMEM;
	}
	new (fresh) SnmpRules;
	ParseError err{};
	if (!parse_snmp_rules(text, *fresh, err)) {
		*err_pos = err.position;
		*err_reason = err.reason;
		nfp_free(fresh);
		return NF_EINVAL;
	}
	Core* core = g_core;
	if (!core || !fresh->n) {
		nfp_free(fresh);
		fresh = nullptr;
	}
	if (!core)
		return NF_OK;
	SnmpRules* old = __atomic_exchange_n(&core->snmp, fresh, __ATOMIC_ACQ_REL);
	core->exporter.options_changed();
	if (old) {
		nfp_synchronize();
		nfp_free(old);
	}
	return NF_OK;
}

extern "C" int nfc_snmp_rules_active(void) noexcept
{
	return g_core && __atomic_load_n(&g_core->snmp, __ATOMIC_ACQUIRE) != nullptr;
}

// Packet path and exporter: inside an RCU read-side section (BH off, or
// the exporter's rcu_read_lock()), which nfc_set_snmp_rules() waits out.
extern "C" s32 nfc_snmp_index(const char* ifname, s32 ifindex) noexcept
{
	const SnmpRules* r = __atomic_load_n(&g_core->snmp, __ATOMIC_ACQUIRE);
	return r ? r->map(ifname, ifindex) : ifindex;
}

// The original's lines: "SNMP-rule#N: prefix 'P' map to B".
extern "C" nf_size nfc_format_snmp_rules(char* buf, nf_size cap) noexcept
{
	const SnmpRules* r = __atomic_load_n(&g_core->snmp, __ATOMIC_ACQUIRE);
	TextBuffer out(buf, cap);
	if (!r)
		return 0;
	for (u32 i = 0; i < r->n; i++)
		out.put("SNMP-rule#").num(i).put(": prefix '").put(r->rule[i].prefix).put("' map to ").num(r->rule[i].base)
			.put('\n');
	return out.size();
}
