// SPDX-License-Identifier: GPL-2.0
// Counters one CPU keeps about its own packets.  Only the owning CPU writes
// them (inside its cache lock); readers take racy 64-bit snapshots.
#pragma once
#include "ktl/types.hpp"

namespace netflow {

struct CpuStats {
	ktl::u64 searched;	// non-matching chain entries looked at
	ktl::u64 found;
	ktl::u64 notfound;	// = flows created or refused
	ktl::u64 trunc;
	ktl::u64 frag;
	ktl::u64 alloc_err;
	ktl::u64 maxflows_err;
	ktl::u64 pkt_total;	// packets accounted into flows
	ktl::u64 traf_total;
	ktl::u64 pkt_drop;	// packets seen but not accounted
	ktl::u64 traf_drop;
	ktl::u64 samp_drop;	// packets of flows the hash sampler passed over

	void add(const CpuStats& o)
	{
		searched += o.searched;
		found += o.found;
		notfound += o.notfound;
		trunc += o.trunc;
		frag += o.frag;
		alloc_err += o.alloc_err;
		maxflows_err += o.maxflows_err;
		pkt_total += o.pkt_total;
		traf_total += o.traf_total;
		pkt_drop += o.pkt_drop;
		traf_drop += o.traf_drop;
		samp_drop += o.samp_drop;
	}
};

} // namespace netflow
