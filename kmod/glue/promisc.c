// SPDX-License-Identifier: GPL-2.0
/*
 * Promiscuous capture (`promisc=1`, net.netflow.promisc): metering the
 * frames a switch's mirror (SPAN) port sends to an interface in promiscuous
 * mode, frames addressed to other hosts that the IP stack throws away.
 *
 * A packet handler for every protocol (ETH_P_ALL; one per network
 * namespace where the kernel keeps them per namespace) takes the frames the
 * driver marked PACKET_OTHERHOST, in any network namespace, drops their
 * VLAN tags (the one the device or the stack moved out of the frame, then
 * any 802.1Q / 802.1ad tag still in it) and MPLS labels (at most
 * promisc_mpls of them), checks the IPv4 or IPv6 header and
 * offers the packet to the PREROUTING hooks of the device's namespace: a
 * `-t raw -I PREROUTING -j NETFLOW` rule meters it there like any other.
 * Then the packet is freed: it is never routed, delivered or answered
 * (the stack itself drops PACKET_OTHERHOST frames on its own copy).
 *
 * With promisc=0 the handler is not registered: nothing here runs and the
 * packet path is the same as without this file.
 */
#include <linux/if_ether.h>
#include <linux/if_vlan.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/netdevice.h>
#include <linux/netfilter.h>
#include <linux/percpu.h>
#include <linux/skbuff.h>
#include <net/ip.h>
#include <net/ipv6.h>
#include <net/netns/generic.h>
#include "glue.h"
#include "netflow/mpls.h"

/* Tags in the frame a packet may carry at most; a deeper stack is more
 * likely garbage than a network (QinQ uses two). */
#define NF_PROMISC_MAX_VLAN_TAGS 4

struct nf_promisc_counts {
	u64 observed;		/* frames for another host, taken */
	u64 discarded;		/* of those, not offered to PREROUTING */
};
static DEFINE_PER_CPU(struct nf_promisc_counts, nf_promisc_counts);

static bool nf_promisc_running;	/* handler registered; under nf_settings_mutex */
static u32 nf_promisc_mpls_depth;	/* promisc_mpls, a load-time setting */

/* The end of the road of every offered packet: PREROUTING let it through. */
static int nf_promisc_done(struct net *net, struct sock *sk, struct sk_buff *skb)
{
	consume_skb(skb);
	return 0;
}

/* Tags out of the way: the one taken out of the frame (by the device or by
 * the receive path) and those still in the frame, outermost first.  The
 * Ethernet header stays where it was; only the network header moves. */
static bool nf_promisc_strip_vlan(struct sk_buff *skb)
{
	int tags = 0;

	if (skb_vlan_tag_present(skb))
		__vlan_hwaccel_clear_tag(skb);
	while (eth_type_vlan(skb->protocol)) {
		const struct vlan_hdr *vh;

		if (++tags > NF_PROMISC_MAX_VLAN_TAGS || !pskb_may_pull(skb, VLAN_HLEN))
			return false;
		vh = (const struct vlan_hdr *)skb->data;
		skb->protocol = vh->h_vlan_encapsulated_proto;
		skb_pull_rcsum(skb, VLAN_HLEN);
	}
	return true;
}

/* An MPLS label stack out of the way, down to its bottom entry, which must
 * lie within promisc_mpls entries; the IP version after it is read from
 * the packet (MPLS does not say). */
static bool nf_promisc_strip_mpls(struct sk_buff *skb)
{
	u8 copy[NF_MPLS_MAX_DEPTH * NF_MPLS_ENTRY_BYTES];
	u32 avail = min_t(u32, skb->len, nf_promisc_mpls_depth * NF_MPLS_ENTRY_BYTES);
	struct nf_mpls_stack st;
	const u8 *p = skb_header_pointer(skb, 0, avail, copy);
	u32 n = p ? nf_mpls_parse(p, avail, nf_promisc_mpls_depth, &st) : 0;

	if (!n || !pskb_may_pull(skb, n + 1))
		return false;
	switch (nf_mpls_payload_family(skb->data[n])) {
	case NF_FAMILY_IPV4:
		skb->protocol = htons(ETH_P_IP);
		break;
	case NF_FAMILY_IPV6:
		skb->protocol = htons(ETH_P_IPV6);
		break;
	default:
		return false;
	}
	skb_pull_rcsum(skb, n);
	return true;
}

