/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Parsing of an overlay frame addressed to the gateway:
 * outer Ethernet [802.1Q] / IPv4 / UDP / (Geneve | VXLAN) / inner Ethernet.
 * Every access is checked against pkt->end in the form the BPF verifier
 * follows: pointer + size > end.  Headers are read from the linear part
 * only; lengths are compared with the whole frame's (alk_pkt_len()).
 */
#ifndef ALKAID_CORE_PARSE_H
#define ALKAID_CORE_PARSE_H

#include <linux/types.h>

#include "model.h"
#include "proto.h"
#include "verdict.h"

/* What the frame is, once parsed, and what the gateway should do with it. */
enum alk_kind {
	ALK_K_FORWARD, /* inner IPv4: bounce or divide on (vni, daddr) */
	ALK_K_ARP,     /* inner ARP request: answer or divide on (vni, tpa) */
	ALK_K_DHCP,    /* inner DHCPv4 to the server port */
};

/* Bytes of outer headers the core will look at, at the most. */
#define ALK_MAX_OUTER (14 + 4 + 60 + 8 + 8 + 252)
/* ... and of all headers, the inner Ethernet, IPv4 and L4 port words
 * included: a frame in fragments whose linear part is at least this long
 * holds every header the core reads in it. */
#define ALK_MAX_HEADERS (ALK_MAX_OUTER + 14 + 60 + 8)

struct alk_parsed {
	struct alk_eth *eth;
	struct alk_ipv4 *ip;
	struct alk_udp *udp;
	struct alk_eth *ieth;		 /* inner Ethernet */
	void *inner_l3;			 /* inner IPv4 or ARP header */
	__u32 ip_off, udp_off, ieth_off; /* the same, as offsets from data */
	__u32 frame_len; /* an overlay frame ends where its outer IPv4 does */
	__u32 vni;
	enum alk_kind kind;
	struct alk_endpoint_key key; /* endpoint to look up (FORWARD, ARP) */
	/* The inner flow, hashed only when a hop must be chosen (a bouncer
	 * never needs it): source, ports, protocol; destination is key.ip. */
	__be32 flow_saddr;
	__u32 flow_ports;
	__u32 flow_proto;
	/* Offset from data of the first direct-path want option
	 * (core/direct.h), whose 12 bytes of data are in the frame; 0 when
	 * the frame has none.  An offset, not a pointer: for BPF a pointer
	 * would be a different state for each place in the option walk it
	 * was found at, and the verifier would walk the rest once for each. */
	__u32 want_off;
};

/* Outer Ethernet, optional 802.1Q tag: returns the EtherType, sets *l3. */
ALK_INLINE int alk_parse_eth(struct alk_pkt *pkt, struct alk_parsed *ps,
			     __u16 *type, void **l3)
{
	struct alk_eth *eth = (struct alk_eth *)pkt->data;
	__u8 *pos;

	if ((__u8 *)(eth + 1) > pkt->end)
		return ALK_R_malformed_eth;
	ps->eth = eth;
	*type = alk_ntohs(eth->type);
	pos = (__u8 *)(eth + 1);
	if (*type == ALK_ETH_P_8021Q) {
		struct alk_vlan *vlan = (struct alk_vlan *)pos;

		if ((__u8 *)(vlan + 1) > pkt->end)
			return ALK_R_malformed_vlan;
		*type = alk_ntohs(vlan->type);
		pos = (__u8 *)(vlan + 1);
		ps->ip_off = sizeof(*eth) + sizeof(*vlan);
	} else {
		ps->ip_off = sizeof(*eth);
	}
	*l3 = pos;
	return ALK_R_CONTINUE;
}

