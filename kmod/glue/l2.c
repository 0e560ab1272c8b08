// SPDX-License-Identifier: GPL-2.0
/*
 * The link-layer facts a flow record keeps when load-time settings gave
 * records a tail (the core's flow/ext.hpp): the MPLS label stack of
 * `promisc_mpls`, the MACs and ethernetType of `macaddress`, the VLAN tags
 * of `vlan`, the direction of `direction` (from the netfilter hook), the
 * bridge ports of `physdev=1` (from br_netfilter, bridge.h).  The others
 * are read from the packet's Ethernet frame, between its MAC header and its
 * network header: the MACs, the 802.1Q / 802.1ad tags still in the frame
 * (after those VLAN devices or the NIC took off), the type after them,
 * then the labels down to the bottom of the stack, at most as many as the
 * records keep.  A frame the promisc handler stripped still has its labels
 * there (it moves only the network header), and so has a forwarded packet
 * whose MAC header is the one it arrived with; a locally sent packet has no
 * MAC header yet: no MACs, no in-frame tags, no labels.
 *
 * Without a tail the packet path does not come here (extras.c, meter.h).
 */
#include <linux/if_arp.h>
#include <linux/if_ether.h>
#include <linux/if_vlan.h>
#include <linux/netdevice.h>
#include <linux/netfilter.h>
#include <linux/skbuff.h>
#include "bridge.h"
#include "meter.h"
#include "netflow/mpls.h"

static u32 nf_l2_mpls_depth;	/* the labels a record keeps, set at load */

static void nf_l2_add_tag(struct nf_l2 *l2, u16 tci, u32 *tags)
{
	if (tci && *tags < NF_L2_MAX_VLANS)
		l2->vlan[(*tags)++] = tci;
}

/* The device under a VLAN device: one level of a stack.  A kernel built
 * without 802.1Q has no VLAN device (is_vlan_dev() is false there) and no
 * vlan_dev_priv(). */
static const struct net_device *nf_vlan_lower(const struct net_device *dev)
{
#if IS_ENABLED(CONFIG_VLAN_8021Q)
	return vlan_dev_priv(dev)->real_dev;
#else
	return NULL;
#endif
}

/* The tags the frame no longer holds, outermost first: those the VLAN
 * devices the packet came up through took off (a QinQ stack: the packet is
 * on the 802.1Q device, whose lower device is the 802.1ad one), then the
 * one the NIC took off and no device took (the skb's accelerated tag).  A
 * device gives its id only: its tag's priority went into skb->priority. */
static void nf_l2_taken_tags(const struct sk_buff *skb, struct nf_l2 *l2, u32 *tags)
{
	const struct net_device *dev = skb->dev;
	u16 ids[NF_L2_MAX_VLANS];
	u32 n = 0;

	/* One level down each time (vlan_dev_real_dev() would go to the bottom). */
	for (; dev && is_vlan_dev(dev) && n < NF_L2_MAX_VLANS; dev = nf_vlan_lower(dev))
		ids[n++] = vlan_dev_vlan_id(dev);
	while (n)
		nf_l2_add_tag(l2, ids[--n], tags);
	if (skb_vlan_tag_present(skb))
		nf_l2_add_tag(l2, skb_vlan_tag_get(skb), tags);
}

static void nf_l2_read_mpls(struct nf_l2 *l2, const u8 *p, const u8 *end)
{
	u32 i;

	for (i = 0; i < nf_l2_mpls_depth && end - p >= NF_MPLS_ENTRY_BYTES; i++, p += NF_MPLS_ENTRY_BYTES) {
		l2->mpls[i] = nf_mpls_entry_at(p);
		l2->mpls_depth = i + 1;
		if (nf_mpls_bottom(l2->mpls[i]))
			break;
	}
}

/* What this load's records keep, set at load (nf_l2_start): the packet
 * path reads only that.  The frame is walked for the MACs, the tags, the
 * type after them and the labels under them. */
