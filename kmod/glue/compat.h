/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel API differences the glue meets, in one place.  The HAVE_* macros
 * come from compile probes that ./configure runs against the target kernel
 * (scripts/compat-probe.sh); nothing here or elsewhere tests version numbers.
 */
#ifndef NETFLOW_COMPAT_H
#define NETFLOW_COMPAT_H

#if !__has_include("generated/nf_compat_probes.h")
#error "generated/nf_compat_probes.h is missing: run ./configure (or build with make)"
#endif
#include "generated/nf_compat_probes.h"

/* 6.11: proc_handler takes a const table:
 *   static int handler(NF_CTL_CONST struct ctl_table *table, ...) */
#ifdef HAVE_CTL_TABLE_CONST_HANDLER
#define NF_CTL_CONST const
#else
#define NF_CTL_CONST
#endif

/* 6.6: register_net_sysctl_sz() takes the table's size and wants no empty
 * terminating entry (from 6.11 one is an error); before, register_net_sysctl()
 * finds the end at an empty entry, which the caller's table must have after
 * its n entries. */
#ifdef HAVE_REGISTER_NET_SYSCTL_SZ
#define nf_register_net_sysctl(net, path, table, n) register_net_sysctl_sz(net, path, table, n)
#else
#define nf_register_net_sysctl(net, path, table, n) register_net_sysctl(net, path, table)
#endif

/* The flow caches keep their own /proc/slabinfo lines ("ipt_netflow",
 * "ipt_netflow6", as the original's): from 6.5 SLAB_NO_MERGE stops them
 * being merged into another cache of the same size (6.12 has one). */
#ifdef HAVE_SLAB_NO_MERGE
#define NF_SLAB_FLAGS SLAB_NO_MERGE
#else
#define NF_SLAB_FLAGS 0
#endif

/* 7.x: kernel_bind() and kernel_connect() take a struct sockaddr_unsized *
 * (the length travels beside it). */
#ifdef HAVE_SOCKADDR_UNSIZED
typedef struct sockaddr_unsized nf_sockaddr_arg;
#else
typedef struct sockaddr nf_sockaddr_arg;
#endif

/* The per-CPU system workqueue: system_percpu_wq where it exists (system_wq
 * is declared deprecated there), system_wq before. */
#ifdef HAVE_SYSTEM_PERCPU_WQ
#define nf_system_wq system_percpu_wq
#else
#define nf_system_wq system_wq
#endif

#endif
