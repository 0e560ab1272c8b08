// SPDX-License-Identifier: GPL-2.0
/* The kernel services the core asks for (the nfp_* half of abi.h). */
#include <linux/cpumask.h>
#include <linux/irqflags.h>
#include <linux/jiffies.h>
#include <linux/netdevice.h>
#include <linux/rcupdate.h>
#include <linux/percpu.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <net/ip6_route.h>
#include <net/route.h>
#include "glue.h"

void *nfp_alloc(nf_size size, int gfp)
{
	return kzalloc(size, gfp == NF_GFP_ATOMIC ? GFP_ATOMIC : GFP_KERNEL);
}

void nfp_free(void *p)
{
	kfree(p);
}

void *nfp_alloc_large(nf_size size)
{
	return kvzalloc(size, GFP_KERNEL);
}

void nfp_free_large(void *p)
{
	kvfree(p);
}

void *nfp_slab_create(const char *name, nf_size size)
{
	/* No SLAB_HWCACHE_ALIGN: it would round a 96-byte flow up to 128. */
	return kmem_cache_create(name, size, 8, NF_SLAB_FLAGS, NULL);
}

void nfp_slab_destroy(void *slab)
{
	kmem_cache_destroy(slab);
}

nf_size nfp_slab_alloc_bulk(void *slab, nf_size n, void **out)
{
	/* kmem_cache_alloc_bulk() wants interrupts on (it turns them back on
	 * as it leaves); a hook run with them off takes one at a time. */
	if (unlikely(irqs_disabled())) {
		out[0] = kmem_cache_alloc(slab, GFP_ATOMIC | __GFP_NOWARN);
		return out[0] ? 1 : 0;
	}
	/* All or nothing on every kernel, but what it returns is not the
	 * count everywhere: the number of objects up to 6.x, true/false since
	 * 7.x (as a count, "true" pooled one record of a batch and leaked the
	 * rest, found at unload).  Nonzero means all n were filled. */
	return kmem_cache_alloc_bulk(slab, GFP_ATOMIC | __GFP_NOWARN, n, out) ? n : 0;
}

void nfp_slab_free(void *slab, void *obj)
{
	kmem_cache_free(slab, obj);
}

nf_u32 nfp_nr_cpu_ids(void)
{
	return nr_cpu_ids;
}

void nfp_random(void *buf, nf_size len)
{
	get_random_bytes(buf, len);
}

int nfp_packet_gso_tcp(const void *skbp)
{
	const struct sk_buff *skb = skbp;

	return skb && skb_is_gso(skb) && skb_is_gso_tcp(skb);
}

void nfp_packet_route(const void *skbp, int family, struct nf_route *out)
{
	const struct sk_buff *skb = skbp;
	const struct dst_entry *dst = skb_dst(skb);

	if (!dst)
		return;
	if (family == NF_FAMILY_IPV4) {
		const struct rtable *rt = (const struct rtable *)dst;

		if (rt->rt_uses_gateway && rt->rt_gw_family == AF_INET)
			memcpy(out->nexthop, &rt->rt_gw4, 4);
	} else {
		const struct rt6_info *rt = (const struct rt6_info *)dst;

		if (rt->rt6i_flags & RTF_GATEWAY)
			memcpy(out->nexthop, &rt->rt6i_gateway, 16);
	}
}

nf_u64 nfp_jiffies64(void)
{
	return get_jiffies_64() - INITIAL_JIFFIES;
}

int nfp_cpu_online(unsigned int cpu)
{
	return cpu_online(cpu);
}

nf_u32 nfp_hz(void)
{
	return HZ;
}

void nfp_wallclock(nf_u64 *sec, nf_u32 *nsec)
{
	struct timespec64 ts;

	ktime_get_real_ts64(&ts);
	*sec = ts.tv_sec;
	*nsec = ts.tv_nsec;
}

nf_u64 nfp_clock_ns(void)
{
	return ktime_get_ns();
}

void nfp_race_window(enum nf_race_window w)
{
	nf_race_window(w, true);
}

void nfp_bug(const char *what)
{
	WARN(1, NF_NAME ": internal error: %s\n", what);
}

nf_u32 nfp_interfaces(struct nf_ifinfo *out, nf_u32 cap)
{
	const struct dev_ifalias *alias;
	struct net_device *dev;
	nf_u32 n = 0;

	rcu_read_lock();
	for_each_netdev_rcu(&init_net, dev) {
		if (n == cap)
			break;
		out[n].ifindex = dev->ifindex;
		strscpy(out[n].name, dev->name, sizeof(out[n].name));
		alias = rcu_dereference(dev->ifalias);
		strscpy(out[n].description, alias ? alias->ifalias : "", sizeof(out[n].description));
		n++;
	}
	rcu_read_unlock();
	return n;
}

void nfp_cond_resched(void)
{
	cond_resched();
}

void nfp_synchronize(void)
{
	/* The packet path runs with BH off: an RCU read-side section. */
	synchronize_rcu();
}
