// SPDX-License-Identifier: GPL-2.0
// NetFlow v5 datagram builder (see v5.hpp for the layout).
#include "core/export/v5.hpp"

namespace netflow::v5 {
namespace {

template <typename T> inline void put_raw(u8* p, BigEndian<T> v)
{
	const T raw = v.raw();
	__builtin_memcpy(p, &raw, sizeof(raw));
}

} // namespace

bool Datagram::add(const Record& r)
{
	if (count_ >= max_records)
		return false;
	u8* p = buf_ + header_size + static_cast<size_t>(count_) * record_size;
	put_raw(p + 0, r.src);
	put_raw(p + 4, r.dst);
	put_raw(p + 8, r.nexthop);
	store_be<u16>(p + 12, r.input);
	store_be<u16>(p + 14, r.output);
	store_be<u32>(p + 16, r.packets);
	store_be<u32>(p + 20, r.octets);
	store_be<u32>(p + 24, r.first_ms);
	store_be<u32>(p + 28, r.last_ms);
	put_raw(p + 32, r.sport);
	put_raw(p + 34, r.dport);
	p[36] = 0;
	p[37] = r.tcp_flags;
	p[38] = r.proto;
	p[39] = r.tos;
	store_be<u16>(p + 40, r.src_as);
	store_be<u16>(p + 42, r.dst_as);
	p[44] = r.src_mask;
	p[45] = r.dst_mask;
	p[46] = 0;
	p[47] = 0;
	++count_;
	return true;
}

ktl::Bytes Datagram::finish(const Header& h)
{
	u8* p = buf_;
	store_be<u16>(p + 0, version);
	store_be<u16>(p + 2, count_);
	store_be<u32>(p + 4, h.sys_uptime_ms);
	store_be<u32>(p + 8, h.unix_secs);
	store_be<u32>(p + 12, h.unix_nsecs);
	store_be<u32>(p + 16, h.flow_sequence);
	p[20] = h.engine_type;
	p[21] = h.engine_id;
	store_be<u16>(p + 22, h.sampling_interval);
	return ktl::Bytes(buf_, header_size + static_cast<size_t>(count_) * record_size);
}

} // namespace netflow::v5
