/* SPDX-License-Identifier: BSD-3-Clause */
/* The test frame builder (frames.h). */
#include <arpa/inet.h>
#include <string.h>

#include "core/proto.h"
#include "core/model.h"
#include "tests/lib/frames.h"

uint16_t frame_csum(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)b[i] << 8 | b[i + 1];
	if (n & 1)
		sum += (uint32_t)b[n - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons(~sum & 0xffff);
}

void frame_mac(uint8_t mac[6], uint16_t prefix, uint32_t i)
{
	mac[0] = prefix >> 8;
	mac[1] = prefix;
	mac[2] = i >> 24;
	mac[3] = i >> 16;
	mac[4] = i >> 8;
	mac[5] = i;
}

static void ipv4(struct alk_ipv4 *ip, uint32_t src, uint32_t dst, uint8_t proto,
		 uint16_t tot_len, uint16_t id)
{
	memset(ip, 0, sizeof(*ip));
	ip->ver_ihl = 0x45;
	ip->tot_len = htons(tot_len);
	ip->id = htons(id);
	ip->ttl = 64;
	ip->protocol = proto;
	ip->saddr = htonl(src);
	ip->daddr = htonl(dst);
	ip->check = frame_csum(ip, sizeof(*ip));
}

/* Outer headers around an inner frame already at buf + offset. */
static uint32_t outer(uint8_t *buf, const struct frame_outer *o,
		      uint32_t inner_len)
{
	struct alk_eth *eth = (struct alk_eth *)buf;
	struct alk_ipv4 *ip = (struct alk_ipv4 *)(eth + 1);
	struct alk_udp *udp = (struct alk_udp *)(ip + 1);
	uint8_t *tun = (uint8_t *)(udp + 1);
	uint32_t l4 = sizeof(*udp) + 8 + inner_len;

	memcpy(eth->dst, o->dst_mac, 6);
	memcpy(eth->src, o->src_mac, 6);
	eth->type = htons(ALK_ETH_P_IPV4);
	ipv4(ip, o->src_ip, o->dst_ip, ALK_IPPROTO_UDP, sizeof(*ip) + l4,
	     o->ip_id);
	udp->source = htons(o->sport);
	udp->dest = htons(o->tunnel == FRAME_GENEVE ? ALK_GENEVE_PORT :
						      ALK_VXLAN_PORT);
	udp->len = htons(l4);
	udp->check = 0;
	memset(tun, 0, 8);
	if (o->tunnel == FRAME_GENEVE) {
		tun[2] = ALK_ETH_P_TEB >> 8;
		tun[3] = ALK_ETH_P_TEB & 0xff;
	} else {
		tun[0] = ALK_VXLAN_F_VNI;
	}
	tun[4] = o->vni >> 16;
	tun[5] = o->vni >> 8;
	tun[6] = o->vni;
	return sizeof(*eth) + sizeof(*ip) + l4;
}

#define INNER_OFF FRAME_INNER_OFF

uint32_t frame_udp(uint8_t *buf, const struct frame_outer *o,
		   const struct frame_inner *in)
{
	struct alk_eth *ieth = (struct alk_eth *)(buf + INNER_OFF);
	struct alk_ipv4 *iip = (struct alk_ipv4 *)(ieth + 1);
	struct alk_udp *iudp = (struct alk_udp *)(iip + 1);
	uint32_t l4 = sizeof(*iudp) + in->payload_len;

	memset(ieth, 0, sizeof(*ieth) + sizeof(*iip) + sizeof(*iudp));
	memcpy(ieth->dst, in->dst_mac, 6);
	memcpy(ieth->src, in->src_mac, 6);
	ieth->type = htons(ALK_ETH_P_IPV4);
	ipv4(iip, in->src_ip, in->dst_ip, ALK_IPPROTO_UDP, sizeof(*iip) + l4,
	     in->ip_id);
	iudp->source = htons(in->sport);
	iudp->dest = htons(in->dport);
	iudp->len = htons(l4);
	if (in->payload)
		memcpy(iudp + 1, in->payload, in->payload_len);
	else
		memset(iudp + 1, 0, in->payload_len);
	return outer(buf, o, sizeof(*ieth) + sizeof(*iip) + l4);
}

