// SPDX-License-Identifier: GPL-2.0
// The ctnetlink NAT event parser (kmod/core/nat/ctnetlink.cpp) on conntrack
// event messages written out byte by byte, as the kernel multicasts them to
// the NFNLGRP_CONNTRACK_NEW / _DESTROY groups:
//
//   nlmsghdr   len u32, type u16, flags u16, seq u32, pid u32 (host order)
//              type = NFNL_SUBSYS_CTNETLINK(1) << 8 | IPCTNL_MSG_CT_NEW(0) / _DELETE(2)
//              NEW events carry NLM_F_CREATE (0x400) | NLM_F_EXCL (0x200)
//   nfgenmsg   family u8, version u8 (0), res_id be16
//   attributes len u16, type u16 (0x8000 nested), 4-byte aligned:
//     CTA_TUPLE_ORIG(1) / CTA_TUPLE_REPLY(2) {
//         CTA_TUPLE_IP(1) { CTA_IP_V4_SRC(1) be32, CTA_IP_V4_DST(2) be32 },
//         CTA_TUPLE_PROTO(2) { CTA_PROTO_NUM(1) u8, CTA_PROTO_SRC_PORT(2) be16,
//                              CTA_PROTO_DST_PORT(3) be16 } }
//     CTA_STATUS(3) be32 (IPS_SRC_NAT 1 << 4, IPS_DST_NAT 1 << 5)
//     CTA_TIMESTAMP(20) { CTA_TIMESTAMP_START(1) be64 ns, _STOP(2) be64 ns }
//
// Every parse runs on a heap copy of exactly the bytes handed over, so ASan
// catches any read past the end.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <ostream>
#include <random>
#include <string>
#include <vector>

#include "core/nat/ctnetlink.hpp"

using namespace netflow;
using Buf = std::vector<uint8_t>;

namespace netflow {
// gtest prints verdicts by name.
void PrintTo(CtParse st, std::ostream* os)
{
	*os << (st == CtParse::event ? "event" : st == CtParse::ignored ? "ignored" : "malformed");
}
} // namespace netflow

namespace {

// ---- wire building blocks ------------------------------------------------

constexpr uint16_t nested = 0x8000;
constexpr uint16_t nlm_f_create = 0x400, nlm_f_excl = 0x200;
constexpr uint16_t ct_new = 1 << 8 | 0, ct_get = 1 << 8 | 1, ct_delete = 1 << 8 | 2;
constexpr uint8_t af_inet = 2, af_inet6 = 10;

constexpr uint16_t cta_tuple_orig = 1, cta_tuple_reply = 2, cta_status = 3, cta_timeout = 7, cta_mark = 8,
		   cta_id = 12, cta_timestamp = 20;
constexpr uint16_t cta_tuple_ip = 1, cta_tuple_proto = 2;
constexpr uint16_t cta_ip_v4_src = 1, cta_ip_v4_dst = 2;
constexpr uint16_t cta_proto_num = 1, cta_proto_src_port = 2, cta_proto_dst_port = 3;
constexpr uint16_t cta_timestamp_start = 1, cta_timestamp_stop = 2;

constexpr uint32_t ips_confirmed = 1 << 3, ips_src_nat = 1 << 4, ips_dst_nat = 1 << 5,
		   ips_src_nat_done = 1 << 7, ips_dst_nat_done = 1 << 8;

constexpr uint32_t v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	return uint32_t(a) << 24 | uint32_t(b) << 16 | uint32_t(c) << 8 | d;
}

Buf be16(uint16_t v) { return {uint8_t(v >> 8), uint8_t(v)}; }
Buf be32(uint32_t v) { return {uint8_t(v >> 24), uint8_t(v >> 16), uint8_t(v >> 8), uint8_t(v)}; }
Buf be64(uint64_t v)
{
	Buf b;
	for (int i = 7; i >= 0; i--)
		b.push_back(uint8_t(v >> (8 * i)));
	return b;
}
void put16(Buf& b, uint16_t v)	// host order (x86: little endian), as nlmsghdr/nlattr
{
	uint8_t raw[2];
	std::memcpy(raw, &v, 2);
	b.insert(b.end(), raw, raw + 2);
}
void put32(Buf& b, uint32_t v)
{
	uint8_t raw[4];
	std::memcpy(raw, &v, 4);
	b.insert(b.end(), raw, raw + 4);
}
Buf cat(std::initializer_list<Buf> parts)
{
	Buf out;
	for (const auto& p : parts)
		out.insert(out.end(), p.begin(), p.end());
	return out;
}

// One attribute: len = 4 + payload (unpadded), padding to 4 after it.
Buf attr(uint16_t type, const Buf& payload)
{
	Buf b;
	put16(b, uint16_t(4 + payload.size()));
	put16(b, type);
	b.insert(b.end(), payload.begin(), payload.end());
	while (b.size() % 4)
		b.push_back(0);
	return b;
}
Buf nest(uint16_t type, std::initializer_list<Buf> children) { return attr(type | nested, cat(children)); }

struct Tuple {
	uint32_t src, dst;
	uint8_t proto;
	uint16_t sport, dport;
};

Buf tuple(uint16_t which, const Tuple& t)
{
	return nest(which, {
		nest(cta_tuple_ip, {attr(cta_ip_v4_src, be32(t.src)), attr(cta_ip_v4_dst, be32(t.dst))}),
		nest(cta_tuple_proto, {attr(cta_proto_num, {t.proto}), attr(cta_proto_src_port, be16(t.sport)),
				       attr(cta_proto_dst_port, be16(t.dport))}),
	});
}
Buf status(uint32_t s) { return attr(cta_status, be32(s)); }

// nlmsghdr + nfgenmsg + attributes; len is the whole message unless given.
Buf message(uint16_t type, uint16_t flags, uint8_t family, const Buf& attrs, uint32_t seq = 0,
	    uint32_t len = UINT32_MAX)
{
	Buf b;
	put32(b, len == UINT32_MAX ? uint32_t(16 + 4 + attrs.size()) : len);
	put16(b, type);
	put16(b, flags);
	put32(b, seq);
	put32(b, 0);	// pid: the kernel
	b.push_back(family);
	b.push_back(0);	// NFNETLINK_V0
	b.push_back(0);	// res_id be16 0
	b.push_back(0);
	b.insert(b.end(), attrs.begin(), attrs.end());
	return b;
}

// ---- the three NAT shapes of the VM scenario (tests/vm/scenarios/40-*) ----