/* Geneve: version 0, Ethernet payload, options walked and bounded. */
ALK_INLINE int alk_parse_geneve(struct alk_pkt *pkt, struct alk_parsed *ps,
				__u8 *pos)
{
	struct alk_geneve *gnv = (struct alk_geneve *)pos;
	__u8 *opt, *opt_end;

	if ((__u8 *)(gnv + 1) > pkt->end)
		return ALK_R_malformed_geneve;
	if (gnv->ver_optlen >> 6)
		return ALK_R_geneve_version;
	if (gnv->flags & ALK_GENEVE_F_OAM)
		return ALK_R_geneve_control;
	if (gnv->protocol != alk_htons(ALK_ETH_P_TEB))
		return ALK_R_geneve_protocol;
	opt = (__u8 *)(gnv + 1);
	opt_end = opt + (gnv->ver_optlen & 0x3f) * 4;
	if (opt_end > pkt->end)
		return ALK_R_malformed_geneve;
	ps->want_off = 0;
	for (int i = 0; i < ALK_GENEVE_OPT_MAX; i++) {
		struct alk_geneve_opt *o = (struct alk_geneve_opt *)opt;

		if (opt >= opt_end)
			break;
		if ((__u8 *)(o + 1) > pkt->end)
			return ALK_R_geneve_option;
		opt += sizeof(*o) + (o->len & 0x1f) * 4;
		if (opt > opt_end)
			return ALK_R_geneve_option;
		if (o->opt_class == alk_htons(ALK_OPT_CLASS) &&
		    o->type == ALK_OPT_T_WANT && !ps->want_off) {
			if ((o->len & 0x1f) != ALK_OPT_LOC_WORDS)
				return ALK_R_malformed_want;
			ps->want_off = (__u32)((__u8 *)o - pkt->data);
		}
	}
	ps->vni = alk_vni24(gnv->vni);
	ps->ieth = (struct alk_eth *)opt_end;
	ps->ieth_off = ps->udp_off + sizeof(struct alk_udp) + sizeof(*gnv) +
		       (gnv->ver_optlen & 0x3f) * 4;
	return ALK_R_CONTINUE;
}

ALK_INLINE int alk_parse_vxlan(struct alk_pkt *pkt, struct alk_parsed *ps,
			       __u8 *pos)
{
	struct alk_vxlan *vx = (struct alk_vxlan *)pos;

	if ((__u8 *)(vx + 1) > pkt->end)
		return ALK_R_malformed_vxlan;
	if (!(vx->flags & ALK_VXLAN_F_VNI))
		return ALK_R_vxlan_flags;
	ps->vni = alk_vni24(vx->vni);
	ps->want_off = 0;
	ps->ieth = (struct alk_eth *)(vx + 1);
	ps->ieth_off = ps->udp_off + sizeof(struct alk_udp) + sizeof(*vx);
	return ALK_R_CONTINUE;
}

/* The inner frame: IPv4 (forward, or DHCP to port 67) or ARP request. */
ALK_INLINE int alk_parse_inner(struct alk_pkt *pkt, struct alk_parsed *ps)
{
	struct alk_eth *ieth = ps->ieth;
	__u16 type;

	if ((__u8 *)(ieth + 1) > pkt->end)
		return ALK_R_malformed_inner_eth;
	type = alk_ntohs(ieth->type);
	ps->inner_l3 = ieth + 1;
	ps->key.vni = ps->vni;

	if (type == ALK_ETH_P_ARP) {
		struct alk_arp *arp = (struct alk_arp *)(ieth + 1);

		if (!alk_arp_ipv4_ok(arp, pkt->end))
			return ALK_R_malformed_arp;
		if (arp->op != alk_htons(ALK_ARP_REQUEST))
			return ALK_R_arp_not_request;
		ps->kind = ALK_K_ARP;
		ps->key.ip = arp->tpa;
		ps->flow_saddr = arp->spa;
		ps->flow_ports = 0;
		ps->flow_proto = 0;
		return ALK_R_CONTINUE;
	}
	if (type != ALK_ETH_P_IPV4)
		return ALK_R_inner_not_ipv4;

	struct alk_ipv4 *iip = (struct alk_ipv4 *)(ieth + 1);
	__u32 ports = 0, cut = 0;
	__u32 ihl;

	if ((__u8 *)(iip + 1) > pkt->end)
		return ALK_R_malformed_inner_ipv4;
	ihl = (iip->ver_ihl & 0xf) * 4;
	if ((iip->ver_ihl >> 4) != 4 || ihl < sizeof(*iip))
		return ALK_R_malformed_inner_ipv4;
	ps->kind = ALK_K_FORWARD;
	ps->key.ip = iip->daddr;

	/* Ports only on a first (or only) fragment; a missing L4 header is
	 * not ours to judge, the flow just hashes on addresses. */
	if ((iip->protocol == ALK_IPPROTO_UDP ||
	     iip->protocol == ALK_IPPROTO_TCP) &&
	    !(iip->frag_off & alk_htons(ALK_IP_OFFMASK))) {
		struct alk_udp *l4 = (struct alk_udp *)((__u8 *)iip + ihl);

		if ((__u8 *)(l4 + 1) <= pkt->end) {
			ports = (__u32)alk_ntohs(l4->source) << 16 |
				alk_ntohs(l4->dest);
			if (iip->protocol == ALK_IPPROTO_UDP &&
			    l4->dest == alk_htons(ALK_DHCP_SERVER_PORT))
				ps->kind = ALK_K_DHCP;
		} else if (pkt->nonlinear) {
			/* it is there, in a fragment: DHCP or not? */
			cut = 1;
		}
	}
	ps->flow_saddr = iip->saddr;
	ps->flow_ports = ports;
	ps->flow_proto = iip->protocol;
	return cut ? ALK_R_headers_not_linear : ALK_R_CONTINUE;
}

