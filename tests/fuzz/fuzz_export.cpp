// SPDX-License-Identifier: GPL-2.0
// libFuzzer target: the whole core end to end, on the fake platform
// (tests/unit/platform_user.cpp).  Each input builds a fresh core with
// nfc_init() and drives it with a program of operations decoded by
// FuzzedDataProvider:
//
//   packets (built IPv4/IPv6 TCP/UDP/ICMP/... with options, fragments and
//   extension-header chains, or raw bytes) through nfc_account() on random
//   CPUs; bursts of distinct flows; jiffies advances; nfc_export() due/all;
//   protocol switches 5/9/10 (and invalid ones); nfc_set() of any setting;
//   destinations that take or refuse datagrams; ctnetlink NAT events
//   through nfc_nat_input(); aggregation rules; table resizes; template
//   re-sends; stats resets; slab allocation failures; the /proc formatters
//   into exactly-sized buffers.
//
// Every datagram nfp_send() receives is decoded and checked:
//   v5     version, count 1..30, length 24 + 48*count, uptime/clock fields,
//          flow_sequence = records before, engine id, zero pads, First <=
//          Last <= uptime, octets >= 20 * packets;
//   v9     version, header count = template + data records, length <= 1420,
//          sequence +1 per message within a protocol session;
//   IPFIX  version, length field = datagram length <= 1416, sequence +=
//          data records within a session;
//   both   sets: length >= 4, multiple of 4, inside the message; set ids
//          valid for the dialect; template records well-formed (ids >= 256,
//          options scope counts/lengths right, no enterprise/varlen fields)
//          and a re-sent template identical to its first definition; each
//          data set uses a template defined earlier in the session, holds
//          >= 1 whole record and < 4 zero padding bytes; flow records have
//          ipVersion 4/6, >= 1 packet, start <= end (<= uptime/now), IPFIX
//          end reason 1..4; NAT records a natEvent of 1 or 2.
// And the conservation laws, at the end (after a final NFC_EXPORT_ALL):
//   packets (bytes) in datagrams a destination took + the exporter's lost
//   packets (bytes) == packets (bytes) accounted into flows;
//   flow records taken + lost flows + parts joined into another part (one
//   record per flow across CPUs) == flows created; the exporter's
//   datagram/byte/flow/error counters agree with what nfp_send() saw;
// plus per packet: accounted + dropped == 1, truncated iff our own parse
// says so; after every step the flow counts agree across CPUs; nfc_exit()
// leaves no slab object, slab or large allocation behind; no nfp_bug().
#include <fuzzer/FuzzedDataProvider.h>

#include <iterator>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "alloc_cache.hpp"
#include "common.hpp"
#include "core_defaults.hpp"
#include "core/config/aggregation.hpp"
#include "core/core.hpp"
#include "core/packet/parser.hpp"
#include "fake_platform.hpp"

using namespace netflow;
using fuzz::be16;
using fuzz::be32;
using fuzz::be64;
using fuzz::be_n;
using fuzz::Buf;

