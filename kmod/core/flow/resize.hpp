// SPDX-License-Identifier: GPL-2.0
// Resizing the CPUs' flow tables (table.hpp) to what their loads ask for
// (sizing.hpp), from the exporter's side: the export mutex is held, so one
// resize at most is under way per table and nothing else swaps arrays.
// Arrays are allocated and freed with no CPU lock held (they may sleep); a
// CPU's lock is held only to start a resize and for each step of
// `resize_step` chains, so its packet path never waits for a whole table.
#pragma once
#include "core/flow/cache.hpp"
#include "core/flow/sizing.hpp"

namespace netflow {

constexpr u32 resize_step = 512;	// chains a lock hold moves
// Chains one exporter run (or one pass of finish_resize() between
// reschedules) moves: a million-chain table in about 30 runs, a tick apart.
constexpr u32 resize_run_chains = 64 * resize_step;

struct ResizeStats {
	u32 grown = 0;
	u32 shrunk = 0;
	u32 no_memory = 0;	// an array could not be allocated (tried again later)
};

// One visit of CPU `cpu`'s table at tick `now`: moves up to `budget` chains
// of a resize under way, or starts one when its load asks for it (not
// within a while of a failed allocation).  True while a resize is under way.
bool tend_table(CpuCache& c, u32 cpu, const TableSizing& s, u32 budget, u32 now, ResizeStats& st) noexcept;

// Ends a resize under way on CPU `cpu` (the hashsize sysctl, the unload).
void finish_resize(CpuCache& c, u32 cpu) noexcept;

// Moves every table to what its sizing asks (its floor, maxflows), to the
// end; the arrays are all allocated first, so a failed allocation changes
// nothing (false).
bool resize_all_now(CpuCache* const* cpus, u32 nr_cpus, u32 maxflows, ResizeStats& st) noexcept;

} // namespace netflow
