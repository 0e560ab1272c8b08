/* SPDX-License-Identifier: GPL-2.0 */
/* The bridge ports of a packet that br_netfilter hands to the IP hooks
 * (a bridge with net.bridge.bridge-nf-call-iptables=1): the port it came in
 * on, and, from FORWARD on, the port it leaves by.  The ifindex getters
 * exist in every kernel we build for; a kernel without bridge netfilter
 * has no bridged packets in the IP hooks, hence no ports. */
#ifndef NETFLOW_BRIDGE_H
#define NETFLOW_BRIDGE_H

#include <linux/netdevice.h>
#include <linux/netfilter_bridge.h>
#include <linux/skbuff.h>

#if IS_ENABLED(CONFIG_BRIDGE_NETFILTER)
static inline int nf_bridge_port_in(const struct sk_buff *skb)
{
	return nf_bridge_get_physinif(skb);
}

static inline int nf_bridge_port_out(const struct sk_buff *skb)
{
	return nf_bridge_get_physoutif(skb);
}

/* The devices of those ports, under RCU (the IP hooks hold it).  The in
 * port by its index: nf_bridge_get_physindev()'s arguments differ between
 * kernels. */
static inline const struct net_device *nf_bridge_port_in_dev(const struct sk_buff *skb, struct net *net)
{
	int ifindex = nf_bridge_get_physinif(skb);

	return ifindex ? dev_get_by_index_rcu(net, ifindex) : NULL;
}

static inline const struct net_device *nf_bridge_port_out_dev(const struct sk_buff *skb)
{
	return nf_bridge_get_physoutdev(skb);
}
#else
static inline int nf_bridge_port_in(const struct sk_buff *skb) { return 0; }
static inline int nf_bridge_port_out(const struct sk_buff *skb) { return 0; }
static inline const struct net_device *nf_bridge_port_in_dev(const struct sk_buff *skb, struct net *net)
{
	return NULL;
}
static inline const struct net_device *nf_bridge_port_out_dev(const struct sk_buff *skb) { return NULL; }
#endif

#endif