// SNAT (MASQUERADE on vb): nsa 10.1.0.2:40001 -> 10.2.0.2:50001 leaves as
// 10.2.0.1:1024; the reply comes back to 10.2.0.1:1024.
const Tuple snat_orig = {v4(10, 1, 0, 2), v4(10, 2, 0, 2), 17, 40001, 50001};
const Tuple snat_reply = {v4(10, 2, 0, 2), v4(10, 2, 0, 1), 17, 50001, 1024};
// DNAT: nsb 10.2.0.2:55932 -> 10.2.0.1:8080 is sent on to 10.1.0.2:80.
const Tuple dnat_orig = {v4(10, 2, 0, 2), v4(10, 2, 0, 1), 6, 55932, 8080};
const Tuple dnat_reply = {v4(10, 1, 0, 2), v4(10, 2, 0, 2), 6, 80, 55932};
// Both: 10.1.0.2:33000 -> 10.1.0.1:8081 becomes 10.2.0.1:33001 -> 10.2.0.2:5001.
const Tuple full_orig = {v4(10, 1, 0, 2), v4(10, 1, 0, 1), 6, 33000, 8081};
const Tuple full_reply = {v4(10, 2, 0, 2), v4(10, 2, 0, 1), 6, 5001, 33001};

constexpr uint32_t snat_status = ips_confirmed | ips_src_nat | ips_src_nat_done | ips_dst_nat_done;
constexpr uint32_t dnat_status = ips_confirmed | ips_dst_nat | ips_src_nat_done | ips_dst_nat_done;
constexpr uint32_t full_status = ips_confirmed | ips_src_nat | ips_dst_nat | ips_src_nat_done | ips_dst_nat_done;
constexpr uint32_t plain_status = ips_confirmed | ips_src_nat_done | ips_dst_nat_done;	// null binding

// A NEW event in the kernel's attribute order (tuples, id, status, timeout,
// mark), optionally with a timestamp block.
Buf new_event(const Tuple& o, const Tuple& r, uint32_t st, const Buf& extra = {}, uint16_t flags = nlm_f_create | nlm_f_excl)
{
	return message(ct_new, flags, af_inet,
		       cat({tuple(cta_tuple_orig, o), tuple(cta_tuple_reply, r), attr(cta_id, be32(0x12345678)),
			    status(st), attr(cta_timeout, be32(120)), attr(cta_mark, be32(0)), extra}));
}
Buf destroy_event(const Tuple& o, const Tuple& r, uint32_t st, const Buf& extra = {})
{
	return message(ct_delete, 0, af_inet,
		       cat({tuple(cta_tuple_orig, o), tuple(cta_tuple_reply, r), attr(cta_id, be32(0x12345678)),
			    status(st), extra}));
}

constexpr uint64_t now_ms = 1700000000123ull;

struct Parsed {
	CtParse st;
	NatEvent e;
};

// parse_ct_message on a heap copy of the first `n` bytes (all by default).
Parsed parse(const Buf& msg, size_t n = SIZE_MAX)
{
	if (n > msg.size())
		n = msg.size();
	std::unique_ptr<uint8_t[]> copy(new uint8_t[n ? n : 1]);
	if (n)
		std::memcpy(copy.get(), msg.data(), n);
	Parsed p;
	std::memset(static_cast<void*>(&p.e), 0x5a, sizeof(p.e));
	p.st = parse_ct_message(ktl::Bytes(copy.get(), n), now_ms, p.e);
	return p;
}

// parse_ct_buffer on a heap copy of exactly `buf`.
void feed(const Buf& buf, NatQueue& q, NatStats& s)
{
	std::unique_ptr<uint8_t[]> copy(new uint8_t[buf.empty() ? 1 : buf.size()]);
	if (!buf.empty())
		std::memcpy(copy.get(), buf.data(), buf.size());
	parse_ct_buffer(ktl::Bytes(copy.get(), buf.size()), now_ms, q, s);
}

std::unique_ptr<NatQueue> make_queue() { return std::make_unique<NatQueue>(); }

} // namespace

// ---- events -----------------------------------------------------------------

TEST(CtnetlinkEvent, IcmpWithoutPorts)
{
	// ICMP tuples carry CTA_PROTO_ICMP_ID/TYPE/CODE (4, 5, 6), no ports.
	auto t = [](uint16_t which, uint32_t src, uint32_t dst) {
		return nest(which, {
			nest(cta_tuple_ip, {attr(cta_ip_v4_src, be32(src)), attr(cta_ip_v4_dst, be32(dst))}),
			nest(cta_tuple_proto, {attr(cta_proto_num, {1}), attr(4, be16(0x77)), attr(5, {8}), attr(6, {0})}),
		});
	};
	Buf m = message(ct_new, nlm_f_create, af_inet,
			cat({t(cta_tuple_orig, v4(10, 1, 0, 2), v4(10, 2, 0, 2)),
			     t(cta_tuple_reply, v4(10, 2, 0, 2), v4(10, 2, 0, 1)), status(snat_status)}));
	auto p = parse(m);
	ASSERT_EQ(p.st, CtParse::event);
	EXPECT_EQ(p.e.proto, 1);
	EXPECT_EQ(p.e.pre_sport.host(), 0);
	EXPECT_EQ(p.e.post_dport.host(), 0);
	EXPECT_EQ(p.e.post_src.host(), v4(10, 2, 0, 1));
}

TEST(CtnetlinkEvent, NestedFlagOptionalAndByteorderFlagMasked)
{
	// Older kernels did not set NLA_F_NESTED; bit 14 (NLA_F_NET_BYTEORDER)
	// is not part of the type either.
	Buf plain = message(ct_new, nlm_f_create, af_inet,
			    cat({attr(cta_tuple_orig, cat({attr(cta_tuple_ip, cat({attr(cta_ip_v4_src, be32(snat_orig.src)),
										   attr(cta_ip_v4_dst, be32(snat_orig.dst))})),
							     attr(cta_tuple_proto, cat({attr(cta_proto_num, {17}),
										      attr(cta_proto_src_port, be16(40001)),
										      attr(cta_proto_dst_port, be16(50001))}))})),
				 tuple(cta_tuple_reply, snat_reply), attr(cta_status | 0x4000, be32(snat_status))}));
	auto p = parse(plain);
	ASSERT_EQ(p.st, CtParse::event);
	EXPECT_EQ(p.e.pre_sport.host(), 40001);
	EXPECT_EQ(p.e.post_sport.host(), 1024);
	EXPECT_TRUE(p.e.snat);
}

TEST(CtnetlinkEvent, AttributeOrderAndUnknownAttributesDoNotMatter)
{
	Buf m = message(ct_new, nlm_f_create, af_inet,
			cat({attr(99, Buf(13, 0xee)), status(dnat_status), attr(cta_timeout, be32(5)),
			     tuple(cta_tuple_reply, dnat_reply), attr(0, {}), tuple(cta_tuple_orig, dnat_orig)}));
	auto p = parse(m);
	ASSERT_EQ(p.st, CtParse::event);
	EXPECT_EQ(p.e.pre_dport.host(), 8080);
	EXPECT_EQ(p.e.post_dport.host(), 80);
	EXPECT_TRUE(p.e.dnat);
}

TEST(CtnetlinkEvent, BytesAfterTheMessageAreNotPartOfIt)
{
	Buf m = new_event(snat_orig, snat_reply, snat_status);
	Buf longer = cat({m, Buf(40, 0xff)});
	auto p = parse(longer);
	ASSERT_EQ(p.st, CtParse::event);
	EXPECT_EQ(p.e.post_sport.host(), 1024);
}

// ---- messages as a 6.1 kernel sent them ---------------------------------------

