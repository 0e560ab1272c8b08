// SPDX-License-Identifier: GPL-2.0
// A program of operations on CPU 0's flow cache that interleaves packets
// (old flows, bursts of new ones), expiry by the exporter and incremental
// resizes started at any size and moved by any step, against a model of the
// packets each flow got.  What the unit test (TableTest, random programs)
// and the fuzz target (fuzz_table, programs from libFuzzer) both run.
//
// After every operation, check_chains() says whether each hashed flow is in
// exactly one chain; at the end, exported_packets() of the datagrams sent
// (NetFlow v5) must equal `packets`.
#pragma once
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/core.hpp"
#include "core/flow/cpu_lock.hpp"
#include "fake_platform.hpp"
#include "packet_builder.hpp"

namespace tableops {

using namespace testpkt;

inline constexpr uint32_t A = ip4(10, 0, 0, 1);
inline constexpr uint32_t B = ip4(10, 0, 0, 2);

// A flow of its own for every n: ports and the destination's low bits.
inline Packet flow_packet(uint32_t n, uint16_t len = 100)
{
	return udp4(A, B + (n >> 16), static_cast<uint16_t>(n), 7, len);
}
inline uint32_t flow_of_record(const uint8_t* r) { return ((be32(r + 4) - B) << 16) | be16(r + 32); }

inline netflow::CpuCache& cache(unsigned cpu) { return *netflow::g_core->cpus[cpu]; }

// "" when every flow in the hash of `cpu` is in exactly one chain and the
// chains hold nothing else; else what is wrong.
inline std::string check_chains(unsigned cpu)
{
	std::set<const netflow::FlowHead*> hashed, chained;
	cache(cpu).for_each([&](const netflow::FlowHead& h) {
		if (h.end() == netflow::EndReason::none)
			hashed.insert(&h);
	});
	size_t links = 0;
	for (uint32_t b = 0; b < cache(cpu).view_chains(); b++)
		cache(cpu).for_each_in_bucket(b, [&](const netflow::FlowHead& h) {
			chained.insert(&h);
			links++;
		});
	if (links != chained.size())
		return "a flow is in two chains";
	if (chained != hashed)
		return "hashed " + std::to_string(hashed.size()) + " flows, chained " + std::to_string(chained.size());
	return "";
}

// Packets per flow in the v5 datagrams sent so far.
inline std::map<uint32_t, uint64_t> exported_packets()
{
	std::map<uint32_t, uint64_t> out;
	for (const auto& d : fake::sent()) {
		if (d.size() < 24)
			continue;
		const uint16_t count = be16(&d[2]);
		for (uint16_t i = 0; i < count && 24 + 48u * (i + 1) <= d.size(); i++) {
			const uint8_t* r = &d[24 + 48 * i];
			out[flow_of_record(r)] += be32(r + 16);
		}
	}
	return out;
}

struct Program {
	std::map<uint32_t, uint64_t> packets;	// flow -> packets sent
	uint32_t next = 0;			// flows so far

	// One operation chosen by `op`, its numbers from `arg` (any values).
	void step(uint8_t op, uint32_t arg)
	{
		netflow::CpuCache& c = cache(0);
		const unsigned what = op % 100;
		if (what < 55 && next) {
			const uint32_t f = arg % next;
			account(0, flow_packet(f));
			packets[f]++;
		} else if (what < 80) {
			const uint32_t burst = 1 + arg % 40;
			for (uint32_t i = 0; i < burst; i++, next++) {
				account(0, flow_packet(next));
				packets[next]++;
			}
		} else if (what < 88) {
			if (!c.resizing()) {
				const uint32_t n = 64 + arg % 3000;
				auto* fresh = static_cast<netflow::FlowHead**>(nfp_alloc_large(sizeof(void*) * n));
				netflow::CpuLockGuard lock(0);
				c.begin_resize(fresh, n);
			} else {
				netflow::FlowHead** old;
				{
					netflow::CpuLockGuard lock(0);
					old = c.migrate(1 + arg % 200);
				}
				nfp_free_large(old);
			}
		} else if (what < 95) {
			fake::advance_jiffies(arg % 300);
			nfc_export(NFC_EXPORT_DUE, 0);	// expiry, and the exporter's own resizes
		} else {
			fake::advance_jiffies(arg % 40);
		}
	}
};

} // namespace tableops
