// SPDX-License-Identifier: GPL-2.0
/* Test-only race windows.  A few teardown and check-then-act races hide in
 * windows of a few instructions that a test guest almost never hits; a test
 * widens one on purpose by arming it here, so that what happens when a
 * concurrent writer gets in is shown every time, not once in a million runs:
 *
 *   echo 'NAME MS COUNT' > /sys/kernel/debug/ipt_NETFLOW/race_windows
 *
 * makes the next COUNT passes through window NAME wait MS milliseconds
 * (COUNT 0 disarms it); reading the file lists each window as
 * "NAME MS COUNT ENTERED" (ENTERED: passes that waited, ever).  Nothing is armed at load.  Until a window is first armed, each
 * window is a static branch (a no-op instruction); none is on the packet
 * path.  tests/vm/scenarios/76-race-windows.sh uses them. */
#include <linux/atomic.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/processor.h>
#include <linux/fs.h>
#include <linux/jump_label.h>
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/seq_file.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include "glue.h"

DEFINE_STATIC_KEY_FALSE(nf_race_windows_armed);

static const char *const nf_window_names[NF_NR_WINDOWS] = {
	[NF_WINDOW_PROTOCOL_CHECK] = "protocol_check",
	[NF_WINDOW_NAT_DATA_READY] = "nat_data_ready",
	[NF_WINDOW_NAT_WORK] = "nat_work",
	[NF_WINDOW_NAT_STOP_DRAIN] = "nat_stop_drain",
	[NF_WINDOW_UNLOAD] = "unload",
	[NF_WINDOW_CORE_SET] = "core_set",
};

static struct nf_window_arm {
	atomic_t count;			/* passes still to wait */
	atomic_t entered;		/* passes that waited, ever */
	unsigned int ms;
} nf_windows[NF_NR_WINDOWS];

static struct dentry *nf_windows_dir;

/* Atomic context (the NAT listener's data-ready) spins, the rest sleeps. */
void nf_race_window_pass(enum nf_race_window w, bool can_sleep)
{
	unsigned int ms = READ_ONCE(nf_windows[w].ms);
	u64 t0;

	if (!atomic_add_unless(&nf_windows[w].count, -1, 0))
		return;
	atomic_inc(&nf_windows[w].entered);
	pr_info(NF_NAME ": race window %s: %u ms\n", nf_window_names[w], ms);
	t0 = ktime_get_ns();
	if (can_sleep)
		msleep(ms);
	else	/* by the clock: the guest's calibrated mdelay() may be far off */
		while (ktime_get_ns() - t0 < (u64)ms * NSEC_PER_MSEC)
			cpu_relax();
	pr_info(NF_NAME ": race window %s: over after %llu ms\n", nf_window_names[w],
		(ktime_get_ns() - t0) / NSEC_PER_MSEC);
}

static int nf_windows_show(struct seq_file *m, void *v)
{
	int w;

	for (w = 0; w < NF_NR_WINDOWS; w++)
		seq_printf(m, "%s %u %d %d\n", nf_window_names[w], READ_ONCE(nf_windows[w].ms),
			   atomic_read(&nf_windows[w].count), atomic_read(&nf_windows[w].entered));
	return 0;
}

static int nf_windows_open(struct inode *inode, struct file *file)
{
	return single_open(file, nf_windows_show, NULL);
}

static ssize_t nf_windows_write(struct file *file, const char __user *ubuf, size_t len, loff_t *ppos)
{
	char buf[64], name[24];
	unsigned int ms;
	int count, w;

	if (len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = '\0';
	if (sscanf(buf, "%23s %u %d", name, &ms, &count) != 3 || count < 0 || ms > 60000)
		return -EINVAL;
	for (w = 0; w < NF_NR_WINDOWS; w++)
		if (strcmp(name, nf_window_names[w]) == 0)
			break;
	if (w == NF_NR_WINDOWS)
		return -EINVAL;
	WRITE_ONCE(nf_windows[w].ms, ms);
	atomic_set(&nf_windows[w].count, count);
	if (count)
		static_branch_enable(&nf_race_windows_armed);
	return len;
}

static const struct file_operations nf_windows_fops = {
	.owner = THIS_MODULE,
	.open = nf_windows_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = single_release,
	.write = nf_windows_write,
};

/* Without debugfs the windows just stay closed. */
void nf_race_windows_init(void)
{
	nf_windows_dir = debugfs_create_dir(NF_NAME, NULL);
	debugfs_create_file("race_windows", 0600, nf_windows_dir, NULL, &nf_windows_fops);
}

void nf_race_windows_exit(void)
{
	debugfs_remove_recursive(nf_windows_dir);
}
