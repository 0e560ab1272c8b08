// SPDX-License-Identifier: GPL-2.0
// v9/IPFIX template composition and the template cache.  Every expected
// element list below is written out by hand from docs/ORIGINAL.md §4.3/§4.5 and
// the IANA sizes the port uses (ie.hpp: 8-byte counters, 4-byte ifindexes,
// tcpControlBits 2 bytes in IPFIX / 1 in v9, tcpOptions 8 bytes), never
// taken from the code under test.
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "core/export/templates.hpp"

using namespace netflow;

namespace {

using Fields = std::vector<std::pair<uint16_t, uint8_t>>;	// (element id, size)

Fields fields_of(const Template& t)
{
	Fields out;
	for (unsigned i = 0; i < t.nfields; i++)
		out.emplace_back(static_cast<uint16_t>(t.fields[i].id), t.fields[i].size);
	return out;
}

unsigned sum(const Fields& f)
{
	unsigned n = 0;
	for (const auto& x : f)
		n += x.second;
	return n;
}

struct Composed {
	Fields fields;
	unsigned record_size;
	unsigned scope;
};

Composed data(uint32_t key, Dialect d)
{
	Template t{};
	// Dirty slot: compose must reset counts and sizes.
	t.nfields = 7;
	t.scope_fields = 3;
	t.record_size = 999;
	compose_data_template(key, d, t);
	return {fields_of(t), t.record_size, t.scope_fields};
}

Composed options(OptionsKind k, Dialect d)
{
	Template t{};
	t.nfields = 5;
	t.record_size = 77;
	compose_options_template(k, d, t);
	return {fields_of(t), t.record_size, t.scope_fields};
}

// Checks the composed list, and that record_size is exactly the hand sum
// (given literally too, so a wrong size table is caught twice).
void expect_data(uint32_t key, Dialect d, const Fields& want, unsigned want_size)
{
	SCOPED_TRACE(testing::Message() << "key 0x" << std::hex << key << (d == Dialect::v9 ? " v9" : " ipfix"));
	const Composed c = data(key, d);
	EXPECT_EQ(c.fields, want);
	EXPECT_EQ(sum(want), want_size) << "hand arithmetic";
	EXPECT_EQ(c.record_size, want_size);
	EXPECT_EQ(c.scope, 0u);
}

constexpr Dialect V9 = Dialect::v9;
constexpr Dialect IPFIX = Dialect::ipfix;

} // namespace

// ---- element sizes ------------------------------------------------------------

TEST(TemplatesIe, SizesPerDialect)
{
	// IANA abstract sizes everywhere; only tcpControlBits differs.
	EXPECT_EQ(ie_size(octetDeltaCount, IPFIX), 8);
	EXPECT_EQ(ie_size(octetDeltaCount, V9), 8);
	EXPECT_EQ(ie_size(packetDeltaCount, V9), 8);
	EXPECT_EQ(ie_size(ingressInterface, V9), 4);
	EXPECT_EQ(ie_size(egressInterface, IPFIX), 4);
	EXPECT_EQ(ie_size(tcpControlBits, IPFIX), 2);
	EXPECT_EQ(ie_size(tcpControlBits, V9), 1);
	EXPECT_EQ(ie_size(tcpOptions, IPFIX), 8);
	EXPECT_EQ(ie_size(ipv4Options, IPFIX), 4);
	EXPECT_EQ(ie_size(ipv6ExtensionHeaders, V9), 4);
	EXPECT_EQ(ie_size(flowLabelIPv6, IPFIX), 4);
	EXPECT_EQ(ie_size(observationDomainName, IPFIX), 32);
	EXPECT_EQ(ie_size(interfaceName, V9), 16);
	EXPECT_EQ(ie_size(interfaceDescription, V9), 32);
	EXPECT_EQ(ie_size(ipSecSPI, V9), 4);
	EXPECT_EQ(ie_size(static_cast<Ie>(9999), IPFIX), 0);	// unknown
}

