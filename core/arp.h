/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ARP responders: overlay ARP for the endpoints (answered for them, in the
 * tunnel) and underlay ARP for the gateway's own address (DPDK, which has
 * no kernel to answer it).  Both build the reply in place over the request.
 */
#ifndef ALKAID_CORE_ARP_H
#define ALKAID_CORE_ARP_H

#include <linux/types.h>

#include "direct.h"
#include "lookup.h"
#include "model.h"
#include "parse.h"
#include "platform.h"
#include "proto.h"
#include "rewrite.h"
#include "verdict.h"

/*
 * ARP request for a known endpoint: the reply is built in place and sent to
 * the host where the asker lives (from the endpoints table), so that it is
 * right even when the request reached us through a divider; to the outer
 * source only when the asker is unknown.  A request that asks for the
 * direct path gets the target's location in its want option.
 */
ALK_INLINE int alk_arp_reply(struct alk_ctx *ctx, struct alk_pkt *pkt,
			     struct alk_parsed *ps,
			     const struct alk_gateway *gw,
			     const struct alk_endpoint *ep)
{
	struct alk_geneve_opt *want;
	struct alk_arp *arp = (struct alk_arp *)ps->inner_l3;
	struct alk_endpoint_key asker_key = { .vni = ps->vni, .ip = arp->spa };
	struct alk_endpoint asker;
	__be32 spa = arp->spa, tpa = arp->tpa;
	int r;

	/* a busy bucket is as good as unknown here: the outer source asked */
	r = alk_flat_endpoint(ctx, &asker_key, &asker) == ALK_FLAT_FOUND;
	r = alk_outer_rewrite(ctx, ps, gw, r ? asker.host : ps->ip->saddr, 1);
	if (r != ALK_R_CONTINUE)
		return r;

	alk_mac_copy(ps->ieth->dst, arp->sha);
	alk_mac_copy(ps->ieth->src, ep->mac);
	arp->op = alk_htons(ALK_ARP_REPLY);
	alk_mac_copy(arp->tha, arp->sha);
	alk_mac_copy(arp->sha, ep->mac);
	arp->tpa = spa;
	arp->spa = tpa;
	want = alk_direct_wanted(pkt, ps, gw);
	if (want)
		alk_direct_locate(ps, want, ps->vni, tpa, ep->host);
	return ALK_R_arp_reply;
}

/* ARP for the gateway's own underlay address (DPDK: no kernel to do it). */
ALK_INLINE int alk_underlay_arp(struct alk_pkt *pkt, struct alk_parsed *ps,
				const struct alk_gateway *gw, void *l3)
{
	struct alk_arp *arp = (struct alk_arp *)l3;

	if (!(gw->flags & ALK_GW_F_UNDERLAY_ARP))
		return ALK_R_underlay_arp;
	if (!alk_arp_ipv4_ok(arp, pkt->end))
		return ALK_R_malformed_arp;
	if (arp->op != alk_htons(ALK_ARP_REQUEST) || arp->tpa != gw->ip ||
	    !gw->ip)
		return ALK_R_underlay_arp_other;

	alk_mac_copy(ps->eth->dst, arp->sha);
	alk_mac_copy(ps->eth->src, gw->mac);
	arp->op = alk_htons(ALK_ARP_REPLY);
	alk_mac_copy(arp->tha, arp->sha);
	arp->tpa = arp->spa;
	alk_mac_copy(arp->sha, gw->mac);
	arp->spa = gw->ip;
	return ALK_R_underlay_arp_reply;
}

#endif
