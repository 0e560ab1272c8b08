// SPDX-License-Identifier: GPL-2.0
// See alloc_cache.cpp.
#pragma once

// Large blocks parked for reuse (still counted by fake::large_allocs_live()).
long parked_large_blocks();