namespace {

// Captured in the VM (tests/vm, Debian 6.1.0-56) from a NETLINK_NETFILTER
// socket bound to groups NEW|DESTROY, with MASQUERADE on vb and DNAT of
// 10.2.0.1:8080 to 10.1.0.2:80.
// [NEW] udp src=10.1.0.2 dst=10.2.0.2 sport=40001 dport=50001 [UNREPLIED]
//           src=10.2.0.2 dst=10.2.0.1 sport=50001 dport=40001
const Buf real_new_snat_udp = {
	0x94, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x06, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x02, 0x00, 0x00, 0x00, 0x34, 0x00, 0x01, 0x80, 0x14, 0x00, 0x01, 0x80, 0x08, 0x00, 0x01, 0x00,
	0x0a, 0x01, 0x00, 0x02, 0x08, 0x00, 0x02, 0x00, 0x0a, 0x02, 0x00, 0x02, 0x1c, 0x00, 0x02, 0x80,
	0x05, 0x00, 0x01, 0x00, 0x11, 0x00, 0x00, 0x00, 0x06, 0x00, 0x02, 0x00, 0x9c, 0x41, 0x00, 0x00,
	0x06, 0x00, 0x03, 0x00, 0xc3, 0x51, 0x00, 0x00, 0x34, 0x00, 0x02, 0x80, 0x14, 0x00, 0x01, 0x80,
	0x08, 0x00, 0x01, 0x00, 0x0a, 0x02, 0x00, 0x02, 0x08, 0x00, 0x02, 0x00, 0x0a, 0x02, 0x00, 0x01,
	0x1c, 0x00, 0x02, 0x80, 0x05, 0x00, 0x01, 0x00, 0x11, 0x00, 0x00, 0x00, 0x06, 0x00, 0x02, 0x00,
	0xc3, 0x51, 0x00, 0x00, 0x06, 0x00, 0x03, 0x00, 0x9c, 0x41, 0x00, 0x00, 0x08, 0x00, 0x0c, 0x00,
	0x0d, 0xd1, 0x4e, 0xed, 0x08, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, 0x98, 0x08, 0x00, 0x07, 0x00,
	0x00, 0x00, 0x00, 0x1e,
};
// [NEW] tcp SYN_SENT src=10.2.0.2 dst=10.2.0.1 sport=56750 dport=8080 [UNREPLIED]
//                    src=10.1.0.2 dst=10.2.0.2 sport=80 dport=56750  (with CTA_PROTOINFO)
const Buf real_new_dnat_tcp = {
	0xc4, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x06, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x02, 0x00, 0x00, 0x00, 0x34, 0x00, 0x01, 0x80, 0x14, 0x00, 0x01, 0x80, 0x08, 0x00, 0x01, 0x00,
	0x0a, 0x02, 0x00, 0x02, 0x08, 0x00, 0x02, 0x00, 0x0a, 0x02, 0x00, 0x01, 0x1c, 0x00, 0x02, 0x80,
	0x05, 0x00, 0x01, 0x00, 0x06, 0x00, 0x00, 0x00, 0x06, 0x00, 0x02, 0x00, 0xdd, 0xae, 0x00, 0x00,
	0x06, 0x00, 0x03, 0x00, 0x1f, 0x90, 0x00, 0x00, 0x34, 0x00, 0x02, 0x80, 0x14, 0x00, 0x01, 0x80,
	0x08, 0x00, 0x01, 0x00, 0x0a, 0x01, 0x00, 0x02, 0x08, 0x00, 0x02, 0x00, 0x0a, 0x02, 0x00, 0x02,
	0x1c, 0x00, 0x02, 0x80, 0x05, 0x00, 0x01, 0x00, 0x06, 0x00, 0x00, 0x00, 0x06, 0x00, 0x02, 0x00,
	0x00, 0x50, 0x00, 0x00, 0x06, 0x00, 0x03, 0x00, 0xdd, 0xae, 0x00, 0x00, 0x08, 0x00, 0x0c, 0x00,
	0xee, 0x50, 0x72, 0x9b, 0x08, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, 0xa8, 0x08, 0x00, 0x07, 0x00,
	0x00, 0x00, 0x00, 0x78, 0x30, 0x00, 0x04, 0x80, 0x2c, 0x00, 0x01, 0x80, 0x05, 0x00, 0x01, 0x00,
	0x01, 0x00, 0x00, 0x00, 0x05, 0x00, 0x02, 0x00, 0x07, 0x00, 0x00, 0x00, 0x05, 0x00, 0x03, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x06, 0x00, 0x04, 0x00, 0x03, 0x00, 0x00, 0x00, 0x06, 0x00, 0x05, 0x00,
	0x00, 0x00, 0x00, 0x00,
};
// [DESTROY] udp src=10.1.0.2 dst=10.2.0.2 sport=40002 dport=50001 [UNREPLIED]
//               src=10.2.0.2 dst=10.2.0.1 sport=50001 dport=40002  (conntrack -D,
// net.netfilter.nf_conntrack_timestamp=1: CTA_TIMESTAMP start and stop)
const Buf real_destroy_snat_udp_ts = {
	0xb0, 0x00, 0x00, 0x00, 0x02, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x53, 0x47, 0x52, 0xa6,
	0x02, 0x00, 0x00, 0x00, 0x34, 0x00, 0x01, 0x80, 0x14, 0x00, 0x01, 0x80, 0x08, 0x00, 0x01, 0x00,
	0x0a, 0x01, 0x00, 0x02, 0x08, 0x00, 0x02, 0x00, 0x0a, 0x02, 0x00, 0x02, 0x1c, 0x00, 0x02, 0x80,
	0x05, 0x00, 0x01, 0x00, 0x11, 0x00, 0x00, 0x00, 0x06, 0x00, 0x02, 0x00, 0x9c, 0x42, 0x00, 0x00,
	0x06, 0x00, 0x03, 0x00, 0xc3, 0x51, 0x00, 0x00, 0x34, 0x00, 0x02, 0x80, 0x14, 0x00, 0x01, 0x80,
	0x08, 0x00, 0x01, 0x00, 0x0a, 0x02, 0x00, 0x02, 0x08, 0x00, 0x02, 0x00, 0x0a, 0x02, 0x00, 0x01,
	0x1c, 0x00, 0x02, 0x80, 0x05, 0x00, 0x01, 0x00, 0x11, 0x00, 0x00, 0x00, 0x06, 0x00, 0x02, 0x00,
	0xc3, 0x51, 0x00, 0x00, 0x06, 0x00, 0x03, 0x00, 0x9c, 0x42, 0x00, 0x00, 0x08, 0x00, 0x0c, 0x00,
	0xdc, 0x07, 0x20, 0x0b, 0x08, 0x00, 0x03, 0x00, 0x00, 0x00, 0x03, 0x98, 0x08, 0x00, 0x07, 0x00,
	0x00, 0x00, 0x00, 0x1d, 0x1c, 0x00, 0x14, 0x80, 0x0c, 0x00, 0x01, 0x00, 0x18, 0xeb, 0x6b, 0xfe,
	0x84, 0x6f, 0xbb, 0x6e, 0x0c, 0x00, 0x02, 0x00, 0x18, 0xeb, 0x6b, 0xfe, 0x8c, 0x89, 0xf5, 0xbc,
};

} // namespace

