/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DHCPv4 responder (RFC 2131, options RFC 2132).  The client is found by
 * (vni, chaddr) in the DHCP index, its address in the endpoints table and
 * its options in the network holding that address.  The reply is built in
 * place over the request with a fixed layout: inner IPv4 without options,
 * UDP 67 -> 68, a 300-byte BOOTP message; the frame is resized to fit and
 * sent to the host of the asking endpoint.
 */
#ifndef ALKAID_CORE_DHCP_H
#define ALKAID_CORE_DHCP_H

#include <linux/types.h>

#include "lookup.h"
#include "model.h"
#include "parse.h"
#include "platform.h"
#include "proto.h"
#include "rewrite.h"
#include "verdict.h"

#define ALK_DHCP_DISCOVER 1
#define ALK_DHCP_OFFER 2
#define ALK_DHCP_REQUEST 3
#define ALK_DHCP_DECLINE 4
#define ALK_DHCP_ACK 5
#define ALK_DHCP_NAK 6
#define ALK_DHCP_RELEASE 7
#define ALK_DHCP_INFORM 8

#define ALK_DHCP_OPT_PAD 0
#define ALK_DHCP_OPT_MASK 1
#define ALK_DHCP_OPT_ROUTER 3
#define ALK_DHCP_OPT_DNS 6
#define ALK_DHCP_OPT_MTU 26
#define ALK_DHCP_OPT_REQ_IP 50
#define ALK_DHCP_OPT_LEASE 51
#define ALK_DHCP_OPT_TYPE 53
#define ALK_DHCP_OPT_SERVER 54
#define ALK_DHCP_OPT_END 255

#ifndef ALK_DHCP_OPT_WALK
#define ALK_DHCP_OPT_WALK 64 /* steps per option looked for, pads included */
#endif

#define ALK_BOOTP_LEN 300 /* RFC 1542 minimum, and our fixed reply size */
#define ALK_DHCP_OPTS_LEN (ALK_BOOTP_LEN - sizeof(struct alk_bootp))
#define ALK_DHCP_REPLY_L3                                                      \
	(sizeof(struct alk_ipv4) + sizeof(struct alk_udp) + ALK_BOOTP_LEN)

/*
 * Find option `code` of length `len`: its data, or NULL when it is absent.
 * *bad is set when the options run past the frame or the option has
 * another length.  Bounded, every byte checked.  One option per walk, and
 * the step over a pad (1) or an option (2 + len) computed without a
 * branch: the verifier then sees one path per iteration instead of 2^n.
 */
ALK_INLINE __u8 *alk_dhcp_find(struct alk_pkt *pkt, __u8 *opt, __u32 code,
			       __u32 len, int *bad)
{
	for (int i = 0; i < ALK_DHCP_OPT_WALK; i++) {
		__u32 c, l, not_pad;

		if (opt + 1 > pkt->end)
			break;
		c = opt[0];
		if (c == ALK_DHCP_OPT_END)
			break;
		/* a lone last byte is fine as a pad, cut short otherwise */
		if (opt + 2 > pkt->end) {
			if (c == ALK_DHCP_OPT_PAD)
				break;
			goto bad;
		}
		not_pad = (c + 0xff) >> 8;
		l = opt[1] * not_pad;
		if (c == code) {
			if (l != len || opt + 2 + len > pkt->end)
				goto bad;
			return opt + 2;
		}
		opt += 1 + not_pad * (1 + l);
		if (opt > pkt->end)
			goto bad;
	}
	return 0;
bad:
	*bad = 1;
	return 0;
}

ALK_INLINE __u8 *alk_dhcp_put4(__u8 *o, __u8 code, __be32 v)
{
	o[0] = code;
	o[1] = 4;
	__builtin_memcpy(o + 2, &v, 4);
	return o + 6;
}

/* What the reply says; everything else comes from the request. */
struct alk_dhcp_answer {
	__u8 type;   /* OFFER, ACK or NAK */
	__u8 inform; /* ACK to an INFORM: no address, no lease */
	__be32 yiaddr;
	__be32 server;
	const struct alk_network *net;
};

