// SPDX-License-Identifier: GPL-2.0
/* /proc/net/stat/ipt_netflow: the core formats, the glue adds socket lines. */
#include <linux/module.h>
#include <linux/proc_fs.h>
#include <linux/slab.h>
#include <net/net_namespace.h>
#include "glue.h"

/* Formats a view the core writes into a scratch buffer of `cap` bytes,
 * then lets the glue append what it owns; one snapshot under the mutex. */
static int nf_show(struct seq_file *m, size_t cap, void (*show)(struct seq_file *m, char *buf, size_t cap))
{
	char *buf = kvmalloc(cap, GFP_KERNEL);

	if (!buf)
		return -ENOMEM;
	mutex_lock(&nf_export_mutex);
	show(m, buf, cap);
	mutex_unlock(&nf_export_mutex);
	kvfree(buf);
	return 0;
}

static void nf_stat_write(struct seq_file *m, char *buf, size_t cap)
{
	nf_promisc_report();
	seq_write(m, buf, nfc_format_stats(buf, cap, THIS_MODULE->srcversion ?: "none"));
	nf_sockets_show(m);
	seq_write(m, buf, nfc_format_aggregation(buf, cap));
	seq_write(m, buf, nfc_format_snmp_rules(buf, cap));
	nf_hooks_show(m);
}

static int nf_stat_show(struct seq_file *m, void *v)
{
	return nf_show(m, 4096 + nr_cpu_ids * 192, nf_stat_write);
}

/* Machine-readable twin of the above, as SNMP agents parse it. */
static void nf_snmp_write(struct seq_file *m, char *buf, size_t cap)
{
	seq_write(m, buf, nfc_format_snmp(buf, cap, nf_sockets_icmp_errors()));
	nf_sockets_show_snmp(m);
}

static int nf_snmp_show(struct seq_file *m, void *v)
{
	return nf_show(m, 2048 + nr_cpu_ids * 128, nf_snmp_write);
}

int nf_proc_init(void)
{
	if (!proc_create_single("ipt_netflow", 0444, init_net.proc_net_stat, nf_stat_show))
		return -ENOMEM;
	if (!proc_create_single("ipt_netflow_snmp", 0444, init_net.proc_net_stat, nf_snmp_show)) {
		remove_proc_entry("ipt_netflow", init_net.proc_net_stat);
		return -ENOMEM;
	}
	if (nf_flows_proc_init()) {
		remove_proc_entry("ipt_netflow_snmp", init_net.proc_net_stat);
		remove_proc_entry("ipt_netflow", init_net.proc_net_stat);
		return -ENOMEM;
	}
	return 0;
}

void nf_proc_exit(void)
{
	nf_flows_proc_exit();
	remove_proc_entry("ipt_netflow_snmp", init_net.proc_net_stat);
	remove_proc_entry("ipt_netflow", init_net.proc_net_stat);
}
