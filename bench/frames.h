/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Frame builders for benchmarks: the overlay frames a host would send to
 * the gateway.  Checksums are correct; the outer UDP checksum is zero, as
 * hosts send it for VXLAN and usually for Geneve over IPv4.
 */
#ifndef ALKAID_BENCH_FRAMES_H
#define ALKAID_BENCH_FRAMES_H

#include <stdint.h>

enum bench_tunnel { BENCH_GENEVE, BENCH_VXLAN };

struct bench_outer {
	enum bench_tunnel tunnel;
	uint32_t vni;
	uint32_t src_ip, dst_ip; /* host order */
	uint8_t src_mac[6], dst_mac[6];
	uint16_t sport;
};

/* Inner Ethernet/IPv4/UDP of `inner_len` bytes (>= 42), src -> dst.
 * Returns the frame length (114 for a 64-byte inner frame over Geneve). */
uint32_t bench_frame_ipv4(uint8_t *buf, const struct bench_outer *o,
			  uint32_t inner_src, uint32_t inner_dst,
			  uint32_t inner_len);
/* Inner ARP request: who has tpa, tell spa (sha = src_mac). */
uint32_t bench_frame_arp(uint8_t *buf, const struct bench_outer *o,
			 const uint8_t sha[6], uint32_t spa, uint32_t tpa);
/* Inner DHCPDISCOVER from chaddr (300-byte BOOTP). */
uint32_t bench_frame_dhcp_discover(uint8_t *buf, const struct bench_outer *o,
				   const uint8_t chaddr[6], uint32_t xid);

#endif
