#!/bin/bash
# selftest/after: must PASS: nothing from leftover.sh survived.
#
#   (no topology)
# shellcheck source=../../lib.sh
source "${VM_LIB:-$(dirname "$0")/../../lib.sh}"
assert_eq "netns left" "" "$(ip netns list)"
module_loaded vmtest_selftest && fail "vmtest_selftest still loaded"
assert_eq "stray sleep processes" "" "$(pgrep -x sleep || true)"
