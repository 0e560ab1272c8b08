#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build-level checks: the module builds warning-free with W=1, the C++
# runtime checker refuses what it must, and modinfo shows what users read.
# Prints PASS/FAIL per check and "N passed, M failed".
#
#   tests/build/check-build.sh [BUILDDIR]
# BUILDDIR: "." (default, the tree as ./configure left it) or build/KVER (the
# module built by `make KVER=KVER` for another kernel).
set -uo pipefail
cd "$(dirname "$0")/../.."
B=${1:-.}
[ -f "$B/config.mk" ] || { echo "run ./configure first (no $B/config.mk)" >&2; exit 2; }
NF_CXX=$(sed -n 's/^NF_CXX := //p' "$B/config.mk")
KVER=$(sed -n 's/^KVER := //p' "$B/config.mk")
mkargs=()
[ "$B" = . ] || mkargs=(KVER="$KVER")

pass=0 fail=0
ok() { echo "PASS build: $1"; pass=$((pass + 1)); }
ko() { echo "FAIL build: $1"; fail=$((fail + 1)); }
# A 7.x test kernel's compiler lives in its build chroot, which sees this tree.
in_env=()
kcache=${NF_KERNEL_CACHE:-/var/cache/ipt-netflow-pp/kernels}/$KVER
[ "$B" != . ] && [ -f "$kcache/chroot" ] && in_env=(scripts/install-kernel.sh --run "$KVER" --)
tmp=$(mktemp -d -p "$PWD/$B" .check-build.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# 1. W=1: not one warning, objtool silent on every object.
touch kmod/glue/*.c $(find kmod/core -name '*.cpp')
if make -s --no-print-directory "${mkargs[@]}" W=1 module >"$tmp/w1.log" 2>&1; then
	# kbuild's own progress lines ("  OBJTOOL x.o") are not warnings: the
	# build in a 7.x chroot prints them (env -i drops make's -s on the way).
	if grep -vE "Skipping BTF generation|^  [A-Z][A-Z0-9]*( \[M\])? +[^ ]+$" "$tmp/w1.log" |
		grep -qiE 'warning|objtool|error'; then
		ko "make W=1 printed warnings ($KVER):"; sed 's/^/    /' "$tmp/w1.log"
	else
		ok "make W=1 is warning-free for $KVER (objtool ran on every C++ object)"
	fi
else
	ko "make W=1 failed ($KVER):"; sed 's/^/    /' "$tmp/w1.log"
fi

# 2. The post-compile checker refuses forbidden runtime dependencies.
cxx="$NF_CXX -c -O2 -std=gnu++20 -fno-rtti -fno-exceptions -fno-asynchronous-unwind-tables -fno-unwind-tables -fno-threadsafe-statics -fno-use-cxa-atexit"
expect_refused() {
	local name=$1 flags=$2 src=$3
	printf '%s\n' "$src" >"$tmp/$name.cpp"
	if ! "${in_env[@]}" $cxx $flags -o "$tmp/$name.o" "$tmp/$name.cpp" 2>"$tmp/$name.err"; then
		ko "$name: snippet did not compile"; sed 's/^/    /' "$tmp/$name.err"; return
	fi
	if scripts/check-cxx-object.sh nm objdump "$tmp/$name.o" 2>"$tmp/$name.chk"; then
		ko "$name: checker accepted a forbidden object"
	else
		ok "$name refused: $(head -1 "$tmp/$name.chk" | sed "s|$tmp/||")"
	fi
}
expect_refused dynamic-init "" 'int f(); int g = f();'
expect_refused exceptions "-fexceptions" 'void f(); void g() { try { f(); } catch (...) {} }'
expect_refused rtti "-frtti" 'struct A { virtual ~A(); }; A::~A() {}'
expect_refused static-guard "-fthreadsafe-statics" 'struct S { S(); }; S& get() { static S s; return s; }'
expect_refused libgcc-division "" 'unsigned __int128 d(unsigned __int128 a, unsigned __int128 b) { return a / b; }'
expect_refused init-priority "" 'struct S { S(); }; S s __attribute__((init_priority(200)));'
expect_refused eh-frame "-fasynchronous-unwind-tables" 'int f(int x) { return x + 1; }'
printf 'int f(int x) { return x * 3; }\n' >"$tmp/good.cpp"
"${in_env[@]}" $cxx -o "$tmp/good.o" "$tmp/good.cpp" && scripts/check-cxx-object.sh nm objdump "$tmp/good.o" &&
	ok "a clean object is accepted" || ko "a clean object was refused"

# 3. The built module: licence, version, description, alias, parameters.
info=$(/sbin/modinfo "$B/ipt_NETFLOW.ko")
vm=$(awk '$1 == "vermagic:" { print $2 }' <<<"$info")
[ "$vm" = "$KVER" ] && ok "vermagic is $KVER" || ko "vermagic is '$vm', not $KVER"
for want in "license: *GPL" "version: *[0-9]" "description: *NetFlow" "alias: *ip6t_NETFLOW" \
	"parm: *destination:" "parm: *protocol:" "parm: *hashsize:" "parm: *maxflows:" \
	"parm: *inactive_timeout:" "parm: *active_timeout:" "parm: *debug:" "parm: *sndbuf:"; do
	grep -qE "^$want" <<<"$info" && ok "modinfo has '$want'" || ko "modinfo lacks '$want'"
done
bad=$(nm -u "$B/ipt_NETFLOW.ko" | grep -E '__cxa_|_Unwind|__gxx|_ZTI|__(u)?(div|mod)ti3' || true)
[ -z "$bad" ] && ok "ipt_NETFLOW.ko needs no C++/libgcc runtime" || ko "ipt_NETFLOW.ko needs: $bad"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
