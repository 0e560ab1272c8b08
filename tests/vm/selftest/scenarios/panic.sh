#!/bin/bash
# selftest/panic: must FAIL "did not finish: kernel panic": crashes the guest
# kernel through sysrq (panic=-1 + -no-reboot end QEMU at once).
#
#   (no topology)
# shellcheck source=../../lib.sh
source "${VM_LIB:-$(dirname "$0")/../../lib.sh}"
echo c >/proc/sysrq-trigger
