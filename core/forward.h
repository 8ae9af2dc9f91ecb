/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Forwarding of an overlay frame by its inner destination: as bouncer to
 * the host of a known endpoint, else as divider to one of the network's
 * bouncers or the VPC's dividers, chosen by a hash of the inner flow.
 */
#ifndef ALKAID_CORE_FORWARD_H
#define ALKAID_CORE_FORWARD_H

#include <linux/types.h>

#include "direct.h"
#include "model.h"
#include "parse.h"
#include "platform.h"
#include "proto.h"
#include "rewrite.h"
#include "verdict.h"

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

ALK_INLINE __u32 alk_parsed_flow_hash(const struct alk_parsed *ps)
{
	return alk_flow_hash(ps->vni, ps->flow_saddr, ps->key.ip,
			     ps->flow_ports, ps->flow_proto);
}

/* One hop of a set, chosen by the inner flow: stable per flow. */
ALK_INLINE __be32 alk_pick_hop(const __be32 *hops, __u32 n, __u32 hash)
{
	__u32 idx = alk_pick(hash, n);

	alk_opaque(idx);
	return hops[idx & (ALK_MAX_HOPS - 1)];
}

/*
 * Bouncer on an endpoint hit (or, for a frame that asks for the direct
 * path, within the rate, back to its asker: core/direct.h); otherwise
 * divider: the network's bouncers, then the VPC's dividers.  Never to
 * ourselves.
 */
ALK_INLINE int alk_forward(struct alk_ctx *ctx, struct alk_pkt *pkt,
			   struct alk_parsed *ps, const struct alk_gateway *gw,
			   const struct alk_endpoint *ep)
{
	struct alk_geneve_opt *want;
	const struct alk_network *net;
	const struct alk_vpc *vpc;
	__be32 hop;
	int r;

	if (ps->ip->ttl <= 1)
		return ALK_R_ttl_expired;
	if (ep) {
		want = alk_direct_wanted(pkt, ps, gw);
		if (want && alk_direct_token(ctx, gw))
			return alk_direct_return(ctx, ps, want, gw, ep);
		r = alk_outer_rewrite(ctx, ps, gw, ep->host, 0);
		return r == ALK_R_CONTINUE ? ALK_R_bounce : r;
	}

	net = alk_plat_network(ctx, ps->vni, ps->key.ip);
	if (net) {
		if (!net->nbouncers || net->nbouncers > ALK_MAX_HOPS)
			return ALK_R_no_route;
		hop = alk_pick_hop(net->bouncers, net->nbouncers,
				   alk_parsed_flow_hash(ps));
		/* we are this network's bouncer and do not know the endpoint */
		if (hop == gw->ip)
			return ALK_R_table_miss;
		r = alk_outer_rewrite(ctx, ps, gw, hop, 0);
		return r == ALK_R_CONTINUE ? ALK_R_divide_network : r;
	}

	vpc = alk_plat_vpc(ctx, ps->vni);
	if (!vpc)
		return ALK_R_unknown_vni;
	if (!vpc->ndividers || vpc->ndividers > ALK_MAX_HOPS)
		return ALK_R_no_route;
	hop = alk_pick_hop(vpc->dividers, vpc->ndividers,
			   alk_parsed_flow_hash(ps));
	/* we are a divider of this VPC and have no network for it */
	if (hop == gw->ip)
		return ALK_R_no_route;
	r = alk_outer_rewrite(ctx, ps, gw, hop, 0);
	return r == ALK_R_CONTINUE ? ALK_R_divide_vpc : r;
}

#endif
