// SPDX-License-Identifier: GPL-2.0
// The aggrN lines of /proc/net/stat/ipt_netflow: the rules in force, with
// how many addresses or ports each has rewritten.
#include "core/core.hpp"
#include "ktl/format.hpp"

using namespace netflow;

namespace {

u64 usage_of(const u64& usage) { return __atomic_load_n(&usage, __ATOMIC_RELAXED); }

void put_net_rule(TextBuffer& out, u32 i, const AggrNetRule& n)
{
	out.put("aggr#").num(i).put(" net: match ").num(n.net >> 24).put('.').num(n.net >> 16 & 0xff).put('.')
		.num(n.net >> 8 & 0xff).put('.').num(n.net & 0xff).put('/').num(n.match).put(" strip ")
		.num(n.strip).put(" (usage ").num(usage_of(n.usage)).put(")\n");
}

void put_port_rule(TextBuffer& out, u32 i, const AggrPortRule& p)
{
	out.put("aggr#").num(i).put(" port: ports ").num(p.lo).put('-').num(p.hi).put(" replace ").num(p.to)
		.put(" (usage ").num(usage_of(p.usage)).put(")\n");
}

} // namespace

extern "C" nf_size nfc_format_aggregation(char* buf, nf_size cap) noexcept
{
	const AggrRules* r = __atomic_load_n(&g_core->aggr, __ATOMIC_ACQUIRE);
	TextBuffer out(buf, cap);
	if (!r)
		return 0;
	for (u32 i = 0; i < r->nnet; i++)
		put_net_rule(out, i, r->net[i]);
	for (u32 i = 0; i < r->nport; i++)
		put_port_rule(out, i, r->port[i]);
	return out.size();
}
