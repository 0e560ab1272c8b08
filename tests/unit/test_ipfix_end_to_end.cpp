// SPDX-License-Identifier: GPL-2.0
// NetFlow v9 (RFC 3954) and IPFIX (RFC 7011) end to end: the whole path
// nfc_init(protocol 9/10) -> nfc_account -> nfc_export with the datagrams
// nfp_send() received parsed back set by set (sequence numbers, template
// refresh, message splits, options records on the wire).
//
// Shared helpers, literal bytes and the hand arithmetic: ipfix_common.hpp.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "core/flow/ext.hpp"
#include "core_defaults.hpp"
#include "fake_platform.hpp"
#include "ipfix_common.hpp"
#include "packet_builder.hpp"

using namespace netflow;
using namespace ipfixtest;

// ==== End to end ================================================================

namespace {

// ---- packets --------------------------------------------------------------------

using testpkt::Packet;

// IPv4 UDP 10.0.<s3>.<s4>:sport -> 10.0.0.2:53 (or dst), total length len.
Packet udp4(uint16_t sport, uint16_t len, uint8_t dst4 = 2, uint8_t src3 = 0, uint8_t src4 = 1)
{
	return testpkt::udp4(testpkt::ip4(10, 0, src3, src4), testpkt::ip4(10, 0, 0, dst4), sport, 53, len);
}

// IPv6 TCP 2001:db8::1:443 -> 2001:db8::2:50000, traffic class 0xb8, the
// given flow label, a hop-by-hop header (8 bytes) and TCP with an MSS
// option (24 bytes): payload 32, ip_len 72.
Packet tcp6_hbh(uint32_t flow_label)
{
	Buf p(40);
	testpkt::write_ip6_header(p.data(), 32, 0 /* next: hop-by-hop */, testpkt::doc6(1), testpkt::doc6(2), 0xb8,
				  flow_label);
	// clang-format off
	p.insert(p.end(), {
		0x06, 0x00, 0x01, 0x04, 0x00, 0x00, 0x00, 0x00,	// HBH: next TCP, PadN
		0x01, 0xbb, 0xc3, 0x50,	// 443 -> 50000
		0x00, 0x00, 0x00, 0x01,
		0x00, 0x00, 0x00, 0x00,
		0x60, 0x12, 0xff, 0xff,	// offset 6, SYN|ACK
		0x00, 0x00, 0x00, 0x00,
		0x02, 0x04, 0x05, 0xb4,	// MSS
	});
	// clang-format on
	return {p, 72, NF_FAMILY_IPV6};
}

// IPv4 TCP 10.0.0.1:40000 -> 10.0.0.2:80 with the given flags, 40 bytes,
// DF, seq 1, ack 1, window 0xffff.
Packet tcp4(uint8_t flags)
{
	Packet p = testpkt::v4(6, testpkt::ip4(10, 0, 0, 1), testpkt::ip4(10, 0, 0, 2), 40000, 80, 40, 0, flags, 0x4000);
	testpkt::put32(p.hdr, 24, 1);
	testpkt::put32(p.hdr, 28, 1);
	testpkt::put16(p.hdr, 34, 0xffff);
	return p;
}

// IPv4 ICMP echo request (type 8, code 0, id 0x1234, seq 1) 10.0.0.1 ->
// 10.0.0.3, 84 bytes, DF.
Packet icmp4_echo()
{
	Packet p = testpkt::v4(1, testpkt::ip4(10, 0, 0, 1), testpkt::ip4(10, 0, 0, 3), 8, 0, 84, 0, 0, 0x4000);
	testpkt::put16(p.hdr, 24, 0x1234);
	testpkt::put16(p.hdr, 26, 1);
	return p;
}

// IPv6 UDP 2001:db8::1:5353 -> 2001:db8::2:53, payload 20 (ip_len 60).
Packet udp6() { return testpkt::udp6(1, 2, 5353, 53, 20); }

void account(const Packet& pk, int32_t iif, int32_t oif, unsigned cpu = 0) { testpkt::account(cpu, pk, iif, oif); }

// ---- datagrams, parsed back -------------------------------------------------------

struct Tpl {
	uint16_t id = 0;
	bool options = false;
	unsigned scope = 0;
	std::vector<std::pair<uint16_t, uint16_t>> fields;
	unsigned record_size() const
	{
		unsigned n = 0;
		for (const auto& f : fields)
			n += f.second;
		return n;
	}
};

struct Set {
	uint16_t id;
	uint16_t length;
	size_t offset;		// in the datagram
	Buf body;		// after the set header, padding included
	Tpl tpl;		// template sets
	std::vector<Buf> records;	// data sets
	size_t padding = 0;
};

struct Msg {
	uint16_t version = 0;
	uint16_t count = 0;	// v9
	uint16_t length = 0;	// IPFIX
	uint32_t uptime = 0;	// v9
	uint32_t secs = 0;
	uint32_t seq = 0;
	uint32_t domain = 0;
	size_t size = 0;
	std::vector<Set> sets;

	unsigned data_records() const
	{
		unsigned n = 0;
		for (const Set& s : sets)
			n += unsigned(s.records.size());
		return n;
	}
	unsigned template_records() const
	{
		unsigned n = 0;
		for (const Set& s : sets)
			n += s.id < 256;
		return n;
	}
	const Set* data_set(uint16_t id) const
	{
		for (const Set& s : sets)
			if (s.id == id)
				return &s;
		return nullptr;
	}
	std::vector<Buf> records_of(uint16_t id) const
	{
		std::vector<Buf> out;
		for (const Set& s : sets)
			if (s.id == id)
				out.insert(out.end(), s.records.begin(), s.records.end());
		return out;
	}
	bool has_template(uint16_t id) const
	{
		for (const Set& s : sets)
			if (s.id < 256 && s.tpl.id == id)
				return true;
		return false;
	}
};

// Parses one datagram; `known` carries the templates of the stream so far.
Msg parse_msg(const Buf& d, std::map<uint16_t, Tpl>& known)
{
	Msg m;
	m.size = d.size();
	EXPECT_GE(d.size(), 16u);
	if (d.size() < 16)
		return m;
	m.version = be16(&d[0]);
	size_t off;
	if (m.version == 9) {
		EXPECT_GE(d.size(), 20u);
		m.count = be16(&d[2]);
		m.uptime = be32(&d[4]);
		m.secs = be32(&d[8]);
		m.seq = be32(&d[12]);
		m.domain = be32(&d[16]);
		off = 20;
		EXPECT_LE(d.size(), 1420u);
	} else {
		EXPECT_EQ(m.version, 10);
		m.length = be16(&d[2]);
		m.secs = be32(&d[4]);
		m.seq = be32(&d[8]);
		m.domain = be32(&d[12]);
		off = 16;
		EXPECT_EQ(m.length, d.size());
		EXPECT_LE(d.size(), 1416u);
	}
	const bool v9 = m.version == 9;
	while (off < d.size()) {
		if (off + 4 > d.size()) {
			ADD_FAILURE() << "set header cut at " << off;
			break;
		}
		Set s{};
		s.id = be16(&d[off]);
		s.length = be16(&d[off + 2]);
		s.offset = off;
		if (s.length < 4 || off + s.length > d.size()) {
			ADD_FAILURE() << "bad set length " << s.length << " at " << off;
			break;
		}
		s.body.assign(d.begin() + long(off) + 4, d.begin() + long(off) + s.length);
		const uint8_t* b = s.body.data();
		const size_t n = s.body.size();
		const uint16_t tset = v9 ? 0 : 2, oset = v9 ? 1 : 3;
		if (s.id == tset || s.id == oset) {
			Tpl t;
			t.options = s.id == oset;
			size_t p;
			unsigned nfields;
			if (!t.options) {
				EXPECT_GE(n, 4u);
				t.id = be16(b);
				nfields = be16(b + 2);
				p = 4;
			} else if (!v9) {
				EXPECT_GE(n, 6u);
				t.id = be16(b);
				nfields = be16(b + 2);
				t.scope = be16(b + 4);
				p = 6;
			} else {
				EXPECT_GE(n, 6u);
				t.id = be16(b);
				const unsigned scope_len = be16(b + 2), opt_len = be16(b + 4);
				EXPECT_EQ(scope_len % 4, 0u);
				EXPECT_EQ(opt_len % 4, 0u);
				t.scope = scope_len / 4;
				nfields = (scope_len + opt_len) / 4;
				p = 6;
			}
			EXPECT_GE(t.id, 256);
			for (unsigned i = 0; i < nfields && p + 4 <= n; i++, p += 4)
				t.fields.emplace_back(be16(b + p), be16(b + p + 2));
			EXPECT_EQ(t.fields.size(), nfields);
			// One template per set; whatever follows is padding.
			s.padding = n - p;
			EXPECT_LT(s.padding, 4u) << "set at " << off;
			for (size_t k = p; k < n; k++)
				EXPECT_EQ(b[k], 0) << "template set padding at " << off;
			s.tpl = t;
			known[t.id] = t;
		} else if (s.id >= 256) {
			auto it = known.find(s.id);
			if (it == known.end()) {
				ADD_FAILURE() << "data set " << s.id << " without a template";
			} else {
				const size_t rs = it->second.record_size();
				size_t p = 0;
				while (p + rs <= n) {
					s.records.emplace_back(b + p, b + p + rs);
					p += rs;
				}
				s.padding = n - p;
				EXPECT_LT(s.padding, 4u);
				EXPECT_EQ(s.length % 4, 0) << "data set " << s.id << " not padded to 4";
				for (size_t k = p; k < n; k++)
					EXPECT_EQ(b[k], 0) << "data set padding at " << off;
			}
		} else {
			ADD_FAILURE() << "unexpected set id " << s.id;
		}
		m.sets.push_back(std::move(s));
		off += be16(&d[off + 2]);
	}
	EXPECT_EQ(off, d.size());
	if (v9) {
		EXPECT_EQ(m.count, m.data_records() + m.template_records()) << "v9 count";
	}
	return m;
}

// Templates are scoped by the observation domain (IPFIX) or source id (v9)
// of the message that carried them, as a collector keys them (RFC 7011
// §8, RFC 3954 §5.1): a data set can only use a template its own domain saw.
uint32_t domain_of(const Buf& d)
{
	if (d.size() < 20)
		return 0;
	return be16(&d[0]) == 9 ? be32(&d[16]) : be32(&d[12]);
}

std::vector<Msg> parse_all(std::map<uint16_t, Tpl>* known_out = nullptr)
{
	std::map<uint32_t, std::map<uint16_t, Tpl>> known;
	std::vector<Msg> out;
	uint32_t last = 0;
	for (const Buf& d : fake::sent()) {
		last = domain_of(d);
		out.push_back(parse_msg(d, known[last]));
	}
	if (known_out)
		*known_out = known[last];
	return out;
}

// The sets of a message in a compact form: a template as
// T<id>[<ie>:<size> ...] (O for options, /<scope count>), a data set as
// D<id>x<records>.
std::string describe(const Msg& m)
{
	std::ostringstream o;
	for (const Set& s : m.sets) {
		if (!o.str().empty())
			o << ' ';
		if (s.id >= 256) {
			o << 'D' << s.id << 'x' << s.records.size();
			continue;
		}
		o << (s.tpl.options ? 'O' : 'T') << s.tpl.id << '[';
		for (size_t i = 0; i < s.tpl.fields.size(); i++)
			o << (i ? " " : "") << s.tpl.fields[i].first << ':' << s.tpl.fields[i].second;
		if (s.tpl.options)
			o << " /" << s.tpl.scope;
		o << ']';
	}
	return o.str();
}

// Expected template descriptions.
const std::string sysinit_ipfix = "O256[149:4 160:8 300:32 /1]";
const std::string sysinit_v9 = "O256[1:4 160:8 300:32 /1]";
std::string metering(unsigned id, bool v9)
{
	return "O" + std::to_string(id) + (v9 ? "[1:4" : "[149:4") + " 41:8 42:8 40:8 163:8 /1]";
}
std::string udp4_tpl(unsigned id, bool v9)
{
	return "T" + std::to_string(id) +
	       (v9 ? "[8:4 12:4 15:4 60:1 7:2 11:2 6:1 10:4 14:4 2:8 1:8 22:4 21:4 4:1 5:1]"
		   : "[8:4 12:4 15:4 60:1 7:2 11:2 6:2 10:4 14:4 2:8 1:8 152:8 153:8 4:1 5:1 136:1]");
}

Buf metering_record(uint32_t domain, uint64_t msgs, uint64_t flows, uint64_t octets, uint64_t observed)
{
	Buf b(36, 0);
	for (int i = 0; i < 4; i++)
		b[i] = uint8_t(domain >> (24 - 8 * i));
	const uint64_t v[4] = {msgs, flows, octets, observed};
	for (int k = 0; k < 4; k++)
		for (int i = 0; i < 8; i++)
			b[4 + 8 * k + i] = uint8_t(v[k] >> (56 - 8 * i));
	return b;
}

// ---- fixture ------------------------------------------------------------------------

struct Settings {
	uint32_t protocol = 10;
	uint32_t refresh_rate = 20;
	uint32_t timeout_rate = 30;
	uint32_t engine_id = 7;
	uint32_t promisc_mpls = NF_PROMISC_MPLS_DEFAULT;
	uint32_t macaddress = NF_MACADDRESS_DEFAULT;
	uint32_t vlan = NF_VLAN_DEFAULT;
	uint32_t direction = NF_DIRECTION_DEFAULT;
	uint32_t physdev = NF_PHYSDEV_DEFAULT;
	uint32_t cpus = 1;
};

class IpfixE2E : public ::testing::Test {
protected:
	void TearDown() override
	{
		if (g_core)
			nfc_exit();
		EXPECT_EQ(fake::slab_objects_live(), 0);
		EXPECT_EQ(fake::slabs_live(), 0);
		EXPECT_EQ(fake::large_allocs_live(), 0);
		EXPECT_EQ(fake::bug_count(), 0) << fake::last_bug();
		EXPECT_EQ(fake::cpu_lock_depth(0), 0);
	}
	// A fresh core and fake platform with settings `s` (a loop over
	// dialects starts each round here).
	void restart(const Settings& s)
	{
		if (g_core)
			nfc_exit();
		fake::reset();
		init(s);
	}
	// The options records every first message of a load begins with.
	static std::string first_options(bool v9)
	{
		return v9 ? sysinit_v9 + " D256x1 " + metering(257, true) + " D257x1 "
			  : sysinit_ipfix + " D256x1 " + metering(257, false) + " D257x1 ";
	}
	void init(const Settings& s = Settings{})
	{
		if (g_core)
			nfc_exit();
		nfc_init_args a{};
		a.nr_cpus = s.cpus;
		a.settings[NFC_NFEVENTS_LIMIT] = 10000;
		a.settings[NFC_TARGETS] = 1;
		a.settings[NFC_PROMISC_MPLS] = s.promisc_mpls;
		a.settings[NFC_MACADDRESS] = s.macaddress;
		a.settings[NFC_VLAN] = s.vlan;
		a.settings[NFC_DIRECTION] = s.direction;
		a.settings[NFC_PHYSDEV] = s.physdev;
		a.settings[NFC_HASHSIZE] = 4096;
		a.settings[NFC_INACTIVE_TIMEOUT] = 15;
		a.settings[NFC_ACTIVE_TIMEOUT] = 1800;
		a.settings[NFC_MAXFLOWS] = 0;
		a.settings[NFC_PROTOCOL] = s.protocol;
		a.settings[NFC_ENGINE_ID] = s.engine_id;
		a.settings[NFC_DEBUG] = 0;
		a.settings[NFC_SCAN_MIN] = 1;
		a.settings[NFC_REFRESH_RATE] = s.refresh_rate;
		a.settings[NFC_TIMEOUT_RATE] = s.timeout_rate;
		a.settings[NFC_NATEVENTS] = 0;
		ASSERT_EQ(nfc_init(&a), 0);
	}
	void export_all() { nfc_export(NFC_EXPORT_ALL, 0); }
	const ExportStats& xstats() { return g_core->exporter.stats; }

