// SPDX-License-Identifier: GPL-2.0
// NAT translation events (NEL) taken from conntrack, queued between the
// ctnetlink listener and the exporter.  Both sides run in process context
// under the glue's export mutex, so the queue needs no lock of its own.
#pragma once
#include "ktl/byteorder.hpp"

namespace netflow {
using namespace ktl;

enum class NatEventType : u8 { create = 1, destroy = 2 };	// natEvent (IE 230)

struct NatEvent {
	u64 time_ms;		// wall clock: conntrack timestamp, else arrival
	Be32 pre_src, pre_dst;	// ORIGINAL direction, as the client sent it
	Be32 post_src, post_dst;	// after translation (the reversed REPLY tuple)
	Be16 pre_sport, pre_dport;
	Be16 post_sport, post_dport;
	u8 proto;
	NatEventType type;
	bool snat;
	bool dnat;
};

class NatQueue {
public:
	static constexpr u32 capacity = 16384;	// power of two

	bool push(const NatEvent& e)
	{
		if (tail_ - head_ == capacity) {
			dropped++;
			return false;
		}
		ring_[tail_++ & (capacity - 1)] = e;
		return true;
	}
	bool pop(NatEvent& e)
	{
		if (head_ == tail_)
			return false;
		e = ring_[head_++ & (capacity - 1)];
		return true;
	}
	u32 size() const { return tail_ - head_; }

	u64 dropped = 0;	// queue full
private:
	u32 head_ = 0;
	u32 tail_ = 0;
	NatEvent ring_[capacity];
};

struct NatStats {
	u64 starts;		// create events taken
	u64 stops;		// destroy events taken
	u64 malformed;		// messages that did not parse
	u64 ignored;		// not NAT, not IPv4, or not an event we report
	u64 lost;		// events lost: dropped at the socket (overrun), queue
				// full, not exported, unread at stop
	u64 overruns;		// ENOBUFS reports to the listener (each may cost many)
};

} // namespace netflow
