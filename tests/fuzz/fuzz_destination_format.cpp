// SPDX-License-Identifier: GPL-2.0
// libFuzzer target: format_destination() / format_address() from arbitrary
// valid destinations (kmod/core/config/destination.hpp): the other half of
// the round trip that fuzz_destination starts from text.
//
// Input (missing bytes read as zero):
//   0      flags: bit0 IPv6, bit1 bind address, bit2..5 ifname length (0..15)
//   1..2   port (0 becomes 2055, as an entry without a port)
//   3..18  address   19..34 bind address   35..49 ifname bytes, mapped onto
//          the characters an interface name may have
//   50     one more cap to try format_destination() with
//
// Checks: "format then parse" gives back the same Destination byte for
// byte; format_address() of an IPv6 address parses back inside brackets;
// the text is RFC 5952 shaped (lowercase, no "::" for a single zero group,
// no leading zeros); any cap writes a NUL-terminated prefix.
#include <memory>
#include <string>

#include "common.hpp"
#include "core/config/destination.hpp"

using namespace netflow;

namespace {

// Characters valid_ifname_char() accepts, minus the list separators.
const std::string& ifname_chars()
{
	static const std::string s = [] {
		std::string r;
		for (int c = 0x21; c < 0x7f; c++)
			if (c != '/' && c != ':' && c != '@' && c != '%' && c != ',' && c != ';')
				r += char(c);
		return r;
	}();
	return s;
}

void check_rfc5952(const char* s, size_t n)
{
	// Lowercase hex, no group longer than 4 digits, no leading zero.
	size_t group = 0;
	bool dotted = false;
	for (size_t i = 0; i < n; i++) {
		const char c = s[i];
		FUZZ_CHECK(!(c >= 'A' && c <= 'F'), "uppercase in \"%.*s\"", int(n), s);
		if (c == '.')
			dotted = true;
		if (c == ':' || c == '.') {
			group = 0;
			continue;
		}
		if (!dotted) {
			FUZZ_CHECK(!(group == 1 && s[i - 1] == '0'), "leading zero in \"%.*s\"", int(n), s);
			FUZZ_CHECK(++group <= 4, "long group in \"%.*s\"", int(n), s);
		}
	}
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
	uint8_t in[51] = {};
	std::memcpy(in, data, std::min(size, sizeof(in)));

	Destination d;
	std::memset(&d, 0, sizeof(d));	// what is not set is zero, as parsed
	d.family = (in[0] & 1) ? NF_FAMILY_IPV6 : NF_FAMILY_IPV4;
	const size_t alen = d.family == NF_FAMILY_IPV6 ? 16 : 4;
	d.port = fuzz::be16(in + 1);
	if (!d.port)
		d.port = default_destination_port;
	std::memcpy(d.addr, in + 3, alen);
	if (in[0] & 2) {
		d.bind_family = d.family;
		std::memcpy(d.bind, in + 19, alen);
	}
	const size_t iflen = (in[0] >> 2) & 0x0f;	// 0..15
	const std::string& chars = ifname_chars();
	for (size_t i = 0; i < iflen; i++)
		d.ifname[i] = chars[in[35 + i] % chars.size()];
	if ((iflen == 1 && d.ifname[0] == '.') || (iflen == 2 && d.ifname[0] == '.' && d.ifname[1] == '.'))
		d.ifname[0] = 'x';	// "." and ".." are refused by design

	char buf[destination_text_max];
	const size_t n = format_destination(d, buf, sizeof(buf));
	FUZZ_CHECK(n + 1 < sizeof(buf) && buf[n] == '\0' && std::strlen(buf) == n);

	Destination back[2];
	size_t count = 0;
	ParseError err{};
	const bool ok = parse_destinations(buf, back, 2, count, err);
	FUZZ_CHECK(ok && count == 1, "\"%s\" does not parse back: %s", buf, err.reason ? err.reason : "-");
	if (std::memcmp(&back[0], &d, sizeof(d)) != 0) {
		fuzz::hexdump("want", reinterpret_cast<const uint8_t*>(&d), sizeof(d));
		fuzz::hexdump("got ", reinterpret_cast<const uint8_t*>(&back[0]), sizeof(d));
		FUZZ_CHECK(false, "\"%s\" parses back to another destination", buf);
	}

	// Edge caps (and one from the input): a NUL-terminated prefix, nothing
	// written past cap.
	// (each buffer ends where the heap block ends: a write past cap is an ASan report)
	std::unique_ptr<char[]> block(new char[n + 1]);
	const size_t caps[] = {0, 1, 2, 3, in[50] % (n + 2), n / 2, n - 1, n, n + 1};
	for (size_t cap : caps) {
		if (cap > n + 1)
			continue;
		char* b = block.get() + (n + 1 - cap);
		const size_t m = format_destination(d, b, cap);
		FUZZ_CHECK(m == (cap ? std::min(n, cap - 1) : 0));
		if (cap)
			FUZZ_CHECK(b[m] == '\0' && std::memcmp(b, buf, m) == 0);
	}

	// The bare address.
	char a[64];
	const size_t an = format_address(d.family, d.addr, a, sizeof(a));
	FUZZ_CHECK(an < sizeof(a) && a[an] == '\0');
	if (d.family == NF_FAMILY_IPV6) {
		check_rfc5952(a, an);
		const std::string bracketed = "[" + std::string(a, an) + "]";
		FUZZ_CHECK(parse_destinations(bracketed.c_str(), back, 2, count, err) && count == 1 &&
				   std::memcmp(back[0].addr, d.addr, 16) == 0,
			   "\"%s\" does not parse back", bracketed.c_str());
		// RFC 5952 4.2.2: "::" never stands for a single zero group.
		const char* dc = std::strstr(a, "::");
		if (dc) {
			int groups = 0;	// explicit groups, the dotted tail counting as two
			for (size_t i = 0; i < an; i++)
				if ((i == 0 || a[i - 1] == ':') && a[i] != ':')
					groups++;
			if (std::strchr(a, '.'))
				groups++;
			FUZZ_CHECK(groups <= 6, "\"%s\": \"::\" for a single group", a);
		}
	} else {
		FUZZ_CHECK(parse_destinations(a, back, 2, count, err) && count == 1 &&
			   std::memcmp(back[0].addr, d.addr, 4) == 0);
	}
	return 0;
}
