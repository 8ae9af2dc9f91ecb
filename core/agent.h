/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The host agent's pipeline (alkaid-agent): one program for every endpoint
 * of a host.
 *
 *   alk_agent_egress()   a frame an endpoint sent, seen on its port: to an
 *                        endpoint of this host, or encapsulated to the
 *                        destination's host (direct path) or to one of its
 *                        network's bouncers;
 *   alk_agent_ingress()  a frame from the underlay: a tunnel frame for an
 *                        endpoint of this host is decapsulated and
 *                        delivered; a gateway's direct-path answer is
 *                        learned; a frame for an endpoint that moved away
 *                        is passed on to a bouncer.
 *
 * Both return a reason (core/verdict.h) and, for a delivery, the port in
 * *ifindex; the outer headers, when there are any, are written.  The
 * platform (core/agent_platform.h) redirects.  len is the whole frame's
 * length; [pkt->data, pkt->end) need only hold its headers.
 */
#ifndef ALKAID_CORE_AGENT_H
#define ALKAID_CORE_AGENT_H

#include <linux/types.h>

#include "agent_platform.h"
#include "encap.h"
#include "flow.h"
#include "model.h"
#include "proto.h"
#include "verdict.h"

#define ALK_NS_PER_MS 1000000ull

/* The inner frame, as far as the agent needs it. */
struct alk_agent_inner {
	__be32 saddr, daddr; /* IPv4; ARP: sender and target */
	__u32 ports, proto;
	__u8 arp;
	__u8 dhcp;     /* to the server (egress) */
	__u8 dhcp_rep; /* to a client (ingress) */
	__u8 *chaddr;  /* DHCP: the client's MAC */
};

/* Inner Ethernet at eth: ARP, or IPv4 with its ports. */
ALK_INLINE int alk_agent_inner(struct alk_pkt *pkt, struct alk_eth *eth,
			       struct alk_agent_inner *in)
{
	__u16 type;

	if ((__u8 *)(eth + 1) > pkt->end)
		return ALK_R_malformed_inner_eth;
	type = alk_ntohs(eth->type);
	if (type == ALK_ETH_P_ARP) {
		struct alk_arp *arp = (struct alk_arp *)(eth + 1);

		if (!alk_arp_ipv4_ok(arp, pkt->end))
			return ALK_R_malformed_arp;
		in->arp = 1;
		in->saddr = arp->spa;
		in->daddr = arp->tpa;
		return ALK_R_CONTINUE;
	}
	if (type != ALK_ETH_P_IPV4)
		return ALK_R_inner_not_ipv4;

	struct alk_ipv4 *iip = (struct alk_ipv4 *)(eth + 1);
	__u32 ihl;

	if ((__u8 *)(iip + 1) > pkt->end)
		return ALK_R_malformed_inner_ipv4;
	ihl = (iip->ver_ihl & 0xf) * 4;
	if ((iip->ver_ihl >> 4) != 4 || ihl < sizeof(*iip))
		return ALK_R_malformed_inner_ipv4;
	in->saddr = iip->saddr;
	in->daddr = iip->daddr;
	in->proto = iip->protocol;
	if ((iip->protocol == ALK_IPPROTO_UDP ||
	     iip->protocol == ALK_IPPROTO_TCP) &&
	    !(iip->frag_off & alk_htons(ALK_IP_OFFMASK))) {
		struct alk_udp *l4 = (struct alk_udp *)((__u8 *)iip + ihl);

		if ((__u8 *)(l4 + 1) > pkt->end)
			return ALK_R_CONTINUE;
		in->ports = (__u32)alk_ntohs(l4->source) << 16 |
			    alk_ntohs(l4->dest);
		if (iip->protocol != ALK_IPPROTO_UDP)
			return ALK_R_CONTINUE;
		if (l4->dest == alk_htons(ALK_DHCP_SERVER_PORT) &&
		    l4->source == alk_htons(ALK_DHCP_CLIENT_PORT))
			in->dhcp = 1;
		if (l4->dest == alk_htons(ALK_DHCP_CLIENT_PORT)) {
			struct alk_bootp *bp = (struct alk_bootp *)(l4 + 1);

			if ((__u8 *)(bp + 1) > pkt->end)
				return ALK_R_malformed_dhcp;
			in->dhcp_rep = 1;
			in->chaddr = bp->chaddr;
		}
	}
	return ALK_R_CONTINUE;
}

