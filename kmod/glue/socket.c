// SPDX-License-Identifier: GPL-2.0
/*
 * Export sockets: one connected kernel UDP socket per destination; every
 * datagram goes to every destination.  A destination that cannot be
 * connected yet (no route, missing bind address or interface) stays in the
 * list as "unconnected" and is retried on each send.  Everything here runs
 * under nf_export_mutex except the ICMP error callback.
 */
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/net.h>
#include <linux/netdevice.h>
#include <linux/slab.h>
#include <net/net_namespace.h>
#include <net/sock.h>
#include "glue.h"

struct nf_sock {
	struct nf_dest dest;
	char name[NF_DEST_TEXT_MAX];	/* dest as text, made once for logs and /proc */
	struct socket *sock;		/* NULL while unconnected */
	u32 attempts;			/* failed connects */
	atomic_t cberr;			/* ICMP errors reported by the peer */
	u32 err_connect, err_full, err_other;
	u64 sent_pkts, sent_bytes;
	u32 wmem_peak;
};

static struct nf_sock *nf_socks;
static int nf_nsocks;

static void nf_sock_error_report(struct sock *sk)
{
	struct nf_sock *ns;

	read_lock_bh(&sk->sk_callback_lock);
	ns = sk->sk_user_data;
	if (ns)
		atomic_inc(&ns->cberr);
	read_unlock_bh(&sk->sk_callback_lock);
	/* Counted: do not fail the next send with the stale error. */
	WRITE_ONCE(sk->sk_err, 0);
}

static int nf_sockaddr(int family, const u8 *addr, u16 port, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (family == NF_FAMILY_IPV4) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, addr, 4);
		sin->sin_port = htons(port);
		return sizeof(*sin);
	}
	{
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, addr, 16);
		sin6->sin6_port = htons(port);
		return sizeof(*sin6);
	}
}

static void nf_sock_apply_sndbuf(struct socket *sock, int bytes)
{
	struct sock *sk = sock->sk;

	lock_sock(sk);
	sk->sk_userlocks |= SOCK_SNDBUF_LOCK;
	WRITE_ONCE(sk->sk_sndbuf, max_t(int, bytes, SOCK_MIN_SNDBUF));
	release_sock(sk);
}

static int nf_sock_connect(struct nf_sock *ns)
{
	const struct nf_dest *d = &ns->dest;
	struct sockaddr_storage ss;
	struct socket *sock;
	int len, err;

	err = sock_create_kern(&init_net, d->family == NF_FAMILY_IPV4 ? AF_INET : AF_INET6,
			       SOCK_DGRAM, IPPROTO_UDP, &sock);
	if (err)
		return err;
	if (d->ifname[0]) {
		struct net_device *dev = dev_get_by_name(&init_net, d->ifname);

		err = dev ? sock_bindtoindex(sock->sk, dev->ifindex, true) : -ENODEV;
		dev_put(dev);
		if (err)
			goto fail;
	}
	if (d->bind_family) {
		len = nf_sockaddr(d->bind_family, d->bind, 0, &ss);
		err = kernel_bind(sock, (nf_sockaddr_arg *)&ss, len);
		if (err)
			goto fail;
	}
	len = nf_sockaddr(d->family, d->addr, d->port, &ss);
	err = kernel_connect(sock, (nf_sockaddr_arg *)&ss, len, 0);
	if (err)
		goto fail;
	write_lock_bh(&sock->sk->sk_callback_lock);
	sock->sk->sk_user_data = ns;
	sock->sk->sk_error_report = nf_sock_error_report;
	write_unlock_bh(&sock->sk->sk_callback_lock);
	if (nfc_get(NFC_SNDBUF))
		nf_sock_apply_sndbuf(sock, nfc_get(NFC_SNDBUF));
	ns->sock = sock;
	return 0;
fail:
	sock_release(sock);
	return err;
}

static void nf_sock_close(struct nf_sock *ns)
{
	struct sock *sk;

	if (!ns->sock)
		return;
	sk = ns->sock->sk;
	write_lock_bh(&sk->sk_callback_lock);
	sk->sk_user_data = NULL;
	write_unlock_bh(&sk->sk_callback_lock);
	sock_release(ns->sock);
	ns->sock = NULL;
}

int nf_destinations_parse(const char *text, struct nf_dest **out, bool quiet)
{
	const char *reason = "";
	struct nf_dest *dests;
	u32 pos = 0;
	int n;

	*out = NULL;
	dests = kcalloc(NF_MAX_DESTINATIONS, sizeof(*dests), GFP_KERNEL);
	if (!dests)
		return -ENOMEM;
	n = nfc_parse_destinations(text, dests, NF_MAX_DESTINATIONS, &pos, &reason);
	if (n < 0) {
		if (!quiet)
			pr_err(NF_NAME ": destination=%s is invalid at position %u: %s\n", text, pos, reason);
		kfree(dests);
		return -EINVAL;
	}
	if (n)
		*out = dests;
	else
		kfree(dests);
	return n;
}

