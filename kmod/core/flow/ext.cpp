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
	zero(out, g_ext.bytes);
	const u32 n = min<u32>(l2.mpls_depth, g_ext.mpls_depth);
	for (u32 i = 0; i < n; i++) {
		const u32 e = l2.mpls[i] & ~0xffu;	// without the TTL
		__builtin_memcpy(out + 4 * i, &e, 4);
	}
	if (n)
		out[g_ext.mpls_ttl_at] = static_cast<u8>(nf_mpls_ttl(l2.mpls[0]));
}

u32 hash_with_ext(u32 hash, const u8* ext, u32 n, const HashSeed& seed)
{
	u64 h = hash;
	for (u32 i = 0; i < n; i += 8) {
		u64 w = 0;
		__builtin_memcpy(&w, ext + i, min<u32>(8, n - i));
		h = detail::mum(h ^ w ^ seed.k[0], seed.k[1] ^ i);
	}
	return static_cast<u32>(h ^ (h >> 32));
}

} // namespace netflow
