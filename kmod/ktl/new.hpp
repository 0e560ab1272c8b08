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

// Construct/destroy in place without <new>/<memory>.
template <typename T, typename... Args> inline T* construct_at(void* p, Args&&... args)
{
	return new (p) T(static_cast<Args&&>(args)...);
}
template <typename T> inline void destroy_at(T* p) { p->~T(); }

// The counterpart of `new (gfp) T`: the core never uses plain delete, so the
// same code runs against the kernel allocator and a userspace stand-in.
template <typename T> inline void destroy(T* p)
{
	if (p) {
		p->~T();
		nfp_free(p);
	}
}

// Owning pointer for objects created with new (gfp).
template <typename T> class OwnPtr {
public:
	constexpr OwnPtr() = default;
	explicit OwnPtr(T* p) : p_(p) {}
	OwnPtr(const OwnPtr&) = delete;
	OwnPtr& operator=(const OwnPtr&) = delete;
	OwnPtr(OwnPtr&& o) noexcept : p_(o.release()) {}
	OwnPtr& operator=(OwnPtr&& o) noexcept
	{
		reset(o.release());
		return *this;
	}
	~OwnPtr() { reset(); }

	T* get() const { return p_; }
	T* operator->() const { return p_; }
	T& operator*() const { return *p_; }
	explicit operator bool() const { return p_ != nullptr; }
	T* release()
	{
		T* p = p_;
		p_ = nullptr;
		return p;
	}
	void reset(T* p = nullptr)
	{
		T* old = p_;
		p_ = p;
		destroy(old);
	}

private:
	T* p_ = nullptr;
};

} // namespace ktl
