// SPDX-License-Identifier: GPL-2.0
// The optional tail of a flow record: link-layer facts that settings made
// part of the flow at load.
//   promisc_mpls=N  (the original's --promisc-mpls[=N] builds): N label
//                   entries become key, and the top entry's TTL is kept as
//                   the first packet's (mplsTopLabelTTL, IE 200);
//   macaddress=1    destination and source MAC become key (IE 80, 56), and
//                   the first packet's ethernetType is kept (IE 256);
//   vlan=1          two VLAN tags (TCIs) become key (v9 58, IPFIX 243-246),
//                   and the ethernetType is kept as with macaddress;
//   direction=1     the first packet's direction is kept (IE 61);
//   physdev=1       the first packet's bridge ports are kept (IE 252, 253).
//
// The layout is chosen once, at load, before any record exists, and every
// record of that load carries the same tail right after its family's fixed
// part (Flow4, Flow6): no per-record flag, no pointer.  With nothing chosen
// the tail is empty and records are the 88 and 120 bytes of flow.hpp; the
// packet path then never looks here (the glue calls nfc_account_l2() only
// while a tail exists).
//
//     [ Flow4 or Flow6 ][ key: labels | MACs | VLANs ][ ports | type | TTL | dir ][ pad to 8 ]
//
// Each part is there only when chosen.  Key bytes are compared and hashed
// after the family key: label entries (4 bytes each), the MACs (12), the
// tags (4) keep it a multiple of 4.  A label entry is kept in host order
// without its TTL (label, traffic class, bottom of stack): a TTL changes
// hop by hop, and a flow whose packets cross one more or one less router is
// still one flow.
#pragma once
#include "core/flow/flow.hpp"
#include "core/flow/hash.hpp"
#include "netflow/mpls.h"

namespace netflow {

// What the settings of a load ask the tail to keep.
struct ExtChoice {
	u32 mpls_depth = 0;
	bool mac = false;
	bool vlan = false;
	bool direction = false;
	bool physdev = false;
};

struct ExtLayout {
	u16 key_bytes = 0;	// compared and hashed: a multiple of 4
	u16 bytes = 0;		// the whole tail: a multiple of 8 (0: none)
	u8 mpls_depth = 0;	// label entries at the start of the key part
	bool mac = false;	// 12 key bytes at mac_at: destination, source
	bool vlan = false;	// two host-order TCIs (key) at vlan_at
	bool ethertype = false;	// host order at ethertype_at (not key)
	bool direction = false;	// one byte at direction_at (not key)
	bool physdev = false;	// two ifindexes at physdev_at (not key)
	u16 mpls_ttl_at = 0;	// offset of the top entry's TTL (not key)
	u16 mac_at = 0;
	u16 vlan_at = 0;
	u16 ethertype_at = 0;
	u16 direction_at = 0;
	u16 physdev_at = 0;

	bool empty() const { return bytes == 0; }
	static ExtLayout make(const ExtChoice& c);
	static ExtLayout for_mpls(u32 depth)
	{
		ExtChoice c;
		c.mpls_depth = depth;
		return make(c);
	}
};

// The layout of this load: set by nfc_init() before any record exists,
// read everywhere after.
extern ExtLayout g_ext;

// Ten label entries, MACs, tags, bridge ports, type, TTL, direction, padding.
constexpr size_t max_ext_bytes = 72;

inline size_t base_record_size(bool v6) { return v6 ? sizeof(Flow6) : sizeof(Flow4); }
inline size_t record_size(bool v6) { return base_record_size(v6) + g_ext.bytes; }

inline u8* ext_of(FlowHead& h) { return reinterpret_cast<u8*>(&h) + base_record_size(h.is_v6); }
inline const u8* ext_of(const FlowHead& h) { return reinterpret_cast<const u8*>(&h) + base_record_size(h.is_v6); }

// The tail of a packet, as a record would carry it, from what the glue
// read in its link-layer header (labels outermost first, host order, with
// their TTL; MACs, tags, type, direction).  `out` holds max_ext_bytes.
void ext_from_l2(const nf_l2& l2, u8* out);

inline u32 ext_u32(const u8* ext, u32 at)
{
	u32 v;
	__builtin_memcpy(&v, ext + at, 4);
	return v;
}

inline u32 ext_mpls_entry(const u8* ext, u32 i) { return ext_u32(ext, 4 * i); }

inline u16 ext_u16(const u8* ext, u32 at)
{
	u16 v;
	__builtin_memcpy(&v, ext + at, 2);
	return v;
}

// A record's MAC addresses (destination, then source, as on the wire).
inline const u8* ext_dst_mac(const u8* ext) { return ext + g_ext.mac_at; }
inline const u8* ext_src_mac(const u8* ext) { return ext + g_ext.mac_at + 6; }
inline bool ext_has_mac(const u8* ext)
{
	if (!g_ext.mac)
		return false;
	u32 a, b, c;
	__builtin_memcpy(&a, ext + g_ext.mac_at, 4);
	__builtin_memcpy(&b, ext + g_ext.mac_at + 4, 4);
	__builtin_memcpy(&c, ext + g_ext.mac_at + 8, 4);
	return (a | b | c) != 0;
}
inline u16 ext_vlan(const u8* ext, u32 i) { return g_ext.vlan ? ext_u16(ext, g_ext.vlan_at + 2 * i) : 0; }
inline u16 ext_ethertype(const u8* ext) { return g_ext.ethertype ? ext_u16(ext, g_ext.ethertype_at) : 0; }
// A record's bridge port: 0 in, 1 out (0: none, or not kept).
inline u32 ext_physdev(const u8* ext, u32 i) { return g_ext.physdev ? ext_u32(ext, g_ext.physdev_at + 4 * i) : 0; }

// Key parts equal (n a multiple of 4, at most max_ext_bytes).
inline bool same_ext_key(const u8* a, const u8* b, u32 n)
{
	u32 diff = 0;
	for (u32 i = 0; i < n; i += 4)
		diff |= ext_mpls_entry(a, i / 4) ^ ext_mpls_entry(b, i / 4);
	return diff == 0;
}

// The record's hash with its key part mixed in (n a multiple of 4): one
// multiply per 8 bytes, fixed-size loads only (a variable-length copy would
// be a call to memcpy in the kernel).
inline u32 hash_with_ext(u32 hash, const u8* ext, u32 n, const HashSeed& seed)
{
	u64 h = hash;
	for (u32 i = 0; i < n; i += 8) {
		const u64 lo = ext_mpls_entry(ext, i / 4);
		const u64 hi = i + 4 < n ? ext_mpls_entry(ext, i / 4 + 1) : 0;
		h = detail::mum(h ^ (hi << 32 | lo) ^ seed.k[0], seed.k[1] ^ i);
	}
	return static_cast<u32>(h ^ (h >> 32));
}

// Copies a whole tail (n a multiple of 8) with fixed-size moves.
inline void copy_ext(u8* to, const u8* from, u32 n)
{
	for (u32 i = 0; i < n; i += 8) {
		u64 w;
		__builtin_memcpy(&w, from + i, 8);
		__builtin_memcpy(to + i, &w, 8);
	}
}

} // namespace netflow
