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
 * Include a platform shim from core/platform/ first.
 */
#ifndef ALKAID_CORE_PIPELINE_H
#define ALKAID_CORE_PIPELINE_H

#include "parse.h"

_Static_assert((ALK_MAX_HOPS & (ALK_MAX_HOPS - 1)) == 0,
	       "ALK_MAX_HOPS must be a power of two");

#define ALK_REPLY_TTL 64

/*
 * Point the outer headers at dst: next-hop MAC from the neighbor table (or,
 * when dst is the sender itself, the MAC the frame came from), source is
 * the gateway.  A forwarded frame keeps its TTL minus one and gets its
 * checksums updated incrementally (RFC 1624); a reply built by the gateway
 * starts at ALK_REPLY_TTL and carries a zero UDP checksum (RFC 8926 3.3,
 * RFC 7348 5), its payload having changed.  Nothing is written on failure.
 */
ALK_INLINE int alk_outer_rewrite(struct alk_ctx *ctx, struct alk_parsed *ps,
				 const struct alk_gateway *gw, __be32 dst,
				 int reply)
{
	struct alk_ipv4 *ip = ps->ip;
	const struct alk_neighbor *nb;
	__u8 mac[6];
	__u16 old_word, new_word, check;

	if (dst == gw->ip)
		return ALK_R_loop;
	nb = alk_plat_neighbor(ctx, dst);
	if (nb)
		alk_mac_copy(mac, nb->mac);
	else if (dst == ip->saddr)
		alk_mac_copy(mac, ps->eth->src);
	else
		return ALK_R_neighbor_miss;

	alk_mac_copy(ps->eth->dst, mac);
	alk_mac_copy(ps->eth->src, gw->mac);

	/* the TTL/protocol word, rewritten in a register: storing the TTL
	 * byte and reading the word back would stall on the store */
	__builtin_memcpy(&old_word, &ip->ttl, 2);
	new_word = reply ? (__u16)((old_word & alk_htons(0x00ff)) |
				   alk_htons(ALK_REPLY_TTL << 8)) :
			   (__u16)(old_word - alk_htons(0x0100));
	__builtin_memcpy(&ip->ttl, &new_word, 2);
	check = alk_csum_replace2(ip->check, old_word, new_word);
	check = alk_csum_replace4(check, ip->saddr, gw->ip);
	check = alk_csum_replace4(check, ip->daddr, dst);
	ip->check = check;

	if (reply) {
		ps->udp->check = 0;
	} else if (ps->udp->check) {
		check = alk_csum_replace4(ps->udp->check, ip->saddr, gw->ip);
		check = alk_csum_replace4(check, ip->daddr, dst);
		ps->udp->check = check ? check : 0xffff;
	}
	ip->saddr = gw->ip;
	ip->daddr = dst;
	return ALK_R_CONTINUE;
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
 * Bouncer on an endpoint hit; otherwise divider: the network's bouncers,
 * then the VPC's dividers.  Never to ourselves.
 */
ALK_INLINE int alk_forward(struct alk_ctx *ctx, struct alk_parsed *ps,
			   const struct alk_gateway *gw,
			   const struct alk_endpoint *ep)
{
	const struct alk_network *net;
	const struct alk_vpc *vpc;
	__be32 hop;
	int r;

	if (ps->ip->ttl <= 1)
		return ALK_R_ttl_expired;
	if (ep) {
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

/*
 * ARP request for a known endpoint: the reply is built in place and sent to
 * the host where the asker lives (from the endpoints table), so that it is
 * right even when the request reached us through a divider; to the outer
 * source only when the asker is unknown.
 */
ALK_INLINE int alk_arp_reply(struct alk_ctx *ctx, struct alk_parsed *ps,
			     const struct alk_gateway *gw,
			     const struct alk_endpoint *ep)
{
	struct alk_arp *arp = (struct alk_arp *)ps->inner_l3;
	struct alk_endpoint_key asker_key = { .vni = ps->vni, .ip = arp->spa };
	const struct alk_endpoint *asker;
	__be32 spa = arp->spa, tpa = arp->tpa;
	int r;

	asker = alk_plat_endpoint(ctx, &asker_key);
	r = alk_outer_rewrite(ctx, ps, gw, asker ? asker->host : ps->ip->saddr,
			      1);
	if (r != ALK_R_CONTINUE)
		return r;

	alk_mac_copy(ps->ieth->dst, arp->sha);
	alk_mac_copy(ps->ieth->src, ep->mac);
	arp->op = alk_htons(ALK_ARP_REPLY);
	alk_mac_copy(arp->tha, arp->sha);
	alk_mac_copy(arp->sha, ep->mac);
	arp->tpa = spa;
	arp->spa = tpa;
	return ALK_R_arp_reply;
}

/* ARP for the gateway's own underlay address (DPDK: no kernel to do it). */
ALK_INLINE int alk_underlay_arp(struct alk_pkt *pkt, struct alk_parsed *ps,
				const struct alk_gateway *gw, void *l3)
{
	struct alk_arp *arp = (struct alk_arp *)l3;

	if (!(gw->flags & ALK_GW_F_UNDERLAY_ARP))
		return ALK_R_underlay_arp;
	if ((__u8 *)(arp + 1) > pkt->end)
		return ALK_R_malformed_arp;
	if (arp->htype != alk_htons(1) ||
	    arp->ptype != alk_htons(ALK_ETH_P_IPV4) || arp->hlen != 6 ||
	    arp->plen != 4)
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

#include "dhcp.h"

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

ALK_INLINE enum alk_reason alk_process(struct alk_ctx *ctx,
				       struct alk_pkt *pkt)
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