/*
 * The Geneve options [opt, opt_end), within a frame that ends at end: the
 * offset from opt of the first direct-path location's data, 0 when there
 * is none, -1 when an option is malformed or critical and not ours.
 */
ALK_INLINE int alk_agent_location(const __u8 *opt, const __u8 *opt_end,
				  const __u8 *end)
{
	const __u8 *pos = opt;

	/* Two walks, each carrying only its position: what one walk would
	 * also carry (found or not) multiplies the verifier's states. */
	for (int i = 0; i < ALK_GENEVE_OPT_MAX; i++) {
		const struct alk_geneve_opt *o =
			(const struct alk_geneve_opt *)pos;

		if (pos >= opt_end)
			break;
		if ((const __u8 *)(o + 1) > end)
			return -1;
		if ((o->type & 0x80) &&
		    o->opt_class != alk_htons(ALK_OPT_CLASS))
			return -1; /* critical, and not ours */
		pos += sizeof(*o) + (o->len & 0x1f) * 4;
		if (pos > opt_end)
			return -1;
	}
	pos = opt;
	for (int i = 0; i < ALK_GENEVE_OPT_MAX; i++) {
		const struct alk_geneve_opt *o =
			(const struct alk_geneve_opt *)pos;

		if (pos >= opt_end || (const __u8 *)(o + 1) > end)
			break;
		if (o->opt_class == alk_htons(ALK_OPT_CLASS) &&
		    o->type == ALK_OPT_T_LOCATION)
			return (o->len & 0x1f) == ALK_OPT_LOC_WORDS ?
				       (int)((const __u8 *)(o + 1) - opt) :
				       -1;
		pos += sizeof(*o) + (o->len & 0x1f) * 4;
	}
	return 0;
}

/* A target may run the walk out of line (BPF: verified once). */
#ifndef ALK_PLAT_GENEVE_LOCATION
#define ALK_PLAT_GENEVE_LOCATION(ctx, pkt, opt, opt_end)                       \
	alk_agent_location(opt, opt_end, (pkt)->end)
#endif

/* Is src a gateway of ours: a bouncer of the network (vni, ip), or one
 * the agent was told to trust? */
ALK_INLINE int alk_agent_gateway(struct alk_ctx *ctx, __u32 vni, __be32 ip,
				 __be32 src)
{
	const struct alk_network *net = alk_plat_network(ctx, vni, ip);

	if (net) {
		ALK_UNROLL
		for (int i = 0; i < ALK_MAX_HOPS; i++)
			if (i < net->nbouncers && net->bouncers[i] == src)
				return 1;
	}
	return alk_plat_trusted(ctx, src);
}

/* Encapsulate: room at the head, then the outer headers over it. */
ALK_INLINE int alk_agent_encap(struct alk_ctx *ctx, struct alk_pkt *pkt,
			       __u32 len, const struct alk_encap *e, int reason)
{
	__u32 hlen = alk_encap_len(e);

	if (alk_plat_push(ctx, pkt, hlen))
		return ALK_R_resize_failed;
	if (alk_encap_write(pkt, e, len + hlen))
		return ALK_R_resize_failed;
	return reason;
}

/* The tunnel of the network a frame goes to, or -1 when it is off. */
ALK_INLINE int alk_agent_tunnel(const struct alk_gateway *self,
				const struct alk_network *net,
				struct alk_encap *e)
{
	e->vxlan = !!(net->flags & ALK_NET_F_VXLAN);
	e->dport = e->vxlan ? self->vxlan_port : self->geneve_port;
	return e->dport ? 0 : -1;
}

