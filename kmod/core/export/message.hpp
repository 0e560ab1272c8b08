// SPDX-License-Identifier: GPL-2.0
// One NetFlow v9 (RFC 3954) or IPFIX (RFC 7011) message being filled: a
// header, then sets.  Templates go in-line, each in its own template set,
// right before the first data record that needs them; consecutive records of
// one template share a data set.  Every set is padded to 4 bytes.
#pragma once
#include "core/export/templates.hpp"
#include "ktl/span.hpp"

namespace netflow {

struct MessageHeader {
	u32 sys_uptime_ms;	// v9
	u32 unix_secs;
	u32 sequence;		// v9: messages before; IPFIX: data records before
	u32 domain;		// v9 source id / IPFIX observation domain
};

class Message {
public:
	// Payload limit as in the original (v9 1420 B, IPFIX 1416 B datagrams).
	static constexpr size_t max_payload = 1400;
	static constexpr size_t max_header = 20;

	void begin(Dialect d);
	bool empty() const { return records_ == 0; }
	u16 records() const { return records_; }		// all, for the v9 count
	u32 data_records() const { return data_records_; }	// data + options data
	Dialect dialect() const { return dialect_; }

	// Appends a template set holding `t`; false (nothing written) if it
	// does not fit together with `reserve` more bytes after it.
	bool add_template(const Template& t, size_t reserve);
	// Room for one record of `t`, in a data set of its own id; nullptr when
	// the message is full.  The caller writes exactly t.record_size bytes.
	u8* add_record(const Template& t);

	// Closes the open set and writes the header; the whole message.
	ktl::Bytes finish(const MessageHeader& h);

private:
	size_t header_size() const { return dialect_ == Dialect::ipfix ? 16 : 20; }
	void close_set();
	bool fits(size_t n) const { return used_ + n + 3 <= header_size() + max_payload; }

	u8 buf_[max_header + max_payload + 4] = {};
	size_t used_ = 0;
	size_t set_start_ = 0;	// 0 = no open data set
	u16 set_id_ = 0;
	u16 records_ = 0;
	u32 data_records_ = 0;
	Dialect dialect_ = Dialect::ipfix;
};

} // namespace netflow
