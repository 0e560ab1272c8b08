#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# original.sh KVER: the original ipt_NETFLOW 2.6 (Debian's iptables-netflow-dkms)
# built for KVER in a private cache, for side-by-side benchmarks.  Prints the
# cache directory, which then holds:
#
#   dkms/ipt_NETFLOW.ko  built the way DKMS builds it (dkms.conf's PRE_BUILD
#                        configure line, then its MAKE line): what Debian users get
#   best/ipt_NETFLOW.ko  the same source configured with --kver, which enables
#                        its lock-free export list (HAVE_LLIST): the original at its best
#   xtables/             its iptables extensions (libipt_NETFLOW.so, libip6t_NETFLOW.so)
#
# The package is downloaded (apt-get download) and unpacked with dpkg-deb, never
# installed: installed, it would put an ipt_NETFLOW.ko under
# /lib/modules/*/updates and a libipt_NETFLOW.so in the system's xtables
# directory, both shadowing the project's own in the VM tests.

set -euo pipefail

KVER=${1:?usage: original.sh KVER}
PKG=iptables-netflow-dkms
BASE=${BENCH_CACHE:-/var/cache/ipt-netflow-pp/bench}/ipt-netflow-2.6
OUT=$BASE/$KVER
KDIR=/lib/modules/$KVER/build

msg() { echo "original.sh: $*" >&2; }

[ -f "$KDIR/Makefile" ] || { msg "no kernel headers for $KVER in $KDIR"; exit 1; }
if [ -f "$OUT/dkms/ipt_NETFLOW.ko" ] && [ -f "$OUT/best/ipt_NETFLOW.ko" ] &&
	[ -f "$OUT/xtables/libipt_NETFLOW.so" ]; then
	echo "$OUT"
	exit 0
fi

# The package itself, unpacked once per version.
mkdir -p "$BASE"
deb=$(ls "$BASE"/${PKG}_*.deb 2>/dev/null | head -n1 || true)
if [ -z "$deb" ]; then
	msg "downloading $PKG (not installed: unpacked in $BASE)"
	# apt's sandbox user cannot write everywhere: download in a world-writable temp dir
	tmp=$(mktemp -d)
	chmod 0777 "$tmp"
	(cd "$tmp" && apt-get download -q "$PKG" >&2) || { apt-get update -q >&2 && (cd "$tmp" && apt-get download -q "$PKG" >&2); }
	mv "$tmp"/${PKG}_*.deb "$BASE"/
	rm -rf "$tmp"
	deb=$(ls "$BASE"/${PKG}_*.deb | head -n1)
fi
SRC=$BASE/unpacked
if [ ! -d "$SRC/usr/src" ]; then
	rm -rf "$SRC.tmp"
	dpkg-deb -x "$deb" "$SRC.tmp"
	mv -T "$SRC.tmp" "$SRC"
fi
srcdir=$(ls -d "$SRC"/usr/src/ipt-netflow-* | head -n1)

rm -rf "$OUT.tmp"
mkdir -p "$OUT.tmp"/{dkms,best,xtables}
cp "$SRC"/usr/lib/x86_64-linux-gnu/xtables/lib*_NETFLOW.so "$OUT.tmp/xtables/"

# As DKMS does: PRE_BUILD (its configure line, kernel_source_dir set), then MAKE[0].
build_dkms() {
	local d=$OUT.tmp/dkms pre mk
	cp -a "$srcdir"/. "$d"/
	pre=$(sed -n 's/^PRE_BUILD="\(.*\)"$/\1/p' "$d/dkms.conf")
	mk=$(sed -n 's/^MAKE\[0\]="\(.*\)"$/\1/p' "$d/dkms.conf")
	[ -n "$pre" ] && [ -n "$mk" ] || { msg "dkms.conf: no PRE_BUILD or MAKE[0]"; return 1; }
	# shellcheck disable=SC2034 # used by the eval'd line
	local kernel_source_dir=$KDIR kernelver=$KVER
	(cd "$d" && eval "$pre" && eval "$mk KVERSION=$KVER") >"$OUT.tmp/dkms.log" 2>&1
}
# At its best: its own configure with --kver, which runs the kernel feature
# checks (llist.h -> HAVE_LLIST); --from-dkms-conf skips them.
build_best() {
	local d=$OUT.tmp/best
	cp -a "$srcdir"/. "$d"/
	(cd "$d" && ./configure --kver="$KVER" --disable-snmp-agent &&
		make ipt_NETFLOW.ko) >"$OUT.tmp/best.log" 2>&1
}
msg "building the original for $KVER (DKMS way and --kver way) in $OUT"
build_dkms || { tail -n 20 "$OUT.tmp/dkms.log" >&2; exit 1; }
build_best || { tail -n 20 "$OUT.tmp/best.log" >&2; exit 1; }
grep -q -- '-DHAVE_LLIST' "$OUT.tmp/best/Makefile" || { msg "best build lacks HAVE_LLIST"; exit 1; }
if grep -q -- '-DHAVE_LLIST' "$OUT.tmp/dkms/Makefile"; then msg "note: the DKMS build has HAVE_LLIST too"; fi
for v in dkms best; do
	k=$(modinfo -F vermagic "$OUT.tmp/$v/ipt_NETFLOW.ko" | awk '{print $1}')
	[ "$k" = "$KVER" ] || { msg "$v build has vermagic '$k', wanted $KVER"; exit 1; }
done
rm -rf "$OUT"
mv -T "$OUT.tmp" "$OUT"
if [ -n "$(find /lib/modules -path '*updates*' -name 'ipt_NETFLOW*' 2>/dev/null)" ]; then
	msg "WARNING: an ipt_NETFLOW module is installed under /lib/modules/*/updates (not by this script)"
fi
echo "$OUT"
