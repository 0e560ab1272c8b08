// SPDX-License-Identifier: GPL-2.0
// libFuzzer target: the packet parsers, parse_packet() and parse_plain_ipv4()
// (kmod/core/packet).
//
// Input: one control byte, a 16-bit wire-length slack, then the bytes from
// the IP header on (the "copy" the glue would hand over).
//   ctl & 3     family: 0 IPv4, 1 IPv6, 2 from the version nibble, 3 the
//               raw control byte (almost always a bad family)
//   ctl & 4     wire_len = copy - slack (a lying skb); else copy + slack
//   ctl & 8     wire_len = the 16-bit slack itself
// The copy is passed in an exactly-sized heap buffer so ASan sees any read
// past it; when it is longer than NF_MAX_HEADER_BYTES the first 256 bytes
// are parsed too (what the glue really passes).
//
// Invariants checked on top of ASan/UBSan (contract in parser.hpp):
//   * `out` is fully written: parsing into 0x00- and 0xa5-filled structs
//     gives byte-identical results (key padding included: keys are hashed
//     and compared as raw bytes);
//   * ok => family as asked, ip_len <= wire_len and >= the IP header,
//     addresses/proto/TOS are the header's bytes, key padding and iif zero,
//     flow label < 2^20, no undefined extension-header bits, TCP-only facts
//     only for TCP, IPv4 ports/flags read from the right offset;
//   * only bytes inside the IP length matter: with wire_len = ip_len, or
//     with the copy cut to ip_len, an ok parse gives the same facts;
//   * parse_plain_ipv4() (the packet path's inline parser for plain IPv4
//     TCP/UDP) takes only packets parse_packet() accepts, with the same facts.
#include <memory>

#include "common.hpp"
#include "core/packet/parser.hpp"
#include "plain_parse_check.hpp"

using namespace netflow;
using fuzz::be16;