static bool nf_is_mpls(__be16 protocol)
{
	return protocol == htons(ETH_P_MPLS_UC) || protocol == htons(ETH_P_MPLS_MC);
}

/* The checks the IPv4 receive path makes before PREROUTING: a header that
 * is whole, checksummed and no longer than the frame; the frame is cut to
 * the packet (Ethernet padding). */
static bool nf_promisc_ipv4(struct sk_buff *skb)
{
	const struct iphdr *iph;
	unsigned int hl, len;

	if (!pskb_may_pull(skb, sizeof(struct iphdr)))
		return false;
	iph = ip_hdr(skb);
	hl = iph->ihl * 4;
	if (iph->version != 4 || iph->ihl < 5 || !pskb_may_pull(skb, hl))
		return false;
	iph = ip_hdr(skb);
	len = ntohs(iph->tot_len);
	if (ip_fast_csum((const u8 *)iph, iph->ihl) || len < hl || len > skb->len)
		return false;
	if (pskb_trim_rcsum(skb, len))
		return false;
	skb_set_transport_header(skb, hl);
	memset(IPCB(skb), 0, sizeof(struct inet_skb_parm));
	IPCB(skb)->iif = skb->skb_iif;
	return true;
}

/* The same for IPv6 (a jumbogram, payload length 0, is not taken). */
static bool nf_promisc_ipv6(struct sk_buff *skb)
{
	const struct ipv6hdr *ip6h;
	unsigned int len;

	if (!pskb_may_pull(skb, sizeof(struct ipv6hdr)))
		return false;
	ip6h = ipv6_hdr(skb);
	len = ntohs(ip6h->payload_len);
	if (ip6h->version != 6 || !len || len + sizeof(struct ipv6hdr) > skb->len)
		return false;
	if (pskb_trim_rcsum(skb, len + sizeof(struct ipv6hdr)))
		return false;
	skb_set_transport_header(skb, sizeof(struct ipv6hdr));
	memset(IP6CB(skb), 0, sizeof(struct inet6_skb_parm));
	IP6CB(skb)->iif = skb->dev->ifindex;
	IP6CB(skb)->nhoff = offsetof(struct ipv6hdr, nexthdr);
	return true;
}

/* Our own copy (the frame is shared with the stack and other taps), tags
 * dropped, header checked, into PREROUTING.  Returns false when the frame
 * was not offered (then it is still ours to free). */
static bool nf_promisc_offer(struct sk_buff *skb)
{
	struct net_device *dev = skb->dev;
	u8 pf;

	if (!nf_promisc_strip_vlan(skb))
		return false;
	if (nf_is_mpls(skb->protocol) && !nf_promisc_strip_mpls(skb))
		return false;
	skb_reset_network_header(skb);
	if (skb->protocol == htons(ETH_P_IP) && nf_promisc_ipv4(skb))
		pf = NFPROTO_IPV4;
	else if (skb->protocol == htons(ETH_P_IPV6) && nf_promisc_ipv6(skb))
		pf = NFPROTO_IPV6;
	else
		return false;
	NF_HOOK(pf, NF_INET_PRE_ROUTING, dev_net(dev), NULL, skb, dev, NULL, nf_promisc_done);
	return true;
}

static int nf_promisc_rcv(struct sk_buff *skb, struct net_device *dev, struct packet_type *pt,
			  struct net_device *orig_dev)
{
	if (skb->pkt_type != PACKET_OTHERHOST) {
		consume_skb(skb);
		return NET_RX_SUCCESS;
	}
	this_cpu_inc(nf_promisc_counts.observed);
	skb = skb_share_check(skb, GFP_ATOMIC);
	if (likely(skb) && nf_promisc_offer(skb))
		return NET_RX_SUCCESS;
	this_cpu_inc(nf_promisc_counts.discarded);
	kfree_skb(skb);
	return NET_RX_DROP;
}

