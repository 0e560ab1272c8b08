#!/bin/bash
# selftest/kmsg: exits 0 but must FAIL: a simulated "BUG:" line written to
# /dev/kmsg ends up in this scenario's dmesg slice.
#
#   (no topology)
# shellcheck source=../../lib.sh
source "${VM_LIB:-$(dirname "$0")/../../lib.sh}"
echo "<3>BUG: simulated by the harness selftest (not a real bug)" >/dev/kmsg
