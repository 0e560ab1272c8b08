// SPDX-License-Identifier: GPL-2.0
// The exporter's (and every other control path's) way into one CPU's flow
// cache: the lock the packet path holds around nfc_account() on that CPU.
// A guard, so that no early return can leave a CPU's packet path spinning.
#pragma once
#include "ktl/types.hpp"

namespace netflow {

class CpuLockGuard {
public:
	explicit CpuLockGuard(ktl::u32 cpu) : cpu_(cpu) { nfp_cpu_lock(cpu); }
	~CpuLockGuard() { nfp_cpu_unlock(cpu_); }
	CpuLockGuard(const CpuLockGuard&) = delete;
	CpuLockGuard& operator=(const CpuLockGuard&) = delete;

private:
	ktl::u32 cpu_;
};

} // namespace netflow
