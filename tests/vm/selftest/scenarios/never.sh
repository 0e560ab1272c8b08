#!/bin/bash
# selftest/never: placed after hang.sh / panic.sh; must be reported
# "FAIL never: not run".
#
#   (no topology)
# shellcheck source=../../lib.sh
source "${VM_LIB:-$(dirname "$0")/../../lib.sh}"
log "should not run"
