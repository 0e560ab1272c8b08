// SPDX-License-Identifier: GPL-2.0
// SNMP-index rules (kmod/core/config/snmp_rules.{hpp,cpp}): the parser
// (good, bad, boundaries, error positions), SnmpRules::map (prefix then
// digits only, first match, the ifIndex ceiling), and the rules inside the
// core: swapped whole, a bad text keeps them, the "SNMP-rule#" lines, and
// the interface-names options records carrying the mapped index.
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/config/snmp_rules.hpp"
#include "core/core.hpp"
#include "core_defaults.hpp"
#include "fake_platform.hpp"
#include "netflow/abi.h"

using namespace netflow;

namespace {

struct Parsed {
	bool ok;
	std::unique_ptr<SnmpRules> r;
	ParseError err;
};

Parsed parse(const char* text)
{
	Parsed p{false, std::make_unique<SnmpRules>(), {}};
	p.ok = parse_snmp_rules(text, *p.r, p.err);
	return p;
}

std::string rules_text()
{
	char buf[4096];
	return std::string(buf, nfc_format_snmp_rules(buf, sizeof(buf)));
}

} // namespace

TEST(SnmpRulesParse, GoodTexts)
{
	Parsed p = parse("eth:100,ppp:1000 ,\tvlan:0;tun:2147483647");
	ASSERT_TRUE(p.ok) << p.err.reason;
	ASSERT_EQ(p.r->n, 4u);
	EXPECT_STREQ(p.r->rule[0].prefix, "eth");
	EXPECT_EQ(p.r->rule[0].base, 100u);
	EXPECT_STREQ(p.r->rule[1].prefix, "ppp");
	EXPECT_EQ(p.r->rule[2].base, 0u);
	EXPECT_EQ(p.r->rule[3].base, 2147483647u);
	EXPECT_TRUE(parse("").ok);
	EXPECT_EQ(parse(" , ").r->n, 0u);
	EXPECT_TRUE(parse(nullptr).ok);
	EXPECT_TRUE(parse("abcdefghijklmno:1").ok);	// 15 characters
}

TEST(SnmpRulesParse, BadTextsNameTheRule)
{
	const struct {
		const char* text;
		uint32_t pos;
	} bad[] = {
		{"eth", 0},			// no colon
		{":5", 0},			// no prefix
		{"eth:", 0},			// no base
		{"eth:1x", 0},
		{"eth:-1", 0},
		{"eth:2147483648", 0},		// beyond the largest ifIndex
		{"ppp:1,abcdefghijklmnop:1", 6},	// 16 characters
		{"ppp:1, e/th:2", 7},
		{"ppp:1,eth:2,eth:3x", 12},
	};
	for (const auto& b : bad) {
		Parsed p = parse(b.text);
		EXPECT_FALSE(p.ok) << b.text;
		EXPECT_EQ(p.err.position, b.pos) << b.text;
		EXPECT_NE(p.err.reason, nullptr) << b.text;
		EXPECT_EQ(p.r->n, 0u) << b.text;
	}
	std::string many;
	for (int i = 0; i < 33; i++)
		many += (i ? "," : "") + std::string("p") + std::to_string(i) + ":1";
	Parsed p = parse(many.c_str());
	EXPECT_FALSE(p.ok);
	EXPECT_STREQ(p.err.reason, "more than 32 rules");
	EXPECT_EQ(p.err.position, many.rfind("p32"));
}

TEST(SnmpRulesMap, PrefixThenDigitsFirstMatchWins)
{
	Parsed p = parse("ppp:1000,eth:100,e:5");
	ASSERT_TRUE(p.ok);
	const SnmpRules& r = *p.r;
	EXPECT_EQ(r.map("ppp0", 7), 1000);
	EXPECT_EQ(r.map("ppp17", 7), 1017);
	EXPECT_EQ(r.map("eth3", 2), 103);
	EXPECT_EQ(r.map("e9", 2), 14);
	// Not prefix + digits: the kernel's ifindex stays.
	EXPECT_EQ(r.map("ppp", 7), 7);
	EXPECT_EQ(r.map("eth0.100", 8), 8);
	EXPECT_EQ(r.map("lo", 1), 1);
	EXPECT_EQ(r.map("pppoe1", 9), 9);
	// "eth3" fails "ppp" and takes "eth", not the later "e".
	EXPECT_EQ(r.map("ethx3", 4), 4);
	Parsed top = parse("x:2147483640");
	EXPECT_EQ(top.r->map("x7", 3), 2147483647);
	EXPECT_EQ(top.r->map("x8", 3), 3);	// beyond the ceiling: no match
	EXPECT_EQ(top.r->map("x999999999999999", 3), 3);
}