/* Stamp the reply over [ieth, ieth + 14 + ALK_DHCP_REPLY_L3). */
ALK_INLINE void alk_dhcp_write(struct alk_eth *ieth,
			       const struct alk_gateway *gw,
			       const struct alk_dhcp_answer *a, __be32 ciaddr)
{
	struct alk_ipv4 *iip = (struct alk_ipv4 *)(ieth + 1);
	struct alk_udp *iudp = (struct alk_udp *)(iip + 1);
	struct alk_bootp *bp = (struct alk_bootp *)(iudp + 1);
	__u8 *o = (__u8 *)(bp + 1);
	int nak = a->type == ALK_DHCP_NAK;
	int bcast = nak || (bp->flags & alk_htons(ALK_BOOTP_BROADCAST));
	__be32 zero = 0;

	/* inner Ethernet: to the client (chaddr is still in place) */
	if (bcast)
		__builtin_memset(ieth->dst, 0xff, 6);
	else
		alk_mac_copy(ieth->dst, bp->chaddr);
	alk_mac_copy(ieth->src, gw->mac);
	ieth->type = alk_htons(ALK_ETH_P_IPV4);

	iip->ver_ihl = 0x45;
	iip->tos = 0;
	iip->tot_len = alk_htons(ALK_DHCP_REPLY_L3);
	iip->id = 0;
	iip->frag_off = 0;
	iip->ttl = ALK_REPLY_TTL;
	iip->protocol = ALK_IPPROTO_UDP;
	iip->check = 0;
	iip->saddr = a->server;
	iip->daddr = bcast ? 0xffffffff : a->inform ? ciaddr : a->yiaddr;
	iip->check = alk_ipv4_csum20(iip);

	iudp->source = alk_htons(ALK_DHCP_SERVER_PORT);
	iudp->dest = alk_htons(ALK_DHCP_CLIENT_PORT);
	iudp->len = alk_htons(sizeof(*iudp) + ALK_BOOTP_LEN);
	iudp->check = 0; /* optional for UDP over IPv4 */

	/* BOOTP: xid, flags, giaddr and chaddr stay as the client sent them */
	bp->op = ALK_BOOTP_REPLY;
	bp->htype = 1;
	bp->hlen = 6;
	bp->hops = 0;
	bp->secs = 0;
	bp->ciaddr = a->type == ALK_DHCP_ACK ? ciaddr : zero;
	bp->yiaddr = a->yiaddr;
	bp->siaddr = 0;
	__builtin_memset(bp->chaddr + 6, 0, sizeof(bp->chaddr) - 6);
	ALK_UNROLL
	for (int i = 0; i < (int)sizeof(bp->sname); i += 8)
		__builtin_memcpy(bp->sname + i, &(__u64){ 0 }, 8);
	ALK_UNROLL
	for (int i = 0; i < (int)sizeof(bp->file); i += 8)
		__builtin_memcpy(bp->file + i, &(__u64){ 0 }, 8);
	bp->cookie = alk_htonl(ALK_DHCP_COOKIE);

	ALK_UNROLL
	for (int i = 0; i < (int)ALK_DHCP_OPTS_LEN; i += 4)
		__builtin_memcpy(o + i, &zero, 4);
	o[0] = ALK_DHCP_OPT_TYPE;
	o[1] = 1;
	o[2] = a->type;
	o = alk_dhcp_put4(o + 3, ALK_DHCP_OPT_SERVER, a->server);
	if (!nak) {
		const struct alk_network *net = a->net;

		if (!a->inform)
			o = alk_dhcp_put4(o, ALK_DHCP_OPT_LEASE,
					  alk_htonl(net->lease ? net->lease :
								 0xffffffff));
		o = alk_dhcp_put4(
			o, ALK_DHCP_OPT_MASK,
			net->plen ? alk_htonl(~0u << (32 - net->plen)) : 0);
		if (net->router)
			o = alk_dhcp_put4(o, ALK_DHCP_OPT_ROUTER, net->router);
		if (net->dns)
			o = alk_dhcp_put4(o, ALK_DHCP_OPT_DNS, net->dns);
		if (net->mtu) {
			__be16 mtu = alk_htons(net->mtu);

			o[0] = ALK_DHCP_OPT_MTU;
			o[1] = 2;
			__builtin_memcpy(o + 2, &mtu, 2);
			o += 4;
		}
	}
	o[0] = ALK_DHCP_OPT_END;
}

ALK_INLINE int alk_dhcp(struct alk_ctx *ctx, struct alk_pkt *pkt,
			struct alk_parsed *ps, const struct alk_gateway *gw)
{
	struct alk_ipv4 *iip = (struct alk_ipv4 *)ps->inner_l3;
	struct alk_bootp *bp = (struct alk_bootp *)((__u8 *)(iip + 1) +
						    sizeof(struct alk_udp));
	__u8 type, *opt, *found, *req;
	__be32 req_ip = 0, server = 0;
	int bad = 0;
	struct alk_dhcp_answer a = { 0 };
	struct alk_dhcp_key dkey = { .vni = ps->vni };
	struct alk_endpoint_key ekey = { .vni = ps->vni };
	struct alk_endpoint ep = { 0 };
	struct alk_dhcp d = { 0 };
	enum alk_flat_probe f;
	__u32 ip_off, udp_off, ieth_off, frame_len;
	__be32 ciaddr;
	int r;

