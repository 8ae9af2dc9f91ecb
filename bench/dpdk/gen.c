/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The DPDK benchmark's input: the endpoint table as an alkaid-dpdk --batch
 * file, and for each case a pcap of distinct frames, each for an endpoint
 * drawn uniformly from the table:
 *
 *   geneve  114-byte Geneve frames, a 64-byte inner IPv4/UDP frame: bounced
 *   vxlan   the same in VXLAN (outer UDP port 4789): bounced
 *   arp     92-byte Geneve frames, an inner ARP request for the endpoint
 *           from another endpoint of its VNI: answered by the gateway
 *
 *   dpdk-bench-gen ENDPOINTS FRAMES BATCH CASE PCAP [CASE PCAP]...
 *
 * Every case draws the same endpoints in the same order.
 *
 * Addresses: gateway 198.19.0.1, sending host 198.19.0.2, endpoint hosts
 * 198.19.1.1-250, endpoints 198.18.0.0/16 in VNIs 100 and up.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/lib/frames.h"

#define FRAME_MAX 128
#define HOSTS 250
#define GATEWAY_IP 0xc6130001u
#define SENDER_IP 0xc6130002u
#define HOST_BASE 0xc6130100u
#define ENDPOINT_BASE 0xc6120000u
#define VNI_BASE 100

enum bench_case { CASE_GENEVE, CASE_VXLAN, CASE_ARP };

static const char *const case_names[] = {
	[CASE_GENEVE] = "geneve",
	[CASE_VXLAN] = "vxlan",
	[CASE_ARP] = "arp",
};

static uint64_t rng;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static const char *ip_str(uint32_t host_order, char *buf)
{
	uint32_t n = htonl(host_order);

	return inet_ntop(AF_INET, &n, buf, INET_ADDRSTRLEN);
}

/* Endpoint i: VNI_BASE + i / 64K, address and MAC from i (as in the batch). */
static uint32_t ep_ip(uint32_t i)
{
	return ENDPOINT_BASE + (i & 0xffff);
}

static void ep_mac(uint32_t i, uint8_t mac[6])
{
	frame_mac(mac, 0x020e, i);
}

static int write_batch(const char *path, uint32_t endpoints)
{
	FILE *f = fopen(path, "w");
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];
	uint8_t m[6];

	if (!f)
		return -1;
	fprintf(f, "# %u endpoints on %u hosts\n", endpoints, HOSTS);
	for (uint32_t h = 1; h <= HOSTS; h++)
		fprintf(f, "neighbor add ip %s mac 02:aa:00:00:01:%02x\n",
			ip_str(HOST_BASE + h, a), h);
	for (uint32_t i = 0; i < endpoints; i++) {
		ep_mac(i, m);
		fprintf(f,
			"endpoint add vni %u ip %s mac "
			"%02x:%02x:%02x:%02x:%02x:%02x host %s\n",
			VNI_BASE + (i >> 16), ip_str(ep_ip(i), a), m[0], m[1],
			m[2], m[3], m[4], m[5],
			ip_str(HOST_BASE + 1 + i % HOSTS, b));
	}
	return fclose(f);
}

static int write_pcap(const char *path, enum bench_case c, uint32_t endpoints,
		      uint32_t frames)
{
	const uint32_t header[6] = { 0xa1b2c3d4, 2 | 4 << 16, 0, 0, 65535, 1 };
	struct frame_outer o = {
		.tunnel = c == CASE_VXLAN ? FRAME_VXLAN : FRAME_GENEVE,
		.src_ip = SENDER_IP,
		.dst_ip = GATEWAY_IP,
		.src_mac = { 0x02, 0, 0, 0, 0, 0x02 },
		.dst_mac = { 0x02, 0, 0, 0, 0, 0x01 },
	};
	FILE *f = fopen(path, "wb");
	uint8_t frame[FRAME_MAX], sha[6];

	if (!f)
		return -1;
	rng = 0x2545f4914f6cdd1dull;
	fwrite(header, sizeof(header), 1, f);
	for (uint32_t k = 0; k < frames; k++) {
		uint32_t i = rnd() % endpoints;
		/* the asker: an endpoint of the same VNI (maybe i itself) */
		uint32_t base = i & ~0xffffu;
		uint32_t span =
			endpoints - base < 0x10000 ? endpoints - base : 0x10000;
		uint32_t asker = base + rnd() % span;
		uint32_t len, record[4];

		o.vni = VNI_BASE + (i >> 16);
		o.sport = 49152 + (rnd() & 0x3fff);
		if (c == CASE_ARP) {
			ep_mac(asker, sha);
			len = frame_arp(frame, &o, sha, ep_ip(asker), ep_ip(i));
		} else {
			len = frame_ipv4(frame, &o, 0xcb007101 + (k & 0x3f),
					 ep_ip(i), 64);
			/* the frame's number in the tenant payload: all
			 * distinct */
			memcpy(frame + len - 4, &k, 4);
		}
		record[0] = k; /* timestamp: k seconds */
		record[1] = 0;
		record[2] = record[3] = len;
		fwrite(record, sizeof(record), 1, f);
		fwrite(frame, len, 1, f);
	}
	return fclose(f);
}

static int case_by_name(const char *name)
{
	for (unsigned int c = 0; c < sizeof(case_names) / sizeof(*case_names);
	     c++)
		if (!strcmp(name, case_names[c]))
			return c;
	return -1;
}

int main(int argc, char **argv)
{
	uint32_t endpoints, frames;

	if (argc < 6 || argc % 2) {
		fprintf(stderr,
			"usage: %s ENDPOINTS FRAMES BATCH "
			"geneve|vxlan|arp PCAP [CASE PCAP]...\n",
			argv[0]);
		return 2;
	}
	endpoints = strtoul(argv[1], NULL, 0);
	frames = strtoul(argv[2], NULL, 0);
	if (!endpoints || endpoints > (1u << 24) || !frames) {
		fprintf(stderr, "%s: 1 to 16M endpoints, 1 frame at least\n",
			argv[0]);
		return 2;
	}
	for (int a = 4; a < argc; a += 2)
		if (case_by_name(argv[a]) < 0) {
			fprintf(stderr, "%s: %s: no such case\n", argv[0],
				argv[a]);
			return 2;
		}
	if (write_batch(argv[3], endpoints)) {
		perror(argv[3]);
		return 1;
	}
	for (int a = 4; a < argc; a += 2)
		if (write_pcap(argv[a + 1], case_by_name(argv[a]), endpoints,
			       frames)) {
			perror(argv[a + 1]);
			return 1;
		}
	return 0;
}