/*
 * Outer IPv4 / UDP / tunnel.  A frame that is not an overlay packet for this
 * gateway is passed; one that is, but is malformed, is dropped.  Overlay
 * frames are never shorter than the Ethernet minimum, so their IPv4 total
 * length must match the frame exactly.
 */
ALK_INLINE int alk_parse_outer(struct alk_pkt *pkt, struct alk_parsed *ps,
			       const struct alk_gateway *gw, void *l3)
{
	struct alk_ipv4 *ip = (struct alk_ipv4 *)l3;
	struct alk_udp *udp;
	__u32 ihl, tot_len, len;
	int geneve;
	__u8 *tun;

	if ((__u8 *)(ip + 1) > pkt->end)
		return ALK_R_malformed_ipv4;
	ihl = (ip->ver_ihl & 0xf) * 4;
	tot_len = alk_ntohs(ip->tot_len);
	len = alk_pkt_len(pkt);
	if ((ip->ver_ihl >> 4) != 4 || ihl < sizeof(*ip) || tot_len < ihl ||
	    ps->ip_off + tot_len > len)
		return ALK_R_malformed_ipv4;
	ps->ip = ip;
	if (ip->daddr != gw->ip || !gw->ip)
		return ALK_R_not_for_us;
	if (ip->protocol != ALK_IPPROTO_UDP)
		return ALK_R_not_udp;
	if (ip->frag_off & alk_htons(ALK_IP_MF | ALK_IP_OFFMASK))
		return ALK_R_outer_fragment;

	udp = (struct alk_udp *)((__u8 *)ip + ihl);
	if ((__u8 *)(udp + 1) > pkt->end || tot_len < ihl + sizeof(*udp))
		return ALK_R_malformed_udp;
	ps->udp = udp;
	ps->udp_off = ps->ip_off + ihl;
	geneve = gw->geneve_port && udp->dest == gw->geneve_port;
	if (!geneve && !(gw->vxlan_port && udp->dest == gw->vxlan_port))
		return ALK_R_not_tunnel_port;
	if (ps->ip_off + tot_len != len || alk_ntohs(udp->len) != tot_len - ihl)
		return ALK_R_malformed_udp;

	ps->frame_len = ps->ip_off + tot_len;
	tun = (__u8 *)(udp + 1);
	if (geneve)
		return alk_parse_geneve(pkt, ps, tun);
	return alk_parse_vxlan(pkt, ps, tun);
}

