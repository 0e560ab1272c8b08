// SPDX-License-Identifier: GPL-2.0
// One record per flow although every CPU meters into its own cache.  A flow
// whose packets were processed on several CPUs has a part (a record) in
// each of their caches.  The packet path never looks beyond its own CPU; the
// exporter joins the parts when one of them leaves its cache:
//
// - a part that left by the inactive timeout, while another part of the
//   flow saw a packet within the timeout, is not exported: it is folded into
//   that live part (the flow is not inactive, judged on its last packet on
//   any CPU), which keeps metering on its CPU;
// - otherwise every other part is taken out of its cache and folded into
//   the leaving one, which is exported as the flow's one record; the
//   part's record goes back to its CPU's pool at once.
//
// Folding follows fold.hpp.  The exporter holds one CPU's lock at a time
// (a lookup of at most one batch of flows per hold), so the packet paths
// wait no longer than they do for a collect().
#pragma once
#include "core/flow/cache.hpp"

namespace netflow {

struct JoinedParts {
	ktl::List<FlowHead> absorbed;	// left `batch`: folded into a live part elsewhere
	u32 taken_out = 0;		// parts taken out of other caches, folded into `batch`
	u32 joined = 0;			// parts folded into another (absorbed + taken out)
};

// `batch`: flows CPU `home` just gave up (CpuCache::collect(), end reasons
// set).  Joins each with its parts on the other CPUs, as described above.
void join_parts(CpuCache* const* cpus, u32 nr_cpus, u32 home, const HashSeed& seed, u32 now, const Timeouts& t,
		ktl::List<FlowHead>& batch, JoinedParts& out) noexcept;

} // namespace netflow
