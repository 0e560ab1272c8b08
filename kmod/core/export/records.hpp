// SPDX-License-Identifier: GPL-2.0
// Writes the values of a v9/IPFIX record, element by element, as its
// template lists them: flow data records and the options records.
#pragma once
#include "core/export/clock.hpp"
#include "core/export/templates.hpp"
#include "core/nat/nat_event.hpp"
#include "core/sampler/sampler.hpp"

namespace netflow {

void write_flow_record(const Template& t, const FlowHead& flow, const ExportClock& clock, u8* out);

void write_nat_record(const Template& t, const NatEvent& e, u8* out);

struct MeteringTotals {
	u64 messages, flows, octets, observed_flows;
};

using InterfaceInfo = nf_ifinfo;

// `domain` = engine_id (observationDomainId).
void write_system_init(const Template& t, u32 domain, const ExportClock& clock, u8* out);
void write_metering_stats(const Template& t, u32 domain, const MeteringTotals& m, u8* out);
void write_interface(const Template& t, const InterfaceInfo& i, u8* out);

// The sampler's description (v9 sampler options, IPFIX selector options) and
// its statistics (IPFIX), for `s` in force; `now_ms` ends the counting
// interval that began at s.since_ms.
void write_sampler(const Template& t, u32 domain, const Sampler& s, u8* out);
void write_selector_stats(const Template& t, const Sampler& s, u64 pkts_discarded, u64 now_ms, u8* out);

// IEEE 754 binary64 bits of v / 2^32 (no floating point in the kernel).
u64 float64_of_fraction32(u64 v);

} // namespace netflow
