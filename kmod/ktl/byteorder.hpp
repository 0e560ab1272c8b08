// SPDX-License-Identifier: GPL-2.0
// Network byte order as types: a Be32 can't be added to a host u32 by mistake.
#pragma once
#include "ktl/types.hpp"

namespace ktl {

template <typename T> constexpr T bswap(T v);
template <> constexpr u8 bswap(u8 v) { return v; }
template <> constexpr u16 bswap(u16 v) { return __builtin_bswap16(v); }
template <> constexpr u32 bswap(u32 v) { return __builtin_bswap32(v); }
template <> constexpr u64 bswap(u64 v) { return __builtin_bswap64(v); }

template <typename T> class BigEndian {
public:
	constexpr BigEndian() = default;
	static constexpr BigEndian from_host(T v) { return BigEndian(bswap(v)); }
	static constexpr BigEndian from_raw(T raw) { return BigEndian(raw); }
	constexpr T host() const { return bswap(raw_); }
	constexpr T raw() const { return raw_; }
	constexpr bool operator==(const BigEndian&) const = default;

private:
	constexpr explicit BigEndian(T raw) : raw_(raw) {}
	T raw_ = 0;
};

using Be16 = BigEndian<u16>;
using Be32 = BigEndian<u32>;

// Unaligned loads and stores in network order, for parsing and encoding.
template <typename T> inline T load_be(const u8* p)
{
	T raw;
	__builtin_memcpy(&raw, p, sizeof(T));
	return bswap(raw);
}
template <typename T> inline void store_be(u8* p, T v)
{
	T raw = bswap(v);
	__builtin_memcpy(p, &raw, sizeof(T));
}

} // namespace ktl
