// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/net/stat/ipt_netflow_flows: every cached flow, one line each.  A
 * seq_file position is one hash bucket of one CPU; its flows are formatted
 * a chunk at a time (whole lines, as many as fit in a small buffer), so a
 * read holds a CPU's cache lock for one chunk, never for a whole chain, and
 * a long chain is shown whole (seq_file grows its own, accounted, buffer).
 * Each open costs one chunk buffer, charged to the opener's memory cgroup.
 * (Flows moving while the file is read may be missed or shown twice, as in
 * any live view.)
 */
#include <linux/cpumask.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <net/net_namespace.h>
#include "glue.h"

#define NF_FLOWS_BUF (4 * 1024)	/* a chunk: ~16 lines or more */

struct nf_flows_iter {
	u32 seq;		/* line number of the next flow */
	char *buf;
};

/* Position 0 is the header; then (cpu, bucket) pairs in order.  An
 * iterator value is position + 2: never NULL, never SEQ_START_TOKEN. */
#define NF_FLOWS_V(pos) ((void *)(uintptr_t)((pos) + 2))
#define NF_FLOWS_POS(v) ((loff_t)(uintptr_t)(v) - 2)
static bool nf_flows_locate(loff_t pos, unsigned int *cpu, u32 *bucket)
{
	unsigned int c;

	pos--;
	for (c = 0; c < nr_cpu_ids; c++) {
		u32 n = nfc_flow_buckets(c);

		if (pos < n) {
			*cpu = c;
			*bucket = (u32)pos;
			return true;
		}
		pos -= n;
	}
	return false;
}

static void *nf_flows_start(struct seq_file *m, loff_t *pos)
{
	unsigned int cpu;
	u32 bucket;

	if (*pos == 0)
		return SEQ_START_TOKEN;
	return nf_flows_locate(*pos, &cpu, &bucket) ? NF_FLOWS_V(*pos) : NULL;
}

static void *nf_flows_next(struct seq_file *m, void *v, loff_t *pos)
{
	unsigned int cpu;
	u32 bucket;

	++*pos;
	return nf_flows_locate(*pos, &cpu, &bucket) ? NF_FLOWS_V(*pos) : NULL;
}

static void nf_flows_stop(struct seq_file *m, void *v)
{
}

static int nf_flows_show(struct seq_file *m, void *v)
{
	struct nf_flows_iter *it = m->private;
	unsigned int cpu;
	u32 bucket;
	size_t len;

	if (v == SEQ_START_TOKEN) {
		len = nfc_format_flows_header(it->buf, NF_FLOWS_BUF);
	} else {
		if (!nf_flows_locate(NF_FLOWS_POS(v), &cpu, &bucket))
			return 0;
		u32 seq = it->seq, cursor = 0;

		do {
			mutex_lock(&nf_export_mutex);
			len = nfc_format_flows_bucket(cpu, bucket, &cursor, &it->seq, it->buf, NF_FLOWS_BUF);
			mutex_unlock(&nf_export_mutex);
			seq_write(m, it->buf, len);
			cond_resched();
		} while (len && !seq_has_overflowed(m));
		/* seq_file shows this bucket again in a bigger buffer: number
		 * its lines the same way then. */
		if (seq_has_overflowed(m))
			it->seq = seq;
		return 0;
	}
	seq_write(m, it->buf, len);
	return 0;
}

static const struct seq_operations nf_flows_seq_ops = {
	.start = nf_flows_start,
	.next = nf_flows_next,
	.stop = nf_flows_stop,
	.show = nf_flows_show,
};

static int nf_flows_open(struct inode *inode, struct file *file)
{
	struct nf_flows_iter *it = __seq_open_private(file, &nf_flows_seq_ops, sizeof(*it));

	if (!it)
		return -ENOMEM;
	it->buf = kmalloc(NF_FLOWS_BUF, GFP_KERNEL_ACCOUNT);
	if (!it->buf) {
		seq_release_private(inode, file);
		return -ENOMEM;
	}
	return 0;
}

static int nf_flows_release(struct inode *inode, struct file *file)
{
	struct seq_file *m = file->private_data;
	struct nf_flows_iter *it = m->private;

	kfree(it->buf);
	return seq_release_private(inode, file);
}

static const struct proc_ops nf_flows_proc_ops = {
	.proc_open = nf_flows_open,
	.proc_read = seq_read,
	.proc_lseek = seq_lseek,
	.proc_release = nf_flows_release,
};

int nf_flows_proc_init(void)
{
	return proc_create("ipt_netflow_flows", 0444, init_net.proc_net_stat, &nf_flows_proc_ops) ? 0 : -ENOMEM;
}

void nf_flows_proc_exit(void)
{
	remove_proc_entry("ipt_netflow_flows", init_net.proc_net_stat);
}
