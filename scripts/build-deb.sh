#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# `make deb`: builds ipt-netflow-pp-dkms (the module sources for DKMS) and
# ipt-netflow-pp-xtables (libxt_NETFLOW.so, NETFLOW(8)) with dpkg-buildpackage,
# from a clean copy of the sources in build/deb/ipt-netflow-pp-VERSION; the
# .debs land in build/deb/.  Needs debhelper, dh-dkms, dpkg-dev,
# libxtables-dev and pkg-config (installed when missing, as root); no kernel
# headers.
set -eu
cd "$(dirname "$0")/.."

version=$(sed -n 's/^#define NF_VERSION "\(.*\)"$/\1/p' include/netflow/abi.h)
debver=$(dpkg-parsechangelog -S Version)
[ "$debver" = "$version" ] || [ "${debver%-*}" = "$version" ] || {
	echo "build-deb: debian/changelog is at $debver but NF_VERSION is $version: add a changelog entry" >&2
	exit 1
}
# The build dependencies, installed when missing (as root), like the other
# targets' own dependencies.
deps="debhelper dh-dkms dpkg-dev libxtables-dev pkg-config"
if ! dpkg-checkbuilddeps >/dev/null 2>&1; then
	if [ "$(id -u)" = 0 ]; then
		echo "build-deb: installing the build dependencies: $deps" >&2
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $deps >&2
	fi
	dpkg-checkbuilddeps || {
		echo "build-deb: install them (as root): apt-get install $deps" >&2
		exit 1
	}
fi

out=build/deb
src=$out/ipt-netflow-pp-$version
rm -rf "$out"
mkdir -p "$src"
{
	make -s --no-print-directory print-module-sources
	printf '%s\n' Makefile configure dkms.conf LICENSE README.md xtables/libxt_NETFLOW.c
	find debian man examples -type f
} | cpio -pdm --quiet "$src"

(cd "$src" && dpkg-buildpackage -b -us -uc) >"$out/build.log" 2>&1 || {
	tail -n 30 "$out/build.log" >&2
	echo "build-deb: dpkg-buildpackage failed; the whole log is $out/build.log" >&2
	exit 1
}
rm -rf "$src"
ls -1 "$out"/*.deb
