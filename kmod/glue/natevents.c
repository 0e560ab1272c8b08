// SPDX-License-Identifier: GPL-2.0
/*
 * NAT events from conntrack, by listening to ctnetlink like `conntrack -E`
 * does: a kernel netlink socket joined to the conntrack NEW and DESTROY
 * groups.  Being a listener is what makes conntrack attach event extensions
 * when net.netfilter.nf_conntrack_events is 2 (the default since 5.19), so
 * nothing in the kernel's settings is changed, and other listeners
 * (conntrack -E) and ctnetlink's own notifier are left alone.  The messages
 * are parsed by the core (bounded, counted when malformed) and exported by
 * the worker.
 */
#include <linux/kmod.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <linux/slab.h>
#include <linux/workqueue.h>
#include <net/net_namespace.h>
#include <net/sock.h>
#include "glue.h"

#define NF_NAT_BUF (64 * 1024)
#define NF_NAT_RCVBUF (8 * 1024 * 1024)
#define NF_NAT_GROUPS { NFNLGRP_CONNTRACK_NEW, NFNLGRP_CONNTRACK_DESTROY }
/* What a stop reads from the socket after leaving the groups: what was
 * queued before (at most the receive buffer), never an endless stream. */
#define NF_NAT_STOP_BUDGET 4096

static DEFINE_MUTEX(nf_nat_mutex);	/* start/stop */
static struct socket *nf_nat_sock;
static void (*nf_nat_saved_ready)(struct sock *sk);
static u8 *nf_nat_buf;
static int nf_nat_drops_seen;		/* sk_drops already counted as lost */
static void nf_nat_work_fn(struct work_struct *work);
static DECLARE_WORK(nf_nat_work, nf_nat_work_fn);

/* Netlink calls sk_data_ready without sk_callback_lock, so restoring the
 * callback cannot tell when the last call has finished.  The gate can: once
 * a stop has closed it (taking the lock), no call can queue the work again,
 * and cancel_work_sync() is final. */
static DEFINE_SPINLOCK(nf_nat_gate_lock);
static bool nf_nat_gate_open;

static void nf_nat_queue_work(void)
{
	unsigned long flags;

	spin_lock_irqsave(&nf_nat_gate_lock, flags);
	if (nf_nat_gate_open)
		queue_work(nf_system_wq, &nf_nat_work);
	spin_unlock_irqrestore(&nf_nat_gate_lock, flags);
}

static void nf_nat_set_gate(bool open)
{
	spin_lock_irq(&nf_nat_gate_lock);
	nf_nat_gate_open = open;
	spin_unlock_irq(&nf_nat_gate_lock);
}

static void nf_nat_data_ready(struct sock *sk)
{
	nf_race_window(NF_WINDOW_NAT_DATA_READY, false);
	nf_nat_queue_work();
}

/* Netlink counts in sk_drops every message it could not queue for us: the
 * events an overrun lost. */
static void nf_nat_count_drops(void)
{
	int drops = atomic_read(&nf_nat_sock->sk->sk_drops);

	if (drops != nf_nat_drops_seen) {
		mutex_lock(&nf_export_mutex);
		nfc_nat_lost((u32)(drops - nf_nat_drops_seen));
		mutex_unlock(&nf_export_mutex);
		nf_nat_drops_seen = drops;
	}
}

/* Reads at most `budget` messages; true if more may be waiting. */
static bool nf_nat_drain(int budget)
{
	struct kvec iov = { .iov_base = nf_nat_buf, .iov_len = NF_NAT_BUF };
	bool more = true;

	while (budget--) {
		struct msghdr msg = { .msg_flags = MSG_DONTWAIT };
		int n = kernel_recvmsg(nf_nat_sock, &msg, &iov, 1, NF_NAT_BUF, MSG_DONTWAIT);

		if (n == -EAGAIN || n == 0) {
			more = false;
			break;
		}
		if (n == -ENOBUFS) {
			/* An overrun: one report however many events it took
			 * (those show in sk_drops). */
			mutex_lock(&nf_export_mutex);
			nfc_nat_overrun();
			mutex_unlock(&nf_export_mutex);
			continue;
		}
		if (n < 0) {
			more = false;
			break;
		}
		mutex_lock(&nf_export_mutex);
		nfc_nat_input(nf_nat_buf, n);
		mutex_unlock(&nf_export_mutex);
	}
	nf_nat_count_drops();
	return more;
}

static void nf_nat_work_fn(struct work_struct *work)
{
	nf_race_window(NF_WINDOW_NAT_WORK, true);
	if (nf_nat_drain(256))
		nf_nat_queue_work();	/* more to read: yield first */
}

