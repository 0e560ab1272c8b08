#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# What tests/fuzz needs on Debian 12, beyond the project's own dependencies
# (scripts/install-deps.sh): clang 14 and its compiler-rt, which holds
# libFuzzer (libclang_rt.fuzzer*.a) and the ASan/UBSan runtimes.  In Debian 12
# that is libclang-rt-14-dev; there is no separate libfuzzer package needed.
# python3 only regenerates the seed corpora (tests/fuzz/seeds.py).
set -e
pkgs="clang-14 libclang-rt-14-dev libstdc++-12-dev python3"
missing=
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "tests/fuzz: missing packages:$missing (run this script as root)" >&2
	exit 1
fi
apt-get update
DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $missing
