/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every numeric setting of the module, once.  The glue expands this list into
 * the module parameters and the sysctls, the core into its validation,
 * defaults and storage, the unit tests into their defaults; adding a setting
 * is one row here plus its effect.
 *
 *   X(ID, param, sysctl, def, min, max, kind, live, perm, desc)
 *
 *   ID      enum nfc_setting NFC_<ID>
 *   param   module parameter (/sys/module/ipt_NETFLOW/parameters/<param>)
 *   sysctl  net.netflow.<sysctl> when that sysctl reads and writes exactly
 *           this value, else 0 (sysctl.c names the views that show
 *           something else, e.g. hashsize shows the size in effect, the
 *           automatic one resolved or the last one written)
 *   def     default; [min, max] what is accepted, as `kind` reads it
 *   kind    NF_RANGE        an integer in [min, max]
 *           NF_PROTOCOL     5, 9 or 10 (enum nf_protocol)
 *           NF_AUTO_RANGE   0 (= automatic) or an integer in [min, max]
 *           NF_CPU          -1 (= any) or a CPU number below nr_cpu_ids;
 *                           stored as the u32 of that int
 *   live    NF_LIVE         may change while the module runs (a 0644
 *                           parameter or a sysctl); the core applies the
 *                           change at once, with the glue's hook if the
 *                           glue has one (params.c)
 *           NF_LOAD         taken at load only
 *   perm    the parameter's mode: 0644 writable at run time, 0444 read-only
 *   desc    modinfo text; " (def)" is appended
 *
 * The names, defaults and meanings are the original's (docs/ORIGINAL.md
 * §1.1); the ranges are ours (the original took any integer).  Timeouts are
 * bounded so that a timeout in ticks stays far below 2^31 at any HZ.
 */
#ifndef NETFLOW_SETTINGS_H
#define NETFLOW_SETTINGS_H

/* `./configure --promisc-mpls[=N]` changes this default (the original's
 * build option did the same: no MPLS without it, 3 labels with it); the
 * parameter changes it at load. */
#ifndef NF_PROMISC_MPLS_DEFAULT
#define NF_PROMISC_MPLS_DEFAULT 0
#endif
/* The same for the link-layer fields: the original's --enable-macaddress,
 * --enable-vlan and --enable-direction builds had them; ours has them off
 * unless ./configure is given those options or the parameter is set. */
#ifndef NF_MACADDRESS_DEFAULT
#define NF_MACADDRESS_DEFAULT 0
#endif
#ifndef NF_VLAN_DEFAULT
#define NF_VLAN_DEFAULT 0
#endif
#ifndef NF_DIRECTION_DEFAULT
#define NF_DIRECTION_DEFAULT 0
#endif
/* --enable-physdev sets 1, --enable-physdev-override 2. */
#ifndef NF_PHYSDEV_DEFAULT
#define NF_PHYSDEV_DEFAULT 0
#endif

