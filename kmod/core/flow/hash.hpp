// SPDX-License-Identifier: GPL-2.0
// Keyed hash of a flow key.  The seed is random per load so that nobody can
// aim traffic at one bucket (the original hashed with seed 0).  Two 64x64→128
// multiplies per 16 bytes: cheap enough for the packet path, and no libgcc.
#pragma once
#include "ktl/types.hpp"

namespace netflow {
using namespace ktl;

struct HashSeed {
	u64 k[4];
};

namespace detail {
inline u64 mum(u64 a, u64 b)
{
	unsigned __int128 r = static_cast<unsigned __int128>(a) * b;
	return static_cast<u64>(r) ^ static_cast<u64>(r >> 64);
}
inline u64 load64(const u8* p)
{
	u64 v;
	__builtin_memcpy(&v, p, 8);
	return v;
}
inline u32 load32(const u8* p)
{
	u32 v;
	__builtin_memcpy(&v, p, 4);
	return v;
}
} // namespace detail

// `len` is a compile-time key size, a multiple of 4.
template <size_t Len> inline u32 hash_key(const void* key, const HashSeed& s)
{
	static_assert(Len % 4 == 0);
	const u8* p = static_cast<const u8*>(key);
	u64 h = s.k[0] ^ Len;
	size_t i = 0;
	for (; i + 16 <= Len; i += 16)
		h = detail::mum(h ^ detail::load64(p + i) ^ s.k[1], detail::load64(p + i + 8) ^ s.k[2]);
	if constexpr (Len % 16 == 4)
		h = detail::mum(h ^ detail::load32(p + i) ^ s.k[1], s.k[3]);
	else if constexpr (Len % 16 == 8)
		h = detail::mum(h ^ detail::load64(p + i) ^ s.k[1], s.k[3]);
	else if constexpr (Len % 16 == 12)
		h = detail::mum(h ^ detail::load64(p + i) ^ s.k[1], detail::load32(p + i + 8) ^ s.k[3]);
	h = detail::mum(h, s.k[3] | 1);
	return static_cast<u32>(h ^ (h >> 32));
}

// Maps a 32-bit hash onto [0, n) without a division.
inline u32 reduce(u32 hash, u32 n) { return static_cast<u32>((static_cast<u64>(hash) * n) >> 32); }

} // namespace netflow
