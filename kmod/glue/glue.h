/* SPDX-License-Identifier: GPL-2.0 */
/* What the glue files share among themselves.  The core sees none of this. */
#ifndef NETFLOW_GLUE_H
#define NETFLOW_GLUE_H

#include <linux/mutex.h>
#include <linux/seq_file.h>
#include <linux/types.h>
#include "netflow/abi.h"
#include "compat.h"

#define NF_NAME "ipt_NETFLOW"

/* Serialises the exporter against every configuration change. */
extern struct mutex nf_export_mutex;

/* params.c: the load-time values and the parsing both params and sysctls use. */
extern char nf_destination[];
#define NF_DESTINATION_MAX 256	/* bytes with the NUL */
extern int nf_sndbuf;
extern unsigned int nf_hashsize;
extern unsigned int nf_settings[NFC_NR_SETTINGS];
int nf_parse_setting(enum nfc_setting which, const char *text, unsigned int *out, bool quiet);
extern bool nf_core_running;
#define NF_AGGREGATION_MAX 1025	/* 1024 characters and the NUL */
extern char nf_aggregation[];
extern int nf_exportcpu;
int nf_apply_aggregation(const char *text);

/* socket.c: parses a destination list.  Returns the number of destinations
 * and sets *out to a kcalloc'ed array the caller kfree()s (NULL when 0), or
 * -EINVAL after logging "destination=TEXT is invalid at position N: REASON"
 * (unless quiet), or -ENOMEM. */
int nf_destinations_parse(const char *text, struct nf_dest **out, bool quiet);
/* Connects this parsed list (copied) and then drops the old one; on failure
 * the old list stays in force. */
int nf_sockets_start(const struct nf_dest *dests, int n);
void nf_sockets_stop(void);
int nf_sockets_set_sndbuf(int bytes);
int nf_sockets_sndbuf(void);
void nf_sockets_show(struct seq_file *m);
void nf_sockets_show_snmp(struct seq_file *m);
u64 nf_sockets_icmp_errors(void);

/* natevents.c */
int nf_natevents_start(void);
void nf_natevents_stop(void);

/* worker.c */
void nf_worker_start(void);
void nf_worker_stop(void);
void nf_worker_flush(bool reset_stats);

/* proc.c, sysctl.c, target.c */
int nf_proc_init(void);
void nf_proc_exit(void);
int nf_flows_proc_init(void);
void nf_flows_proc_exit(void);
int nf_sysctl_init(void);
void nf_sysctl_exit(void);
extern atomic_t nf_ipv6_rules;
int nf_target_init(void);
void nf_target_exit(void);

/* platform.c */
void nf_cpu_locks_init(void);

#endif
