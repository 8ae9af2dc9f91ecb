/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The gateway's packet pipeline, one frame at a time:
 *
 *   alk_classify()  parse outer and inner headers, decide the kind of frame
 *                   and the endpoint key to look up;
 *   alk_act()       given the endpoint lookup (a back end may do it in bulk
 *                   for a burst), bounce, divide, answer ARP or DHCP;
 *   alk_process()   both, with the lookup and the counter.
 *
 * A target also includes its shim from core/platform/ (platform.h).
 */
#ifndef ALKAID_CORE_PIPELINE_H
#define ALKAID_CORE_PIPELINE_H

#include <linux/types.h>

#include "arp.h"
#include "dhcp.h"
#include "forward.h"
#include "model.h"
#include "parse.h"
#include "platform.h"
#include "proto.h"
#include "verdict.h"

/* Stage 1.  ALK_R_CONTINUE: look up ps->key (unless DHCP), then alk_act(). */
ALK_INLINE int alk_classify(struct alk_pkt *pkt, struct alk_parsed *ps,
			    const struct alk_gateway *gw)
{
	__u16 type;
	void *l3;
	int r;

	r = alk_parse_eth(pkt, ps, &type, &l3);
	if (r != ALK_R_CONTINUE)
		return r;
	if (type == ALK_ETH_P_ARP)
		return alk_underlay_arp(pkt, ps, gw, l3);
	if (type != ALK_ETH_P_IPV4)
		return ALK_R_not_ipv4;
	r = alk_parse_outer(pkt, ps, gw, l3);
	if (r != ALK_R_CONTINUE)
		return r;
	return alk_parse_inner(pkt, ps);
}

/* Stage 2.  ep: the endpoint at ps->key, or NULL. */
ALK_INLINE int alk_act(struct alk_ctx *ctx, struct alk_pkt *pkt,
		       struct alk_parsed *ps, const struct alk_gateway *gw,
		       const struct alk_endpoint *ep)
{
	if (ps->kind == ALK_K_DHCP)
		return alk_dhcp(ctx, pkt, ps, gw);
	if (ps->kind == ALK_K_ARP && ep)
		return alk_arp_reply(ctx, ps, gw, ep);
	/* IPv4, or ARP for an endpoint another bouncer holds */
	return alk_forward(ctx, ps, gw, ep);
}

ALK_INLINE enum alk_reason alk_process(struct alk_ctx *ctx, struct alk_pkt *pkt)
{
	const struct alk_gateway *gw = alk_plat_gateway(ctx);
	struct alk_parsed ps;
	int r;

	if (!gw) {
		r = ALK_R_not_for_us;
		goto out;
	}
	r = alk_classify(pkt, &ps, gw);
	if (r == ALK_R_CONTINUE)
		r = alk_act(ctx, pkt, &ps, gw,
			    ps.kind == ALK_K_DHCP ?
				    0 :
				    alk_plat_endpoint(ctx, &ps.key));
out:
	alk_plat_count(ctx, (enum alk_reason)r);
	return (enum alk_reason)r;
}

#endif
