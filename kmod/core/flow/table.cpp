// SPDX-License-Identifier: GPL-2.0
#include "core/flow/table.hpp"

namespace netflow {

FlowHead** FlowTable::migrate(u32 max_chains, const HashSeed& seed) noexcept
{
	if (!old_)
		return nullptr;
	const u32 end = old_n_ - moved_ > max_chains ? moved_ + max_chains : old_n_;
	for (; moved_ < end; moved_++) {
		FlowHead* h = old_[moved_];
		old_[moved_] = nullptr;
		while (h) {
			FlowHead* next = h->hash_next;
			FlowHead** b = &slots_[reduce(flow_hash(*h, seed), n_)];
			h->hash_next = *b;
			*b = h;
			h = next;
		}
	}
	if (moved_ < old_n_)
		return nullptr;
	FlowHead** done = old_;
	old_ = nullptr;
	old_n_ = moved_ = 0;
	return done;
}

} // namespace netflow
