/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The DPDK bouncer benchmark's input: a pcap of distinct 114-byte Geneve
 * frames, each to an endpoint drawn uniformly from the table, and the
 * table itself as an alkaid-dpdk --batch file.
 *
 *   dpdk-bench-gen ENDPOINTS FRAMES PCAP BATCH
 *
 * Addresses: gateway 198.19.0.1, sending host 198.19.0.2, endpoint hosts
 * 198.19.1.1-250, endpoints 198.18.0.0/16 in VNIs 100 and up.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/frames.h"

#define FRAME_LEN 114
#define HOSTS 250
#define GATEWAY_IP 0xc6130001u
#define SENDER_IP 0xc6130002u
#define HOST_BASE 0xc6130100u
#define ENDPOINT_BASE 0xc6120000u
#define VNI_BASE 100

static uint64_t rng = 0x2545f4914f6cdd1dull;

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

static int write_batch(const char *path, uint32_t endpoints)
{
	FILE *f = fopen(path, "w");
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];

	if (!f)
		return -1;
	fprintf(f, "# %u endpoints on %u hosts\n", endpoints, HOSTS);
	for (uint32_t h = 1; h <= HOSTS; h++)
		fprintf(f, "neighbor add ip %s mac 02:aa:00:00:01:%02x\n",
			ip_str(HOST_BASE + h, a), h);
	for (uint32_t i = 0; i < endpoints; i++)
		fprintf(f,
			"endpoint add vni %u ip %s mac "
			"02:0e:%02x:%02x:%02x:%02x host %s\n",
			VNI_BASE + (i >> 16),
			ip_str(ENDPOINT_BASE + (i & 0xffff), a), i >> 24,
			(i >> 16) & 0xff, (i >> 8) & 0xff, i & 0xff,
			ip_str(HOST_BASE + 1 + i % HOSTS, b));
	return fclose(f);
}

static int write_pcap(const char *path, uint32_t endpoints, uint32_t frames)
{
	const uint32_t header[6] = { 0xa1b2c3d4, 2 | 4 << 16, 0, 0, 65535, 1 };
	struct bench_outer o = {
		.tunnel = BENCH_GENEVE,
		.src_ip = SENDER_IP,
		.dst_ip = GATEWAY_IP,
		.src_mac = { 0x02, 0, 0, 0, 0, 0x02 },
		.dst_mac = { 0x02, 0, 0, 0, 0, 0x01 },
	};
	FILE *f = fopen(path, "wb");
	uint8_t frame[FRAME_LEN];

	if (!f)
		return -1;
	fwrite(header, sizeof(header), 1, f);
	for (uint32_t k = 0; k < frames; k++) {
		uint32_t i = rnd() % endpoints;
		uint32_t record[4] = { k, 0, FRAME_LEN, FRAME_LEN };

		o.vni = VNI_BASE + (i >> 16);
		o.sport = 49152 + (rnd() & 0x3fff);
		if (bench_frame_ipv4(frame, &o, 0xcb007101 + (k & 0x3f),
				     ENDPOINT_BASE + (i & 0xffff),
				     64) != FRAME_LEN)
			return -1;
		/* the frame's number in the tenant payload: all distinct */
		memcpy(frame + FRAME_LEN - 4, &k, 4);
		fwrite(record, sizeof(record), 1, f);
		fwrite(frame, FRAME_LEN, 1, f);
	}
	return fclose(f);
}

int main(int argc, char **argv)
{
	uint32_t endpoints, frames;

	if (argc != 5) {
		fprintf(stderr, "usage: %s ENDPOINTS FRAMES PCAP BATCH\n",
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
	if (write_pcap(argv[3], endpoints, frames) ||
	    write_batch(argv[4], endpoints)) {
		perror(argv[0]);
		return 1;
	}
	return 0;
}
