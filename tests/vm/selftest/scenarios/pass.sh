#!/bin/bash
# selftest/pass: must PASS. Loads the out-of-tree self-test module through a
# plain modprobe (its x_tables dependency comes from the host-side depmod tree),
# checks the taint is only O/E, unloads it.
#
#   (init netns only, no topology)
# shellcheck source=../../lib.sh
source "${VM_LIB:-$(dirname "$0")/../../lib.sh}"
assert_eq "VM_MODULES" "vmtest_selftest" "$VM_MODULES"
load_module vmtest_selftest
assert_match "modinfo path" "/extra/vmtest_selftest\.ko" "$(modinfo -n vmtest_selftest)"
module_loaded x_tables || fail "dependency x_tables not loaded"
t=$(tainted)
assert_eq "taint bits besides O and E" 0 $((t & ~(4096 | 8192)))
[ $((t & 4096)) -ne 0 ] || fail "out-of-tree taint (O) missing after loading the module"
unload_module vmtest_selftest

# Ephemeral ports stay clear of the fixed ports the scenarios bind, in the
# init namespace and in each namespace netns_add makes.
range() { tr -s ' \t' ' ' <"/proc/sys/net/ipv4/ip_local_port_range"; }
assert_eq "init netns ephemeral ports" "61000 64999" "$(range)"
netns_add ns3
assert_eq "ns3 ephemeral ports" "61000 64999" "$(n3 bash -c "$(declare -f range); range")"
