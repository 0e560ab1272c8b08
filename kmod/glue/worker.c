// SPDX-License-Identifier: GPL-2.0
/* The exporter runs from a delayed work item, never in the packet path; the
 * core chooses each next delay.  A run that used up its datagram budget
 * returns 0 (paced export, see kmod/core/export/exporter.cpp): the next run
 * comes NF_PACE_TICKS later, so a mass expiry leaves at a pace a collector
 * can follow and no run holds the CPU for long. */
#include <linux/cpumask.h>
#include <linux/sched.h>
#include <linux/smp.h>
#include <linux/workqueue.h>
#include "glue.h"

#define NF_PACE_TICKS 1

static void nf_worker_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(nf_worker, nf_worker_fn);
static bool nf_worker_stopping;

/* On exportcpu when it is set and online, else wherever. */
static void nf_worker_queue(unsigned long delay)
{
	int cpu = (int)nfc_get(NFC_EXPORTCPU);

	if (cpu >= 0 && cpu_online(cpu))
		queue_delayed_work_on(cpu, nf_system_wq, &nf_worker, delay);
	else
		queue_delayed_work(nf_system_wq, &nf_worker, delay);
}

static void nf_worker_fn(struct work_struct *work)
{
	u32 delay;

	mutex_lock(&nf_export_mutex);
	delay = nfc_export(NFC_EXPORT_DUE, raw_smp_processor_id());
	mutex_unlock(&nf_export_mutex);
	if (!READ_ONCE(nf_worker_stopping))
		nf_worker_queue(delay ? delay : NF_PACE_TICKS);
}

void nf_worker_start(void)
{
	WRITE_ONCE(nf_worker_stopping, false);
	nf_worker_queue(HZ / 10);
}

void nf_worker_stop(void)
{
	WRITE_ONCE(nf_worker_stopping, true);
	cancel_delayed_work_sync(&nf_worker);
	nf_worker_flush(false);
}

/* The pace of an export someone waits for (a flush, a protocol switch):
 * the next run a tick later, the exporter's mutex free meanwhile. */
void nfp_export_pause(void)
{
	lockdep_assert_held(&nf_export_mutex);
	mutex_unlock(&nf_export_mutex);
	schedule_timeout_uninterruptible(NF_PACE_TICKS);
	mutex_lock(&nf_export_mutex);
}

/* flush=1 (and unload): every cached flow leaves, reason "forced", paced
 * like any export; the caller sleeps until the last one is out.  The core
 * bounds a flush by the flows cached when it began, so it ends. */
void nf_worker_flush(bool reset_stats)
{
	mutex_lock(&nf_export_mutex);
	while (nfc_export(NFC_EXPORT_ALL, raw_smp_processor_id()) == 0)
		nfp_export_pause();
	if (reset_stats)
		nfc_reset_stats();
	mutex_unlock(&nf_export_mutex);
}
