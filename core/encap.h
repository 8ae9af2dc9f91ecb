/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Encapsulation: the outer headers a host puts in front of a tenant frame
 * (outer Ethernet, IPv4, UDP, and Geneve with an optional direct-path want
 * option, or VXLAN), written in one pass over room the platform made at
 * the head of the frame (alk_plat_push()).  Decapsulation is the platform
 * removing ps->ieth_off bytes (alk_plat_pull()).
 *
 * The outer UDP source port carries the inner flow's entropy (RFC 8926
 * 3.3, RFC 7348 5): 49152 + hash % 16384, so that ECMP underlays and RSS
 * spread tunnels as they spread flows; the outer UDP checksum is zero and
 * the outer IPv4 header has DF clear, as the kernel's own tunnels send.
 */
#ifndef ALKAID_CORE_ENCAP_H
#define ALKAID_CORE_ENCAP_H

#include <linux/types.h>

#include "proto.h"
#include "rewrite.h"

#define ALK_ENCAP_TTL 64
/* outer Ethernet, IPv4, UDP and the tunnel header (Geneve and VXLAN are
 * both 8 bytes); the want option adds ALK_ENCAP_WANT_LEN */
#define ALK_ENCAP_LEN                                                          \
	(sizeof(struct alk_eth) + sizeof(struct alk_ipv4) +                    \
	 sizeof(struct alk_udp) + sizeof(struct alk_geneve))
#define ALK_ENCAP_WANT_LEN                                                     \
	(sizeof(struct alk_geneve_opt) + sizeof(struct alk_opt_location))

/* What the outer headers say. */
struct alk_encap {
	__u8 smac[6], dmac[6]; /* outer; the kernel may rewrite them */
	__be32 saddr, daddr;
	__u32 vni;
	__u32 hash;   /* the inner flow's, for the UDP source port */
	__be16 dport; /* the tunnel's UDP port */
	__u8 vxlan;   /* VXLAN, else Geneve */
	__u8 want;    /* Geneve: carry a direct-path want option */
	__u8 ttl;     /* 0: ALK_ENCAP_TTL */
	__u8 pad[3];
};

ALK_INLINE __u32 alk_encap_len(const struct alk_encap *e)
{
	return ALK_ENCAP_LEN + (!e->vxlan && e->want ? ALK_ENCAP_WANT_LEN : 0);
}

ALK_INLINE void alk_vni_put(__u8 *p, __u32 vni)
{
	p[0] = (__u8)(vni >> 16);
	p[1] = (__u8)(vni >> 8);
	p[2] = (__u8)vni;
}

/*
 * Write the outer headers over [data, data + alk_encap_len(e)) of a frame
 * of len bytes in all (outer headers included).  0, or -1 when the room
 * is not there.
 */
ALK_INLINE int alk_encap_write(struct alk_pkt *pkt, const struct alk_encap *e,
			       __u32 len)
{
	__u32 hlen = alk_encap_len(e);
	struct alk_eth *eth = (struct alk_eth *)pkt->data;
	struct alk_ipv4 *ip = (struct alk_ipv4 *)(eth + 1);
	struct alk_udp *udp = (struct alk_udp *)(ip + 1);
	__u8 *tun = (__u8 *)(udp + 1);

	if (tun + ALK_ENCAP_WANT_LEN + sizeof(struct alk_geneve) > pkt->end ||
	    len < hlen || len - sizeof(*eth) > 0xffff)
		return -1;
	alk_mac_copy(eth->dst, e->dmac);
	alk_mac_copy(eth->src, e->smac);
	eth->type = alk_htons(ALK_ETH_P_IPV4);

	ip->ver_ihl = 0x45;
	ip->tos = 0;
	ip->tot_len = alk_htons((__u16)(len - sizeof(*eth)));
	ip->id = 0;
	ip->frag_off = 0;
	ip->ttl = e->ttl ? e->ttl : ALK_ENCAP_TTL;
	ip->protocol = ALK_IPPROTO_UDP;
	ip->check = 0;
	ip->saddr = e->saddr;
	ip->daddr = e->daddr;
	ip->check = alk_ipv4_csum20(ip);

	udp->source = alk_htons((__u16)(0xc000 | (e->hash & 0x3fff)));
	udp->dest = e->dport;
	udp->len = alk_htons((__u16)(len - sizeof(*eth) - sizeof(*ip)));
	udp->check = 0;

	if (e->vxlan) {
		struct alk_vxlan *vx = (struct alk_vxlan *)tun;

		vx->flags = ALK_VXLAN_F_VNI;
		vx->reserved1[0] = vx->reserved1[1] = vx->reserved1[2] = 0;
		alk_vni_put(vx->vni, e->vni);
		vx->reserved2 = 0;
		return 0;
	}

	struct alk_geneve *g = (struct alk_geneve *)tun;

	g->ver_optlen = e->want ? ALK_ENCAP_WANT_LEN / 4 : 0;
	g->flags = 0;
	g->protocol = alk_htons(ALK_ETH_P_TEB);
	alk_vni_put(g->vni, e->vni);
	g->reserved = 0;
	if (e->want) {
		struct alk_geneve_opt *o = (struct alk_geneve_opt *)(g + 1);
		struct alk_opt_location *loc =
			(struct alk_opt_location *)(o + 1);

		o->opt_class = alk_htons(ALK_OPT_CLASS);
		o->type = ALK_OPT_T_WANT;
		o->len = ALK_OPT_LOC_WORDS;
		__builtin_memset(loc, 0, sizeof(*loc));
	}
	return 0;
}

#endif
