// SPDX-License-Identifier: GPL-2.0
// SNMP-index rules (`snmp_rules`, net.netflow.snmp-rules; the original's
// --enable-snmp-rules builds): "prefix:base,..." exports an interface named
// the prefix followed by a decimal number N as ifIndex base + N, instead of
// its kernel ifindex; the first rule whose prefix matches wins.  Collectors
// then see stable, meaningful indexes for interfaces the kernel numbers in
// creation order (ppp0..pppN on a BRAS, VLAN devices, tunnels).  Applied to
// every packet's input and output interface (v5 input/output, IE 10/14)
// and to the interface-names options records.
#pragma once
#include "core/config/destination.hpp"

namespace netflow {

inline constexpr size_t snmp_rules_text_max = 512;
inline constexpr size_t snmp_rules_max = 32;
inline constexpr size_t snmp_prefix_max = 15;	// IFNAMSIZ - 1

struct SnmpRule {
	char prefix[snmp_prefix_max + 1];
	u8 len;
	u32 base;
};

struct SnmpRules {
	u32 n = 0;
	SnmpRule rule[snmp_rules_max];

	// The index to export for the interface `name` (NUL-terminated, at
	// most IFNAMSIZ bytes read) whose kernel ifindex is `ifindex`: base + N
	// for the first rule whose prefix is followed by the digits of N and
	// nothing else; `ifindex` when none matches (or base + N would exceed
	// 2^31 - 1, the largest ifIndex).
	s32 map(const char* name, s32 ifindex) const;
};

// Parses the whole text (commas, spaces, tabs, newlines or semicolons
// between rules; empty: no rules) or nothing: err names the first bad rule.
bool parse_snmp_rules(const char* text, SnmpRules& out, ParseError& err) noexcept;

} // namespace netflow