namespace {

constexpr uint32_t HZ = fake::hz;

// ---- packets -------------------------------------------------------------------

struct Packet {
	Buf copy;	// what the glue copies: min(wire, NF_MAX_HEADER_BYTES) bytes
	uint32_t wire;
	uint8_t family;
};

template <typename T> T pick(FuzzedDataProvider& in, std::initializer_list<T> list)
{
	const size_t i = in.ConsumeIntegralInRange<size_t>(0, list.size() - 1);
	return *(list.begin() + i);
}

void put_addr(FuzzedDataProvider& in, uint8_t* p, bool v6)
{
	const uint8_t which = in.ConsumeIntegralInRange<uint8_t>(0, 7);
	if (which == 7) {
		for (int i = 0; i < (v6 ? 16 : 4); i++)
			p[i] = in.ConsumeIntegral<uint8_t>();
		return;
	}
	if (v6) {
		static const uint8_t base[16] = {0x20, 0x01, 0x0d, 0xb8};
		std::memcpy(p, base, 16);
		p[15] = which;
	} else {
		p[0] = 10, p[1] = 0, p[2] = 0, p[3] = which;
	}
}

uint16_t a_port(FuzzedDataProvider& in)
{
	const uint8_t k = in.ConsumeIntegralInRange<uint8_t>(0, 7);
	if (k == 7)
		return in.ConsumeIntegral<uint16_t>();
	static const uint16_t pool[] = {53, 80, 443, 123, 1024, 40000, 65535};
	return pool[k];
}

// An L4 header for `proto`, with TCP options.
Buf l4_header(FuzzedDataProvider& in, uint8_t proto, uint16_t sport, uint16_t dport)
{
	Buf h;
	switch (proto) {
	case 6: {
		const size_t opt = in.ConsumeIntegralInRange<size_t>(0, 10) * 4;
		h.assign(20 + opt, 0);
		fuzz::put16(h, 0, sport);
		fuzz::put16(h, 2, dport);
		h[12] = uint8_t((5 + opt / 4) << 4);
		h[13] = in.ConsumeIntegral<uint8_t>();
		for (size_t i = 0; i < opt; i++)
			h[20 + i] = in.ConsumeIntegral<uint8_t>();
		break;
	}
	case 17:
	case 136:
		h.assign(8, 0);
		fuzz::put16(h, 0, sport);
		fuzz::put16(h, 2, dport);
		break;
	case 132:
		h.assign(12, 0);
		fuzz::put16(h, 0, sport);
		fuzz::put16(h, 2, dport);
		break;
	case 1:
	case 58:
	case 2:
		h.assign(8, 0);
		h[0] = pick<uint8_t>(in, {0, 3, 8, 11, 128, 129, 0x11, 0x16});
		h[1] = in.ConsumeIntegralInRange<uint8_t>(0, 3);
		break;
	case 50:
		h.assign(8, 0);
		fuzz::put32(h, 0, in.ConsumeIntegral<uint32_t>());
		break;
	case 51:
		h.assign(12, 0);
		h[1] = 1;
		fuzz::put32(h, 4, in.ConsumeIntegral<uint32_t>());
		break;
	default:
		h.assign(in.ConsumeIntegralInRange<size_t>(0, 8), 0);
		break;
	}
	return h;
}

uint8_t a_proto(FuzzedDataProvider& in)
{
	return pick<uint8_t>(in, {6, 6, 17, 17, 1, 2, 50, 51, 132, 136, 58, 47, 255});
}

Packet build_packet(FuzzedDataProvider& in)
{
	Packet pk;
	const uint8_t kind = in.ConsumeIntegral<uint8_t>();
	if (kind < 16) {	// raw bytes
		pk.family = (kind & 1) ? NF_FAMILY_IPV6 : NF_FAMILY_IPV4;
		pk.copy = in.ConsumeBytes<uint8_t>(in.ConsumeIntegralInRange<size_t>(0, NF_MAX_HEADER_BYTES));
		pk.wire = uint32_t(pk.copy.size()) + in.ConsumeIntegralInRange<uint32_t>(0, 64);
		return pk;
	}
	const bool v6 = kind % 3 == 0;
	pk.family = v6 ? NF_FAMILY_IPV6 : NF_FAMILY_IPV4;
	const uint8_t proto = a_proto(in);
	const uint16_t sport = a_port(in), dport = a_port(in);
	Buf hdr;
	if (!v6) {
		const size_t opt = in.ConsumeBool() ? in.ConsumeIntegralInRange<size_t>(0, 10) * 4 : 0;
		hdr.assign(20 + opt, 0);
		hdr[0] = uint8_t(0x40 | (5 + opt / 4));
		hdr[1] = in.ConsumeIntegral<uint8_t>();
		hdr[8] = 64;
		hdr[9] = proto;
		put_addr(in, &hdr[12], false);
		put_addr(in, &hdr[16], false);
		for (size_t i = 0; i < opt; i++)
			hdr[20 + i] = in.ConsumeIntegral<uint8_t>();
		const uint8_t frag = in.ConsumeIntegralInRange<uint8_t>(0, 15);
		if (frag == 1)
			fuzz::put16(hdr, 6, 0x2000);	// MF, first fragment
		else if (frag == 2)
			fuzz::put16(hdr, 6, uint16_t(in.ConsumeIntegralInRange<uint16_t>(1, 0x1fff) |
						    (in.ConsumeBool() ? 0x2000 : 0)));
		else
			fuzz::put16(hdr, 6, 0x4000);	// DF
	} else {
		hdr.assign(40, 0);
		const uint8_t tclass = in.ConsumeIntegral<uint8_t>();
		const uint32_t label = in.ConsumeBool() ? in.ConsumeIntegral<uint32_t>() & 0xfffff : 0;
		hdr[0] = uint8_t(0x60 | tclass >> 4);
		hdr[1] = uint8_t(tclass << 4 | label >> 16);
		hdr[2] = uint8_t(label >> 8);
		hdr[3] = uint8_t(label);
		hdr[7] = 64;
		put_addr(in, &hdr[8], true);
		put_addr(in, &hdr[24], true);
		// Extension headers.
		const size_t n = in.ConsumeIntegralInRange<size_t>(0, 3) == 0 ? in.ConsumeIntegralInRange<size_t>(1, 5) : 0;
		size_t next_at = 6;	// where the "next header" byte of the last header is
		for (size_t i = 0; i < n; i++) {
			const uint8_t t = pick<uint8_t>(in, {0, 43, 44, 60, 51, 135});
			hdr[next_at] = t;
			const size_t at = hdr.size();
			if (t == 44) {
				hdr.resize(at + 8, 0);
				const uint8_t f = in.ConsumeIntegralInRange<uint8_t>(0, 3);
				uint16_t fo = 0;
				if (f == 1)
					fo = 1;	// M, offset 0
				else if (f == 2)
					fo = uint16_t(in.ConsumeIntegralInRange<uint16_t>(1, 0x1fff) << 3);
				fuzz::put16(hdr, at + 2, fo);
				fuzz::put32(hdr, at + 4, in.ConsumeIntegral<uint32_t>());
			} else if (t == 51) {
				const uint8_t units = in.ConsumeIntegralInRange<uint8_t>(1, 4);
				hdr.resize(at + (units + 2) * 4u, 0);
				hdr[at + 1] = units;
			} else {
				const uint8_t units = in.ConsumeIntegralInRange<uint8_t>(0, 2);
				hdr.resize(at + (units + 1) * 8u, 0);
				hdr[at + 1] = units;
				if (units)
					hdr[at + 2] = 1;	// PadN
			}
			next_at = at;
		}
		hdr[next_at] = proto;
	}
	const Buf l4 = l4_header(in, proto, sport, dport);
	hdr.insert(hdr.end(), l4.begin(), l4.end());
	const uint32_t payload = in.ConsumeBool() ? in.ConsumeIntegralInRange<uint32_t>(0, 64)
						  : in.ConsumeIntegralInRange<uint32_t>(0, 1500);
	uint32_t total = std::min<uint32_t>(uint32_t(hdr.size()) + payload, 65535);
	if (total < 41 && v6)
		total = 41;
	if (!v6)
		fuzz::put16(hdr, 2, uint16_t(total));
	else
		fuzz::put16(hdr, 4, uint16_t(total - 40));
	if (proto == 17 && hdr.size() >= 8)
		fuzz::put16(hdr, hdr.size() - l4.size() + 4, uint16_t(total - (hdr.size() - l4.size())));

	Buf full = hdr;
	full.resize(std::max<size_t>(total, hdr.size()), 0);
	pk.wire = total + (in.ConsumeIntegralInRange<uint8_t>(0, 7) == 0 ? in.ConsumeIntegralInRange<uint32_t>(1, 64) : 0);
	pk.copy.assign(full.begin(), full.begin() + std::min<size_t>(std::min<size_t>(full.size(), pk.wire),
									    NF_MAX_HEADER_BYTES));
	if (in.ConsumeIntegralInRange<uint8_t>(0, 15) == 0 && !pk.copy.empty()) {	// damage one byte
		const size_t at = in.ConsumeIntegralInRange<size_t>(0, pk.copy.size() - 1);
		pk.copy[at] ^= in.ConsumeIntegralInRange<uint8_t>(1, 255);
	}
	return pk;
}

// ---- ctnetlink messages ---------------------------------------------------------

void attr(Buf& b, uint16_t type, const Buf& payload)
{
	const size_t at = b.size();
	b.resize(at + 4, 0);
	fuzz::puth16(b, at, uint16_t(4 + payload.size()));
	fuzz::puth16(b, at + 2, type);
	b.insert(b.end(), payload.begin(), payload.end());
	while (b.size() % 4)
		b.push_back(0);
}

Buf be_bytes(uint64_t v, size_t n)
{
	Buf b(n);
	for (size_t i = n; i-- > 0; v >>= 8)
		b[i] = uint8_t(v);
	return b;
}

Buf tuple(FuzzedDataProvider& in, uint8_t proto)
{
	Buf ip, pr, t;
	Buf a(4);
	put_addr(in, a.data(), false);
	attr(ip, 1, a);
	put_addr(in, a.data(), false);
	attr(ip, 2, a);
	attr(pr, 1, Buf{proto});
	attr(pr, 2 | 0x4000, be_bytes(a_port(in), 2));
	attr(pr, 3 | 0x4000, be_bytes(a_port(in), 2));
	attr(t, 1 | 0x8000, ip);
	attr(t, 2 | 0x8000, pr);
	return t;
}

Buf nat_message(FuzzedDataProvider& in)
{
	const uint8_t kind = in.ConsumeIntegralInRange<uint8_t>(0, 3);
	const uint16_t type = uint16_t(1 << 8 | (kind == 1 ? 2 : kind == 3 ? 1 : 0));
	const uint16_t flags = kind == 0 ? 0x400 : 0;
	const uint8_t proto = pick<uint8_t>(in, {6, 17, 1});
	Buf body = {2, 0, 0, 0};	// nfgenmsg: AF_INET
	attr(body, 1 | 0x8000, tuple(in, proto));
	attr(body, 2 | 0x8000, tuple(in, proto));
	attr(body, 3 | 0x4000, be_bytes(pick<uint32_t>(in, {0x10, 0x20, 0x30, 0x0, 0x1b8}), 4));
	if (in.ConsumeBool()) {
		Buf ts;
		attr(ts, 1 | 0x4000, be_bytes(in.ConsumeIntegral<uint64_t>() % (4000000000ull * 1000000000ull), 8));
		attr(ts, 2 | 0x4000, be_bytes(in.ConsumeIntegral<uint64_t>() % (4000000000ull * 1000000000ull), 8));
		attr(body, 20 | 0x8000, ts);
	}
	Buf m(16, 0);
	fuzz::puth32(m, 0, uint32_t(16 + body.size()));
	fuzz::puth16(m, 4, type);
	fuzz::puth16(m, 6, flags);
	m.insert(m.end(), body.begin(), body.end());
	if (in.ConsumeIntegralInRange<uint8_t>(0, 7) == 0) {
		const size_t at = in.ConsumeIntegralInRange<size_t>(0, m.size() - 1);
		m[at] ^= in.ConsumeIntegralInRange<uint8_t>(1, 255);
	}
	return m;
}

// ---- datagram checking ----------------------------------------------------------

struct TField {
	uint16_t type, len;
	bool operator==(const TField& o) const { return type == o.type && len == o.len; }
};
struct TDef {
	bool options = false;
	uint16_t scope = 0;	// IPFIX scope field count, v9 scope length
	std::vector<TField> fields;
	size_t rec = 0;
	bool operator==(const TDef& o) const
	{
		return options == o.options && scope == o.scope && fields == o.fields;
	}
};

struct Totals {
	uint64_t pkts = 0, bytes = 0, flows = 0, datagrams = 0, dgram_bytes = 0, errors = 0;
};

struct Checker {
	std::map<uint16_t, TDef> templates;	// this protocol session's
	std::map<uint16_t, size_t> defined_in;	// datagram number of each template's last definition
	uint32_t max_refresh = 0;		// the largest refresh-rate in force so far
	bool have_v9 = false, have_ipfix = false;
	uint32_t v9_next = 0, ipfix_next = 0;
	uint32_t v5_next = 0;	// flow_sequence: all v5 records before, ever
	Totals taken;		// in datagrams a destination took
	int send_result = 1;
	uint32_t protocol = 5;	// what every datagram must be (the old one during a switch)
	// Engine ids that were in force since the last datagram went out, other
	// than the current one (records of a pending message were written then).
	std::vector<uint32_t> old_ids;	// engine_ids replaced since the previous datagram
	uint32_t msg_domain = 0;	// the domain in the header of the datagram being checked
	// A datagram carries the engine_id in force when it was begun: the
	// current one, or one replaced since the previous datagram (KB2).
	bool domain_ok(uint32_t id, uint32_t mask) const
	{
		bool ok = id == (nfc_get(NFC_ENGINE_ID) & mask);
		for (uint32_t o : old_ids)
			ok |= id == (o & mask);
		return ok;
	}
	size_t seen = 0;	// datagrams checked

