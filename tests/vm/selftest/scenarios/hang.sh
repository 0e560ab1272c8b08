#!/bin/bash
# selftest/hang: must FAIL "timed out after 3s; harness cleanup: rmmod ...
# failed": modprobe sleeps uninterruptibly (D state) in module init in the
# scenario's own process, so even SIGKILL cannot end it. The harness must not
# wait for it: the guest goes on and powers off.
# vm-timeout: 3
#
#   (no topology)
# shellcheck source=../../lib.sh
source "${VM_LIB:-$(dirname "$0")/../../lib.sh}"
exec modprobe vmtest_selftest hang_ms=600000
