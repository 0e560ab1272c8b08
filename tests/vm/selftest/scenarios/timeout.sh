#!/bin/bash
# selftest/timeout: must FAIL "timed out after 3s" (the in-guest timeout).
# vm-timeout: 3
#
#   (no topology)
# shellcheck source=../../lib.sh
source "${VM_LIB:-$(dirname "$0")/../../lib.sh}"
sleep 60 &
sleep 60
