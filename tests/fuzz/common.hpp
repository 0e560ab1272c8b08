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

using Buf = std::vector<uint8_t>;

inline uint16_t be16(const uint8_t* p) { return uint16_t(p[0] << 8 | p[1]); }
inline uint32_t be32(const uint8_t* p) { return uint32_t(be16(p)) << 16 | be16(p + 2); }
inline uint64_t be64(const uint8_t* p) { return uint64_t(be32(p)) << 32 | be32(p + 4); }
inline uint64_t be_n(const uint8_t* p, size_t n)
{
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

inline void put16(Buf& b, size_t off, uint16_t v)
{
	b[off] = uint8_t(v >> 8);
	b[off + 1] = uint8_t(v);
}
inline void put32(Buf& b, size_t off, uint32_t v)
{
	put16(b, off, uint16_t(v >> 16));
	put16(b, off + 2, uint16_t(v));
}
inline void put64(Buf& b, size_t off, uint64_t v)
{
	put32(b, off, uint32_t(v >> 32));
	put32(b, off + 4, uint32_t(v));
}
// Host-order (netlink headers are host order).
inline void puth16(Buf& b, size_t off, uint16_t v) { std::memcpy(&b[off], &v, 2); }
inline void puth32(Buf& b, size_t off, uint32_t v) { std::memcpy(&b[off], &v, 4); }

inline void hexdump(const char* what, const uint8_t* p, size_t n)
{
	std::fprintf(stderr, "%s (%zu bytes):", what, n);
	for (size_t i = 0; i < n; i++)
		std::fprintf(stderr, "%s%02x", i % 32 ? " " : "\n  ", p[i]);
	std::fputc('\n', stderr);
}

} // namespace fuzz
