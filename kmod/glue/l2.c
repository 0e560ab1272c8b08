// SPDX-License-Identifier: GPL-2.0
/*
 * The link-layer facts a flow record keeps when a load-time setting gave
 * records a tail (the core's flow/ext.hpp): today the MPLS label stack of
 * `promisc_mpls`.  They are read from the packet's Ethernet frame, between
 * its MAC header and its network header: the 802.1Q / 802.1ad tags still in
 * the frame are stepped over, then the labels are read down to the bottom
 * of the stack, at most as many as the records keep.  A frame the promisc
 * handler stripped still has its labels there (it moves only the network
 * header), and so has a forwarded MPLS packet whose MAC header is the one
 * it arrived with; a locally sent packet has no MAC header yet: no labels.
 *
 * Without a tail the packet path does not come here (extras.c, meter.h).
 */
#include <linux/if_arp.h>
#include <linux/if_ether.h>
#include <linux/if_vlan.h>
#include <linux/netdevice.h>
#include <linux/skbuff.h>
#include "meter.h"
#include "netflow/mpls.h"

static u32 nf_l2_mpls_depth;	/* the labels a record keeps, set at load */

static void nf_l2_read(const struct sk_buff *skb, struct nf_l2 *l2)
{
	const u8 *p, *end;
	__be16 proto;
	u32 i;

	l2->mpls_depth = 0;
	if (!skb_mac_header_was_set(skb) || !skb->dev || skb->dev->type != ARPHRD_ETHER ||
	    skb->network_header < skb->mac_header + ETH_HLEN)
		return;
	p = skb_mac_header(skb) + ETH_HLEN;
	end = skb_network_header(skb);
	proto = ((const struct ethhdr *)skb_mac_header(skb))->h_proto;
	while (eth_type_vlan(proto) && end - p >= VLAN_HLEN) {
		proto = ((const struct vlan_hdr *)p)->h_vlan_encapsulated_proto;
		p += VLAN_HLEN;
	}
	if (proto != htons(ETH_P_MPLS_UC) && proto != htons(ETH_P_MPLS_MC))
		return;
	for (i = 0; i < nf_l2_mpls_depth && end - p >= NF_MPLS_ENTRY_BYTES; i++, p += NF_MPLS_ENTRY_BYTES) {
		l2->mpls[i] = nf_mpls_entry_at(p);
		l2->mpls_depth = i + 1;
		if (nf_mpls_bottom(l2->mpls[i]))
			break;
	}
}

/* The packet path while records have a tail (BH off, as in meter.h): out
 * of line, so that the path without a tail does not grow. */
noinline void nf_account_l2(const struct nf_packet *pkt)
{
	unsigned long *lock = this_cpu_ptr(&nf_cpu_lock);
	struct nf_l2 l2;

	nf_l2_read(pkt->skb, &l2);
	bit_spin_lock(0, lock);
	nfc_account_l2(smp_processor_id(), pkt, &l2);
	__bit_spin_unlock(0, lock);
}

/* After nfc_init(), before any packet can be metered. */
void nf_l2_start(void)
{
	nf_l2_mpls_depth = nfc_get(NFC_PROMISC_MPLS);
	nf_l2_key_start();
}
