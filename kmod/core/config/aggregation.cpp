// SPDX-License-Identifier: GPL-2.0
#include "core/config/aggregation.hpp"

namespace netflow {

namespace {

constexpr bool is_digit(char c) { return c >= '0' && c <= '9'; }
constexpr bool is_sep(char c) { return c == ',' || c == ' ' || c == '\t' || c == '\n' || c == ';'; }

u32 prefix_mask(u8 len) { return len ? ~0u << (32 - len) : 0; }

// Decimal number at s (at most `max`), no sign, no leading junk.
const char* number(const char* s, const char* e, u32 max, u32& out)
{
	if (s == e || !is_digit(*s))
		return nullptr;
	u32 v = 0;
	const char* p = s;
	for (; p < e && is_digit(*p); p++) {
		v = v * 10 + static_cast<u32>(*p - '0');
		if (v > max || p - s >= 10)
			return nullptr;
	}
	out = v;
	return p;
}

const char* ipv4(const char* s, const char* e, u32& out)
{
	u32 v = 0;
	for (int i = 0; i < 4; i++) {
		u32 part;
		if (i) {
			if (s == e || *s != '.')
				return nullptr;
			s++;
		}
		s = number(s, e, 255, part);
		if (!s)
			return nullptr;
		v = v << 8 | part;
	}
	out = v;
	return s;
}

const char* parse_rule(const char* s, const char* e, AggrRules& r)
{
	u32 addr;
	if (const char* p = ipv4(s, e, addr); p && p < e && *p == '/') {
		u32 m, n;
		p = number(p + 1, e, 32, m);
		if (!p || p == e || *p != '=')
			return "expected a.b.c.d/M=N with M and N from 0 to 32";
		p = number(p + 1, e, 32, n);
		if (!p || p != e)
			return "expected a.b.c.d/M=N with M and N from 0 to 32";
		if (r.nnet == aggregation_max_rules)
			return "too many address rules";
		r.net[r.nnet++] = AggrNetRule{addr & prefix_mask(static_cast<u8>(m)), static_cast<u8>(m),
					       static_cast<u8>(n), 0};
		return nullptr;
	}
	u32 lo, hi, to;
	const char* p = number(s, e, 65535, lo);
	if (!p)
		return "expected a.b.c.d/M=N, P1-P2=P or P=Q";
	hi = lo;
	if (p < e && *p == '-') {
		p = number(p + 1, e, 65535, hi);
		if (!p || hi < lo)
			return "expected a port range P1-P2 with P1 <= P2 <= 65535";
	}
	if (p == e || *p != '=')
		return "expected '=' and a port after the port or range";
	p = number(p + 1, e, 65535, to);
	if (!p || p != e)
		return "expected a port from 0 to 65535 after '='";
	if (r.nport == aggregation_max_rules)
		return "too many port rules";
	r.port[r.nport++] = AggrPortRule{static_cast<u16>(lo), static_cast<u16>(hi), static_cast<u16>(to), 0};
	return nullptr;
}

inline void bump(u64& usage) { __atomic_fetch_add(&usage, 1, __ATOMIC_RELAXED); }

} // namespace

bool parse_aggregation(const char* text, AggrRules& out, ParseError& err) noexcept
{
	out.nnet = out.nport = 0;
	err = ParseError{0, nullptr};
	if (!text)
		return true;
	size_t len = 0;
	while (text[len]) {
		if (++len > aggregation_text_max) {
			err = ParseError{static_cast<u32>(aggregation_text_max), "longer than 1024 characters"};
			return false;
		}
	}
	const char* s = text;
	const char* end = text + len;
	while (s < end) {
		if (is_sep(*s)) {
			s++;
			continue;
		}
		const char* e = s;
		while (e < end && !is_sep(*e))
			e++;
		if (const char* why = parse_rule(s, e, out)) {
			err = ParseError{static_cast<u32>(s - text), why};
			out.nnet = out.nport = 0;
			return false;
		}
		s = e;
	}
	return true;
}

void AggrRules::apply(Ipv4Key& key, u8& src_mask, u8& dst_mask)
{
	auto strip = [&](Be32& a, u8& mask) {
		const u32 h = a.host();
		for (u32 i = 0; i < nnet; i++) {
			AggrNetRule& r = net[i];
			if ((h & prefix_mask(r.match)) == r.net) {
				a = Be32::from_host(h & prefix_mask(r.strip));
				mask = r.strip;
				bump(r.usage);
				return;
			}
		}
	};
	strip(key.src, src_mask);
	strip(key.dst, dst_mask);
	apply_ports(key.sport, key.dport, key.proto);
}

void AggrRules::apply_ports(Be16& sport, Be16& dport, u8 proto)
{
	if (!nport || (proto != 6 && proto != 17 && proto != 132 && proto != 136))
		return;
	auto replace = [&](Be16& port) {
		const u16 h = port.host();
		for (u32 i = 0; i < nport; i++) {
			AggrPortRule& r = this->port[i];
			if (h >= r.lo && h <= r.hi) {
				port = Be16::from_host(r.to);
				bump(r.usage);
				return;
			}
		}
	};
	replace(sport);
	replace(dport);
}

} // namespace netflow
