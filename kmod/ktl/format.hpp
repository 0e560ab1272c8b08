// SPDX-License-Identifier: GPL-2.0
// printf-free text building into a caller's buffer, for /proc views and C
// strings.  Output that does not fit is cut, never overrun; `overflowed()`
// says it happened.
#pragma once
#include "ktl/types.hpp"

namespace ktl {

class TextBuffer {
public:
	TextBuffer(char* buf, size_t cap) : buf_(buf), cap_(cap) {}

	// For a C caller's `cap` bytes: the text gets at most cap - 1 of them so
	// that terminate() always has room for the NUL (cap 0: no room at all).
	static TextBuffer c_string(char* buf, size_t cap)
	{
		TextBuffer t(buf, cap ? cap - 1 : 0);
		t.nul_room_ = cap != 0;
		return t;
	}

	size_t size() const { return len_; }
	bool overflowed() const { return overflow_; }
	const char* data() const { return buf_; }

	TextBuffer& put(char c)
	{
		if (len_ < cap_)
			buf_[len_++] = c;
		else
			overflow_ = true;
		return *this;
	}
	TextBuffer& put(const char* s)
	{
		while (*s)
			put(*s++);
		return *this;
	}
	TextBuffer& put(const char* s, size_t n)
	{
		for (size_t i = 0; i < n && s[i]; i++)
			put(s[i]);
		return *this;
	}
	// Decimal, right-aligned in `width`.
	TextBuffer& num(u64 v, int width = 0)
	{
		char tmp[24];
		int n = 0;
		do {
			tmp[n++] = static_cast<char>('0' + v % 10);
			v /= 10;
		} while (v);
		for (int i = n; i < width; i++)
			put(' ');
		while (n)
			put(tmp[--n]);
		return *this;
	}
	TextBuffer& snum(s64 v, int width = 0)
	{
		if (v < 0) {
			put('-');
			return num(static_cast<u64>(-v), width ? width - 1 : 0);
		}
		return num(static_cast<u64>(v), width);
	}
	// Left-aligned decimal padded to `width` characters.
	TextBuffer& num_left(u64 v, int width)
	{
		size_t start = len_;
		num(v);
		for (size_t w = len_ - start; w < static_cast<size_t>(width); w++)
			put(' ');
		return *this;
	}
	// A value kept in hundredths, printed as "%d.%02d".
	TextBuffer& hundredths(u64 v)
	{
		num(v / 100).put('.');
		if (v % 100 < 10)
			put('0');
		return num(v % 100);
	}
	TextBuffer& hex(u64 v, int width = 0)
	{
		char tmp[16];
		int n = 0;
		do {
			tmp[n++] = "0123456789abcdef"[v & 15];
			v >>= 4;
		} while (v);
		for (int i = n; i < width; i++)
			put('0');
		while (n)
			put(tmp[--n]);
		return *this;
	}

	// A NUL after the text where there is room for one; returns size().
	size_t terminate()
	{
		if (len_ < cap_ || nul_room_)
			buf_[len_] = '\0';
		return len_;
	}

private:
	char* buf_;
	size_t cap_;
	size_t len_ = 0;
	bool overflow_ = false;
	bool nul_room_ = false;	// one byte past cap_ is the caller's too
};

} // namespace ktl
