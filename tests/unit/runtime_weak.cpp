// SPDX-License-Identifier: GPL-2.0
// Weak fallbacks for the allocation operators the core declares in
// ktl/new.hpp.  kmod/core/runtime.cpp (always linked when present) defines
// them strongly and wins; these only keep the test build linking if it is
// missing.  Compiled with the core's flags (no standard headers here:
// ktl/new.hpp's placement new would clash with <new>).
#include "ktl/new.hpp"

__attribute__((weak)) void* operator new(ktl::size_t size, ktl::GfpTag gfp) noexcept
{
	return nfp_alloc(size, gfp.flags);
}

__attribute__((weak)) void* operator new[](ktl::size_t size, ktl::GfpTag gfp) noexcept
{
	return nfp_alloc(size, gfp.flags);
}