	void new_session()
	{
		templates.clear();
		defined_in.clear();
		have_v9 = have_ipfix = false;
	}
	void datagram(const Buf& d);
	void v5(const Buf& d, bool ok);
	void templated(const Buf& d, bool ipfix, bool ok);
	size_t template_set(const uint8_t* p, size_t n, bool ipfix, bool options);
	void data_record(const TDef& t, const uint8_t* p, bool ipfix, uint32_t uptime, uint32_t unix_secs, bool ok);
};

void fail_datagram(const Buf& d)
{
	fuzz::hexdump("datagram", d.data(), d.size());
}

#define DG_CHECK(cond, ...)                                                    \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fail_datagram(d);                                      \
			FUZZ_CHECK(cond, __VA_ARGS__);                         \
		}                                                              \
	} while (0)

uint32_t uptime_now() { return uint32_t(fake::jiffies() * (1000 / HZ)); }

bool dump_datagrams = false;	// FUZZ_DUMP=1: every datagram in hex on stderr

void Checker::datagram(const Buf& d)
{
	seen++;
	if (dump_datagrams)
		fuzz::hexdump(send_result > 0 ? "datagram (taken)" : "datagram (refused)", d.data(), d.size());
	const bool ok = send_result > 0;
	if (ok) {
		taken.datagrams++;
		taken.dgram_bytes += d.size();
	} else {
		taken.errors++;
	}
	DG_CHECK(d.size() >= 2, "runt datagram");
	DG_CHECK(be16(d.data()) == protocol, "a version %u datagram under protocol %u", be16(d.data()), protocol);
	switch (be16(d.data())) {
	case 5:
		v5(d, ok);
		break;
	case 9:
		templated(d, false, ok);
		break;
	case 10:
		templated(d, true, ok);
		break;
	default:
		DG_CHECK(false, "version %u", be16(d.data()));
	}
	old_ids.clear();
}

