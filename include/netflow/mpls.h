/* SPDX-License-Identifier: GPL-2.0 */
/*
 * MPLS label stacks (RFC 3032), as frames of a mirror port carry them
 * between the Ethernet header (ethertype 0x8847 unicast, 0x8848 multicast)
 * and the IP header.  Each entry is 4 bytes, network order:
 *
 *     label (20 bits) | traffic class (3) | bottom of stack (1) | TTL (8)
 *
 * Plain C and C++ (no kernel header): the promisc handler (kmod/glue)
 * strips stacks with it, the unit tests check it byte by byte.
 */
#ifndef NETFLOW_MPLS_H
#define NETFLOW_MPLS_H

#include "netflow/abi.h"

/* The deepest stack the `promisc_mpls` setting may ask for. */
#define NF_MPLS_MAX_DEPTH NF_L2_MAX_LABELS
#define NF_MPLS_ENTRY_BYTES 4

struct nf_mpls_stack {
	nf_u32 entry[NF_MPLS_MAX_DEPTH];	/* host order, outermost first */
	nf_u32 depth;				/* entries in use */
};

NF_INLINE nf_u32 nf_mpls_label(nf_u32 entry) { return entry >> 12; }
NF_INLINE nf_u32 nf_mpls_tc(nf_u32 entry) { return (entry >> 9) & 7; }
NF_INLINE int nf_mpls_bottom(nf_u32 entry) { return (entry >> 8) & 1; }
NF_INLINE nf_u32 nf_mpls_ttl(nf_u32 entry) { return entry & 0xff; }

/* The entry at p (4 bytes, network order). */
NF_INLINE nf_u32 nf_mpls_entry_at(const nf_u8 *p)
{
	return (nf_u32)p[0] << 24 | (nf_u32)p[1] << 16 | (nf_u32)p[2] << 8 | p[3];
}

/* The stack at p (len bytes readable), down to its bottom entry, at most
 * max_depth entries (1..NF_MPLS_MAX_DEPTH).  Returns its length in bytes
 * and fills *st; 0 when no bottom-of-stack entry lies within max_depth
 * entries and len bytes (the frame is then not taken). */
NF_INLINE nf_u32 nf_mpls_parse(const nf_u8 *p, nf_u32 len, nf_u32 max_depth, struct nf_mpls_stack *st)
{
	nf_u32 i;

	if (max_depth > NF_MPLS_MAX_DEPTH)
		max_depth = NF_MPLS_MAX_DEPTH;
	st->depth = 0;
	for (i = 0; i < max_depth && (i + 1) * NF_MPLS_ENTRY_BYTES <= len; i++) {
		nf_u32 entry = nf_mpls_entry_at(p + i * NF_MPLS_ENTRY_BYTES);

		st->entry[i] = entry;
		if (nf_mpls_bottom(entry)) {
			st->depth = i + 1;
			return st->depth * NF_MPLS_ENTRY_BYTES;
		}
	}
	return 0;
}

/* The IP version that follows a stack: the first nibble of the payload
 * (MPLS itself does not say); 0 when it is neither 4 nor 6. */
NF_INLINE int nf_mpls_payload_family(nf_u8 first_byte)
{
	nf_u8 v = first_byte >> 4;

	return v == 4 ? NF_FAMILY_IPV4 : v == 6 ? NF_FAMILY_IPV6 : 0;
}

/* An entry as the label elements carry it (mplsTopLabelStackSection and
 * mplsLabelStackSection2..10, IE 70..79: 3 bytes, label, traffic class and
 * bottom-of-stack bit, the TTL left out); the TTL of the top entry goes in
 * mplsTopLabelTTL (IE 200, 1 byte). */
NF_INLINE void nf_mpls_ie_section(nf_u32 entry, nf_u8 out[3])
{
	out[0] = (nf_u8)(entry >> 24);
	out[1] = (nf_u8)(entry >> 16);
	out[2] = (nf_u8)(entry >> 8);
}

#endif