// ---- NAT events: the tuples before and after -----------------------------------

namespace {

// A message parsed as a NAT event: its type, time, protocol, the tuple
// before NAT (the original direction) and after it, and which NAT it was.
struct EventCase {
	const char* name;
	Buf msg;
	NatEventType type;
	uint64_t time_ms;
	uint8_t proto;
	uint32_t pre_src, pre_dst;
	uint16_t pre_sport, pre_dport;
	uint32_t post_src, post_dst;
	uint16_t post_sport, post_dport;
	bool snat, dnat;
};

void PrintTo(const EventCase& c, std::ostream* os) { *os << c.name; }

// No message below carries CTA_TIMESTAMP: the time is the arrival time.
const EventCase event_cases[] = {
	{"SnatCreate", new_event(snat_orig, snat_reply, snat_status), NatEventType::create, now_ms, 17,
	 v4(10, 1, 0, 2), v4(10, 2, 0, 2), 40001, 50001, v4(10, 2, 0, 1), v4(10, 2, 0, 2), 1024, 50001, true, false},
	{"SnatDestroy", destroy_event(snat_orig, snat_reply, snat_status), NatEventType::destroy, now_ms, 17,
	 v4(10, 1, 0, 2), v4(10, 2, 0, 2), 40001, 50001, v4(10, 2, 0, 1), v4(10, 2, 0, 2), 1024, 50001, true, false},
	// The source is untouched by DNAT.
	{"DnatCreate", new_event(dnat_orig, dnat_reply, dnat_status), NatEventType::create, now_ms, 6,
	 v4(10, 2, 0, 2), v4(10, 2, 0, 1), 55932, 8080, v4(10, 2, 0, 2), v4(10, 1, 0, 2), 55932, 80, false, true},
	{"DnatDestroy", destroy_event(dnat_orig, dnat_reply, dnat_status), NatEventType::destroy, now_ms, 6,
	 v4(10, 2, 0, 2), v4(10, 2, 0, 1), 55932, 8080, v4(10, 2, 0, 2), v4(10, 1, 0, 2), 55932, 80, false, true},
	{"FullNat", new_event(full_orig, full_reply, full_status), NatEventType::create, now_ms, 6,
	 v4(10, 1, 0, 2), v4(10, 1, 0, 1), 33000, 8081, v4(10, 2, 0, 1), v4(10, 2, 0, 2), 33001, 5001, true, true},
	// As a 6.1 kernel sent them (above).
	{"RealNewSnatUdp", real_new_snat_udp, NatEventType::create, now_ms, 17,
	 v4(10, 1, 0, 2), v4(10, 2, 0, 2), 40001, 50001, v4(10, 2, 0, 1), v4(10, 2, 0, 2), 40001, 50001, true, false},
	{"RealNewDnatTcpWithProtoinfo", real_new_dnat_tcp, NatEventType::create, now_ms, 6,
	 v4(10, 2, 0, 2), v4(10, 2, 0, 1), 56750, 8080, v4(10, 2, 0, 2), v4(10, 1, 0, 2), 56750, 80, false, true},
};

class CtnetlinkNatEvent : public ::testing::TestWithParam<EventCase> {};

} // namespace

TEST_P(CtnetlinkNatEvent, TuplesBeforeAndAfter)
{
	const EventCase& c = GetParam();
	auto p = parse(c.msg);
	ASSERT_EQ(p.st, CtParse::event);
	EXPECT_EQ(p.e.type, c.type);
	EXPECT_EQ(p.e.time_ms, c.time_ms);
	EXPECT_EQ(p.e.proto, c.proto);
	EXPECT_EQ(p.e.pre_src.host(), c.pre_src);
	EXPECT_EQ(p.e.pre_dst.host(), c.pre_dst);
	EXPECT_EQ(p.e.pre_sport.host(), c.pre_sport);
	EXPECT_EQ(p.e.pre_dport.host(), c.pre_dport);
	EXPECT_EQ(p.e.post_src.host(), c.post_src);
	EXPECT_EQ(p.e.post_dst.host(), c.post_dst);
	EXPECT_EQ(p.e.post_sport.host(), c.post_sport);
	EXPECT_EQ(p.e.post_dport.host(), c.post_dport);
	EXPECT_EQ(p.e.snat, c.snat);
	EXPECT_EQ(p.e.dnat, c.dnat);
}

INSTANTIATE_TEST_SUITE_P(Ctnetlink, CtnetlinkNatEvent, ::testing::ValuesIn(event_cases),
			 [](const ::testing::TestParamInfo<EventCase>& i) { return std::string(i.param.name); });

TEST(CtnetlinkReal, DestroyWithTimestampUsesStop)
{
	auto p = parse(real_destroy_snat_udp_ts);
	ASSERT_EQ(p.st, CtParse::event);
	EXPECT_EQ(p.e.type, NatEventType::destroy);
	EXPECT_EQ(p.e.time_ms, 1795647617460ull);	// stop 0x18eb6bfe8c89f5bc ns (start ...617325)
	EXPECT_EQ(p.e.pre_sport.host(), 40002);
	EXPECT_EQ(p.e.post_src.host(), v4(10, 2, 0, 1));
	EXPECT_EQ(p.e.post_sport.host(), 40002);
	EXPECT_TRUE(p.e.snat);
}

TEST(CtnetlinkReal, TruncatedAtEveryLength)
{
	for (const Buf* m : {&real_new_snat_udp, &real_new_dnat_tcp, &real_destroy_snat_udp_ts})
		for (size_t n = 0; n < m->size(); n++) {
			SCOPED_TRACE(n);
			EXPECT_EQ(parse(*m, n).st, CtParse::malformed);
		}
}

TEST(CtnetlinkReal, OneBuffer)
{
	auto q = make_queue();
	NatStats s{};
	feed(cat({real_new_snat_udp, real_new_dnat_tcp, real_destroy_snat_udp_ts}), *q, s);
	EXPECT_EQ(s.starts, 2u);
	EXPECT_EQ(s.stops, 1u);
	EXPECT_EQ(s.malformed + s.ignored + s.lost, 0u);
}

// ---- timestamps ---------------------------------------------------------------

TEST(CtnetlinkTimestamp, StartForCreate)
{
	const uint64_t start_ns = 1700000100123456789ull, stop_ns = 1700000200987654321ull;
	auto p = parse(new_event(snat_orig, snat_reply, snat_status,
				 nest(cta_timestamp, {attr(cta_timestamp_start, be64(start_ns)),
						      attr(cta_timestamp_stop, be64(stop_ns))})));
	ASSERT_EQ(p.st, CtParse::event);
	EXPECT_EQ(p.e.time_ms, 1700000100123ull);
}

