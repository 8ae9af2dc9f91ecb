/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The test frame builder: the overlay frames a host sends to the gateway,
 * for the traffic generators, the benchmarks and their frame files.
 * Checksums are correct; the outer and inner UDP checksums are zero, as
 * hosts send them for VXLAN and usually for Geneve over IPv4.  Addresses
 * are in host order.
 */
#ifndef ALKAID_TESTS_FRAMES_H
#define ALKAID_TESTS_FRAMES_H

#include <stddef.h>
#include <stdint.h>

enum frame_tunnel { FRAME_GENEVE, FRAME_VXLAN };

/* Outer Ethernet, IPv4 (TTL 64), UDP and tunnel header. */
struct frame_outer {
	enum frame_tunnel tunnel;
	uint32_t vni;
	uint32_t src_ip, dst_ip;
	uint8_t src_mac[6], dst_mac[6];
	uint16_t sport;
	uint16_t ip_id;
};

/* An inner Ethernet/IPv4/UDP frame. */
struct frame_inner {
	uint8_t src_mac[6], dst_mac[6];
	uint32_t src_ip, dst_ip;
	uint16_t sport, dport;
	uint16_t ip_id;
	const void *payload; /* payload_len bytes; NULL: zeros */
	uint32_t payload_len;
};

/* Offset of the inner frame: outer Ethernet, IPv4, UDP, tunnel header. */
#define FRAME_INNER_OFF (14 + 20 + 8 + 8)

/* Returns the frame length. */
uint32_t frame_udp(uint8_t *buf, const struct frame_outer *o,
		   const struct frame_inner *in);
/* The benchmarks' tenant frame: inner Ethernet/IPv4/UDP of `inner_len`
 * bytes (>= 42), src -> dst, 0e:00:00:00:00:01 -> 0e:00:00:00:00:02,
 * ports 10000 + (src & 0xfff) -> 5001, zero payload.  114 bytes for a
 * 64-byte inner frame over Geneve. */
uint32_t frame_ipv4(uint8_t *buf, const struct frame_outer *o,
		    uint32_t inner_src, uint32_t inner_dst, uint32_t inner_len);
/* Inner ARP request: who has tpa, tell spa (sha = src_mac). */
uint32_t frame_arp(uint8_t *buf, const struct frame_outer *o,
		   const uint8_t sha[6], uint32_t spa, uint32_t tpa);
/* Inner DHCPDISCOVER from chaddr (300-byte BOOTP). */
uint32_t frame_dhcp_discover(uint8_t *buf, const struct frame_outer *o,
			     const uint8_t chaddr[6], uint32_t xid);

/* The Internet checksum of n bytes, as stored in a header (0 over a
 * header whose checksum is right). */
uint16_t frame_csum(const void *p, size_t n);

/* A MAC of two fixed bytes and a 32-bit number: the endpoint numbering of
 * the benchmarks (prefix 0x020e: 02:0e:ii:ii:ii:ii). */
void frame_mac(uint8_t mac[6], uint16_t prefix, uint32_t i);

#endif
