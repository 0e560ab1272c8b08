// SPDX-License-Identifier: GPL-2.0
// Shared by the NetFlow v9 / IPFIX tests (test_ipfix_messages.cpp,
// test_ipfix_records.cpp, test_ipfix_end_to_end.cpp): byte helpers,
// templates and flows built directly, and the bytes written out by hand that
// more than one of them checks against.
//
// Hand arithmetic used throughout (fake platform: HZ 250, 1 tick = 4 ms,
// wall clock 1700000000.000 s at tick 0, so the boot wall time is
// 1700000000000 ms = 0x0000018bcfe56800):
//   tick 1000 -> uptime 4000 ms = 0x0fa0, wall 1700000004000 = 0x18bcfe577a0
//   tick 1250 -> uptime 5000 ms = 0x1388, wall 1700000005000 = 0x18bcfe57b88
//   tick 1500 -> uptime 6000 ms = 0x1770, unix time 1700000006 = 0x6553f106
#pragma once
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <vector>

#include "core/core.hpp"
#include "core/export/message.hpp"
#include "core/export/records.hpp"
#include "core/export/templates.hpp"
#include "netflow/abi.h"
#include "packet_builder.hpp"

// Tests of known core bugs are skipped (GTEST_SKIP) unless NF_RUN_BUG_TESTS
// is set in the environment, to check a fix.
#define SKIP_BUG(what)                                    \
	do {                                              \
		if (!std::getenv("NF_RUN_BUG_TESTS"))     \
			GTEST_SKIP() << "BUG: " what;     \
	} while (0)

namespace ipfixtest {

using namespace netflow;

using Buf = std::vector<uint8_t>;

inline Buf to_vec(ktl::Bytes b) { return Buf(b.data(), b.data() + b.size()); }

inline Buf cat(std::initializer_list<Buf> parts)
{
	Buf out;
	for (const Buf& p : parts)
		out.insert(out.end(), p.begin(), p.end());
	return out;
}

inline Buf zeros(size_t n) { return Buf(n, 0); }

using testpkt::be16;
using testpkt::be32;
using testpkt::be64;

inline ktl::Be32 ip4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	return ktl::Be32::from_host(uint32_t(a) << 24 | uint32_t(b) << 16 | uint32_t(c) << 8 | d);
}

inline Template make_template(uint32_t key, Dialect d, uint16_t id)
{
	Template t{};
	compose_data_template(key, d, t);
	t.id = id;
	t.key = key;
	return t;
}

inline Template make_options(OptionsKind k, Dialect d, uint16_t id)
{
	Template t{};
	compose_options_template(k, d, t);
	t.id = id;
	t.key = shape::options_base | static_cast<uint32_t>(k);
	return t;
}

// 10.0.0.1:1234 -> 10.0.0.2:53 UDP via 10.0.0.254, in 2, no out device,
// 2 packets / 300 bytes between ticks 1000 and 1250, forced out.
inline std::unique_ptr<Flow4> udp_flow()
{
	auto f = std::make_unique<Flow4>();
	f->set_family(NF_FAMILY_IPV4);
	f->key.src = ip4(10, 0, 0, 1);
	f->key.dst = ip4(10, 0, 0, 2);
	f->key.sport = ktl::Be16::from_host(1234);
	f->key.dport = ktl::Be16::from_host(53);
	f->key.iif = 2;
	f->key.proto = 17;
	f->key.tos = 0;
	f->nexthop = ip4(10, 0, 0, 254);
	f->oif = -1;
	f->first = 1000;
	f->last = 1250;
	f->packets = 2;
	f->bytes = 300;
	f->set_end(EndReason::forced);
	return f;
}

inline constexpr ExportClock clock_1500{1500, 6000, 1700000000000ull};

// ---- the literal bytes -------------------------------------------------------