	// The one-UDP-flow scenario of the header comment.
	void one_udp_flow()
	{
		fake::set_route_nexthop_v4(10, 0, 0, 254);
		fake::set_jiffies(1000);
		account(udp4(1234, 100), 2, -1);
		fake::set_jiffies(1250);
		account(udp4(1234, 200), 2, -1);
		fake::set_jiffies(1500);
		export_all();
	}
};

} // namespace

TEST_F(IpfixE2E, OneUdpFlowIpfix)
{
	init();
	one_udp_flow();
	ASSERT_EQ(fake::sent_count(), 1u);
	const std::vector<Msg> msgs = parse_all();
	const Msg& m = msgs[0];
	EXPECT_EQ(m.version, 10);
	EXPECT_EQ(m.secs, 1700000006u);
	EXPECT_EQ(m.seq, 0u);
	EXPECT_EQ(m.domain, 7u);
	EXPECT_EQ(describe(m), sysinit_ipfix + " D256x1 " + metering(257, false) + " D257x1 " + udp4_tpl(258, false) +
				       " D258x1");
	EXPECT_EQ(m.records_of(256), std::vector<Buf>{sysinit_record_7});
	// Nothing exported yet; one flow observed.
	EXPECT_EQ(m.records_of(257), std::vector<Buf>{metering_record(7, 0, 0, 0, 1)});
	EXPECT_EQ(m.records_of(258), std::vector<Buf>{udp_record_ipfix});
	// Data set lengths: 4 + 44, 4 + 36, 4 + 62 + 2 zero bytes.
	EXPECT_EQ(m.data_set(256)->length, 48);
	EXPECT_EQ(m.data_set(257)->length, 40);
	EXPECT_EQ(m.data_set(258)->length, 68);
	EXPECT_EQ(m.data_set(258)->padding, 2u);
	// Template sets: 4 + 4 + 16 * 4 for the data template.
	EXPECT_EQ(m.sets[4].length, 72);
	EXPECT_EQ(xstats().datagrams, 1u);
	EXPECT_EQ(xstats().flows, 1u);
	EXPECT_EQ(xstats().bytes, m.size);
}

TEST_F(IpfixE2E, OneUdpFlowV9)
{
	Settings s;
	s.protocol = 9;
	init(s);
	one_udp_flow();
	ASSERT_EQ(fake::sent_count(), 1u);
	const std::vector<Msg> msgs = parse_all();
	const Msg& m = msgs[0];
	EXPECT_EQ(m.version, 9);
	EXPECT_EQ(m.count, 6);	// 3 templates + 3 data records
	EXPECT_EQ(m.uptime, 6000u);
	EXPECT_EQ(m.secs, 1700000006u);
	EXPECT_EQ(m.seq, 0u);
	EXPECT_EQ(m.domain, 7u);
	EXPECT_EQ(describe(m),
		  sysinit_v9 + " D256x1 " + metering(257, true) + " D257x1 " + udp4_tpl(258, true) + " D258x1");
	EXPECT_EQ(m.records_of(256), std::vector<Buf>{sysinit_record_7});
	EXPECT_EQ(m.records_of(257), std::vector<Buf>{metering_record(7, 0, 0, 0, 1)});
	EXPECT_EQ(m.records_of(258), std::vector<Buf>{udp_record_v9});
	EXPECT_EQ(m.data_set(258)->length, 56);
	EXPECT_EQ(m.sets[4].length, 68);
}

TEST_F(IpfixE2E, OptionsTemplateSetsArePaddedOnTheWire)
{
	// BUG: see IpfixMessage.OptionsTemplateSetsArePadded: options template
	// sets go out 10 + 4n bytes long (22 and 30 here).
	for (uint32_t proto : {10u, 9u}) {
		if (g_core)
			nfc_exit();
		if (g_core)
			nfc_exit();
		fake::reset();
		Settings s;
		s.protocol = proto;
		init(s);
		one_udp_flow();
		const std::vector<Msg> msgs = parse_all();
		ASSERT_EQ(msgs.size(), 1u);
		for (const Set& set : msgs[0].sets)
			EXPECT_EQ(set.length % 4, 0) << "set " << set.id << " at " << set.offset;
		// 16/20 + 24 + 48 + 32 + 40 + 72/68 + 68/56.
		EXPECT_EQ(msgs[0].size, proto == 10 ? 300u : 288u);
	}
}

TEST_F(IpfixE2E, InterfaceOptionsRecords)
{
	fake::set_interfaces({{2, "eth0", "uplink"}, {3, "lo", ""}});
	init();
	export_all();	// no flows: the options alone
	ASSERT_EQ(fake::sent_count(), 1u);
	const std::vector<Msg> msgs = parse_all();
	const Msg& m = msgs[0];
	EXPECT_EQ(describe(m), sysinit_ipfix + " D256x1 O257[10:4 82:16 83:32 /1] D257x2 " + metering(258, false) +
				       " D258x1");
	// clang-format off
	const std::vector<Buf> ifs = {
		cat({{0, 0, 0, 2}, {'e', 't', 'h', '0'}, zeros(12), {'u', 'p', 'l', 'i', 'n', 'k'}, zeros(26)}),
		cat({{0, 0, 0, 3}, {'l', 'o'}, zeros(14), zeros(32)}),
	};
	// clang-format on
	EXPECT_EQ(m.records_of(257), ifs);
	EXPECT_EQ(m.data_set(257)->length, 4 + 2 * 52);
	EXPECT_EQ(m.records_of(258), std::vector<Buf>{metering_record(7, 0, 0, 0, 0)});
	EXPECT_EQ(m.seq, 0u);
	EXPECT_EQ(xstats().flows, 0u);	// options records are not flows

	// v9: the interface scope is type 2.
	fake::clear_sent();
	Settings s;
	s.protocol = 9;
	init(s);
	export_all();
	const std::vector<Msg> v9 = parse_all();
	ASSERT_EQ(v9.size(), 1u);
	EXPECT_EQ(describe(v9[0]), sysinit_v9 + " D256x1 O257[2:4 82:16 83:32 /1] D257x2 " + metering(258, true) +
					   " D258x1");
	EXPECT_EQ(v9[0].count, 7);
	EXPECT_EQ(v9[0].records_of(257), ifs);
}

TEST_F(IpfixE2E, IpfixSequenceCountsDataRecordsBefore)
{
	fake::set_interfaces({{2, "eth0", ""}});
	init();
	fake::set_jiffies(100);
	account(udp4(1, 100), 2, 3);
	export_all();	// sysinit + 1 interface + stats + 1 flow = 4 data records
	fake::set_jiffies(200);
	account(udp4(2, 100), 2, 3);
	account(udp4(3, 100), 2, 3);
	export_all();	// 2
	fake::set_jiffies(300);
	account(udp4(4, 100), 2, 3);
	export_all();	// 1
	fake::set_jiffies(400);
	export_all();	// nothing: no datagram
	account(udp4(5, 100), 2, 3);
	export_all();
	const std::vector<Msg> msgs = parse_all();
	ASSERT_EQ(msgs.size(), 4u);
	EXPECT_EQ(msgs[0].seq, 0u);
	EXPECT_EQ(msgs[0].data_records(), 4u);
	EXPECT_EQ(msgs[1].seq, 4u);
	EXPECT_EQ(describe(msgs[1]), "D259x2");	// template 259 not due again yet
	EXPECT_EQ(msgs[2].seq, 6u);
	EXPECT_EQ(msgs[3].seq, 7u);
	for (const Msg& m : msgs)
		EXPECT_EQ(m.domain, 7u);
	EXPECT_EQ(xstats().flows, 5u);
	EXPECT_EQ(xstats().datagrams, 4u);
}

TEST_F(IpfixE2E, V9SequencePlusOnePerMessage)
{
	Settings s;
	s.protocol = 9;
	s.engine_id = 0x01020304;
	init(s);
	for (int i = 0; i < 4; i++) {
		fake::set_jiffies(100 + 100 * i);
		for (int k = 0; k <= i; k++)
			account(udp4(uint16_t(100 * i + k), 100), 2, 3);
		export_all();
	}
	const std::vector<Msg> msgs = parse_all();
	ASSERT_EQ(msgs.size(), 4u);
	for (uint32_t i = 0; i < 4; i++) {
		EXPECT_EQ(msgs[i].version, 9);
		EXPECT_EQ(msgs[i].seq, i);
		EXPECT_EQ(msgs[i].domain, 0x01020304u);
		EXPECT_EQ(msgs[i].uptime, (100 + 100 * i) * 4);
	}
	EXPECT_EQ(msgs[0].count, 2 + 2 + 2);	// sysinit, stats, data: template + record each
	EXPECT_EQ(msgs[1].count, 2);
	EXPECT_EQ(msgs[2].count, 3);
	EXPECT_EQ(msgs[3].count, 4);
}

