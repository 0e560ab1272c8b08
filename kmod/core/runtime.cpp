// SPDX-License-Identifier: GPL-2.0
// The little C++ runtime the core needs, on top of the glue's allocator.
// Everything else a hosted runtime would supply (exceptions, RTTI, static
// guards, atexit) is switched off at compile time and refused by
// scripts/check-cxx-object.sh.
#include "ktl/new.hpp"

void* operator new(ktl::size_t size, ktl::GfpTag gfp) noexcept { return nfp_alloc(size, gfp.flags); }
void* operator new[](ktl::size_t size, ktl::GfpTag gfp) noexcept { return nfp_alloc(size, gfp.flags); }

#ifdef NF_KERNEL
// In userspace builds (tests, fuzzers) the hosted runtime supplies these.
// Plain new is only for code that can sleep; the core never uses it in the
// packet path (there it is always new (ktl::gfp_atomic)).
void* operator new(ktl::size_t size) noexcept { return nfp_alloc(size, NF_GFP_KERNEL); }
void* operator new[](ktl::size_t size) noexcept { return nfp_alloc(size, NF_GFP_KERNEL); }
void operator delete(void* p) noexcept { nfp_free(p); }
void operator delete[](void* p) noexcept { nfp_free(p); }
void operator delete(void* p, ktl::size_t) noexcept { nfp_free(p); }
void operator delete[](void* p, ktl::size_t) noexcept { nfp_free(p); }

extern "C" {
// A NULL vtable slot would otherwise be a silent jump to 0.
void __cxa_pure_virtual() { nfp_bug("pure virtual function called"); }
void __cxa_deleted_virtual() { nfp_bug("deleted virtual function called"); }
}
#endif
