// SPDX-License-Identifier: GPL-2.0
/*
 * How a setting changes, whoever changes it (a module parameter at load or
 * at run time, a sysctl): checked against its row of the table
 * (netflow/settings.h) before anything happens, then, while the module
 * runs, the glue's part of the effect (a hook below), then the core's.  A
 * refused value changes nothing.  One writer at a time: two writers of
 * natevents can never leave the listener and the setting disagreeing.
 *
 * Lock order: nf_settings_mutex, then what a hook takes (natevents' own
 * mutex, nf_export_mutex).  Hooks run without nf_export_mutex held: the NAT
 * listener's work takes it, and stopping the listener waits for that work.
 */
#include <linux/cpumask.h>
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/string.h>
#include "glue.h"

bool nf_core_running;
DEFINE_MUTEX(nf_settings_mutex);

/* Held by a protocol write from its check of the IPv6 rule count until the
 * new protocol is stored, and by the target's check of an IPv6 rule: protocol
 * 5 and an ip6tables rule never both get in.  A leaf lock of its own, not
 * nf_settings_mutex: the target's check runs under nf_tables' commit mutex,
 * which netlink_release() takes under the netlink notifier chain, which the
 * NAT listener's teardown enters (sock_release) under nf_settings_mutex:
 * a cycle lockdep reported on the debug kernel. */
DEFINE_MUTEX(nf_protocol_mutex);

