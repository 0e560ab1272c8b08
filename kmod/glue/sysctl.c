// SPDX-License-Identifier: GPL-2.0
/*
 * net.netflow.* sysctls, named as in the original.  A write is parsed and
 * validated in full before anything changes: a bad value returns -EINVAL and
 * the old one stays in force.
 */
#include <linux/slab.h>
#include <linux/sysctl.h>
#include <net/net_namespace.h>
#include "glue.h"

static int nf_sysctl_setting(NF_CTL_CONST struct ctl_table *table, int write, void *buffer,
			     size_t *lenp, loff_t *ppos)
{
	enum nfc_setting which = (enum nfc_setting)(unsigned long)table->extra1;
	unsigned int v = nfc_get(which);
	struct ctl_table tmp = *table;
	int err;

	tmp.data = &v;
	tmp.maxlen = sizeof(v);
	err = proc_douintvec(&tmp, write, buffer, lenp, ppos);
	if (err || !write)
		return err;
	if (nfc_set(which, v))
		return -EINVAL;
	nf_settings[which] = v;
	return 0;
}

static int nf_sysctl_protocol(NF_CTL_CONST struct ctl_table *table, int write, void *buffer,
			      size_t *lenp, loff_t *ppos)
{
	unsigned int v = nfc_get(NFC_PROTOCOL);
	struct ctl_table tmp = *table;
	int err;

	tmp.data = &v;
	tmp.maxlen = sizeof(v);
	err = proc_douintvec(&tmp, write, buffer, lenp, ppos);
	if (err || !write)
		return err;
	if (v != 5 && v != 9 && v != 10)
		return -EINVAL;
	if (v == 5 && atomic_read(&nf_ipv6_rules)) {
		pr_info(NF_NAME ": protocol 5 cannot carry IPv6: delete the %d ip6tables NETFLOW rule(s) first\n",
			atomic_read(&nf_ipv6_rules));
		return -EBUSY;
	}
	/* Everything cached leaves under the old protocol first. */
	mutex_lock(&nf_export_mutex);
	err = nfc_set_protocol(v) ? -EINVAL : 0;
	mutex_unlock(&nf_export_mutex);
	if (!err)
		nf_settings[NFC_PROTOCOL] = v;
	return err;
}

static int nf_sysctl_natevents(NF_CTL_CONST struct ctl_table *table, int write, void *buffer,
			       size_t *lenp, loff_t *ppos)
{
	unsigned int v = nfc_get(NFC_NATEVENTS);
	struct ctl_table tmp = *table;
	int err;

	tmp.data = &v;
	tmp.maxlen = sizeof(v);
	err = proc_douintvec(&tmp, write, buffer, lenp, ppos);
	if (err || !write)
		return err;
	if (v > 1)
		return -EINVAL;
	if (v) {
		err = nf_natevents_start();
		if (err)
			return err;
	} else {
		nf_natevents_stop();
	}
	nfc_set(NFC_NATEVENTS, v);
	nf_settings[NFC_NATEVENTS] = v;
	return 0;
}

static int nf_sysctl_hashsize(NF_CTL_CONST struct ctl_table *table, int write, void *buffer,
			      size_t *lenp, loff_t *ppos)
{
	unsigned int v = nfc_hashsize();
	struct ctl_table tmp = *table;
	int err;

	tmp.data = &v;
	tmp.maxlen = sizeof(v);
	err = proc_douintvec(&tmp, write, buffer, lenp, ppos);
	if (err || !write)
		return err;
	if (v < NFC_HASHSIZE_MIN || v > NFC_HASHSIZE_MAX)
		return -EINVAL;
	mutex_lock(&nf_export_mutex);
	err = nfc_resize(v);
	mutex_unlock(&nf_export_mutex);
	return err ? -ENOMEM : 0;
}

static int nf_sysctl_sndbuf(NF_CTL_CONST struct ctl_table *table, int write, void *buffer,
			    size_t *lenp, loff_t *ppos)
{
	struct ctl_table tmp = *table;
	int v, err;

	mutex_lock(&nf_export_mutex);
	v = nf_sockets_sndbuf();
	mutex_unlock(&nf_export_mutex);
	if (v < 0)
		return v;	/* -ENOENT: no connected destination */
	tmp.data = &v;
	tmp.maxlen = sizeof(v);
	err = proc_dointvec(&tmp, write, buffer, lenp, ppos);
	if (err || !write)
		return err;
	if (v < 0)
		return -EINVAL;
	mutex_lock(&nf_export_mutex);
	nf_sndbuf = v;
	err = nf_sockets_set_sndbuf(v);
	mutex_unlock(&nf_export_mutex);
	return err;
}

