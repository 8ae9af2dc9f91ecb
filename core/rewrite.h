/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The outer rewrite every transmitted overlay frame gets, and the IPv4/UDP
 * checksums it and the DHCP responder keep right: incremental updates
 * (RFC 1624) for what a field change does to a checksum, a full sum for a
 * header built anew.
 */
#ifndef ALKAID_CORE_REWRITE_H
#define ALKAID_CORE_REWRITE_H

#include <linux/types.h>

#include "model.h"
#include "parse.h"
#include "platform.h"
#include "proto.h"
#include "verdict.h"

/* The TTL of a frame the gateway builds (ARP and DHCP replies). */
#define ALK_REPLY_TTL 64

/* RFC 1624, eqn. 3: HC' = ~(~HC + ~m + m'), on 16-bit words. */
ALK_INLINE __u16 alk_csum_fold(__u32 sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)sum;
}

/* What replacing 32 bits from -> to adds to a checksum's sum (~m + m'). */
ALK_INLINE __u32 alk_csum_delta4(__be32 from, __be32 to)
{
	return (__u16) ~(from & 0xffff) + (__u16) ~(from >> 16) +
	       (to & 0xffff) + (to >> 16);
}

ALK_INLINE __u16 alk_csum_replace4(__u16 check, __be32 from, __be32 to)
{
	return (__u16)~alk_csum_fold((__u16)~check + alk_csum_delta4(from, to));
}

ALK_INLINE __u16 alk_csum_replace2(__u16 check, __u16 from, __u16 to)
{
	__u32 sum = (__u16)~check;

	sum += (__u16)~from;
	sum += to;
	return (__u16)~alk_csum_fold(sum);
}

/* Full IPv4 header checksum of a 20-byte header (no options). */
ALK_INLINE __u16 alk_ipv4_csum20(const struct alk_ipv4 *ip)
{
	__u32 sum = 0;

	ALK_UNROLL
	for (int i = 0; i < 10; i++) {
		__u16 w;

		__builtin_memcpy(&w, (const __u8 *)ip + 2 * i, 2);
		sum += w;
	}
	return (__u16)~alk_csum_fold(sum);
}

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
	__u32 addrs;

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
	/* both addresses' change, summed once for both checksums: one's
	 * complement addition is associative, so one fold is exact */
	addrs = alk_csum_delta4(ip->saddr, gw->ip) +
		alk_csum_delta4(ip->daddr, dst);
	ip->check = (__u16)~alk_csum_fold((__u16)~ip->check + (__u16)~old_word +
					  new_word + addrs);

	if (reply) {
		ps->udp->check = 0;
	} else if (ps->udp->check) {
		check = (__u16)~alk_csum_fold((__u16)~ps->udp->check + addrs);
		ps->udp->check = check ? check : 0xffff;
	}
	ip->saddr = gw->ip;
	ip->daddr = dst;
	return ALK_R_CONTINUE;
}

#endif