TEST_F(IpfixE2E, TemplatesResentAfterRefreshRateMessages)
{
	Settings s;
	s.refresh_rate = 2;
	init(s);
	for (int i = 0; i < 8; i++) {
		fake::set_jiffies(100 + 10 * i);
		account(udp4(uint16_t(1000 + i), 100), 2, 3);
		export_all();
	}
	const std::vector<Msg> msgs = parse_all();
	ASSERT_EQ(msgs.size(), 8u);
	// Sent in message 0, then 2 messages without, then again (3, 6).
	for (int i = 0; i < 8; i++)
		EXPECT_EQ(msgs[i].has_template(258), i % 3 == 0) << "message " << i;
	EXPECT_EQ(describe(msgs[3]), udp4_tpl(258, false) + " D258x1");
	EXPECT_EQ(describe(msgs[4]), "D258x1");
	// Options templates go only with options records (not due again here).
	for (int i = 1; i < 8; i++) {
		EXPECT_FALSE(msgs[i].has_template(256));
		EXPECT_FALSE(msgs[i].has_template(257));
	}
	// Sequence: 3 data records in message 0, then 1 each.
	for (uint32_t i = 0; i < 8; i++)
		EXPECT_EQ(msgs[i].seq, i == 0 ? 0 : 2 + i);
}

TEST_F(IpfixE2E, RefreshRateChangedAtRunTime)
{
	init();
	ASSERT_EQ(nfc_set(NFC_REFRESH_RATE, 1), 0);
	EXPECT_EQ(nfc_get(NFC_REFRESH_RATE), 1u);
	for (int i = 0; i < 5; i++) {
		fake::set_jiffies(100 + 10 * i);
		account(udp4(uint16_t(1000 + i), 100), 2, 3);
		export_all();
	}
	const std::vector<Msg> msgs = parse_all();
	ASSERT_EQ(msgs.size(), 5u);
	for (int i = 0; i < 5; i++)
		EXPECT_EQ(msgs[i].has_template(258), i % 2 == 0) << "message " << i;
}

TEST_F(IpfixE2E, TemplatesResentAfterTimeoutRate)
{
	Settings s;
	s.refresh_rate = 1000000;
	s.timeout_rate = 1;	// one minute = 15000 ticks
	init(s);
	const uint64_t at[] = {0, 1000, 14999, 15000, 16000, 30000};
	for (uint64_t j : at) {
		fake::set_jiffies(j);
		account(udp4(uint16_t(j), 100), 2, 3);
		export_all();
	}
	const std::vector<Msg> msgs = parse_all();
	ASSERT_EQ(msgs.size(), 6u);
	const bool want[] = {true, false, false, true, false, true};
	for (int i = 0; i < 6; i++)
		EXPECT_EQ(msgs[i].has_template(258), want[i]) << "message " << i;
	// At 60 s the metering statistics are due again (every minute), with
	// their template (also a minute old); the system record is not (5 min).
	EXPECT_EQ(describe(msgs[3]), metering(257, false) + " D257x1 " + udp4_tpl(258, false) + " D258x1");
	EXPECT_EQ(describe(msgs[5]), metering(257, false) + " D257x1 " + udp4_tpl(258, false) + " D258x1");
	// exported before message 3: 3 datagrams, 3 flows; octets = their sizes.
	const std::vector<Buf> sent = fake::sent();
	const uint64_t octets = sent[0].size() + sent[1].size() + sent[2].size();
	EXPECT_EQ(msgs[3].records_of(257), std::vector<Buf>{metering_record(7, 3, 3, octets, 4)});
}

TEST_F(IpfixE2E, ResendTemplatesAfterDestinationChange)
{
	init();
	fake::set_jiffies(100);
	account(udp4(1, 100), 2, 3);
	export_all();
	fake::set_jiffies(200);
	account(udp4(2, 100), 2, 3);
	export_all();
	nfc_resend_templates();
	fake::set_jiffies(300);
	account(udp4(3, 100), 2, 3);
	export_all();
	const std::vector<Msg> msgs = parse_all();
	ASSERT_EQ(msgs.size(), 3u);
	EXPECT_EQ(describe(msgs[1]), "D258x1");
	// Same ids, every template again, with the system options.
	EXPECT_EQ(describe(msgs[2]), sysinit_ipfix + " D256x1 " + metering(257, false) + " D257x1 " +
					     udp4_tpl(258, false) + " D258x1");
}

// A destination that missed a datagram (full socket buffer, no route)
// missed its templates too: they go again before their next records, and
// only those that were in it.
TEST_F(IpfixE2E, TemplatesOfADatagramADestinationMissedGoAgain)
{
	init();
	fake::set_jiffies(100);
	account(udp4(1, 100), 2, 3);
	export_all();			// T256..T258: all destinations took it
	fake::set_jiffies(200);
	account(udp6(), 2, 3);
	fake::set_send_result(1, 1);	// one took it, one did not
	export_all();			// the IPv6 template, missed by one
	fake::set_send_result(1, 0);
	fake::set_jiffies(300);
	account(udp6(), 2, 3);
	account(udp4(2, 100), 2, 3);
	export_all();
	fake::set_jiffies(400);
	account(udp6(), 2, 3);
	export_all();
	const std::vector<Msg> msgs = parse_all();
	ASSERT_EQ(msgs.size(), 4u);
	EXPECT_TRUE(msgs[1].has_template(259)) << describe(msgs[1]);
	EXPECT_TRUE(msgs[2].has_template(259)) << describe(msgs[2]);
	EXPECT_FALSE(msgs[2].has_template(258)) << describe(msgs[2]);
	EXPECT_FALSE(msgs[2].has_template(256)) << describe(msgs[2]);
	EXPECT_FALSE(msgs[3].has_template(259)) << describe(msgs[3]);
	EXPECT_EQ(xstats().datagrams, 4u);
	EXPECT_EQ(xstats().errors, 0u);
}

// The sysctl destination handler sends the datagram being filled before it
// replaces the sockets: its data sets lean on templates only the old
// collectors have seen.
TEST_F(IpfixE2E, SendPendingBeforeDestinationChange)
{
	init();
	fake::set_jiffies(100);
	account(udp4(1, 100), 2, 3);
	export_all();
	fake::set_jiffies(200);
	account(udp4(2, 100), 2, 3);
	fake::set_jiffies(200 + 16 * 250);	// past the inactive timeout
	nfc_export(NFC_EXPORT_DUE, 0);
	ASSERT_EQ(fake::sent_count(), 1u);	// the expired flow waits for company
	nfc_send_pending();
	ASSERT_EQ(fake::sent_count(), 2u);
	nfc_send_pending();			// nothing pending: nothing sent
	ASSERT_EQ(fake::sent_count(), 2u);
	nfc_resend_templates();
	account(udp4(3, 100), 2, 3);
	export_all();
	const std::vector<Msg> msgs = parse_all();
	ASSERT_EQ(msgs.size(), 3u);
	EXPECT_NE(describe(msgs[1]).find("D258x1"), std::string::npos) << describe(msgs[1]);
	EXPECT_EQ(describe(msgs[1]).find("T258"), std::string::npos) << describe(msgs[1]);
	EXPECT_NE(describe(msgs[2]).find(udp4_tpl(258, false) + " D258x1"), std::string::npos) << describe(msgs[2]);
}

TEST_F(IpfixE2E, Ipv6FlowAllFields)
{
	init();
	const uint8_t nh[16] = {0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01};
	fake::set_route_nexthop(nh);
	fake::set_jiffies(1000);
	account(tcp6_hbh(0), 3, 4);
	fake::set_jiffies(1500);
	export_all();
	const std::vector<Msg> msgs = parse_all();
	ASSERT_EQ(msgs.size(), 1u);
	EXPECT_EQ(describe(msgs[0]), sysinit_ipfix + " D256x1 " + metering(257, false) +
					     " D257x1 T258[27:16 28:16 62:16 60:1 64:4 7:2 11:2 6:2 10:4 14:4 2:8 1:8 "
					     "152:8 153:8 4:1 5:1 136:1 209:8] D258x1");
	// clang-format off
	const Buf expected = cat({
		v6_addresses,
		{0x06,
		 0x00, 0x00, 0x00, 0x02,                        // hop-by-hop
		 0x01, 0xbb, 0xc3, 0x50,
		 0x00, 0x12,
		 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x04,
		 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
		 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x48, // 72 bytes
		 0x00, 0x00, 0x01, 0x8b, 0xcf, 0xe5, 0x77, 0xa0,
		 0x00, 0x00, 0x01, 0x8b, 0xcf, 0xe5, 0x77, 0xa0,
		 0x06, 0xb8, 0x04,
		 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04}, // MSS: kind 2
	});
	// clang-format on
	EXPECT_EQ(msgs[0].records_of(258), std::vector<Buf>{expected});
	EXPECT_EQ(msgs[0].data_set(258)->length, 4 + 110 + 2);
}

TEST_F(IpfixE2E, Ipv6FlowLabelReachesTheRecord)
{
	// The first packet's flow label becomes flowLabelIPv6 (31) right after
	// ipVersion (docs/ORIGINAL.md §4.3/§4.4); a later packet of the flow with
	// another label does not change it.
	init();
	fake::set_jiffies(1000);
	account(tcp6_hbh(0x12345), 3, 4);
	fake::set_jiffies(1100);
	account(tcp6_hbh(0xfedcb), 3, 4);
	fake::set_jiffies(1500);
	export_all();
	const std::vector<Msg> msgs = parse_all();
	ASSERT_EQ(msgs.size(), 1u);
	EXPECT_EQ(describe(msgs[0]), sysinit_ipfix + " D256x1 " + metering(257, false) +
					     " D257x1 T258[27:16 28:16 62:16 60:1 31:4 64:4 7:2 11:2 6:2 10:4 14:4 2:8 "
					     "1:8 152:8 153:8 4:1 5:1 136:1 209:8] D258x1");
	const std::vector<Buf> recs = msgs[0].records_of(258);
	ASSERT_EQ(recs.size(), 1u);
	ASSERT_EQ(recs[0].size(), 114u);
	EXPECT_EQ(Buf(recs[0].begin() + 49, recs[0].begin() + 53), (Buf{0x00, 0x01, 0x23, 0x45}));
	EXPECT_EQ(be64(&recs[0][71]), 2u);	// packets: both in the one flow
}

TEST_F(IpfixE2E, IdleAndActiveEndReasons)
{
	init();
	fake::set_jiffies(0);
	account(udp4(1, 100), 2, 3);
	// Idle after 15 s: taken at tick 3750, sent with the next run a second
	// later (a partly filled message waits for company up to a second).
	fake::set_jiffies(3750);
	nfc_export(NFC_EXPORT_DUE, 0);
	EXPECT_EQ(fake::sent_count(), 0u);
	fake::set_jiffies(4000);
	nfc_export(NFC_EXPORT_DUE, 0);
	std::vector<Msg> msgs = parse_all();
	ASSERT_EQ(msgs.size(), 1u);
	std::vector<Buf> recs = msgs[0].records_of(258);
	ASSERT_EQ(recs.size(), 1u);
	EXPECT_EQ(recs[0].back(), 0x01);	// idle timeout
	// flowStart = flowEnd = tick 0 = the boot wall time.
	EXPECT_EQ(be64(&recs[0][43]), 1700000000000ull);
	EXPECT_EQ(be64(&recs[0][51]), 1700000000000ull);

	// Active timeout 1800 s: a packet past it ends the record.
	const uint64_t t0 = 10000;
	fake::set_jiffies(t0);
	account(udp4(2, 100), 2, 3);
	for (uint64_t j = t0 + 1000; j < t0 + 1800 * 250; j += 1000) {
		fake::set_jiffies(j);
		account(udp4(2, 100), 2, 3);	// 449 packets, never idle
		nfc_export(NFC_EXPORT_DUE, 0);
	}
	fake::set_jiffies(t0 + 1800 * 250);
	account(udp4(2, 100), 2, 3);	// the 451st: now past the active timeout
	nfc_export(NFC_EXPORT_DUE, 0);
	fake::set_jiffies(t0 + 1800 * 250 + 250);
	nfc_export(NFC_EXPORT_DUE, 0);
	msgs = parse_all();
	std::vector<Buf> flows;
	for (const Msg& m : msgs)
		for (const Buf& r : m.records_of(258))
			flows.push_back(r);
	ASSERT_EQ(flows.size(), 2u);
	EXPECT_EQ(flows[1].back(), 0x02);	// active timeout
	EXPECT_EQ(be64(&flows[1][27]), 451u);
	EXPECT_EQ(be64(&flows[1][35]), 45100u);
	// Start at tick 10000, end at tick 460000.
	EXPECT_EQ(be64(&flows[1][43]), 1700000000000ull + 40000);
	EXPECT_EQ(be64(&flows[1][51]), 1700000000000ull + 1840000);
}

