#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Installs what building, testing and the demo need on Debian 12 (as root).
# pahole: the test kernels from 6.12 on generate module BTF (configure
# hands kbuild a pahole that skips the C++ units).
# Idempotent: apt-get skips what is already there.
set -eu

PKGS="
	make gcc g++ pkg-config kmod pahole
	linux-image-amd64 linux-headers-amd64
	libxtables-dev iptables nftables
	libgtest-dev libbenchmark-dev valgrind
	qemu-system-x86 busybox-static cpio iproute2
	nfdump tshark pmacct libfixbuf-tools python3 python3-scapy conntrack
"

missing=
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -z "$missing" ]; then
	echo "install-deps: everything is installed"
	exit 0
fi
[ "$(id -u)" = 0 ] || { echo "install-deps: run as root to install:$missing" >&2; exit 1; }
echo "install-deps: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing
