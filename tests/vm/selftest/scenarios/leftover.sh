#!/bin/bash
# selftest/leftover: must PASS; leaves a netns, a background process and the
# module behind. The harness cleans up between scenarios (see after.sh).
#
#   ns7 (left behind)
# shellcheck source=../../lib.sh
source "${VM_LIB:-$(dirname "$0")/../../lib.sh}"
ip netns add ns7
modprobe vmtest_selftest
sleep 1000 &
disown