TEST_F(IpfixE2E, SwitchToV9ExportsUnderIpfixFirst)
{
	init();
	fake::set_route_nexthop_v4(10, 0, 0, 254);
	fake::set_jiffies(1000);
	account(udp4(1234, 100), 2, -1);
	account(tcp6_hbh(0), 3, 4);
	fake::set_jiffies(1500);
	ASSERT_EQ(nfc_set(NFC_PROTOCOL, 9), 0);
	EXPECT_EQ(nfc_get(NFC_PROTOCOL), 9u);
	ASSERT_EQ(fake::sent_count(), 1u);
	{
		const std::vector<Msg> msgs = parse_all();
		const Msg& m = msgs[0];
		EXPECT_EQ(m.version, 10);
		EXPECT_EQ(m.seq, 0u);
		const std::string d = describe(m);
		EXPECT_EQ(d.substr(0, d.find(" T259")), sysinit_ipfix + " D256x1 " + metering(257, false) + " D257x1 " +
								 udp4_tpl(258, false) + " D258x1");
		EXPECT_NE(d.find(" T259[27:16"), std::string::npos);
		EXPECT_EQ(d.substr(d.size() - 7), " D259x1");
		// Both flows forced out (reason 4).
		const Buf v4rec = m.records_of(258).at(0);
		EXPECT_EQ(v4rec.back(), 0x04);
		const Buf v6rec = m.records_of(259).at(0);
		ASSERT_EQ(v6rec.size(), 110u);
		EXPECT_EQ(v6rec[110 - 9], 0x04);
	}
	EXPECT_EQ(g_core->nr_flows, 0u);

	// Next traffic goes out as v9 with fresh templates numbered from 256.
	fake::set_jiffies(2000);
	account(udp4(1234, 100), 2, -1);
	fake::set_jiffies(2500);
	export_all();
	ASSERT_EQ(fake::sent_count(), 2u);
	const std::vector<Msg> msgs = parse_all();
	const Msg& v = msgs[1];
	EXPECT_EQ(v.version, 9);
	EXPECT_EQ(v.count, 6);
	EXPECT_EQ(v.uptime, 10000u);
	EXPECT_EQ(v.domain, 7u);
	EXPECT_EQ(describe(v), sysinit_v9 + " D256x1 " + metering(257, true) + " D257x1 " + udp4_tpl(258, true) +
				       " D258x1");
	// Statistics so far: the one IPFIX message with its two flows.
	EXPECT_EQ(v.records_of(257), std::vector<Buf>{metering_record(7, 1, 2, fake::sent()[0].size(), 3)});
	// The v9 counter counts every message handed to the wire before this one.
	const uint32_t first_v9_seq = v.seq;
	EXPECT_EQ(first_v9_seq, 1u);

	fake::set_jiffies(2600);
	account(udp4(4321, 100), 2, -1);
	export_all();
	const std::vector<Msg> after = parse_all();
	ASSERT_EQ(after.size(), 3u);
	EXPECT_EQ(after[2].version, 9);
	EXPECT_EQ(after[2].seq, first_v9_seq + 1);
	EXPECT_EQ(describe(after[2]), "D258x1");
}

TEST_F(IpfixE2E, SwitchBackToIpfixRenumbersAgain)
{
	Settings s;
	s.protocol = 9;
	init(s);
	fake::set_jiffies(100);
	account(udp4(1, 100), 2, 3);
	ASSERT_EQ(nfc_set(NFC_PROTOCOL, 10), 0);
	fake::set_jiffies(200);
	account(udp4(2, 100), 2, 3);
	export_all();
	const std::vector<Msg> msgs = parse_all();
	ASSERT_EQ(msgs.size(), 2u);
	EXPECT_EQ(msgs[0].version, 9);
	EXPECT_EQ(msgs[1].version, 10);
	EXPECT_EQ(describe(msgs[1]), sysinit_ipfix + " D256x1 " + metering(257, false) + " D257x1 " +
					     udp4_tpl(258, false) + " D258x1");
	// Unchanged protocol and bad values.
	EXPECT_EQ(nfc_set(NFC_PROTOCOL, 10), 0);
	EXPECT_EQ(nfc_set(NFC_PROTOCOL, 8), NF_EINVAL);
	EXPECT_EQ(nfc_get(NFC_PROTOCOL), 10u);
	EXPECT_EQ(fake::sent_count(), 2u);
	EXPECT_EQ(nfc_set(NFC_PROTOCOL, 4), NF_EINVAL);
}

namespace {

// 100 UDP flows 10.0.<i/200>.<i%200+1>, sport 1000+i, 100 bytes, all at
// tick 100, taken at tick 200.
void hundred_flows()
{
	fake::set_jiffies(100);
	for (int i = 0; i < 100; i++)
		account(udp4(uint16_t(1000 + i), 100, 2, uint8_t(i / 200), uint8_t(i % 200 + 1)), 2, 3);
	fake::set_jiffies(200);
	nfc_export(NFC_EXPORT_ALL, 0);
}

// The sport of each exported record (bytes 13-14 of the IPv4 ports record
// in both dialects), messages `from` on.
std::vector<uint16_t> sports(const std::vector<Msg>& msgs, size_t from)
{
	std::vector<uint16_t> out;
	for (size_t i = from; i < msgs.size(); i++)
		for (const Buf& r : msgs[i].records_of(258))
			out.push_back(be16(&r[13]));
	return out;
}

std::vector<uint16_t> iota_ports()
{
	std::vector<uint16_t> v;
	for (int i = 0; i < 100; i++)
		v.push_back(uint16_t(1000 + i));
	return v;
}

} // namespace

TEST_F(IpfixE2E, FullMessageSplitsIpfix)
{
	init();
	export_all();	// the options message first
	ASSERT_EQ(fake::sent_count(), 1u);
	hundred_flows();
	const std::vector<Msg> msgs = parse_all();
	ASSERT_EQ(msgs.size(), 6u);
	// 1: 16 + 72 + 4 + 21 * 62 + 2 = 1396; 2-4: 16 + 4 + 22 * 62 = 1384;
	// 5: 16 + 4 + 13 * 62 + 2 = 828.
	const size_t sizes[] = {1396, 1384, 1384, 1384, 828};
	const unsigned recs[] = {21, 22, 22, 22, 13};
	uint32_t seq = 2;	// the system and statistics records
	for (int i = 1; i <= 5; i++) {
		SCOPED_TRACE(i);
		EXPECT_EQ(msgs[i].size, sizes[i - 1]);
		EXPECT_LE(msgs[i].size, 1416u);
		EXPECT_EQ(msgs[i].data_records(), recs[i - 1]);
		EXPECT_EQ(msgs[i].seq, seq);
		seq += recs[i - 1];
		EXPECT_EQ(msgs[i].has_template(258), i == 1);
		EXPECT_EQ(msgs[i].sets.size(), i == 1 ? 2u : 1u);
	}
	EXPECT_EQ(sports(msgs, 1), iota_ports());
	EXPECT_EQ(xstats().flows, 100u);
	EXPECT_EQ(xstats().lost_flows, 0u);
}

TEST_F(IpfixE2E, FullMessageSplitsV9)
{
	Settings s;
	s.protocol = 9;
	init(s);
	export_all();
	hundred_flows();
	const std::vector<Msg> msgs = parse_all();
	ASSERT_EQ(msgs.size(), 5u);
	// 1: 20 + 68 + 4 + 25 * 52 = 1392; 2-3: 20 + 4 + 26 * 52 = 1376;
	// 4: 20 + 4 + 23 * 52 = 1220.
	const size_t sizes[] = {1392, 1376, 1376, 1220};
	const unsigned recs[] = {25, 26, 26, 23};
	for (int i = 1; i <= 4; i++) {
		SCOPED_TRACE(i);
		EXPECT_EQ(msgs[i].size, sizes[i - 1]);
		EXPECT_LE(msgs[i].size, 1420u);
		EXPECT_EQ(msgs[i].data_records(), recs[i - 1]);
		EXPECT_EQ(msgs[i].count, recs[i - 1] + (i == 1));
		EXPECT_EQ(msgs[i].seq, uint32_t(i));
		EXPECT_EQ(msgs[i].has_template(258), i == 1);
	}
	EXPECT_EQ(sports(msgs, 1), iota_ports());
}

TEST_F(IpfixE2E, FullMessageSplitsWithTemplatesOnlyWhenDue)
{
	Settings s;
	s.refresh_rate = 2;
	init(s);
	export_all();	// message 0: options
	hundred_flows();
	const std::vector<Msg> msgs = parse_all();
	ASSERT_EQ(msgs.size(), 6u);
	// Template first in message 1, due again in message 4 (4 - 1 > 2).
	const bool tpl[] = {true, false, false, true, false};
	const unsigned recs[] = {21, 22, 22, 21, 14};
	const size_t sizes[] = {1396, 1384, 1384, 1396, 888};
	for (int i = 1; i <= 5; i++) {
		SCOPED_TRACE(i);
		EXPECT_EQ(msgs[i].has_template(258), tpl[i - 1]);
		EXPECT_EQ(msgs[i].data_records(), recs[i - 1]);
		EXPECT_EQ(msgs[i].size, sizes[i - 1]);
	}
	EXPECT_EQ(sports(msgs, 1), iota_ports());
}

TEST_F(IpfixE2E, MixedShapesInOneMessage)
{
	for (uint32_t proto : {10u, 9u}) {
		SCOPED_TRACE(proto);
		if (g_core)
			nfc_exit();
		fake::clear_sent();
		Settings s;
		s.protocol = proto;
		init(s);
		const bool v9 = proto == 9;
		fake::set_jiffies(1000);
		account(udp4(1234, 100), 2, 3);
		account(icmp4_echo(), 2, 3);
		account(udp6(), 2, 3);
		account(udp4(1235, 100), 2, 3);
		fake::set_jiffies(1500);
		export_all();
		const std::vector<Msg> msgs = parse_all();
		ASSERT_EQ(msgs.size(), 1u);
		const std::string icmp =
			v9 ? "T259[8:4 12:4 15:4 60:1 7:2 11:2 10:4 14:4 2:8 1:8 22:4 21:4 4:1 5:1]"
			   : "T259[8:4 12:4 15:4 60:1 32:2 10:4 14:4 2:8 1:8 152:8 153:8 4:1 5:1 136:1]";
		const std::string udp6 =
			v9 ? "T260[27:16 28:16 62:16 60:1 7:2 11:2 6:1 10:4 14:4 2:8 1:8 22:4 21:4 4:1 5:1]"
			   : "T260[27:16 28:16 62:16 60:1 7:2 11:2 6:2 10:4 14:4 2:8 1:8 152:8 153:8 4:1 5:1 136:1]";
		// Each template right before its first record; a record of an
		// earlier template after another set opens a new data set.
		EXPECT_EQ(describe(msgs[0]), (v9 ? sysinit_v9 : sysinit_ipfix) + " D256x1 " + metering(257, v9) +
						     " D257x1 " + udp4_tpl(258, v9) + " D258x1 " + icmp + " D259x1 " +
						     udp6 + " D260x1 D258x1");
		if (v9) {
			EXPECT_EQ(msgs[0].count, 4 + 5 + 2);
		}
		// ICMP: v9 puts type << 8 | code in the destination port.
		const Buf icmp_rec = msgs[0].records_of(259).at(0);
		if (v9) {
			EXPECT_EQ(Buf(icmp_rec.begin() + 13, icmp_rec.begin() + 17), (Buf{0x00, 0x00, 0x08, 0x00}));
		} else {
			EXPECT_EQ(Buf(icmp_rec.begin() + 13, icmp_rec.begin() + 15), (Buf{0x08, 0x00}));
		}
		// Destination 10.0.0.3, 84 bytes.
		EXPECT_EQ(Buf(icmp_rec.begin() + 4, icmp_rec.begin() + 8), (Buf{0x0a, 0x00, 0x00, 0x03}));
		EXPECT_EQ(be64(&icmp_rec[icmp_rec.size() - (v9 ? 18 : 27)]), 84u);
		// The IPv6 record: ports 5353 -> 53, 60 bytes.
		const Buf u6 = msgs[0].records_of(260).at(0);
		EXPECT_EQ(u6[48], 0x06);
		EXPECT_EQ(Buf(u6.begin() + 49, u6.begin() + 53), (Buf{0x14, 0xe9, 0x00, 0x35}));
		const std::vector<Buf> v4 = msgs[0].records_of(258);
		ASSERT_EQ(v4.size(), 2u);
		EXPECT_EQ(be16(&v4[0][13]), 1234);
		EXPECT_EQ(be16(&v4[1][13]), 1235);
	}
}

