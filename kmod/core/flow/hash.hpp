// SPDX-License-Identifier: GPL-2.0
// Keyed hash of a flow key.  The seed is random per load so that nobody can
// aim traffic at one bucket (the original hashed with seed 0).  One 64x64→128
// multiply per 16 bytes: cheap enough for the packet path, and no libgcc.
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
#if defined(__x86_64__)
	// One mulq.  An unsigned __int128 here, when the compiler spills it,
	// is a 16-byte-aligned stack slot, and the kernel's 8-byte stack
	// alignment then costs nfc_account() a realigned frame.
	u64 lo, hi;
	asm("mulq %3" : "=a"(lo), "=d"(hi) : "a"(a), "rm"(b) : "cc");
	return lo ^ hi;
#else
	unsigned __int128 r = static_cast<unsigned __int128>(a) * b;
	return static_cast<u64>(r) ^ static_cast<u64>(r >> 64);
#endif
}
inline u64 load64(const u8* p)
{
	u64 v;
	__builtin_memcpy(&v, p, 8);
	return v;
}

// Up to 8 bytes as one little word (N a compile-time constant: one or two
// plain loads, no loop).
template <size_t N> inline u64 load_tail(const u8* p)
{
	static_assert(N <= 8);
	u64 v = 0;
	__builtin_memcpy(&v, p, N);
	return v;
}
} // namespace detail

// `Len` is a compile-time key size, a multiple of 2: 16 bytes per multiply
// (two 8-byte words), the 1..15-byte tail as one more, whose product is the
// result (no separate finalising multiply: an IPv4 key costs two, an IPv6
// key three).  Both families share a seed and a table; a key never equals
// one of the other family (the lookup compares the family first).
template <size_t Len> inline u32 hash_key(const void* key, const HashSeed& s)
{
	static_assert(Len % 2 == 0 && Len > 16);
	const u8* p = static_cast<const u8*>(key);
	u64 h = 0;
	size_t i = 0;
	for (; i + 16 <= Len; i += 16)
		h = detail::mum(h ^ detail::load64(p + i) ^ s.k[0], detail::load64(p + i + 8) ^ s.k[1]);
	constexpr size_t rest = Len % 16;
	if constexpr (rest > 8)
		h = detail::mum(h ^ detail::load64(p + i) ^ s.k[2], detail::load_tail<rest - 8>(p + i + 8) ^ s.k[3]);
	else
		h = detail::mum(h ^ detail::load_tail<rest>(p + i) ^ s.k[2], s.k[3]);
	return static_cast<u32>(h ^ (h >> 32));
}

// Maps a 32-bit hash onto [0, n) without a division.
inline u32 reduce(u32 hash, u32 n) { return static_cast<u32>((static_cast<u64>(hash) * n) >> 32); }

} // namespace netflow
