// SPDX-License-Identifier: GPL-2.0
// Driver for callgrind.sh: runs one packet-path case, counting only the calls
// made through measured() (callgrind --toggle-collect=measured), after an
// uncounted warm-up.  Usage: ipp CASE [PACKETS]
//   hit      1 flow, every packet a hit
//   hit64k   65,536 flows round-robin (65,536 buckets), every packet a hit
//   new      a new flow for every packet (lookup miss + insert)
//   miss     lookup miss at maxflows (packet dropped, counted)
//   hit6     1 IPv6 flow
// and, counting calls made through measured_export() (callgrind
// --toggle-collect=measured_export), the export of PACKETS idle IPv4 flows
// (every paced nfc_export() run until none is left), per flow:
//   export1   1 CPU
//   export2   2 CPUs, every flow metered on both (two parts per flow)
//   export2d  2 CPUs, half the flows on each (no flow on both)
//   export64  64 CPUs, every flow on CPU 0 (63 empty caches)
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "fake_platform.hpp"
#include "workload.hpp"

extern "C" __attribute__((noinline)) void measured(const nf_packet* p)
{
	micro::account(0, p);
	__asm__ volatile("" ::: "memory");
}

extern "C" __attribute__((noinline)) void measured_export()
{
	while (nfc_export(NFC_EXPORT_DUE, 0) == 0)
		;
	__asm__ volatile("" ::: "memory");
}

namespace {
// `n` flows accounted on `cpus` CPUs (`spread`: flow i on CPU i % cpus,
// else on every CPU), then all of them exported once idle.
void export_case(uint32_t cpus, uint32_t n, bool spread, bool all_cpus)
{
	micro::start_core(cpus, 1u << 20);
	auto pk = micro::flows4(n);
	for (uint32_t i = 0; i < n; i++) {
		if (all_cpus)
			for (uint32_t c = 0; c < cpus; c++)
				nfc_account(c, &pk[i].pkt);
		else
			nfc_account(spread ? i % cpus : 0, &pk[i].pkt);
	}
	fake::advance_jiffies(16 * 250);	// past the inactive timeout
	measured_export();
}
} // namespace

int main(int argc, char** argv)
{
	const std::string mode = argc > 1 ? argv[1] : "hit";
	const uint32_t n = argc > 2 ? static_cast<uint32_t>(std::strtoul(argv[2], nullptr, 0)) : 100000;
	if (mode == "hit" || mode == "hit6") {
		micro::start_core(1, 65536, mode == "hit6" ? 10 : 5);
		micro::Packet4 p4;
		micro::Packet6 p6;
		micro::make_udp4(p4, 1);
		micro::make_udp6(p6, 1);
		const nf_packet* p = mode == "hit6" ? &p6.pkt : &p4.pkt;
		micro::account(0, p);
		for (uint32_t i = 0; i < n; i++)
			measured(p);
	} else if (mode == "hit64k") {
		constexpr uint32_t flows = 65536;
		micro::start_core(1, flows);
		auto pk = micro::flows4(flows);
		for (auto& p : pk)
			micro::account(0, &p.pkt);
		for (uint32_t i = 0; i < n; i++)
			measured(&pk[i & (flows - 1)].pkt);
	} else if (mode == "new") {
		micro::start_core(1, 1u << 20);
		auto pk = micro::flows4(n);
		for (uint32_t i = 0; i < n; i++)
			measured(&pk[i].pkt);
	} else if (mode == "miss") {
		constexpr uint32_t flows = 65536;
		micro::start_core(1, flows);
		nfc_set(NFC_MAXFLOWS, 1);
		auto pk = micro::flows4(flows);
		micro::account(0, &pk[0].pkt);
		for (uint32_t i = 0; i < n; i++)
			measured(&pk[1 + i % (flows - 1)].pkt);
	} else if (mode == "export1") {
		export_case(1, n, false, false);
	} else if (mode == "export2") {
		export_case(2, n, false, true);
	} else if (mode == "export2d") {
		export_case(2, n, true, false);
	} else if (mode == "export64") {
		export_case(64, n, false, false);
	} else {
		std::fprintf(stderr, "usage: ipp hit|hit64k|new|miss|hit6|export1|export2|export2d|export64 [packets]\n");
		return 2;
	}
	micro::stop_core();
	return 0;
}
