/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Wire formats, byte order and the frame cursor.  Our own definitions
 * rather than the system's, so that the same header compiles for BPF, DPDK
 * and the host without clashing with either world's.
 */
#ifndef ALKAID_CORE_PROTO_H
#define ALKAID_CORE_PROTO_H

#include <linux/types.h>

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif
#define ALK_INLINE static __always_inline

/* Fixed-count loops that must be straight-line code for BPF. */
#ifdef __clang__
#define ALK_UNROLL _Pragma("unroll")
#else
#define ALK_UNROLL _Pragma("GCC unroll 64")
#endif

/* Hide a value from the optimizer, so that a bound the compiler can prove
 * is still emitted for the BPF verifier, which cannot. */
#define alk_opaque(x) __asm__ volatile("" : "+r"(x))

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define alk_htons(x) ((__be16)__builtin_bswap16(x))
#define alk_ntohs(x) ((__u16)__builtin_bswap16(x))
#define alk_htonl(x) ((__be32)__builtin_bswap32(x))
#define alk_ntohl(x) ((__u32)__builtin_bswap32(x))
#else
#define alk_htons(x) ((__be16)(x))
#define alk_ntohs(x) ((__u16)(x))
#define alk_htonl(x) ((__be32)(x))
#define alk_ntohl(x) ((__u32)(x))
#endif

/*
 * A frame as the core sees it: the bytes [data, end), its linear part, in
 * which the core reads and writes everything it touches, and nonlinear
 * bytes after end that it never reads (XDP multi-buffer fragments, chained
 * mbufs); 0 for a linear frame.
 */
struct alk_pkt {
	__u8 *data;
	__u8 *end;
	__u32 nonlinear;
};

/* The whole frame's length, its fragments included. */
ALK_INLINE __u32 alk_pkt_len(const struct alk_pkt *pkt)
{
	return (__u32)(pkt->end - pkt->data) + pkt->nonlinear;
}

#define ALK_ETH_P_IPV4 0x0800
#define ALK_ETH_P_ARP 0x0806
#define ALK_ETH_P_8021Q 0x8100
#define ALK_ETH_P_TEB 0x6558 /* transparent Ethernet bridging */
#define ALK_IPPROTO_TCP 6
#define ALK_IPPROTO_UDP 17

struct alk_eth {
	__u8 dst[6];
	__u8 src[6];
	__be16 type;
} __attribute__((packed));

struct alk_vlan {
	__be16 tci;
	__be16 type;
} __attribute__((packed));

struct alk_ipv4 {
	__u8 ver_ihl;
	__u8 tos;
	__be16 tot_len;
	__be16 id;
	__be16 frag_off;
	__u8 ttl;
	__u8 protocol;
	__u16 check;
	__be32 saddr;
	__be32 daddr;
} __attribute__((packed));

#define ALK_IP_MF 0x2000
#define ALK_IP_OFFMASK 0x1fff

struct alk_udp {
	__be16 source;
	__be16 dest;
	__be16 len;
	__u16 check;
} __attribute__((packed));

/* RFC 8926 */
struct alk_geneve {
	__u8 ver_optlen; /* version:2, option length in 4-byte words:6 */
	__u8 flags;	 /* O:1, C:1, reserved:6 */
	__be16 protocol;
	__u8 vni[3];
	__u8 reserved;
} __attribute__((packed));

#define ALK_GENEVE_F_OAM 0x80
#ifndef ALK_GENEVE_OPT_MAX
#define ALK_GENEVE_OPT_MAX 63
#endif /* 252 bytes of options, 4 at the least each */

struct alk_geneve_opt {
	__be16 opt_class;
	__u8 type;
	__u8 len; /* reserved:3, length in 4-byte words (data only):5 */
} __attribute__((packed));

/*
 * The direct-path options (ARCHITECTURE.md, "Direct path"): one class of
 * the Experimental Use range of IANA's Geneve Option Class registry
 * (0xFF00-0xFFFF), both options 12 bytes of data so that a gateway turns
 * an agent's request into its answer in place, never resizing the frame.
 * The critical bit is clear: a receiver that does not know them skips them.
 */
#define ALK_OPT_CLASS 0xffa1
#define ALK_OPT_T_WANT 0x01	/* "tell me where the destination lives" */
#define ALK_OPT_T_LOCATION 0x02 /* the answer: alk_opt_location */
#define ALK_OPT_LOC_WORDS 3	/* data length in 4-byte words */

struct alk_opt_location {
	__be32 vni;  /* 24 significant bits; a want option carries zero */
	__be32 ip;   /* the endpoint (inner destination) */
	__be32 host; /* the underlay address of its host */
} __attribute__((packed));

/* RFC 7348 */
struct alk_vxlan {
	__u8 flags; /* I flag: 0x08 */
	__u8 reserved1[3];
	__u8 vni[3];
	__u8 reserved2;
} __attribute__((packed));

#define ALK_VXLAN_F_VNI 0x08

/* ARP for Ethernet/IPv4 only (RFC 826) */
struct alk_arp {
	__be16 htype;
	__be16 ptype;
	__u8 hlen;
	__u8 plen;
	__be16 op;
	__u8 sha[6];
	__be32 spa;
	__u8 tha[6];
	__be32 tpa;
} __attribute__((packed));

/* Whole within [arp, end), and ARP for IPv4 over Ethernet: the only kind
 * the gateway answers, on the underlay and in the overlay alike. */
ALK_INLINE int alk_arp_ipv4_ok(const struct alk_arp *arp, const __u8 *end)
{
	return (const __u8 *)(arp + 1) <= end && arp->htype == alk_htons(1) &&
	       arp->ptype == alk_htons(ALK_ETH_P_IPV4) && arp->hlen == 6 &&
	       arp->plen == 4;
}

#define ALK_ARP_REQUEST 1
#define ALK_ARP_REPLY 2

/* RFC 2131 fixed part, then the magic cookie */
struct alk_bootp {
	__u8 op;
	__u8 htype;
	__u8 hlen;
	__u8 hops;
	__be32 xid;
	__be16 secs;
	__be16 flags;
	__be32 ciaddr;
	__be32 yiaddr;
	__be32 siaddr;
	__be32 giaddr;
	__u8 chaddr[16];
	__u8 sname[64];
	__u8 file[128];
	__be32 cookie;
} __attribute__((packed));

#define ALK_BOOTP_REQUEST 1
#define ALK_BOOTP_REPLY 2
#define ALK_BOOTP_BROADCAST 0x8000
#define ALK_DHCP_COOKIE 0x63825363
#define ALK_DHCP_SERVER_PORT 67
#define ALK_DHCP_CLIENT_PORT 68

ALK_INLINE void alk_mac_copy(__u8 *dst, const __u8 *src)
{
	/* two stores instead of a byte loop; both sides may be unaligned */
	__builtin_memcpy(dst, src, 4);
	__builtin_memcpy(dst + 4, src + 4, 2);
}

ALK_INLINE int alk_mac_eq(const __u8 *a, const __u8 *b)
{
	/* word compares: BPF has no memcmp to call */
	__u32 a4, b4;
	__u16 a2, b2;

	__builtin_memcpy(&a4, a, 4);
	__builtin_memcpy(&b4, b, 4);
	__builtin_memcpy(&a2, a + 4, 2);
	__builtin_memcpy(&b2, b + 4, 2);
	return a4 == b4 && a2 == b2;
}

ALK_INLINE __u32 alk_vni24(const __u8 *v)
{
	return (__u32)v[0] << 16 | (__u32)v[1] << 8 | v[2];
}

#endif
