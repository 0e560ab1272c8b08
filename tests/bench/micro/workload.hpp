// SPDX-License-Identifier: GPL-2.0
// Shared by the benchmark and the callgrind driver: a core started on the
// fake platform, and ready-made packets.  Host code (standard library).
#pragma once
#include <cstdint>
#include <vector>

#include "netflow/abi.h"

namespace micro {

// nfc_init() with the module's defaults on `cpus` CPUs and `hashsize`
// buckets in all; nfc_exit() of the previous core first.
void start_core(uint32_t cpus, uint32_t hashsize, uint32_t protocol = 5);

// nfc_account() as the glue calls it (its lock, a bit lock, is not part of
// what the core costs).
__attribute__((always_inline)) inline void account(unsigned cpu, const nf_packet* p)
{
	nfc_account(cpu, p);
}
void stop_core();

// A 28-byte IPv4 UDP header copy, as the glue hands it to the core.
struct Packet4 {
	uint8_t hdr[28];
	nf_packet pkt;
};
// Flow number `i` (distinct for i < 2^32): source 198.18.x.y, port from i.
void make_udp4(Packet4& p, uint32_t i, uint16_t len = 60);
// A 48-byte IPv6 UDP header copy.
struct Packet6 {
	uint8_t hdr[48];
	nf_packet pkt;
};
void make_udp6(Packet6& p, uint32_t i, uint16_t payload = 40);

// n distinct IPv4 flows.
std::vector<Packet4> flows4(uint32_t n);

// Every cached flow out (forced), the fake's datagram copies dropped.
void flush_all();

} // namespace micro