class SnmpCore : public ::testing::Test {
protected:
	void SetUp() override
	{
		nfc_init_args a = default_init_args(1, 1024);
		a.settings[NFC_PROTOCOL] = 10;
		ASSERT_EQ(nfc_init(&a), 0);
	}
	void TearDown() override
	{
		if (g_core)
			nfc_exit();
		fake::set_interfaces({});
		EXPECT_EQ(fake::large_allocs_live(), 0);
		EXPECT_EQ(fake::bug_count(), 0) << fake::last_bug();
	}
	static int set(const char* text, uint32_t* pos = nullptr)
	{
		uint32_t p = 999;
		const char* w = "unset";
		const int rc = nfc_set_snmp_rules(text, &p, &w);
		if (pos)
			*pos = p;
		return rc;
	}
};

TEST_F(SnmpCore, RulesSwapWholeAndABadTextKeepsThem)
{
	EXPECT_EQ(nfc_snmp_rules_active(), 0);
	EXPECT_EQ(rules_text(), "");
	EXPECT_EQ(nfc_snmp_index("eth1", 3), 3);
	ASSERT_EQ(set("eth:100,ppp:1000"), NF_OK);
	EXPECT_EQ(nfc_snmp_rules_active(), 1);
	EXPECT_EQ(rules_text(), "SNMP-rule#0: prefix 'eth' map to 100\nSNMP-rule#1: prefix 'ppp' map to 1000\n");
	EXPECT_EQ(nfc_snmp_index("eth1", 3), 101);
	uint32_t pos = 0;
	EXPECT_EQ(set("eth:5,ppp:x", &pos), NF_EINVAL);
	EXPECT_EQ(pos, 6u);
	EXPECT_EQ(nfc_snmp_index("eth1", 3), 101);
	EXPECT_EQ(rules_text(), "SNMP-rule#0: prefix 'eth' map to 100\nSNMP-rule#1: prefix 'ppp' map to 1000\n");
	ASSERT_EQ(set(""), NF_OK);
	EXPECT_EQ(nfc_snmp_rules_active(), 0);
	EXPECT_EQ(g_core->snmp, nullptr);
	EXPECT_EQ(nfc_snmp_index("eth1", 3), 3);
}

TEST_F(SnmpCore, BeforeTheCoreOnlyChecked)
{
	nfc_exit();
	EXPECT_EQ(set("eth:1"), NF_OK);
	EXPECT_EQ(set("eth"), NF_EINVAL);
	EXPECT_EQ(nfc_snmp_rules_active(), 0);
}

namespace {
// The interface records sent so far: 4-byte index, then the name in its
// 16-byte field.
std::vector<std::pair<uint32_t, std::string>> interface_records()
{
	std::vector<std::pair<uint32_t, std::string>> seen;
	for (const auto& dg : fake::sent()) {
		for (size_t i = 0; i + 52 <= dg.size(); i++) {
			for (const char* name : {"lan12", "wan3", "lo"}) {
				const size_t n = std::char_traits<char>::length(name);
				if (std::equal(name, name + n, dg.data() + i + 4) && dg[i + 4 + n] == 0 && i >= 4) {
					const uint8_t* p = dg.data() + i;
					seen.push_back({uint32_t(p[0]) << 24 | p[1] << 16 | p[2] << 8 | p[3], name});
				}
			}
		}
	}
	return seen;
}
} // namespace

// The interface-names options record carries the index the rules give, and
// goes out again at the next export when the rules change.
TEST_F(SnmpCore, InterfaceRecordsCarryTheMappedIndex)
{
	fake::set_interfaces({{2, "lan12", "inside"}, {3, "wan3", ""}, {1, "lo", ""}});
	ASSERT_EQ(set("lan:2000,wan:1000"), NF_OK);
	nfc_export(NFC_EXPORT_ALL, 0);
	using Rec = std::pair<uint32_t, std::string>;
	EXPECT_EQ(interface_records(), (std::vector<Rec>{{2012u, "lan12"}, {1003u, "wan3"}, {1u, "lo"}}));
	nfc_export(NFC_EXPORT_ALL, 0);
	EXPECT_EQ(interface_records().size(), 3u);	// not due again yet
	ASSERT_EQ(set("lan:500"), NF_OK);
	nfc_export(NFC_EXPORT_ALL, 0);
	EXPECT_EQ(interface_records(), (std::vector<Rec>{{2012u, "lan12"}, {1003u, "wan3"}, {1u, "lo"}, {512u, "lan12"},
							 {3u, "wan3"}, {1u, "lo"}}));
}
