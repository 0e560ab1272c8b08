// SPDX-License-Identifier: GPL-2.0
// The `destination=` list parser and formatter (grammar in destination.hpp),
// and their entry points for the glue.
#include "core/config/destination.hpp"

namespace netflow {
namespace {

constexpr bool is_sep(char c) { return c == ' ' || c == ',' || c == ';' || c == '\t' || c == '\n'; }
constexpr bool is_digit(char c) { return c >= '0' && c <= '9'; }
constexpr int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}
// Characters a bare IPv6 address is made of.
constexpr bool is_v6_char(char c) { return hex_value(c) >= 0 || c == ':' || c == '.'; }

// A dotted quad at the start of [s, e): returns the end of it, or nullptr.
const char* parse_ipv4_prefix(const char* s, const char* e, u8 out[4])
{
	for (int i = 0; i < 4; ++i) {
		if (i > 0) {
			if (s == e || *s != '.')
				return nullptr;
			++s;
		}
		if (s == e || !is_digit(*s))
			return nullptr;
		if (*s == '0' && s + 1 < e && is_digit(s[1]))
			return nullptr;	// leading zero: octal to some parsers
		u32 v = 0;
		int n = 0;
		while (s < e && is_digit(*s) && n < 3) {
			v = v * 10 + static_cast<u32>(*s - '0');
			++s;
			++n;
		}
		if ((s < e && is_digit(*s)) || v > 255)
			return nullptr;
		out[i] = static_cast<u8>(v);
	}
	return s;
}

bool parse_ipv4_exact(const char* s, const char* e, u8 out[4])
{
	const char* end = parse_ipv4_prefix(s, e, out);
	return end && end == e;
}

// Exactly [s, e) as an RFC 4291 §2.2 IPv6 address.
bool parse_ipv6_exact(const char* s, const char* e, u8 out[16])
{
	u16 groups[8];
	int n = 0;
	int gap = -1;	// index in groups[] where "::" stands
	const char* p = s;
	if (p == e)
		return false;
	if (*p == ':') {
		if (e - p < 2 || p[1] != ':')
			return false;
		gap = 0;
		p += 2;
	}
	while (p < e) {
		const char* group = p;
		u32 v = 0;
		int digits = 0;
		while (p < e && hex_value(*p) >= 0 && digits < 5) {
			v = v * 16 + static_cast<u32>(hex_value(*p));
			++p;
			++digits;
		}
		if (digits == 0)
			return false;
		if (p < e && *p == '.') {	// dotted-quad tail: the last 32 bits
			u8 q[4];
			if (n > 6 || !parse_ipv4_exact(group, e, q))
				return false;
			groups[n++] = static_cast<u16>(q[0] << 8 | q[1]);
			groups[n++] = static_cast<u16>(q[2] << 8 | q[3]);
			break;
		}
		if (digits > 4 || n == 8)
			return false;
		groups[n++] = static_cast<u16>(v);
		if (p == e)
			break;
		if (*p != ':')
			return false;
		++p;
		if (p < e && *p == ':') {
			if (gap >= 0)
				return false;
			gap = n;
			++p;
		} else if (p == e) {
			return false;	// a single trailing ':'
		}
	}
	if (gap < 0 ? n != 8 : n > 7)
		return false;

	zero(out, 16);
	const int head = gap < 0 ? n : gap;
	for (int i = 0; i < n; ++i) {
		const int pos = i < head ? i : 8 - (n - i);
		out[2 * pos] = static_cast<u8>(groups[i] >> 8);
		out[2 * pos + 1] = static_cast<u8>(groups[i]);
	}
	return true;
}

// 1..5 digits, 1..65535.  Returns the end, or nullptr with *reason set.
const char* parse_port(const char* s, const char* e, u16& port, const char** reason)
{
	u32 v = 0;
	int n = 0;
	while (s < e && is_digit(*s) && n < 6) {
		v = v * 10 + static_cast<u32>(*s - '0');
		++s;
		++n;
	}
	if (n == 0 || n > 5) {
		*reason = "invalid port";
		return nullptr;
	}
	if (v == 0 || v > 65535) {
		*reason = "port out of range";
		return nullptr;
	}
	port = static_cast<u16>(v);
	return s;
}

// A bare IPv6 address (and maybe its '.' port) at s: see the header.
// Returns the end of what it took, or nullptr.
const char* parse_bare_ipv6(const char* s, const char* e, u8 out[16], bool allow_dot_port, u16& port,
			    bool& have_port)
{
	const char* run = s;
	while (run < e && is_v6_char(*run))
		++run;
	if (parse_ipv6_exact(s, run, out))
		return run;
	if (!allow_dot_port)
		return nullptr;
	const char* dot = nullptr;
	for (const char* q = s; q < run; ++q)
		if (*q == '.')
			dot = q;
	if (!dot || dot + 1 == run)
		return nullptr;
	for (const char* q = dot + 1; q < run; ++q)
		if (!is_digit(*q))
			return nullptr;
	if (!parse_ipv6_exact(s, dot, out))
		return nullptr;
	const char* reason;
	if (parse_port(dot + 1, run, port, &reason) != run)
		return nullptr;
	have_port = true;
	return run;
}

// "[ipv6]" at s: the address into out and the end (past ']') into end;
// returns nullptr, or the reason (`bad` for an invalid address).
const char* parse_bracketed_ipv6(const char* s, const char* e, u8 out[16], const char* bad, const char*& end)
{
	const char* close = s + 1;
	while (close < e && *close != ']')
		++close;
	if (close == e)
		return "missing ']'";
	if (!parse_ipv6_exact(s + 1, close, out))
		return bad;
	end = close + 1;
	return nullptr;
}

bool valid_ifname_char(char c)
{
	return c > ' ' && c < 0x7f && c != '/' && c != ':' && c != '@' && c != '%';
}

// One entry [s, e).  Returns nullptr when fine, else the reason.
const char* parse_entry(const char* s, const char* e, Destination& d)
{
	zero(&d, sizeof(d));
	d.port = default_destination_port;
	const char* reason = nullptr;
	const char* p;
	u8 v4[4];

	const char* quad = *s == '[' ? nullptr : parse_ipv4_prefix(s, e, v4);
	if (quad && (quad == e || *quad == ':' || *quad == '@' || *quad == '%')) {
		d.family = NF_FAMILY_IPV4;
		copy(d.addr, v4, 4);
		p = quad;
		if (p < e && *p == ':' && !(p = parse_port(p + 1, e, d.port, &reason)))
			return reason;
	} else if (*s == '[') {
		if ((reason = parse_bracketed_ipv6(s, e, d.addr, "invalid IPv6 address", p)))
			return reason;
		d.family = NF_FAMILY_IPV6;
		if (p < e && *p == ':' && !(p = parse_port(p + 1, e, d.port, &reason)))
			return reason;
	} else {
		bool have_port = false;
		p = parse_bare_ipv6(s, e, d.addr, true, d.port, have_port);
		if (!p) {
			if (quad && !is_v6_char(*quad))
				return "unexpected character";	// "1.2.3.4x"
			return hex_value(*s) >= 0 || *s == ':' ? "invalid address" : "unexpected character";
		}
		d.family = NF_FAMILY_IPV6;
		if (!have_port && p < e && (*p == 'p' || *p == '#') && !(p = parse_port(p + 1, e, d.port, &reason)))
			return reason;
	}

	if (p < e && *p == '@') {
		++p;
		u8 bind4[4];
		if (d.family == NF_FAMILY_IPV4) {
			const char* q = parse_ipv4_prefix(p, e, bind4);
			if (!q || (q < e && *q != '%'))
				return "invalid bind address";
			copy(d.bind, bind4, 4);
			p = q;
		} else if (p < e && *p == '[') {
			if ((reason = parse_bracketed_ipv6(p, e, d.bind, "invalid bind address", p)))
				return reason;
		} else {
			u16 unused_port;
			bool unused = false;
			const char* q = parse_bare_ipv6(p, e, d.bind, false, unused_port, unused);
			if (!q) {
				const char* q4 = parse_ipv4_prefix(p, e, bind4);
				return q4 && (q4 == e || *q4 == '%') ? "bind address family differs" : "invalid bind address";
			}
			p = q;
		}
		d.bind_family = d.family;
	}

	if (p < e && *p == '%') {
		++p;
		const size_t len = static_cast<size_t>(e - p);
		if (len == 0)
			return "empty interface name";
		if (len > ifname_max)
			return "interface name too long";
		for (const char* q = p; q < e; ++q)
			if (!valid_ifname_char(*q))
				return "invalid interface name";
		if (p[0] == '.' && (len == 1 || (len == 2 && p[1] == '.')))
			return "invalid interface name";
		copy(d.ifname, p, len);
		d.ifname[len] = '\0';
		p = e;
	}

	if (p != e)
		return "unexpected character";
	return nullptr;
}

bool same_endpoint(const Destination& a, const Destination& b)
{
	return a.family == b.family && a.port == b.port && equal(a.addr, b.addr, sizeof(a.addr));
}

void put_ipv4(TextBuffer& out, const u8* a)
{
	out.num(a[0]).put('.').num(a[1]).put('.').num(a[2]).put('.').num(a[3]);
}

struct ZeroRun {
	int start;	// -1: none
	int len;
};

// RFC 5952 §4.2: "::" stands for the longest run of two or more zero groups,
// the first one on a tie.
ZeroRun longest_zero_run(const u16 g[8])
{
	ZeroRun best{-1, 0};
	for (int i = 0; i < 8;) {
		if (g[i]) {
			++i;
			continue;
		}
		int j = i;
		while (j < 8 && !g[j])
			++j;
		if (j - i > best.len && j - i >= 2)
			best = ZeroRun{i, j - i};
		i = j;
	}
	return best;
}

// RFC 5952, as the original's "%pISpc" printed it (so /proc reads the same):
// lowercase, no leading zeros, IPv4-mapped as ::ffff:a.b.c.d.
void put_ipv6(TextBuffer& out, const u8* a)
{
	static constexpr u8 mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	if (equal(a, mapped, sizeof(mapped))) {
		put_ipv4(out.put("::ffff:"), a + 12);
		return;
	}
	u16 g[8];
	for (int i = 0; i < 8; ++i)
		g[i] = static_cast<u16>(a[2 * i] << 8 | a[2 * i + 1]);
	const ZeroRun zeros = longest_zero_run(g);
	for (int i = 0; i < 8;) {
		if (i == zeros.start) {
			out.put("::");
			i += zeros.len;
			continue;
		}
		if (i > 0 && i != zeros.start + zeros.len)
			out.put(':');
		out.hex(g[i++]);
	}
}

// The longest text format_destination() can make fits what the glue keeps.
static_assert(sizeof("[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535"
		     "@ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"
		     "%abcdefghijklmno") <= destination_text_max);

} // namespace