/* Leaves the conntrack groups: the membership update waits for broadcasts
 * under way (netlink's table grab), so afterwards none reaches the socket. */
static void nf_nat_leave_groups(struct socket *sock)
{
	static const int groups[] = NF_NAT_GROUPS;
	int i;

	for (i = 0; i < ARRAY_SIZE(groups); i++) {
		int group = groups[i];
		int err = sock->ops->setsockopt(sock, SOL_NETLINK, NETLINK_DROP_MEMBERSHIP,
						KERNEL_SOCKPTR(&group), sizeof(group));

		if (err)
			pr_warn(NF_NAME ": natevents: cannot leave conntrack group %d (%d)\n", group, err);
	}
}

int nf_natevents_start(void)
{
	struct sockaddr_nl addr = {
		.nl_family = AF_NETLINK,
		.nl_groups = (1 << (NFNLGRP_CONNTRACK_NEW - 1)) | (1 << (NFNLGRP_CONNTRACK_DESTROY - 1)),
	};
	struct socket *sock;
	int err;

	mutex_lock(&nf_nat_mutex);
	if (nf_nat_sock) {
		mutex_unlock(&nf_nat_mutex);
		return 0;
	}
	/* ctnetlink is what multicasts conntrack events. */
	request_module("nf_conntrack_netlink");
	nf_nat_buf = kvmalloc(NF_NAT_BUF, GFP_KERNEL);
	err = nf_nat_buf ? sock_create_kern(&init_net, AF_NETLINK, SOCK_RAW, NETLINK_NETFILTER, &sock) : -ENOMEM;
	if (err)
		goto fail;
	lock_sock(sock->sk);
	sock->sk->sk_userlocks |= SOCK_RCVBUF_LOCK;
	WRITE_ONCE(sock->sk->sk_rcvbuf, NF_NAT_RCVBUF);
	release_sock(sock->sk);
	write_lock_bh(&sock->sk->sk_callback_lock);
	nf_nat_saved_ready = sock->sk->sk_data_ready;
	sock->sk->sk_data_ready = nf_nat_data_ready;
	write_unlock_bh(&sock->sk->sk_callback_lock);
	nf_nat_drops_seen = atomic_read(&sock->sk->sk_drops);
	nf_nat_sock = sock;
	nf_nat_set_gate(true);
	err = kernel_bind(sock, (nf_sockaddr_arg *)&addr, sizeof(addr));
	if (err) {
		nf_nat_set_gate(false);
		cancel_work_sync(&nf_nat_work);
		nf_nat_sock = NULL;
		sock_release(sock);
		goto fail;
	}
	mutex_unlock(&nf_nat_mutex);
	pr_info(NF_NAME ": natevents on: listening to conntrack events\n");
	return 0;
fail:
	kvfree(nf_nat_buf);
	nf_nat_buf = NULL;
	mutex_unlock(&nf_nat_mutex);
	pr_err(NF_NAME ": natevents: cannot listen to conntrack events (%d); is nf_conntrack_netlink available?\n",
	       err);
	return err;
}

/* In this order: no event reaches the socket any more, no data-ready can
 * queue the work, the work is not running; what was queued before is read
 * (bounded: the groups are left, so nothing new comes in), the rest is
 * counted lost and released with the socket. */
void nf_natevents_stop(void)
{
	struct socket *sock;
	int budget = NF_NAT_STOP_BUDGET;
	u32 left;

	mutex_lock(&nf_nat_mutex);
	sock = nf_nat_sock;
	if (!sock) {
		mutex_unlock(&nf_nat_mutex);
		return;
	}
	nf_nat_leave_groups(sock);
	nf_nat_set_gate(false);
	cancel_work_sync(&nf_nat_work);
	write_lock_bh(&sock->sk->sk_callback_lock);
	sock->sk->sk_data_ready = nf_nat_saved_ready;
	write_unlock_bh(&sock->sk->sk_callback_lock);
	while (budget > 0 && nf_nat_drain(256)) {
		budget -= 256;
		nf_race_window(NF_WINDOW_NAT_STOP_DRAIN, true);
		cond_resched();
	}
	left = skb_queue_len(&sock->sk->sk_receive_queue);
	if (left) {
		mutex_lock(&nf_export_mutex);
		nfc_nat_lost(left);
		mutex_unlock(&nf_export_mutex);
	}
	nf_nat_sock = NULL;
	sock_release(sock);
	kvfree(nf_nat_buf);
	nf_nat_buf = NULL;
	mutex_unlock(&nf_nat_mutex);
	pr_info(NF_NAME ": natevents off\n");
}