	if (iip->ver_ihl != 0x45 ||
	    ps->frame_len > ALK_MAX_OUTER + 14 + 1500 + 300)
		return ALK_R_malformed_dhcp;
	/* A request in fragments (requests are small: only a short linear
	 * part makes one) is refused whole: its options may lie past the
	 * linear part, and the reply is written in place, linear. */
	if (pkt->nonlinear)
		return ALK_R_headers_not_linear;
	if ((__u8 *)(bp + 1) > pkt->end)
		return ALK_R_malformed_dhcp;
	if (bp->op != ALK_BOOTP_REQUEST || bp->htype != 1 || bp->hlen != 6 ||
	    bp->cookie != alk_htonl(ALK_DHCP_COOKIE))
		return ALK_R_malformed_dhcp;
	opt = (__u8 *)(bp + 1);
	found = alk_dhcp_find(pkt, opt, ALK_DHCP_OPT_TYPE, 1, &bad);
	if (!found)
		return ALK_R_malformed_dhcp;
	type = found[0];
	req = alk_dhcp_find(pkt, opt, ALK_DHCP_OPT_REQ_IP, 4, &bad);
	if (req)
		__builtin_memcpy(&req_ip, req, 4);
	found = alk_dhcp_find(pkt, opt, ALK_DHCP_OPT_SERVER, 4, &bad);
	if (found)
		__builtin_memcpy(&server, found, 4);
	if (bad)
		return ALK_R_malformed_dhcp;

	alk_mac_copy(dkey.mac, bp->chaddr);
	f = alk_flat_dhcp(ctx, &dkey, &d);
	if (f == ALK_FLAT_FOUND) {
		ekey.ip = d.ip;
		f = alk_flat_endpoint(ctx, &ekey, &ep);
	}
	if (f != ALK_FLAT_FOUND)
		return f == ALK_FLAT_BUSY ? ALK_R_table_busy :
					    ALK_R_dhcp_unknown_client;
	a.net = alk_plat_network(ctx, ps->vni, d.ip);
	if (!a.net)
		return ALK_R_dhcp_no_network;
	a.server = a.net->router ? a.net->router : gw->ip;
	a.yiaddr = d.ip;
	ciaddr = bp->ciaddr;

	switch (type) {
	case ALK_DHCP_DISCOVER:
		a.type = ALK_DHCP_OFFER;
		break;
	case ALK_DHCP_REQUEST: {
		/* options count by presence: 0.0.0.0 is a value too */
		__be32 wanted = req ? req_ip : ciaddr;

		if (found && server != a.server)
			return ALK_R_dhcp_other_server;
		a.type = wanted && wanted != d.ip ? ALK_DHCP_NAK : ALK_DHCP_ACK;
		break;
	}
	case ALK_DHCP_INFORM:
		a.type = ALK_DHCP_ACK;
		a.inform = 1;
		break;
	case ALK_DHCP_DECLINE:
		return ALK_R_dhcp_decline;
	case ALK_DHCP_RELEASE:
		return ALK_R_dhcp_release;
	default:
		return ALK_R_dhcp_bad_type;
	}
	if (a.type == ALK_DHCP_NAK || a.inform)
		a.yiaddr = 0;

	r = alk_outer_rewrite(ctx, ps, gw, ep.host, 1);
	if (r != ALK_R_CONTINUE)
		return r;

	/* Offsets survive the resize; pointers do not.  The bounds are
	 * true already and tell the verifier so. */
	ip_off = ps->ip_off;
	udp_off = ps->udp_off;
	ieth_off = ps->ieth_off;
	if (ip_off > 18 || udp_off > 18 + 60 || ieth_off > ALK_MAX_OUTER)
		return ALK_R_malformed_dhcp;
	frame_len = ieth_off + sizeof(struct alk_eth) + ALK_DHCP_REPLY_L3;
	if (alk_plat_resize(ctx, pkt, (int)frame_len - (int)ps->frame_len))
		return ALK_R_resize_failed;

	struct alk_eth *ieth = (struct alk_eth *)(pkt->data + ieth_off);
	struct alk_ipv4 *ip = (struct alk_ipv4 *)(pkt->data + ip_off);
	struct alk_udp *udp = (struct alk_udp *)(pkt->data + udp_off);
	__u16 old_len, new_len;

	if ((__u8 *)(ieth + 1) + ALK_DHCP_REPLY_L3 > pkt->end ||
	    (__u8 *)(ip + 1) > pkt->end || (__u8 *)(udp + 1) > pkt->end)
		return ALK_R_resize_failed;
	alk_dhcp_write(ieth, gw, &a, ciaddr);

	old_len = ip->tot_len;
	new_len = alk_htons(frame_len - ip_off);
	ip->tot_len = new_len;
	ip->check = alk_csum_replace2(ip->check, old_len, new_len);
	udp->len = alk_htons(frame_len - udp_off);

	return a.type == ALK_DHCP_OFFER ? ALK_R_dhcp_offer :
	       a.type == ALK_DHCP_ACK	? ALK_R_dhcp_ack :
					  ALK_R_dhcp_nak;
}

#endif