// ---- data templates ---------------------------------------------------------

TEST(TemplatesData, Ipv4PortsV9)
{
	// 8,12,15,60 | 7,11,6 | 10,14,2,1,22,21,4,5
	expect_data(shape::ports, V9,
		    {{8, 4}, {12, 4}, {15, 4}, {60, 1}, {7, 2}, {11, 2}, {6, 1}, {10, 4}, {14, 4}, {2, 8}, {1, 8},
		     {22, 4}, {21, 4}, {4, 1}, {5, 1}},
		    52);
}

TEST(TemplatesData, Ipv4PortsIpfix)
{
	// 8,12,15,60 | 7,11,6 | 10,14,2,1,152,153,4,5,136
	expect_data(shape::ports, IPFIX,
		    {{8, 4}, {12, 4}, {15, 4}, {60, 1}, {7, 2}, {11, 2}, {6, 2}, {10, 4}, {14, 4}, {2, 8}, {1, 8},
		     {152, 8}, {153, 8}, {4, 1}, {5, 1}, {136, 1}},
		    62);
}

TEST(TemplatesData, Ipv4IcmpV9UsesThePortsBlockWithoutFlags)
{
	expect_data(shape::icmp, V9,
		    {{8, 4}, {12, 4}, {15, 4}, {60, 1}, {7, 2}, {11, 2}, {10, 4}, {14, 4}, {2, 8}, {1, 8}, {22, 4},
		     {21, 4}, {4, 1}, {5, 1}},
		    51);
}

TEST(TemplatesData, Ipv4IcmpIpfixUsesIcmpTypeCodeIPv4)
{
	expect_data(shape::icmp, IPFIX,
		    {{8, 4}, {12, 4}, {15, 4}, {60, 1}, {32, 2}, {10, 4}, {14, 4}, {2, 8}, {1, 8}, {152, 8},
		     {153, 8}, {4, 1}, {5, 1}, {136, 1}},
		    58);
}

TEST(TemplatesData, Ipv6TcpWithFlowLabelAndExtHeadersV9)
{
	const uint32_t key = shape::ipv6 | shape::ports | shape::flow_label | shape::ext_hdrs;
	expect_data(key, V9,
		    {{27, 16}, {28, 16}, {62, 16}, {60, 1}, {31, 4}, {64, 4}, {7, 2}, {11, 2}, {6, 1}, {10, 4},
		     {14, 4}, {2, 8}, {1, 8}, {22, 4}, {21, 4}, {4, 1}, {5, 1}},
		    96);
}

TEST(TemplatesData, Ipv6TcpWithFlowLabelAndExtHeadersIpfix)
{
	const uint32_t key = shape::ipv6 | shape::ports | shape::flow_label | shape::ext_hdrs;
	expect_data(key, IPFIX,
		    {{27, 16}, {28, 16}, {62, 16}, {60, 1}, {31, 4}, {64, 4}, {7, 2}, {11, 2}, {6, 2}, {10, 4},
		     {14, 4}, {2, 8}, {1, 8}, {152, 8}, {153, 8}, {4, 1}, {5, 1}, {136, 1}},
		    106);
}

TEST(TemplatesData, Ipv6PlainPorts)
{
	expect_data(shape::ipv6 | shape::ports, V9,
		    {{27, 16}, {28, 16}, {62, 16}, {60, 1}, {7, 2}, {11, 2}, {6, 1}, {10, 4}, {14, 4}, {2, 8},
		     {1, 8}, {22, 4}, {21, 4}, {4, 1}, {5, 1}},
		    88);
	expect_data(shape::ipv6 | shape::ports, IPFIX,
		    {{27, 16}, {28, 16}, {62, 16}, {60, 1}, {7, 2}, {11, 2}, {6, 2}, {10, 4}, {14, 4}, {2, 8},
		     {1, 8}, {152, 8}, {153, 8}, {4, 1}, {5, 1}, {136, 1}},
		    98);
}

