// SPDX-License-Identifier: GPL-2.0
// /proc/net/stat/ipt_netflow_flows (docs/ORIGINAL.md §3.3): one line per cached
// flow, produced a hash bucket at a time so that a huge cache never needs a
// huge buffer.
#include "core/config/destination.hpp"
#include "core/core.hpp"
#include "core/flow/cpu_lock.hpp"
#include "core/flow/ext.hpp"
#include "ktl/format.hpp"

using namespace netflow;

namespace {

template <typename F> void put_endpoints(TextBuffer& out, const F& f);

void put_addr(TextBuffer& out, u8 family, const void* a)
{
	put_address(out, family, static_cast<const u8*>(a));
}

template <> void put_endpoints(TextBuffer& out, const Flow4& f)
{
	const u32 src = f.key.src.raw(), dst = f.key.dst.raw(), nh = f.nexthop.raw();
	put_addr(out, NF_FAMILY_IPV4, &src);
	out.put(',').num(f.key.sport.host()).put(' ');
	put_addr(out, NF_FAMILY_IPV4, &dst);
	out.put(',').num(f.key.dport.host()).put(' ');
	put_addr(out, NF_FAMILY_IPV4, &nh);
}

template <> void put_endpoints(TextBuffer& out, const Flow6& f)
{
	put_addr(out, NF_FAMILY_IPV6, f.key.src);
	out.put(',').num(f.key.sport.host()).put(' ');
	put_addr(out, NF_FAMILY_IPV6, f.key.dst);
	out.put(',').num(f.key.dport.host()).put(' ');
	put_addr(out, NF_FAMILY_IPV6, f.nexthop.b);
}

u8 tos_of(const Flow4& f) { return f.key.tos; }
u8 tos_of(const Flow6& f) { return f.key.tclass; }

// "%hd": the original printed ifindexes as signed shorts (-1 = none).
s64 as_short(s32 v) { return static_cast<short>(v); }

void put_mac(TextBuffer& out, const u8* mac)
{
	for (int i = 0; i < 6; i++)
		(i ? out.put(':') : out).hex(mac[i], 2);
}

// The link-layer columns of the fields this load keeps (the header's
// " mac:src,dst", " vlan", " type"); the tags only when the flow has one, as
// the original printed them.
void put_l2_columns(TextBuffer& out, const FlowHead& h)
{
	const u8* ext = ext_of(h);
	if (g_ext.mac) {
		out.put(' ');
		put_mac(out, ext_src_mac(ext));
		out.put(',');
		put_mac(out, ext_dst_mac(ext));
	}
	if (ext_vlan(ext, 0)) {
		out.put(' ').num(ext_vlan(ext, 0) & 0xfff);
		if (ext_vlan(ext, 1))
			out.put(',').num(ext_vlan(ext, 1) & 0xfff);
	}
	if (g_ext.ethertype)
		out.put(' ').hex(ext_ethertype(ext), 4);
}

// Where a flow line is: its bucket, its number in the listing, and the tick
// its ages are counted to.
struct FlowLine {
	u32 bucket;
	u32 seq;
	u32 now;
};

template <typename F> void put_flow(TextBuffer& out, const FlowHead& h, const F& f, const FlowLine& l, const Timeouts& t)
{
	const u32 bits = (time_after_eq(l.now, f.last + t.inactive) ? 1u : 0u) |
			 (time_after_eq(l.now, f.first + t.active) ? 2u : 0u);
	out.num(l.seq).put(' ').hex(l.bucket, 4).put(' ').hex(bits);
	out.put(' ').snum(as_short(f.key.iif)).put(',').snum(as_short(f.oif));
	put_l2_columns(out, h);
	out.put(' ').num(f.key.proto).put(' ');
	put_endpoints(out, f);
	out.put(' ').hex(tos_of(f)).put(',').hex(h.tcp_flags).put(',').hex(ip_options_of(f)).put(',')
		.hex(f.tcp_options);
	out.put(' ').num(f.packets).put(' ').num(f.bytes).put(' ').num(l.now - f.first).put(',')
		.num(l.now - f.last).put('\n');
}

} // namespace

extern "C" u32 nfc_flow_buckets(unsigned int cpu) noexcept
{
	Core& core = *g_core;
	return (cpu < core.nr_cpus && core.cpus[cpu]) ? core.cpus[cpu]->view_chains() : 0;
}

extern "C" nf_size nfc_format_flows_header(char* buf, nf_size cap) noexcept
{
	TextBuffer out(buf, cap);
	out.put("# hash a dev:i,o");
	if (g_ext.mac)
		out.put(" mac:src,dst");
	if (g_ext.vlan)
		out.put(" vlan");
	if (g_ext.ethertype)
		out.put(" type");
	out.put(" proto src:ip,port dst:ip,port nexthop tos,tcpflags,options,tcpoptions"
		" packets bytes ts:first,last\n");
	return out.size();
}

// Longer than any flow line (two IPv6 addresses and a nexthop, ~250 bytes).
constexpr size_t max_line = 384;

extern "C" nf_size nfc_format_flows_bucket(unsigned int cpu, u32 bucket, u32* cursor, u32* seq, char* buf,
					   nf_size cap) noexcept
{
	Core& core = *g_core;
	if (cpu >= core.nr_cpus || !core.cpus[cpu])
		return 0;
	const Timeouts t = core.timeouts();
	nf_size len = 0;
	// Whole lines only, as many as fit: the lock is held for one buffer's
	// worth of flows, and the caller comes back for the rest at *cursor.
	CpuLockGuard lock(cpu);
	const u32 now = static_cast<u32>(nfp_jiffies64());
	u32 index = 0;
	bool full = false;
	core.cpus[cpu]->for_each_in_bucket(bucket, [&](const FlowHead& h) {
		if (full || index++ < *cursor)
			return;
		char line[max_line];
		TextBuffer out(line, sizeof(line));
		visit(h, [&](const auto& f) { put_flow(out, h, f, FlowLine{bucket, *seq, now}, t); });
		if (out.size() > cap - len) {
			full = true;
			return;
		}
		__builtin_memcpy(buf + len, line, out.size());
		len += out.size();
		++*cursor;
		++*seq;
	});
	return len;
}
