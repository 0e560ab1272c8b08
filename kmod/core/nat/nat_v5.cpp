// SPDX-License-Identifier: GPL-2.0
#include "core/nat/nat_v5.hpp"

namespace netflow::v5 {

namespace {

// Pre-NAT source, post-NAT destination; SYN|ACK on create, FIN|RST on
// destroy.
Record nat_base(const NatEvent& e, u64 boot_wall_ms)
{
	Record r{};
	r.src = e.pre_src;
	r.dst = e.post_dst;
	r.sport = e.pre_sport;
	r.dport = e.post_dport;
	r.proto = e.proto;
	r.tcp_flags = e.type == NatEventType::create ? 0x12 : 0x05;
	const u64 uptime = e.time_ms > boot_wall_ms ? e.time_ms - boot_wall_ms : 0;
	r.first_ms = r.last_ms = static_cast<u32>(uptime);
	r.input = r.output = 0;
	return r;
}

} // namespace

// SNAT puts the post-NAT source in nexthop/src_as, DNAT the pre-NAT
// destination in nexthop/dst_as.
u32 nat_records(const NatEvent& e, u64 boot_wall_ms, Record (&out)[max_nat_records])
{
	const Record r = nat_base(e, boot_wall_ms);
	u32 n = 0;
	if (e.snat) {
		out[n] = r;
		out[n].nexthop = e.post_src;
		out[n++].src_as = e.post_sport.host();
	}
	if (e.dnat) {
		out[n] = r;
		out[n].nexthop = e.pre_dst;
		out[n++].dst_as = e.pre_dport.host();
	}
	return n;
}

} // namespace netflow::v5
