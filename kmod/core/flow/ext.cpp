// SPDX-License-Identifier: GPL-2.0
#include "core/flow/ext.hpp"

namespace netflow {

ExtLayout g_ext;

ExtLayout ExtLayout::for_mpls(u32 depth)
{
	ExtLayout l;
	if (!depth)
		return l;
	if (depth > NF_MPLS_MAX_DEPTH)
		depth = NF_MPLS_MAX_DEPTH;
	l.mpls_depth = static_cast<u8>(depth);
	l.key_bytes = static_cast<u16>(4 * depth);
	l.mpls_ttl_at = l.key_bytes;
	l.bytes = static_cast<u16>((l.key_bytes + 1 + 7) & ~7u);
	return l;
}

void ext_from_l2(const nf_l2& l2, u8* out)
{
	__builtin_memset(out, 0, max_ext_bytes);	// fixed size: stores, not a call
	const u32 n = min<u32>(l2.mpls_depth, g_ext.mpls_depth);
	for (u32 i = 0; i < n; i++) {
		const u32 e = l2.mpls[i] & ~0xffu;	// without the TTL
		__builtin_memcpy(out + 4 * i, &e, 4);
	}
	if (n)
		out[g_ext.mpls_ttl_at] = static_cast<u8>(nf_mpls_ttl(l2.mpls[0]));
}

} // namespace netflow
