// SPDX-License-Identifier: GPL-2.0
// How many chains a CPU's flow table should have for the flows it holds.
//
// The table follows its own CPU's load: it grows when there are more than
// two flows a chain and shrinks when there are fewer than one, each time to
// 1.4 flows a chain.  So a lookup walks short chains on a CPU that carries
// most flows (a single-queue NIC, one PPPoE or GRE session per box, a guest
// whose possible CPUs outnumber its online ones), and the chains cost at
// most 8 bytes a flow (one pointer a chain, at least one flow a chain) on a
// CPU whose table grew.  After a resize the flows must change by about a
// third before the next one: no back-and-forth at a boundary.
//
// `floor`: this CPU's share of hashsize, the size it starts with and never
// goes below (what the operator set aside).  `ceiling`: no more chains than
// flows could ever be (maxflows), and an array a vmalloc can give.
#pragma once
#include "ktl/types.hpp"

namespace netflow {

struct TableSizing {
	static constexpr u32 max_chains = 1u << 26;

	u32 floor;
	u32 ceiling;

	static TableSizing make(u32 share, u32 maxflows)
	{
		const u32 most = maxflows && maxflows < max_chains ? maxflows : max_chains;
		return TableSizing{share, share > most ? share : most};
	}

	// The size the table should have, `chains` when it is right.
	u32 want(u32 flows, u32 chains) const
	{
		const u64 f = flows;
		const bool grow = f > 2 * u64(chains) && chains < ceiling;
		const bool shrink = f < chains && chains > floor;
		if (!grow && !shrink && chains >= floor && chains <= ceiling)
			return chains;
		u64 n = f * 5 / 7;	// 1.4 flows a chain
		if (n < floor)
			n = floor;
		if (n > ceiling)
			n = ceiling;
		return static_cast<u32>(n);
	}
};

} // namespace netflow