// clang-format off
inline const Buf udp_record_ipfix = {
	0x0a, 0x00, 0x00, 0x01,                         // 8   sourceIPv4Address
	0x0a, 0x00, 0x00, 0x02,                         // 12  destinationIPv4Address
	0x0a, 0x00, 0x00, 0xfe,                         // 15  ipNextHopIPv4Address
	0x04,                                           // 60  ipVersion
	0x04, 0xd2,                                     // 7   sourceTransportPort 1234
	0x00, 0x35,                                     // 11  destinationTransportPort 53
	0x00, 0x00,                                     // 6   tcpControlBits (2 bytes)
	0x00, 0x00, 0x00, 0x02,                         // 10  ingressInterface 2
	0x00, 0x00, 0x00, 0x00,                         // 14  egressInterface: none -> 0
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, // 2   packetDeltaCount
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x2c, // 1   octetDeltaCount 300
	0x00, 0x00, 0x01, 0x8b, 0xcf, 0xe5, 0x77, 0xa0, // 152 flowStartMilliseconds
	0x00, 0x00, 0x01, 0x8b, 0xcf, 0xe5, 0x7b, 0x88, // 153 flowEndMilliseconds
	0x11,                                           // 4   protocolIdentifier
	0x00,                                           // 5   ipClassOfService
	0x04,                                           // 136 flowEndReason: forced
};

inline const Buf udp_record_v9 = {
	0x0a, 0x00, 0x00, 0x01,
	0x0a, 0x00, 0x00, 0x02,
	0x0a, 0x00, 0x00, 0xfe,
	0x04,
	0x04, 0xd2,
	0x00, 0x35,
	0x00,                                           // TCP_FLAGS (1 byte)
	0x00, 0x00, 0x00, 0x02,
	0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x2c,
	0x00, 0x00, 0x0f, 0xa0,                         // FIRST_SWITCHED 4000 ms
	0x00, 0x00, 0x13, 0x88,                         // LAST_SWITCHED 5000 ms
	0x11,
	0x00,
};

// Template record of the IPv4 ports shape (without the set header).
inline const Buf udp_template_ipfix_fields = {
	0x00, 0x08, 0x00, 0x04,
	0x00, 0x0c, 0x00, 0x04,
	0x00, 0x0f, 0x00, 0x04,
	0x00, 0x3c, 0x00, 0x01,
	0x00, 0x07, 0x00, 0x02,
	0x00, 0x0b, 0x00, 0x02,
	0x00, 0x06, 0x00, 0x02,
	0x00, 0x0a, 0x00, 0x04,
	0x00, 0x0e, 0x00, 0x04,
	0x00, 0x02, 0x00, 0x08,
	0x00, 0x01, 0x00, 0x08,
	0x00, 0x98, 0x00, 0x08,
	0x00, 0x99, 0x00, 0x08,
	0x00, 0x04, 0x00, 0x01,
	0x00, 0x05, 0x00, 0x01,
	0x00, 0x88, 0x00, 0x01,
};

inline const Buf udp_template_v9_fields = {
	0x00, 0x08, 0x00, 0x04,
	0x00, 0x0c, 0x00, 0x04,
	0x00, 0x0f, 0x00, 0x04,
	0x00, 0x3c, 0x00, 0x01,
	0x00, 0x07, 0x00, 0x02,
	0x00, 0x0b, 0x00, 0x02,
	0x00, 0x06, 0x00, 0x01,
	0x00, 0x0a, 0x00, 0x04,
	0x00, 0x0e, 0x00, 0x04,
	0x00, 0x02, 0x00, 0x08,
	0x00, 0x01, 0x00, 0x08,
	0x00, 0x16, 0x00, 0x04,
	0x00, 0x15, 0x00, 0x04,
	0x00, 0x04, 0x00, 0x01,
	0x00, 0x05, 0x00, 0x01,
};

// "ipt_NETFLOW 0.3.0" in 32 bytes.
inline const Buf domain_name = {
	0x69, 0x70, 0x74, 0x5f, 0x4e, 0x45, 0x54, 0x46, 0x4c, 0x4f, 0x57, 0x20, 0x30, 0x2e, 0x33, 0x2e,
	0x30, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

// System-init options record, domain 7, boot at 1700000000000 ms.
inline const Buf sysinit_record_7 = cat({
	{0x00, 0x00, 0x00, 0x07},
	{0x00, 0x00, 0x01, 0x8b, 0xcf, 0xe5, 0x68, 0x00},
	domain_name,
});
// clang-format on

// The addresses of v6_flow() in test_ipfix_records.cpp: 2001:db8::1,
// 2001:db8::2, next hop fe80::1.
// clang-format off
inline const Buf v6_addresses = {
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02,
	0xfe, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
};
// clang-format on

} // namespace ipfixtest
