// SPDX-License-Identifier: GPL-2.0
/*
 * Module parameters, with the original's names, defaults and permissions.
 * Every value is validated before it is taken: a bad one fails the load with
 * a log line naming the parameter and the value.  Writable ones (0644) reach
 * the running core through the same checks.
 */
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/string.h>
#include "glue.h"

bool nf_core_running;

unsigned int nf_settings[NFC_NR_SETTINGS] = {
	[NFC_INACTIVE_TIMEOUT] = 15,
	[NFC_ACTIVE_TIMEOUT] = 1800,
	[NFC_MAXFLOWS] = 2000000,
	[NFC_PROTOCOL] = 5,
	[NFC_ENGINE_ID] = 0,
	[NFC_DEBUG] = 0,
	[NFC_SCAN_MIN] = 1,
	[NFC_REFRESH_RATE] = 20,
	[NFC_TIMEOUT_RATE] = 30,
	[NFC_NATEVENTS] = 0,
};

int nf_parse_setting(enum nfc_setting which, const char *text, unsigned int *out, bool quiet)
{
	struct nfc_limits lim = nfc_setting_limits(which);
	unsigned int v;

	if (which == NFC_PROTOCOL) {
		if (kstrtouint(text, 0, &v) || (v != 5 && v != 9 && v != 10)) {
			if (!quiet)
				pr_err(NF_NAME ": protocol=%s is invalid: expected 5, 9 or 10 (IPFIX)\n", text);
			return -EINVAL;
		}
	} else if (kstrtouint(text, 0, &v) || v < lim.min || v > lim.max) {
		if (!quiet)
			pr_err(NF_NAME ": %s=%s is invalid: expected an integer from %u to %u\n",
			       nfc_setting_name(which), text, lim.min, lim.max);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

static int setting_set(const char *val, const struct kernel_param *kp)
{
	enum nfc_setting which = (enum nfc_setting)(unsigned long)kp->arg;
	char buf[24];
	unsigned int v;
	int err;

	strscpy(buf, val, sizeof(buf));
	strim(buf);
	err = nf_parse_setting(which, buf, &v, false);
	if (err)
		return err;
	if (nf_core_running && which != NFC_PROTOCOL && nfc_set(which, v))
		return -EINVAL;
	nf_settings[which] = v;
	return 0;
}

static int setting_get(char *buffer, const struct kernel_param *kp)
{
	enum nfc_setting which = (enum nfc_setting)(unsigned long)kp->arg;

	return sysfs_emit(buffer, "%u\n", nf_core_running ? nfc_get(which) : nf_settings[which]);
}

static const struct kernel_param_ops setting_ops = {
	.set = setting_set,
	.get = setting_get,
};

#define NF_SETTING_PARAM(name, which, perm, desc) \
	module_param_cb(name, &setting_ops, (void *)(unsigned long)(which), perm); \
	MODULE_PARM_DESC(name, desc)

NF_SETTING_PARAM(inactive_timeout, NFC_INACTIVE_TIMEOUT, 0644, "inactive flows timeout in seconds (15)");
NF_SETTING_PARAM(active_timeout, NFC_ACTIVE_TIMEOUT, 0644, "active flows timeout in seconds (1800)");
NF_SETTING_PARAM(maxflows, NFC_MAXFLOWS, 0644, "maximum number of flows, 0 = unlimited (2000000)");
NF_SETTING_PARAM(protocol, NFC_PROTOCOL, 0444, "NetFlow protocol version: 5, 9 or 10 = IPFIX (5)");
NF_SETTING_PARAM(engine_id, NFC_ENGINE_ID, 0644, "v5 engine_id (low 8 bits) (0)");
NF_SETTING_PARAM(debug, NFC_DEBUG, 0644, "debug verbosity 0..3 (0)");
NF_SETTING_PARAM(scan_min, NFC_SCAN_MIN, 0644, "minimal export scan interval in jiffies (1)");
NF_SETTING_PARAM(natevents, NFC_NATEVENTS, 0444, "export NAT translation events from conntrack: 0 or 1 (0)");
NF_SETTING_PARAM(refresh_rate, NFC_REFRESH_RATE, 0644, "v9/IPFIX: re-send templates every N datagrams (20)");
NF_SETTING_PARAM(timeout_rate, NFC_TIMEOUT_RATE, 0644, "v9/IPFIX: re-send templates every N minutes (30)");

/* destination= */
char nf_destination[NF_DESTINATION_MAX] = "127.0.0.1:2055";

static int destination_set(const char *val, const struct kernel_param *kp)
{
	struct nf_dest *dests;
	int n;

	if (strlen(val) >= NF_DESTINATION_MAX) {
		pr_err(NF_NAME ": destination= is longer than %d characters\n", NF_DESTINATION_MAX - 1);
		return -EINVAL;
	}
	/* Refused at load with its reason; netflow_init() parses it to connect. */
	n = nf_destinations_parse(val, &dests, false);
	kfree(dests);
	if (n < 0)
		return n;
	strscpy(nf_destination, val, NF_DESTINATION_MAX);
	return 0;
}

static int destination_get(char *buffer, const struct kernel_param *kp)
{
	return sysfs_emit(buffer, "%s\n", nf_destination);
}

static const struct kernel_param_ops destination_ops = {
	.set = destination_set,
	.get = destination_get,
};
module_param_cb(destination, &destination_ops, NULL, 0444);
MODULE_PARM_DESC(destination, "export destinations, comma separated: ip:port[@bind][%ifname] (127.0.0.1:2055)");

/* aggregation= (0400 as in the original: the rules may be sensitive). */
char nf_aggregation[NF_AGGREGATION_MAX];

static int aggregation_set(const char *val, const struct kernel_param *kp)
{
	if (strlen(val) >= NF_AGGREGATION_MAX) {
		pr_err(NF_NAME ": aggregation= is longer than %d characters\n", NF_AGGREGATION_MAX - 1);
		return -EINVAL;
	}
	strscpy(nf_aggregation, val, NF_AGGREGATION_MAX);
	strim(nf_aggregation);
	return 0;
}

static int aggregation_get(char *buffer, const struct kernel_param *kp)
{
	return sysfs_emit(buffer, "%s\n", nf_aggregation);
}

static const struct kernel_param_ops aggregation_ops = {
	.set = aggregation_set,
	.get = aggregation_get,
};
module_param_cb(aggregation, &aggregation_ops, NULL, 0400);
MODULE_PARM_DESC(aggregation, "aggregation rules: a.b.c.d/M=N (strip to /N), P1-P2=P, P=Q; comma separated");

/* exportcpu= pins the export worker to a CPU; -1 = any. */
int nf_exportcpu = -1;
static int exportcpu_set(const char *val, const struct kernel_param *kp)
{
	int v;

	if (kstrtoint(val, 0, &v) || v < -1 || v >= (int)nr_cpu_ids) {
		pr_err(NF_NAME ": exportcpu=%s is invalid: expected -1 (any) or a CPU number below %u\n",
		       val, nr_cpu_ids);
		return -EINVAL;
	}
	WRITE_ONCE(nf_exportcpu, v);
	return 0;
}
static const struct kernel_param_ops exportcpu_ops = {
	.set = exportcpu_set,
	.get = param_get_int,
};
module_param_cb(exportcpu, &exportcpu_ops, &nf_exportcpu, 0644);
MODULE_PARM_DESC(exportcpu, "CPU the export worker runs on, -1 = any (-1)");

/* sndbuf= and hashsize= are load-time values here; the sysctls change them live. */
int nf_sndbuf;
static int sndbuf_set(const char *val, const struct kernel_param *kp)
{
	int v;

	if (kstrtoint(val, 0, &v) || v < 0) {
		pr_err(NF_NAME ": sndbuf=%s is invalid: expected bytes >= 0 (0 = system default)\n", val);
		return -EINVAL;
	}
	nf_sndbuf = v;
	return 0;
}
static const struct kernel_param_ops sndbuf_ops = {
	.set = sndbuf_set,
	.get = param_get_int,
};
module_param_cb(sndbuf, &sndbuf_ops, &nf_sndbuf, 0444);
MODULE_PARM_DESC(sndbuf, "export socket buffer in bytes, 0 = system default (0)");

unsigned int nf_hashsize;
static int hashsize_set(const char *val, const struct kernel_param *kp)
{
	unsigned int v;

	if (kstrtouint(val, 0, &v) || (v && (v < NFC_HASHSIZE_MIN || v > NFC_HASHSIZE_MAX))) {
		pr_err(NF_NAME ": hashsize=%s is invalid: expected 0 (automatic) or %u..%u buckets\n",
		       val, NFC_HASHSIZE_MIN, NFC_HASHSIZE_MAX);
		return -EINVAL;
	}
	nf_hashsize = v;
	return 0;
}
static const struct kernel_param_ops hashsize_ops = {
	.set = hashsize_set,
	.get = param_get_uint,
};
module_param_cb(hashsize, &hashsize_ops, &nf_hashsize, 0444);
MODULE_PARM_DESC(hashsize, "flow hash buckets over all CPUs, 0 = automatic (0)");
