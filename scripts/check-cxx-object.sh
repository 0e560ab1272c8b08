#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Refuses a C++ object that would need a C++ or libgcc runtime the kernel does
# not have, or sections the module loader ignores (CONFIG_CONSTRUCTORS=n).
# usage: check-cxx-object.sh NM OBJDUMP OBJECT
set -eu
nm=$1 objdump=$2 obj=$3
fail=0
bad_syms=$("$nm" -u "$obj" | awk '{print $NF}' | grep -E \
	'^(__cxa_|__gxx_personality|_Unwind_|_ZTI|_ZTS|_ZTV(N10__cxxabiv)|__dynamic_cast|_ZSt|__(u)?(div|mod)ti3$|__(u)?(div|mod)di3$|__popcount|__clz|__ctz|__parity|__mul[a-z]*[0-9]$|__ashl|__ashr|__lshr|__bswap|__atomic_|__sync_|__tls_get_addr|_GLOBAL__sub_I)' || true)
if [ -n "$bad_syms" ]; then
	echo "$obj: needs runtime symbols the kernel does not provide:" >&2
	printf '  %s\n' $bad_syms >&2
	fail=1
fi
bad_secs=$("$objdump" -h "$obj" | awk '{print $2}' | grep -E \
	'^\.(eh_frame|gcc_except_table|init_array|fini_array|ctors|dtors|tbss|tdata)' || true)
# KASAN (it selects CONFIG_CONSTRUCTORS) registers every object's globals, C
# or C++, from .init_array (the .fini_array half is skipped by the loader, as
# for C): fine as long as the object has no dynamic initialisation of its own.
if "$nm" "$obj" | grep -q ' U __asan_register_globals$' && ! "$nm" "$obj" | grep -q ' _GLOBAL__sub_[ID]_'; then
	bad_secs=$(printf '%s\n' "$bad_secs" | grep -vxE '\.(init|fini)_array' || true)
fi
if [ -n "$bad_secs" ]; then
	echo "$obj: has sections the module loader ignores or cannot serve" \
		"(dynamic initialisation, unwinding, TLS):" >&2
	printf '  %s\n' $bad_secs >&2
	fail=1
fi
if [ $fail -ne 0 ]; then
	rm -f "$obj"
	exit 1
fi