ALK_INLINE void alk_agent_encap_init(struct alk_encap *e,
				     const struct alk_gateway *self, __u32 vni,
				     __u32 hash)
{
	__builtin_memset(e, 0, sizeof(*e));
	alk_mac_copy(e->smac, self->mac);
	e->saddr = self->ip;
	e->vni = vni;
	e->hash = hash;
}

/*
 * Egress: the frame endpoint `ifindex` sent.  Its source must be the
 * port's endpoint (MAC, and IP but for a DHCP client without one).
 */
ALK_INLINE int alk_agent_egress(struct alk_ctx *ctx, struct alk_pkt *pkt,
				__u32 len, __u32 ifindex, __u32 *out_ifindex)
{
	const struct alk_gateway *self = alk_plat_gateway(ctx);
	const struct alk_agent_conf *conf = alk_plat_agent(ctx);
	const struct alk_port *port = alk_plat_port(ctx, ifindex);
	struct alk_eth *eth = (struct alk_eth *)pkt->data;
	struct alk_agent_inner in = { 0 };
	const struct alk_network *net;
	const struct alk_local *local;
	struct alk_dp_entry *dp;
	struct alk_encap e;
	__u32 vni;
	int r;

	if (!self || !conf || !self->ip)
		return ALK_R_not_for_us;
	if (!port)
		return ALK_R_agent_unknown_port;
	r = alk_agent_inner(pkt, eth, &in);
	if (r != ALK_R_CONTINUE)
		return r;
	if (!alk_mac_eq(eth->src, port->mac) ||
	    (in.saddr != port->ip && !(in.saddr == 0 && (in.dhcp || in.arp))))
		return ALK_R_agent_spoofed;
	vni = port->vni;
	if (!in.arp && !in.dhcp) {
		if ((eth->dst[0] & 1) || in.daddr == 0xffffffff)
			return ALK_R_agent_not_unicast;
		local = alk_plat_local_ip(ctx, vni, in.daddr);
		if (local) {
			*out_ifindex = local->ifindex;
			return ALK_R_agent_local;
		}
	}

	/* DHCP to the port's own network; the rest by destination, or the
	 * port's network when the destination is in none we know */
	net = alk_plat_network(ctx, vni, in.dhcp ? port->ip : in.daddr);
	if (!net)
		net = alk_plat_network(ctx, vni, port->ip);
	if (!net || !net->nbouncers || net->nbouncers > ALK_MAX_HOPS)
		return ALK_R_agent_no_network;
	alk_agent_encap_init(
		&e, self, vni,
		alk_flow_hash(vni, in.saddr, in.daddr, in.ports, in.proto));
	if (alk_agent_tunnel(self, net, &e))
		return ALK_R_agent_no_network;
	e.daddr = alk_pick_hop(net->bouncers, net->nbouncers, e.hash);
	r = ALK_R_agent_encap;

	/* direct path: Geneve only, and a want only where its 16 bytes fit
	 * the underlay's MTU: a frame that leaves in segments always asks
	 * (each segment does, made to fit), one that would not fit does not
	 * (its flow's small frames will) */
	if ((conf->flags & ALK_AGENT_F_DIRECT_PATH) && !e.vxlan && !in.dhcp) {
		__u64 now = alk_plat_now_ns(ctx);
		__u64 age = conf->dp_age_ms * ALK_NS_PER_MS;
		__u64 ask = conf->ask_ms * ALK_NS_PER_MS;

		dp = alk_plat_dp(ctx, vni, in.daddr);
		if (dp && dp->host && now - dp->learned_ns < age) {
			/* ARP still goes to the gateway: it answers */
			if (!in.arp) {
				e.daddr = dp->host;
				r = ALK_R_agent_direct;
			}
		} else {
			if (len + ALK_ENCAP_LEN + ALK_ENCAP_WANT_LEN -
					    sizeof(struct alk_eth) >
				    conf->mtu &&
			    !alk_plat_segmented(ctx)) {
				/* too big to ask: bounced as it is */
			} else if (!dp) {
				struct alk_dp_entry asked = { .asked_ns = now };

				alk_plat_dp_put(ctx, vni, in.daddr, &asked);
				e.want = 1;
			} else if (now - dp->asked_ns >= ask) {
				dp->asked_ns = now;
				e.want = 1;
			}
			/* an aged location stays in use for one ask interval
			 * more while its renewal is asked (by another frame):
			 * a flow does not fall back to the gateway while the
			 * answer is on its way, and an endpoint that moved
			 * meanwhile is passed on by its old host */
			if (!e.want && !in.arp && dp && dp->host &&
			    now - dp->learned_ns < age + ask) {
				e.daddr = dp->host;
				r = ALK_R_agent_direct;
			}
		}
	}
	return alk_agent_encap(ctx, pkt, len, &e, r);
}