TEST(TemplatesData, Ipv6Icmpv6)
{
	expect_data(shape::ipv6 | shape::icmp, IPFIX,
		    {{27, 16}, {28, 16}, {62, 16}, {60, 1}, {139, 2}, {10, 4}, {14, 4}, {2, 8}, {1, 8}, {152, 8},
		     {153, 8}, {4, 1}, {5, 1}, {136, 1}},
		    94);
	expect_data(shape::ipv6 | shape::icmp, V9,
		    {{27, 16}, {28, 16}, {62, 16}, {60, 1}, {7, 2}, {11, 2}, {10, 4}, {14, 4}, {2, 8}, {1, 8},
		     {22, 4}, {21, 4}, {4, 1}, {5, 1}},
		    87);
}

TEST(TemplatesData, Igmp)
{
	expect_data(shape::igmp, IPFIX,
		    {{8, 4}, {12, 4}, {15, 4}, {60, 1}, {10, 4}, {14, 4}, {2, 8}, {1, 8}, {152, 8}, {153, 8},
		     {4, 1}, {5, 1}, {136, 1}, {33, 1}},
		    57);
	expect_data(shape::igmp, V9,
		    {{8, 4}, {12, 4}, {15, 4}, {60, 1}, {10, 4}, {14, 4}, {2, 8}, {1, 8}, {22, 4}, {21, 4}, {4, 1},
		     {5, 1}, {33, 1}},
		    48);
}

TEST(TemplatesData, EspAh)
{
	expect_data(shape::spi, IPFIX,
		    {{8, 4}, {12, 4}, {15, 4}, {60, 1}, {10, 4}, {14, 4}, {2, 8}, {1, 8}, {152, 8}, {153, 8},
		     {4, 1}, {5, 1}, {136, 1}, {295, 4}},
		    60);
	expect_data(shape::spi, V9,
		    {{8, 4}, {12, 4}, {15, 4}, {60, 1}, {10, 4}, {14, 4}, {2, 8}, {1, 8}, {22, 4}, {21, 4}, {4, 1},
		     {5, 1}, {295, 4}},
		    51);
	// ESP over IPv6.
	expect_data(shape::ipv6 | shape::spi | shape::ext_hdrs, V9,
		    {{27, 16}, {28, 16}, {62, 16}, {60, 1}, {64, 4}, {10, 4}, {14, 4}, {2, 8}, {1, 8}, {22, 4},
		     {21, 4}, {4, 1}, {5, 1}, {295, 4}},
		    91);
}

TEST(TemplatesData, OtherProtocolHasNoL4Block)
{
	// e.g. GRE: L3 + base only.
	expect_data(0, IPFIX,
		    {{8, 4}, {12, 4}, {15, 4}, {60, 1}, {10, 4}, {14, 4}, {2, 8}, {1, 8}, {152, 8}, {153, 8},
		     {4, 1}, {5, 1}, {136, 1}},
		    56);
	expect_data(0, V9,
		    {{8, 4}, {12, 4}, {15, 4}, {60, 1}, {10, 4}, {14, 4}, {2, 8}, {1, 8}, {22, 4}, {21, 4}, {4, 1},
		     {5, 1}},
		    47);
}

