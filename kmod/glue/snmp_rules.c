// SPDX-License-Identifier: GPL-2.0
/*
 * SNMP-index rules on the packet path (the rules themselves are the core's:
 * config/snmp_rules.hpp).  While rules are in force a static key sends
 * each metered packet here, where its input and output interfaces become
 * the indexes the rules give their names; without rules the key is off and
 * the packet path does not come here (meter.h).
 */
#include <linux/jump_label.h>
#include <linux/netdevice.h>
#include "glue.h"
#include "meter.h"

DEFINE_STATIC_KEY_FALSE(nf_snmp_key);

noinline void nf_meter_skb_snmp(struct sk_buff *skb, const struct net_device *in, const struct net_device *out,
			       u8 family)
{
	nf_meter_skb_at(skb, in ? nfc_snmp_index(in->name, in->ifindex) : -1,
			out ? nfc_snmp_index(out->name, out->ifindex) : -1, family);
}

/* Under nf_settings_mutex, after the core took new rules (or none). */
void nf_snmp_key_update(void)
{
	if (nfc_snmp_rules_active())
		static_branch_enable(&nf_snmp_key);
	else if (static_key_enabled(&nf_snmp_key))
		static_branch_disable(&nf_snmp_key);
}

/* Before the core goes. */
void nf_snmp_stop(void)
{
	if (static_key_enabled(&nf_snmp_key))
		static_branch_disable(&nf_snmp_key);
}