bool parse_destinations(const char* text, Destination* out, size_t cap, size_t& count, ParseError& err) noexcept
{
	count = 0;
	err = ParseError{0, nullptr};
	if (!text)
		return true;
	size_t n = 0;
	const char* p = text;
	for (;;) {
		while (*p && is_sep(*p))
			++p;
		if (!*p)
			break;
		const char* start = p;
		while (*p && !is_sep(*p))
			++p;
		Destination d;
		const char* reason = parse_entry(start, p, d);
		if (!reason) {
			bool dup = false;
			for (size_t i = 0; i < n && !dup; ++i)
				dup = same_endpoint(out[i], d);
			if (!dup) {
				if (n == cap)
					reason = "too many destinations";
				else
					out[n++] = d;
			}
		}
		if (reason) {
			err = ParseError{static_cast<u32>(start - text), reason};
			return false;
		}
	}
	count = n;
	return true;
}

void put_address(TextBuffer& out, u8 family, const u8* addr) noexcept
{
	if (family == NF_FAMILY_IPV4)
		put_ipv4(out, addr);
	else
		put_ipv6(out, addr);
}

size_t format_destination(const Destination& d, char* buf, size_t cap) noexcept
{
	TextBuffer out = TextBuffer::c_string(buf, cap);
	if (d.family == NF_FAMILY_IPV6)
		out.put('[');
	put_address(out, d.family, d.addr);
	if (d.family == NF_FAMILY_IPV6)
		out.put(']');
	out.put(':').num(d.port);
	if (d.bind_family)
		put_address(out.put('@'), d.bind_family, d.bind);
	if (d.ifname[0])
		out.put('%').put(d.ifname, ifname_max);
	return out.terminate();
}

size_t format_address(u8 family, const u8* addr, char* buf, size_t cap) noexcept
{
	TextBuffer out = TextBuffer::c_string(buf, cap);
	put_address(out, family, addr);
	return out.terminate();
}

} // namespace netflow

using namespace netflow;

extern "C" int nfc_parse_destinations(const char* text, nf_dest* out, u32 cap, u32* err_pos,
				      const char** err_reason) noexcept
{
	size_t count;
	ParseError err;
	if (!parse_destinations(text, out, min<size_t>(cap, NF_MAX_DESTINATIONS), count, err)) {
		*err_pos = err.position;
		*err_reason = err.reason;
		return -1;
	}
	return static_cast<int>(count);
}

extern "C" nf_size nfc_format_destination(const nf_dest* d, char* buf, nf_size cap) noexcept
{
	return format_destination(*d, buf, cap);
}
