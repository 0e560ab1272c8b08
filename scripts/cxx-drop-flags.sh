#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# cxx-drop-flags.sh CXX CACHE FLAG...
#
# Prints the kbuild C flags that CXX does not take: options valid for C only
# (-std=gnu11, -Wstrict-prototypes, -Werror=implicit-int, ...) that g++
# refuses or warns about.  Kbuild filters them out of the C++ rule's flags.
# Found by trying each -W/-f/-std flag alone on an empty C++ unit, so a new
# kernel's (or a new compiler's) C-only flags need no edit here.  The answer
# is kept in CACHE, keyed by the compiler and the flags.
set -eu
cxx=$1 cache=$2
shift 2
cands=$(for f in "$@"; do
	case $f in -W* | -f* | -std=*) echo "$f" ;; esac
done | sort -u)
key=$( { "$cxx" --version | head -n1; echo "$cands"; } | cksum | cut -d' ' -f1)
if [ -f "$cache" ] && [ "$(head -n1 "$cache")" = "$key" ]; then
	tail -n +2 "$cache" | tr '\n' ' '
	exit 0
fi
drop=$(for f in $cands; do
	[ -z "$("$cxx" -Werror "$f" -x c++ -fsyntax-only /dev/null 2>&1)" ] || echo "$f"
done)
{ echo "$key"; [ -z "$drop" ] || echo "$drop"; } >"$cache.tmp.$$"
mv -f "$cache.tmp.$$" "$cache"
echo $drop
