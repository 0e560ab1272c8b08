// SPDX-License-Identifier: GPL-2.0
// NetFlow v5 datagram builder (see v5.hpp for the layout), and the mapping
// of a cached IPv4 flow to its record.
#include "core/export/v5.hpp"

namespace netflow::v5 {
namespace {

template <typename T> inline void put_raw(u8* p, BigEndian<T> v)
{
	const T raw = v.raw();
	__builtin_memcpy(p, &raw, sizeof(raw));
}

u16 ifindex16(s32 ifindex)
{
	// v5 has 16 bits: "no device" and indexes that do not fit both read 65535.
	return (ifindex < 0 || ifindex > 0xffff) ? 0xffff : static_cast<u16>(ifindex);
}

u32 saturate32(u64 v) { return v > 0xffffffffull ? 0xffffffffu : static_cast<u32>(v); }

} // namespace

Record flow_record(const Flow4& f, const ExportClock& clock)
{
	Record r{};
	r.src = f.key.src;
	r.dst = f.key.dst;
	r.nexthop = f.nexthop;
	r.input = ifindex16(f.key.iif);
	r.output = ifindex16(f.oif);
	r.packets = saturate32(f.packets);
	r.octets = saturate32(f.bytes);
	r.first_ms = static_cast<u32>(clock.uptime_at(f.first));
	r.last_ms = static_cast<u32>(clock.uptime_at(f.last));
	r.sport = f.key.sport;
	r.dport = f.key.dport;
	r.tcp_flags = f.tcp_flags;
	r.proto = f.key.proto;
	r.tos = f.key.tos;
	r.src_mask = src_mask_of(f);
	r.dst_mask = dst_mask_of(f);
	return r;
}

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
