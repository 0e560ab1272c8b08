// SPDX-License-Identifier: GPL-2.0
#include "workload.hpp"

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "fake_platform.hpp"
#include "core_defaults.hpp"
#include "packet_builder.hpp"

namespace micro {

namespace {

bool running = false;

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

void make_udp4(Packet4& p, uint32_t i, uint16_t len)
{
	const uint32_t src = testpkt::ip4(198, 18, uint8_t(i >> 24), uint8_t(i >> 16));
	testpkt::write_v4(p.hdr, 17, src, testpkt::ip4(198, 19, 0, 1), uint16_t(i), 9, len);
	p.pkt = testpkt::make_nf_packet(p.hdr, sizeof(p.hdr), len, NF_FAMILY_IPV4, 2, 3,
					static_cast<nf_u32>(fake::jiffies()));
}

void make_udp6(Packet6& p, uint32_t i, uint16_t payload)
{
	// 2001:2::/48, RFC 5180
	const testpkt::Ip6 src = {{0x20, 0x01, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, uint8_t(i >> 24), uint8_t(i >> 16),
				   uint8_t(i >> 8), 1}};
	const testpkt::Ip6 dst = {{0x20, 0x01, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2}};
	testpkt::write_v6(p.hdr, 17, src, dst, uint16_t(i), 9, payload);
	p.pkt = testpkt::make_nf_packet(p.hdr, sizeof(p.hdr), uint32_t(payload) + 40, NF_FAMILY_IPV6, 2, 3,
					static_cast<nf_u32>(fake::jiffies()));
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
