// SPDX-License-Identifier: GPL-2.0
// A bounded view of contiguous objects; the parser never reads past one.
#pragma once
#include "ktl/types.hpp"

namespace ktl {

template <typename T> class Span {
public:
	constexpr Span() = default;
	constexpr Span(T* data, size_t size) : data_(data), size_(size) {}
	template <size_t N> constexpr Span(T (&arr)[N]) : data_(arr), size_(N) {}

	constexpr T* data() const { return data_; }
	constexpr size_t size() const { return size_; }
	constexpr bool empty() const { return size_ == 0; }
	constexpr T& operator[](size_t i) const { return data_[i]; }
	constexpr T* begin() const { return data_; }
	constexpr T* end() const { return data_ + size_; }

	// Empty span when out of range: callers test has(n) before reading.
	constexpr Span subspan(size_t off) const
	{
		return off <= size_ ? Span(data_ + off, size_ - off) : Span();
	}
	constexpr Span subspan(size_t off, size_t n) const
	{
		return (off <= size_ && n <= size_ - off) ? Span(data_ + off, n) : Span();
	}
	constexpr Span first(size_t n) const { return subspan(0, n); }
	constexpr bool has(size_t n) const { return n <= size_; }

private:
	T* data_ = nullptr;
	size_t size_ = 0;
};

using Bytes = Span<const u8>;

} // namespace ktl
