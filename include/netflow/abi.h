/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one interface between the kernel glue (C, kmod/glue) and the metering
 * and export core (C++, kmod/core).  Plain builtin types only: this header is
 * compiled by gcc against kernel headers and by g++ without any of them, and
 * the core is also built in userspace for tests, fuzzers and benchmarks.
 *
 *   nfc_*  core entry points, called by the glue.
 *   nfp_*  platform services the core needs, provided by the glue (and by a
 *          userspace stand-in in tests/unit).
 */
#ifndef NETFLOW_ABI_H
#define NETFLOW_ABI_H

#ifdef __cplusplus
#define NF_ABI extern "C"
#define NF_NOEXCEPT noexcept
#define NF_INLINE constexpr inline
#else
#define NF_ABI
#define NF_NOEXCEPT
#define NF_INLINE static inline
#endif

/* For a per-packet local whose fields are all written before use:
 * INIT_STACK_ALL_ZERO (-ftrivial-auto-var-init=zero) would zero it first. */
#if defined(__has_attribute)
#if __has_attribute(__uninitialized__)
#define NF_FILLED_BELOW __attribute__((__uninitialized__))
#endif
#endif
#ifndef NF_FILLED_BELOW
#define NF_FILLED_BELOW
#endif

typedef __UINT8_TYPE__ nf_u8;
typedef __UINT16_TYPE__ nf_u16;
typedef __UINT32_TYPE__ nf_u32;
typedef __UINT64_TYPE__ nf_u64;
typedef __INT32_TYPE__ nf_s32;
typedef __INT64_TYPE__ nf_s64;
typedef __SIZE_TYPE__ nf_size;

#include "netflow/settings.h"

#define NF_VERSION "0.3.0"

/* Largest header prefix the glue hands to the parser.  Enough for IPv6 with a
 * chain of extension headers plus TCP with options; a longer chain is counted
 * as truncated rather than trusted. */
#define NF_MAX_HEADER_BYTES 256

enum nf_family { NF_FAMILY_IPV4 = 4, NF_FAMILY_IPV6 = 6 };

/* Export protocols, numbered as the `protocol` setting spells them. */
enum nf_protocol { NF_PROTOCOL_V5 = 5, NF_PROTOCOL_V9 = 9, NF_PROTOCOL_IPFIX = 10 };
NF_INLINE int nf_protocol_valid(nf_u32 v)
{
	return v == NF_PROTOCOL_V5 || v == NF_PROTOCOL_V9 || v == NF_PROTOCOL_IPFIX;
}

/* hooks_mark / hooks_mark_mask: a hook meters a packet whose mark agrees
 * with hooks_mark in the bits of the mask; mask 0 selects every packet. */
NF_INLINE int nf_mark_selected(nf_u32 skb_mark, nf_u32 mark, nf_u32 mask)
{
	return (skb_mark & mask) == (mark & mask);
}

/* The errno values the core returns across this interface (the core cannot
 * include the kernel's errno.h; the glue checks they agree at build time). */
enum nf_error { NF_OK = 0, NF_ENOENT = -2, NF_ENOMEM = -12, NF_EBUSY = -16, NF_EINVAL = -22 };

/* One packet as the core sees it.  `data` starts at the network header and
 * holds `len` bytes (at most NF_MAX_HEADER_BYTES); `wire_len` is what the skb
 * really carries from the network header on, so the parser can tell a short
 * copy from a lying header. */
struct nf_packet {
	const nf_u8 *data;
	nf_u32 len;
	nf_u32 wire_len;
	const void *skb;	/* opaque: for nfp_packet_route() on a new flow */
	nf_s32 iif;		/* ifindex, -1 when none */
	nf_s32 oif;
	nf_u32 now;		/* jiffies, low 32 bits */
	nf_u8 family;		/* enum nf_family */
};

/* What a packet's link layer says that the core keeps in a flow record's
 * tail, when load-time settings gave records one (nfc_record_tail()): the
 * MPLS label stack (promisc_mpls), MAC addresses and ethernetType
 * (macaddress), VLAN tags (vlan), the direction (direction), the bridge
 * ports (physdev=1).  The glue fills every member; the core takes what this
 * load keeps. */