TEST_F(IpfixE2E, EndOfFlowReasonAndTcpFlags)
{
	init();
	fake::set_jiffies(0);
	account(tcp4(0x02), 2, 3);	// SYN
	fake::set_jiffies(10);
	account(tcp4(0x11), 2, 3);	// FIN|ACK
	fake::set_jiffies(10 + 3750);
	nfc_export(NFC_EXPORT_DUE, 0);
	fake::set_jiffies(10 + 3750 + 250);
	nfc_export(NFC_EXPORT_DUE, 0);
	const std::vector<Msg> msgs = parse_all();
	ASSERT_EQ(msgs.size(), 1u);
	const std::vector<Buf> recs = msgs[0].records_of(258);
	ASSERT_EQ(recs.size(), 1u);
	EXPECT_EQ(Buf(recs[0].begin() + 13, recs[0].begin() + 19), (Buf{0x9c, 0x40, 0x00, 0x50, 0x00, 0x13}));
	EXPECT_EQ(be64(&recs[0][35]), 80u);
	EXPECT_EQ(recs[0][59], 0x06);
	EXPECT_EQ(recs[0].back(), 0x03);	// end of flow detected
	// Exported at tick 4010 (first run at 3760 only queued it).
	EXPECT_EQ(msgs[0].secs, 1700000016u);
}

TEST_F(IpfixE2E, PeriodicOptionsRecords)
{
	fake::set_interfaces({{5, "ens3", ""}});
	init();
	nfc_export(NFC_EXPORT_DUE, 0);	// tick 0: queues system, interface, statistics
	EXPECT_EQ(fake::sent_count(), 0u);
	fake::set_jiffies(250);
	nfc_export(NFC_EXPORT_DUE, 0);	// a second later: sent
	ASSERT_EQ(fake::sent_count(), 1u);
	const size_t first_size = fake::sent()[0].size();
	// Statistics every minute, without their template (not due).
	fake::set_jiffies(15000);
	nfc_export(NFC_EXPORT_DUE, 0);
	fake::set_jiffies(15250);
	nfc_export(NFC_EXPORT_DUE, 0);
	ASSERT_EQ(fake::sent_count(), 2u);
	// System and interfaces every 5 minutes, with statistics.
	fake::set_jiffies(75000);
	nfc_export(NFC_EXPORT_DUE, 0);
	fake::set_jiffies(75250);
	nfc_export(NFC_EXPORT_DUE, 0);
	ASSERT_EQ(fake::sent_count(), 3u);
	const std::vector<Msg> msgs = parse_all();
	EXPECT_EQ(describe(msgs[0]), sysinit_ipfix + " D256x1 O257[10:4 82:16 83:32 /1] D257x1 " +
					     metering(258, false) + " D258x1");
	EXPECT_EQ(describe(msgs[1]), "D258x1");
	EXPECT_EQ(msgs[1].records_of(258), std::vector<Buf>{metering_record(7, 1, 0, first_size, 0)});
	EXPECT_EQ(msgs[1].seq, 3u);
	EXPECT_EQ(describe(msgs[2]), "D256x1 D257x1 D258x1");
	EXPECT_EQ(msgs[2].seq, 4u);
	EXPECT_EQ(msgs[2].records_of(257).at(0),
		  cat({{0, 0, 0, 5}, {'e', 'n', 's', '3'}, zeros(12), zeros(32)}));
	// The system record keeps the same boot time.
	EXPECT_EQ(msgs[2].records_of(256), std::vector<Buf>{sysinit_record_7});
}

// KB2 (tests/fuzz/crashes): options records written into a pending message
// must leave under the domain they name, even if engine_id changes before the
// message is sent.
TEST_F(IpfixE2E, EngineIdChangeFlushesThePendingMessage)
{
	Settings s;
	s.engine_id = 0xffffffff;
	init(s);
	nfc_export(NFC_EXPORT_DUE, 0);	// options records wait in the message
	ASSERT_EQ(nfc_set(NFC_ENGINE_ID, 0), 0);
	fake::set_jiffies(100);
	account(udp4(1, 100), 2, 3);
	export_all();
	const std::vector<Msg> msgs = parse_all();
	ASSERT_GE(msgs.size(), 2u);
	EXPECT_EQ(msgs[0].domain, 0xffffffffu);
	for (const Buf& r : msgs[0].records_of(256))
		EXPECT_EQ(Buf(r.begin(), r.begin() + 4), (Buf{0xff, 0xff, 0xff, 0xff}));
	for (const Buf& r : msgs[0].records_of(257))
		EXPECT_EQ(Buf(r.begin(), r.begin() + 4), (Buf{0xff, 0xff, 0xff, 0xff}));
	for (size_t i = 1; i < msgs.size(); i++) {
		EXPECT_EQ(msgs[i].domain, 0u);
		for (const Buf& r : msgs[i].records_of(257))
			EXPECT_EQ(Buf(r.begin(), r.begin() + 4), (Buf{0, 0, 0, 0}));
	}
}

TEST_F(IpfixE2E, EngineIdIsTheDomain)
{
	Settings s;
	s.engine_id = 0xa1b2c3d4;
	init(s);
	export_all();
	ASSERT_EQ(nfc_set(NFC_ENGINE_ID, 99), 0);
	fake::set_jiffies(100);
	account(udp4(1, 100), 2, 3);
	export_all();
	const std::vector<Msg> msgs = parse_all();
	ASSERT_EQ(msgs.size(), 2u);
	EXPECT_EQ(msgs[0].domain, 0xa1b2c3d4u);
	const Buf sys = msgs[0].records_of(256).at(0);
	const Buf stats = msgs[0].records_of(257).at(0);
	EXPECT_EQ(Buf(sys.begin(), sys.begin() + 4), (Buf{0xa1, 0xb2, 0xc3, 0xd4}));
	EXPECT_EQ(Buf(stats.begin(), stats.begin() + 4), (Buf{0xa1, 0xb2, 0xc3, 0xd4}));
	EXPECT_EQ(msgs[1].domain, 99u);
}

// Issue 20 item 2: templates are per domain, so the first message under a new
// engine_id carries every template and options record its records need.
// parse_all() fails a data set whose template its domain has not seen.
TEST_F(IpfixE2E, EngineIdChangeSendsTemplatesUnderTheNewDomain)
{
	for (uint32_t protocol : {9u, 10u}) {
		SCOPED_TRACE(protocol);
		if (g_core)
			nfc_exit();
		fake::reset();
		Settings s;
		s.protocol = protocol;
		init(s);
		fake::set_jiffies(10);
		account(udp4(1, 100), 2, 3);
		export_all();
		ASSERT_EQ(nfc_set(NFC_ENGINE_ID, 8), 0);
		fake::set_jiffies(100);
		account(udp4(2, 100), 2, 3);
		export_all();
		const std::vector<Msg> msgs = parse_all();
		ASSERT_EQ(msgs.size(), 2u);
		EXPECT_EQ(msgs[1].domain, 8u);
		// system, metering statistics, the flow (the fake has no interfaces)
		EXPECT_EQ(msgs[1].data_records(), 3u) << describe(msgs[1]);
		EXPECT_EQ(msgs[1].template_records(), 3u) << describe(msgs[1]);
		EXPECT_EQ(msgs[1].records_of(256).size(), 1u) << describe(msgs[1]);
	}
}

// ==== Sampling (docs/SAMPLING.md) ================================================

namespace {

uint32_t set_sampler(const char* text)
{
	uint32_t pos = 0;
	const char* reason = nullptr;
	return static_cast<uint32_t>(nfc_set_sampler(text, &pos, &reason));
}

// n distinct UDP flows 10.0.<i>.<j>:1000+k -> 10.0.0.2:53, 2 packets each.
void many_flows(uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		for (int p = 0; p < 2; p++)
			account(udp4(static_cast<uint16_t>(1000 + i % 50000), 100, 2, static_cast<uint8_t>(i / 50000 + 1),
				     static_cast<uint8_t>(i % 251)),
				2, 3);
}

// Data records of data templates, from every message.
size_t data_flow_records(const std::vector<Msg>& msgs, const std::map<uint16_t, Tpl>& known, uint16_t* last_ie = nullptr)
{
	size_t n = 0;
	for (const Msg& m : msgs)
		for (const Set& s : m.sets)
			if (s.id >= 256 && !known.at(s.id).options) {
				n += s.records.size();
				if (last_ie)
					*last_ie = known.at(s.id).fields.back().first;
			}
	return n;
}

// A flush over as many paced runs as it takes.
void export_everything()
{
	while (nfc_export(NFC_EXPORT_ALL, 0) == 0)
		;
}

// The selector statistics records (options records whose scope is
// selectorId, IE 302) of the messages sent from message `before` on.
std::vector<Buf> selector_statistics_since(size_t before)
{
	std::map<uint16_t, Tpl> known;
	const std::vector<Msg> msgs = parse_all(&known);
	std::vector<Buf> stats;
	for (size_t i = before; i < msgs.size(); i++)
		for (const Set& s : msgs[i].sets)
			if (s.id >= 256 && known.at(s.id).options && known.at(s.id).fields[0].first == 302)
				stats.insert(stats.end(), s.records.begin(), s.records.end());
	return stats;
}

} // namespace

TEST_F(IpfixE2E, SamplerRefusedTextChangesNothing)
{
	init();
	EXPECT_EQ(set_sampler("deterministic:10"), 0u);
	EXPECT_EQ(set_sampler("deterministic:1"), uint32_t(NF_EINVAL));
	EXPECT_EQ(g_core->exporter.sampler.config(), (SamplerConfig{SamplerMode::deterministic, 10}));
	EXPECT_EQ(set_sampler("off"), 0u);
	EXPECT_FALSE(g_core->exporter.sampler.on());
}

// Deterministic 1-in-10 over 10,007 flows: exactly 1,000 records, each
// ending with selectorId = 1; the selector options (count-based, spacing 9)
// and statistics go out with the first run.
TEST_F(IpfixE2E, SamplerDeterministicIpfix)
{
	init();
	fake::set_jiffies(1000);
	ASSERT_EQ(set_sampler("deterministic:10"), 0u);
	many_flows(10007);
	fake::clear_sent();
	export_everything();
	std::map<uint16_t, Tpl> known;
	const std::vector<Msg> msgs = parse_all(&known);
	uint16_t last = 0;
	EXPECT_EQ(data_flow_records(msgs, known, &last), 1000u);
	EXPECT_EQ(last, 302);
	const Sampler& s = g_core->exporter.sampler;
	EXPECT_EQ(s.stats.flows_selected, 1000u);
	EXPECT_EQ(s.stats.flows_discarded, 9007u);
	EXPECT_EQ(s.stats.pkts_selected, 2000u);
	EXPECT_EQ(s.stats.pkts_discarded, 18014u);
	// The sampler's options: found by their templates.
	bool described = false, counted = false;
	for (const Msg& m : msgs)
		for (const Set& set : m.sets) {
			if (set.id < 256 || !known.at(set.id).options)
				continue;
			const Tpl& t = known.at(set.id);
			if (t.fields[1].first == 302 && t.fields[2].first == 390) {
				described = true;
				ASSERT_EQ(set.records.size(), 1u);
				const Buf& r = set.records[0];
				EXPECT_EQ(be16(&r[12]), 1) << "systematic count-based";
				EXPECT_EQ(be64(&r[14]), 1u);
				EXPECT_EQ(be64(&r[22]), 9u);
			}
			if (t.fields[0].first == 302)
				counted = true;
		}
	EXPECT_TRUE(described);
	EXPECT_TRUE(counted);
	// Every flow left the cache: none is left for the next run.
	EXPECT_EQ(g_core->nr_flows, 0u);
}