#define NF_SETTINGS(X) \
	X(INACTIVE_TIMEOUT, inactive_timeout, "inactive_timeout", 15, 1, 86400, NF_RANGE, NF_LIVE, 0644, \
	  "inactive flows timeout in seconds") \
	X(ACTIVE_TIMEOUT, active_timeout, "active_timeout", 1800, 1, 604800, NF_RANGE, NF_LIVE, 0644, \
	  "active flows timeout in seconds") \
	X(MAXFLOWS, maxflows, "maxflows", 2000000, 0, 0xffffffff, NF_RANGE, NF_LIVE, 0644, \
	  "maximum number of flows, 0 = unlimited") \
	X(PROTOCOL, protocol, "protocol", 5, 5, 10, NF_PROTOCOL, NF_LIVE, 0444, \
	  "NetFlow protocol version: 5, 9 or 10 = IPFIX") \
	X(ENGINE_ID, engine_id, 0, 0, 0, 0xffffffff, NF_RANGE, NF_LIVE, 0644, \
	  "v5 engine_id (low 8 bits)") \
	X(DEBUG, debug, "debug", 0, 0, 3, NF_RANGE, NF_LIVE, 0644, \
	  "debug verbosity 0..3") \
	X(SCAN_MIN, scan_min, "scan-min", 1, 1, 1000, NF_RANGE, NF_LIVE, 0644, \
	  "minimal export scan interval in jiffies") \
	X(REFRESH_RATE, refresh_rate, "refresh-rate", 20, 1, 1000000, NF_RANGE, NF_LIVE, 0644, \
	  "v9/IPFIX: re-send templates every N datagrams") \
	X(TIMEOUT_RATE, timeout_rate, "timeout-rate", 30, 1, 1440, NF_RANGE, NF_LIVE, 0644, \
	  "v9/IPFIX: re-send templates every N minutes") \
	X(NATEVENTS, natevents, "natevents", 0, 0, 1, NF_RANGE, NF_LIVE, 0444, \
	  "export NAT translation events from conntrack: 0 or 1") \
	X(HASHSIZE, hashsize, 0, 0, 256, 1 << 26, NF_AUTO_RANGE, NF_LOAD, 0444, \
	  "flow hash buckets over all CPUs, 0 = automatic") \
	X(SNDBUF, sndbuf, 0, 0, 0, 0x7fffffff, NF_RANGE, NF_LIVE, 0444, \
	  "export socket buffer in bytes, 0 = system default") \
	X(EXPORTCPU, exportcpu, 0, -1, -1, 0x7fffffff, NF_CPU, NF_LIVE, 0644, \
	  "CPU the export worker runs on, -1 = any") \
	X(HOOKS, hooks, 0, 0, 0, 31, NF_RANGE, NF_LOAD, 0444, \
	  "meter on netfilter hooks without rules, IPv4 and IPv6, bitmask: 1 PREROUTING, 2 INPUT," \
	  " 4 FORWARD, 8 OUTPUT, 16 POSTROUTING; 9 on a router") \
	X(HOOKS_MARK, hooks_mark, 0, 0, 0, 0xffffffff, NF_RANGE, NF_LIVE, 0644, \
	  "hooks meter only packets with (mark & hooks_mark_mask) == (hooks_mark & hooks_mark_mask)") \
	X(HOOKS_MARK_MASK, hooks_mark_mask, 0, 0, 0, 0xffffffff, NF_RANGE, NF_LIVE, 0644, \
	  "bits of the mark hooks compare, 0 = meter every packet") \
	X(TARGETS, targets, 0, 1, 0, 1, NF_RANGE, NF_LOAD, 0444, \
	  "1: register the NETFLOW target; 0: none (hooks or NAT events only)") \
	X(NFEVENTS_LIMIT, nfevents_limit, 0, 10000, 1, 1000000, NF_RANGE, NF_LIVE, 0644, \
	  "NAT events exported per exporter run at most") \
	X(PROMISC, promisc, "promisc", 0, 0, 1, NF_RANGE, NF_LIVE, 0444, \
	  "1: offer frames for other hosts (mirror port) to PREROUTING, then drop them") \
	X(PROMISC_MPLS, promisc_mpls, 0, NF_PROMISC_MPLS_DEFAULT, 0, 10, NF_RANGE, NF_LOAD, 0444, \
	  "MPLS labels kept per flow (part of its key, exported as IE 70-79 and 200), 1..10; 0: none, and promisc discards MPLS frames") \
	X(MACADDRESS, macaddress, 0, NF_MACADDRESS_DEFAULT, 0, 1, NF_RANGE, NF_LOAD, 0444, \
	  "1: source and destination MAC addresses part of the flow key (IE 56, 80) and its ethernetType (IE 256)") \
	X(VLAN, vlan, 0, NF_VLAN_DEFAULT, 0, 1, NF_RANGE, NF_LOAD, 0444, \
	  "1: up to two VLAN tags part of the flow key (v9 IE 58, IPFIX 243-246) and its ethernetType (IE 256)") \
	X(DIRECTION, direction, 0, NF_DIRECTION_DEFAULT, 0, 1, NF_RANGE, NF_LOAD, 0444, \
	  "1: export each flow's direction (IE 61): 0 ingress (PREROUTING, INPUT, FORWARD), 1 egress (OUTPUT, POSTROUTING)") \
	X(PHYSDEV, physdev, 0, NF_PHYSDEV_DEFAULT, 0, 2, NF_RANGE, NF_LOAD, 0444, \
	  "bridge ports of bridged packets (br_netfilter): 1 exported as IE 252, 253; 2 in place of the input and output interfaces (IE 10, 14, v5)")

enum nf_setting_kind { NF_RANGE, NF_PROTOCOL, NF_AUTO_RANGE, NF_CPU };
enum nf_setting_live { NF_LOAD, NF_LIVE };

#define NF_SETTING_ENUM(ID, ...) NFC_##ID,
enum nfc_setting {
	NF_SETTINGS(NF_SETTING_ENUM)
	NFC_NR_SETTINGS
};
#undef NF_SETTING_ENUM

#endif /* NETFLOW_SETTINGS_H */