uint32_t frame_ipv4(uint8_t *buf, const struct frame_outer *o,
		    uint32_t inner_src, uint32_t inner_dst, uint32_t inner_len)
{
	struct frame_inner in = {
		.src_mac = { 0x0e, 0, 0, 0, 0, 0x01 },
		.dst_mac = { 0x0e, 0, 0, 0, 0, 0x02 },
		.src_ip = inner_src,
		.dst_ip = inner_dst,
		.sport = 10000 + (inner_src & 0xfff),
		.dport = 5001,
		.payload_len = inner_len - 14 - 20 - 8,
	};

	return frame_udp(buf, o, &in);
}

/* Broadcast Ethernet and an ARP request, who has tpa, tell spa: 42 bytes. */
static uint32_t arp_request(uint8_t *buf, const uint8_t sha[6], uint32_t spa,
			    uint32_t tpa)
{
	struct alk_eth *eth = (struct alk_eth *)buf;
	struct alk_arp *arp = (struct alk_arp *)(eth + 1);

	memset(eth->dst, 0xff, 6);
	memcpy(eth->src, sha, 6);
	eth->type = htons(ALK_ETH_P_ARP);
	arp->htype = htons(1);
	arp->ptype = htons(ALK_ETH_P_IPV4);
	arp->hlen = 6;
	arp->plen = 4;
	arp->op = htons(ALK_ARP_REQUEST);
	memcpy(arp->sha, sha, 6);
	arp->spa = htonl(spa);
	memset(arp->tha, 0, 6);
	arp->tpa = htonl(tpa);
	return sizeof(*eth) + sizeof(*arp);
}

uint32_t frame_arp(uint8_t *buf, const struct frame_outer *o,
		   const uint8_t sha[6], uint32_t spa, uint32_t tpa)
{
	return outer(buf, o, arp_request(buf + INNER_OFF, sha, spa, tpa));
}

uint32_t frame_dhcp_discover(uint8_t *buf, const struct frame_outer *o,
			     const uint8_t chaddr[6], uint32_t xid)
{
	struct alk_eth *ieth = (struct alk_eth *)(buf + INNER_OFF);
	struct alk_ipv4 *iip = (struct alk_ipv4 *)(ieth + 1);
	struct alk_udp *iudp = (struct alk_udp *)(iip + 1);
	struct alk_bootp *bp = (struct alk_bootp *)(iudp + 1);
	uint8_t *opt = (uint8_t *)(bp + 1);
	const uint32_t bootp_len = 300;

	memset(ieth, 0,
	       sizeof(*ieth) + sizeof(*iip) + sizeof(*iudp) + bootp_len);
	memset(ieth->dst, 0xff, 6);
	memcpy(ieth->src, chaddr, 6);
	ieth->type = htons(ALK_ETH_P_IPV4);
	ipv4(iip, 0, 0xffffffff, ALK_IPPROTO_UDP,
	     sizeof(*iip) + sizeof(*iudp) + bootp_len, 0);
	iudp->source = htons(ALK_DHCP_CLIENT_PORT);
	iudp->dest = htons(ALK_DHCP_SERVER_PORT);
	iudp->len = htons(sizeof(*iudp) + bootp_len);
	bp->op = ALK_BOOTP_REQUEST;
	bp->htype = 1;
	bp->hlen = 6;
	bp->xid = htonl(xid);
	memcpy(bp->chaddr, chaddr, 6);
	bp->cookie = htonl(ALK_DHCP_COOKIE);
	opt[0] = 53; /* message type: DISCOVER */
	opt[1] = 1;
	opt[2] = 1;
	opt[3] = 55; /* parameter request list */
	opt[4] = 4;
	opt[5] = 1;
	opt[6] = 3;
	opt[7] = 6;
	opt[8] = 26;
	opt[9] = 255;
	return outer(buf, o,
		     sizeof(*ieth) + sizeof(*iip) + sizeof(*iudp) + bootp_len);
}
