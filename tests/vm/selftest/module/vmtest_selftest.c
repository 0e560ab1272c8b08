// SPDX-License-Identifier: GPL-2.0
/*
 * vmtest_selftest: a tiny out-of-tree module that exercises the VM harness
 * itself (tests/vm/selftest.sh). It registers an xtables target "VMTEST" so
 * that modprobe must resolve a dependency (x_tables) from the host-side depmod
 * tree, and on request misbehaves on purpose:
 *   warn=1      WARN() in module init (a real kernel WARNING, taints W)
 *   hang_ms=N   sleep uninterruptibly N ms in module init (an unkillable
 *               modprobe stuck in D state; the guest itself keeps running)
 *   wedge=1     spin forever inside stop_machine() with interrupts off on
 *               every CPU: the whole guest is wedged and only the host-side
 *               watchdog can end the run
 */
#include <linux/module.h>
#include <linux/delay.h>
#include <linux/stop_machine.h>
#include <linux/skbuff.h>
#include <linux/netfilter/x_tables.h>

static bool warn;
module_param(warn, bool, 0444);
MODULE_PARM_DESC(warn, "WARN() on load");
static unsigned int hang_ms;
module_param(hang_ms, uint, 0444);
MODULE_PARM_DESC(hang_ms, "sleep uninterruptibly this long on load");
static bool wedge;
module_param(wedge, bool, 0444);
MODULE_PARM_DESC(wedge, "wedge every CPU on load");

static int vmtest_spin(void *unused)
{
	for (;;)
		cpu_relax();
	return 0;
}

static unsigned int vmtest_tg(struct sk_buff *skb, const struct xt_action_param *par)
{
	return XT_CONTINUE;
}

static struct xt_target vmtest_tg_reg __read_mostly = {
	.name = "VMTEST",
	.family = NFPROTO_UNSPEC,
	.target = vmtest_tg,
	.me = THIS_MODULE,
};

static int __init vmtest_init(void)
{
	WARN(warn, "vmtest_selftest: deliberate warning (warn=1)\n");
	if (hang_ms)
		msleep(hang_ms);
	if (wedge)
		stop_machine(vmtest_spin, NULL, NULL);
	return xt_register_target(&vmtest_tg_reg);
}

static void __exit vmtest_exit(void)
{
	xt_unregister_target(&vmtest_tg_reg);
}

module_init(vmtest_init);
module_exit(vmtest_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("tests/vm harness self-test module");