TEST(TemplatesData, IpOptionsAndTcpOptions)
{
	const uint32_t key = shape::ports | shape::ip_options | shape::tcp_options;
	// 208 right after ipVersion; 209 after the base block.
	expect_data(key, IPFIX,
		    {{8, 4}, {12, 4}, {15, 4}, {60, 1}, {208, 4}, {7, 2}, {11, 2}, {6, 2}, {10, 4}, {14, 4}, {2, 8},
		     {1, 8}, {152, 8}, {153, 8}, {4, 1}, {5, 1}, {136, 1}, {209, 8}},
		    74);
	expect_data(key, V9,
		    {{8, 4}, {12, 4}, {15, 4}, {60, 1}, {208, 4}, {7, 2}, {11, 2}, {6, 1}, {10, 4}, {14, 4}, {2, 8},
		     {1, 8}, {22, 4}, {21, 4}, {4, 1}, {5, 1}, {209, 8}},
		    64);
	// IPv6 TCP with options only: no 208 in IPv6.
	expect_data(shape::ipv6 | shape::ports | shape::tcp_options, V9,
		    {{27, 16}, {28, 16}, {62, 16}, {60, 1}, {7, 2}, {11, 2}, {6, 1}, {10, 4}, {14, 4}, {2, 8},
		     {1, 8}, {22, 4}, {21, 4}, {4, 1}, {5, 1}, {209, 8}},
		    96);
}

TEST(TemplatesData, Ipv4IcmpWithOptionsAndMasksIpfixOrder)
{
	// [8,12,15,60] then [208], [9,13], [32].
	const uint32_t key = shape::icmp | shape::ip_options | shape::masks;
	expect_data(key, IPFIX,
		    {{8, 4}, {12, 4}, {15, 4}, {60, 1}, {208, 4}, {9, 1}, {13, 1}, {32, 2}, {10, 4}, {14, 4}, {2, 8},
		     {1, 8}, {152, 8}, {153, 8}, {4, 1}, {5, 1}, {136, 1}},
		    64);
	expect_data(shape::ports | shape::masks, V9,
		    {{8, 4}, {12, 4}, {15, 4}, {60, 1}, {9, 1}, {13, 1}, {7, 2}, {11, 2}, {6, 1}, {10, 4}, {14, 4},
		     {2, 8}, {1, 8}, {22, 4}, {21, 4}, {4, 1}, {5, 1}},
		    54);
}

TEST(TemplatesData, NatEventsSameInBothDialects)
{
	const Fields nel = {{323, 8}, {8, 4}, {12, 4}, {225, 4}, {226, 4}, {7, 2}, {11, 2}, {227, 2}, {228, 2},
			    {4, 1}, {230, 1}};
	expect_data(shape::nel, V9, nel, 34);
	expect_data(shape::nel, IPFIX, nel, 34);
}

// ---- options templates --------------------------------------------------------

TEST(TemplatesOptions, SystemInit)
{
	for (Dialect d : {V9, IPFIX}) {
		const Composed c = options(OptionsKind::system_init, d);
		EXPECT_EQ(c.fields, (Fields{{149, 4}, {160, 8}, {300, 32}}));
		EXPECT_EQ(c.record_size, 44u);
		EXPECT_EQ(c.scope, 1u);
	}
}

TEST(TemplatesOptions, MeteringStats)
{
	for (Dialect d : {V9, IPFIX}) {
		const Composed c = options(OptionsKind::metering_stats, d);
		EXPECT_EQ(c.fields, (Fields{{149, 4}, {41, 8}, {42, 8}, {40, 8}, {163, 8}}));
		EXPECT_EQ(c.record_size, 36u);
		EXPECT_EQ(c.scope, 1u);
	}
}

TEST(TemplatesOptions, Interfaces)
{
	for (Dialect d : {V9, IPFIX}) {
		const Composed c = options(OptionsKind::interfaces, d);
		EXPECT_EQ(c.fields, (Fields{{10, 4}, {82, 16}, {83, 32}}));
		EXPECT_EQ(c.record_size, 52u);
		EXPECT_EQ(c.scope, 1u);
	}
}

// ---- flow_shape ----------------------------------------------------------------

namespace {

std::unique_ptr<Flow4> flow4(uint8_t proto)
{
	auto f = std::make_unique<Flow4>();
	f->set_family(NF_FAMILY_IPV4);
	f->key.proto = proto;
	f->key.src = ktl::Be32::from_host(0x0a000001);
	f->key.dst = ktl::Be32::from_host(0x0a000002);
	return f;
}

std::unique_ptr<Flow6> flow6(uint8_t proto)
{
	auto f = std::make_unique<Flow6>();
	f->set_family(NF_FAMILY_IPV6);
	f->key.proto = proto;
	f->key.src[0] = 0x20;
	f->key.dst[0] = 0x20;
	return f;
}

} // namespace

