// SPDX-License-Identifier: GPL-2.0
// The glue's view of configuration parsing (plain C structs in abi.h).
#include "core/config/destination.hpp"

using namespace netflow;

static_assert(sizeof(nf_dest::addr) == sizeof(Destination::addr));
static_assert(sizeof(nf_dest::ifname) == sizeof(Destination::ifname));

namespace {

void to_abi(const Destination& d, nf_dest& out)
{
	out = nf_dest{};
	out.family = d.family;
	out.bind_family = d.bind_family;
	out.port = d.port;
	copy(out.addr, d.addr, sizeof(out.addr));
	copy(out.bind, d.bind, sizeof(out.bind));
	copy(out.ifname, d.ifname, sizeof(out.ifname));
}

Destination from_abi(const nf_dest& d)
{
	Destination out{};
	out.family = d.family;
	out.bind_family = d.bind_family;
	out.port = d.port;
	copy(out.addr, d.addr, sizeof(out.addr));
	copy(out.bind, d.bind, sizeof(out.bind));
	copy(out.ifname, d.ifname, sizeof(out.ifname));
	return out;
}

} // namespace

extern "C" int nfc_parse_destinations(const char* text, nf_dest* out, u32 cap, u32* err_pos,
				      const char** err_reason) noexcept
{
	Destination parsed[NF_MAX_DESTINATIONS];
	size_t count = 0;
	ParseError err{};
	if (!parse_destinations(text, parsed, min<size_t>(cap, NF_MAX_DESTINATIONS), count, err)) {
		*err_pos = err.position;
		*err_reason = err.reason;
		return -1;
	}
	for (size_t i = 0; i < count; i++)
		to_abi(parsed[i], out[i]);
	return static_cast<int>(count);
}

extern "C" nf_size nfc_format_destination(const nf_dest* d, char* buf, nf_size cap) noexcept
{
	return format_destination(from_abi(*d), buf, cap);
}
