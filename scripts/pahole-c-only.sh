#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Stands in for pahole when kbuild generates the module's BTF (kernels with
# CONFIG_DEBUG_INFO_BTF_MODULES and a vmlinux in the headers, e.g. 6.12):
# pahole cannot encode C++ DWARF (templates, references) and fails the build,
# so the C++ compilation units are left out.  The C glue gets its BTF as any
# C module does.  The last --lang_exclude wins, hence appended; pahole's
# complaints about the C++ tags it skips are dropped.
set -u
err=$(mktemp "${TMPDIR:-/tmp}/nf-pahole.XXXXXX") || exit 1
trap 'rm -f "$err"' EXIT
pahole "$@" --lang_exclude=c++,c++03,c++11,c++14,rust 2>"$err"
rc=$?
grep -vE 'tag not supported 0x(2f|30|4107|4108) \(|^Unsupported DW_TAG_(reference|rvalue_reference)_type' "$err" >&2
exit $rc