/*
 * Ingress: a frame from the underlay.  Not a tunnel frame for this host:
 * passed to the kernel.  The header checks are the gateway's.
 */
ALK_INLINE int alk_agent_ingress(struct alk_ctx *ctx, struct alk_pkt *pkt,
				 __u32 len, __u32 *out_ifindex)
{
	const struct alk_gateway *self = alk_plat_gateway(ctx);
	const struct alk_agent_conf *conf = alk_plat_agent(ctx);
	struct alk_eth *eth = (struct alk_eth *)pkt->data;
	const struct alk_opt_location *loc = 0;
	struct alk_agent_inner in = { 0 };
	struct alk_opt_location where;
	const struct alk_local *local;
	struct alk_eth *ieth;
	struct alk_ipv4 *ip;
	struct alk_udp *udp;
	struct alk_encap e;
	__u32 ihl, tot_len, ieth_off, vni;
	__be32 src;
	__u8 *tun, *opt, *opt_end, ttl;
	int geneve, r;

	if (!self || !conf || !self->ip)
		return ALK_R_not_for_us;
	if ((__u8 *)(eth + 1) > pkt->end)
		return ALK_R_malformed_eth;
	if (eth->type != alk_htons(ALK_ETH_P_IPV4))
		return ALK_R_not_ipv4;
	ip = (struct alk_ipv4 *)(eth + 1);
	if ((__u8 *)(ip + 1) > pkt->end)
		return ALK_R_malformed_ipv4;
	ihl = (ip->ver_ihl & 0xf) * 4;
	tot_len = alk_ntohs(ip->tot_len);
	if ((ip->ver_ihl >> 4) != 4 || ihl < sizeof(*ip) || tot_len < ihl ||
	    sizeof(*eth) + tot_len > len)
		return ALK_R_malformed_ipv4;
	if (ip->daddr != self->ip)
		return ALK_R_not_for_us;
	if (ip->protocol != ALK_IPPROTO_UDP)
		return ALK_R_not_udp;
	if (ip->frag_off & alk_htons(ALK_IP_MF | ALK_IP_OFFMASK))
		return ALK_R_outer_fragment;
	udp = (struct alk_udp *)((__u8 *)ip + ihl);
	if ((__u8 *)(udp + 1) > pkt->end || tot_len < ihl + sizeof(*udp))
		return ALK_R_malformed_udp;
	geneve = self->geneve_port && udp->dest == self->geneve_port;
	if (!geneve && !(self->vxlan_port && udp->dest == self->vxlan_port))
		return ALK_R_not_tunnel_port;
	if (sizeof(*eth) + tot_len != len ||
	    alk_ntohs(udp->len) != tot_len - ihl)
		return ALK_R_malformed_udp;
	src = ip->saddr;
	ttl = ip->ttl;

	tun = (__u8 *)(udp + 1);
	if (geneve) {
		struct alk_geneve *g = (struct alk_geneve *)tun;

		if ((__u8 *)(g + 1) > pkt->end)
			return ALK_R_malformed_geneve;
		if (g->ver_optlen >> 6)
			return ALK_R_geneve_version;
		if (g->flags & ALK_GENEVE_F_OAM)
			return ALK_R_geneve_control;
		if (g->protocol != alk_htons(ALK_ETH_P_TEB))
			return ALK_R_geneve_protocol;
		vni = alk_vni24(g->vni);
		opt = (__u8 *)(g + 1);
		opt_end = opt + (g->ver_optlen & 0x3f) * 4;
		if (opt_end > pkt->end)
			return ALK_R_malformed_geneve;
		r = ALK_PLAT_GENEVE_LOCATION(ctx, pkt, opt, opt_end);
		if (r < 0)
			return ALK_R_geneve_option;
		if (r > 0) {
			if (r > 252 || opt + r + sizeof(*loc) > pkt->end)
				return ALK_R_geneve_option;
			loc = (const struct alk_opt_location *)(opt + r);
		}
		ieth = (struct alk_eth *)opt_end;
	} else {
		struct alk_vxlan *vx = (struct alk_vxlan *)tun;

		if ((__u8 *)(vx + 1) > pkt->end)
			return ALK_R_malformed_vxlan;
		if (!(vx->flags & ALK_VXLAN_F_VNI))
			return ALK_R_vxlan_flags;
		vni = alk_vni24(vx->vni);
		ieth = (struct alk_eth *)(vx + 1);
	}
	if ((__u8 *)(ieth + 1) > pkt->end)
		return ALK_R_malformed_inner_eth;
	ieth_off = (__u32)((__u8 *)ieth - pkt->data);
	r = alk_agent_inner(pkt, ieth, &in);
	if (r != ALK_R_CONTINUE)
		return r;

	/* a direct-path answer, learned only from a gateway of ours */
	if (loc && (conf->flags & ALK_AGENT_F_DIRECT_PATH)) {
		__builtin_memcpy(&where, loc, sizeof(where));
		loc = &where;
		if (alk_ntohl(where.vni) != vni ||
		    !alk_agent_gateway(ctx, vni, where.ip, src))
			return ALK_R_agent_untrusted;
		struct alk_dp_entry learned = {
			.host = where.host,
			.learned_ns = alk_plat_now_ns(ctx),
		};
		alk_plat_dp_put(ctx, vni, where.ip, &learned);
	} else {
		loc = 0;
	}

	local = alk_plat_local_mac(
		ctx, vni,
		(ieth->dst[0] & 1) && in.dhcp_rep ? in.chaddr : ieth->dst);
	if (local) {
		*out_ifindex = local->ifindex;
		if (alk_plat_pull(ctx, pkt, ieth_off))
			return ALK_R_resize_failed;
		return ALK_R_agent_deliver;
	}

	/* Not here.  A gateway's return of one of our frames goes on to
	 * where the gateway says; a gateway's frame otherwise ends here (no
	 * loops); a host's (direct path) goes on to a bouncer: the
	 * endpoint has moved and the sender's cache will age out. */
	const struct alk_network *net;
	__be32 dst;

	if (loc && where.ip == in.daddr) {
		dst = where.host;
		r = ALK_R_agent_return;
		net = alk_plat_network(ctx, vni, in.daddr);
	} else {
		if (alk_agent_gateway(ctx, vni, in.daddr, src))
			return ALK_R_agent_not_local;
		net = alk_plat_network(ctx, vni, in.daddr);
		if (!net || !net->nbouncers || net->nbouncers > ALK_MAX_HOPS)
			return ALK_R_agent_no_network;
		/* the outer TTL goes on down: a loop through stale tables
		 * ends as the gateway's bounces would make it end */
		if (ttl <= 1)
			return ALK_R_ttl_expired;
		dst = 0;
		r = ALK_R_agent_forward;
	}
	if (!net)
		return ALK_R_agent_no_network;
	alk_agent_encap_init(
		&e, self, vni,
		alk_flow_hash(vni, in.saddr, in.daddr, in.ports, in.proto));
	if (alk_agent_tunnel(self, net, &e))
		return ALK_R_agent_no_network;
	e.ttl = dst ? 0 : (__u8)(ttl - 1);
	e.daddr =
		dst ? dst : alk_pick_hop(net->bouncers, net->nbouncers, e.hash);
	if (e.daddr == self->ip)
		return ALK_R_loop;
	if (alk_plat_pull(ctx, pkt, ieth_off))
		return ALK_R_resize_failed;
	return alk_agent_encap(ctx, pkt, len - ieth_off, &e, r);
}

#endif
