#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# From a fresh clone to a configured tree: install the Debian packages the
# build and tests need, then run ./configure unless config.mk is current.
set -eu
cd "$(dirname "$0")/.."
scripts/install-deps.sh
if [ ! -f config.mk ] || [ configure -nt config.mk ]; then
	./configure
fi