void Checker::v5(const Buf& d, bool ok)
{
	DG_CHECK(d.size() >= 24, "v5 header cut");
	const uint16_t count = be16(&d[2]);
	DG_CHECK(count >= 1 && count <= 30, "v5 count %u", count);
	DG_CHECK(d.size() == 24 + 48u * count, "v5 length %zu for %u records", d.size(), count);
	const uint32_t uptime = be32(&d[4]);
	DG_CHECK(uptime == uptime_now(), "v5 uptime %u, now %u", uptime, uptime_now());
	uint64_t sec;
	uint32_t nsec;
	nfp_wallclock(&sec, &nsec);
	DG_CHECK(be32(&d[8]) == uint32_t(sec) && be32(&d[12]) == nsec && nsec < 1000000000u, "v5 clock");
	DG_CHECK(be32(&d[16]) == v5_next, "v5 flow_sequence %u, expected %u", be32(&d[16]), v5_next);
	v5_next += count;
	DG_CHECK(d[20] == 0 && domain_ok(d[21], 0xff) && be16(&d[22]) == 0, "v5 engine/sampling");
	for (unsigned i = 0; i < count; i++) {
		const uint8_t* r = &d[24 + 48 * i];
		DG_CHECK(r[36] == 0 && r[46] == 0 && r[47] == 0, "v5 record %u: pad bytes", i);
		const uint32_t pkts = be32(r + 16), octets = be32(r + 20), first = be32(r + 24), last = be32(r + 28);
		if (pkts == 0) {	// a NAT event pseudo-flow
			DG_CHECK(octets == 0 && first == last && (r[37] == 0x12 || r[37] == 0x05), "v5 NAT record %u", i);
			continue;
		}
		DG_CHECK(octets >= 20ull * pkts || octets == 0xffffffffu, "v5 record %u: %u octets for %u packets", i,
			 octets, pkts);
		DG_CHECK(uint32_t(uptime - last) <= uint32_t(uptime - first) && uint32_t(uptime - first) < (1u << 31),
			 "v5 record %u: First %u Last %u uptime %u", i, first, last, uptime);
		if (ok) {
			taken.pkts += pkts;
			taken.bytes += octets;
			taken.flows++;
		}
	}
}

// Template records in one template set body; returns how many.
size_t Checker::template_set(const uint8_t* p, size_t n, bool ipfix, bool options)
{
	const Buf d(p, p + n);	// for DG_CHECK's dump
	size_t off = 0, count = 0;
	const size_t head = options ? 6 : 4;
	while (n - off >= head) {
		TDef t;
		t.options = options;
		const uint16_t id = be16(p + off);
		DG_CHECK(id >= 256, "template id %u", id);
		size_t nfields;
		if (!options) {
			nfields = be16(p + off + 2);
		} else if (ipfix) {
			nfields = be16(p + off + 2);
			t.scope = be16(p + off + 4);
			DG_CHECK(t.scope >= 1 && t.scope <= nfields, "IPFIX options template %u: scope %u of %zu", id,
				 t.scope, nfields);
		} else {
			const uint16_t scope_len = be16(p + off + 2), opt_len = be16(p + off + 4);
			DG_CHECK(scope_len >= 4 && scope_len % 4 == 0 && opt_len % 4 == 0,
				 "v9 options template %u: scope %u option %u", id, scope_len, opt_len);
			t.scope = scope_len;
			nfields = (scope_len + opt_len) / 4u;
		}
		DG_CHECK(nfields >= 1, "template %u without fields", id);
		off += head;
		DG_CHECK(n - off >= nfields * 4, "template %u cut", id);
		for (size_t i = 0; i < nfields; i++, off += 4) {
			TField f{be16(p + off), be16(p + off + 2)};
			DG_CHECK(!(ipfix && (f.type & 0x8000)), "enterprise field in template %u", id);
			DG_CHECK(f.len >= 1 && f.len != 0xffff, "template %u field %u: length %u", id, f.type, f.len);
			t.fields.push_back(f);
			t.rec += f.len;
		}
		auto it = templates.find(id);
		if (it != templates.end())
			DG_CHECK(it->second == t, "template %u redefined differently in one session", id);
		templates[id] = t;
		defined_in[id] = seen;
		count++;
	}
	for (; off < n; off++)
		DG_CHECK(p[off] == 0, "template set padding");
	return count;
}

void Checker::data_record(const TDef& t, const uint8_t* p, bool ipfix, uint32_t uptime, uint32_t unix_secs, bool ok)
{
	const Buf d(p, p + t.rec);
	if (t.options) {
		for (const TField& f : t.fields) {
			if (f.type == 149) {	// observationDomainId: the message's domain
				const uint64_t id = be_n(p, f.len);
				DG_CHECK(id == msg_domain, "options record observationDomainId %llu in a message of domain %u",
					 (unsigned long long)id, msg_domain);
			}
			p += f.len;
		}
		return;
	}
	bool has_pkts = false;
	uint64_t pkts = 0, octets = 0, start = 0, end = 0;
	int version = -1, addr_family = 0, reason = -1, nat = -1;
	bool has_start = false;
	for (const TField& f : t.fields) {
		const uint64_t v = f.len <= 8 ? be_n(p, f.len) : 0;
		switch (f.type) {
		case 2: has_pkts = true; pkts = v; break;
		case 1: octets = v; break;
		case 60: version = int(v); break;
		case 8: addr_family = 4; break;
		case 27: addr_family = 6; break;
		case 21: case 153: end = v; break;
		case 22: case 152: start = v; has_start = true; break;
		case 136: reason = int(v); break;
		case 230: nat = int(v); break;
		default: break;
		}
		p += f.len;
	}
	if (nat >= 0) {
		DG_CHECK(nat == 1 || nat == 2, "natEvent %d", nat);
		return;
	}
	if (!has_pkts)
		return;
	DG_CHECK(version == 4 || version == 6, "ipVersion %d", version);
	DG_CHECK(addr_family == version, "ipVersion %d with IPv%d addresses", version, addr_family);
	DG_CHECK(pkts >= 1 && octets >= pkts * (version == 4 ? 20 : 41), "%llu packets, %llu octets",
		 (unsigned long long)pkts, (unsigned long long)octets);
	DG_CHECK(has_start, "no flow start");
	if (ipfix) {
		DG_CHECK(reason >= 1 && reason <= 4, "flowEndReason %d", reason);
		DG_CHECK(start <= end && end <= uint64_t(unix_secs) * 1000 + 999, "start %llu end %llu export %u",
			 (unsigned long long)start, (unsigned long long)end, unix_secs);
	} else {
		const uint32_t s = uint32_t(start), e = uint32_t(end);
		DG_CHECK(uint32_t(uptime - e) <= uint32_t(uptime - s) && uint32_t(uptime - s) < (1u << 31),
			 "v9 start %u end %u uptime %u", s, e, uptime);
	}
	if (ok) {
		taken.pkts += pkts;
		taken.bytes += octets;
		taken.flows++;
	}
}