// Hash 1-in-10 in the packet path: flows not chosen are never cached, their
// packets counted as passed over; the share within 6 standard deviations.
TEST_F(IpfixE2E, SamplerHashChoosesInThePacketPath)
{
	init();
	ASSERT_EQ(set_sampler("hash:10"), 0u);
	const uint32_t m = 20000;
	many_flows(m);
	const uint32_t cached = g_core->nr_flows;
	EXPECT_NEAR(cached, m / 10.0, 6 * std::sqrt(m * 0.1 * 0.9));
	CpuStats total{};
	g_core->for_each_cpu([&](u32, CpuCache& c) { total.add(c.stats); });
	EXPECT_EQ(total.samp_drop, 2ull * (m - cached));
	EXPECT_EQ(total.pkt_total, 2ull * cached);
	EXPECT_EQ(total.notfound, cached) << "a flow passed over is not even looked up";
	fake::clear_sent();
	export_everything();
	std::map<uint16_t, Tpl> known;
	EXPECT_EQ(data_flow_records(parse_all(&known), known), cached);
	EXPECT_EQ(g_core->exporter.sampler.stats.flows_selected, cached);
	EXPECT_EQ(g_core->exporter.sampler_pkts_discarded(*g_core), 2ull * (m - cached));
	// Off again: every flow.
	ASSERT_EQ(set_sampler(""), 0u);
	EXPECT_EQ(g_core->limits.hash_sampling_n, 0u);
	many_flows(1000);
	EXPECT_EQ(g_core->nr_flows, 1000u);
}

// A write flushes under the old sampler, then counts start again.
TEST_F(IpfixE2E, SamplerWriteFlushesAndResets)
{
	init();
	ASSERT_EQ(set_sampler("deterministic:2"), 0u);
	many_flows(10);
	fake::clear_sent();
	ASSERT_EQ(set_sampler("random:5"), 0u);
	std::map<uint16_t, Tpl> known;
	EXPECT_EQ(data_flow_records(parse_all(&known), known), 5u) << "flushed 1-in-2";
	EXPECT_EQ(g_core->nr_flows, 0u);
	EXPECT_EQ(g_core->exporter.sampler.stats.flows_selected, 0u);
	EXPECT_EQ(g_core->exporter.sampler.config(), (SamplerConfig{SamplerMode::random, 5}));
	many_flows(1000);
	export_everything();
	EXPECT_EQ(g_core->exporter.sampler.stats.flows_selected, 200u) << "one in each block of 5";
}

// v9: FLOW_SAMPLER_ID last in data records; the sampler options record.
TEST_F(IpfixE2E, SamplerV9OptionsOnTheWire)
{
	Settings st;
	st.protocol = 9;
	init(st);
	ASSERT_EQ(set_sampler("random:10"), 0u);
	many_flows(100);
	fake::clear_sent();
	export_everything();
	std::map<uint16_t, Tpl> known;
	const std::vector<Msg> msgs = parse_all(&known);
	uint16_t last = 0;
	EXPECT_EQ(data_flow_records(msgs, known, &last), 10u);
	EXPECT_EQ(last, 48);
	const std::string all = describe(msgs[0]);
	EXPECT_NE(all.find("[1:4 48:1 49:1 50:4 /1]"), std::string::npos) << all;
	for (const Set& set : msgs[0].sets) {
		if (set.id >= 256 && known.at(set.id).fields.size() == 4 && known.at(set.id).fields[1].first == 48) {
			EXPECT_EQ(set.records, std::vector<Buf>{(Buf{0, 0, 0, 7, 2, 2, 0, 0, 0, 10})});
		}
	}
	for (const Msg& m : msgs) {
		for (const Set& set : m.sets) {
			if (set.id < 256 || known.at(set.id).options)
				continue;
			for (const Buf& r : set.records)
				EXPECT_EQ(r.back(), 2) << "sampler id";
		}
	}
}

// v5: the header's sampling_interval is mode << 14 | N.
TEST_F(IpfixE2E, SamplerV5Header)
{
	Settings st;
	st.protocol = 5;
	init(st);
	ASSERT_EQ(set_sampler("deterministic:3"), 0u);
	many_flows(9);
	fake::clear_sent();
	export_everything();
	ASSERT_EQ(fake::sent_count(), 1u);
	const Buf d = fake::sent()[0];
	EXPECT_EQ(be16(&d[2]), 3) << "records";
	EXPECT_EQ(be16(&d[22]), 0x4003);
}

// IPFIX: the replaced selector's final statistics leave with the switch.
TEST_F(IpfixE2E, SamplerSwitchSendsFinalStatistics)
{
	init();
	ASSERT_EQ(set_sampler("deterministic:2"), 0u);
	many_flows(10);
	export_everything();
	const size_t before = fake::sent_count();
	ASSERT_EQ(set_sampler("random:5"), 0u);
	const std::vector<Buf> stats = selector_statistics_since(before);
	ASSERT_EQ(stats.size(), 1u);
	EXPECT_EQ(be64(&stats[0][0]), 1u) << "selector 1";
	EXPECT_EQ(be64(&stats[0][8]), 10u) << "flows observed";
	EXPECT_EQ(be64(&stats[0][16]), 5u) << "flows selected";
	EXPECT_EQ(be64(&stats[0][24]), 20u) << "packets observed";
	EXPECT_EQ(be64(&stats[0][32]), 10u) << "packets selected";
}

// Hash: the final statistics count the packets passed over in the packet
// path, also when the same sampler is written again.
TEST_F(IpfixE2E, SamplerHashRewriteCountsPassedOver)
{
	init();
	ASSERT_EQ(set_sampler("hash:2"), 0u);
	many_flows(100);
	export_everything();
	const uint64_t dropped = g_core->exporter.sampler_pkts_discarded(*g_core);
	const uint64_t selected = g_core->exporter.sampler.stats.pkts_selected;
	EXPECT_EQ(dropped + selected, 200u);
	const size_t before = fake::sent_count();
	ASSERT_EQ(set_sampler("hash:2"), 0u);
	const std::vector<Buf> stats = selector_statistics_since(before);
	ASSERT_EQ(stats.size(), 1u);
	EXPECT_EQ(be64(&stats[0][16]), 200u) << "packets observed";
	EXPECT_EQ(be64(&stats[0][24]), selected) << "packets selected";
	EXPECT_EQ(g_core->exporter.sampler_pkts_discarded(*g_core), 0u) << "the new sampler starts at zero";
}

// ---- MPLS label stacks (promisc_mpls): key, template, record -------------------------

namespace {

// One label stack entry: label, traffic class, bottom of stack, TTL.
uint32_t mpls_entry(uint32_t label, uint32_t tc, bool bottom, uint8_t ttl)
{
	return label << 12 | tc << 9 | (bottom ? 1u : 0u) << 8 | ttl;
}

// nfc_account_l2() as the glue calls it while records have a tail.
void account_labelled(const Packet& pk, std::initializer_list<uint32_t> labels, unsigned cpu = 0)
{
	nf_l2 l2{};
	for (uint32_t e : labels)
		l2.mpls[l2.mpls_depth++] = e;
	const nf_packet p = testpkt::make_nf_packet(pk.hdr.data(), uint32_t(pk.hdr.size()), pk.wire, pk.family, 2, -1,
						    uint32_t(fake::jiffies()));
	nfp_cpu_lock(cpu);
	nfc_account_l2(cpu, &p, &l2);
	nfp_cpu_unlock(cpu);
}

uint64_t be_at(const Buf& b, size_t off, size_t n)
{
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++)
		v = v << 8 | b.at(off + i);
	return v;
}

// The MPLS elements after the UDP template's own, for three labels.
const std::string mpls3_fields = " 200:1 70:3 71:3 72:3]";
std::string udp4_mpls3_tpl(unsigned id, bool v9)
{
	std::string t = udp4_tpl(id, v9);
	return t.substr(0, t.size() - 1) + mpls3_fields;
}

} // namespace

TEST(FlowExt, LayoutFollowsTheDepthAndIsEmptyWithoutIt)
{
	EXPECT_TRUE(ExtLayout::for_mpls(0).empty());
	const ExtLayout three = ExtLayout::for_mpls(3);
	EXPECT_EQ(three.key_bytes, 12);
	EXPECT_EQ(three.mpls_ttl_at, 12);
	EXPECT_EQ(three.bytes, 16);
	const ExtLayout ten = ExtLayout::for_mpls(10);
	EXPECT_EQ(ten.key_bytes, 40);
	EXPECT_EQ(ten.bytes, 48);
	EXPECT_LE(ten.bytes, max_ext_bytes);
	// Without a tail, a record is the 88 bytes (96 with its bucket) of
	// flow.hpp; the default build has none.
	EXPECT_EQ(NF_PROMISC_MPLS_DEFAULT, 0);
	EXPECT_EQ(record_size(false), 88u);
}

TEST_F(IpfixE2E, MplsLabelsAreKeyTheirTtlIsNotAndTheyAreExported)
{
	Settings s;
	s.promisc_mpls = 3;
	init(s);
	EXPECT_EQ(nfc_record_tail(), 1);
	EXPECT_EQ(record_size(false), 104u);
	EXPECT_EQ(record_size(true), 136u);
	fake::set_jiffies(1000);
	// Two labels, 16 (TC 5) over 17 (bottom): three packets, the top TTL
	// changing on the third (one more hop: the same flow).
	account_labelled(udp4(1234, 100), {mpls_entry(16, 5, false, 64), mpls_entry(17, 0, true, 63)});
	account_labelled(udp4(1234, 100), {mpls_entry(16, 5, false, 64), mpls_entry(17, 0, true, 63)});
	account_labelled(udp4(1234, 100), {mpls_entry(16, 5, false, 61), mpls_entry(17, 0, true, 63)});
	// Another bottom label: another flow.  No label: a third, without the
	// MPLS elements.
	account_labelled(udp4(1234, 200), {mpls_entry(18, 0, true, 9)});
	account_labelled(udp4(1234, 300), {});
	EXPECT_EQ(g_core->nr_flows, 3u);
	fake::set_jiffies(1500);
	export_all();
	const std::vector<Msg> msgs = parse_all();
	ASSERT_EQ(msgs.size(), 1u);
	EXPECT_EQ(describe(msgs[0]), sysinit_ipfix + " D256x1 " + metering(257, false) + " D257x1 " +
					     udp4_mpls3_tpl(258, false) + " D258x2 " + udp4_tpl(259, false) + " D259x1");
	const std::vector<Buf> labelled = msgs[0].records_of(258), plain = msgs[0].records_of(259);
	ASSERT_EQ(labelled.size(), 2u);
	ASSERT_EQ(plain.size(), 1u);
	ASSERT_EQ(labelled[0].size(), 72u);	// 62 + 1 + 3 * 3
	// packetDeltaCount at 27, octetDeltaCount at 35; after the 62 bytes of
	// the UDP record the TTL, then three label sections.
	const Buf& two = be_at(labelled[0], 27, 8) == 3 ? labelled[0] : labelled[1];
	const Buf& one = &two == &labelled[0] ? labelled[1] : labelled[0];
	EXPECT_EQ(be_at(two, 27, 8), 3u);
	EXPECT_EQ(be_at(two, 35, 8), 300u);
	EXPECT_EQ(two[62], 64);				// the first packet's TTL
	EXPECT_EQ(be_at(two, 63, 3), (16u << 4 | 5u << 1));
	EXPECT_EQ(be_at(two, 66, 3), (17u << 4 | 1u));
	EXPECT_EQ(be_at(two, 69, 3), 0u);		// no third label
	EXPECT_EQ(be_at(one, 27, 8), 1u);
	EXPECT_EQ(one[62], 9);
	EXPECT_EQ(be_at(one, 63, 3), (18u << 4 | 1u));
	EXPECT_EQ(be_at(one, 66, 3), 0u);
	EXPECT_EQ(be_at(plain[0], 27, 8), 1u);
	EXPECT_EQ(be_at(plain[0], 35, 8), 300u);
}