#define NF_L2_MAX_LABELS 10
#define NF_L2_MAX_VLANS 2
struct nf_l2 {
	/* Zeroed per packet up to mpls[] (NF_L2_HEAD_BYTES): a few stores. */
	nf_u32 mpls_depth;		/* entries in use (0: no stack) */
	nf_u8 dst_mac[6];		/* as on the wire; zero: no MAC header */
	nf_u8 src_mac[6];
	nf_u16 vlan[NF_L2_MAX_VLANS];	/* TCIs, outermost first, host order; 0: none */
	nf_u16 ethertype;		/* after the VLAN tags, host order; 0: unknown */
	nf_u8 direction;		/* NF_DIR_INGRESS or NF_DIR_EGRESS */
	nf_u32 phys_in;			/* bridge port ifindexes (br_netfilter); 0: none */
	nf_u32 phys_out;
	/* Only the first mpls_depth entries are written and read. */
	nf_u32 mpls[NF_L2_MAX_LABELS];	/* entries, outermost first, host order, with TTL */
};
#define NF_L2_HEAD_BYTES __builtin_offsetof(struct nf_l2, mpls)
/* flowDirection's values (RFC 5102). */
enum nf_direction { NF_DIR_INGRESS = 0, NF_DIR_EGRESS = 1 };
/* The values of the physdev setting. */
enum nf_physdev_mode { NF_PHYSDEV_OFF = 0, NF_PHYSDEV_EXPORT = 1, NF_PHYSDEV_OVERRIDE = 2 };

/* What the glue knows about where a packet is routed; asked once per new flow. */
struct nf_route {
	nf_u8 nexthop[16];	/* IPv4 in the first 4 bytes; zero when direct/local */
};

/* ---- platform services (nfp_*) ---------------------------------------- */

enum nf_gfp { NF_GFP_KERNEL = 0, NF_GFP_ATOMIC = 1 };

NF_ABI void *nfp_alloc(nf_size size, int gfp) NF_NOEXCEPT;	/* zeroed */
NF_ABI void nfp_free(void *p) NF_NOEXCEPT;
NF_ABI void *nfp_alloc_large(nf_size size) NF_NOEXCEPT;	/* zeroed, may sleep */
NF_ABI void nfp_free_large(void *p) NF_NOEXCEPT;

/* A slab of fixed-size objects (the flow records). */
NF_ABI void *nfp_slab_create(const char *name, nf_size size) NF_NOEXCEPT;
NF_ABI void nfp_slab_destroy(void *slab) NF_NOEXCEPT;
/* Up to n objects into out[] in one trip through the allocator (atomic, not
 * zeroed); returns how many. */
NF_ABI nf_size nfp_slab_alloc_bulk(void *slab, nf_size n, void **out) NF_NOEXCEPT;
/* The same from inside nfc_account() on `cpu`, whose cache lock is held:
 * the lock is dropped around the allocation (on PREEMPT_RT the slab's locks
 * sleep, and the cache lock keeps preemption off) and held again on return.
 * Rare: once per NF_REFILL_BATCH new flows. */
NF_ABI nf_size nfp_slab_alloc_bulk_unlocked(unsigned int cpu, void *slab, nf_size n, void **out) NF_NOEXCEPT;
NF_ABI void nfp_slab_free(void *slab, void *obj) NF_NOEXCEPT;

NF_ABI void nfp_random(void *buf, nf_size len) NF_NOEXCEPT;

NF_ABI nf_u32 nfp_nr_cpu_ids(void) NF_NOEXCEPT;	/* every CPU number is below this */
/* Non-zero for a CPU that is online now (a possible CPU may never be). */
NF_ABI int nfp_cpu_online(unsigned int cpu) NF_NOEXCEPT;

/* The exporter's way into another CPU's cache; the packet path is already
 * inside this lock (taken by the glue around nfc_account()). */
NF_ABI void nfp_cpu_lock(unsigned int cpu) NF_NOEXCEPT;
NF_ABI void nfp_cpu_unlock(unsigned int cpu) NF_NOEXCEPT;

