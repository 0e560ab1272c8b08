#!/bin/bash
# selftest/fail: must FAIL with reason "deliberate failure".
#
#   (no topology)
# shellcheck source=../../lib.sh
source "${VM_LIB:-$(dirname "$0")/../../lib.sh}"
log "about to fail on purpose"
fail "deliberate failure"
