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
#include "flow.h"
#include "model.h"
#include "parse.h"
#include "platform.h"
#include "proto.h"
#include "rewrite.h"
#include "verdict.h"

ALK_INLINE __u32 alk_parsed_flow_hash(const struct alk_parsed *ps)
{
	return alk_flow_hash(ps->vni, ps->flow_saddr, ps->key.ip,
			     ps->flow_ports, ps->flow_proto);
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
