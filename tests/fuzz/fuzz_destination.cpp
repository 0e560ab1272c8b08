// SPDX-License-Identifier: GPL-2.0
// libFuzzer target: the `destination=` parser and formatter
// (kmod/core/config/destination.hpp), directly and through the glue's entry
// points (nfc_parse_destinations / nfc_format_destination).
//
// Input: the destination text (cut at the first NUL, as a C string).
//
// Invariants on top of ASan/UBSan:
//   * failure: count 0, a reason, and a position at the start of an entry
//     inside the text; success: err = {0, nullptr};
//   * every parsed entry is well-formed (family 4/6, IPv4 tail zero, port
//     1..65535, bind of the same family or none, ifname 1..15 valid chars,
//     NUL-padded) and no two share family+address+port;
//   * round trip: format(d) parses back to exactly d (memcmp),
//     and the formatted list joined by separators parses to the same list;
//   * cap: with cap = count the same list parses; with count - 1 it fails
//     with "too many destinations";
//   * format_destination with caps 0..3, len/2, len-1..len+1 writes a NUL-terminated
//     prefix of the full text into an exactly-sized buffer, returns its
//     length, and never writes past cap;
//   * the entry points agree with the C++ functions byte for byte, errors
//     included.
#include <memory>
#include <string>

#include "common.hpp"
#include "core/config/destination.hpp"

using namespace netflow;

namespace {

constexpr size_t cap_max = NF_MAX_DESTINATIONS;

bool is_sep(char c) { return c == ' ' || c == ',' || c == ';' || c == '\t' || c == '\n'; }

bool valid_ifname_char(char c)
{
	return c > ' ' && c < 0x7f && c != '/' && c != ':' && c != '@' && c != '%' && !is_sep(c);
}

void check_entry(const Destination& d)
{
	FUZZ_CHECK(d.family == NF_FAMILY_IPV4 || d.family == NF_FAMILY_IPV6, "family %u", d.family);
	FUZZ_CHECK(d.port != 0);
	FUZZ_CHECK(d.bind_family == 0 || d.bind_family == d.family, "bind family %u", d.bind_family);
	if (d.family == NF_FAMILY_IPV4)
		for (int i = 4; i < 16; i++)
			FUZZ_CHECK(d.addr[i] == 0 && d.bind[i] == 0, "IPv4 tail not zero");
	if (!d.bind_family)
		for (int i = 0; i < 16; i++)
			FUZZ_CHECK(d.bind[i] == 0, "bind bytes without a bind address");
	size_t len = 0;
	while (len < sizeof(d.ifname) && d.ifname[len])
		len++;
	FUZZ_CHECK(len <= ifname_max, "ifname not terminated");
	for (size_t i = 0; i < len; i++)
		FUZZ_CHECK(valid_ifname_char(d.ifname[i]), "ifname char %#x", uint8_t(d.ifname[i]));
	for (size_t i = len; i < sizeof(d.ifname); i++)
		FUZZ_CHECK(d.ifname[i] == 0, "ifname not NUL-padded");
	FUZZ_CHECK(!(len == 1 && d.ifname[0] == '.') && !(len == 2 && d.ifname[0] == '.' && d.ifname[1] == '.'));
}

std::string format(const Destination& d)
{
	char buf[destination_text_max];
	std::memset(buf, 'X', sizeof(buf));
	const size_t n = format_destination(d, buf, sizeof(buf));
	FUZZ_CHECK(n < sizeof(buf) && buf[n] == '\0' && std::strlen(buf) == n, "format length %zu", n);
	FUZZ_CHECK(n + 1 < sizeof(buf), "format output %zu fills the documented maximum", n);
	return std::string(buf, n);
}

// format_destination at the edge caps: the buffer ends where the heap block
// ends, so a write past cap is an ASan report (one allocation for all caps).
void check_caps(const Destination& d, const std::string& full)
{
	const size_t max = full.size() + 1;
	std::unique_ptr<char[]> block(new char[max]);
	// The edges (every cap would make this target quadratic and slow).
	const size_t caps[] = {0, 1, 2, 3, max / 2, max - 2, max - 1, max};
	for (size_t cap : caps) {
		if (cap > max)
			continue;
		char* buf = block.get() + (max - cap);
		const size_t n = format_destination(d, buf, cap);
		const size_t want = cap ? std::min(full.size(), cap - 1) : 0;
		FUZZ_CHECK(n == want, "cap %zu: returned %zu, want %zu", cap, n, want);
		if (cap) {
			FUZZ_CHECK(buf[n] == '\0', "cap %zu: no NUL", cap);
			FUZZ_CHECK(std::memcmp(buf, full.data(), n) == 0, "cap %zu: not a prefix", cap);
		}
	}
}

void check_list(const char* text, const Destination* out, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		check_entry(out[i]);
		for (size_t j = 0; j < i; j++)
			FUZZ_CHECK(!(out[i].family == out[j].family && out[i].port == out[j].port &&
				     std::memcmp(out[i].addr, out[j].addr, 16) == 0),
				   "duplicate endpoints %zu and %zu in \"%s\"", j, i, text);
	}