namespace {

struct Result {
	ParseStatus st;
	PacketFacts f;
};

Result parse(const uint8_t* data, size_t n, uint32_t wire_len, uint8_t family, uint8_t fill)
{
	// Exactly n bytes on the heap: an overread is an ASan report.
	std::unique_ptr<uint8_t[]> copy(new uint8_t[n ? n : 1]);
	if (n)
		std::memcpy(copy.get(), data, n);
	Result r;
	std::memset(&r.f, fill, sizeof(r.f));
	r.st = parse_packet(ktl::Bytes(copy.get(), n), wire_len, family, r.f);
	return r;
}

bool same(const Result& a, const Result& b)
{
	return a.st == b.st && std::memcmp(&a.f, &b.f, sizeof(a.f)) == 0;
}

void dump(const uint8_t* data, size_t n, uint32_t wire_len, uint8_t family)
{
	std::fprintf(stderr, "family %u wire_len %u\n", family, wire_len);
	fuzz::hexdump("l3", data, n);
}

void check_ok(const uint8_t* d, size_t n, uint32_t wire_len, uint8_t family, const PacketFacts& f)
{
	FUZZ_CHECK(f.family == family, "family %u, asked %u", f.family, family);
	FUZZ_CHECK(f.ip_len <= wire_len, "ip_len %u > wire_len %u", f.ip_len, wire_len);
	if (family == NF_FAMILY_IPV4) {
		const Ipv4Key& k = f.key.v4;
		FUZZ_CHECK(n >= 20);
		const uint32_t hlen = (d[0] & 0x0f) * 4u;
		FUZZ_CHECK(d[0] >> 4 == 4);
		FUZZ_CHECK(f.ip_len == be16(d + 2) && f.ip_len >= hlen && hlen >= 20);
		FUZZ_CHECK(std::memcmp(&k.src, d + 12, 4) == 0 && std::memcmp(&k.dst, d + 16, 4) == 0);
		FUZZ_CHECK(k.proto == d[9] && k.tos == d[1]);
		FUZZ_CHECK(k.iif == 0 && k.src_mask == 0 && k.dst_mask == 0);	// non-key tail zero
		FUZZ_CHECK(f.flow_label == 0 && f.ext_hdrs == 0);
		FUZZ_CHECK(hlen > 20 || f.ip_options == 0, "options bitmap without options");
		const uint16_t frag = be16(d + 6);
		FUZZ_CHECK(f.fragment == ((frag & 0x3fff) != 0));
		const uint32_t off = hlen;
		const bool readable4 = off + 4 <= n && off + 4 <= f.ip_len;
		if (frag & 0x1fff) {
			FUZZ_CHECK(k.sport.raw() == 0 && k.dport.raw() == 0, "ports in a non-first fragment");
			FUZZ_CHECK(f.tcp_flags == 0 && f.tcp_options == 0);
		} else if ((k.proto == 6 || k.proto == 17 || k.proto == 136 || k.proto == 132 || k.proto == 50) &&
			   readable4) {
			FUZZ_CHECK(be16(d + off) == k.sport.host() && be16(d + off + 2) == k.dport.host(),
				   "ports not from offset %u", off);
		} else if ((k.proto == 1) && off + 2 <= n && off + 2 <= f.ip_len) {
			FUZZ_CHECK(k.sport.raw() == 0 && k.dport.host() == be16(d + off), "ICMP type/code");
		}
		if (k.proto == 6 && !(frag & 0x1fff) && off + 14 <= n && off + 14 <= f.ip_len)
			FUZZ_CHECK(f.tcp_flags == d[off + 13], "TCP flags");
	} else {
		const Ipv6Key& k = f.key.v6;
		FUZZ_CHECK(n >= 40 && d[0] >> 4 == 6);
		FUZZ_CHECK(f.ip_len == be16(d + 4) + 40u && f.ip_len > 40);
		FUZZ_CHECK(std::memcmp(k.src, d + 8, 16) == 0 && std::memcmp(k.dst, d + 24, 16) == 0);
		FUZZ_CHECK(k.tclass == uint8_t(d[0] << 4 | d[1] >> 4));
		FUZZ_CHECK(f.flow_label == (uint32_t(d[1] & 0x0f) << 16 | be16(d + 2)));
		FUZZ_CHECK(k.iif == 0 && k.ext_hdrs == 0);	// non-key tail zero
		FUZZ_CHECK(f.ip_options == 0);
		// Bits this parser can set: dst hop nonext FRA0 routing FRA1 mob esp ah pay.
		FUZZ_CHECK((f.ext_hdrs & ~uint16_t(0xf077)) == 0, "ext_hdrs %#x", f.ext_hdrs);
		if (f.ext_hdrs & ipv6_ext::frag_rest)
			FUZZ_CHECK(f.fragment && k.sport.raw() == 0 && k.dport.raw() == 0 && f.tcp_flags == 0);
		if (d[6] == 17 || d[6] == 6)	// no extension header: L4 at 40
			if (48 <= n && 48 <= f.ip_len)
				FUZZ_CHECK(be16(d + 40) == k.sport.host() && be16(d + 42) == k.dport.host());
	}
	const uint8_t proto = family == NF_FAMILY_IPV4 ? f.key.v4.proto : f.key.v6.proto;
	if (proto != 6)
		FUZZ_CHECK(f.tcp_flags == 0 && f.tcp_options == 0, "TCP facts for protocol %u", proto);
	static const uint8_t with_ports[] = {1, 2, 6, 17, 50, 51, 58, 132, 136};
	bool known = false;
	for (uint8_t p : with_ports)
		known |= p == proto;
	if (!known) {
		const Be16 sp = family == NF_FAMILY_IPV4 ? f.key.v4.sport : f.key.v6.sport;
		const Be16 dp = family == NF_FAMILY_IPV4 ? f.key.v4.dport : f.key.v6.dport;
		FUZZ_CHECK(sp.raw() == 0 && dp.raw() == 0, "ports for protocol %u", proto);
	}
}

void run(const uint8_t* d, size_t n, uint32_t wire_len, uint8_t family)
{
	const Result a = parse(d, n, wire_len, family, 0x00);
	const Result b = parse(d, n, wire_len, family, 0xa5);
	if (!same(a, b)) {
		dump(d, n, wire_len, family);
		FUZZ_CHECK(false, "result depends on what `out` held before (status %d/%d)", int(a.st), int(b.st));
	}
	// The packet path's inline parser, where it takes a packet, agrees.
	if (family == NF_FAMILY_IPV4 &&
	    test::check_plain_ipv4(d, n, wire_len, a.f, a.st) == test::PlainVerdict::differs) {
		dump(d, n, wire_len, family);
		FUZZ_CHECK(false, "parse_plain_ipv4 disagrees with parse_packet (status %d)", int(a.st));
	}
	if (a.st != ParseStatus::ok)
		return;
	check_ok(d, n, wire_len, family, a.f);

	// Nothing past the IP length, and no wire_len beyond it, may matter.
	const uint32_t ip_len = a.f.ip_len;
	const Result c = parse(d, n, ip_len, family, 0x5a);
	if (!same(a, c)) {
		dump(d, n, wire_len, family);
		FUZZ_CHECK(false, "wire_len %u vs ip_len %u changes the result", wire_len, ip_len);
	}
	if (n > ip_len) {
		const Result e = parse(d, ip_len, wire_len, family, 0x00);
		if (!same(a, e)) {
			dump(d, n, wire_len, family);
			FUZZ_CHECK(false, "bytes past ip_len %u change the result", ip_len);
		}
	}
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
	if (size < 3)
		return 0;
	const uint8_t ctl = data[0];
	const uint16_t slack = be16(data + 1);
	const uint8_t* l3 = data + 3;
	const size_t n = size - 3;
	uint8_t family;
	switch (ctl & 3) {
	case 0: family = NF_FAMILY_IPV4; break;
	case 1: family = NF_FAMILY_IPV6; break;
	case 2: family = n ? uint8_t(l3[0] >> 4) : NF_FAMILY_IPV4; break;
	default: family = ctl; break;
	}
	uint32_t wire_len;
	if (ctl & 8)
		wire_len = slack;
	else if (ctl & 4)
		wire_len = uint32_t(n > slack ? n - slack : 0);
	else
		wire_len = uint32_t(n + slack);

	run(l3, n, wire_len, family);
	if (n > NF_MAX_HEADER_BYTES)	// what the glue passes
		run(l3, NF_MAX_HEADER_BYTES, wire_len, family);
	return 0;
}