void Checker::templated(const Buf& d, bool ipfix, bool ok)
{
	const size_t hdr = ipfix ? 16 : 20;
	DG_CHECK(d.size() >= hdr + 4, "message without a set");
	DG_CHECK(d.size() <= hdr + 1400, "message of %zu bytes", d.size());
	uint64_t sec;
	uint32_t nsec;
	nfp_wallclock(&sec, &nsec);
	uint32_t uptime = 0, unix_secs, seq;
	if (ipfix) {
		DG_CHECK(be16(&d[2]) == d.size(), "IPFIX length %u, datagram %zu", be16(&d[2]), d.size());
		unix_secs = be32(&d[4]);
		seq = be32(&d[8]);
		msg_domain = be32(&d[12]);
		DG_CHECK(domain_ok(msg_domain, ~0u), "observation domain %u", msg_domain);
		if (have_ipfix)
			DG_CHECK(seq == ipfix_next, "IPFIX sequence %u, expected %u", seq, ipfix_next);
	} else {
		uptime = be32(&d[4]);
		DG_CHECK(uptime == uptime_now(), "v9 uptime %u, now %u", uptime, uptime_now());
		unix_secs = be32(&d[8]);
		seq = be32(&d[12]);
		msg_domain = be32(&d[16]);
		DG_CHECK(domain_ok(msg_domain, ~0u), "source id %u", msg_domain);
		if (have_v9)
			DG_CHECK(seq == v9_next, "v9 sequence %u, expected %u", seq, v9_next);
	}
	DG_CHECK(unix_secs == uint32_t(sec), "export time %u, wall clock %llu", unix_secs, (unsigned long long)sec);

	const uint16_t tmpl_id = ipfix ? 2 : 0, opt_id = ipfix ? 3 : 1;
	size_t records = 0, data_records = 0;
	size_t off = hdr;
	while (off < d.size()) {
		DG_CHECK(d.size() - off >= 4, "set header cut at %zu", off);
		const uint16_t id = be16(&d[off]), len = be16(&d[off + 2]);
		DG_CHECK(len >= 4 && len <= d.size() - off, "set %u at %zu: length %u", id, off, len);
		DG_CHECK(len % 4 == 0, "set %u at %zu: length %u is not a multiple of 4", id, off, len);
		const uint8_t* body = &d[off + 4];
		const size_t blen = len - 4u;
		if (id == tmpl_id || id == opt_id) {
			const size_t n = template_set(body, blen, ipfix, id == opt_id);
			DG_CHECK(n >= 1, "empty template set at %zu", off);
			records += n;
		} else {
			DG_CHECK(id >= 256, "set id %u", id);
			auto it = templates.find(id);
			DG_CHECK(it != templates.end(), "data set %u before its template", id);
			// Re-sent every refresh-rate datagrams: template in message j, then
			// j+1..j+R without it, then again (the original's counting).
			DG_CHECK(seen - defined_in[id] <= size_t(max_refresh) + 1,
				 "template %u last sent %zu datagrams ago, refresh-rate <= %u", id, seen - defined_in[id],
				 max_refresh);
			const TDef& t = it->second;
			DG_CHECK(t.rec >= 4, "template %u: record of %zu bytes", id, t.rec);
			const size_t n = blen / t.rec, pad = blen - n * t.rec;
			DG_CHECK(n >= 1 && pad < 4, "data set %u: %zu bytes for records of %zu", id, blen, t.rec);
			for (size_t i = 0; i < pad; i++)
				DG_CHECK(body[n * t.rec + i] == 0, "data set %u: padding", id);
			for (size_t i = 0; i < n; i++)
				data_record(t, body + i * t.rec, ipfix, uptime, unix_secs, ok);
			records += n;
			data_records += n;
		}
		off += len;
	}
	if (!ipfix)
		DG_CHECK(be16(&d[2]) == records, "v9 count %u, records %zu", be16(&d[2]), records);
	if (ipfix) {
		have_ipfix = true;
		ipfix_next = seq + uint32_t(data_records);
	} else {
		have_v9 = true;
		v9_next = seq + 1;
	}
}

// ---- the program ------------------------------------------------------------------

struct Counters {
	uint64_t pkts = 0, bytes = 0, flows_created = 0;
};

struct Run {
	explicit Run(FuzzedDataProvider& fdp) : in(fdp) {}
	FuzzedDataProvider& in;
	Checker chk;
	Counters acc;
	uint32_t nr_cpus = 1;
	// The exporter's counters summed over stats resets.
	ExportStats sum{}, base{};

	void drain()
	{
		const std::vector<Buf> sent = fake::sent();
		fake::clear_sent();
		for (const Buf& d : sent)
			chk.datagram(d);
	}
	void absorb()
	{
		const ExportStats& s = g_core->exporter.stats;
		sum.datagrams += s.datagrams - base.datagrams;
		sum.bytes += s.bytes - base.bytes;
		sum.flows += s.flows - base.flows;
		sum.errors += s.errors - base.errors;
		sum.lost_pkts += s.lost_pkts - base.lost_pkts;
		sum.lost_bytes += s.lost_bytes - base.lost_bytes;
		sum.lost_flows += s.lost_flows - base.lost_flows;
		sum.joined += s.joined - base.joined;
		base = s;
	}
	void check_flow_counts()
	{
		Core& c = *g_core;
		uint64_t n = 0;
		c.for_each_cpu([&](u32, CpuCache& cc) { n += cc.flows(); });
		FUZZ_CHECK(n == c.nr_flows, "%llu flows cached, nr_flows %u", (unsigned long long)n, c.nr_flows);
		FUZZ_CHECK(c.peak_flows >= c.nr_flows);
		FUZZ_CHECK(fake::bug_count() == 0, "nfp_bug: %s", fake::last_bug().c_str());
	}
	void export_now(nfc_export_mode mode)
	{
		const unsigned worker_cpu = in.ConsumeIntegralInRange<unsigned>(0, 7);
		uint32_t delay;
		// Paced export: 0 = the run used its datagram budget and more is
		// waiting (kmod/core/export/exporter.cpp); the worker calls again.
		for (int runs = 0; (delay = nfc_export(mode, worker_cpu)) == 0; runs++) {
			FUZZ_CHECK(runs < 1000, "paced export does not end");
			drain();
		}
		const uint32_t scan_min = nfc_get(NFC_SCAN_MIN);
		FUZZ_CHECK(delay >= scan_min && delay <= std::max(HZ / 10, scan_min), "delay %u, scan_min %u", delay,
			   scan_min);
		drain();
	}