TEST(TemplatesShape, Ipv4Protocols)
{
	EXPECT_EQ(flow_shape(*flow4(6)), shape::ports);	// TCP
	EXPECT_EQ(flow_shape(*flow4(17)), shape::ports);	// UDP
	EXPECT_EQ(flow_shape(*flow4(136)), shape::ports);	// UDP-Lite
	EXPECT_EQ(flow_shape(*flow4(132)), shape::ports);	// SCTP
	EXPECT_EQ(flow_shape(*flow4(1)), shape::icmp);
	EXPECT_EQ(flow_shape(*flow4(2)), shape::igmp);
	EXPECT_EQ(flow_shape(*flow4(50)), shape::spi);	// ESP
	EXPECT_EQ(flow_shape(*flow4(51)), shape::spi);	// AH
	EXPECT_EQ(flow_shape(*flow4(47)), 0u);		// GRE
	EXPECT_EQ(flow_shape(*flow4(0)), 0u);
}

TEST(TemplatesShape, Ipv6Protocols)
{
	EXPECT_EQ(flow_shape(*flow6(6)), shape::ipv6 | shape::ports);
	EXPECT_EQ(flow_shape(*flow6(17)), shape::ipv6 | shape::ports);
	EXPECT_EQ(flow_shape(*flow6(58)), shape::ipv6 | shape::icmp);
	EXPECT_EQ(flow_shape(*flow6(50)), shape::ipv6 | shape::spi);
	EXPECT_EQ(flow_shape(*flow6(59)), shape::ipv6);	// no next header
}

TEST(TemplatesShape, OptionalBlocks)
{
	auto f = flow4(6);
	f->ip_options = 1u << 7;
	EXPECT_EQ(flow_shape(*f), shape::ports | shape::ip_options);
	f->tcp_options = 1u << 2;
	EXPECT_EQ(flow_shape(*f), shape::ports | shape::ip_options | shape::tcp_options);
	f->ip_options = 0;
	f->key.dst_mask = 24;
	EXPECT_EQ(flow_shape(*f), shape::ports | shape::tcp_options | shape::masks);
	f->key.dst_mask = 0;
	f->key.src_mask = 8;
	EXPECT_EQ(flow_shape(*f), shape::ports | shape::tcp_options | shape::masks);

	auto g = flow6(6);
	g->flow_label = 0x12345;
	EXPECT_EQ(flow_shape(*g), shape::ipv6 | shape::ports | shape::flow_label);
	g->key.ext_hdrs = 1u << 1;	// hop-by-hop
	EXPECT_EQ(flow_shape(*g), shape::ipv6 | shape::ports | shape::flow_label | shape::ext_hdrs);
	g->tcp_options = 1u << 8;
	EXPECT_EQ(flow_shape(*g), shape::ipv6 | shape::ports | shape::flow_label | shape::ext_hdrs | shape::tcp_options);
}

TEST(TemplatesShape, CountersAndAddressesDoNotMatter)
{
	auto a = flow4(17);
	auto b = flow4(17);
	b->packets = 1000;
	b->bytes = 1 << 30;
	b->tcp_flags = 0x12;
	b->key.sport = ktl::Be16::from_host(53);
	b->key.iif = 7;
	b->oif = -1;
	b->key.tos = 0xb8;
	EXPECT_EQ(flow_shape(*a), flow_shape(*b));
}

// ---- TemplateCache --------------------------------------------------------------

namespace {

std::unique_ptr<TemplateCache> cache(Dialect d)
{
	auto c = std::make_unique<TemplateCache>();
	c->reset(d);
	return c;
}

void mark_sent(Template& t, uint32_t message, uint32_t tick)
{
	t.sent = true;
	t.sent_message = message;
	t.sent_tick = tick;
}

} // namespace

