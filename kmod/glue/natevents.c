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

static DEFINE_MUTEX(nf_nat_mutex);	/* start/stop */
static struct socket *nf_nat_sock;
static void (*nf_nat_saved_ready)(struct sock *sk);
static u8 *nf_nat_buf;
static void nf_nat_work_fn(struct work_struct *work);
static DECLARE_WORK(nf_nat_work, nf_nat_work_fn);

static void nf_nat_data_ready(struct sock *sk)
{
	queue_work(nf_system_wq, &nf_nat_work);
}

/* Reads at most `budget` messages; true if more may be waiting. */
static bool nf_nat_drain(int budget)
{
	struct kvec iov = { .iov_base = nf_nat_buf, .iov_len = NF_NAT_BUF };

	while (budget--) {
		struct msghdr msg = { .msg_flags = MSG_DONTWAIT };
		int n = kernel_recvmsg(nf_nat_sock, &msg, &iov, 1, NF_NAT_BUF, MSG_DONTWAIT);

		if (n == -EAGAIN || n == 0)
			return false;
		if (n == -ENOBUFS) {
			/* The listener overran: events were dropped by netlink. */
			mutex_lock(&nf_export_mutex);
			nfc_nat_lost(1);
			mutex_unlock(&nf_export_mutex);
			continue;
		}
		if (n < 0)
			return false;
		mutex_lock(&nf_export_mutex);
		nfc_nat_input(nf_nat_buf, n);
		mutex_unlock(&nf_export_mutex);
	}
	return true;
}

static void nf_nat_work_fn(struct work_struct *work)
{
	if (nf_nat_drain(256))
		queue_work(nf_system_wq, &nf_nat_work);	/* more to read: yield first */
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
	nf_nat_sock = sock;
	err = kernel_bind(sock, (nf_sockaddr_arg *)&addr, sizeof(addr));
	if (err) {
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

void nf_natevents_stop(void)
{
	struct socket *sock;

	mutex_lock(&nf_nat_mutex);
	sock = nf_nat_sock;
	if (!sock) {
		mutex_unlock(&nf_nat_mutex);
		return;
	}
	write_lock_bh(&sock->sk->sk_callback_lock);
	sock->sk->sk_data_ready = nf_nat_saved_ready;
	write_unlock_bh(&sock->sk->sk_callback_lock);
	cancel_work_sync(&nf_nat_work);
	/* What is still queued in the socket is taken before it goes; no
	 * work is queued again once the callback is restored. */
	while (nf_nat_drain(256))
		cond_resched();
	nf_nat_sock = NULL;
	sock_release(sock);
	kvfree(nf_nat_buf);
	nf_nat_buf = NULL;
	mutex_unlock(&nf_nat_mutex);
	pr_info(NF_NAME ": natevents off\n");
}
