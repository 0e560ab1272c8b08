// SPDX-License-Identifier: GPL-2.0
// Shared helpers of the libFuzzer targets (tests/fuzz/*.cpp): a check that
// aborts (so libFuzzer keeps the input as a crash), byte helpers, and the
// one-time quieting of the fake platform's log.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "packet_builder.hpp"

// An invariant of the core that the input broke: print where and why, then
// abort.  The format arguments are optional.
#define FUZZ_CHECK(cond, ...)                                                            \
	do {                                                                             \
		if (!(cond)) {                                                           \
			std::fprintf(stderr, "\nFUZZ_CHECK failed: %s\n  at %s:%d\n  ", #cond, \
				     __FILE__, __LINE__);                                \
			std::fprintf(stderr, "" __VA_ARGS__);                            \
			std::fputc('\n', stderr);                                        \
			std::abort();                                                    \
		}                                                                        \
	} while (0)

namespace fuzz {

// Byte helpers of the shared packet builder (tests/common/packet_builder.hpp).
using testpkt::Buf;
using testpkt::be16;
using testpkt::be32;
using testpkt::be64;
using testpkt::be_n;
using testpkt::put16;
using testpkt::put32;
using testpkt::put64;
// Host-order (netlink headers are host order).
using testpkt::puth16;
using testpkt::puth32;

inline void hexdump(const char* what, const uint8_t* p, size_t n)
{
	std::fprintf(stderr, "%s (%zu bytes):", what, n);
	for (size_t i = 0; i < n; i++)
		std::fprintf(stderr, "%s%02x", i % 32 ? " " : "\n  ", p[i]);
	std::fputc('\n', stderr);
}

} // namespace fuzz
