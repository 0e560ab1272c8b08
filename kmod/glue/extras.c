// SPDX-License-Identifier: GPL-2.0
/*
 * The packet path's optional extras, behind one static key so that a
 * packet pays a single NOP for all of them while none is in use:
 *   - SNMP-index rules in force (the rules are the core's:
 *     config/snmp_rules.hpp): the input and output interfaces become the
 *     indexes the rules give their names;
 *   - flow records with a tail (l2.c): the packet's link-layer facts are
 *     read and go with it;
 *   - physdev=2: a bridged packet's bridge ports (bridge.h) stand for its
 *     input and output interfaces (before the SNMP rules, which then map
 *     the ports' names).
 * The key counts its users: each extra takes one reference while it is on.
 */
#include <linux/jump_label.h>
#include <linux/netdevice.h>
#include "bridge.h"
#include "glue.h"
#include "meter.h"

DEFINE_STATIC_KEY_FALSE(nf_extras_key);

/* Written under nf_settings_mutex, read by packets (a packet that sees a
 * stale value maps with the rules the core has then, or with none). */
static bool nf_snmp_on;		/* rules in force */
static bool nf_l2_on __read_mostly;	/* records have a tail; set at load */
static bool nf_ports_on __read_mostly;	/* physdev=2; set at load */

/* The bridge ports of a bridged packet in place of its devices (the
 * bridge itself, as br_netfilter names it to the IP hooks). */
static void nf_bridge_ports_for(const struct sk_buff *skb, const struct nf_hook_state *state,
				const struct net_device **in, const struct net_device **out)
{
	const struct net_device *port = nf_bridge_port_in_dev(skb, state->net);

	if (port)
		*in = port;
	port = nf_bridge_port_out_dev(skb);
	if (port)
		*out = port;
}

noinline void nf_meter_skb_extras(struct sk_buff *skb, const struct nf_hook_state *state, u8 family)
{
	const struct net_device *in = state->in, *out = state->out;
	s32 iif, oif;

	if (READ_ONCE(nf_ports_on))
		nf_bridge_ports_for(skb, state, &in, &out);
	iif = in ? in->ifindex : -1;
	oif = out ? out->ifindex : -1;

	if (READ_ONCE(nf_snmp_on)) {
		if (in)
			iif = nfc_snmp_index(in->name, iif);
		if (out)
			oif = nfc_snmp_index(out->name, oif);
	}
	nf_meter_skb_at(skb, iif, oif, family, READ_ONCE(nf_l2_on) ? NF_L2_AT(state->hook) : NF_L2_NONE);
}

/* Under nf_settings_mutex, after the core took new rules (or none). */
void nf_snmp_key_update(void)
{
	bool on = nfc_snmp_rules_active();

	if (on == nf_snmp_on)
		return;
	WRITE_ONCE(nf_snmp_on, on);
	if (on)
		static_branch_inc(&nf_extras_key);
	else
		static_branch_dec(&nf_extras_key);
}

/* After nfc_init(), before any packet can be metered. */
void nf_l2_key_start(void)
{
	if (nfc_get(NFC_PHYSDEV) == NF_PHYSDEV_OVERRIDE) {
		WRITE_ONCE(nf_ports_on, true);
		static_branch_inc(&nf_extras_key);
	}
	if (!nfc_record_tail())
		return;
	WRITE_ONCE(nf_l2_on, true);
	static_branch_inc(&nf_extras_key);
}

/* After the last packet (targets and hooks gone), before the core goes. */
void nf_extras_stop(void)
{
	if (nf_snmp_on)
		static_branch_dec(&nf_extras_key);
	WRITE_ONCE(nf_snmp_on, false);
	if (nf_l2_on)
		static_branch_dec(&nf_extras_key);
	WRITE_ONCE(nf_l2_on, false);
	if (nf_ports_on)
		static_branch_dec(&nf_extras_key);
	WRITE_ONCE(nf_ports_on, false);
}
