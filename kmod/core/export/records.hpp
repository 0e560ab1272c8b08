// SPDX-License-Identifier: GPL-2.0
// Writes the values of a v9/IPFIX record, element by element, as its
// template lists them: flow data records and the options records.
#pragma once
#include "core/export/clock.hpp"
#include "core/export/templates.hpp"
#include "core/nat/nat_event.hpp"

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

} // namespace netflow
