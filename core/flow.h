/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The inner flow's hash and the hop it picks from a set: the same on every
 * target and in every role (a gateway dividing, a host agent choosing a
 * bouncer), so that a flow takes one path whichever back end runs it.
 */
#ifndef ALKAID_CORE_FLOW_H
#define ALKAID_CORE_FLOW_H

#include <linux/types.h>

#include "model.h"
#include "proto.h"

_Static_assert((ALK_MAX_HOPS & (ALK_MAX_HOPS - 1)) == 0,
	       "ALK_MAX_HOPS must be a power of two");

/* MurmurHash3 (32-bit) over host-order words: identical on every target,
 * so a flow picks the same hop whichever back end runs it. */
ALK_INLINE __u32 alk_rotl32(__u32 x, int r)
{
	return (x << r) | (x >> (32 - r));
}

ALK_INLINE __u32 alk_murmur_mix(__u32 h, __u32 k)
{
	k *= 0xcc9e2d51;
	k = alk_rotl32(k, 15);
	k *= 0x1b873593;
	h ^= k;
	h = alk_rotl32(h, 13);
	return h * 5 + 0xe6546b64;
}

ALK_INLINE __u32 alk_flow_hash(__u32 vni, __be32 saddr, __be32 daddr,
			       __u32 ports, __u32 proto)
{
	__u32 h = 0x9747b28c;

	h = alk_murmur_mix(h, vni);
	h = alk_murmur_mix(h, alk_ntohl(saddr));
	h = alk_murmur_mix(h, alk_ntohl(daddr));
	h = alk_murmur_mix(h, ports);
	h = alk_murmur_mix(h, proto);
	h ^= 20; /* length in bytes */
	h ^= h >> 16;
	h *= 0x85ebca6b;
	h ^= h >> 13;
	h *= 0xc2b2ae35;
	h ^= h >> 16;
	return h;
}

/* Map a hash onto [0, n) without a division. */
ALK_INLINE __u32 alk_pick(__u32 hash, __u32 n)
{
	return (__u32)(((__u64)hash * n) >> 32);
}

/* One hop of a set, chosen by the inner flow: stable per flow. */
ALK_INLINE __be32 alk_pick_hop(const __be32 *hops, __u32 n, __u32 hash)
{
	__u32 idx = alk_pick(hash, n);

	alk_opaque(idx);
	return hops[idx & (ALK_MAX_HOPS - 1)];
}

#endif
