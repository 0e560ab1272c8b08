// SPDX-License-Identifier: GPL-2.0
#include "core/export/templates.hpp"
#include "core/flow/ext.hpp"

namespace netflow {

namespace {

constexpr u8 proto_tcp = 6, proto_udp = 17, proto_udplite = 136, proto_sctp = 132;
constexpr u8 proto_icmp = 1, proto_icmpv6 = 58, proto_igmp = 2, proto_esp = 50, proto_ah = 51;

struct Composer {
	Template& t;
	Dialect d;
	void add(Ie id)
	{
		if (t.nfields >= max_template_fields)
			return;
		const u8 size = ie_size(id, d);
		t.fields[t.nfields++] = Field{id, size};
		t.record_size = static_cast<u16>(t.record_size + size);
	}
};

// NAT event records (docs/ORIGINAL.md §4.6), the same in v9 and IPFIX.
constexpr Ie nel_fields[] = {
	observationTimeMilliseconds, sourceIPv4Address, destinationIPv4Address,
	postNATSourceIPv4Address, postNATDestinationIPv4Address, sourceTransportPort,
	destinationTransportPort, postNAPTSourceTransportPort, postNAPTDestinationTransportPort,
	protocolIdentifier, natEvent,
};

// MACs, tags, type: after the base block, before the labels.  v9 has one
// tag element; IPFIX the outer and, when there is one, the inner tag.
void compose_l2(Composer& c, u32 key, bool ipfix)
{
	if (key & shape::mac) {
		c.add(destinationMacAddress);
		c.add(sourceMacAddress);
	}
	if ((key & shape::vlan) && !ipfix)
		c.add(vlanId);
	if ((key & shape::vlan) && ipfix) {
		c.add(dot1qVlanId);
		c.add(dot1qPriority);
	}
	if ((key & shape::vlan2) && ipfix) {
		c.add(dot1qCustomerVlanId);
		c.add(dot1qCustomerPriority);
	}
	if (key & shape::ethertype)
		c.add(ethernetType);
}

void clear(Template& t)
{
	t.nfields = 0;
	t.scope_fields = 0;
	t.record_size = 0;
}

} // namespace

// A record with a label stack (its first entry is never 0: the bottom of
// stack bit is set somewhere) has the labels' elements, for as many
// entries as this load keeps.
u32 mpls_shape(const FlowHead& h)
{
	if (!g_ext.mpls_depth || !ext_mpls_entry(ext_of(h), 0))
		return 0;
	return shape::mpls | u32(g_ext.mpls_depth) << shape::mpls_depth_shift;
}

// The link-layer elements a record has: each chosen at load, and then only
// where the record carries it (a locally sent packet has no MAC header, a
// frame no tag).
u32 l2_shape(const FlowHead& h)
{
	const u8* ext = ext_of(h);
	u32 key = 0;
	if (ext_has_mac(ext))
		key |= shape::mac;
	if (ext_vlan(ext, 0))
		key |= ext_vlan(ext, 1) ? shape::vlan | shape::vlan2 : shape::vlan;
	if (ext_ethertype(ext))
		key |= shape::ethertype;
	if (g_ext.direction)
		key |= shape::direction;
	if (ext_physdev(ext, 0) | ext_physdev(ext, 1))
		key |= shape::physdev;
	return key;
}

u32 flow_shape(const FlowHead& h)
{
	return mpls_shape(h) | l2_shape(h) | visit(h, [](const auto& f) {
		u32 key = 0;
		const u8 proto = f.key.proto;
		if (f.is_v6)
			key |= shape::ipv6;
		if (proto == proto_tcp || proto == proto_udp || proto == proto_udplite || proto == proto_sctp)
			key |= shape::ports;
		else if (proto == proto_icmp || proto == proto_icmpv6)
			key |= shape::icmp;
		else if (proto == proto_igmp)
			key |= shape::igmp;
		else if (proto == proto_esp || proto == proto_ah)
			key |= shape::spi;
		if (ip_options_of(f))
			key |= shape::ip_options;
		if (f.tcp_options)
			key |= shape::tcp_options;
		if (flow_label_of(f))
			key |= shape::flow_label;
		if (ext_hdrs_of(f))
			key |= shape::ext_hdrs;
		if (src_mask_of(f) | dst_mask_of(f))
			key |= shape::masks;
		return key;
	});
}

void compose_data_template(u32 key, Dialect d, Template& t)
{
	clear(t);
	Composer c{t, d};
	const bool ipfix = d == Dialect::ipfix;
	if (key & shape::nel) {
		for (Ie id : nel_fields)
			c.add(id);
		return;
	}
	if (key & shape::ipv6) {
		c.add(sourceIPv6Address);
		c.add(destinationIPv6Address);
		c.add(ipNextHopIPv6Address);
		c.add(ipVersion);
		if (key & shape::flow_label)
			c.add(flowLabelIPv6);
		if (key & shape::ext_hdrs)
			c.add(ipv6ExtensionHeaders);
		if (ipfix && (key & shape::icmp))
			c.add(icmpTypeCodeIPv6);
	} else {
		c.add(sourceIPv4Address);
		c.add(destinationIPv4Address);
		c.add(ipNextHopIPv4Address);
		c.add(ipVersion);
		if (key & shape::ip_options)
			c.add(ipv4Options);
		if (key & shape::masks) {
			c.add(sourceIPv4PrefixLength);
			c.add(destinationIPv4PrefixLength);
		}
		if (ipfix && (key & shape::icmp))
			c.add(icmpTypeCodeIPv4);
	}
	if (key & shape::ports) {
		c.add(sourceTransportPort);
		c.add(destinationTransportPort);
		c.add(tcpControlBits);
	} else if (!ipfix && (key & shape::icmp)) {
		// v9 has no ICMP type-code element: collectors read it from the
		// destination port as type << 8 | code.
		c.add(sourceTransportPort);
		c.add(destinationTransportPort);
	}
	c.add(ingressInterface);
	c.add(egressInterface);
	if (key & shape::physdev) {
		c.add(ingressPhysicalInterface);
		c.add(egressPhysicalInterface);
	}
	c.add(packetDeltaCount);
	c.add(octetDeltaCount);
	c.add(ipfix ? flowStartMilliseconds : flowStartSysUpTime);
	c.add(ipfix ? flowEndMilliseconds : flowEndSysUpTime);
	c.add(protocolIdentifier);
	c.add(ipClassOfService);
	if (ipfix)
		c.add(flowEndReason);
	if (key & shape::tcp_options)
		c.add(tcpOptions);
	if (key & shape::igmp)
		c.add(igmpType);
	if (key & shape::spi)
		c.add(ipSecSPI);
	compose_l2(c, key, ipfix);
	if (key & shape::mpls) {
		c.add(mplsTopLabelTTL);
		const u32 depth = (key & shape::mpls_depth_mask) >> shape::mpls_depth_shift;
		for (u32 i = 0; i < depth; i++)
			c.add(static_cast<Ie>(mplsTopLabelStackSection + i));
	}
	if (key & shape::direction)
		c.add(flowDirection);
	if (key & shape::sampled)
		c.add(ipfix ? selectorId : flowSamplerId);
}

void compose_options_template(OptionsKind kind, Dialect d, Template& t)
{
	clear(t);
	Composer c{t, d};
	switch (kind) {
	case OptionsKind::system_init:
		c.add(observationDomainId);
		c.add(systemInitTimeMilliseconds);
		c.add(observationDomainName);
		break;
	case OptionsKind::metering_stats:
		c.add(observationDomainId);
		c.add(exportedMessageTotalCount);
		c.add(exportedFlowRecordTotalCount);
		c.add(exportedOctetTotalCount);
		c.add(observedFlowTotalCount);
		break;
	case OptionsKind::interfaces:
		c.add(ingressInterface);
		c.add(interfaceName);
		c.add(interfaceDescription);
		break;
	case OptionsKind::sampler_v9:
		c.add(observationDomainId);
		c.add(flowSamplerId);
		c.add(flowSamplerMode);
		c.add(flowSamplerRandomInterval);
		break;
	case OptionsKind::selector_count:
		c.add(observationDomainId);
		c.add(selectorId);
		c.add(flowSelectorAlgorithm);
		c.add(samplingFlowInterval);
		c.add(samplingFlowSpacing);
		break;
	case OptionsKind::selector_random:
		c.add(observationDomainId);
		c.add(selectorId);
		c.add(flowSelectorAlgorithm);
		c.add(samplingSize);
		c.add(samplingPopulation);
		break;
	case OptionsKind::selector_hash:
		c.add(observationDomainId);
		c.add(selectorId);
		c.add(flowSelectorAlgorithm);
		c.add(samplingProbability);
		break;
	case OptionsKind::selector_stats:
	case OptionsKind::selector_stats_hash:
		c.add(selectorId);
		if (kind == OptionsKind::selector_stats)
			c.add(selectorIDTotalFlowsObserved);
		c.add(selectorIDTotalFlowsSelected);
		c.add(selectorIdTotalPktsObserved);
		c.add(selectorIdTotalPktsSelected);
		c.add(flowStartMilliseconds);
		c.add(flowEndMilliseconds);
		break;
	}
	t.scope_fields = 1;
}

void TemplateCache::reset(Dialect dialect)
{
	for (Template& t : slots_)
		t.id = 0;
	count_ = 0;
	next_id_ = 256;
	dialect_ = dialect;
}

Template* TemplateCache::get(u32 key)
{
	for (u32 i = 0; i < count_; i++)
		if (slots_[i].key == key)
			return &slots_[i];
	if (count_ == capacity)
		return nullptr;
	Template& t = slots_[count_++];
	if (key & shape::options_base)
		compose_options_template(static_cast<OptionsKind>(key & 0xff), dialect_, t);
	else
		compose_data_template(key, dialect_, t);
	t.key = key;
	t.id = next_id_++;
	t.sent = false;
	generated_++;
	return &t;
}

bool TemplateCache::due(const Template& t, u32 message, u32 now, u32 refresh_rate, u32 timeout_ticks) const
{
	if (!t.sent)
		return true;
	if (message - t.sent_message > refresh_rate)
		return true;
	return time_after_eq(now, t.sent_tick + timeout_ticks);
}

void TemplateCache::mark_all_unsent()
{
	for (u32 i = 0; i < count_; i++)
		slots_[i].sent = false;
}

void TemplateCache::mark_unsent_in(u32 message)
{
	for (u32 i = 0; i < count_; i++)
		if (slots_[i].sent && slots_[i].sent_message == message)
			slots_[i].sent = false;
}

} // namespace netflow
