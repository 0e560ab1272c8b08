#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make demo`: installs what it needs, builds, boots the VM, shows flows
# arriving in nfdump.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
make -s all
out=$(mktemp -d /tmp/ipt-netflow-demo.XXXXXX)
echo "demo: booting the VM (QEMU, about a minute)..."
status=0
kver=$(sed -n 's/^KVER := //p' config.mk)
tests/vm/run.sh ${kver:+--kver "$kver"} --out "$out" tests/vm/demo/demo.sh || status=$?
sed -n '/## modprobe/,$p' "$out/demo/log" | grep -v '^\[ *[0-9.]*\] \(ok\|OK\)'
echo
echo "demo: full guest output in $out"
exit $status