	void account(unsigned cpu, const Packet& pk, int32_t iif, int32_t oif)
	{
		std::unique_ptr<uint8_t[]> copy(new uint8_t[pk.copy.size() + 1]);
		if (!pk.copy.empty())
			std::memcpy(copy.get(), pk.copy.data(), pk.copy.size());
		const nf_packet p = testpkt::make_nf_packet(copy.get(), uint32_t(pk.copy.size()), pk.wire, pk.family, iif,
							    oif, uint32_t(fake::jiffies()));
		PacketFacts facts;
		const ParseStatus st = parse_packet(ktl::Bytes(copy.get(), p.len), p.wire_len, p.family, facts);

		CpuCache& c = *g_core->cpus[cpu];
		const CpuStats b = c.stats;
		testpkt::account_packet(cpu, p);
		const CpuStats a = c.stats;
		const uint64_t dt = a.pkt_total - b.pkt_total, dd = a.pkt_drop - b.pkt_drop;
		FUZZ_CHECK(dt + dd == 1, "packet counted %llu + %llu times", (unsigned long long)dt,
			   (unsigned long long)dd);
		if (st != ParseStatus::ok) {
			FUZZ_CHECK(dd == 1 && a.trunc == b.trunc + 1 && a.traf_drop - b.traf_drop == pk.wire,
				   "a truncated packet not counted as such");
			return;
		}
		FUZZ_CHECK(a.trunc == b.trunc && a.frag - b.frag == (facts.fragment ? 1u : 0u));
		if (dd) {
			FUZZ_CHECK(a.maxflows_err + a.alloc_err == b.maxflows_err + b.alloc_err + 1, "drop without a reason");
			FUZZ_CHECK(a.traf_drop - b.traf_drop == facts.ip_len);
			return;
		}
		FUZZ_CHECK(a.traf_total - b.traf_total == facts.ip_len);
		acc.pkts++;
		acc.bytes += facts.ip_len;
		if (a.notfound != b.notfound)
			acc.flows_created++;
	}

	int32_t an_ifindex() { return pick<int32_t>(in, {-1, 1, 2, 3, 65535, 70000}); }

	void op_packet()
	{
		const unsigned cpu = in.ConsumeIntegralInRange<unsigned>(0, nr_cpus - 1);
		const Packet pk = build_packet(in);
		const int32_t iif = an_ifindex(), oif = an_ifindex();
		const unsigned repeat = in.ConsumeIntegralInRange<uint8_t>(0, 3) == 0 ? in.ConsumeIntegralInRange<unsigned>(1, 8) : 1;
		for (unsigned i = 0; i < repeat; i++)
			account(cpu, pk, iif, oif);
	}

	// Many distinct flows at once: full v5 datagrams and full messages.
	void op_burst()
	{
		const unsigned cpu = in.ConsumeIntegralInRange<unsigned>(0, nr_cpus - 1);
		Packet pk = build_packet(in);
		const unsigned n = in.ConsumeIntegralInRange<unsigned>(1, 100);
		const size_t at = pk.family == NF_FAMILY_IPV6 ? 23 : 15;	// last byte of the source address
		for (unsigned i = 0; i < n && pk.copy.size() > at + 1; i++) {
			pk.copy[at - 1] = uint8_t(i >> 8);
			pk.copy[at] = uint8_t(i);
			account(cpu, pk, -1, 2);
		}
	}

	void op_advance()
	{
		uint64_t dt;
		switch (in.ConsumeIntegralInRange<uint8_t>(0, 7)) {
		case 0: dt = 1; break;
		case 1: dt = HZ / 10; break;
		case 2: dt = HZ; break;
		case 3: dt = uint64_t(nfc_get(NFC_INACTIVE_TIMEOUT)) * HZ; break;
		case 4: dt = uint64_t(nfc_get(NFC_ACTIVE_TIMEOUT)) * HZ; break;
		case 5: dt = 60 * HZ; break;
		case 6: dt = 300 * HZ; break;
		default: dt = in.ConsumeIntegralInRange<uint64_t>(0, 1 << 22); break;
		}
		fake::advance_jiffies(std::min<uint64_t>(dt, 1 << 22));
	}

	void op_protocol()
	{
		const uint32_t p = pick<uint32_t>(in, {5, 9, 10, 5, 9, 10, 0, 8, 11, 0xffffffffu});
		const uint32_t old = nfc_get(NFC_PROTOCOL);
		const int r = nfc_set(NFC_PROTOCOL, p);
		const bool valid = p == 5 || p == 9 || p == 10;
		FUZZ_CHECK(r == (valid ? 0 : NF_EINVAL) && nfc_get(NFC_PROTOCOL) == (valid ? p : old), "protocol %u", p);
		drain();	// the old protocol's last datagrams
		chk.protocol = nfc_get(NFC_PROTOCOL);
		if (valid && p != old)
			chk.new_session();
	}

	void op_set()
	{
		const unsigned which = in.ConsumeIntegralInRange<unsigned>(0, NFC_NR_SETTINGS - 1);
		const nfc_setting w = static_cast<nfc_setting>(which);
		if (w == NFC_PROTOCOL)
			return op_protocol();
		struct {
			uint32_t min, max;
		} l = {static_cast<uint32_t>(spec_of(w).min), static_cast<uint32_t>(spec_of(w).max)};
		if (spec_of(w).kind == NF_CPU)
			l = {0, 63};	// the CPUs of the userspace platform
		uint32_t v;
		switch (in.ConsumeIntegralInRange<uint8_t>(0, 5)) {
		case 0: v = l.min; break;
		case 1: v = l.max; break;
		case 2: v = l.max + 1; break;
		case 3: v = in.ConsumeIntegralInRange<uint32_t>(l.min, std::min(l.max, l.min + 64)); break;
		case 4: v = in.ConsumeIntegralInRange<uint32_t>(l.min, l.max); break;
		default: v = in.ConsumeIntegral<uint32_t>(); break;
		}
		if (w == NFC_ACTIVE_TIMEOUT || w == NFC_INACTIVE_TIMEOUT)	// keep flows exportable within a run
			v = std::min<uint32_t>(v, 4000);
		const SettingVerdict verdict = expected_verdict(which, v, true);
		const bool valid = verdict == SettingVerdict::accepted;
		const uint32_t old = nfc_get(w);
		if (w == NFC_ENGINE_ID && valid && v != old)
			chk.old_ids.push_back(old);
		if (w == NFC_REFRESH_RATE && valid)
			chk.max_refresh = std::max(chk.max_refresh, v);
		FUZZ_CHECK(nfc_set(w, v) == expected_result(verdict) && nfc_get(w) == (valid ? v : old), "nfc_set(%u, %u)",
			   which, v);
	}

	void op_nat()
	{
		Buf buf;
		const unsigned n = in.ConsumeIntegralInRange<unsigned>(1, 40);
		for (unsigned i = 0; i < n; i++) {
			Buf m = nat_message(in);
			buf.insert(buf.end(), m.begin(), m.end());
		}
		if (in.ConsumeIntegralInRange<uint8_t>(0, 7) == 0) {
			const Buf raw = in.ConsumeBytes<uint8_t>(in.ConsumeIntegralInRange<size_t>(0, 128));
			buf.insert(buf.end(), raw.begin(), raw.end());
		}
		std::unique_ptr<uint8_t[]> copy(new uint8_t[buf.size() + 1]);
		std::memcpy(copy.get(), buf.data(), buf.size());
		nfc_nat_input(copy.get(), buf.size());
	}

	void op_aggregation()
	{
		static const char* const canned[] = {
			"", "10.0.0.0/8=16", "0.0.0.0/0=24,80=8080", "1-1024=1", "10.0.0.0/24=32 53=5353 1000-2000=1500",
			"10.0.0.0/30=8;0.0.0.0/0=0,0-65535=7", "bad", "10.0.0.0/33=1",
		};
		std::string text;
		const size_t k = in.ConsumeIntegralInRange<size_t>(0, std::size(canned));
		text = k < std::size(canned) ? canned[k] : in.ConsumeRandomLengthString(80);
		AggrRules* model = static_cast<AggrRules*>(std::calloc(1, sizeof(AggrRules)));
		ParseError perr{};
		const bool want = parse_aggregation(text.c_str(), *model, perr);
		std::free(model);
		nf_u32 pos = 0;
		const char* why = nullptr;
		const int r = nfc_set_aggregation(text.c_str(), &pos, &why);
		FUZZ_CHECK(r == (want ? 0 : NF_EINVAL), "nfc_set_aggregation(\"%s\") = %d", text.c_str(), r);
		if (!want)
			FUZZ_CHECK(pos == perr.position && why == perr.reason);
	}

	void op_resize()
	{
		const uint32_t size = pick<uint32_t>(in, {256, 300, 1024, 4096, 65536, 0, 255, (1u << 26) + 1});
		const int r = nfc_resize(size);
		const bool valid = expected_verdict(NFC_HASHSIZE, size, false) == SettingVerdict::accepted && size;
		FUZZ_CHECK(r == (valid ? 0 : -22), "nfc_resize(%u) = %d", size, r);
		if (valid) {
			FUZZ_CHECK(nfc_hashsize() == size);
			FUZZ_CHECK(nfc_flow_buckets(0) == std::max((size + nr_cpus - 1) / nr_cpus, 64u));
		}
	}

	void op_format()
	{
		const size_t cap = in.ConsumeBool() ? in.ConsumeIntegralInRange<size_t>(0, 64)
						    : in.ConsumeIntegralInRange<size_t>(0, 4096);
		std::unique_ptr<char[]> buf(new char[cap ? cap : 1]);
		size_t n = 0;
		switch (in.ConsumeIntegralInRange<uint8_t>(0, 4)) {
		case 0: n = nfc_format_stats(buf.get(), cap, "fuzz"); break;
		case 1: n = nfc_format_snmp(buf.get(), cap, in.ConsumeIntegral<uint64_t>()); break;
		case 2: n = nfc_format_flows_header(buf.get(), cap); break;
		case 3: n = nfc_format_aggregation(buf.get(), cap); break;
		default: {
			const unsigned cpu = in.ConsumeIntegralInRange<unsigned>(0, nr_cpus);	// one past the last too
			const uint32_t buckets = nfc_flow_buckets(cpu);
			FUZZ_CHECK(cpu < nr_cpus || buckets == 0);
			uint32_t seq = 0;
			const uint32_t from = in.ConsumeIntegralInRange<uint32_t>(0, buckets + 1);
			for (uint32_t b = from; b < std::min(buckets + 2, from + 64); b++) {
				uint32_t cursor = 0;
				nf_size part;
				while ((part = nfc_format_flows_bucket(cpu, b, &cursor, &seq, buf.get(), cap)) != 0)
					n = std::max(n, part);
			}
			break;
		}
		}
		FUZZ_CHECK(n <= cap, "formatted %zu into %zu", n, cap);
	}

	void op_reset_stats()
	{
		absorb();
		nfc_reset_stats();
		base = g_core->exporter.stats;
	}

	void step()
	{
		switch (in.ConsumeIntegralInRange<uint8_t>(0, 19)) {
		case 0: case 1: case 2: case 3: case 4: op_packet(); break;
		case 5: op_burst(); break;
		case 6: case 7: op_advance(); break;
		case 8: case 9: export_now(NFC_EXPORT_DUE); break;
		case 10: export_now(NFC_EXPORT_ALL); break;
		case 11: op_protocol(); break;
		case 12: op_set(); break;
		case 13: chk.send_result = pick<int>(in, {1, 0, 2, 1}); fake::set_send_result(chk.send_result); break;
		case 14: op_nat(); break;
		case 15: op_aggregation(); break;
		case 16: op_resize(); break;
		case 17: nfc_resend_templates(); break;
		case 18: op_format(); break;
		default:
			if (in.ConsumeBool())
				op_reset_stats();
			else
				fake::fail_slab_allocs(in.ConsumeIntegralInRange<int>(1, 3));
			break;
		}
		drain();
		absorb();
		check_flow_counts();
	}
};

