#!/bin/bash
# selftest/warn: exits 0 but must FAIL: the module's init raises a real kernel
# WARNING (taint W), which the per-scenario dmesg scan and taint check catch.
#
#   (no topology)
# shellcheck source=../../lib.sh
source "${VM_LIB:-$(dirname "$0")/../../lib.sh}"
load_module vmtest_selftest warn=1
unload_module vmtest_selftest