TEST(CtnetlinkTimestamp, StopForDestroy)
{
	const uint64_t start_ns = 1700000100123456789ull, stop_ns = 1700000200987654321ull;
	auto p = parse(destroy_event(snat_orig, snat_reply, snat_status,
				     nest(cta_timestamp, {attr(cta_timestamp_start, be64(start_ns)),
							  attr(cta_timestamp_stop, be64(stop_ns))})));
	ASSERT_EQ(p.st, CtParse::event);
	EXPECT_EQ(p.e.type, NatEventType::destroy);
	EXPECT_EQ(p.e.time_ms, 1700000200987ull);
}

TEST(CtnetlinkTimestamp, MissingHalfOrZeroFallsBackToArrival)
{
	// create with only STOP, destroy with only START, a zero START.
	auto a = parse(new_event(snat_orig, snat_reply, snat_status,
				 nest(cta_timestamp, {attr(cta_timestamp_stop, be64(1700000200000000000ull))})));
	ASSERT_EQ(a.st, CtParse::event);
	EXPECT_EQ(a.e.time_ms, now_ms);
	auto b = parse(destroy_event(snat_orig, snat_reply, snat_status,
				     nest(cta_timestamp, {attr(cta_timestamp_start, be64(1700000100000000000ull))})));
	ASSERT_EQ(b.st, CtParse::event);
	EXPECT_EQ(b.e.time_ms, now_ms);
	auto c = parse(new_event(snat_orig, snat_reply, snat_status,
				 nest(cta_timestamp, {attr(cta_timestamp_start, be64(0))})));
	ASSERT_EQ(c.st, CtParse::event);
	EXPECT_EQ(c.e.time_ms, now_ms);
	// A START shorter than 8 bytes is not a timestamp.
	auto d = parse(new_event(snat_orig, snat_reply, snat_status,
				 nest(cta_timestamp, {attr(cta_timestamp_start, be32(12345))})));
	ASSERT_EQ(d.st, CtParse::event);
	EXPECT_EQ(d.e.time_ms, now_ms);
}

// ---- not reported -------------------------------------------------------------

TEST(CtnetlinkIgnored, NoNatStatus)
{
	EXPECT_EQ(parse(new_event(snat_orig, snat_orig, plain_status)).st, CtParse::ignored);
	EXPECT_EQ(parse(destroy_event(snat_orig, snat_orig, plain_status)).st, CtParse::ignored);
	EXPECT_EQ(parse(new_event(snat_orig, snat_orig, 0)).st, CtParse::ignored);
}

TEST(CtnetlinkIgnored, Ipv6Family)
{
	// The family decides, whatever follows (even IPv4-looking tuples).
	Buf body = cat({tuple(cta_tuple_orig, snat_orig), tuple(cta_tuple_reply, snat_reply), status(snat_status)});
	EXPECT_EQ(parse(message(ct_new, nlm_f_create, af_inet6, body)).st, CtParse::ignored);
	EXPECT_EQ(parse(message(ct_delete, 0, af_inet6, body)).st, CtParse::ignored);
	EXPECT_EQ(parse(message(ct_new, nlm_f_create, 7, body)).st, CtParse::ignored);
}

TEST(CtnetlinkIgnored, UpdateIsNewWithoutCreate)
{
	EXPECT_EQ(parse(new_event(snat_orig, snat_reply, snat_status, {}, 0)).st, CtParse::ignored);
	EXPECT_EQ(parse(new_event(snat_orig, snat_reply, snat_status, {}, nlm_f_excl)).st, CtParse::ignored);
	// with CREATE alone it is a create
	EXPECT_EQ(parse(new_event(snat_orig, snat_reply, snat_status, {}, nlm_f_create)).st, CtParse::event);
}

TEST(CtnetlinkIgnored, OtherMessageTypes)
{
	Buf body = cat({tuple(cta_tuple_orig, snat_orig), tuple(cta_tuple_reply, snat_reply), status(snat_status)});
	EXPECT_EQ(parse(message(ct_get, nlm_f_create, af_inet, body)).st, CtParse::ignored);
	EXPECT_EQ(parse(message(1 << 8 | 3, nlm_f_create, af_inet, body)).st, CtParse::ignored);	// GET_CTRZERO
	EXPECT_EQ(parse(message(2 << 8 | 0, nlm_f_create, af_inet, body)).st, CtParse::ignored);	// expectations
	EXPECT_EQ(parse(message(3 << 8 | 0, nlm_f_create, af_inet, body)).st, CtParse::ignored);	// queue
	EXPECT_EQ(parse(message(1, 0, af_inet, body)).st, CtParse::ignored);	// NLMSG_NOOP
	EXPECT_EQ(parse(message(2, 0, af_inet, body)).st, CtParse::ignored);	// NLMSG_ERROR
	EXPECT_EQ(parse(message(3, 0, af_inet, body)).st, CtParse::ignored);	// NLMSG_DONE
	// NLMSG_DONE as the kernel sends it: a header and an int.
	Buf done;
	put32(done, 20);
	put16(done, 3);
	put16(done, 2);	// NLM_F_MULTI
	put32(done, 0);
	put32(done, 0);
	put32(done, 0);
	EXPECT_EQ(parse(done).st, CtParse::ignored);
}

// ---- malformed ------------------------------------------------------------------

TEST(CtnetlinkMalformed, TruncatedAtEveryLength)
{
	// The received bytes stop short of what nlmsg_len promises.
	for (const Buf& m : {new_event(snat_orig, snat_reply, snat_status),
			     destroy_event(full_orig, full_reply, full_status,
					   nest(cta_timestamp, {attr(cta_timestamp_start, be64(1)),
								attr(cta_timestamp_stop, be64(2))}))}) {
		ASSERT_EQ(parse(m).st, CtParse::event);
		for (size_t n = 0; n < m.size(); n++) {
			SCOPED_TRACE(n);
			EXPECT_EQ(parse(m, n).st, CtParse::malformed);
		}
	}
}

TEST(CtnetlinkMalformed, LengthFieldCutAtEveryLength)
{
	// nlmsg_len itself says the message ends early: it ends inside an
	// attribute or before a required one.  CTA_STATUS is last here, so every
	// cut loses something required.
	const Buf full = message(ct_new, nlm_f_create, af_inet,
				 cat({tuple(cta_tuple_orig, snat_orig), tuple(cta_tuple_reply, snat_reply),
				      status(snat_status)}));
	ASSERT_EQ(parse(full).st, CtParse::event);
	for (uint32_t n = 0; n < full.size(); n++) {
		SCOPED_TRACE(n);
		Buf m = full;
		std::memcpy(m.data(), &n, 4);
		m.resize(n);	// and nothing after it either
		EXPECT_EQ(parse(m).st, CtParse::malformed);
		// with the rest of the bytes still there (the length alone is short)
		Buf m2 = full;
		std::memcpy(m2.data(), &n, 4);
		EXPECT_EQ(parse(m2).st, CtParse::malformed);
	}
}