NF_ABI void nfp_packet_route(const void *skb, int family, struct nf_route *out) NF_NOEXCEPT;
/* Whether the skb is a GSO TCP packet (then a zero IP length field means
 * "the skb's length": BIG TCP); asked only for such headers. */
NF_ABI int nfp_packet_gso_tcp(const void *skb) NF_NOEXCEPT;

/* Clocks. */
NF_ABI nf_u64 nfp_jiffies64(void) NF_NOEXCEPT;	/* since boot, starts at 0 */
NF_ABI nf_u32 nfp_hz(void) NF_NOEXCEPT;
NF_ABI void nfp_wallclock(nf_u64 *sec, nf_u32 *nsec) NF_NOEXCEPT;

/* Hands one finished datagram to every destination.  Returns how many
 * destinations took it; *missed is how many did not (a full socket buffer,
 * no route, not connected). */
NF_ABI int nfp_send(const void *buf, nf_size len, int *missed) NF_NOEXCEPT;
/* Between two runs of an export its caller waits for (a protocol switch):
 * lets the collector take a run's datagrams before the next run.  Called
 * with nf_export_mutex held; the glue drops it, sleeps a tick, takes it
 * again, as its own paced flush does. */
NF_ABI void nfp_export_pause(void) NF_NOEXCEPT;

NF_ABI void nfp_bug(const char *what) NF_NOEXCEPT;

/* Waits until no packet path can still see what was unpublished. */
NF_ABI void nfp_synchronize(void) NF_NOEXCEPT;

/* Process context, may sleep: lets other tasks run in the middle of a long
 * loop (freeing a cache of millions of flows at unload). */
NF_ABI void nfp_cond_resched(void) NF_NOEXCEPT;

NF_ABI nf_u64 nfp_clock_ns(void) NF_NOEXCEPT;	/* monotonic, for busy times */

/* Test-only race windows (kmod/glue/race_windows.c): a test may make a pass
 * through one wait, to widen a race it checks.  Closed unless a test armed
 * it; never on the packet path. */
enum nf_race_window {
	NF_WINDOW_PROTOCOL_CHECK,	/* protocol write: the IPv6 rules counted, value not yet stored */
	NF_WINDOW_NAT_DATA_READY,	/* NAT listener's data-ready, before it queues the work (atomic) */
	NF_WINDOW_NAT_WORK,		/* NAT listener's work item, before it reads */
	NF_WINDOW_NAT_STOP_DRAIN,	/* NAT listener's stop, between two reads of 256 events */
	NF_WINDOW_UNLOAD,		/* unload: the exporter stopped, the core not yet freed */
	NF_WINDOW_CORE_SET,		/* nfc_set(): the core found, the value not yet stored */
	NF_NR_WINDOWS
};
NF_ABI void nfp_race_window(enum nf_race_window w) NF_NOEXCEPT;	/* may sleep */

/* Network interfaces of the initial namespace, for the interface-names
 * options records.  Fills at most `cap`; returns how many it filled. */
struct nf_ifinfo {
	nf_u32 ifindex;
	char name[16];
	char description[32];	/* ifalias, "" when none */
};
NF_ABI nf_u32 nfp_interfaces(struct nf_ifinfo *out, nf_u32 cap) NF_NOEXCEPT;

/* ---- core entry points (nfc_*) ---------------------------------------- */

/* Settings: the table and enum nfc_setting are in settings.h.  nfc_set()
 * checks a value against its row and returns NF_EINVAL (changing nothing)
 * when it is out of range, NF_EBUSY for a load-time setting while the core
 * runs.  Before nfc_init() it only stores (module parameters are parsed
 * before the module's init); while the core runs it also applies: timeouts
 * at once, a protocol change exports everything cached under the old
 * protocol first.  Writers are serialised by the glue. */
NF_ABI int nfc_set(enum nfc_setting which, nf_u32 value) NF_NOEXCEPT;
NF_ABI int nfc_check(enum nfc_setting which, nf_u32 value) NF_NOEXCEPT;	/* nfc_set without the set */
NF_ABI nf_u32 nfc_get(enum nfc_setting which) NF_NOEXCEPT;

