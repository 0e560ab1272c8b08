// SPDX-License-Identifier: GPL-2.0
// Fixed-width integer names for the freestanding core (no libstdc++ here).
#pragma once
#include "netflow/abi.h"

namespace ktl {
using u8 = nf_u8;
using u16 = nf_u16;
using u32 = nf_u32;
using u64 = nf_u64;
using s32 = nf_s32;
using s64 = nf_s64;
using size_t = nf_size;

template <typename T> constexpr T min(T a, T b) { return b < a ? b : a; }
template <typename T> constexpr T max(T a, T b) { return a < b ? b : a; }
template <typename T> constexpr T clamp(T v, T lo, T hi) { return v < lo ? lo : (hi < v ? hi : v); }

template <typename T> struct remove_reference { using type = T; };
template <typename T> struct remove_reference<T&> { using type = T; };
template <typename T> struct remove_reference<T&&> { using type = T; };
template <typename T> constexpr typename remove_reference<T>::type&& move(T&& t) noexcept
{
	return static_cast<typename remove_reference<T>::type&&>(t);
}
template <typename T> constexpr void swap(T& a, T& b) noexcept
{
	T t = move(a);
	a = move(b);
	b = move(t);
}

// Wrap-safe comparisons on 32-bit tick counters.
constexpr bool time_after_eq(u32 a, u32 b) { return static_cast<s32>(a - b) >= 0; }
constexpr bool time_before(u32 a, u32 b) { return static_cast<s32>(a - b) < 0; }

inline void copy(void* dst, const void* src, size_t n) { __builtin_memcpy(dst, src, n); }
inline void zero(void* dst, size_t n) { __builtin_memset(dst, 0, n); }
inline bool equal(const void* a, const void* b, size_t n) { return __builtin_memcmp(a, b, n) == 0; }

template <typename T, size_t N> constexpr size_t size(const T (&)[N]) { return N; }

} // namespace ktl