TEST(CtnetlinkMalformed, HeaderLengthBelowHeaderOrBeyondBuffer)
{
	Buf m = new_event(snat_orig, snat_reply, snat_status);
	for (uint32_t len : {0u, 1u, 4u, 15u, uint32_t(m.size() + 1), uint32_t(m.size() + 4), 0xffffffffu}) {
		SCOPED_TRACE(len);
		Buf x = m;
		std::memcpy(x.data(), &len, 4);
		EXPECT_EQ(parse(x).st, CtParse::malformed);
	}
	// 16..19: a header without a complete nfgenmsg
	for (uint32_t len : {16u, 17u, 19u}) {
		SCOPED_TRACE(len);
		Buf x = m;
		std::memcpy(x.data(), &len, 4);
		EXPECT_EQ(parse(x).st, CtParse::malformed);
	}
}

TEST(CtnetlinkMalformed, AttributeLengthBelowFour)
{
	for (uint16_t len : {0, 1, 2, 3}) {
		SCOPED_TRACE(len);
		Buf bad;
		put16(bad, len);
		put16(bad, 99);
		Buf m = message(ct_new, nlm_f_create, af_inet,
				cat({tuple(cta_tuple_orig, snat_orig), tuple(cta_tuple_reply, snat_reply),
				     status(snat_status), bad, Buf(8, 0)}));
		EXPECT_EQ(parse(m).st, CtParse::malformed);
		// the same at the start: nothing after it can be found
		Buf m2 = message(ct_new, nlm_f_create, af_inet,
				 cat({bad, tuple(cta_tuple_orig, snat_orig), tuple(cta_tuple_reply, snat_reply),
				      status(snat_status)}));
		EXPECT_EQ(parse(m2).st, CtParse::malformed);
	}
}

TEST(CtnetlinkMalformed, AttributeBeyondTheMessage)
{
	Buf body = cat({tuple(cta_tuple_orig, snat_orig), tuple(cta_tuple_reply, snat_reply), status(snat_status)});
	Buf m = message(ct_new, nlm_f_create, af_inet, body);
	// CTA_STATUS (the last, 8 bytes) claims 12, then 0xffff.
	for (uint16_t len : {12, 9, 0xffff}) {
		SCOPED_TRACE(len);
		Buf x = m;
		std::memcpy(&x[x.size() - 8], &len, 2);
		EXPECT_EQ(parse(x).st, CtParse::malformed);
	}
	// CTA_TUPLE_ORIG (the first) claims the whole message and more.
	Buf x = m;
	uint16_t len = uint16_t(body.size() + 4);
	std::memcpy(&x[20], &len, 2);
	EXPECT_EQ(parse(x).st, CtParse::malformed);
}

namespace {

// ORIG tuple with its inner attributes' lengths replaced by a callback.
struct TupleParts {
	Buf src = attr(cta_ip_v4_src, be32(snat_orig.src));
	Buf dst = attr(cta_ip_v4_dst, be32(snat_orig.dst));
	Buf num = attr(cta_proto_num, {17});
	Buf sport = attr(cta_proto_src_port, be16(40001));
	Buf dport = attr(cta_proto_dst_port, be16(50001));
	Buf ip() const { return nest(cta_tuple_ip, {src, dst}); }
	Buf proto() const { return nest(cta_tuple_proto, {num, sport, dport}); }
	Buf orig() const { return attr(cta_tuple_orig | nested, cat({ip(), proto()})); }
	Buf msg(const Buf& orig_attr) const
	{
		return message(ct_new, nlm_f_create, af_inet,
			       cat({orig_attr, tuple(cta_tuple_reply, snat_reply), status(snat_status)}));
	}
};

void set_len(Buf& a, size_t at, uint16_t len) { std::memcpy(&a[at], &len, 2); }

} // namespace

TEST(CtnetlinkMalformed, NestedLengthsLying)
{
	TupleParts t;
	ASSERT_EQ(parse(t.msg(t.orig())).st, CtParse::event);

	// CTA_TUPLE_IP claims more than CTA_TUPLE_ORIG holds (but the message
	// has it: the bound must be the parent's, not the message's).
	{
		Buf ip = t.ip();
		set_len(ip, 0, uint16_t(ip.size() + t.proto().size() + 8));
		Buf o = attr(cta_tuple_orig | nested, cat({ip, t.proto()}));
		EXPECT_EQ(parse(t.msg(o)).st, CtParse::malformed);
	}
	// CTA_TUPLE_PROTO claims past the end of CTA_TUPLE_ORIG.
	{
		Buf pr = t.proto();
		set_len(pr, 0, uint16_t(pr.size() + 4));
		Buf o = attr(cta_tuple_orig | nested, cat({t.ip(), pr}));
		EXPECT_EQ(parse(t.msg(o)).st, CtParse::malformed);
	}
	// CTA_IP_V4_DST claims past the end of CTA_TUPLE_IP.
	{
		TupleParts u;
		set_len(u.dst, 0, 12);
		EXPECT_EQ(parse(u.msg(u.orig())).st, CtParse::malformed);
	}
	// CTA_PROTO_DST_PORT claims past the end of CTA_TUPLE_PROTO.
	{
		TupleParts u;
		set_len(u.dport, 0, 64);
		EXPECT_EQ(parse(u.msg(u.orig())).st, CtParse::malformed);
	}
	// An inner length below 4, in each nesting level.
	for (uint16_t len : {0, 3}) {
		SCOPED_TRACE(len);
		TupleParts u;
		set_len(u.src, 0, len);
		EXPECT_EQ(parse(u.msg(u.orig())).st, CtParse::malformed);
		TupleParts w;
		set_len(w.num, 0, len);
		EXPECT_EQ(parse(w.msg(w.orig())).st, CtParse::malformed);
	}
	// The same lies in the REPLY tuple.
	{
		Buf r = tuple(cta_tuple_reply, snat_reply);
		set_len(r, 4, 200);	// its CTA_TUPLE_IP
		Buf m = message(ct_new, nlm_f_create, af_inet, cat({t.orig(), r, status(snat_status)}));
		EXPECT_EQ(parse(m).st, CtParse::malformed);
	}
}

TEST(CtnetlinkMalformed, NestedTimestampLengthLying)
{
	// A CTA_TIMESTAMP whose child claims past its end is as malformed as a
	// lying tuple: the message is counted malformed, not half-trusted.
	Buf ts = nest(cta_timestamp, {attr(cta_timestamp_start, be64(1700000100123456789ull))});
	set_len(ts, 4, 64);	// CTA_TIMESTAMP_START: 64 > 12 bytes in the block
	EXPECT_EQ(parse(new_event(snat_orig, snat_reply, snat_status, ts)).st, CtParse::malformed);
	Buf ts2 = nest(cta_timestamp, {attr(cta_timestamp_stop, be64(1700000100123456789ull))});
	set_len(ts2, 4, 2);	// below 4
	EXPECT_EQ(parse(destroy_event(snat_orig, snat_reply, snat_status, ts2)).st, CtParse::malformed);
}

