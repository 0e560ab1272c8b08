// SPDX-License-Identifier: GPL-2.0
// Aggregation rules (docs/ORIGINAL.md §5.1): comma-separated
//   a.b.c.d/M=N   IPv4 addresses inside a.b.c.d/M are stripped to /N
//   P1-P2=P       ports P1..P2 become P
//   P=Q           port P becomes Q
// applied to source and destination independently, first match separately
// for address and port rules.  A rule string is parsed and validated whole:
// one bad rule rejects all, and the rules in force stay.
#pragma once
#include "core/config/destination.hpp"
#include "core/flow/key.hpp"

namespace netflow {

inline constexpr size_t aggregation_text_max = 1024;
inline constexpr size_t aggregation_max_rules = 64;

struct AggrNetRule {
	u32 net;		// host order, already masked to `match`
	u8 match;		// M
	u8 strip;		// N
	u64 usage;
};

struct AggrPortRule {
	u16 lo, hi, to;
	u64 usage;
};

struct AggrRules {
	u32 nnet = 0;
	u32 nport = 0;
	AggrNetRule net[aggregation_max_rules];
	AggrPortRule port[aggregation_max_rules];

	bool empty() const { return !nnet && !nport; }
	// Rewrites the key in place; returns the exported prefix lengths
	// (0 = no rule matched).
	void apply(Ipv4Key& key, u8& src_mask, u8& dst_mask);
	void apply_ports(Be16& sport, Be16& dport, u8 proto);
};

bool parse_aggregation(const char* text, AggrRules& out, ParseError& err) noexcept;

} // namespace netflow
