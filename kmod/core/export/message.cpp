// SPDX-License-Identifier: GPL-2.0
#include "core/export/message.hpp"
#include "ktl/byteorder.hpp"

namespace netflow {

namespace {

// Set ids: v9 0 template / 1 options template; IPFIX 2 / 3.
u16 template_set_id(Dialect d, bool options)
{
	if (d == Dialect::ipfix)
		return options ? 3 : 2;
	return options ? 1 : 0;
}

// v9 options scope types (RFC 3954 §6.1): 1 System, 2 Interface.
u16 v9_scope_type(Ie id) { return id == ingressInterface ? 2 : 1; }

// Template record: id, count (+ a third u16 for options), 4 bytes per field.
size_t template_record_size(const Template& t) { return (t.scope_fields ? 6 : 4) + 4u * t.nfields; }

} // namespace

void Message::begin(Dialect d)
{
	dialect_ = d;
	used_ = header_size();
	set_start_ = 0;
	set_id_ = 0;
	records_ = 0;
	data_records_ = 0;
}

void Message::close_set()
{
	if (!set_start_)
		return;
	while ((used_ - set_start_) % 4)
		buf_[used_++] = 0;
	store_be<u16>(buf_ + set_start_ + 2, static_cast<u16>(used_ - set_start_));
	set_start_ = 0;
	set_id_ = 0;
}

bool Message::add_template(const Template& t, size_t reserve)
{
	const size_t rec = template_record_size(t);
	// An options template record is 6 + 4n bytes: its set gets 2 bytes of
	// padding like every other set (the original left them unpadded).
	const size_t set_len = (4 + rec + 3) & ~size_t{3};
	close_set();
	if (!fits(set_len + reserve))
		return false;
	const bool options = t.scope_fields != 0;
	u8* p = buf_ + used_;
	store_be<u16>(p, template_set_id(dialect_, options));
	store_be<u16>(p + 2, static_cast<u16>(set_len));
	p += 4;
	store_be<u16>(p, t.id);
	if (!options) {
		store_be<u16>(p + 2, t.nfields);
		p += 4;
	} else if (dialect_ == Dialect::ipfix) {
		store_be<u16>(p + 2, t.nfields);
		store_be<u16>(p + 4, t.scope_fields);
		p += 6;
	} else {
		store_be<u16>(p + 2, static_cast<u16>(4 * t.scope_fields));
		store_be<u16>(p + 4, static_cast<u16>(4 * (t.nfields - t.scope_fields)));
		p += 6;
	}
	for (u8 i = 0; i < t.nfields; i++) {
		const bool scope = i < t.scope_fields;
		const u16 type = (scope && dialect_ == Dialect::v9) ? v9_scope_type(t.fields[i].id) : static_cast<u16>(t.fields[i].id);
		store_be<u16>(p, type);
		store_be<u16>(p + 2, t.fields[i].size);
		p += 4;
	}
	while (static_cast<size_t>(p - (buf_ + used_)) < set_len)
		*p++ = 0;
	used_ = static_cast<size_t>(p - buf_);
	records_++;
	return true;
}

u8* Message::add_record(const Template& t)
{
	if (set_start_ && set_id_ != t.id)
		close_set();
	const size_t need = t.record_size + (set_start_ ? 0 : 4);
	if (!fits(need))
		return nullptr;
	if (!set_start_) {
		set_start_ = used_;
		set_id_ = t.id;
		store_be<u16>(buf_ + used_, t.id);
		store_be<u16>(buf_ + used_ + 2, 0);
		used_ += 4;
	}
	u8* rec = buf_ + used_;
	used_ += t.record_size;
	records_++;
	data_records_++;
	return rec;
}

ktl::Bytes Message::finish(const MessageHeader& h)
{
	close_set();
	u8* p = buf_;
	if (dialect_ == Dialect::ipfix) {
		store_be<u16>(p, 10);
		store_be<u16>(p + 2, static_cast<u16>(used_));
		store_be<u32>(p + 4, h.unix_secs);
		store_be<u32>(p + 8, h.sequence);
		store_be<u32>(p + 12, h.domain);
	} else {
		store_be<u16>(p, 9);
		store_be<u16>(p + 2, records_);
		store_be<u32>(p + 4, h.sys_uptime_ms);
		store_be<u32>(p + 8, h.unix_secs);
		store_be<u32>(p + 12, h.sequence);
		store_be<u32>(p + 16, h.domain);
	}
	return ktl::Bytes(buf_, used_);
}

} // namespace netflow
