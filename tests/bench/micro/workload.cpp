// SPDX-License-Identifier: GPL-2.0
#include "workload.hpp"

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "fake_platform.hpp"
#include "core_defaults.hpp"

namespace micro {

namespace {

bool running = false;

void put16(uint8_t* b, uint16_t v)
{
	b[0] = uint8_t(v >> 8);
	b[1] = uint8_t(v);
}

} // namespace

void start_core(uint32_t cpus, uint32_t hashsize, uint32_t protocol)
{
	stop_core();
	fake::reset();
	nfc_init_args a = default_init_args(cpus, hashsize);
	a.settings[NFC_PROTOCOL] = protocol;
	if (nfc_init(&a) != 0) {
		std::fprintf(stderr, "micro: nfc_init failed\n");
		std::exit(1);
	}
	running = true;
	fake::set_jiffies(1000);
}

void stop_core()
{
	if (running)
		nfc_exit();
	running = false;
	fake::clear_sent();
}

static void fill_pkt(nf_packet& p, const uint8_t* hdr, uint32_t len, uint32_t wire, uint8_t family)
{
	p = nf_packet{};
	p.data = hdr;
	p.len = len;
	p.wire_len = wire;
	p.skb = nullptr;
	p.iif = 2;
	p.oif = 3;
	p.now = static_cast<nf_u32>(fake::jiffies());
	p.family = family;
}

void make_udp4(Packet4& p, uint32_t i, uint16_t len)
{
	uint8_t* h = p.hdr;
	std::memset(h, 0, sizeof(p.hdr));
	h[0] = 0x45;
	put16(h + 2, len);
	h[8] = 64;
	h[9] = 17;
	h[12] = 198, h[13] = 18, h[14] = uint8_t(i >> 24), h[15] = uint8_t(i >> 16);
	h[16] = 198, h[17] = 19, h[18] = 0, h[19] = 1;
	put16(h + 20, uint16_t(i));
	put16(h + 22, 9);
	put16(h + 24, uint16_t(len - 20));
	fill_pkt(p.pkt, h, sizeof(p.hdr), len, NF_FAMILY_IPV4);
}

void make_udp6(Packet6& p, uint32_t i, uint16_t payload)
{
	uint8_t* h = p.hdr;
	std::memset(h, 0, sizeof(p.hdr));
	h[0] = 0x60;
	put16(h + 4, payload);
	h[6] = 17;
	h[7] = 64;
	h[8] = 0x20, h[9] = 0x01, h[10] = 0x02;	// 2001:2::/48, RFC 5180
	h[20] = uint8_t(i >> 24), h[21] = uint8_t(i >> 16), h[22] = uint8_t(i >> 8), h[23] = 1;
	h[24] = 0x20, h[25] = 0x01, h[26] = 0x02, h[39] = 2;
	put16(h + 40, uint16_t(i));
	put16(h + 42, 9);
	put16(h + 44, payload);
	fill_pkt(p.pkt, h, sizeof(p.hdr), uint32_t(payload) + 40, NF_FAMILY_IPV6);
}

std::vector<Packet4> flows4(uint32_t n)
{
	std::vector<Packet4> v(n);
	for (uint32_t i = 0; i < n; i++)
		make_udp4(v[i], i);
	// The header pointers must follow the vector's final storage.
	for (auto& p : v)
		p.pkt.data = p.hdr;
	return v;
}

void flush_all()
{
	nfc_export(NFC_EXPORT_ALL, 0);
	fake::clear_sent();
}

} // namespace micro
