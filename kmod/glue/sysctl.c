// SPDX-License-Identifier: GPL-2.0
/*
 * net.netflow.*, named as in the original: one sysctl per row of the
 * settings table that names one, the two text settings, and the views
 * whose value is not a setting (hashsize: the table's real size; sndbuf:
 * the sockets'; flush: an action).  A write is parsed and checked in full
 * before anything changes: a bad value returns -EINVAL and the old one
 * stays in force.
 */
#include <linux/slab.h>
#include <linux/sysctl.h>
#include <net/net_namespace.h>
#include "glue.h"

/* Reads or writes *v as one unsigned decimal through a scratch table. */
static int nf_proc_uint(NF_CTL_CONST struct ctl_table *table, int write, void *buffer, size_t *lenp,
			loff_t *ppos, unsigned int *v)
{
	struct ctl_table tmp = *table;

	tmp.data = v;
	tmp.maxlen = sizeof(*v);
	return proc_douintvec(&tmp, write, buffer, lenp, ppos);
}

static int nf_sysctl_setting(NF_CTL_CONST struct ctl_table *table, int write, void *buffer,
			     size_t *lenp, loff_t *ppos)
{
	enum nfc_setting which = (enum nfc_setting)(unsigned long)table->extra1;
	unsigned int v = nfc_get(which);
	int err = nf_proc_uint(table, write, buffer, lenp, ppos, &v);

	if (err || !write)
		return err;
	return nf_setting_write(which, v);
}

static int nf_sysctl_text(NF_CTL_CONST struct ctl_table *table, int write, void *buffer,
			  size_t *lenp, loff_t *ppos)
{
	struct nf_text_setting *ts = table->extra1;
	struct ctl_table tmp = *table;
	char *text;
	int err;

	/* One byte more than we keep: an over-long write is refused, not cut. */
	text = kzalloc(ts->size + 1, GFP_KERNEL);
	if (!text)
		return -ENOMEM;
	nf_text_read(ts, text, ts->size);
	tmp.data = text;
	tmp.maxlen = ts->size + 1;
	err = proc_dostring(&tmp, write, buffer, lenp, ppos);
	if (!err && write)
		err = nf_text_write(ts, text);
	kfree(text);
	return err;
}

static int nf_sysctl_hashsize(NF_CTL_CONST struct ctl_table *table, int write, void *buffer,
			      size_t *lenp, loff_t *ppos)
{
	unsigned int v = nfc_hashsize();
	int err = nf_proc_uint(table, write, buffer, lenp, ppos, &v);

	if (err || !write)
		return err;
	mutex_lock(&nf_export_mutex);
	err = nfc_resize(v);
	mutex_unlock(&nf_export_mutex);
	return err;
}

/* Shows what the sockets have (the system's default unless set); while no
 * destination is connected (its route is not there yet, say at boot), the
 * value set, which a socket takes when it comes up. */
static int nf_sysctl_sndbuf(NF_CTL_CONST struct ctl_table *table, int write, void *buffer,
			    size_t *lenp, loff_t *ppos)
{
	int v, err;

	mutex_lock(&nf_export_mutex);
	v = nf_sockets_sndbuf();
	mutex_unlock(&nf_export_mutex);
	if (v < 0)
		v = nfc_get(NFC_SNDBUF);
	err = nf_proc_uint(table, write, buffer, lenp, ppos, (unsigned int *)&v);
	if (err || !write)
		return err;
	return nf_setting_write(NFC_SNDBUF, v);
}

static int nf_sysctl_flush(NF_CTL_CONST struct ctl_table *table, int write, void *buffer,
			   size_t *lenp, loff_t *ppos)
{
	unsigned int v = 0;
	int err = nf_proc_uint(table, write, buffer, lenp, ppos, &v);

	if (err || !write)
		return err;
	if (v)
		nf_worker_flush(v >= 2);
	return 0;
}

static const struct ctl_table nf_sysctl_views[] = {
	{ .procname = "hashsize", .mode = 0644, .proc_handler = nf_sysctl_hashsize },
	{ .procname = "sndbuf", .mode = 0644, .proc_handler = nf_sysctl_sndbuf },
	{ .procname = "flush", .mode = 0644, .proc_handler = nf_sysctl_flush },
	{ .procname = "destination", .mode = 0644, .proc_handler = nf_sysctl_text, .extra1 = &nf_destination },
	{ .procname = "aggregation", .mode = 0644, .proc_handler = nf_sysctl_text, .extra1 = &nf_aggregation },
	{ .procname = "sampler", .mode = 0644, .proc_handler = nf_sysctl_text, .extra1 = &nf_sampler },
	{ .procname = "snmp-rules", .mode = 0644, .proc_handler = nf_sysctl_text, .extra1 = &nf_snmp_rules },
};

static struct ctl_table *nf_sysctl_table;
static struct ctl_table_header *nf_sysctl_header;

/* Built at load from the settings table; ends with an empty entry, which
 * kernels without register_net_sysctl_sz() need. */
int nf_sysctl_init(void)
{
	size_t n = 0;
	int s;

	nf_sysctl_table = kcalloc(NFC_NR_SETTINGS + ARRAY_SIZE(nf_sysctl_views) + 1, sizeof(*nf_sysctl_table),
				  GFP_KERNEL);
	if (!nf_sysctl_table)
		return -ENOMEM;
	for (s = 0; s < NFC_NR_SETTINGS; s++) {
		struct ctl_table *t = &nf_sysctl_table[n];

		if (!nf_setting_rows[s].sysctl)
			continue;
		t->procname = nf_setting_rows[s].sysctl;
		t->mode = 0644;
		t->proc_handler = nf_sysctl_setting;
		t->extra1 = (void *)(unsigned long)s;
		n++;
	}
	memcpy(&nf_sysctl_table[n], nf_sysctl_views, sizeof(nf_sysctl_views));
	n += ARRAY_SIZE(nf_sysctl_views);
	nf_sysctl_header = nf_register_net_sysctl(&init_net, "net/netflow", nf_sysctl_table, n);
	if (!nf_sysctl_header) {
		kfree(nf_sysctl_table);
		return -ENOMEM;
	}
	return 0;
}

void nf_sysctl_exit(void)
{
	unregister_net_sysctl_table(nf_sysctl_header);
	kfree(nf_sysctl_table);
}
