// SPDX-License-Identifier: GPL-2.0
/*
 * iptables/ip6tables extension for the NETFLOW target.  The target takes no
 * options; one library serves both families (NFPROTO_UNSPEC), so
 * `iptables -j NETFLOW` and `ip6tables -j NETFLOW` both find it.
 */
#include <stdio.h>
#include <xtables.h>

static void netflow_help(void)
{
	printf("NETFLOW target: meters packets into flows and exports them as NetFlow.\n"
	       "  It takes no options; configure the exporter with `sysctl net.netflow.*`.\n");
}

static void netflow_print(const void *ip, const struct xt_entry_target *target, int numeric)
{
	printf(" NETFLOW");
}

static struct xtables_target netflow_tg_reg = {
	.family = NFPROTO_UNSPEC,
	.name = "NETFLOW",
	.version = XTABLES_VERSION,
	.revision = 0,
	.size = XT_ALIGN(0),
	.userspacesize = XT_ALIGN(0),
	.help = netflow_help,
	.print = netflow_print,
};

/* Runs when iptables dlopen()s the library. */
static void __attribute__((constructor)) netflow_tg_ldr(void)
{
	xtables_register_target(&netflow_tg_reg);
}
