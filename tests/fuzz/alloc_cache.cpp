// SPDX-License-Identifier: GPL-2.0
// Linked into fuzz_export only, with -Wl,--wrap=nfp_alloc_large,--wrap=nfp_free_large:
// keeps the core's large blocks (the 640 KiB NAT queue above all) for the
// next input instead of handing them back.  Under ASan every large block is
// a fresh mmap whose pages all fault in again, and nfc_init()/nfc_exit() run
// once per input: that made the target ~10x slower than it needs to be.
//
// A parked block is poisoned (a use after nfp_free_large() is still an ASan
// report) and zeroed again when reused (nfp_alloc_large() memory is zeroed).
// Blocks come from and stay counted in the fake platform (the real
// nfp_alloc_large()), so large_allocs_live() after nfc_exit() equals
// parked_large_blocks(), not 0.
#include <sanitizer/asan_interface.h>

#include <cstring>
#include <map>

#include "alloc_cache.hpp"
#include "netflow/abi.h"

extern "C" void* __real_nfp_alloc_large(nf_size size) noexcept;
extern "C" void __real_nfp_free_large(void* p) noexcept;

namespace {

constexpr nf_size min_cached = 16 * 1024;

// Never destroyed: LeakSanitizer's check at exit runs after static
// destructors, and must still see the parked blocks as reachable.
std::multimap<nf_size, void*>& parked()
{
	static auto* m = new std::multimap<nf_size, void*>;
	return *m;
}
std::map<void*, nf_size>& sizes()	// every block this cache ever handed out
{
	static auto* m = new std::map<void*, nf_size>;
	return *m;
}

} // namespace

long parked_large_blocks() { return static_cast<long>(parked().size()); }

extern "C" void* __wrap_nfp_alloc_large(nf_size size) noexcept
{
	if (size < min_cached)
		return __real_nfp_alloc_large(size);
	auto it = parked().find(size);
	if (it != parked().end()) {
		void* p = it->second;
		parked().erase(it);
		ASAN_UNPOISON_MEMORY_REGION(p, size);
		std::memset(p, 0, size);
		return p;
	}
	void* p = __real_nfp_alloc_large(size);
	if (p)
		sizes()[p] = size;
	return p;
}

extern "C" void __wrap_nfp_free_large(void* p) noexcept
{
	auto it = p ? sizes().find(p) : sizes().end();
	if (it == sizes().end()) {
		__real_nfp_free_large(p);
		return;
	}
	ASAN_POISON_MEMORY_REGION(p, it->second);
	parked().emplace(it->second, p);
}
