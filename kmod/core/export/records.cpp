// SPDX-License-Identifier: GPL-2.0
#include "core/export/records.hpp"
#include "core/core.hpp"
#include "core/flow/ext.hpp"
#include "ktl/byteorder.hpp"

namespace netflow {

namespace {

// Unsigned integers shorter than their template field are zero-extended,
// longer ones keep their low bytes (reduced-size encoding, RFC 7011 §6.2).
void put_uint(u8* p, u8 size, u64 v)
{
	for (int i = size - 1; i >= 0; i--) {
		p[i] = static_cast<u8>(v);
		v >>= 8;
	}
}

void put_bytes(u8* p, u8 size, const void* src, size_t n)
{
	zero(p, size);
	copy(p, src, min<size_t>(n, size));
}

u8 key_tos(const Ipv4Key& k) { return k.tos; }
u8 key_tos(const Ipv6Key& k) { return k.tclass; }

size_t text_length(const char* s, size_t cap)
{
	size_t n = 0;
	while (n < cap && s[n])
		n++;
	return n;
}

// A tag's TCI: priority in the top 3 bits, the VLAN id in the low 12.
constexpr u16 vlan_vid_mask = 0xfff;
constexpr u32 vlan_pcp_shift = 13;

// ingress/egressInterface: 0 when the packet had no such device.
u32 ifindex_value(s32 ifindex) { return ifindex < 0 ? 0 : static_cast<u32>(ifindex); }

template <typename F> void put_address_fields(Ie id, const F& f, u8* p, u8 size);

template <> void put_address_fields(Ie id, const Flow4& f, u8* p, u8 size)
{
	const Be32 v = id == sourceIPv4Address ? f.key.src : id == destinationIPv4Address ? f.key.dst : f.nexthop;
	const u32 raw = v.raw();
	put_bytes(p, size, &raw, 4);
}

template <> void put_address_fields(Ie id, const Flow6& f, u8* p, u8 size)
{
	const u8* v = id == sourceIPv6Address ? f.key.src : id == destinationIPv6Address ? f.key.dst : f.nexthop.b;
	put_bytes(p, size, v, 16);
}

template <typename F> void put_flow_field(const Field& fld, const F& f, const FlowHead& h, const ExportClock& c, u8* p)
{
	const u8 n = fld.size;
	switch (fld.id) {
	case sourceIPv4Address:
	case destinationIPv4Address:
	case ipNextHopIPv4Address:
	case sourceIPv6Address:
	case destinationIPv6Address:
	case ipNextHopIPv6Address:
		put_address_fields(fld.id, f, p, n);
		break;
	case ipVersion:
		put_uint(p, n, h.family());
		break;
	case ipv4Options:
		put_uint(p, n, ip_options_of(f));
		break;
	case sourceIPv4PrefixLength:
		put_uint(p, n, src_mask_of(f));
		break;
	case destinationIPv4PrefixLength:
		put_uint(p, n, dst_mask_of(f));
		break;
	case flowLabelIPv6:
		put_uint(p, n, flow_label_of(f));
		break;
	case ipv6ExtensionHeaders:
		put_uint(p, n, ext_hdrs_of(f));
		break;
	case sourceTransportPort:
		put_uint(p, n, f.key.sport.host());
		break;
	case destinationTransportPort:
	case icmpTypeCodeIPv4:
	case icmpTypeCodeIPv6:
		put_uint(p, n, f.key.dport.host());
		break;
	case igmpType:
		put_uint(p, n, f.key.dport.host() & 0xff);
		break;
	case ipSecSPI:
		put_uint(p, n, u32(f.key.sport.host()) << 16 | f.key.dport.host());
		break;
	case tcpControlBits:
		put_uint(p, n, h.tcp_flags);
		break;
	case tcpOptions:
		put_uint(p, n, f.tcp_options);
		break;
	case ingressInterface:
		put_uint(p, n, ifindex_value(f.key.iif));
		break;
	case egressInterface:
		put_uint(p, n, ifindex_value(f.oif));
		break;
	case packetDeltaCount:
		put_uint(p, n, f.packets);
		break;
	case octetDeltaCount:
		put_uint(p, n, f.bytes);
		break;
	case flowStartSysUpTime:
		put_uint(p, n, c.uptime_at(f.first));
		break;
	case flowEndSysUpTime:
		put_uint(p, n, c.uptime_at(f.last));
		break;
	case flowStartMilliseconds:
		put_uint(p, n, c.boot_wall_ms + c.uptime_at(f.first));
		break;
	case flowEndMilliseconds:
		put_uint(p, n, c.boot_wall_ms + c.uptime_at(f.last));
		break;
	case protocolIdentifier:
		put_uint(p, n, f.key.proto);
		break;
	case ipClassOfService:
		put_uint(p, n, key_tos(f.key));
		break;
	case flowEndReason:
		put_uint(p, n, static_cast<u8>(h.end()));
		break;
	case mplsTopLabelTTL:
		put_uint(p, n, ext_of(h)[g_ext.mpls_ttl_at]);
		break;
	case destinationMacAddress:
		put_bytes(p, n, ext_dst_mac(ext_of(h)), 6);
		break;
	case sourceMacAddress:
		put_bytes(p, n, ext_src_mac(ext_of(h)), 6);
		break;
	case vlanId:
	case dot1qVlanId:
		put_uint(p, n, ext_vlan(ext_of(h), 0) & vlan_vid_mask);
		break;
	case dot1qPriority:
		put_uint(p, n, ext_vlan(ext_of(h), 0) >> vlan_pcp_shift);
		break;
	case dot1qCustomerVlanId:
		put_uint(p, n, ext_vlan(ext_of(h), 1) & vlan_vid_mask);
		break;
	case dot1qCustomerPriority:
		put_uint(p, n, ext_vlan(ext_of(h), 1) >> vlan_pcp_shift);
		break;
	case ethernetType:
		put_uint(p, n, ext_ethertype(ext_of(h)));
		break;
	case flowDirection:
		put_uint(p, n, ext_of(h)[g_ext.direction_at]);
		break;
	case ingressPhysicalInterface:
		put_uint(p, n, ext_physdev(ext_of(h), 0));
		break;
	case egressPhysicalInterface:
		put_uint(p, n, ext_physdev(ext_of(h), 1));
		break;
	default:
		if (fld.id >= mplsTopLabelStackSection && fld.id <= mplsLabelStackSection10)
			put_uint(p, n, ext_mpls_entry(ext_of(h), fld.id - mplsTopLabelStackSection) >> 8);
		else
			zero(p, n);
		break;
	}
}

} // namespace

void write_flow_record(const Template& t, const FlowHead& flow, const ExportClock& clock, u8* out)
{
	visit(flow, [&](const auto& f) {
		u8* p = out;
		for (u8 i = 0; i < t.nfields; i++) {
			put_flow_field(t.fields[i], f, flow, clock, p);
			p += t.fields[i].size;
		}
	});
}

void write_system_init(const Template& t, u32 domain, const ExportClock& clock, u8* out)
{
	static const char name[] = "ipt_NETFLOW " NF_VERSION;
	u8* p = out;
	for (u8 i = 0; i < t.nfields; i++) {
		const Field& f = t.fields[i];
		if (f.id == observationDomainId)
			put_uint(p, f.size, domain);
		else if (f.id == systemInitTimeMilliseconds)
			put_uint(p, f.size, clock.boot_wall_ms);
		else if (f.id == observationDomainName)
			put_bytes(p, f.size, name, sizeof(name) - 1);
		else
			zero(p, f.size);
		p += f.size;
	}
}

void write_metering_stats(const Template& t, u32 domain, const MeteringTotals& m, u8* out)
{
	u8* p = out;
	for (u8 i = 0; i < t.nfields; i++) {
		const Field& f = t.fields[i];
		u64 v = 0;
		switch (f.id) {
		case observationDomainId: v = domain; break;
		case exportedMessageTotalCount: v = m.messages; break;
		case exportedFlowRecordTotalCount: v = m.flows; break;
		case exportedOctetTotalCount: v = m.octets; break;
		case observedFlowTotalCount: v = m.observed_flows; break;
		default: break;
		}
		put_uint(p, f.size, v);
		p += f.size;
	}
}

void write_interface(const Template& t, const InterfaceInfo& in, u8* out)
{
	u8* p = out;
	for (u8 i = 0; i < t.nfields; i++) {
		const Field& f = t.fields[i];
		if (f.id == ingressInterface)
			put_uint(p, f.size, in.ifindex);
		else if (f.id == interfaceName)
			put_bytes(p, f.size, in.name, text_length(in.name, sizeof(in.name)));
		else if (f.id == interfaceDescription)
			put_bytes(p, f.size, in.description, text_length(in.description, sizeof(in.description)));
		else
			zero(p, f.size);
		p += f.size;
	}
}

u64 float64_of_fraction32(u64 v)
{
	if (!v)
		return 0;
	const int e = 63 - __builtin_clzll(v);	// v = 1.m * 2^e
	const u64 mantissa = (e <= 52 ? v << (52 - e) : v >> (e - 52)) & ((1ull << 52) - 1);
	return static_cast<u64>(e - 32 + 1023) << 52 | mantissa;
}

// Sampler ids are the mode numbers (SamplerMode).  The IPFIX selector
// options follow RFC 7014 §6: count-based as interval 1, spacing N - 1
// (one flow taken, N - 1 skipped); random as n-out-of-N with n = 1; hash as
// uniform probabilistic with the exact share it takes.
void write_sampler(const Template& t, u32 domain, const Sampler& s, u8* out)
{
	const SamplerConfig& c = s.config();
	u8* p = out;
	for (u8 i = 0; i < t.nfields; i++) {
		const Field& f = t.fields[i];
		u64 v = 0;
		switch (f.id) {
		case observationDomainId: v = domain; break;
		case flowSamplerId:
		case selectorId: v = s.id(); break;
		case flowSamplerMode: v = c.mode == SamplerMode::deterministic ? 1 : 2; break;
		case flowSamplerRandomInterval:
		case samplingPopulation: v = c.n; break;
		case flowSelectorAlgorithm:
			v = c.mode == SamplerMode::deterministic ? 1 : c.mode == SamplerMode::random ? 3 : 4;
			break;
		case samplingFlowInterval:
		case samplingSize: v = 1; break;
		case samplingFlowSpacing: v = c.n - 1; break;
		case samplingProbability: v = float64_of_fraction32(hash_selected_values(c.n)); break;
		default: break;
		}
		put_uint(p, f.size, v);
		p += f.size;
	}
}

void write_selector_stats(const Template& t, const Sampler& s, u64 pkts_discarded, u64 now_ms, u8* out)
{
	const SamplerStats& st = s.stats;
	u8* p = out;
	for (u8 i = 0; i < t.nfields; i++) {
		const Field& f = t.fields[i];
		u64 v = 0;
		switch (f.id) {
		case selectorId: v = s.id(); break;
		case selectorIDTotalFlowsObserved: v = st.flows_selected + st.flows_discarded; break;
		case selectorIDTotalFlowsSelected: v = st.flows_selected; break;
		case selectorIdTotalPktsObserved: v = st.pkts_selected + pkts_discarded; break;
		case selectorIdTotalPktsSelected: v = st.pkts_selected; break;
		case flowStartMilliseconds: v = s.since_ms; break;
		case flowEndMilliseconds: v = now_ms; break;
		default: break;
		}
		put_uint(p, f.size, v);
		p += f.size;
	}
}

} // namespace netflow