TEST(CtnetlinkMalformed, MissingTuplesOrStatus)
{
	const Buf o = tuple(cta_tuple_orig, snat_orig), r = tuple(cta_tuple_reply, snat_reply), s = status(snat_status);
	for (uint16_t type : {ct_new, ct_delete}) {
		SCOPED_TRACE(type);
		const uint16_t fl = type == ct_new ? nlm_f_create : 0;
		EXPECT_EQ(parse(message(type, fl, af_inet, cat({r, s}))).st, CtParse::malformed);
		EXPECT_EQ(parse(message(type, fl, af_inet, cat({o, s}))).st, CtParse::malformed);
		EXPECT_EQ(parse(message(type, fl, af_inet, cat({o, r}))).st, CtParse::malformed);
		EXPECT_EQ(parse(message(type, fl, af_inet, {})).st, CtParse::malformed);
		// CTA_STATUS shorter than 4 bytes is no status.
		EXPECT_EQ(parse(message(type, fl, af_inet, cat({o, r, attr(cta_status, {0, 0x30})}))).st,
			  CtParse::malformed);
	}
}

TEST(CtnetlinkMalformed, IncompleteTuples)
{
	auto msg_with_orig = [](const Buf& orig) {
		return message(ct_new, nlm_f_create, af_inet,
			       cat({orig, tuple(cta_tuple_reply, snat_reply), status(snat_status)}));
	};
	const Buf ip = nest(cta_tuple_ip, {attr(cta_ip_v4_src, be32(1)), attr(cta_ip_v4_dst, be32(2))});
	const Buf proto = nest(cta_tuple_proto, {attr(cta_proto_num, {6})});
	EXPECT_EQ(parse(msg_with_orig(nest(cta_tuple_orig, {ip, proto}))).st, CtParse::event);	// no ports: ok
	EXPECT_EQ(parse(msg_with_orig(nest(cta_tuple_orig, {ip}))).st, CtParse::malformed);
	EXPECT_EQ(parse(msg_with_orig(nest(cta_tuple_orig, {proto}))).st, CtParse::malformed);
	EXPECT_EQ(parse(msg_with_orig(nest(cta_tuple_orig, {}))).st, CtParse::malformed);
	// no destination
	EXPECT_EQ(parse(msg_with_orig(nest(cta_tuple_orig, {nest(cta_tuple_ip, {attr(cta_ip_v4_src, be32(1))}), proto})))
			  .st,
		  CtParse::malformed);
	// addresses of 3 bytes, an empty protocol number
	EXPECT_EQ(parse(msg_with_orig(nest(cta_tuple_orig, {nest(cta_tuple_ip, {attr(cta_ip_v4_src, {1, 2, 3}),
										 attr(cta_ip_v4_dst, be32(2))}),
							    proto})))
			  .st,
		  CtParse::malformed);
	EXPECT_EQ(parse(msg_with_orig(nest(cta_tuple_orig, {ip, nest(cta_tuple_proto, {attr(cta_proto_num, {})})}))).st,
		  CtParse::malformed);
	// an IPv6 tuple (CTA_IP_V6_SRC/DST = 3/4) in an AF_INET message
	EXPECT_EQ(parse(msg_with_orig(nest(cta_tuple_orig, {nest(cta_tuple_ip, {attr(3, Buf(16, 1)), attr(4, Buf(16, 2))}),
							    proto})))
			  .st,
		  CtParse::malformed);
}

TEST(CtnetlinkMalformed, MutatedMessagesNeverOverread)
{
	// Random damage to valid messages: any verdict, never a read past the
	// copy (ASan), and an event only with both tuples' addresses.
	const Buf seeds[] = {
		new_event(snat_orig, snat_reply, snat_status),
		destroy_event(dnat_orig, dnat_reply, dnat_status,
			      nest(cta_timestamp, {attr(cta_timestamp_start, be64(1)), attr(cta_timestamp_stop, be64(2))})),
		new_event(full_orig, full_reply, full_status),
	};
	std::mt19937_64 rng(0x6374);
	int events = 0, malformed = 0, ignored = 0;
	for (int i = 0; i < 30000; i++) {
		Buf m = seeds[i % 3];
		const int edits = 1 + int(rng() % 4);
		for (int k = 0; k < edits; k++) {
			const size_t at = rng() % m.size();
			switch (rng() % 4) {
			case 0: m[at] = uint8_t(rng()); break;
			case 1: m[at] ^= uint8_t(1u << (rng() % 8)); break;
			case 2: m.resize(at); break;
			case 3: {
				// lengths: set an aligned u16 to something small or large
				const size_t a = at & ~size_t(1);
				if (a + 1 < m.size()) {
					const uint16_t v = uint16_t(rng() % 2 ? rng() % 24 : rng());
					std::memcpy(&m[a], &v, 2);
				}
				break;
			}
			}
			if (m.empty())
				break;
		}
		// Half the time keep nlmsg_len consistent with what is handed over.
		if (i % 2 && m.size() >= 4) {
			const uint32_t n = uint32_t(m.size());
			std::memcpy(m.data(), &n, 4);
		}
		auto p = parse(m);
		switch (p.st) {
		case CtParse::event:
			events++;
			EXPECT_TRUE(p.e.type == NatEventType::create || p.e.type == NatEventType::destroy);
			EXPECT_TRUE(p.e.snat || p.e.dnat);
			break;
		case CtParse::malformed: malformed++; break;
		case CtParse::ignored: ignored++; break;
		}
	}
	EXPECT_GT(events, 0);
	EXPECT_GT(malformed, 0);
	EXPECT_GT(ignored, 0);
}

// ---- buffers of several messages ---------------------------------------------------

TEST(CtnetlinkBuffer, SeveralMessagesInOrder)
{
	Buf buf = cat({new_event(snat_orig, snat_reply, snat_status, {}, nlm_f_create | nlm_f_excl),
		       new_event(snat_orig, snat_reply, snat_status, {}, 0),	// update: ignored
		       new_event(dnat_orig, dnat_reply, dnat_status),
		       new_event(snat_orig, snat_orig, plain_status),	// no NAT: ignored
		       destroy_event(dnat_orig, dnat_reply, dnat_status),
		       message(ct_new, nlm_f_create, af_inet6, {}),	// IPv6: ignored
		       new_event(full_orig, full_reply, full_status),
		       destroy_event(snat_orig, snat_reply, snat_status)});
	auto q = make_queue();
	NatStats s{};
	feed(buf, *q, s);
	EXPECT_EQ(s.starts, 3u);
	EXPECT_EQ(s.stops, 2u);
	EXPECT_EQ(s.ignored, 3u);
	EXPECT_EQ(s.malformed, 0u);
	EXPECT_EQ(s.lost, 0u);
	ASSERT_EQ(q->size(), 5u);
	NatEvent e;
	ASSERT_TRUE(q->pop(e));
	EXPECT_EQ(e.type, NatEventType::create);
	EXPECT_EQ(e.pre_sport.host(), 40001);
	ASSERT_TRUE(q->pop(e));
	EXPECT_EQ(e.type, NatEventType::create);
	EXPECT_EQ(e.pre_dport.host(), 8080);
	ASSERT_TRUE(q->pop(e));
	EXPECT_EQ(e.type, NatEventType::destroy);
	EXPECT_EQ(e.post_dport.host(), 80);
	ASSERT_TRUE(q->pop(e));
	EXPECT_EQ(e.type, NatEventType::create);
	EXPECT_TRUE(e.snat && e.dnat);
	ASSERT_TRUE(q->pop(e));
	EXPECT_EQ(e.type, NatEventType::destroy);
	EXPECT_EQ(e.post_sport.host(), 1024);
	EXPECT_FALSE(q->pop(e));
}