/* Where the handler is registered, while promisc is on.  Kernels with a
 * list of every-protocol handlers per network namespace (HAVE_NET_PTYPE_ALL)
 * take one handler per namespace, naming it in af_packet_net (present and
 * later namespaces: pernet operations); older ones have one list for all
 * namespaces, and one handler there. */
#ifdef HAVE_NET_PTYPE_ALL
static unsigned int nf_promisc_net_id;

static int __net_init nf_promisc_net_init(struct net *net)
{
	struct packet_type *pt = net_generic(net, nf_promisc_net_id);

	pt->type = htons(ETH_P_ALL);
	pt->func = nf_promisc_rcv;
	pt->af_packet_net = net;
	dev_add_pack(pt);
	return 0;
}

/* Each namespace's handler is unlinked, then one wait for the packets still
 * inside any of them, before the kernel frees the handlers. */
static void __net_exit nf_promisc_net_exit(struct net *net)
{
	__dev_remove_pack(net_generic(net, nf_promisc_net_id));
}

static void __net_exit nf_promisc_net_exit_batch(struct list_head *nets)
{
	synchronize_net();
}

static struct pernet_operations nf_promisc_net_ops = {
	.init = nf_promisc_net_init,
	.exit = nf_promisc_net_exit,
	.exit_batch = nf_promisc_net_exit_batch,
	.id = &nf_promisc_net_id,
	.size = sizeof(struct packet_type),
};

static int nf_promisc_register(void)
{
	return register_pernet_subsys(&nf_promisc_net_ops);
}

static void nf_promisc_unregister(void)
{
	unregister_pernet_subsys(&nf_promisc_net_ops);
}
#else
static struct packet_type nf_promisc_type __read_mostly = {
	.type = cpu_to_be16(ETH_P_ALL),
	.func = nf_promisc_rcv,
};

static int nf_promisc_register(void)
{
	dev_add_pack(&nf_promisc_type);
	return 0;
}

/* Waits until no packet is still inside the handler. */
static void nf_promisc_unregister(void)
{
	dev_remove_pack(&nf_promisc_type);
}
#endif

/* Under nf_settings_mutex (the setting's hook, the load, the unload). */
static int nf_promisc_start(void)
{
	int err;

	if (nf_promisc_running)
		return 0;
	nf_promisc_mpls_depth = nfc_get(NFC_PROMISC_MPLS);
	err = nf_promisc_register();
	if (err) {
		pr_err(NF_NAME ": promisc=1: cannot register the packet handler (%d)\n", err);
		return err;
	}
	nf_promisc_running = true;
	pr_info(NF_NAME ": promisc: metering frames for other hosts in PREROUTING\n");
	return 0;
}

static void nf_promisc_stop(void)
{
	if (!nf_promisc_running)
		return;
	nf_promisc_unregister();
	nf_promisc_running = false;
}

int nf_promisc_hook(u32 on)
{
	if (on)
		return nf_promisc_start();
	nf_promisc_stop();
	return 0;
}

int nf_promisc_load(void)
{
	int err;

	mutex_lock(&nf_settings_mutex);
	err = nf_promisc_hook(nfc_get(NFC_PROMISC));
	mutex_unlock(&nf_settings_mutex);
	return err;
}

void nf_promisc_unload(void)
{
	mutex_lock(&nf_settings_mutex);
	nf_promisc_stop();
	mutex_unlock(&nf_settings_mutex);
}

/* Hands the sums to the core for the /proc line (export mutex held). */
void nf_promisc_report(void)
{
	u64 observed = 0, discarded = 0;
	int cpu;

	for_each_possible_cpu(cpu) {
		const struct nf_promisc_counts *c = per_cpu_ptr(&nf_promisc_counts, cpu);

		observed += READ_ONCE(c->observed);
		discarded += READ_ONCE(c->discarded);
	}
	nfc_promisc_counts(observed, discarded);
}
