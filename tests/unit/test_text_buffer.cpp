// SPDX-License-Identifier: GPL-2.0
// ktl::TextBuffer: cut, never overrun; and C strings for the glue.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "ktl/format.hpp"

using ktl::TextBuffer;

namespace {

std::string text(const TextBuffer& t) { return std::string(t.data(), t.size()); }

} // namespace

TEST(TextBuffer, NumbersAndCut)
{
	char buf[16];
	TextBuffer t(buf, sizeof(buf));
	t.num(0).put(' ').hex(0).put(' ').hex(0xbeef).put(' ').hex(0xa, 4).put(' ').snum(-17);
	EXPECT_EQ(text(t), "0 0 beef 000a -1");
	EXPECT_TRUE(t.overflowed());	// the "7" did not fit
	EXPECT_EQ(t.size(), sizeof(buf));
}

TEST(TextBuffer, CStringAlwaysTerminated)
{
	const std::string full = "2001:db8::1";
	for (size_t cap = 0; cap <= full.size() + 2; ++cap) {
		std::vector<char> buf(cap + 1, '#');
		TextBuffer t = TextBuffer::c_string(buf.data(), cap);
		t.put(full.c_str());
		const size_t want = cap ? std::min(cap - 1, full.size()) : 0;
		EXPECT_EQ(t.terminate(), want) << cap;
		EXPECT_EQ(t.overflowed(), cap <= full.size()) << cap;
		if (cap)
			EXPECT_EQ(std::string(buf.data()), full.substr(0, want)) << cap;
		else
			EXPECT_EQ(buf[0], '#');
		EXPECT_EQ(buf[cap], '#') << cap;	// nothing past cap
	}
}

TEST(TextBuffer, TerminateNeedsRoomInAPlainBuffer)
{
	char buf[4] = {'#', '#', '#', '#'};
	TextBuffer t(buf, 3);
	t.put("ab");
	EXPECT_EQ(t.terminate(), 2u);
	EXPECT_STREQ(buf, "ab");
	t.put('c');
	EXPECT_EQ(t.terminate(), 3u);	// full: no NUL written past the 3 bytes
	EXPECT_EQ(buf[3], '#');
}