#define NF_SETTING_ROW(ID, param, sysctl, def, min, max, kind, live, perm, desc) \
	[NFC_##ID] = { #param, sysctl, min, max, kind },
const struct nf_setting_row nf_setting_rows[NFC_NR_SETTINGS] = { NF_SETTINGS(NF_SETTING_ROW) };
#undef NF_SETTING_ROW

/* ---- numeric settings --------------------------------------------------- */

/* The rule count cannot change under us: the target's check takes
 * nf_protocol_mutex too, so no ip6tables rule slips in between this check
 * and the new protocol being stored.  (The core's switch then exports the
 * cache under the old protocol at the export pace: nfp_export_pause().) */
static int nf_protocol_hook(u32 protocol)
{
	int rules = atomic_read(&nf_ipv6_rules);

	nf_race_window(NF_WINDOW_PROTOCOL_CHECK, true);
	lockdep_assert_held(&nf_protocol_mutex);
	if (protocol == NF_PROTOCOL_V5 && rules) {
		pr_info(NF_NAME ": protocol 5 cannot carry IPv6: delete the %d ip6tables NETFLOW rule(s) first\n",
			rules);
		return -EBUSY;
	}
	/* IPv6 hooks stop before the cache is exported under v5. */
	if (protocol == NF_PROTOCOL_V5)
		nf_hooks_set_protocol(protocol);
	return 0;
}

static int nf_natevents_hook(u32 on)
{
	if (on)
		return nf_natevents_start();
	nf_natevents_stop();
	return 0;
}

static int nf_sndbuf_hook(u32 bytes)
{
	mutex_lock(&nf_export_mutex);
	nf_sockets_set_sndbuf(bytes);
	mutex_unlock(&nf_export_mutex);
	return 0;
}

/* The glue's part of a run-time change; the rest of the live settings are
 * read where they are used. */
static int (*const nf_setting_hooks[NFC_NR_SETTINGS])(u32 value) = {
	[NFC_PROTOCOL] = nf_protocol_hook,
	[NFC_NATEVENTS] = nf_natevents_hook,
	[NFC_SNDBUF] = nf_sndbuf_hook,
	[NFC_PROMISC] = nf_promisc_hook,
};

/* The glue's part once the core took the value (run time only). */
static void nf_setting_applied(enum nfc_setting which)
{
	if (which == NFC_PROTOCOL)
		nf_hooks_set_protocol(nfc_get(NFC_PROTOCOL));
	if (which == NFC_HOOKS_MARK || which == NFC_HOOKS_MARK_MASK)
		nf_hooks_set_filter(nfc_get(NFC_HOOKS_MARK), nfc_get(NFC_HOOKS_MARK_MASK));
}

/* The log line for a refused value says what would have been accepted. */
static void nf_setting_refused(enum nfc_setting which, const char *text)
{
	const struct nf_setting_row *row = &nf_setting_rows[which];
	const char *name = row->param;

	switch (row->kind) {
	case NF_PROTOCOL:
		pr_err(NF_NAME ": %s=%s is invalid: expected 5, 9 or 10 (IPFIX)\n", name, text);
		break;
	case NF_AUTO_RANGE:
		pr_err(NF_NAME ": %s=%s is invalid: expected 0 (automatic) or %lld..%lld\n", name, text,
		       row->min, row->max);
		break;
	case NF_CPU:
		pr_err(NF_NAME ": %s=%s is invalid: expected -1 (any) or a CPU number below %u\n", name, text,
		       nr_cpu_ids);
		break;
	default:
		pr_err(NF_NAME ": %s=%s is invalid: expected an integer from %lld to %lld\n", name, text,
		       row->min, row->max);
		break;
	}
}

/* The load and the unload flip this under nf_settings_mutex: a writer (a
 * module parameter written while rmmod runs: its sysfs file outlives
 * module_exit) either finishes before the teardown or finds the core gone
 * and only stores the value. */
void nf_set_core_running(bool running)
{
	mutex_lock(&nf_settings_mutex);
	nf_core_running = running;
	mutex_unlock(&nf_settings_mutex);
}

int nf_setting_write(enum nfc_setting which, u32 value)
{
	int (*hook)(u32) = nf_setting_hooks[which];
	int err = nfc_check(which, value);

	if (err)
		return err;
	mutex_lock(&nf_settings_mutex);
	if (which == NFC_PROTOCOL)
		mutex_lock(&nf_protocol_mutex);
	if (nf_core_running && hook)
		err = hook(value);
	if (!err) {
		mutex_lock(&nf_export_mutex);
		err = nfc_set(which, value);
		mutex_unlock(&nf_export_mutex);
	}
	if (!err && nf_core_running)
		nf_setting_applied(which);
	if (which == NFC_PROTOCOL)
		mutex_unlock(&nf_protocol_mutex);
	mutex_unlock(&nf_settings_mutex);
	return err;
}

int nf_setting_write_text(enum nfc_setting which, const char *text)
{
	char buf[24];
	u32 value;
	int err;

	/* Longer than any number: refused whole, never cut into one. */
	err = strscpy(buf, text, sizeof(buf)) < 0 ? -EINVAL : 0;
	strim(buf);
	if (!err && nf_setting_rows[which].kind == NF_CPU)
		err = kstrtoint(buf, 0, (int *)&value);
	else if (!err)
		err = kstrtouint(buf, 0, &value);
	err = err ? -EINVAL : nf_setting_write(which, value);
	if (err == -EINVAL)
		nf_setting_refused(which, buf);
	return err;
}

/* ---- text settings ------------------------------------------------------ */

static char nf_destination_text[NF_DESTINATION_MAX] = "127.0.0.1:2055";
static char nf_aggregation_text[NF_AGGREGATION_MAX];
static char nf_sampler_text[NF_SAMPLER_MAX];
static char nf_snmp_rules_text[NF_SNMP_RULES_MAX];

/* The datagram being filled leaves to the old collectors (it may lean on
 * templates only they have seen), then the new ones get every template. */
static int nf_destinations_connect(const struct nf_dest *dests, int n)
{
	int err;

	mutex_lock(&nf_export_mutex);
	nfc_send_pending();
	err = nf_sockets_start(dests, n);
	if (!err)
		nfc_resend_templates();
	mutex_unlock(&nf_export_mutex);
	return err;
}

/* Before the core runs (a parameter at load) the list is only checked:
 * keeping what was parsed would leak it whenever a later parameter fails
 * the load, which calls no exit.  The load parses it again to connect. */
static int nf_destination_apply(const char *text)
{
	struct nf_dest *dests;
	int n = nf_destinations_parse(text, &dests, false);
	int err = 0;

	if (n >= 0 && nf_core_running)
		err = nf_destinations_connect(dests, n);
	kfree(dests);
	return n < 0 ? n : err;
}

int nf_destinations_start(void)
{
	struct nf_dest *dests;
	int n, err;

	mutex_lock(&nf_settings_mutex);
	n = nf_destinations_parse(nf_destination.text, &dests, false);
	err = n < 0 ? n : nf_sockets_start(dests, n);
	mutex_unlock(&nf_settings_mutex);
	kfree(dests);
	return err;
}

/* A text setting the core parses (aggregation, sampler), applied under the
 * export mutex.  A refusal is logged as the other settings do: the name,
 * the text, where and why, and that the previous value stays. */
static int nf_apply_parsed(const char *name, int (*set)(const char *, u32 *, const char **),
			   const char *text, const char *kept)
{
	const char *reason = "";
	u32 pos = 0;
	int err;

	mutex_lock(&nf_export_mutex);
	err = set(text, &pos, &reason);
	mutex_unlock(&nf_export_mutex);
	if (err == NF_EINVAL)
		pr_err(NF_NAME ": %s=%s is invalid at position %u: %s; %s\n", name, text, pos, reason, kept);
	return err;
}

int nf_apply_aggregation(const char *text)
{
	return nf_apply_parsed("aggregation", nfc_set_aggregation, text, "the previous rules stay");
}

/* Before the core runs the rules are only kept: the load applies them. */
static int nf_aggregation_apply(const char *text)
{
	return nf_core_running ? nf_apply_aggregation(text) : 0;
}

int nf_apply_sampler(const char *text)
{
	return nf_apply_parsed("sampler", nfc_set_sampler, text, "the previous sampler stays");
}

/* A text setting the core parses, before the core runs: only checked (the
 * core's setter does no more then); the load applies it. */
static int nf_check_parsed(const char *name, int (*set)(const char *, u32 *, const char **), const char *text)
{
	const char *reason = "";
	u32 pos = 0;
	int err = set(text, &pos, &reason);

	if (err == NF_EINVAL)
		pr_err(NF_NAME ": %s=%s is invalid at position %u: %s\n", name, text, pos, reason);
	return err;
}

static int nf_sampler_apply(const char *text)
{
	return nf_core_running ? nf_apply_sampler(text) : nf_check_parsed("sampler", nfc_set_sampler, text);
}

/* Rules in force: the packet path maps interfaces only while there are
 * some (the static key follows the core). */
int nf_apply_snmp_rules(const char *text)
{
	int err = nf_apply_parsed("snmp_rules", nfc_set_snmp_rules, text, "the previous rules stay");

	if (!err)
		nf_snmp_key_update();
	return err;
}

static int nf_snmp_rules_apply(const char *text)
{
	return nf_core_running ? nf_apply_snmp_rules(text) : nf_check_parsed("snmp_rules", nfc_set_snmp_rules, text);
}

struct nf_text_setting nf_destination = {
	.name = "destination", .text = nf_destination_text, .size = NF_DESTINATION_MAX,
	.apply = nf_destination_apply,
};

/* The original trims the rules; a destination list is taken as written. */
struct nf_text_setting nf_aggregation = {
	.name = "aggregation", .text = nf_aggregation_text, .size = NF_AGGREGATION_MAX,
	.trim = true, .apply = nf_aggregation_apply,
};

/* Trimmed like the original's (it read the first letter and the number). */
struct nf_text_setting nf_sampler = {
	.name = "sampler", .text = nf_sampler_text, .size = NF_SAMPLER_MAX,
	.trim = true, .apply = nf_sampler_apply,
};

struct nf_text_setting nf_snmp_rules = {
	.name = "snmp_rules", .text = nf_snmp_rules_text, .size = NF_SNMP_RULES_MAX,
	.trim = true, .apply = nf_snmp_rules_apply,
};

int nf_text_write(struct nf_text_setting *ts, const char *written)
{
	char *text, *value;
	int err;

	if (strlen(written) >= ts->size) {
		pr_err(NF_NAME ": %s is longer than %zu characters\n", ts->name, ts->size - 1);
		return -EINVAL;
	}
	text = kstrdup(written, GFP_KERNEL);
	if (!text)
		return -ENOMEM;
	value = ts->trim ? strim(text) : text;
	mutex_lock(&nf_settings_mutex);
	err = ts->apply(value);
	if (!err)
		strscpy(ts->text, value, ts->size);
	mutex_unlock(&nf_settings_mutex);
	kfree(text);
	return err;
}

void nf_text_read(struct nf_text_setting *ts, char *buf, size_t size)
{
	mutex_lock(&nf_settings_mutex);
	strscpy(buf, ts->text, size);
	mutex_unlock(&nf_settings_mutex);
}