	// Each entry alone: format, parse, same bytes.
	std::string joined;
	static const char* const seps[] = {",", " ", ";", "\t", "\n", ", ", " ,; "};
	for (size_t i = 0; i < count; i++) {
		const std::string s = format(out[i]);
		Destination back[2];
		size_t n = 9;
		ParseError err{};
		const bool ok = parse_destinations(s.c_str(), back, 2, n, err);
		FUZZ_CHECK(ok && n == 1, "\"%s\" (from \"%s\") does not parse back: %s at %u", s.c_str(), text,
			   err.reason ? err.reason : "-", err.position);
		FUZZ_CHECK(std::memcmp(&back[0], &out[i], sizeof(Destination)) == 0,
			   "\"%s\" (from \"%s\") parses back to another destination", s.c_str(), text);
		check_caps(out[i], s);
		if (i)
			joined += seps[(i + s.size()) % (sizeof(seps) / sizeof(seps[0]))];
		joined += s;
	}
	// The whole list, formatted and joined.
	Destination back[cap_max];
	size_t n = 0;
	ParseError err{};
	FUZZ_CHECK(parse_destinations(joined.c_str(), back, cap_max, n, err) && n == count,
		   "joined \"%s\" (from \"%s\") gives %zu entries, not %zu (%s)", joined.c_str(), text, n, count,
		   err.reason ? err.reason : "-");
	FUZZ_CHECK(std::memcmp(back, out, count * sizeof(Destination)) == 0, "joined list differs");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
	// A C string in an exactly-sized buffer (cut at the first NUL).
	const size_t len = strnlen(reinterpret_cast<const char*>(data), size);
	std::unique_ptr<char[]> text(new char[len + 1]);
	std::memcpy(text.get(), data, len);
	text[len] = '\0';

	Destination out[cap_max];
	size_t count = 12345;
	ParseError err{7, "x"};
	const bool ok = parse_destinations(text.get(), out, cap_max, count, err);
	if (!ok) {
		FUZZ_CHECK(count == 0 && err.reason != nullptr);
		FUZZ_CHECK(err.position < len, "error position %u, text length %zu", err.position, len);
		FUZZ_CHECK(!is_sep(text[err.position]) && (err.position == 0 || is_sep(text[err.position - 1])),
			   "error position %u is not the start of an entry", err.position);
	} else {
		FUZZ_CHECK(count <= cap_max && err.reason == nullptr && err.position == 0);
		check_list(text.get(), out, count);
	}

	// A smaller cap: exactly `count` fits, one less does not.
	if (ok && count) {
		Destination small[cap_max];
		size_t n = 0;
		FUZZ_CHECK(parse_destinations(text.get(), small, count, n, err) && n == count);
		FUZZ_CHECK(std::memcmp(small, out, count * sizeof(Destination)) == 0);
		FUZZ_CHECK(!parse_destinations(text.get(), small, count - 1, n, err) && n == 0 &&
			   std::strcmp(err.reason, "too many destinations") == 0);
	}

	// The glue's entry points: the same struct, so the same bytes.
	nf_dest abi[cap_max];
	nf_u32 pos = 0;
	const char* reason = nullptr;
	const int r = nfc_parse_destinations(text.get(), abi, cap_max, &pos, &reason);
	if (!ok) {
		FUZZ_CHECK(r == -1 && reason != nullptr);
		FUZZ_CHECK(pos == err.position && std::strcmp(reason, err.reason) == 0);
	} else {
		FUZZ_CHECK(r == int(count), "ABI count %d, C++ %zu", r, count);
		FUZZ_CHECK(std::memcmp(abi, out, count * sizeof(nf_dest)) == 0, "ABI list differs");
		for (size_t i = 0; i < count; i++) {
			char a[NF_DEST_TEXT_MAX], b[NF_DEST_TEXT_MAX];
			const size_t na = nfc_format_destination(&abi[i], a, sizeof(a));
			const size_t nb = format_destination(out[i], b, sizeof(b));
			FUZZ_CHECK(na == nb && std::strcmp(a, b) == 0);
		}
	}
	return 0;
}
