// SPDX-License-Identifier: GPL-2.0
// The packet path: parse the bounded header copy (plain IPv4 TCP/UDP inline,
// everything else by the full parser), then account the packet in this
// CPU's cache.
#include "core/core.hpp"
#include "core/flow/account.hpp"
#include "core/packet/parser.hpp"

using namespace netflow;

namespace {

// Parses the packet into `facts` and applies the aggregation rules; false
// when it is not taken (counted).
__attribute__((always_inline)) inline bool packet_facts(Core& core, CpuCache& cache, const nf_packet* pkt, PacketFacts& facts)
{
	const bool plain = pkt->family == NF_FAMILY_IPV4 && parse_plain_ipv4(pkt->data, pkt->len, pkt->wire_len, facts);
	if (!plain) {
		ParseStatus st = parse_packet(Bytes(pkt->data, pkt->len), pkt->wire_len, pkt->family, facts);
		// Only a header with a zero length asks the skb (BIG TCP).
		if (st == ParseStatus::length_in_skb && nfp_packet_gso_tcp(pkt->skb))
			st = parse_packet(Bytes(pkt->data, pkt->len), pkt->wire_len, pkt->family, facts, true);
		if (st != ParseStatus::ok) {
			cache.count_truncated(pkt->wire_len);
			return false;
		}
		if (facts.fragment)
			cache.stats.frag++;
	}
	AggrRules* aggr = __atomic_load_n(&core.aggr, __ATOMIC_ACQUIRE);
	if (facts.family == NF_FAMILY_IPV4) {
		facts.key.v4.iif = pkt->iif;
		if (aggr)
			aggr->apply(facts.key.v4, facts.src_mask, facts.dst_mask);
	} else {
		facts.key.v6.iif = pkt->iif;
		if (aggr)
			aggr->apply_ports(facts.key.v6.sport, facts.key.v6.dport, facts.key.v6.proto);
	}
	return true;
}

} // namespace

// No canary (see cache.hpp): `facts` is written field by field.
extern "C" NF_NO_CANARY void nfc_account(unsigned int cpu, const nf_packet* pkt) noexcept
{
	Core& core = *g_core;
	CpuCache& cache = *core.cpus[cpu];
	PacketFacts facts NF_FILLED_BELOW;	// by the parsers (parse_packet() zeroes it)
	if (packet_facts(core, cache, pkt, facts))
		cache.account(facts, *pkt, core.timeouts());
}

// Only while records have a tail (ext.hpp): a path of its own, so that
// nfc_account() stays as it was without one.
extern "C" void nfc_account_l2(unsigned int cpu, const nf_packet* pkt, const nf_l2* l2) noexcept
{
	Core& core = *g_core;
	CpuCache& cache = *core.cpus[cpu];
	PacketFacts facts NF_FILLED_BELOW;
	u8 ext[max_ext_bytes] NF_FILLED_BELOW;	// by ext_from_l2()
	if (!packet_facts(core, cache, pkt, facts))
		return;
	ext_from_l2(*l2, ext);
	cache.account_ext(facts, ext, *pkt, core.timeouts());
}

extern "C" int nfc_record_tail(void) noexcept
{
	return !g_ext.empty();
}