struct nfc_init_args {
	nf_u32 nr_cpus;		/* nr_cpu_ids: cpu numbers are below this */
	nf_u64 ram_bytes;	/* for the automatic hashsize */
	nf_u32 settings[NFC_NR_SETTINGS];	/* what to start with */
};

/* Returns NF_OK, NF_EINVAL (a setting out of range) or NF_ENOMEM. */
NF_ABI int nfc_init(const struct nfc_init_args *args) NF_NOEXCEPT;
NF_ABI void nfc_exit(void) NF_NOEXCEPT;

NF_ABI nf_u32 nfc_auto_hashsize(nf_u64 ram_bytes) NF_NOEXCEPT;

/* Packet path: called on `cpu` with that CPU's cache lock held (BH off).
 * A new flow that finds this CPU's pool of free records empty refills it
 * with nfp_slab_alloc_bulk_unlocked(), which drops the lock for a moment. */
NF_ABI void nfc_account(unsigned int cpu, const struct nf_packet *pkt) NF_NOEXCEPT;
/* The same while records have a tail: the glue read *l2 from the packet.
 * nfc_record_tail() (after nfc_init()): non-zero when they have one, and the
 * glue must then call this one for every packet. */
NF_ABI void nfc_account_l2(unsigned int cpu, const struct nf_packet *pkt, const struct nf_l2 *l2) NF_NOEXCEPT;
NF_ABI int nfc_record_tail(void) NF_NOEXCEPT;

#define NF_REFILL_BATCH 32	/* records per refill of a CPU's pool */

/* Exporter, from the worker (process context).  Returns the delay in ticks
 * until it wants to run again. */
enum nfc_export_mode {
	NFC_EXPORT_DUE,		/* flows whose timeouts expired */
	NFC_EXPORT_ALL,		/* every flow now, reason "forced" (flush, unload) */
};
NF_ABI nf_u32 nfc_export(enum nfc_export_mode mode, unsigned int worker_cpu) NF_NOEXCEPT;

/* NAT events (export mutex held): a buffer of ctnetlink messages the glue
 * received; events the glue knows were lost (the socket's drop count, what
 * a stop left unread); an overrun the listener was told of (ENOBUFS: one
 * report, however many events it cost). */
NF_ABI void nfc_nat_input(const nf_u8 *buf, nf_size len) NF_NOEXCEPT;
NF_ABI void nfc_nat_lost(nf_u32 events) NF_NOEXCEPT;
NF_ABI void nfc_nat_overrun(void) NF_NOEXCEPT;

/* Aggregation rules: parsed whole, then swapped in; on error nothing
 * changes and NF_EINVAL (or NF_ENOMEM) is returned with the position and
 * reason.  May sleep. */
NF_ABI int nfc_set_aggregation(const char *text, nf_u32 *err_pos, const char **err_reason) NF_NOEXCEPT;
/* The aggrN lines of /proc/net/stat/ipt_netflow. */
NF_ABI nf_size nfc_format_aggregation(char *buf, nf_size cap) NF_NOEXCEPT;

/* SNMP-index rules ("prefix:base,..."): parsed whole; on error NF_EINVAL
 * with the position and reason, nothing changes.  Before nfc_init() only
 * checked.  Export mutex held. */
NF_ABI int nfc_set_snmp_rules(const char *text, nf_u32 *err_pos, const char **err_reason) NF_NOEXCEPT;
/* Rules are in force (the glue's packet path then maps its interfaces). */
NF_ABI int nfc_snmp_rules_active(void) NF_NOEXCEPT;
/* The index to export for an interface: its rule's, or ifindex.  Packet
 * path (RCU read side) and export mutex. */
NF_ABI nf_s32 nfc_snmp_index(const char *ifname, nf_s32 ifindex) NF_NOEXCEPT;
/* The "SNMP-rule#N" lines of /proc/net/stat/ipt_netflow. */
NF_ABI nf_size nfc_format_snmp_rules(char *buf, nf_size cap) NF_NOEXCEPT;

/* The sampler (deterministic:N, random:N, hash:N, N = 2..16383; "", "0",
 * "off", "none" = off): parsed whole; on error NF_EINVAL with the position
 * and reason, nothing changes.  Before nfc_init() only checked.  While the
 * core runs: exports everything cached under the old sampler, then the new
 * one starts with its statistics at zero.  Export mutex held. */
