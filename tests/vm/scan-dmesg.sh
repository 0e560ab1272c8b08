#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# scan-dmesg.sh FILE [FILE...]
#
# Looks for signs of kernel trouble in saved kernel logs (dmesg text).
# Prints every offending line (prefixed with "FILE:LINE: ") on stdout.
# Exit status: 0 clean, 1 trouble found, 2 usage error / unreadable file.
#
# Pure text processing: it runs on the host (run.sh calls it on the dmesg slice
# of every scenario) and is unit-tested on fixture text by selftest.sh.
#
# Extra lines to ignore: VM_DMESG_IGNORE='ERE' (environment), matched against
# the whole line, in addition to the built-in list of known-benign lines below.

set -u

# Case-sensitive extended regexps, one per line.
patterns=(
	'WARNING:'
	'BUG:'
	'kernel BUG at'
	'Oops'
	'general protection'
	'kmemleak'
	'UBSAN'
	'KASAN'
	'lockdep'
	'possible circular locking'
	'possible recursive locking'
	'inconsistent lock state'
	'soft lockup'
	'hard LOCKUP'
	'hung task'
	'blocked for more than [0-9]+ seconds'
	'refcount_t'
	'list_add corruption'
	'list_del corruption'
	'Call Trace'
	'cut here \]'
	'Kernel panic'
	'rcu: INFO: .*(stall|detected)'
	'stack-protector'
)

# Known-benign lines that happen to contain one of the words above.
benign=(
	'kmemleak: Kernel memory leak detector initialized'
	'kmemleak: Automatic memory scanning thread started'
	'kmemleak: Kernel memory leak detector disabled'
	'rcu:[[:space:]]+RCU lockdep checking is enabled'
)

if [ $# -lt 1 ]; then
	echo "usage: $0 DMESG_FILE [DMESG_FILE...]" >&2
	exit 2
fi

join() { local IFS='|'; echo "$*"; }
bad_re=$(join "${patterns[@]}")
ok_re=$(join "${benign[@]}")
[ -n "${VM_DMESG_IGNORE:-}" ] && ok_re="$ok_re|$VM_DMESG_IGNORE"

status=0
for f in "$@"; do
	if [ ! -r "$f" ]; then
		echo "$0: cannot read $f" >&2
		status=2
		continue
	fi
	hits=$(grep -naE -e "$bad_re" -- "$f" | grep -vE -e "$ok_re")
	if [ -n "$hits" ]; then
		printf '%s\n' "$hits" | sed "s|^|$f:|"
		[ $status -eq 0 ] && status=1
	fi
done
exit $status