TEST_F(IpfixE2E, MplsTemplateInV9)
{
	Settings s;
	s.protocol = 9;
	s.promisc_mpls = 3;
	init(s);
	fake::set_jiffies(1000);
	account_labelled(udp4(1234, 100), {mpls_entry(1000, 0, true, 255)});
	fake::set_jiffies(1500);
	export_all();
	const std::vector<Msg> msgs = parse_all();
	ASSERT_EQ(msgs.size(), 1u);
	EXPECT_EQ(describe(msgs[0]), sysinit_v9 + " D256x1 " + metering(257, true) + " D257x1 " + udp4_mpls3_tpl(258, true) +
					     " D258x1");
	const std::vector<Buf> r = msgs[0].records_of(258);
	ASSERT_EQ(r.size(), 1u);
	ASSERT_EQ(r[0].size(), 62u);	// 52 + 1 + 3 * 3
	EXPECT_EQ(r[0][52], 255);
	EXPECT_EQ(be_at(r[0], 53, 3), (1000u << 4 | 1u));
	EXPECT_EQ(be_at(r[0], 56, 3), 0u);
}

TEST_F(IpfixE2E, MplsPartsOnTwoCpusJoinOnlyWithTheSameLabels)
{
	Settings s;
	s.promisc_mpls = 2;
	s.cpus = 2;
	init(s);
	fake::set_jiffies(1000);
	account_labelled(udp4(1234, 100), {mpls_entry(16, 0, true, 50)}, 1);
	fake::set_jiffies(1010);
	account_labelled(udp4(1234, 100), {mpls_entry(16, 0, true, 40)}, 0);
	account_labelled(udp4(1234, 100), {mpls_entry(17, 0, true, 40)}, 0);
	EXPECT_EQ(g_core->nr_flows, 3u);
	fake::set_jiffies(1500);
	export_all();
	std::vector<Buf> recs;
	for (const Msg& m : parse_all()) {
		const std::vector<Buf> r = m.records_of(258);
		recs.insert(recs.end(), r.begin(), r.end());
	}
	ASSERT_EQ(recs.size(), 2u);
	ASSERT_EQ(recs[0].size(), 62u + 1 + 6);
	const Buf& joined = be_at(recs[0], 27, 8) == 2 ? recs[0] : recs[1];
	const Buf& other = &joined == &recs[0] ? recs[1] : recs[0];
	EXPECT_EQ(be_at(joined, 27, 8), 2u);
	EXPECT_EQ(joined[62], 50);	// the TTL of the part that began first
	EXPECT_EQ(be_at(joined, 63, 3), (16u << 4 | 1u));
	EXPECT_EQ(be_at(other, 27, 8), 1u);
	EXPECT_EQ(be_at(other, 63, 3), (17u << 4 | 1u));
}

// ---- link-layer fields (macaddress, vlan, direction): key, template, record ----------

namespace {

const uint8_t mac_a[6] = {0x02, 0, 0, 0, 0, 0x0a}, mac_b[6] = {0x02, 0, 0, 0, 0, 0x0b};
const uint8_t mac_c[6] = {0x02, 0, 0, 0, 0, 0x0c}, mac_none[6] = {};

// What the glue reads from a frame from `src` to `dst`.
nf_l2 frame(const uint8_t* dst, const uint8_t* src, uint16_t type, uint8_t dir = NF_DIR_INGRESS,
	    uint16_t tag0 = 0, uint16_t tag1 = 0)
{
	nf_l2 l2{};
	memcpy(l2.dst_mac, dst, 6);
	memcpy(l2.src_mac, src, 6);
	l2.ethertype = type;
	l2.direction = dir;
	l2.vlan[0] = tag0;
	l2.vlan[1] = tag1;
	return l2;
}

void account_frame(const Packet& pk, const nf_l2& l2, unsigned cpu = 0)
{
	const nf_packet p = testpkt::make_nf_packet(pk.hdr.data(), uint32_t(pk.hdr.size()), pk.wire, pk.family, 2, -1,
						    uint32_t(fake::jiffies()));
	nfp_cpu_lock(cpu);
	nfc_account_l2(cpu, &p, &l2);
	nfp_cpu_unlock(cpu);
}

// The UDP template with `extra` elements after its own.
std::string udp4_tpl_with(unsigned id, bool v9, const std::string& extra)
{
	std::string t = udp4_tpl(id, v9);
	return t.substr(0, t.size() - 1) + extra + "]";
}

bool has_bytes(const Buf& b, size_t off, const uint8_t* v, size_t n)
{
	return b.size() >= off + n && std::equal(v, v + n, b.begin() + off);
}

std::vector<Buf> records_of_all(const std::vector<Msg>& msgs, unsigned id)
{
	std::vector<Buf> recs;
	for (const Msg& m : msgs) {
		const std::vector<Buf> r = m.records_of(id);
		recs.insert(recs.end(), r.begin(), r.end());
	}
	return recs;
}

} // namespace

TEST(FlowExt, LayoutOfTheLinkLayerFields)
{
	ExtChoice mac;
	mac.mac = true;
	const ExtLayout m = ExtLayout::make(mac);
	EXPECT_EQ(m.key_bytes, 12);	// destination, source
	EXPECT_TRUE(m.ethertype);
	EXPECT_EQ(m.ethertype_at, 12);
	EXPECT_EQ(m.bytes, 16);
	ExtChoice dir;
	dir.direction = true;
	const ExtLayout d = ExtLayout::make(dir);
	EXPECT_EQ(d.key_bytes, 0);
	EXPECT_FALSE(d.ethertype);
	EXPECT_EQ(d.direction_at, 0);
	EXPECT_EQ(d.bytes, 8);
	ExtChoice ports;
	ports.physdev = true;
	const ExtLayout p = ExtLayout::make(ports);
	EXPECT_EQ(p.key_bytes, 0);
	EXPECT_EQ(p.physdev_at, 0);
	EXPECT_EQ(p.bytes, 8);
	ExtChoice all;
	all.mpls_depth = 10;
	all.mac = all.vlan = all.direction = all.physdev = true;
	const ExtLayout a = ExtLayout::make(all);
	EXPECT_EQ(a.key_bytes, 40 + 12 + 4);
	EXPECT_EQ(a.mac_at, 40);
	EXPECT_EQ(a.vlan_at, 52);
	EXPECT_EQ(a.physdev_at, 56);
	EXPECT_EQ(a.ethertype_at, 64);
	EXPECT_EQ(a.mpls_ttl_at, 66);
	EXPECT_EQ(a.direction_at, 67);
	EXPECT_EQ(a.bytes, 72);
	EXPECT_LE(a.bytes, max_ext_bytes);
	// The MPLS-only layout is what it was.
	const ExtLayout three = ExtLayout::for_mpls(3);
	EXPECT_EQ(three.mpls_ttl_at, 12);
	EXPECT_EQ(three.bytes, 16);
	EXPECT_FALSE(three.ethertype);
	EXPECT_TRUE(ExtLayout::make(ExtChoice{}).empty());
	EXPECT_EQ(NF_MACADDRESS_DEFAULT, 0);
	EXPECT_EQ(NF_VLAN_DEFAULT, 0);
	EXPECT_EQ(NF_DIRECTION_DEFAULT, 0);
	EXPECT_EQ(NF_PHYSDEV_DEFAULT, 0);
}

// 0 or 1, load time only; any of them gives records a tail.
TEST(FlowExt, LinkLayerSettingsRangeAndLoadTimeOnly)
{
	for (nfc_setting id : {NFC_MACADDRESS, NFC_VLAN, NFC_DIRECTION}) {
		EXPECT_EQ(nfc_check(id, 0), NF_OK);
		EXPECT_EQ(nfc_check(id, 1), NF_OK);
		EXPECT_EQ(nfc_check(id, 2), NF_EINVAL);
		EXPECT_EQ(nfc_check(id, 0xffffffffu), NF_EINVAL);
		nfc_init_args a = default_init_args(1, 4096);
		ASSERT_EQ(nfc_init(&a), 0);
		EXPECT_EQ(nfc_get(id), 0u);
		EXPECT_EQ(nfc_record_tail(), 0);
		EXPECT_EQ(nfc_set(id, 1), NF_EBUSY);
		EXPECT_EQ(nfc_get(id), 0u);
		nfc_exit();
		a.settings[id] = 1;
		ASSERT_EQ(nfc_init(&a), 0);
		EXPECT_EQ(nfc_get(id), 1u);
		EXPECT_EQ(nfc_record_tail(), 1);
		nfc_exit();
	}
}

// physdev: 0, 1 (ports kept and exported: a tail) or 2 (ports in place of
// the interfaces, which the glue does: no tail); load time only.
TEST(FlowExt, PhysdevRangeAndLoadTimeOnly)
{
	EXPECT_EQ(nfc_check(NFC_PHYSDEV, 0), NF_OK);
	EXPECT_EQ(nfc_check(NFC_PHYSDEV, NF_PHYSDEV_EXPORT), NF_OK);
	EXPECT_EQ(nfc_check(NFC_PHYSDEV, NF_PHYSDEV_OVERRIDE), NF_OK);
	EXPECT_EQ(nfc_check(NFC_PHYSDEV, 3), NF_EINVAL);
	EXPECT_EQ(nfc_check(NFC_PHYSDEV, 0xffffffffu), NF_EINVAL);
	nfc_init_args a = default_init_args(1, 4096);
	for (uint32_t mode : {0u, 1u, 2u}) {
		a.settings[NFC_PHYSDEV] = mode;
		ASSERT_EQ(nfc_init(&a), 0);
		EXPECT_EQ(nfc_get(NFC_PHYSDEV), mode);
		EXPECT_EQ(nfc_record_tail(), mode == NF_PHYSDEV_EXPORT ? 1 : 0);
		EXPECT_EQ(nfc_set(NFC_PHYSDEV, mode == 1 ? 2 : 1), NF_EBUSY);
		EXPECT_EQ(nfc_get(NFC_PHYSDEV), mode);
		nfc_exit();
	}
}

TEST_F(IpfixE2E, MacAddressesAreKeyEthertypeIsNotAndTheyAreExported)
{
	Settings s;
	s.macaddress = 1;
	init(s);
	EXPECT_EQ(nfc_record_tail(), 1);
	EXPECT_EQ(record_size(false), 104u);
	EXPECT_EQ(record_size(true), 136u);
	fake::set_jiffies(1000);
	// a -> b twice (the type of the second packet is not the flow's),
	// c -> b once: two flows.  No MAC header (sent locally): a third,
	// without the MAC elements.
	account_frame(udp4(1234, 100), frame(mac_b, mac_a, 0x0800));
	account_frame(udp4(1234, 100), frame(mac_b, mac_a, 0x86dd));
	account_frame(udp4(1234, 100), frame(mac_b, mac_c, 0x0800));
	account_frame(udp4(1234, 100), frame(mac_none, mac_none, 0x0800));
	EXPECT_EQ(g_core->nr_flows, 3u);
	fake::set_jiffies(1500);
	export_all();
	const std::vector<Msg> msgs = parse_all();
	ASSERT_EQ(msgs.size(), 1u);
	EXPECT_EQ(describe(msgs[0]), sysinit_ipfix + " D256x1 " + metering(257, false) + " D257x1 " +
					     udp4_tpl_with(258, false, " 80:6 56:6 256:2") + " D258x2 " +
					     udp4_tpl_with(259, false, " 256:2") + " D259x1");
	const std::vector<Buf> macs = msgs[0].records_of(258), local = msgs[0].records_of(259);
	ASSERT_EQ(macs.size(), 2u);
	ASSERT_EQ(local.size(), 1u);
	ASSERT_EQ(macs[0].size(), 62u + 12 + 2);
	const Buf& two = be_at(macs[0], 27, 8) == 2 ? macs[0] : macs[1];
	const Buf& one = &two == &macs[0] ? macs[1] : macs[0];
	EXPECT_EQ(be_at(two, 27, 8), 2u);
	EXPECT_TRUE(has_bytes(two, 62, mac_b, 6));	// destinationMacAddress
	EXPECT_TRUE(has_bytes(two, 68, mac_a, 6));	// sourceMacAddress
	EXPECT_EQ(be_at(two, 74, 2), 0x0800u);		// the first packet's
	EXPECT_EQ(be_at(one, 27, 8), 1u);
	EXPECT_TRUE(has_bytes(one, 62, mac_b, 6));
	EXPECT_TRUE(has_bytes(one, 68, mac_c, 6));
	ASSERT_EQ(local[0].size(), 62u + 2);
	EXPECT_EQ(be_at(local[0], 62, 2), 0x0800u);
}

