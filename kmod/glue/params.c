// SPDX-License-Identifier: GPL-2.0
/*
 * Module parameters, one per row of the settings table (netflow/settings.h)
 * plus the two text settings, with the original's names, defaults and
 * permissions.  A bad value fails the load (or the write to a 0644 file)
 * with a log line naming the parameter and the value.
 */
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/stringify.h>
#include "glue.h"

static int setting_set(const char *val, const struct kernel_param *kp)
{
	return nf_setting_write_text((enum nfc_setting)(unsigned long)kp->arg, val);
}

static int setting_get(char *buffer, const struct kernel_param *kp)
{
	enum nfc_setting which = (enum nfc_setting)(unsigned long)kp->arg;
	u32 v = nfc_get(which);

	if (nf_setting_rows[which].kind == NF_CPU)
		return sysfs_emit(buffer, "%d\n", (int)v);
	return sysfs_emit(buffer, "%u\n", v);
}

static const struct kernel_param_ops setting_ops = {
	.set = setting_set,
	.get = setting_get,
};

#define NF_SETTING_PARAM(ID, param, sysctl, def, min, max, kind, live, perm, desc) \
	module_param_cb(param, &setting_ops, (void *)(unsigned long)NFC_##ID, perm); \
	MODULE_PARM_DESC(param, desc " (" __stringify(def) ")");
NF_SETTINGS(NF_SETTING_PARAM)
#undef NF_SETTING_PARAM

static int text_set(const char *val, const struct kernel_param *kp)
{
	return nf_text_write(kp->arg, val);
}

static int text_get(char *buffer, const struct kernel_param *kp)
{
	struct nf_text_setting *ts = kp->arg;
	int n;

	mutex_lock(&nf_settings_mutex);
	n = sysfs_emit(buffer, "%s\n", ts->text);
	mutex_unlock(&nf_settings_mutex);
	return n;
}

static const struct kernel_param_ops text_ops = {
	.set = text_set,
	.get = text_get,
};

module_param_cb(destination, &text_ops, &nf_destination, 0444);
MODULE_PARM_DESC(destination, "export destinations, comma separated: ip:port[@bind][%ifname] (127.0.0.1:2055)");
/* 0400 as in the original: the rules may be sensitive. */
module_param_cb(aggregation, &text_ops, &nf_aggregation, 0400);
MODULE_PARM_DESC(aggregation, "aggregation rules: a.b.c.d/M=N (strip to /N), P1-P2=P, P=Q; comma separated");
module_param_cb(sampler, &text_ops, &nf_sampler, 0444);
module_param_cb(snmp_rules, &text_ops, &nf_snmp_rules, 0444);
MODULE_PARM_DESC(snmp_rules, "SNMP-index rules: prefix:base,... exports interface prefixN as ifIndex base+N (first match)");
MODULE_PARM_DESC(sampler, "flow sampling: deterministic:N, random:N or hash:N, N = 2..16383; empty, 0 or off = every flow (off)");
