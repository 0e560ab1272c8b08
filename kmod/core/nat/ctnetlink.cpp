// SPDX-License-Identifier: GPL-2.0
// Wire format (linux/netlink.h, linux/netfilter/nfnetlink*.h): nlmsghdr
// (len u32, type u16, flags u16, seq u32, pid u32; host order), nfgenmsg
// (family u8, version u8, res_id be16), then attributes (len u16, type u16,
// 4-byte aligned; type bit 15 = nested, bit 14 = network order).
#include "core/nat/ctnetlink.hpp"

namespace netflow {

namespace {

constexpr size_t nlmsg_header = 16;
constexpr size_t nfgen_header = 4;
constexpr u16 nla_type_mask = 0x3fff;

constexpr u16 nfnl_subsys_ctnetlink = 1;
constexpr u16 ipctnl_msg_ct_new = 0;
constexpr u16 ipctnl_msg_ct_delete = 2;
constexpr u16 nlm_f_create = 0x400;
constexpr u16 nlmsg_error = 2;
constexpr u16 nlmsg_done = 3;
constexpr u8 af_inet = 2;

// ctnetlink attributes (enum ctattr_*).
constexpr u16 cta_tuple_orig = 1, cta_tuple_reply = 2, cta_status = 3, cta_timestamp = 20;
constexpr u16 cta_tuple_ip = 1, cta_tuple_proto = 2;
constexpr u16 cta_ip_v4_src = 1, cta_ip_v4_dst = 2;
constexpr u16 cta_proto_num = 1, cta_proto_src_port = 2, cta_proto_dst_port = 3;
constexpr u16 cta_timestamp_start = 1, cta_timestamp_stop = 2;
constexpr u32 ips_src_nat = 1u << 4, ips_dst_nat = 1u << 5;

u16 load16(const u8* p)
{
	u16 v;
	__builtin_memcpy(&v, p, 2);
	return v;
}
u32 load32(const u8* p)
{
	u32 v;
	__builtin_memcpy(&v, p, 4);
	return v;
}

// Iterates the attributes of a block; false from next() at the end or on a
// malformed attribute (then `bad` is set).
class Attrs {
public:
	explicit Attrs(Bytes block) : rest_(block) {}
	bool next(u16& type, Bytes& payload)
	{
		if (rest_.size() < 4)
			return false;
		const u16 len = load16(rest_.data());
		if (len < 4 || len > rest_.size()) {
			bad = true;
			return false;
		}
		type = load16(rest_.data() + 2) & nla_type_mask;
		payload = rest_.subspan(4, len - 4u);
		const size_t aligned = (len + 3u) & ~3u;
		rest_ = rest_.subspan(min<size_t>(aligned, rest_.size()));
		return true;
	}
	bool bad = false;

private:
	Bytes rest_;
};

struct Tuple {
	bool has_src = false, has_dst = false, has_proto = false;
	Be32 src, dst;
	Be16 sport, dport;
	u8 proto = 0;
};

bool parse_proto(Bytes block, Tuple& t)
{
	Attrs a(block);
	u16 type;
	Bytes p;
	while (a.next(type, p)) {
		if (type == cta_proto_num && p.size() >= 1) {
			t.proto = p[0];
			t.has_proto = true;
		} else if (type == cta_proto_src_port && p.size() >= 2) {
			t.sport = Be16::from_raw(load16(p.data()));
		} else if (type == cta_proto_dst_port && p.size() >= 2) {
			t.dport = Be16::from_raw(load16(p.data()));
		}
	}
	return !a.bad;
}

bool parse_tuple(Bytes block, Tuple& t)
{
	Attrs a(block);
	u16 type;
	Bytes p;
	while (a.next(type, p)) {
		if (type == cta_tuple_ip) {
			Attrs ip(p);
			u16 it;
			Bytes ipp;
			while (ip.next(it, ipp)) {
				if (it == cta_ip_v4_src && ipp.size() >= 4) {
					t.src = Be32::from_raw(load32(ipp.data()));
					t.has_src = true;
				} else if (it == cta_ip_v4_dst && ipp.size() >= 4) {
					t.dst = Be32::from_raw(load32(ipp.data()));
					t.has_dst = true;
				}
			}
			if (ip.bad)
				return false;
		} else if (type == cta_tuple_proto) {
			if (!parse_proto(p, t))
				return false;
		}
	}
	return !a.bad && t.has_src && t.has_dst && t.has_proto;
}

// CTA_TIMESTAMP start/stop are nanoseconds of wall-clock time; `ms` stays
// 0 when the one wanted is absent.  False when the block is malformed.
bool parse_timestamp(Bytes block, bool stop, u64& ms)
{
	Attrs a(block);
	u16 type;
	Bytes p;
	const u16 want = stop ? cta_timestamp_stop : cta_timestamp_start;
	while (a.next(type, p))
		if (type == want && p.size() >= 8)
			ms = load_be<u64>(p.data()) / 1000000;
	return !a.bad;
}

} // namespace

CtParse parse_ct_message(Bytes msg, u64 now_ms, NatEvent& out) noexcept
{
	if (msg.size() < nlmsg_header)
		return CtParse::malformed;
	const u32 len = load32(msg.data());
	const u16 type = load16(msg.data() + 4);
	const u16 flags = load16(msg.data() + 6);
	if (len < nlmsg_header || len > msg.size())
		return CtParse::malformed;
	if (type == nlmsg_done || type == nlmsg_error || (type >> 8) != nfnl_subsys_ctnetlink)
		return CtParse::ignored;
	const u16 kind = type & 0xff;
	const bool create = kind == ipctnl_msg_ct_new && (flags & nlm_f_create);
	const bool destroy = kind == ipctnl_msg_ct_delete;
	if (!create && !destroy)
		return CtParse::ignored;
	const Bytes body = msg.subspan(nlmsg_header, len - nlmsg_header);
	if (body.size() < nfgen_header)
		return CtParse::malformed;
	if (body[0] != af_inet)
		return CtParse::ignored;

	Tuple orig, reply;
	bool has_orig = false, has_reply = false, has_status = false;
	u32 status = 0;
	u64 stamp = 0;
	Attrs a(body.subspan(nfgen_header));
	u16 at;
	Bytes p;
	while (a.next(at, p)) {
		if (at == cta_tuple_orig) {
			if (!parse_tuple(p, orig))
				return CtParse::malformed;
			has_orig = true;
		} else if (at == cta_tuple_reply) {
			if (!parse_tuple(p, reply))
				return CtParse::malformed;
			has_reply = true;
		} else if (at == cta_status && p.size() >= 4) {
			status = load_be<u32>(p.data());
			has_status = true;
		} else if (at == cta_timestamp) {
			if (!parse_timestamp(p, destroy, stamp))
				return CtParse::malformed;
		}
	}
	if (a.bad || !has_orig || !has_reply || !has_status)
		return CtParse::malformed;
	if (!(status & (ips_src_nat | ips_dst_nat)))
		return CtParse::ignored;

	out = NatEvent{};
	out.time_ms = stamp ? stamp : now_ms;
	out.type = create ? NatEventType::create : NatEventType::destroy;
	out.proto = orig.proto;
	out.pre_src = orig.src;
	out.pre_dst = orig.dst;
	out.pre_sport = orig.sport;
	out.pre_dport = orig.dport;
	// The reply tuple, reversed, is the connection as it left the box.
	out.post_src = reply.dst;
	out.post_dst = reply.src;
	out.post_sport = reply.dport;
	out.post_dport = reply.sport;
	out.snat = status & ips_src_nat;
	out.dnat = status & ips_dst_nat;
	return CtParse::event;
}

void parse_ct_buffer(Bytes buf, u64 now_ms, NatQueue& queue, NatStats& stats) noexcept
{
	while (buf.size() >= nlmsg_header) {
		const u32 len = load32(buf.data());
		if (len < nlmsg_header || len > buf.size()) {
			stats.malformed++;
			return;
		}
		NatEvent e;
		switch (parse_ct_message(buf.first(len), now_ms, e)) {
		case CtParse::event:
			if (!queue.push(e))
				stats.lost++;
			else if (e.type == NatEventType::create)
				stats.starts++;
			else
				stats.stops++;
			break;
		case CtParse::ignored:
			stats.ignored++;
			break;
		case CtParse::malformed:
			stats.malformed++;
			break;
		}
		buf = buf.subspan(min<size_t>((len + 3u) & ~3u, buf.size()));
	}
}

} // namespace netflow
