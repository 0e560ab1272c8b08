// SPDX-License-Identifier: GPL-2.0
// One CPU's hash table of flows: an array of chains that can be resized
// while packets keep arriving.
//
// A resize does not move every flow at once (a million flows would hold the
// CPU's lock, and so its packet path, for tens of milliseconds).  The new
// array is swapped in beside the old one and the exporter moves the old
// chains over a few hundred at a time, letting go of the lock in between.
// Meanwhile a key's chain is the old one while its old bucket has not been
// moved yet (old bucket >= moved_), else the new one: every flow is in
// exactly one chain at every moment, and a lookup, an insert or an unlink
// finds it in one place.  The packet path pays one test of `old_` for this.
#pragma once
#include "core/flow/flow.hpp"
#include "core/flow/hash.hpp"

namespace netflow {

// The hash a flow is chained by (its key, and the key part of its tail).
u32 flow_hash(const FlowHead& h, const HashSeed& seed);

class FlowTable {
public:
	// `slots`: a zeroed array of `n` chains (the owner allocated it).
	void init(FlowHead** slots, u32 n) noexcept
	{
		slots_ = slots;
		n_ = n;
	}

	// The link that heads the chain of `hash`.
	FlowHead** bucket(u32 hash) const noexcept
	{
		if (__builtin_expect(old_ != nullptr, 0)) {
			const u32 ob = reduce(hash, old_n_);
			if (ob >= moved_)
				return &old_[ob];
		}
		return &slots_[reduce(hash, n_)];
	}

	// Starts a resize to `fresh` (zeroed, `n` chains); none may be under way.
	void begin_resize(FlowHead** fresh, u32 n) noexcept
	{
		old_ = slots_;
		old_n_ = n_;
		moved_ = 0;
		slots_ = fresh;
		n_ = n;
	}

	// Moves up to `max_chains` old chains into the new array.  When the
	// last one is moved, returns the old array for the caller to free
	// (outside the lock), else nullptr.
	FlowHead** migrate(u32 max_chains, const HashSeed& seed) noexcept;

	bool resizing() const { return old_ != nullptr; }
	u32 size() const { return n_; }			// chains of the current array
	u32 old_size() const { return old_ ? old_n_ : 0; }	// and of the one being emptied
	FlowHead** slots() const { return slots_; }
	FlowHead** old_slots() const { return old_; }

	// Chain `i` of the current array, then (i >= size()) of the old one:
	// how /proc's flow listing walks every chain during a resize.
	const FlowHead* chain(u32 i) const
	{
		if (i < n_)
			return slots_[i];
		i -= n_;
		return old_ && i < old_n_ ? old_[i] : nullptr;
	}

	// Takes both arrays away (teardown); the caller frees them.
	void release(FlowHead**& slots, FlowHead**& old) noexcept
	{
		slots = slots_;
		old = old_;
		slots_ = old_ = nullptr;
		n_ = old_n_ = moved_ = 0;
	}

private:
	FlowHead** slots_ = nullptr;
	u32 n_ = 0;
	u32 moved_ = 0;		// old chains [0, moved_) are empty and unused
	FlowHead** old_ = nullptr;
	u32 old_n_ = 0;
};

} // namespace netflow