uint32_t a_setting(FuzzedDataProvider& in, std::initializer_list<uint32_t> list, uint32_t lo, uint32_t hi)
{
	const uint32_t v = in.ConsumeBool() ? pick(in, list) : in.ConsumeIntegralInRange<uint32_t>(lo, hi);
	return v;
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***)
{
	dump_datagrams = std::getenv("FUZZ_DUMP") != nullptr;
	return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
	FuzzedDataProvider in(data, size);
	fake::reset();	// zeroes the fake's counters; alloc_cache.cpp's parked blocks stay
	const long parked_before = parked_large_blocks();
	fake::seed_random(in.ConsumeIntegral<uint64_t>());
	const uint64_t start = pick<uint64_t>(in, {0, 1000, (1ull << 32) - 500, (5ull << 32) - 3, 123456789});
	fake::set_jiffies(start);
	fake::set_wallclock(in.ConsumeIntegralInRange<uint64_t>(1000000000, 3000000000u),
			    in.ConsumeIntegralInRange<uint32_t>(0, 999999999));

	nfc_init_args a{};
	a.nr_cpus = in.ConsumeIntegralInRange<uint32_t>(1, 4);
	a.settings[NFC_HASHSIZE] = pick<uint32_t>(in, {256, 512, 1024, 4096});
	a.settings[NFC_INACTIVE_TIMEOUT] = a_setting(in, {1, 2, 15}, 1, 600);
	a.settings[NFC_ACTIVE_TIMEOUT] = a_setting(in, {1, 5, 1800}, 1, 4000);
	a.settings[NFC_MAXFLOWS] = pick<uint32_t>(in, {0, 0, 2000000, 1, 2, 8, 100});
	a.settings[NFC_PROTOCOL] = pick<uint32_t>(in, {5, 9, 10});
	a.settings[NFC_ENGINE_ID] = in.ConsumeIntegral<uint32_t>();
	a.settings[NFC_DEBUG] = 0;
	a.settings[NFC_SCAN_MIN] = a_setting(in, {1, 1, 10}, 1, 1000);
	a.settings[NFC_REFRESH_RATE] = a_setting(in, {1, 2, 20}, 1, 1000000);
	a.settings[NFC_TIMEOUT_RATE] = a_setting(in, {1, 30}, 1, 1440);
	a.settings[NFC_NATEVENTS] = in.ConsumeIntegralInRange<uint32_t>(0, 1);
	a.settings[NFC_NFEVENTS_LIMIT] = pick<uint32_t>(in, {10000, 1, 2});
	a.settings[NFC_TARGETS] = 1;
	a.settings[NFC_PROMISC_MPLS] = NF_PROMISC_MPLS_DEFAULT;

	std::vector<fake::Interface> ifs;
	const unsigned nif = in.ConsumeIntegralInRange<uint8_t>(0, 3) == 0 ? in.ConsumeIntegralInRange<unsigned>(1, 60) : 0;
	for (unsigned i = 0; i < nif; i++)
		ifs.push_back({i + 1, in.ConsumeRandomLengthString(20), in.ConsumeRandomLengthString(40)});
	fake::set_interfaces(ifs);

	FUZZ_CHECK(nfc_init(&a) == 0, "nfc_init failed");
	Run run(in);
	run.nr_cpus = a.nr_cpus;
	run.base = g_core->exporter.stats;
	run.chk.max_refresh = a.settings[NFC_REFRESH_RATE];
	run.chk.protocol = a.settings[NFC_PROTOCOL];

	// Short programs: a run of 10 million inputs must stay affordable.
	for (int ops = 0; ops < 128 && in.remaining_bytes() > 0; ops++)
		run.step();

	// Everything out, then the books must balance.
	fake::fail_slab_allocs(0);
	run.export_now(NFC_EXPORT_ALL);
	run.absorb();
	run.check_flow_counts();
	FUZZ_CHECK(g_core->nr_flows == 0, "%u flows left after exporting all", g_core->nr_flows);
	const Totals& t = run.chk.taken;
	const ExportStats& s = run.sum;
	FUZZ_CHECK(t.pkts + s.lost_pkts == run.acc.pkts, "packets: %llu in datagrams + %llu lost != %llu accounted",
		   (unsigned long long)t.pkts, (unsigned long long)s.lost_pkts, (unsigned long long)run.acc.pkts);
	FUZZ_CHECK(t.bytes + s.lost_bytes == run.acc.bytes, "bytes: %llu in datagrams + %llu lost != %llu accounted",
		   (unsigned long long)t.bytes, (unsigned long long)s.lost_bytes, (unsigned long long)run.acc.bytes);
	FUZZ_CHECK(t.flows + s.lost_flows + s.joined == run.acc.flows_created,
		   "flows: %llu exported + %llu lost + %llu joined != %llu created", (unsigned long long)t.flows,
		   (unsigned long long)s.lost_flows, (unsigned long long)s.joined,
		   (unsigned long long)run.acc.flows_created);
	FUZZ_CHECK(t.flows == s.flows, "flow records %llu, exporter says %llu", (unsigned long long)t.flows,
		   (unsigned long long)s.flows);
	FUZZ_CHECK(t.datagrams == s.datagrams && t.errors == s.errors && t.dgram_bytes == s.bytes,
		   "datagrams %llu/%llu errors %llu/%llu bytes %llu/%llu", (unsigned long long)t.datagrams,
		   (unsigned long long)s.datagrams, (unsigned long long)t.errors, (unsigned long long)s.errors,
		   (unsigned long long)t.dgram_bytes, (unsigned long long)s.bytes);

	nfc_exit();
	// Large blocks newly parked by alloc_cache.cpp for the next input stay counted.
	FUZZ_CHECK(fake::slab_objects_live() == 0 && fake::slabs_live() == 0 &&
			   fake::large_allocs_live() == parked_large_blocks() - parked_before,
		   "leak after nfc_exit: %ld objects, %ld slabs, %ld large (%ld parked)", fake::slab_objects_live(),
		   fake::slabs_live(), fake::large_allocs_live(), parked_large_blocks());
	FUZZ_CHECK(fake::bug_count() == 0, "nfp_bug: %s", fake::last_bug().c_str());
	return 0;
}