TEST(TemplateCache, IdsFrom256InOrderOfFirstUse)
{
	auto c = cache(IPFIX);
	EXPECT_EQ(c->active(), 0u);
	Template* a = c->get(shape::ipv6 | shape::ports);
	Template* b = c->get(shape::ports);
	Template* o = c->get(shape::options_base | static_cast<uint32_t>(OptionsKind::metering_stats));
	Template* d = c->get(shape::icmp);
	ASSERT_TRUE(a && b && o && d);
	EXPECT_EQ(a->id, 256);
	EXPECT_EQ(b->id, 257);
	EXPECT_EQ(o->id, 258);
	EXPECT_EQ(d->id, 259);
	EXPECT_EQ(c->active(), 4u);
	EXPECT_EQ(c->generated(), 4u);
	EXPECT_FALSE(a->sent);
	EXPECT_EQ(a->key, shape::ipv6 | shape::ports);

	// Composed in the cache's dialect.
	EXPECT_EQ(a->record_size, 98);
	EXPECT_EQ(b->record_size, 62);
	EXPECT_EQ(o->scope_fields, 1);
	EXPECT_EQ(o->record_size, 36);
	EXPECT_EQ(fields_of(*o), (Fields{{149, 4}, {41, 8}, {42, 8}, {40, 8}, {163, 8}}));
	EXPECT_EQ(d->record_size, 58);
}

TEST(TemplateCache, SameKeySameTemplate)
{
	auto c = cache(V9);
	Template* a = c->get(shape::ports);
	Template* b = c->get(shape::icmp);
	mark_sent(*a, 3, 100);
	Template* a2 = c->get(shape::ports);
	EXPECT_EQ(a2, a);
	EXPECT_EQ(a2->id, 256);
	EXPECT_TRUE(a2->sent);	// a hit does not reset the send state
	EXPECT_EQ(a2->sent_message, 3u);
	EXPECT_EQ(c->get(shape::icmp), b);
	EXPECT_EQ(c->active(), 2u);
	EXPECT_EQ(c->generated(), 2u);
	// v9 dialect: 52-byte IPv4 ports record, ICMP with 7/11.
	EXPECT_EQ(a->record_size, 52);
	EXPECT_EQ(b->record_size, 51);
}

TEST(TemplateCache, DueWhenNeverSent)
{
	auto c = cache(IPFIX);
	Template* t = c->get(shape::ports);
	EXPECT_TRUE(c->due(*t, 0, 0, 20, 1000));
	EXPECT_TRUE(c->due(*t, 12345, 999, 1000000, 0x7fffffff));
}

TEST(TemplateCache, DueAfterRefreshRateMessages)
{
	auto c = cache(IPFIX);
	Template* t = c->get(shape::ports);
	mark_sent(*t, 10, 5000);
	// Sent in message 10: messages 11..30 go without it (refresh-rate 20),
	// message 31 carries it again (the original's pdu_count > exported + rate).
	EXPECT_FALSE(c->due(*t, 10, 5000, 20, 100000));
	EXPECT_FALSE(c->due(*t, 11, 5000, 20, 100000));
	EXPECT_FALSE(c->due(*t, 30, 5000, 20, 100000));
	EXPECT_TRUE(c->due(*t, 31, 5000, 20, 100000));
	EXPECT_TRUE(c->due(*t, 500, 5000, 20, 100000));
	// refresh-rate 1: every other message.
	EXPECT_FALSE(c->due(*t, 11, 5000, 1, 100000));
	EXPECT_TRUE(c->due(*t, 12, 5000, 1, 100000));
}