#define NF_SAMPLER_MAX 64
NF_ABI int nfc_set_sampler(const char *text, nf_u32 *err_pos, const char **err_reason) NF_NOEXCEPT;

/* /proc/net/stat/ipt_netflow_flows, one hash bucket of one CPU at a time:
 * the whole lines that fit in cap, from flow *cursor of the bucket on
 * (*cursor and the line number *seq advance per line); 0 once the bucket
 * is done. */
NF_ABI nf_u32 nfc_flow_buckets(unsigned int cpu) NF_NOEXCEPT;
NF_ABI nf_size nfc_format_flows_header(char *buf, nf_size cap) NF_NOEXCEPT;
NF_ABI nf_size nfc_format_flows_bucket(unsigned int cpu, nf_u32 bucket, nf_u32 *cursor, nf_u32 *seq,
				       char *buf, nf_size cap) NF_NOEXCEPT;

/* The datagram being filled leaves now, to the destinations in force (before
 * they are replaced: it may lean on templates only they have seen). */
NF_ABI void nfc_send_pending(void) NF_NOEXCEPT;
/* After a destination change: every template goes out again. */
NF_ABI void nfc_resend_templates(void) NF_NOEXCEPT;

/* Zeroes the statistics (flush=2). */
NF_ABI void nfc_reset_stats(void) NF_NOEXCEPT;

/* Re-sizes every CPU's table without losing a flow (the hashsize sysctl; the
 * hashsize setting keeps what was asked at load).  May sleep.  NF_OK,
 * NF_EINVAL or NF_ENOMEM. */
NF_ABI int nfc_resize(nf_u32 hashsize) NF_NOEXCEPT;
NF_ABI nf_u32 nfc_hashsize(void) NF_NOEXCEPT;

/* /proc/net/stat/ipt_netflow up to and including the "Export:" line; the glue
 * appends the sockN lines.  Returns the length written (cut at cap). */
NF_ABI nf_size nfc_format_stats(char *buf, nf_size cap, const char *srcversion) NF_NOEXCEPT;

/* The promisc handler's counters (frames for other hosts taken, and of those
 * the ones not offered to PREROUTING) for the next nfc_format_stats(); the
 * glue owns them.  Export mutex held. */
NF_ABI void nfc_promisc_counts(nf_u64 observed, nf_u64 discarded) NF_NOEXCEPT;

/* /proc/net/stat/ipt_netflow_snmp up to the per-CPU rows; `sock_errors` (the
 * glue's ICMP error count) goes into errTotal. */
NF_ABI nf_size nfc_format_snmp(char *buf, nf_size cap, nf_u64 sock_errors) NF_NOEXCEPT;

/* Destinations (the `destination=` list): the core parses the text straight
 * into this struct and both languages use it as is.  It has no padding and
 * the parser zeroes what an entry does not set, so equal destinations are
 * equal bytes (memcmp). */
struct nf_dest {
	nf_u8 family;		/* enum nf_family */
	nf_u8 bind_family;	/* 0 = no @bind, else == family */
	nf_u16 port;		/* host order */
	nf_u8 addr[16];		/* IPv4 in the first 4 bytes, rest zero */
	nf_u8 bind[16];
	char ifname[16];	/* NUL-terminated, "" = no %ifname */
};
#define NF_MAX_DESTINATIONS 16
/* Bytes the text of one destination can take, NUL included: the glue sizes
 * its socket names by it, so nfc_format_destination() never cuts one. */
#define NF_DEST_TEXT_MAX 128
/* Returns the number of destinations, or -1 with *err_pos / *err_reason set
 * (out[] may have been written then). */
NF_ABI int nfc_parse_destinations(const char *text, struct nf_dest *out, nf_u32 cap,
				  nf_u32 *err_pos, const char **err_reason) NF_NOEXCEPT;
/* "%pISpc"-style text; at most cap - 1 characters and a NUL, returns the
 * characters written. */
NF_ABI nf_size nfc_format_destination(const struct nf_dest *d, char *buf, nf_size cap) NF_NOEXCEPT;

#endif /* NETFLOW_ABI_H */
