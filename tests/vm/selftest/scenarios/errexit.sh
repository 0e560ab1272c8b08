#!/bin/bash
# selftest/errexit: must FAIL: a plain command fails under set -e; the reason
# names the command.
#
#   (no topology)
# shellcheck source=../../lib.sh
source "${VM_LIB:-$(dirname "$0")/../../lib.sh}"
ls /nonexistent-selftest-path
log "not reached"
