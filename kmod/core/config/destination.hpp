// SPDX-License-Identifier: GPL-2.0
// The `destination=` list (docs/ORIGINAL.md §1.1): where export datagrams go.
//
// Grammar (whole string; any error rejects all of it):
//
//   list     := sep* ( entry sep+ )* entry? sep*      sep: ' ' ',' ';' '\t' '\n'
//   entry    := ipv4 [ ':' port ] [ '@' ipv4 ] [ '%' ifname ]
//             | '[' ipv6 ']' [ ':' port ] [ '@' bind6 ] [ '%' ifname ]
//             | ipv6 [ ( '.' | 'p' | '#' ) port ] [ '@' bind6 ] [ '%' ifname ]
//   bind6    := ipv6 | '[' ipv6 ']'
//   ipv4     := dotted quad, each part 0..255 in decimal, no leading zeros
//               ("010" would be octal to inet_aton: refused, not guessed)
//   ipv6     := RFC 4291 §2.2 text: 1-4 hex digits per group, at most one
//               "::", optional dotted-quad tail; no zone ("%" is ifname)
//   port     := 1 to 5 decimal digits, value 1..65535 (default 2055)
//   ifname   := 1..15 printable ASCII characters other than '/' ':' '@' '%'
//               (and the separators), not "." or ".."
//
// How a bare IPv6 address ends (it has no brackets to close it): it is the
// longest run of [0-9A-Fa-f:.].  If that run is an address, it is the
// address (so "2001:db8::1:2055" is the address 2001:db8::1:2055 with the
// default port: ':' is never a port delimiter after a bare IPv6 address;
// write "[2001:db8::1]:2055").  If the run is not an address but it is
// "address.digits", the part after the last '.' is the port
// ("2001:db8::1.2055"); the two readings never both apply, so there is no
// ambiguity.  'p' and '#' end the run and introduce the port
// ("2001:db8::1p2055", "2001:db8::1#2055").
//
// The bind address has the destination's family.  Duplicates (same family,
// address and port, whatever the bind/ifname) are dropped silently; they
// don't count against `cap`.  More than `cap` distinct entries is an error.
#pragma once
#include "ktl/format.hpp"
#include "ktl/types.hpp"

namespace netflow {
using namespace ktl;

// The glue's struct: what the parser fills is what the sockets connect to.
using Destination = nf_dest;
static_assert(__has_unique_object_representations(Destination),
	      "padding would make equal destinations unequal to memcmp");

inline constexpr u16 default_destination_port = 2055;
inline constexpr size_t ifname_max = sizeof(Destination::ifname) - 1;	// IFNAMSIZ - 1

struct ParseError {
	u32 position;		// byte offset of the start of the bad entry
	const char* reason;	// static string
};

// Parses `text` (NUL-terminated; nullptr is the empty list) into out[0..count).
// On success returns true, sets count, and err = {0, nullptr}.  On error
// returns false, count = 0 (out[] may have been written), err says where/why.
bool parse_destinations(const char* text, Destination* out, size_t cap, size_t& count, ParseError& err) noexcept;

inline constexpr size_t destination_text_max = NF_DEST_TEXT_MAX;

// Formats like the kernel's "%pISpc": "1.2.3.4:2055", "[2001:db8::1]:2055"
// (RFC 5952 compression, lowercase, ::ffff:a.b.c.d for IPv4-mapped), then
// "@bind" (IPv6 unbracketed) and "%ifname" when set.  Output is accepted by
// parse_destinations() and gives back the same Destination.  Writes at most
// cap - 1 characters and a NUL (when cap > 0); returns the characters written.
size_t format_destination(const Destination& d, char* buf, size_t cap) noexcept;

// Just the address: "1.2.3.4" or RFC 5952 IPv6.  Same contract as above.
size_t format_address(u8 family, const u8* addr, char* buf, size_t cap) noexcept;
// The same text, appended to `out`.
void put_address(TextBuffer& out, u8 family, const u8* addr) noexcept;

} // namespace netflow