/* A destination that cannot be connected now is kept and retried on send. */
static void nf_sock_open(struct nf_sock *ns, const struct nf_dest *d)
{
	int err;

	ns->dest = *d;
	nfc_format_destination(d, ns->name, sizeof(ns->name));
	atomic_set(&ns->cberr, 0);
	err = nf_sock_connect(ns);
	if (err) {
		ns->attempts = 1;
		ns->err_connect++;
		pr_warn(NF_NAME ": cannot connect to %s (%d); will retry on each export\n", ns->name, err);
	}
}

int nf_sockets_start(const struct nf_dest *dests, int n)
{
	struct nf_sock *socks;
	int i;

	if (n < 0 || n > NF_MAX_DESTINATIONS)
		return -EINVAL;
	socks = kcalloc(max(n, 1), sizeof(*socks), GFP_KERNEL);
	if (!socks)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		nf_sock_open(&socks[i], &dests[i]);
	nf_sockets_stop();
	nf_socks = socks;
	nf_nsocks = n;
	return 0;
}

void nf_sockets_stop(void)
{
	int i;

	for (i = 0; i < nf_nsocks; i++)
		nf_sock_close(&nf_socks[i]);
	kfree(nf_socks);
	nf_socks = NULL;
	nf_nsocks = 0;
}

/* Sockets not connected yet take the setting when they connect. */
int nf_sockets_set_sndbuf(int bytes)
{
	int i;

	for (i = 0; i < nf_nsocks; i++)
		if (nf_socks[i].sock)
			nf_sock_apply_sndbuf(nf_socks[i].sock, bytes);
	return 0;
}

int nf_sockets_sndbuf(void)
{
	int i;

	for (i = 0; i < nf_nsocks; i++)
		if (nf_socks[i].sock)
			return READ_ONCE(nf_socks[i].sock->sk->sk_sndbuf);
	return -ENOENT;
}

int nfp_send(const void *buf, nf_size len, int *missed)
{
	int i, took = 0;

	for (i = 0; i < nf_nsocks; i++) {
		struct nf_sock *ns = &nf_socks[i];
		struct msghdr msg = { .msg_flags = MSG_DONTWAIT | MSG_NOSIGNAL };
		struct kvec iov = { .iov_base = (void *)buf, .iov_len = len };
		u32 wmem;
		int ret;

		if (!ns->sock && nf_sock_connect(ns)) {
			ns->attempts++;
			ns->err_connect++;
			continue;
		}
		ret = kernel_sendmsg(ns->sock, &msg, &iov, 1, len);
		if (ret == (int)len) {
			took++;
			ns->sent_pkts++;
			ns->sent_bytes += len;
		} else if (ret == -EAGAIN || ret == -ENOBUFS) {
			ns->err_full++;
		} else {
			ns->err_other++;
			if (ret == -EINVAL)	/* the route went away: connect again */
				nf_sock_close(ns);
			if (net_ratelimit())
				pr_warn(NF_NAME ": export to sock%d failed (%d)\n", i, ret);
		}
		if (ns->sock) {
			wmem = sk_wmem_alloc_get(ns->sock->sk);
			if (wmem > ns->wmem_peak)
				ns->wmem_peak = wmem;
		}
	}
	*missed = nf_nsocks - took;
	return took;
}

void nf_sockets_show(struct seq_file *m)
{
	int i;

	for (i = 0; i < nf_nsocks; i++) {
		struct nf_sock *ns = &nf_socks[i];

		seq_printf(m, "sock%d: %s", i, ns->name);
		if (!ns->sock) {
			seq_printf(m, " unconnected (%u attempts).\n", ns->attempts);
			continue;
		}
		seq_printf(m, ", sndbuf %u, filled %u, peak %u; err: sndbuf reached %u, connect %u, cberr %u, other %u; sent %llu pkts, %llu bytes\n",
			   READ_ONCE(ns->sock->sk->sk_sndbuf), sk_wmem_alloc_get(ns->sock->sk), ns->wmem_peak,
			   ns->err_full, ns->err_connect, atomic_read(&ns->cberr), ns->err_other,
			   ns->sent_pkts, ns->sent_bytes);
	}
}

u64 nf_sockets_icmp_errors(void)
{
	u64 sum = 0;
	int i;

	for (i = 0; i < nf_nsocks; i++)
		sum += atomic_read(&nf_socks[i].cberr);
	return sum;
}

void nf_sockets_show_snmp(struct seq_file *m)
{
	u32 peak = 0;
	int i;

	for (i = 0; i < nf_nsocks; i++) {
		struct nf_sock *ns = &nf_socks[i];

		seq_printf(m, "sock%d %s %d %u %u %u %u", i, ns->name, ns->sock != NULL, ns->err_connect,
			   ns->err_full, atomic_read(&ns->cberr), ns->err_other);
		if (ns->sock)
			seq_printf(m, " %u %u %u\n", READ_ONCE(ns->sock->sk->sk_sndbuf),
				   sk_wmem_alloc_get(ns->sock->sk), ns->wmem_peak);
		else
			seq_printf(m, " 0 0 %u\n", ns->wmem_peak);
		peak = max(peak, ns->wmem_peak);
	}
	seq_printf(m, "sndbufPeak   %u\n", peak);
}