static int nf_sysctl_destination(NF_CTL_CONST struct ctl_table *table, int write, void *buffer,
				 size_t *lenp, loff_t *ppos)
{
	struct ctl_table tmp = *table;
	struct nf_dest *dests = NULL;
	char *text;
	int err, n;

	/* One byte more than we keep: an over-long write is refused, not cut. */
	text = kzalloc(NF_DESTINATION_MAX + 1, GFP_KERNEL);
	if (!text)
		return -ENOMEM;
	mutex_lock(&nf_export_mutex);
	strscpy(text, nf_destination, NF_DESTINATION_MAX);
	mutex_unlock(&nf_export_mutex);
	tmp.data = text;
	tmp.maxlen = NF_DESTINATION_MAX + 1;
	err = proc_dostring(&tmp, write, buffer, lenp, ppos);
	if (err || !write)
		goto out;
	if (strlen(text) >= NF_DESTINATION_MAX) {
		pr_err(NF_NAME ": destination is longer than %d characters\n", NF_DESTINATION_MAX - 1);
		err = -EINVAL;
		goto out;
	}
	n = nf_destinations_parse(text, &dests, false);
	if (n < 0) {
		err = n;
		goto out;
	}
	mutex_lock(&nf_export_mutex);
	nfc_send_pending();
	err = nf_sockets_start(dests, n);
	if (!err) {
		strscpy(nf_destination, text, NF_DESTINATION_MAX);
		nfc_resend_templates();
	}
	mutex_unlock(&nf_export_mutex);
out:
	kfree(dests);
	kfree(text);
	return err;
}

int nf_apply_aggregation(const char *text)
{
	const char *reason = "";
	u32 pos = 0;

	if (nfc_set_aggregation(text, &pos, &reason)) {
		pr_err(NF_NAME ": aggregation=%s is invalid at position %u: %s; the previous rules stay\n",
		       text, pos, reason);
		return -EINVAL;
	}
	return 0;
}

static int nf_sysctl_aggregation(NF_CTL_CONST struct ctl_table *table, int write, void *buffer,
				 size_t *lenp, loff_t *ppos)
{
	struct ctl_table tmp = *table;
	char *text;
	int err;

	/* One byte more than we keep: an over-long write is refused, not cut. */
	text = kzalloc(NF_AGGREGATION_MAX + 1, GFP_KERNEL);
	if (!text)
		return -ENOMEM;
	mutex_lock(&nf_export_mutex);
	strscpy(text, nf_aggregation, NF_AGGREGATION_MAX);
	mutex_unlock(&nf_export_mutex);
	tmp.data = text;
	tmp.maxlen = NF_AGGREGATION_MAX + 1;
	err = proc_dostring(&tmp, write, buffer, lenp, ppos);
	if (err || !write)
		goto out;
	strim(text);
	if (strlen(text) >= NF_AGGREGATION_MAX) {
		pr_err(NF_NAME ": aggregation is longer than %d characters\n", NF_AGGREGATION_MAX - 1);
		err = -EINVAL;
		goto out;
	}
	mutex_lock(&nf_export_mutex);
	err = nf_apply_aggregation(text);
	if (!err)
		strscpy(nf_aggregation, text, NF_AGGREGATION_MAX);
	mutex_unlock(&nf_export_mutex);
out:
	kfree(text);
	return err;
}

static int nf_sysctl_flush(NF_CTL_CONST struct ctl_table *table, int write, void *buffer,
			   size_t *lenp, loff_t *ppos)
{
	struct ctl_table tmp = *table;
	unsigned int v = 0;
	int err;

	tmp.data = &v;
	tmp.maxlen = sizeof(v);
	err = proc_douintvec(&tmp, write, buffer, lenp, ppos);
	if (err || !write)
		return err;
	if (v)
		nf_worker_flush(v >= 2);
	return 0;
}

#define NF_SETTING(path, which) \
	{ .procname = path, .mode = 0644, .proc_handler = nf_sysctl_setting, \
	  .extra1 = (void *)(unsigned long)(which) }
#define NF_SPECIAL(path, handler) \
	{ .procname = path, .mode = 0644, .proc_handler = handler }

static struct ctl_table nf_sysctl_table[] = {
	NF_SETTING("active_timeout", NFC_ACTIVE_TIMEOUT),
	NF_SETTING("inactive_timeout", NFC_INACTIVE_TIMEOUT),
	NF_SETTING("debug", NFC_DEBUG),
	NF_SPECIAL("hashsize", nf_sysctl_hashsize),
	NF_SPECIAL("sndbuf", nf_sysctl_sndbuf),
	NF_SPECIAL("destination", nf_sysctl_destination),
	NF_SETTING("maxflows", NFC_MAXFLOWS),
	NF_SPECIAL("flush", nf_sysctl_flush),
	NF_SPECIAL("protocol", nf_sysctl_protocol),
	NF_SETTING("refresh-rate", NFC_REFRESH_RATE),
	NF_SETTING("timeout-rate", NFC_TIMEOUT_RATE),
	NF_SETTING("scan-min", NFC_SCAN_MIN),
	NF_SPECIAL("natevents", nf_sysctl_natevents),
	NF_SPECIAL("aggregation", nf_sysctl_aggregation),
	NF_SYSCTL_SENTINEL
};

static struct ctl_table_header *nf_sysctl_header;

int nf_sysctl_init(void)
{
	nf_sysctl_header = register_net_sysctl(&init_net, "net/netflow", nf_sysctl_table);
	return nf_sysctl_header ? 0 : -ENOMEM;
}

void nf_sysctl_exit(void)
{
	unregister_net_sysctl_table(nf_sysctl_header);
}
