// SPDX-License-Identifier: GPL-2.0
#include "core/flow/ext.hpp"

namespace netflow {

ExtLayout g_ext;

ExtLayout ExtLayout::make(const ExtChoice& c)
{
	ExtLayout l;
	u32 at = 0;
	l.mpls_depth = static_cast<u8>(min<u32>(c.mpls_depth, NF_MPLS_MAX_DEPTH));
	at += 4 * l.mpls_depth;
	l.mac = c.mac;
	l.mac_at = static_cast<u16>(at);
	at += c.mac ? 12 : 0;
	l.vlan = c.vlan;
	l.vlan_at = static_cast<u16>(at);
	at += c.vlan ? 2 * NF_L2_MAX_VLANS : 0;
	l.key_bytes = static_cast<u16>(at);
	// Not key: four-byte fields first (the key part is a multiple of 4),
	// then two-byte, then single bytes.
	l.physdev = c.physdev;
	l.physdev_at = static_cast<u16>(at);
	at += c.physdev ? 8 : 0;
	l.ethertype = c.mac || c.vlan;
	l.ethertype_at = static_cast<u16>(at);
	at += l.ethertype ? 2 : 0;
	l.mpls_ttl_at = static_cast<u16>(at);
	at += l.mpls_depth ? 1 : 0;
	l.direction = c.direction;
	l.direction_at = static_cast<u16>(at);
	at += c.direction ? 1 : 0;
	l.bytes = static_cast<u16>((at + 7) & ~7u);
	return l;
}

namespace {

void put16(u8* out, u32 at, u16 v) { __builtin_memcpy(out + at, &v, 2); }
void put32(u8* out, u32 at, u32 v) { __builtin_memcpy(out + at, &v, 4); }

void mpls_from_l2(const nf_l2& l2, u8* out)
{
	const u32 n = min<u32>(l2.mpls_depth, g_ext.mpls_depth);
	for (u32 i = 0; i < n; i++) {
		const u32 e = l2.mpls[i] & ~0xffu;	// without the TTL
		__builtin_memcpy(out + 4 * i, &e, 4);
	}
	if (n)
		out[g_ext.mpls_ttl_at] = static_cast<u8>(nf_mpls_ttl(l2.mpls[0]));
}

} // namespace

void ext_from_l2(const nf_l2& l2, u8* out)
{
	// This load's tail only, 8 bytes a store (a memset would be a call or
	// a rep stos).
	for (u32 i = 0; i < g_ext.bytes; i += 8)
		__builtin_memset(out + i, 0, 8);
	mpls_from_l2(l2, out);
	if (g_ext.mac) {
		__builtin_memcpy(out + g_ext.mac_at, l2.dst_mac, 6);
		__builtin_memcpy(out + g_ext.mac_at + 6, l2.src_mac, 6);
	}
	if (g_ext.vlan) {
		put16(out, g_ext.vlan_at, l2.vlan[0]);
		put16(out, g_ext.vlan_at + 2, l2.vlan[1]);
	}
	if (g_ext.physdev) {
		put32(out, g_ext.physdev_at, l2.phys_in);
		put32(out, g_ext.physdev_at + 4, l2.phys_out);
	}
	if (g_ext.ethertype)
		put16(out, g_ext.ethertype_at, l2.ethertype);
	if (g_ext.direction)
		out[g_ext.direction_at] = l2.direction;
}

} // namespace netflow