TEST(TemplateCache, DueAcrossMessageCounterWrap)
{
	auto c = cache(V9);
	Template* t = c->get(shape::ports);
	mark_sent(*t, 0xfffffffeu, 0);
	EXPECT_FALSE(c->due(*t, 0xffffffffu, 0, 5, 100000));
	EXPECT_FALSE(c->due(*t, 3, 0, 5, 100000));	// 5 messages later
	EXPECT_TRUE(c->due(*t, 4, 0, 5, 100000));	// 6 later
}

TEST(TemplateCache, DueAfterTimeoutTicks)
{
	auto c = cache(IPFIX);
	Template* t = c->get(shape::ports);
	const uint32_t minute = 60 * 250;
	mark_sent(*t, 0, 1000);
	EXPECT_FALSE(c->due(*t, 1, 1000, 1000000, minute));
	EXPECT_FALSE(c->due(*t, 1, 1000 + minute - 1, 1000000, minute));
	EXPECT_TRUE(c->due(*t, 1, 1000 + minute, 1000000, minute));
	EXPECT_TRUE(c->due(*t, 1, 1000 + 30 * minute, 1000000, minute));
	// Across the 32-bit tick wrap.
	mark_sent(*t, 0, 0xffffff00u);
	EXPECT_FALSE(c->due(*t, 1, 0x00000010u, 1000000, minute));
	EXPECT_TRUE(c->due(*t, 1, 0xffffff00u + minute, 1000000, minute));
}

TEST(TemplateCache, MarkAllUnsent)
{
	auto c = cache(IPFIX);
	Template* a = c->get(shape::ports);
	Template* b = c->get(shape::icmp);
	mark_sent(*a, 5, 5);
	mark_sent(*b, 5, 5);
	EXPECT_FALSE(c->due(*a, 6, 6, 20, 1000));
	EXPECT_FALSE(c->due(*b, 6, 6, 20, 1000));
	c->mark_all_unsent();
	EXPECT_TRUE(c->due(*a, 6, 6, 20, 1000));
	EXPECT_TRUE(c->due(*b, 6, 6, 20, 1000));
	// Same templates, same ids.
	EXPECT_EQ(c->get(shape::ports), a);
	EXPECT_EQ(a->id, 256);
	EXPECT_EQ(b->id, 257);
}

TEST(TemplateCache, ResetRenumbersAndSwitchesDialect)
{
	auto c = cache(IPFIX);
	c->get(shape::ports);
	c->get(shape::icmp);
	Template* x = c->get(shape::igmp);
	mark_sent(*x, 1, 1);
	EXPECT_EQ(x->id, 258);
	c->reset(V9);
	EXPECT_EQ(c->active(), 0u);
	EXPECT_EQ(c->dialect(), V9);
	Template* a = c->get(shape::igmp);	// first now
	ASSERT_NE(a, nullptr);
	EXPECT_EQ(a->id, 256);
	EXPECT_FALSE(a->sent);
	EXPECT_EQ(a->record_size, 48);		// v9 IGMP
	EXPECT_EQ(fields_of(*a).back(), (std::pair<uint16_t, uint8_t>{33, 1}));
	EXPECT_EQ(c->get(shape::ports)->id, 257);
	EXPECT_EQ(c->get(shape::ports)->record_size, 52);
	EXPECT_EQ(c->active(), 2u);
	EXPECT_EQ(c->generated(), 5u);	// a running total
}

TEST(TemplateCache, FullCacheReturnsNull)
{
	auto c = cache(IPFIX);
	for (uint32_t i = 0; i < TemplateCache::capacity; i++) {
		Template* t = c->get(shape::ports | (i << 12));	// distinct keys
		ASSERT_NE(t, nullptr) << i;
		EXPECT_EQ(t->id, 256 + i);
	}
	EXPECT_EQ(c->get(shape::icmp), nullptr);
	EXPECT_EQ(c->active(), TemplateCache::capacity);
	// Existing keys still resolve.
	EXPECT_EQ(c->get(shape::ports)->id, 256);
	EXPECT_EQ(c->get(shape::ports | (63u << 12))->id, 256 + 63);
}
