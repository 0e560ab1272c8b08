// SPDX-License-Identifier: GPL-2.0
// NetFlow v5 datagram builder (docs/ORIGINAL.md §4.1): a 24-byte header and up to
// 30 records of 48 bytes, all fields big-endian.
//
//   header   0 version(2)=5  2 count(2)  4 sys_uptime(4)  8 unix_secs(4)
//           12 unix_nsecs(4) 16 flow_sequence(4) 20 engine_type(1)
//           21 engine_id(1)  22 sampling_interval(2)
//   record   0 srcaddr  4 dstaddr  8 nexthop  12 input(2)  14 output(2)
//           16 dPkts(4) 20 dOctets(4) 24 First(4) 28 Last(4) 32 srcport(2)
//           34 dstport(2) 36 pad1  37 tcp_flags  38 prot  39 tos
//           40 src_as(2) 42 dst_as(2) 44 src_mask 45 dst_mask 46 pad2(2)
//
// Every byte of a record (pads included) is written, so nothing stale ever
// leaves the machine.  unix_nsecs is nanoseconds: the caller passes the
// wall-clock nanoseconds (the original put microseconds there, §10.4).
#pragma once
#include "core/export/clock.hpp"
#include "core/flow/flow.hpp"
#include "ktl/byteorder.hpp"
#include "ktl/span.hpp"

namespace netflow::v5 {
using namespace ktl;

inline constexpr size_t header_size = 24;
inline constexpr size_t record_size = 48;
inline constexpr size_t max_records = 30;
inline constexpr size_t max_datagram = header_size + max_records * record_size;	// 1464
inline constexpr u16 version = 5;

// One flow, in the units of the wire format.  Addresses and ports are kept
// in network order (as in the flow key); everything else is host order.
struct Record {
	Be32 src, dst, nexthop;
	u16 input, output;	// ifindex (the caller maps "none" and > 65535)
	u32 packets, octets;
	u32 first_ms, last_ms;	// on the sys_uptime clock
	Be16 sport, dport;
	u8 tcp_flags, proto, tos;
	u16 src_as, dst_as;
	u8 src_mask, dst_mask;
};

struct Header {
	u32 sys_uptime_ms;
	u32 unix_secs;
	u32 unix_nsecs;		// nanoseconds, < 1e9
	u32 flow_sequence;	// flows sent before this datagram
	u8 engine_type, engine_id;
	u16 sampling_interval;	// mode << 14 | interval
};

// One IPv4 flow as a v5 record: interfaces and counters cut to the record's
// widths, times placed on `clock`'s uptime.
Record flow_record(const Flow4& f, const ExportClock& clock);

class Datagram {
public:
	// Forgets the records; the next add() starts a new datagram.
	void reset() { count_ = 0; }
	bool full() const { return count_ == max_records; }
	bool empty() const { return count_ == 0; }
	u16 count() const { return count_; }
	// Appends one record; false (nothing written) when 30 are already in.
	bool add(const Record& r);
	// Writes the header (with the current count) and returns the whole
	// datagram: 24 + 48 * count() bytes, valid until the next reset()/add().
	// Does not reset.
	ktl::Bytes finish(const Header& h);

private:
	u8 buf_[max_datagram] = {};
	u16 count_ = 0;
};

} // namespace netflow::v5