static struct {
	bool mac;		/* MACs (and the type) */
	bool vlan;		/* tags (and the type) */
	bool physdev;		/* bridge ports */
	bool frame;		/* any of MACs, tags, labels: walk the frame */
} nf_l2_keeps __read_mostly;

/* From the frame: MACs, in-frame tags, the type after them, labels.  A
 * packet without an Ethernet header (sent locally: none yet) has no MACs,
 * no in-frame tags and no labels; its type is then the skb's protocol. */
static void nf_l2_read_frame(const struct sk_buff *skb, struct nf_l2 *l2, u32 tags)
{
	const struct ethhdr *eth;
	const u8 *p, *end;
	__be16 proto;

	l2->ethertype = ntohs(skb->protocol);
	if (!skb_mac_header_was_set(skb) || !skb->dev || skb->dev->type != ARPHRD_ETHER ||
	    skb->network_header < skb->mac_header + ETH_HLEN)
		return;
	eth = (const struct ethhdr *)skb_mac_header(skb);
	if (nf_l2_keeps.mac) {
		memcpy(l2->dst_mac, eth->h_dest, ETH_ALEN);
		memcpy(l2->src_mac, eth->h_source, ETH_ALEN);
	}
	p = skb_mac_header(skb) + ETH_HLEN;
	end = skb_network_header(skb);
	proto = eth->h_proto;
	while (eth_type_vlan(proto) && end - p >= VLAN_HLEN) {
		nf_l2_add_tag(l2, ntohs(((const struct vlan_hdr *)p)->h_vlan_TCI), &tags);
		proto = ((const struct vlan_hdr *)p)->h_vlan_encapsulated_proto;
		p += VLAN_HLEN;
	}
	l2->ethertype = ntohs(proto);
	if (nf_l2_mpls_depth && (proto == htons(ETH_P_MPLS_UC) || proto == htons(ETH_P_MPLS_MC)))
		nf_l2_read_mpls(l2, p, end);
}

/* What this load keeps of the packet's link layer (the core takes it from
 * here; the rest stays zero). */
static void nf_l2_read(const struct sk_buff *skb, struct nf_l2 *l2, u8 hook)
{
	u32 tags = 0;

	memset(l2, 0, NF_L2_HEAD_BYTES);
	l2->direction = hook == NF_INET_LOCAL_OUT || hook == NF_INET_POST_ROUTING ? NF_DIR_EGRESS : NF_DIR_INGRESS;
	if (nf_l2_keeps.physdev) {
		l2->phys_in = nf_bridge_port_in(skb);
		l2->phys_out = nf_bridge_port_out(skb);
	}
	if (nf_l2_keeps.vlan)
		nf_l2_taken_tags(skb, l2, &tags);
	if (nf_l2_keeps.frame)
		nf_l2_read_frame(skb, l2, tags);
}

/* The packet path while records have a tail (BH off, as in meter.h): out
 * of line, so that the path without a tail does not grow. */
noinline void nf_account_l2(const struct nf_packet *pkt, u8 hook)
{
	unsigned long *lock = this_cpu_ptr(&nf_cpu_lock);
	struct nf_l2 l2 NF_FILLED_BELOW;	/* by nf_l2_read() */

	nf_l2_read(pkt->skb, &l2, hook);
	bit_spin_lock(0, lock);
	nfc_account_l2(smp_processor_id(), pkt, &l2);
	__bit_spin_unlock(0, lock);
}

/* After nfc_init(), before any packet can be metered. */
void nf_l2_start(void)
{
	nf_l2_mpls_depth = nfc_get(NFC_PROMISC_MPLS);
	nf_l2_keeps.mac = nfc_get(NFC_MACADDRESS);
	nf_l2_keeps.vlan = nfc_get(NFC_VLAN);
	nf_l2_keeps.physdev = nfc_get(NFC_PHYSDEV) == NF_PHYSDEV_EXPORT;
	nf_l2_keeps.frame = nf_l2_keeps.mac || nf_l2_keeps.vlan || nf_l2_mpls_depth;
	nf_l2_key_start();
}
