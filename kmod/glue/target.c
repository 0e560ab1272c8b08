// SPDX-License-Identifier: GPL-2.0
/* The NETFLOW xtables target for IPv4 and IPv6: meters the packet
 * (meter.h) and lets it go on (non-terminating).  The per-CPU locks live
 * here, with the packet path. */
#include <linux/module.h>
#include <linux/netfilter/x_tables.h>
#include "meter.h"

/* One lock per CPU cache: the owner takes it in the packet path (never
 * contended but by the exporter), the exporter when it visits.  A bit lock:
 * it inlines to one locked instruction each way, where spin_lock() is two
 * out-of-line calls on Debian's kernels (CONFIG_UNINLINE_SPIN_UNLOCK) on
 * every packet.  The price: lockdep does not track it.  It is a leaf lock,
 * and nothing under it sleeps or takes another of ours: it keeps preemption
 * off, also on PREEMPT_RT, where the slab's locks sleep, so the flow records
 * are allocated and freed outside it (nfp_slab_alloc_bulk_unlocked(); the
 * exporter frees after its unlock). */
DEFINE_PER_CPU(unsigned long, nf_cpu_lock);

void nf_cpu_locks_init(void)
{
	int cpu;

	for_each_possible_cpu(cpu)
		*per_cpu_ptr(&nf_cpu_lock, cpu) = 0;
}

void nfp_cpu_lock(unsigned int cpu)
{
	local_bh_disable();
	bit_spin_lock(0, per_cpu_ptr(&nf_cpu_lock, cpu));
}

/* Bit 0 is the only bit of the word: the unlock needs no locked op. */
void nfp_cpu_unlock(unsigned int cpu)
{
	__bit_spin_unlock(0, per_cpu_ptr(&nf_cpu_lock, cpu));
	local_bh_enable();
}

/* Inside nfc_account(): a new flow found this CPU's pool of free records
 * empty.  The records come from the slab with the lock dropped (on
 * PREEMPT_RT the slab's locks sleep, and a bit lock keeps preemption off);
 * the core looks the flow up again once the lock is back.  We stay on this
 * CPU meanwhile: BH is off (see nf_account_packet()). */
nf_size nfp_slab_alloc_bulk_unlocked(unsigned int cpu, void *slab, nf_size n, void **out)
{
	unsigned long *lock = per_cpu_ptr(&nf_cpu_lock, cpu);
	nf_size got;

	__bit_spin_unlock(0, lock);
	got = nfp_slab_alloc_bulk(slab, n, out);
	bit_spin_lock(0, lock);
	return got;
}

/* Kept apart so that the per-packet path has no 256-byte stack array:
 * INIT_STACK_ALL_ZERO would clear it and STACKPROTECTOR_STRONG would guard
 * it with a canary on every packet. */
noinline void nf_meter_copy(struct sk_buff *skb, int off, struct nf_packet *pkt, u8 l2)
{
	/* Read only up to pkt->len, which skb_header_pointer() filled. */
	u8 copy[NF_MAX_HEADER_BYTES] NF_FILLED_BELOW;

	pkt->data = pkt->len ? skb_header_pointer(skb, off, pkt->len, copy) : copy;
	if (unlikely(!pkt->data)) {
		pkt->data = copy;
		pkt->len = pkt->wire_len = 0;
	}
	nf_account_packet(pkt, l2);
}

/* Per packet.  No canary: its only stack object is the packet descriptor
 * (no array), whose address goes to nf_account_packet(), which only reads
 * it; STACKPROTECTOR_STRONG would guard it anyway, at a canary load, store
 * and check per packet. */
static __no_stack_protector unsigned int netflow_tg(struct sk_buff *skb, const struct xt_action_param *par)
{
	nf_meter_skb(skb, par->state, xt_family(par) == NFPROTO_IPV6 ? NF_FAMILY_IPV6 : NF_FAMILY_IPV4);
	return XT_CONTINUE;
}

/* IPv6 rules in place: v5 could not export their flows. */
atomic_t nf_ipv6_rules = ATOMIC_INIT(0);

/* An IPv6 rule is checked and counted under nf_protocol_mutex, which a
 * protocol write holds from its own check of the count until the new value
 * is stored: protocol 5 and an ip6tables rule never both get in. */
static int netflow_tg_check(const struct xt_tgchk_param *par)
{
	int err = 0;

	if (strcmp(par->table, "nat") == 0) {
		pr_info(NF_NAME ": the NETFLOW target is not valid in the nat table;"
			" use filter, mangle or raw\n");
		return -EINVAL;
	}
	if (par->family != NFPROTO_IPV6)
		return 0;
	mutex_lock(&nf_protocol_mutex);
	if (nfc_get(NFC_PROTOCOL) == NF_PROTOCOL_V5) {
		pr_info(NF_NAME ": ip6tables -j NETFLOW needs protocol 9 or 10: NetFlow v5 cannot"
			" carry IPv6 (sysctl net.netflow.protocol=10, then add the rule)\n");
		err = -EINVAL;
	} else {
		atomic_inc(&nf_ipv6_rules);
	}
	mutex_unlock(&nf_protocol_mutex);
	return err;
}

static void netflow_tg_destroy(const struct xt_tgdtor_param *par)
{
	if (par->family == NFPROTO_IPV6)
		atomic_dec(&nf_ipv6_rules);
}

#define NF_HOOKS ((1 << NF_INET_PRE_ROUTING) | (1 << NF_INET_LOCAL_IN) | (1 << NF_INET_FORWARD) | \
		  (1 << NF_INET_LOCAL_OUT) | (1 << NF_INET_POST_ROUTING))

/* The same target for both families: the core tells them apart by the header. */
#define NF_TARGET(fam) { \
	.name = "NETFLOW", .revision = 0, .family = fam, .target = netflow_tg, \
	.checkentry = netflow_tg_check, .destroy = netflow_tg_destroy, .targetsize = 0, \
	.hooks = NF_HOOKS, .me = THIS_MODULE, \
}

static struct xt_target netflow_tg_reg[] __read_mostly = {
	NF_TARGET(NFPROTO_IPV4),
	NF_TARGET(NFPROTO_IPV6),
};

int nf_target_init(void)
{
	return xt_register_targets(netflow_tg_reg, ARRAY_SIZE(netflow_tg_reg));
}

void nf_target_exit(void)
{
	xt_unregister_targets(netflow_tg_reg, ARRAY_SIZE(netflow_tg_reg));
}