TEST(CtnetlinkBuffer, UnalignedLengthsAreRoundedUp)
{
	// A message whose nlmsg_len is not a multiple of 4 is followed by
	// padding (NLMSG_ALIGN) before the next one.
	Buf first = message(ct_new, nlm_f_create, af_inet,
			    cat({tuple(cta_tuple_orig, snat_orig), tuple(cta_tuple_reply, snat_reply), status(snat_status),
				 attr(99, {1})}));	// last attribute 5 bytes + 3 padding
	const uint32_t unpadded = uint32_t(first.size() - 3);
	std::memcpy(first.data(), &unpadded, 4);
	Buf buf = cat({first, destroy_event(snat_orig, snat_reply, snat_status)});
	auto q = make_queue();
	NatStats s{};
	feed(buf, *q, s);
	EXPECT_EQ(s.starts, 1u);
	EXPECT_EQ(s.stops, 1u);
	EXPECT_EQ(s.malformed, 0u);
}

TEST(CtnetlinkBuffer, TruncatedLastMessage)
{
	const Buf a = new_event(snat_orig, snat_reply, snat_status);
	const Buf b = destroy_event(dnat_orig, dnat_reply, dnat_status);
	const Buf c = new_event(full_orig, full_reply, full_status);
	for (size_t cut = 0; cut < c.size(); cut++) {
		SCOPED_TRACE(cut);
		Buf buf = cat({a, b, Buf(c.begin(), c.begin() + cut)});
		auto q = make_queue();
		NatStats s{};
		feed(buf, *q, s);
		EXPECT_EQ(s.starts, 1u);
		EXPECT_EQ(s.stops, 1u);
		EXPECT_EQ(q->size(), 2u);
		// A tail of 16 bytes or more is a header whose message is not all
		// there: malformed.  A shorter tail is not even a header and is
		// left alone, as the kernel's own nlmsg_ok() walk does.
		EXPECT_EQ(s.malformed, cut >= 16 ? 1u : 0u);
		EXPECT_EQ(s.ignored, 0u);
	}
}

TEST(CtnetlinkBuffer, MalformedInTheMiddleIsCountedAndSkipped)
{
	Buf bad = new_event(snat_orig, snat_reply, snat_status);
	set_len(bad, 20, 3);	// CTA_TUPLE_ORIG length 3
	Buf buf = cat({new_event(snat_orig, snat_reply, snat_status), bad, destroy_event(snat_orig, snat_reply, snat_status)});
	auto q = make_queue();
	NatStats s{};
	feed(buf, *q, s);
	EXPECT_EQ(s.starts, 1u);
	EXPECT_EQ(s.stops, 1u);
	EXPECT_EQ(s.malformed, 1u);
}

TEST(CtnetlinkBuffer, HeaderLengthLyingStopsTheWalk)
{
	// nlmsg_len below 16 or past the buffer: nothing after it can be found.
	for (uint32_t len : {0u, 8u, 4096u}) {
		SCOPED_TRACE(len);
		Buf bad = new_event(snat_orig, snat_reply, snat_status);
		std::memcpy(bad.data(), &len, 4);
		Buf buf = cat({new_event(dnat_orig, dnat_reply, dnat_status), bad,
			       destroy_event(dnat_orig, dnat_reply, dnat_status)});
		auto q = make_queue();
		NatStats s{};
		feed(buf, *q, s);
		EXPECT_EQ(s.starts, 1u);
		EXPECT_EQ(s.stops, 0u);
		EXPECT_EQ(s.malformed, 1u);
	}
}

TEST(CtnetlinkBuffer, EmptyAndTiny)
{
	auto q = make_queue();
	NatStats s{};
	feed({}, *q, s);
	feed(Buf(15, 0), *q, s);
	EXPECT_EQ(s.starts + s.stops + s.ignored + s.malformed + s.lost, 0u);
	feed(Buf(16, 0), *q, s);	// nlmsg_len 0
	EXPECT_EQ(s.malformed, 1u);
}

// ---- the queue -------------------------------------------------------------------

TEST(NatQueue, FifoAndWrapAround)
{
	auto q = make_queue();
	NatEvent e{};
	uint32_t pushed = 0, popped = 0;
	// Three laps of the ring, half full at most.
	while (pushed < 3 * NatQueue::capacity) {
		for (int i = 0; i < 1000; i++) {
			e.time_ms = pushed++;
			ASSERT_TRUE(q->push(e));
		}
		NatEvent out;
		while (q->size() > 500) {
			ASSERT_TRUE(q->pop(out));
			ASSERT_EQ(out.time_ms, popped++);
		}
	}
	NatEvent out;
	while (q->pop(out))
		ASSERT_EQ(out.time_ms, popped++);
	EXPECT_EQ(popped, pushed);
	EXPECT_EQ(q->dropped, 0u);
}

TEST(NatQueue, OverflowCountsLost)
{
	auto q = make_queue();
	NatEvent e{};
	for (uint32_t i = 0; i < NatQueue::capacity - 1; i++) {
		e.time_ms = i;
		ASSERT_TRUE(q->push(e));
	}
	// Room for one: of three creates and two destroys, the first is taken.
	Buf buf = cat({new_event(snat_orig, snat_reply, snat_status), new_event(dnat_orig, dnat_reply, dnat_status),
		       destroy_event(dnat_orig, dnat_reply, dnat_status), new_event(full_orig, full_reply, full_status),
		       destroy_event(snat_orig, snat_reply, snat_status)});
	NatStats s{};
	feed(buf, *q, s);
	EXPECT_EQ(q->size(), NatQueue::capacity);
	EXPECT_EQ(s.starts, 1u);
	EXPECT_EQ(s.stops, 0u);
	EXPECT_EQ(s.lost, 4u);
	EXPECT_EQ(q->dropped, 4u);
	EXPECT_EQ(s.malformed, 0u);
	// The queue is still in order, the taken event last.
	NatEvent out;
	ASSERT_TRUE(q->pop(out));
	EXPECT_EQ(out.time_ms, 0u);
	for (uint32_t i = 1; i < NatQueue::capacity - 1; i++)
		ASSERT_TRUE(q->pop(out));
	ASSERT_TRUE(q->pop(out));
	EXPECT_EQ(out.pre_sport.host(), 40001);
	EXPECT_EQ(out.time_ms, now_ms);
	EXPECT_FALSE(q->pop(out));
	// Once drained, events are taken again.
	feed(destroy_event(snat_orig, snat_reply, snat_status), *q, s);
	EXPECT_EQ(s.stops, 1u);
	EXPECT_EQ(s.lost, 4u);
}
