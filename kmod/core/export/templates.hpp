// SPDX-License-Identifier: GPL-2.0
// Templates for v9 and IPFIX: one per flow shape, composed from the shape as
// docs/ORIGINAL.md §4.3 describes, numbered from 256 on first use and re-sent
// every `refresh-rate` messages or `timeout-rate` minutes.
#pragma once
#include "core/export/ie.hpp"
#include "core/flow/flow.hpp"

namespace netflow {

// The longest data template is 32 fields (IPv4 with every optional block and
// ten MPLS labels); room for the link-layer fields to come.
inline constexpr u32 max_template_fields = 48;

// v9 and IPFIX describe their records in templates; v5 has one fixed layout.
constexpr bool is_templated(u32 protocol) { return protocol != NF_PROTOCOL_V5; }

struct Field {
	Ie id;
	u8 size;
};

struct Template {
	u16 id;			// 0 = unused slot
	u8 nfields;
	u8 scope_fields;	// options templates: the first n fields are scope
	u16 record_size;
	u32 key;
	u32 sent_message;	// message counter when last sent
	u32 sent_tick;
	bool sent;
	Field fields[max_template_fields];
};

// What decides a data template: address family, transport, optional blocks.
namespace shape {
inline constexpr u32 ipv6 = 1u << 0;
inline constexpr u32 ports = 1u << 1;	// TCP, UDP, UDP-Lite, SCTP
inline constexpr u32 icmp = 1u << 2;
inline constexpr u32 igmp = 1u << 3;
inline constexpr u32 spi = 1u << 4;	// AH, ESP
inline constexpr u32 ip_options = 1u << 5;
inline constexpr u32 tcp_options = 1u << 6;
inline constexpr u32 flow_label = 1u << 7;
inline constexpr u32 ext_hdrs = 1u << 8;
inline constexpr u32 nel = 1u << 9;		// NAT event records
inline constexpr u32 masks = 1u << 10;		// aggregation prefix lengths
inline constexpr u32 sampled = 1u << 11;	// the sampler id last (IE 48 / 302)
inline constexpr u32 mpls = 1u << 12;		// a label stack: its TTL, then mpls_depth labels
inline constexpr u32 mpls_depth_shift = 13;	// 4 bits: the labels a record has room for
inline constexpr u32 mpls_depth_mask = 15u << mpls_depth_shift;
inline constexpr u32 mac = 1u << 17;		// MAC addresses (IE 80, 56): one of them non-zero
inline constexpr u32 vlan = 1u << 18;		// an outer VLAN tag
inline constexpr u32 vlan2 = 1u << 19;		// and an inner one (IPFIX 245, 246)
inline constexpr u32 ethertype = 1u << 20;	// ethernetType (IE 256) non-zero
inline constexpr u32 direction = 1u << 21;	// flowDirection (IE 61)
inline constexpr u32 physdev = 1u << 22;	// bridge ports (IE 252, 253): one of them non-zero
inline constexpr u32 options_base = 1u << 24;	// options templates: key = base | kind
} // namespace shape

u32 flow_shape(const FlowHead& flow);

// Fills `t.fields` for a data template of shape `key` (ids left to the cache).
void compose_data_template(u32 key, Dialect dialect, Template& t);

enum class OptionsKind : u8 {
	system_init = 1,
	metering_stats = 2,
	interfaces = 3,
	sampler_v9 = 4,		// v9: FLOW_SAMPLER_ID, _MODE, _RANDOM_INTERVAL
	selector_count = 5,	// IPFIX (RFC 7014): systematic count-based
	selector_random = 6,	// IPFIX: random n-out-of-N
	selector_hash = 7,	// IPFIX: uniform probabilistic (see SAMPLING.md)
	selector_stats = 8,	// IPFIX: flows and packets observed and selected
	selector_stats_hash = 9,	// IPFIX: the same without flows observed
};
void compose_options_template(OptionsKind kind, Dialect dialect, Template& t);

// Small fixed cache: a router sees a handful of shapes.
class TemplateCache {
public:
	static constexpr u32 capacity = 64;

	void reset(Dialect dialect);
	// The template for `key`, composed on first use; nullptr when full.
	Template* get(u32 key);
	// Whether it must be (re-)sent in message number `message` at `now`.
	bool due(const Template& t, u32 message, u32 now, u32 refresh_rate, u32 timeout_ticks) const;
	void mark_all_unsent();
	void mark_unsent_in(u32 message);	// those last sent in `message`
	u32 generated() const { return generated_; }
	u32 active() const { return count_; }
	Dialect dialect() const { return dialect_; }

private:
	Template slots_[capacity];
	u32 count_ = 0;
	u32 generated_ = 0;
	u16 next_id_ = 256;
	Dialect dialect_ = Dialect::ipfix;
};

} // namespace netflow
