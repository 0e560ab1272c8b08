/* SPDX-License-Identifier: GPL-2.0 */
/* What the glue files share among themselves.  The core sees none of this. */
#ifndef NETFLOW_GLUE_H
#define NETFLOW_GLUE_H

#include <linux/jump_label.h>
#include <linux/mutex.h>
#include <linux/seq_file.h>
#include <linux/types.h>
#include "netflow/abi.h"
#include "compat.h"

#define NF_NAME "ipt_NETFLOW"

/* Serialises the exporter against every configuration change. */
extern struct mutex nf_export_mutex;

/* settings.c: every change of a setting goes through here (see there). */
extern struct mutex nf_settings_mutex;
extern struct mutex nf_protocol_mutex;	/* the protocol vs IPv6 rules (settings.c) */
extern bool nf_core_running;		/* between nfc_init() and nfc_exit(); under nf_settings_mutex */
void nf_set_core_running(bool running);
struct nf_setting_row {			/* one row of netflow/settings.h */
	const char *param;
	const char *sysctl;		/* NULL: no plain sysctl */
	s64 min, max;
	enum nf_setting_kind kind;
};
extern const struct nf_setting_row nf_setting_rows[NFC_NR_SETTINGS];
int nf_setting_write(enum nfc_setting which, u32 value);
int nf_setting_write_text(enum nfc_setting which, const char *text);	/* logs a refusal */

/* The settings that are text, with their own checks and effects. */
struct nf_text_setting {
	const char *name;
	char *text;			/* in force; under nf_settings_mutex */
	size_t size;			/* of text, NUL included */
	bool trim;			/* leading and trailing blanks dropped */
	int (*apply)(const char *text);	/* checks; applies while the core runs */
};
#define NF_DESTINATION_MAX 256
#define NF_AGGREGATION_MAX 1025
#define NF_SNMP_RULES_MAX 513	/* core: snmp_rules_text_max + 1 */
extern struct nf_text_setting nf_destination, nf_aggregation, nf_sampler, nf_snmp_rules;
int nf_text_write(struct nf_text_setting *ts, const char *value);
void nf_text_read(struct nf_text_setting *ts, char *buf, size_t size);
int nf_apply_aggregation(const char *text);
int nf_apply_sampler(const char *text);

int nf_destinations_start(void);	/* connects the list in force (module init) */

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

/* race_windows.c: test-only delays at known race windows (see there).
 * A window costs a static branch until a test first arms one. */
DECLARE_STATIC_KEY_FALSE(nf_race_windows_armed);
void nf_race_window_pass(enum nf_race_window w, bool can_sleep);
static inline void nf_race_window(enum nf_race_window w, bool can_sleep)
{
	if (static_branch_unlikely(&nf_race_windows_armed))
		nf_race_window_pass(w, can_sleep);
}
void nf_race_windows_init(void);
void nf_race_windows_exit(void);

/* natevents.c */
int nf_natevents_start(void);
void nf_natevents_stop(void);

/* worker.c */
void nf_worker_start(void);
void nf_worker_stop(void);
void nf_worker_flush(bool reset_stats);

/* proc.c */
int nf_proc_init(void);
void nf_proc_exit(void);

/* flows_proc.c */
int nf_flows_proc_init(void);
void nf_flows_proc_exit(void);

/* sysctl.c */
int nf_sysctl_init(void);
void nf_sysctl_exit(void);

/* hooks.c: metering on netfilter hooks (hooks=) */
int nf_hooks_start(void);
void nf_hooks_stop(void);
void nf_hooks_set_filter(u32 mark, u32 mask);
void nf_hooks_set_protocol(u32 protocol);
void nf_hooks_show(struct seq_file *m);

/* extras.c: the packet path's optional extras (one static key) */
void nf_snmp_key_update(void);
void nf_l2_key_start(void);
void nf_extras_stop(void);
int nf_apply_snmp_rules(const char *text);

/* l2.c: link-layer facts for the records' tail (promisc_mpls labels,
 * macaddress, vlan, direction) */
void nf_l2_start(void);

/* promisc.c: frames for other hosts into PREROUTING (promisc=) */
int nf_promisc_hook(u32 on);
int nf_promisc_load(void);
void nf_promisc_unload(void);
void nf_promisc_report(void);

/* target.c: the target and the per-CPU cache locks */
extern atomic_t nf_ipv6_rules;
int nf_target_init(void);
void nf_target_exit(void);
void nf_cpu_locks_init(void);

#endif
