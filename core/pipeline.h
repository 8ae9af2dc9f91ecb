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
#include "lookup.h"
#include "model.h"
#include "parse.h"
#include "platform.h"
#include "proto.h"
#include "verdict.h"

/* The parse of alk_classify_full(). */
ALK_INLINE int alk_classify_headers(struct alk_pkt *pkt, struct alk_parsed *ps,
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

/* Stage 1 without the common shape's shortcut: every frame's reason.  A
 * frame in fragments with a short linear part whose headers were cut
 * short was not read past the linear part: headers_not_linear, not
 * malformed. */
ALK_INLINE int alk_classify_full(struct alk_pkt *pkt, struct alk_parsed *ps,
				 const struct alk_gateway *gw)
{
	int r = alk_classify_headers(pkt, ps, gw);

	if (r == ALK_R_CONTINUE || !pkt->nonlinear)
		return r;
	if (r >= ALK_R_malformed_eth && r <= ALK_R_malformed_arp &&
	    pkt->end - pkt->data < ALK_MAX_HEADERS)
		return ALK_R_headers_not_linear;
	return r;
}

/* Stage 1.  ALK_R_CONTINUE: look up ps->key (unless DHCP), then alk_act(). */
ALK_INLINE int alk_classify(struct alk_pkt *pkt, struct alk_parsed *ps,
			    const struct alk_gateway *gw)
{
#ifndef __bpf__
	/* Not for BPF: behind the shortcut the verifier walks the full
	 * parse twice (knowing 92 bytes are there, and not), and the DHCP
	 * responder's option loops then pass its 1M-instruction budget. */
	if (alk_parse_common(pkt, ps, gw))
		return ALK_R_CONTINUE;
#endif
	return alk_classify_full(pkt, ps, gw);
}

/* Stage 2.  ep: the endpoint at ps->key, or NULL. */
ALK_INLINE int alk_act(struct alk_ctx *ctx, struct alk_pkt *pkt,
		       struct alk_parsed *ps, const struct alk_gateway *gw,
		       const struct alk_endpoint *ep)
{
	if (ps->kind == ALK_K_DHCP)
		return alk_dhcp(ctx, pkt, ps, gw);
	if (ps->kind == ALK_K_ARP && ep)
		return alk_arp_reply(ctx, pkt, ps, gw, ep);
	/* IPv4, or ARP for an endpoint another bouncer holds */
	return alk_forward(ctx, pkt, ps, gw, ep);
}

/* Stage 2 after a flat-table lookup of ps->key (core/flat.h): a bucket
 * the writer kept changing ends the frame rather than taking a miss. */
ALK_INLINE int alk_act_probed(struct alk_ctx *ctx, struct alk_pkt *pkt,
			      struct alk_parsed *ps,
			      const struct alk_gateway *gw,
			      enum alk_flat_probe probe,
			      const struct alk_endpoint *ep)
{
	if (probe == ALK_FLAT_BUSY)
		return ALK_R_table_busy;
	return alk_act(ctx, pkt, ps, gw, probe == ALK_FLAT_FOUND ? ep : 0);
}

ALK_INLINE enum alk_reason alk_process(struct alk_ctx *ctx, struct alk_pkt *pkt)
{
	const struct alk_gateway *gw = alk_plat_gateway(ctx);
	struct alk_endpoint ep = { 0 };
	enum alk_flat_probe probe = ALK_FLAT_ABSENT;
	struct alk_parsed ps;
	int r;

	if (!gw) {
		r = ALK_R_not_for_us;
		goto out;
	}
	r = alk_classify(pkt, &ps, gw);
	if (r != ALK_R_CONTINUE)
		goto out;
	if (ps.kind != ALK_K_DHCP)
		probe = alk_flat_endpoint(ctx, &ps.key, &ep);
	r = alk_act_probed(ctx, pkt, &ps, gw, probe, &ep);
out:
	alk_plat_count(ctx, (enum alk_reason)r);
	return (enum alk_reason)r;
}

#endif
