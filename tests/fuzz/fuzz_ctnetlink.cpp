// SPDX-License-Identifier: GPL-2.0
// libFuzzer target: the ctnetlink NAT event parser
// (kmod/core/nat/ctnetlink.hpp): parse_ct_buffer() over a buffer of netlink
// messages, and parse_ct_message() on each of them.
//
// Input: the buffer itself (host-order netlink headers, as the kernel
// delivers them), in an exactly-sized heap copy.
//
// Checks on top of ASan/UBSan:
//   * the buffer walk, redone here from the netlink framing rules, sees the
//     same messages: stats.starts+stops+ignored+malformed+lost equals the
//     number of messages (plus one malformed for a bad trailing length);
//   * every queued event equals what parse_ct_message() gives for its
//     message, has a create/destroy type, SNAT or DNAT set, and is stamped
//     with now_ms unless the message carried a timestamp (then not 0);
//   * parse_ct_message() is deterministic and never reads past the message
//     (each message is also parsed from its own exactly-sized copy).
#include <memory>

#include "common.hpp"
#include "core/nat/ctnetlink.hpp"

using namespace netflow;

namespace {

constexpr u64 now_ms = 1700000000123ull;

NatQueue* queue;

uint32_t load32(const uint8_t* p)
{
	uint32_t v;
	std::memcpy(&v, p, 4);
	return v;
}

bool same_event(const NatEvent& a, const NatEvent& b)
{
	return a.time_ms == b.time_ms && a.pre_src.raw() == b.pre_src.raw() && a.pre_dst.raw() == b.pre_dst.raw() &&
	       a.post_src.raw() == b.post_src.raw() && a.post_dst.raw() == b.post_dst.raw() &&
	       a.pre_sport.raw() == b.pre_sport.raw() && a.pre_dport.raw() == b.pre_dport.raw() &&
	       a.post_sport.raw() == b.post_sport.raw() && a.post_dport.raw() == b.post_dport.raw() &&
	       a.proto == b.proto && a.type == b.type && a.snat == b.snat && a.dnat == b.dnat;
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***)
{
	queue = new NatQueue;	// 640 KiB ring: one for the whole run, drained after each input
	return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
	std::unique_ptr<uint8_t[]> buf(new uint8_t[size ? size : 1]);
	if (size)
		std::memcpy(buf.get(), data, size);

	NatStats stats{};
	parse_ct_buffer(ktl::Bytes(buf.get(), size), now_ms, *queue, stats);

	// The same walk, from the framing rules, message by message.
	NatStats want{};
	size_t off = 0;
	u32 events = 0;
	NatEvent expect[64];
	while (size - off >= 16) {
		const uint32_t len = load32(buf.get() + off);
		if (len < 16 || len > size - off) {
			want.malformed++;
			break;
		}
		// The message alone, exactly sized.
		std::unique_ptr<uint8_t[]> msg(new uint8_t[len]);
		std::memcpy(msg.get(), buf.get() + off, len);
		NatEvent e1, e2;
		std::memset(&e1, 0x11, sizeof(e1));
		std::memset(&e2, 0x22, sizeof(e2));
		const CtParse r1 = parse_ct_message(ktl::Bytes(msg.get(), len), now_ms, e1);
		const CtParse r2 = parse_ct_message(ktl::Bytes(buf.get() + off, len), now_ms, e2);
		FUZZ_CHECK(r1 == r2, "message at %zu: %d vs %d", off, int(r1), int(r2));
		switch (r1) {
		case CtParse::event:
			FUZZ_CHECK(same_event(e1, e2), "message at %zu: events differ", off);
			FUZZ_CHECK(e1.type == NatEventType::create || e1.type == NatEventType::destroy);
			FUZZ_CHECK(e1.snat || e1.dnat, "an event that is neither SNAT nor DNAT");
			FUZZ_CHECK(e1.time_ms != 0, "an event stamped 0");
			if (e1.type == NatEventType::create)
				want.starts++;
			else
				want.stops++;
			if (events < 64)
				expect[events] = e1;
			events++;
			break;
		case CtParse::ignored:
			want.ignored++;
			break;
		case CtParse::malformed:
			want.malformed++;
			break;
		}
		const size_t step = (size_t(len) + 3) & ~size_t(3);
		off += std::min(step, size - off);
	}
	FUZZ_CHECK(stats.starts == want.starts && stats.stops == want.stops && stats.ignored == want.ignored &&
			   stats.malformed == want.malformed && stats.lost == 0,
		   "stats %llu/%llu/%llu/%llu/%llu, walk %llu/%llu/%llu/%llu",
		   (unsigned long long)stats.starts, (unsigned long long)stats.stops,
		   (unsigned long long)stats.ignored, (unsigned long long)stats.malformed,
		   (unsigned long long)stats.lost, (unsigned long long)want.starts, (unsigned long long)want.stops,
		   (unsigned long long)want.ignored, (unsigned long long)want.malformed);
	FUZZ_CHECK(queue->size() == events, "queued %u, expected %u", queue->size(), events);
	NatEvent e;
	for (u32 i = 0; queue->pop(e); i++)
		if (i < 64)
			FUZZ_CHECK(same_event(e, expect[i]), "queued event %u differs", i);
	return 0;
}
