// SPDX-License-Identifier: GPL-2.0
/*
 * Metering without rules (`hooks=BITMASK`): the module registers its own
 * netfilter hooks, for IPv4 and IPv6, at the chosen points of every network
 * namespace (present and future, as a NETFLOW rule can sit in any of them),
 * and meters there exactly as the NETFLOW target does (meter.h).  For
 * nftables-only systems, where there is no `-j NETFLOW`; `hooks_mark` and
 * `hooks_mark_mask` select the packets nft marked.
 *
 * Priority NF_HOOKS_PRIORITY, just before the last one: after every table
 * and nft chain of a lower priority (raw, mangle, DNAT, filter, SNAT and
 * any custom one), so the marks they set are seen and packets they dropped
 * are not metered; only conntrack's confirmation (NF_IP_PRI_LAST) comes
 * later.  With hooks=0 nothing is registered and nothing here runs.
 */
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <net/net_namespace.h>
#include "meter.h"

#define NF_HOOKS_PRIORITY (NF_IP_PRI_LAST - 1)

static const char *const nf_hook_names[NF_INET_NUMHOOKS] = {
	[NF_INET_PRE_ROUTING] = "PREROUTING", [NF_INET_LOCAL_IN] = "INPUT",
	[NF_INET_FORWARD] = "FORWARD", [NF_INET_LOCAL_OUT] = "OUTPUT",
	[NF_INET_POST_ROUTING] = "POSTROUTING",
};

/* The mark filter, both halves in one word so that a packet never sees a
 * new mark with an old mask: mask in the high half, mark & mask in the low.
 * Mask 0 makes every packet match (see nf_mark_selected()). */
static u64 nf_hooks_filter;
/* NetFlow v5 cannot carry IPv6: the IPv6 hooks meter nothing while the
 * protocol is 5 (the exporter would only count those flows as lost). */
static bool nf_hooks_ipv6_on;

void nf_hooks_set_filter(u32 mark, u32 mask)
{
	WRITE_ONCE(nf_hooks_filter, (u64)mask << 32 | (mark & mask));
}

void nf_hooks_set_protocol(u32 protocol)
{
	WRITE_ONCE(nf_hooks_ipv6_on, protocol != NF_PROTOCOL_V5);
}

static __always_inline bool nf_hooks_selected(const struct sk_buff *skb)
{
	u64 filter = READ_ONCE(nf_hooks_filter);

	return nf_mark_selected(skb->mark, (u32)filter, (u32)(filter >> 32));
}

static __no_stack_protector unsigned int nf_hook_ipv4(void *priv, struct sk_buff *skb,
						       const struct nf_hook_state *state)
{
	if (nf_hooks_selected(skb))
		nf_meter_skb(skb, state, NF_FAMILY_IPV4);
	return NF_ACCEPT;
}

static __no_stack_protector unsigned int nf_hook_ipv6(void *priv, struct sk_buff *skb,
						       const struct nf_hook_state *state)
{
	if (READ_ONCE(nf_hooks_ipv6_on) && nf_hooks_selected(skb))
		nf_meter_skb(skb, state, NF_FAMILY_IPV6);
	return NF_ACCEPT;
}

/* The hooks the `hooks` bitmask chose, IPv4 ones first; the same array
 * serves every namespace (the kernel keeps its own entries per namespace). */
static struct nf_hook_ops nf_hook_ops[2 * NF_INET_NUMHOOKS];
static unsigned int nf_hook_count;

static int __net_init nf_hooks_net_init(struct net *net)
{
	return nf_register_net_hooks(net, nf_hook_ops, nf_hook_count);
}

static void __net_exit nf_hooks_net_exit(struct net *net)
{
	nf_unregister_net_hooks(net, nf_hook_ops, nf_hook_count);
}

static struct pernet_operations nf_hooks_net_ops = {
	.init = nf_hooks_net_init,
	.exit = nf_hooks_net_exit,
};

static void nf_hooks_add(u8 pf, unsigned int hooknum, nf_hookfn *fn)
{
	struct nf_hook_ops *ops = &nf_hook_ops[nf_hook_count++];

	ops->hook = fn;
	ops->pf = pf;
	ops->hooknum = hooknum;
	ops->priority = NF_HOOKS_PRIORITY;
}

/* Module init, after everything a packet needs; `hooks` is a load-time
 * setting, so the set never changes while registered. */
int nf_hooks_start(void)
{
	u32 hooks = nfc_get(NFC_HOOKS);
	unsigned int h;
	int err;

	nf_hooks_set_filter(nfc_get(NFC_HOOKS_MARK), nfc_get(NFC_HOOKS_MARK_MASK));
	nf_hooks_set_protocol(nfc_get(NFC_PROTOCOL));
	if (!hooks)
		return 0;
	for (h = 0; h < NF_INET_NUMHOOKS; h++)
		if (hooks & (1u << h))
			nf_hooks_add(NFPROTO_IPV4, h, nf_hook_ipv4);
	for (h = 0; h < NF_INET_NUMHOOKS; h++)
		if (hooks & (1u << h))
			nf_hooks_add(NFPROTO_IPV6, h, nf_hook_ipv6);
	err = register_pernet_subsys(&nf_hooks_net_ops);
	if (err) {
		pr_err(NF_NAME ": hooks=%u: cannot register the netfilter hooks (%d)\n", hooks, err);
		nf_hook_count = 0;
		return err;
	}
	pr_info(NF_NAME ": metering on netfilter hooks=%u in every network namespace, priority %d\n", hooks,
		NF_HOOKS_PRIORITY);
	return 0;
}

void nf_hooks_stop(void)
{
	if (!nf_hook_count)
		return;
	unregister_pernet_subsys(&nf_hooks_net_ops);
	/* No packet is still inside a hook when the core goes. */
	synchronize_net();
	nf_hook_count = 0;
}

/* The /proc line, only when metering is not the plain target's. */
void nf_hooks_show(struct seq_file *m)
{
	u32 hooks = nfc_get(NFC_HOOKS);
	u64 filter = READ_ONCE(nf_hooks_filter);
	unsigned int h;

	if (!hooks && nfc_get(NFC_TARGETS))
		return;
	seq_printf(m, "Hooks: %u", hooks);
	if (hooks) {
		seq_puts(m, " (");
		for (h = 0; h < NF_INET_NUMHOOKS; h++)
			if (hooks & (1u << h))
				seq_printf(m, "%s%s", hooks & ((1u << h) - 1) ? " " : "", nf_hook_names[h]);
		seq_printf(m, "), IPv4%s, priority %d, mark 0x%x/0x%x", READ_ONCE(nf_hooks_ipv6_on) ? " IPv6" : "",
			   NF_HOOKS_PRIORITY, (u32)filter, (u32)(filter >> 32));
	}
	seq_printf(m, "; target NETFLOW %s.\n", nfc_get(NFC_TARGETS) ? "registered" : "not registered (targets=0)");
}