TEST_F(IpfixE2E, MacAndDirectionTemplateInV9)
{
	Settings s;
	s.protocol = 9;
	s.macaddress = 1;
	s.direction = 1;
	init(s);
	fake::set_jiffies(1000);
	account_frame(udp4(1234, 100), frame(mac_b, mac_a, 0x0800, NF_DIR_EGRESS));
	fake::set_jiffies(1500);
	export_all();
	const std::vector<Msg> msgs = parse_all();
	ASSERT_EQ(msgs.size(), 1u);
	EXPECT_EQ(describe(msgs[0]), sysinit_v9 + " D256x1 " + metering(257, true) + " D257x1 " +
					     udp4_tpl_with(258, true, " 80:6 56:6 256:2 61:1") + " D258x1");
	const std::vector<Buf> r = msgs[0].records_of(258);
	ASSERT_EQ(r.size(), 1u);
	ASSERT_EQ(r[0].size(), 52u + 12 + 2 + 1);
	EXPECT_TRUE(has_bytes(r[0], 52, mac_b, 6));
	EXPECT_TRUE(has_bytes(r[0], 58, mac_a, 6));
	EXPECT_EQ(be_at(r[0], 64, 2), 0x0800u);
	EXPECT_EQ(r[0][66], 1);
}

// The direction is the first packet's, not key; without MACs or tags no
// ethernetType is kept.
TEST_F(IpfixE2E, DirectionIsTheFirstPacketsAndNotKey)
{
	Settings s;
	s.direction = 1;
	init(s);
	EXPECT_EQ(record_size(false), 96u);
	fake::set_jiffies(1000);
	account_frame(udp4(1234, 100), frame(mac_b, mac_a, 0x0800, NF_DIR_EGRESS));
	account_frame(udp4(1234, 100), frame(mac_b, mac_c, 0x0800, NF_DIR_INGRESS));
	account_frame(udp4(1235, 100), frame(mac_b, mac_a, 0x0800, NF_DIR_INGRESS));
	EXPECT_EQ(g_core->nr_flows, 2u);
	fake::set_jiffies(1500);
	export_all();
	const std::vector<Msg> msgs = parse_all();
	ASSERT_EQ(msgs.size(), 1u);
	EXPECT_EQ(describe(msgs[0]), sysinit_ipfix + " D256x1 " + metering(257, false) + " D257x1 " +
					     udp4_tpl_with(258, false, " 61:1") + " D258x2");
	const std::vector<Buf> r = msgs[0].records_of(258);
	ASSERT_EQ(r.size(), 2u);
	ASSERT_EQ(r[0].size(), 63u);
	const Buf& two = be_at(r[0], 27, 8) == 2 ? r[0] : r[1];
	const Buf& one = &two == &r[0] ? r[1] : r[0];
	EXPECT_EQ(be_at(two, 27, 8), 2u);
	EXPECT_EQ(two[62], NF_DIR_EGRESS);
	EXPECT_EQ(be_at(one, 27, 8), 1u);
	EXPECT_EQ(one[62], NF_DIR_INGRESS);
}

// Tags are key: IPFIX has the outer tag's id and priority, and the inner
// tag's when there is one; v9 only the outer id.  With every field on, the
// elements come in the original's order: MACs, tags, type, labels, direction.
TEST_F(IpfixE2E, VlanTagsAreKeyAndAllFieldsComeInOrder)
{
	for (bool v9 : {false, true}) {
		Settings s;
		s.protocol = v9 ? 9 : 10;
		s.macaddress = s.vlan = s.direction = 1;
		s.promisc_mpls = 3;
		restart(s);
		fake::set_jiffies(1000);
		nf_l2 l2 = frame(mac_b, mac_a, 0x8847, NF_DIR_INGRESS, 5u << 13 | 100, 3u << 13 | 200);
		l2.mpls[0] = mpls_entry(16, 0, true, 64);
		l2.mpls_depth = 1;
		account_frame(udp4(1234, 100), l2);
		account_frame(udp4(1234, 100), l2);
		l2.vlan[1] = 0;	// no inner tag: another flow
		account_frame(udp4(1234, 100), l2);
		EXPECT_EQ(g_core->nr_flows, 2u);
		fake::set_jiffies(1500);
		export_all();
		const std::vector<Msg> msgs = parse_all();
		ASSERT_EQ(msgs.size(), 1u);
		const std::string head = first_options(v9);
		const std::string tags2 = v9 ? " 58:2" : " 243:2 244:1 245:2 246:1";
		const std::string tags1 = v9 ? " 58:2" : " 243:2 244:1";
		const std::string tail = " 256:2 200:1 70:3 71:3 72:3 61:1";
		// Two shapes in IPFIX; v9 has no inner tag element, so both
		// flows share one template there.
		if (v9)
			EXPECT_EQ(describe(msgs[0]), head + udp4_tpl_with(258, v9, " 80:6 56:6" + tags2 + tail) + " D258x2");
		else
			EXPECT_EQ(describe(msgs[0]), head + udp4_tpl_with(258, v9, " 80:6 56:6" + tags2 + tail) +
							     " D258x1 " + udp4_tpl_with(259, v9, " 80:6 56:6" + tags1 + tail) +
							     " D259x1");
		std::vector<Buf> r = msgs[0].records_of(258);
		ASSERT_FALSE(r.empty());
		const size_t base = v9 ? 52 : 62, at = base + 12;
		if (v9 && be_at(r[0], 26, 8) != 2)
			std::swap(r[0], r.back());	// the flow of two packets first
		EXPECT_TRUE(has_bytes(r[0], base, mac_b, 6));
		EXPECT_EQ(be_at(r[0], at, 2), 100u);
		EXPECT_EQ(be_at(r[0], v9 ? 26 : 27, 8), 2u);	// packetDeltaCount
		if (!v9) {
			EXPECT_EQ(r[0][at + 2], 5);
			EXPECT_EQ(be_at(r[0], at + 3, 2), 200u);
			EXPECT_EQ(r[0][at + 5], 3);
		}
		const size_t type_at = at + (v9 ? 2 : 6);
		EXPECT_EQ(be_at(r[0], type_at, 2), 0x8847u);
		EXPECT_EQ(r[0][type_at + 2], 64);			// TTL
		EXPECT_EQ(be_at(r[0], type_at + 3, 3), (16u << 4 | 1u));
		EXPECT_EQ(r[0][type_at + 12], NF_DIR_INGRESS);
		EXPECT_EQ(r[0].size(), type_at + 13);
	}
}

// physdev=1: the first packet's bridge ports, not key, right after the
// interfaces (as the original placed them); a flow that was not bridged
// has no such elements.
TEST_F(IpfixE2E, BridgePortsAreTheFirstPacketsAndFollowTheInterfaces)
{
	for (bool v9 : {false, true}) {
		Settings s;
		s.protocol = v9 ? 9 : 10;
		s.physdev = NF_PHYSDEV_EXPORT;
		restart(s);
		EXPECT_EQ(record_size(false), 96u);
		EXPECT_EQ(record_size(true), 128u);
		fake::set_jiffies(1000);
		nf_l2 l2 = frame(mac_b, mac_a, 0x0800);
		l2.phys_in = 5;
		l2.phys_out = 6;
		account_frame(udp4(1234, 100), l2);
		l2.phys_in = 7;	// the same flow: ports are not key
		account_frame(udp4(1234, 100), l2);
		account_frame(udp4(1235, 100), frame(mac_b, mac_a, 0x0800));	// not bridged
		EXPECT_EQ(g_core->nr_flows, 2u);
		fake::set_jiffies(1500);
		export_all();
		const std::vector<Msg> msgs = parse_all();
		ASSERT_EQ(msgs.size(), 1u);
		std::string ports = udp4_tpl(258, v9);
		const size_t after_14 = ports.find(" 14:4") + 5;
		ports.insert(after_14, " 252:4 253:4");
		const std::string head = first_options(v9);
		EXPECT_EQ(describe(msgs[0]), head + ports + " D258x1 " + udp4_tpl(259, v9) + " D259x1");
		const std::vector<Buf> r = msgs[0].records_of(258);
		ASSERT_EQ(r.size(), 1u);
		const size_t at = v9 ? 26 : 27;	// after IE 14
		EXPECT_EQ(r[0].size(), (v9 ? 52u : 62u) + 8);
		EXPECT_EQ(be_at(r[0], at, 4), 5u);
		EXPECT_EQ(be_at(r[0], at + 4, 4), 6u);
		EXPECT_EQ(be_at(r[0], at + 8, 8), 2u);	// packetDeltaCount
	}
}

TEST_F(IpfixE2E, MacPartsOnTwoCpusJoinOnlyWithTheSameMacs)
{
	Settings s;
	s.macaddress = 1;
	s.cpus = 2;
	init(s);
	fake::set_jiffies(1000);
	account_frame(udp4(1234, 100), frame(mac_b, mac_a, 0x0800), 1);
	fake::set_jiffies(1010);
	account_frame(udp4(1234, 100), frame(mac_b, mac_a, 0x86dd), 0);
	account_frame(udp4(1234, 100), frame(mac_b, mac_c, 0x0800), 0);
	EXPECT_EQ(g_core->nr_flows, 3u);
	fake::set_jiffies(1500);
	export_all();
	const std::vector<Buf> recs = records_of_all(parse_all(), 258);
	ASSERT_EQ(recs.size(), 2u);
	ASSERT_EQ(recs[0].size(), 62u + 14);
	const Buf& joined = be_at(recs[0], 27, 8) == 2 ? recs[0] : recs[1];
	const Buf& other = &joined == &recs[0] ? recs[1] : recs[0];
	EXPECT_EQ(be_at(joined, 27, 8), 2u);
	EXPECT_TRUE(has_bytes(joined, 68, mac_a, 6));
	EXPECT_EQ(be_at(joined, 74, 2), 0x0800u);	// the part that began first
	EXPECT_EQ(be_at(other, 27, 8), 1u);
	EXPECT_TRUE(has_bytes(other, 68, mac_c, 6));
}

namespace {

// Every line of the flows view of CPU 0.
std::string flows_view()
{
	std::vector<char> buf(4096);
	std::string text(buf.data(), nfc_format_flows_header(buf.data(), buf.size()));
	uint32_t seq = 0;
	for (uint32_t b = 0; b < nfc_flow_buckets(0); b++) {
		uint32_t cursor = 0;
		size_t n;
		while ((n = nfc_format_flows_bucket(0, b, &cursor, &seq, buf.data(), buf.size())) != 0)
			text.append(buf.data(), n);
	}
	return text;
}

std::string first_line(const char* srcversion)
{
	std::vector<char> buf(16384);
	const std::string s(buf.data(), nfc_format_stats(buf.data(), buf.size(), srcversion));
	return s.substr(0, s.find('\n'));
}

} // namespace

// The banner names the fields of this load; the flows view has their
// columns (MACs source first, the tags when the flow has one, the type).
TEST_F(IpfixE2E, ProcShowsTheLinkLayerFields)
{
	init();
	EXPECT_EQ(first_line("S"), "ipt_NETFLOW " NF_VERSION ", srcversion S;");
	EXPECT_EQ(flows_view().substr(0, 31), "# hash a dev:i,o proto src:ip,p");
	Settings s;
	s.macaddress = s.vlan = s.direction = 1;
	init(s);
	EXPECT_EQ(first_line("S"), "ipt_NETFLOW " NF_VERSION ", srcversion S; dir mac vlan");
	fake::set_jiffies(1000);
	account_frame(udp4(1234, 100), frame(mac_b, mac_a, 0x0800, NF_DIR_INGRESS, 5u << 13 | 100, 200));
	account_frame(udp4(1235, 100), frame(mac_b, mac_a, 0x86dd));
	const std::string v = flows_view();
	EXPECT_EQ(v.substr(0, v.find('\n')), "# hash a dev:i,o mac:src,dst vlan type proto src:ip,port dst:ip,port nexthop"
					     " tos,tcpflags,options,tcpoptions packets bytes ts:first,last");
	EXPECT_NE(v.find(" 2,-1 02:00:00:00:00:0a,02:00:00:00:00:0b 100,200 0800 17 10.0.0.1,1234 "), std::string::npos)
		<< v;
	EXPECT_NE(v.find(" 2,-1 02:00:00:00:00:0a,02:00:00:00:00:0b 86dd 17 10.0.0.1,1235 "), std::string::npos) << v;
}
