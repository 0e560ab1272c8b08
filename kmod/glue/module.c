// SPDX-License-Identifier: GPL-2.0
/*
 * ipt_NETFLOW: meters packets hitting `-j NETFLOW` into flows and exports
 * them as NetFlow.  Load order builds everything before the target can see
 * a packet; unload tears down in reverse and exports what is still cached.
 */
#include <linux/cpumask.h>
#include <linux/mm.h>
#include <linux/module.h>
#include "glue.h"

DEFINE_MUTEX(nf_export_mutex);

static_assert(NF_ENOENT == -ENOENT && NF_ENOMEM == -ENOMEM && NF_EBUSY == -EBUSY && NF_EINVAL == -EINVAL,
	      "abi.h's error codes are the kernel's");

static void nf_core_stop(void);

static int __init netflow_init(void)
{
	struct nfc_init_args args = {
		.nr_cpus = nr_cpu_ids,
		.ram_bytes = (u64)totalram_pages() << PAGE_SHIFT,
	};
	int err, s;

	/* What the parameters stored: the core starts with them. */
	for (s = 0; s < NFC_NR_SETTINGS; s++)
		args.settings[s] = nfc_get(s);
	nf_cpu_locks_init();
	err = nfc_init(&args);
	if (err) {
		pr_err(NF_NAME ": cannot start the flow cache (%d)\n", err);
		return err;
	}
	nf_set_core_running(true);
	nf_l2_start();
	nf_race_windows_init();
	err = nf_destinations_start();
	if (err)
		goto fail_core;
	err = nf_apply_aggregation(nf_aggregation.text);
	/* Before the sampler, whose start exports the first options records. */
	if (!err)
		err = nf_apply_snmp_rules(nf_snmp_rules.text);
	if (!err)
		err = nf_apply_sampler(nf_sampler.text);
	if (err)
		goto fail_sockets;
	err = nf_proc_init();
	if (err)
		goto fail_sockets;
	err = nf_sysctl_init();
	if (err)
		goto fail_proc;
	nf_worker_start();
	if (nfc_get(NFC_NATEVENTS)) {
		err = nf_natevents_start();
		if (err)
			goto fail_worker;
	}
	if (nfc_get(NFC_TARGETS)) {
		err = nf_target_init();
		if (err)
			goto fail_nat;
	}
	err = nf_hooks_start();
	if (err)
		goto fail_target;
	err = nf_promisc_load();
	if (err)
		goto fail_hooks;
	pr_info(NF_NAME " " NF_VERSION " loaded: protocol %u, destination %s, hashsize %u%s%s\n",
		nfc_get(NFC_PROTOCOL), nf_destination.text, nfc_hashsize(),
		nf_sampler.text[0] ? ", sampler " : "", nf_sampler.text);
	return 0;

fail_hooks:
	nf_hooks_stop();
fail_target:
	if (nfc_get(NFC_TARGETS))
		nf_target_exit();
fail_nat:
	nf_natevents_stop();
fail_worker:
	nf_worker_stop();
	nf_sysctl_exit();
	nf_promisc_unload();	/* a sysctl write may have started it */
fail_proc:
	nf_proc_exit();
fail_sockets:
	nf_sockets_stop();
fail_core:
	nf_core_stop();
	nf_race_windows_exit();
	return err;
}

/* A parameter written now waits for the teardown, then only stores its
 * value (see nf_set_core_running()). */
static void nf_core_stop(void)
{
	mutex_lock(&nf_settings_mutex);
	nf_core_running = false;
	nf_extras_stop();
	nfc_exit();
	mutex_unlock(&nf_settings_mutex);
}

static void __exit netflow_exit(void)
{
	nf_hooks_stop();
	if (nfc_get(NFC_TARGETS))
		nf_target_exit();
	nf_sysctl_exit();
	/* After the sysctl (the parameter is read-only): nothing can start
	 * the handler again. */
	nf_promisc_unload();
	nf_proc_exit();
	/* No hook may start the listener or touch the sockets from here on. */
	nf_set_core_running(false);
	nf_natevents_stop();
	nf_worker_stop();	/* exports everything still cached */
	nf_race_window(NF_WINDOW_UNLOAD, true);
	mutex_lock(&nf_export_mutex);
	nf_sockets_stop();
	mutex_unlock(&nf_export_mutex);
	nf_core_stop();
	nf_race_windows_exit();
	pr_info(NF_NAME " unloaded\n");
}

module_init(netflow_init);
module_exit(netflow_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("ipt-netflow++ developers");
MODULE_DESCRIPTION("NetFlow v5/v9/IPFIX flow export target for iptables and ip6tables (C++ port of ipt_NETFLOW)");
MODULE_VERSION(NF_VERSION);
MODULE_ALIAS("ip6t_NETFLOW");