namespace netflow {

void write_nat_record(const Template& t, const NatEvent& e, u8* out)
{
	u8* p = out;
	for (u8 i = 0; i < t.nfields; i++) {
		const Field& f = t.fields[i];
		switch (f.id) {
		case observationTimeMilliseconds: put_uint(p, f.size, e.time_ms); break;
		case sourceIPv4Address: put_uint(p, f.size, e.pre_src.host()); break;
		case destinationIPv4Address: put_uint(p, f.size, e.pre_dst.host()); break;
		case postNATSourceIPv4Address: put_uint(p, f.size, e.post_src.host()); break;
		case postNATDestinationIPv4Address: put_uint(p, f.size, e.post_dst.host()); break;
		case sourceTransportPort: put_uint(p, f.size, e.pre_sport.host()); break;
		case destinationTransportPort: put_uint(p, f.size, e.pre_dport.host()); break;
		case postNAPTSourceTransportPort: put_uint(p, f.size, e.post_sport.host()); break;
		case postNAPTDestinationTransportPort: put_uint(p, f.size, e.post_dport.host()); break;
		case protocolIdentifier: put_uint(p, f.size, e.proto); break;
		case natEvent: put_uint(p, f.size, static_cast<u8>(e.type)); break;
		default: zero(p, f.size); break;
		}
		p += f.size;
	}
}

} // namespace netflow
