#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the test initramfs (busybox only; run.sh builds and caches it).
# Loads the virtio/9p/overlay modules listed in /modules.list (already in
# dependency order), mounts the host root read-only over 9p, stacks a tmpfs
# overlay on it so the guest can write anywhere, and switch_roots into
# $vm_init (guest-init.sh, given on the kernel command line) run by bash.

bb=/bin/busybox
$bb mount -t devtmpfs devtmpfs /dev 2>/dev/null
[ -c /dev/console ] && exec </dev/console >/dev/console 2>&1

die() {
	echo "vmtest-initramfs: FATAL: $*"
	$bb poweroff -f
	$bb sleep 1000000
}

$bb mount -t proc proc /proc
$bb mount -t sysfs sysfs /sys

while read -r m; do
	[ -n "$m" ] || continue
	$bb insmod "/lib/modules/$m.ko" || echo "vmtest-initramfs: insmod $m failed"
done </modules.list

$bb mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=512000,cache=loose root /lower \
	|| die "cannot mount the host root (9p tag 'root')"
$bb mount -t tmpfs -o mode=0755 tmpfs /rw || die "tmpfs"
$bb mkdir -p /rw/upper /rw/work
$bb mount -t overlay overlay -o lowerdir=/lower,upperdir=/rw/upper,workdir=/rw/work /newroot \
	|| die "cannot mount the overlay root"

[ -n "${vm_init:-}" ] || die "no vm_init= on the kernel command line"
[ -r "/newroot$vm_init" ] || die "guest init $vm_init not visible in the 9p root"
[ -x /newroot/bin/bash ] || die "no /bin/bash in the 9p root"

echo "vmtest-initramfs: switch_root" >/dev/kmsg
$bb mount --move /dev /newroot/dev
$bb umount /proc /sys
exec $bb switch_root /newroot /bin/bash "$vm_init"