/*
 * The common shape, parsed in one pass: no VLAN, outer IPv4 of 20 bytes,
 * Geneve without options or VXLAN, inner IPv4 of 20 bytes other than
 * DHCP, 92 bytes or more.  One bounds check, word compares, few branches; the
 * frame takes it only when every check of the full parse below would pass, so
 * the result (ps, the reason) is the full parse's, only cheaper.  Returns 1
 * when it parsed the frame, 0 to leave it to the full parse.  The fuzz
 * target checks that the two agree on every frame this one takes.
 */
#define ALK_COMMON_LEN (14 + 20 + 8 + 8 + 14 + 20 + 8)

ALK_INLINE int alk_parse_common(struct alk_pkt *pkt, struct alk_parsed *ps,
				const struct alk_gateway *gw)
{
	__u8 *d = pkt->data;
	struct alk_eth *eth = (struct alk_eth *)d;
	struct alk_ipv4 *ip = (struct alk_ipv4 *)(d + 14);
	struct alk_udp *udp = (struct alk_udp *)(d + 34);
	struct alk_geneve *gnv = (struct alk_geneve *)(d + 42);
	struct alk_vxlan *vx = (struct alk_vxlan *)(d + 42);
	struct alk_eth *ieth = (struct alk_eth *)(d + 50);
	struct alk_ipv4 *iip = (struct alk_ipv4 *)(d + 64);
	struct alk_udp *l4 = (struct alk_udp *)(d + 84);
	__u32 tot_len, tunnel_ok, ports = 0;

	if (d + ALK_COMMON_LEN > pkt->end)
		return 0;
	tot_len = alk_ntohs(ip->tot_len);
	if ((eth->type != alk_htons(ALK_ETH_P_IPV4)) | (ip->ver_ihl != 0x45) |
	    (ip->daddr != gw->ip) | !gw->ip |
	    (ip->protocol != ALK_IPPROTO_UDP) |
	    !!(ip->frag_off & alk_htons(ALK_IP_MF | ALK_IP_OFFMASK)) |
	    (14 + tot_len != alk_pkt_len(pkt)) |
	    (udp->len != alk_htons(tot_len - 20)) |
	    (ieth->type != alk_htons(ALK_ETH_P_IPV4)) | (iip->ver_ihl != 0x45))
		return 0;
	if (gw->geneve_port && udp->dest == gw->geneve_port)
		tunnel_ok = gnv->ver_optlen == 0 &&
			    !(gnv->flags & ALK_GENEVE_F_OAM) &&
			    gnv->protocol == alk_htons(ALK_ETH_P_TEB);
	else
		tunnel_ok = gw->vxlan_port && udp->dest == gw->vxlan_port &&
			    (vx->flags & ALK_VXLAN_F_VNI);
	if (!tunnel_ok)
		return 0;
	if ((iip->protocol == ALK_IPPROTO_UDP ||
	     iip->protocol == ALK_IPPROTO_TCP) &&
	    !(iip->frag_off & alk_htons(ALK_IP_OFFMASK))) {
		/* DHCP is left to the full parse: the responder is no hot
		 * path, and one way into it keeps the verifier's walk of
		 * its option loops to one */
		if (iip->protocol == ALK_IPPROTO_UDP &&
		    l4->dest == alk_htons(ALK_DHCP_SERVER_PORT))
			return 0;
		ports = (__u32)alk_ntohs(l4->source) << 16 |
			alk_ntohs(l4->dest);
	}

	ps->eth = eth;
	ps->ip = ip;
	ps->udp = udp;
	ps->ieth = ieth;
	ps->inner_l3 = iip;
	ps->ip_off = 14;
	ps->udp_off = 34;
	ps->ieth_off = 50;
	ps->frame_len = 14 + tot_len;
	/* Geneve and VXLAN keep the VNI at the same offset */
	ps->vni = alk_vni24(gnv->vni);
	ps->key.vni = ps->vni;
	ps->key.ip = iip->daddr;
	ps->kind = ALK_K_FORWARD;
	ps->flow_saddr = iip->saddr;
	ps->flow_ports = ports;
	ps->flow_proto = iip->protocol;
	ps->want_off = 0;
	return 1;
}

#endif
