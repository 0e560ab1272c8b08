/* SPDX-License-Identifier: GPL-2.0 */
/* The packet path into the core, shared by the NETFLOW target (target.c)
 * and the netfilter hooks (hooks.c) so that both meter a packet the same
 * way: copy the header bytes the core needs, account under this CPU's cache
 * lock, and let the packet go on.  Inline: each caller gets the whole path
 * without a call in between. */
#ifndef NETFLOW_METER_H
#define NETFLOW_METER_H

#include <linux/jiffies.h>
#include <linux/jump_label.h>
#include <linux/netdevice.h>
#include <linux/netfilter.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/skbuff.h>
/* After the others: on 6.12 it does not include what cpu_relax() needs. */
#include <linux/bit_spinlock.h>
#include "glue.h"

/* One lock per CPU cache (target.c says why a bit lock). */
DECLARE_PER_CPU(unsigned long, nf_cpu_lock);

/* On while the packet path has extras to do (extras.c): SNMP-index rules
 * in force, or flow records with a tail (l2.c).  One key for all of them:
 * one NOP on the common path. */
DECLARE_STATIC_KEY_FALSE(nf_extras_key);
void nf_meter_skb_extras(struct sk_buff *skb, const struct nf_hook_state *state, u8 family);

/* How a packet goes to the core: NF_L2_NONE, records have no tail (a
 * constant on the common path); NF_L2_AT(hook), they have one and the
 * packet's link-layer facts go with it, seen at netfilter hook `hook`. */
#define NF_L2_NONE 0
#define NF_L2_AT(hook) (1 + (hook))
/* Records have a tail: the packet's link-layer facts go with it (l2.c). */
void nf_account_l2(const struct nf_packet *pkt, u8 hook);

static inline void nf_account_locked(const struct nf_packet *pkt, u8 l2)
{
	unsigned long *lock = this_cpu_ptr(&nf_cpu_lock);

	if (l2 != NF_L2_NONE) {
		nf_account_l2(pkt, l2 - 1);
		return;
	}
	bit_spin_lock(0, lock);
	nfc_account(smp_processor_id(), pkt);
	__bit_spin_unlock(0, lock);
}

static __always_inline void nf_account_packet(const struct nf_packet *pkt, u8 l2)
{
	/* PREROUTING, INPUT, FORWARD and POSTROUTING run in softirq or with BH
	 * off already: we stay on this CPU and softirqs cannot enter its
	 * cache.  OUTPUT may run with BH on (nft_compat targets, and every
	 * OUTPUT hook of a locally sent packet); only then pay for
	 * local_bh_disable/enable (the enable is an out-of-line call that also
	 * runs pending softirqs). */
	if (likely(softirq_count())) {
		nf_account_locked(pkt, l2);
	} else {
		local_bh_disable();
		nf_account_locked(pkt, l2);
		local_bh_enable();
	}
}

/* Rare path, out of line (target.c): the header is not all in the linear
 * area (or there is none), so it is copied. */
void nf_meter_copy(struct sk_buff *skb, int off, struct nf_packet *pkt, u8 l2);

/* One packet at its network header, seen between interfaces `iif` and
 * `oif` (-1: none); family is enum nf_family; `l2` as for
 * nf_account_locked(). */
static __always_inline void nf_meter_skb_at(struct sk_buff *skb, s32 iif, s32 oif, u8 family, u8 l2)
{
	int off = skb_network_offset(skb);
	struct nf_packet pkt NF_FILLED_BELOW;

	/* A packet without a network header is counted as truncated. */
	pkt.wire_len = (off >= 0 && skb->len > (unsigned int)off) ? skb->len - off : 0;
	pkt.len = min_t(u32, pkt.wire_len, NF_MAX_HEADER_BYTES);
	pkt.skb = skb;
	pkt.iif = iif;
	pkt.oif = oif;
	pkt.now = (u32)(jiffies - INITIAL_JIFFIES);
	pkt.family = family;
	/* The bytes skb_header_pointer() would hand back without copying. */
	if (likely(pkt.len && (unsigned int)off + pkt.len <= skb_headlen(skb))) {
		pkt.data = skb->data + off;
		nf_account_packet(&pkt, l2);
	} else {
		nf_meter_copy(skb, off, &pkt, l2);
	}
}

/* The same as netfilter hook `state` sees it: between its devices `in` and
 * `out` (either may be NULL), at its hook.  Only the extras read the hook:
 * they get the state itself, so that the common path does not even load
 * it.  The extras' path is a call in tail position: nothing stays live
 * across it, so the common path saves no register for it. */
static __always_inline void nf_meter_skb(struct sk_buff *skb, const struct nf_hook_state *state, u8 family)
{
	const struct net_device *in = state->in, *out = state->out;

	if (static_branch_unlikely(&nf_extras_key)) {
		nf_meter_skb_extras(skb, state, family);
		return;
	}
	nf_meter_skb_at(skb, in ? in->ifindex : -1, out ? out->ifindex : -1, family, NF_L2_NONE);
}

#ifndef __no_stack_protector
#define __no_stack_protector	/* older kernels: keep the canary */
#endif

#endif
