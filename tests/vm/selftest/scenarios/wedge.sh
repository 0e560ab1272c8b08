#!/bin/bash
# selftest/wedge: must FAIL "did not finish ... host watchdog": the module
# wedges every guest CPU (stop_machine + endless loop), so neither the in-guest
# timeout nor guest-init can act; the host kills QEMU after timeout + grace.
#
#   (no topology)
# shellcheck source=../../lib.sh
source "${VM_LIB:-$(dirname "$0")/../../lib.sh}"
modprobe vmtest_selftest wedge=1
