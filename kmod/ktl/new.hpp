// SPDX-License-Identifier: GPL-2.0
// Allocation for the core.  `new (ktl::gfp_atomic) T(...)` returns nullptr on
// failure (and skips the constructor): the packet path must never trap.
#pragma once
#include "ktl/types.hpp"

namespace ktl {
struct GfpTag {
	int flags;
};
inline constexpr GfpTag gfp_kernel{NF_GFP_KERNEL};
inline constexpr GfpTag gfp_atomic{NF_GFP_ATOMIC};
} // namespace ktl

#if defined(NF_HOSTED) && NF_HOSTED
#include <new>	// userspace tests: the standard placement new
#else
inline void* operator new(ktl::size_t, void* where) noexcept { return where; }
#endif
void* operator new(ktl::size_t size, ktl::GfpTag gfp) noexcept;
void* operator new[](ktl::size_t size, ktl::GfpTag gfp) noexcept;

namespace ktl {

// The counterpart of `new (gfp) T`: the core never uses plain delete, so the
// same code runs against the kernel allocator and a userspace stand-in.
template <typename T> inline void destroy(T* p)
{
	if (p) {
		p->~T();
		nfp_free(p);
	}
}

} // namespace ktl
