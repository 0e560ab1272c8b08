// SPDX-License-Identifier: GPL-2.0
// Information Elements the exporter sends (RFC 7012 / IANA "IPFIX Information
// Elements"; NetFlow v9 field types of RFC 3954 share the numbers below 128).
// Data, not code: templates are lists of these.
#pragma once
#include "ktl/types.hpp"

namespace netflow {
using namespace ktl;

enum class Dialect : u8 { v9, ipfix };

enum Ie : u16 {
	octetDeltaCount = 1,
	packetDeltaCount = 2,
	protocolIdentifier = 4,
	ipClassOfService = 5,
	tcpControlBits = 6,
	sourceTransportPort = 7,
	sourceIPv4Address = 8,
	sourceIPv4PrefixLength = 9,
	ingressInterface = 10,
	destinationTransportPort = 11,
	destinationIPv4Address = 12,
	destinationIPv4PrefixLength = 13,
	egressInterface = 14,
	ipNextHopIPv4Address = 15,
	flowEndSysUpTime = 21,		// v9 LAST_SWITCHED
	flowStartSysUpTime = 22,	// v9 FIRST_SWITCHED
	sourceIPv6Address = 27,
	destinationIPv6Address = 28,
	flowLabelIPv6 = 31,
	icmpTypeCodeIPv4 = 32,
	igmpType = 33,
	sourceMacAddress = 56,
	vlanId = 58,			// v9 SRC_VLAN
	exportedOctetTotalCount = 40,
	exportedMessageTotalCount = 41,
	exportedFlowRecordTotalCount = 42,
	flowSamplerId = 48,		// v9 FLOW_SAMPLER_ID
	flowSamplerMode = 49,		// v9 FLOW_SAMPLER_MODE
	flowSamplerRandomInterval = 50,	// v9 FLOW_SAMPLER_RANDOM_INTERVAL
	ipVersion = 60,
	flowDirection = 61,
	ipNextHopIPv6Address = 62,
	ipv6ExtensionHeaders = 64,
	mplsTopLabelStackSection = 70,	// 71..79: mplsLabelStackSection2..10
	mplsLabelStackSection10 = 79,
	destinationMacAddress = 80,
	interfaceName = 82,
	interfaceDescription = 83,
	flowEndReason = 136,
	icmpTypeCodeIPv6 = 139,
	observationDomainId = 149,
	flowStartMilliseconds = 152,
	flowEndMilliseconds = 153,
	systemInitTimeMilliseconds = 160,
	observedFlowTotalCount = 163,
	mplsTopLabelTTL = 200,
	ipv4Options = 208,
	tcpOptions = 209,
	postNATSourceIPv4Address = 225,
	postNATDestinationIPv4Address = 226,
	postNAPTSourceTransportPort = 227,
	postNAPTDestinationTransportPort = 228,
	natEvent = 230,
	dot1qVlanId = 243,
	dot1qPriority = 244,
	dot1qCustomerVlanId = 245,
	dot1qCustomerPriority = 246,
	ingressPhysicalInterface = 252,
	egressPhysicalInterface = 253,
	ethernetType = 256,
	ipSecSPI = 295,
	observationDomainName = 300,
	selectorId = 302,
	samplingSize = 309,
	samplingPopulation = 310,
	samplingProbability = 311,
	selectorIdTotalPktsObserved = 318,
	selectorIdTotalPktsSelected = 319,
	observationTimeMilliseconds = 323,
	flowSelectorAlgorithm = 390,
	selectorIDTotalFlowsObserved = 394,
	selectorIDTotalFlowsSelected = 395,
	samplingFlowInterval = 396,
	samplingFlowSpacing = 397,
};

// Encoded sizes: IANA's abstract sizes everywhere (the original truncated
// counters to 4 bytes and interface indexes to 2).  Where v9 traditionally
// uses a shorter field, the v9 size is given separately.
struct IeSize {
	Ie id;
	u8 ipfix;
	u8 v9;
};

inline constexpr IeSize ie_sizes[] = {
	{octetDeltaCount, 8, 8},
	{packetDeltaCount, 8, 8},
	{protocolIdentifier, 1, 1},
	{ipClassOfService, 1, 1},
	{tcpControlBits, 2, 1},		// unsigned16 since RFC 7125; v9 TCP_FLAGS is 1 byte
	{sourceTransportPort, 2, 2},
	{sourceIPv4Address, 4, 4},
	{sourceIPv4PrefixLength, 1, 1},
	{destinationIPv4PrefixLength, 1, 1},
	{ingressInterface, 4, 4},
	{destinationTransportPort, 2, 2},
	{destinationIPv4Address, 4, 4},
	{egressInterface, 4, 4},
	{ipNextHopIPv4Address, 4, 4},
	{flowEndSysUpTime, 4, 4},
	{flowStartSysUpTime, 4, 4},
	{sourceIPv6Address, 16, 16},
	{destinationIPv6Address, 16, 16},
	{flowLabelIPv6, 4, 4},
	{icmpTypeCodeIPv4, 2, 2},
	{igmpType, 1, 1},
	{sourceMacAddress, 6, 6},
	{destinationMacAddress, 6, 6},
	{vlanId, 2, 2},
	{flowDirection, 1, 1},
	{dot1qVlanId, 2, 2},
	{dot1qPriority, 1, 1},
	{dot1qCustomerVlanId, 2, 2},
	{dot1qCustomerPriority, 1, 1},
	{ethernetType, 2, 2},
	{ingressPhysicalInterface, 4, 4},	// unsigned32, as IE 10 and 14 here
	{egressPhysicalInterface, 4, 4},
	{exportedOctetTotalCount, 8, 8},
	{exportedMessageTotalCount, 8, 8},
	{exportedFlowRecordTotalCount, 8, 8},
	{ipVersion, 1, 1},
	{ipNextHopIPv6Address, 16, 16},
	{ipv6ExtensionHeaders, 4, 4},
	// Label, traffic class and bottom-of-stack bit of an entry (RFC 3032),
	// without its TTL.
	{mplsTopLabelStackSection, 3, 3},
	{static_cast<Ie>(71), 3, 3},
	{static_cast<Ie>(72), 3, 3},
	{static_cast<Ie>(73), 3, 3},
	{static_cast<Ie>(74), 3, 3},
	{static_cast<Ie>(75), 3, 3},
	{static_cast<Ie>(76), 3, 3},
	{static_cast<Ie>(77), 3, 3},
	{static_cast<Ie>(78), 3, 3},
	{mplsLabelStackSection10, 3, 3},
	{mplsTopLabelTTL, 1, 1},
	{interfaceName, 16, 16},
	{interfaceDescription, 32, 32},
	{flowEndReason, 1, 1},
	{icmpTypeCodeIPv6, 2, 2},
	{observationDomainId, 4, 4},
	{flowStartMilliseconds, 8, 8},
	{flowEndMilliseconds, 8, 8},
	{systemInitTimeMilliseconds, 8, 8},
	{observedFlowTotalCount, 8, 8},
	{ipv4Options, 4, 4},
	{tcpOptions, 8, 8},
	{postNATSourceIPv4Address, 4, 4},
	{postNATDestinationIPv4Address, 4, 4},
	{postNAPTSourceTransportPort, 2, 2},
	{postNAPTDestinationTransportPort, 2, 2},
	{natEvent, 1, 1},
	{observationTimeMilliseconds, 8, 8},
	{ipSecSPI, 4, 4},
	{observationDomainName, 32, 32},
	// Sampling (RFC 3954 lengths for v9's own elements; IANA's types for
	// the PSAMP and flow-selection ones of RFC 5477 and RFC 7014).
	{flowSamplerId, 1, 1},
	{flowSamplerMode, 1, 1},
	{flowSamplerRandomInterval, 4, 4},
	{selectorId, 8, 8},
	{samplingSize, 4, 4},
	{samplingPopulation, 4, 4},
	{samplingProbability, 8, 8},
	{selectorIdTotalPktsObserved, 8, 8},
	{selectorIdTotalPktsSelected, 8, 8},
	{flowSelectorAlgorithm, 2, 2},
	{selectorIDTotalFlowsObserved, 8, 8},
	{selectorIDTotalFlowsSelected, 8, 8},
	{samplingFlowInterval, 8, 8},
	{samplingFlowSpacing, 8, 8},
};

constexpr u8 ie_size(Ie id, Dialect d)
{
	for (const IeSize& s : ie_sizes)
		if (s.id == id)
			return d == Dialect::ipfix ? s.ipfix : s.v9;
	return 0;
}

} // namespace netflow
