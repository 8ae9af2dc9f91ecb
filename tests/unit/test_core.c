/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests of the core's building blocks on the host platform. */
#include <CUnit/Basic.h>
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "core/platform/host.h"
#include "core/pipeline.h"
#include "tables/cmd.h"
#include "tests/lib/cunit_main.h"

/* Full ones'-complement sum, the reference for the incremental updates. */
static uint16_t csum_full(const uint8_t *p, size_t n)
{
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint16_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		sum += p[n - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((uint16_t)~sum);
}

static void test_csum_replace(void)
{
	srand(1);
	for (int round = 0; round < 10000; round++) {
		struct alk_ipv4 ip;
		uint8_t *b = (uint8_t *)&ip;
		__be32 to = rand();

		for (size_t i = 0; i < sizeof(ip); i++)
			b[i] = rand();
		ip.check = 0;
		ip.check = csum_full(b, sizeof(ip));
		ip.check = alk_csum_replace4(ip.check, ip.daddr, to);
		ip.daddr = to;
		/* a correct header sums to zero (0 or 0xffff folded) */
		uint16_t verify = csum_full(b, sizeof(ip));
		CU_ASSERT(verify == 0 || verify == 0xffff);

		__u16 old, new;
		memcpy(&old, &ip.ttl, 2);
		ip.ttl--;
		memcpy(&new, &ip.ttl, 2);
		ip.check = alk_csum_replace2(ip.check, old, new);
		verify = csum_full(b, sizeof(ip));
		CU_ASSERT(verify == 0 || verify == 0xffff);
	}
}

static void test_ipv4_csum20(void)
{
	struct alk_ipv4 ip = {
		.ver_ihl = 0x45,
		.tot_len = htons(328),
		.ttl = 64,
		.protocol = 17,
		.saddr = htonl(0xcb007101),
		.daddr = 0xffffffff,
	};

	ip.check = alk_ipv4_csum20(&ip);
	CU_ASSERT_EQUAL(ip.check, csum_full(
					  (uint8_t *)&(struct alk_ipv4){
						  .ver_ihl = 0x45,
						  .tot_len = htons(328),
						  .ttl = 64,
						  .protocol = 17,
						  .saddr = htonl(0xcb007101),
						  .daddr = 0xffffffff },
					  20));
}

static void test_flow_hash(void)
{
	/* MurmurHash3-32 of 20 bytes: the same value on every target and
	 * in tests/fixtures/gen_fixtures.py */
	__u32 a = alk_flow_hash(100, htonl(0xc6130001), htonl(0xc6130002),
				1234u << 16 | 80, 6);
	__u32 b = alk_flow_hash(100, htonl(0xc6130001), htonl(0xc6130002),
				1235u << 16 | 80, 6);
	CU_ASSERT_NOT_EQUAL(a, b);
	CU_ASSERT_EQUAL(a,
			alk_flow_hash(100, htonl(0xc6130001), htonl(0xc6130002),
				      1234u << 16 | 80, 6));
	/* spread: 8 hops, 80000 flows, each hop within 5% of its share */
	unsigned int hits[8] = { 0 };

	for (__u32 port = 0; port < 80000; port++)
		hits[alk_pick(alk_flow_hash(7, htonl(0xc6130001),
					    htonl(0xc6130002), port, 17),
			      8)]++;
	for (int i = 0; i < 8; i++)
		CU_ASSERT(hits[i] > 9500 && hits[i] < 10500);
	/* alk_pick stays within [0, n) */
	for (__u32 n = 1; n <= ALK_MAX_HOPS; n++) {
		CU_ASSERT(alk_pick(0xffffffff, n) == n - 1);
		CU_ASSERT(alk_pick(0, n) == 0);
	}
}

/* A DHCP option area and the walk over it. */
static void test_dhcp_find(void)
{
	uint8_t opts[64] = { 0,	  0,  53, 1,   3,  12, 3, 'a', 'b',
			     'c', 50, 4,  198, 19, 0,  5, 255 };
	struct alk_pkt pkt = { opts, opts + sizeof(opts) };
	int bad = 0;
	__u8 *p;

	p = alk_dhcp_find(&pkt, opts, ALK_DHCP_OPT_TYPE, 1, &bad);
	CU_ASSERT_PTR_EQUAL(p, opts + 4);
	p = alk_dhcp_find(&pkt, opts, ALK_DHCP_OPT_REQ_IP, 4, &bad);
	CU_ASSERT_PTR_EQUAL(p, opts + 12);
	p = alk_dhcp_find(&pkt, opts, ALK_DHCP_OPT_SERVER, 4, &bad);
	CU_ASSERT_PTR_NULL(p);
	CU_ASSERT_EQUAL(bad, 0);

	/* option 50 with length 3 is malformed */
	opts[11] = 3;
	p = alk_dhcp_find(&pkt, opts, ALK_DHCP_OPT_REQ_IP, 4, &bad);
	CU_ASSERT_PTR_NULL(p);
	CU_ASSERT_EQUAL(bad, 1);

	/* an option running past the end */
	bad = 0;
	pkt.end = opts + 9;
	p = alk_dhcp_find(&pkt, opts, ALK_DHCP_OPT_SERVER, 4, &bad);
	CU_ASSERT_PTR_NULL(p);
	CU_ASSERT_EQUAL(bad, 1);
}

/* A VXLAN frame carrying inner IPv4/UDP to a known endpoint. */
static uint32_t build_vxlan(uint8_t *f)
{
	static const uint8_t hdr[] = {
		/* outer eth */
		0x02,
		0,
		0,
		0,
		0,
		0x01,
		0x02,
		0,
		0,
		0,
		0,
		0x11,
		0x08,
		0x00,
		/* outer ipv4, 198.18.0.11 -> 198.18.0.1, len 20+8+8+14+28 */
		0x45,
		0,
		0,
		78,
		0,
		0,
		0,
		0,
		64,
		17,
		0,
		0,
		198,
		18,
		0,
		11,
		198,
		18,
		0,
		1,
		/* udp 40000 -> 4789, len 58 */
		0x9c,
		0x40,
		0x12,
		0xb5,
		0,
		58,
		0,
		0,
		/* vxlan vni 100 */
		0x08,
		0,
		0,
		0,
		0,
		0,
		100,
		0,
		/* inner eth */
		0x0e,
		0,
		0,
		0,
		0,
		0x05,
		0x0e,
		0,
		0,
		0,
		0,
		0x04,
		0x08,
		0x00,
		/* inner ipv4 198.19.0.4 -> 198.19.0.5, udp */
		0x45,
		0,
		0,
		28,
		0,
		0,
		0,
		0,
		64,
		17,
		0,
		0,
		198,
		19,
		0,
		4,
		198,
		19,
		0,
		5,
		/* inner udp */
		0x30,
		0x39,
		0x00,
		0x35,
		0,
		8,
		0,
		0,
	};
	struct alk_ipv4 *ip = (struct alk_ipv4 *)(f + 14);

	memcpy(f, hdr, sizeof(hdr));
	ip->check = alk_ipv4_csum20(ip);
	return sizeof(hdr);
}

static struct alk_tables *small_tables(void)
{
	static const char *cmds[] = {
		"gateway set ip 198.18.0.1 mac 02:00:00:00:00:01",
		"endpoint add vni 100 ip 198.19.0.5 mac 0e:00:00:00:00:05 host "
		"198.18.0.12",
		"neighbor add ip 198.18.0.12 mac 02:00:00:00:00:12",
	};
	struct alk_table_sizes s = { 64, 16, 16, 16 };
	struct alk_tables *t = alk_host_tables_create(&s);

	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		char line[256], *argv[32];
		struct alk_error err;
		struct alk_cmd cmd;
		int argc;

		strcpy(line, cmds[i]);
		argc = alk_cmd_split(line, argv, 32);
		CU_ASSERT_EQUAL_FATAL(alk_cmd_parse(argc, argv, &cmd, &err), 0);
		CU_ASSERT_EQUAL_FATAL(alk_cmd_apply(t, &cmd, &err), 0);
	}
	return t;
}

static void test_bounce_vxlan(void)
{
	struct alk_tables *t = small_tables();
	uint8_t f[2048];
	uint32_t len = build_vxlan(f);
	struct alk_ctx ctx = { .tables = t, .capacity = sizeof(f) };
	struct alk_pkt pkt = { f, f + len };
	struct alk_ipv4 *ip = (struct alk_ipv4 *)(f + 14);

	CU_ASSERT_EQUAL(alk_process(&ctx, &pkt), ALK_R_bounce);
	CU_ASSERT_EQUAL(ip->daddr, htonl(0xc612000c));
	CU_ASSERT_EQUAL(ip->saddr, htonl(0xc6120001));
	CU_ASSERT_EQUAL(ip->ttl, 63);
	CU_ASSERT_EQUAL(csum_full((uint8_t *)ip, 20), 0);
	CU_ASSERT_EQUAL(f[5], 0x12);  /* next hop MAC */
	CU_ASSERT_EQUAL(f[11], 0x01); /* from the gateway */

	/* a second pass: from the host's side, the TTL keeps falling */
	len = build_vxlan(f);
	pkt.end = f + len;
	ip->ttl = 1;
	ip->check = 0;
	ip->check = alk_ipv4_csum20(ip);
	CU_ASSERT_EQUAL(alk_process(&ctx, &pkt), ALK_R_ttl_expired);
	t->ops->close(t);
}

/* Every truncation of a valid frame is handled: never transmitted, and
 * (under ASan in the fuzz build) never read past its end. */
static void test_truncations(void)
{
	struct alk_tables *t = small_tables();
	uint8_t f[2048];
	uint32_t full = build_vxlan(f);

	for (uint32_t len = 0; len < full; len++) {
		uint8_t *copy = malloc(len ? len : 1);
		struct alk_ctx ctx = { .tables = t, .capacity = len };
		struct alk_pkt pkt = { copy, copy + len };
		enum alk_reason r;

		build_vxlan(f);
		memcpy(copy, f, len);
		r = alk_process(&ctx, &pkt);
		CU_ASSERT(alk_reason_verdict(r) != ALK_TX);
		/* shorter than Ethernet: a case BPF_PROG_TEST_RUN cannot run */
		if (len < sizeof(struct alk_eth))
			CU_ASSERT_EQUAL(r, ALK_R_malformed_eth);
		free(copy);
	}
	t->ops->close(t);
}

/* The direct path's token bucket: the burst at once, then the rate, never
 * more than the burst after a pause; 0 for either returns nothing. */
static void test_direct_bucket(void)
{
	struct alk_gateway gw = { .dp_rate = 1000, .dp_burst = 4 };
	struct alk_ctx ctx = { .now_ns = 5000000000ull };
	int n = 0;

	for (int i = 0; i < 10; i++)
		n += alk_direct_token(&ctx, &gw);
	CU_ASSERT_EQUAL(n, 4);
	ctx.now_ns += 1000000; /* 1 ms: one token */
	CU_ASSERT_EQUAL(alk_direct_token(&ctx, &gw), 1);
	CU_ASSERT_EQUAL(alk_direct_token(&ctx, &gw), 0);
	ctx.now_ns += 2500000; /* 2.5 ms: two */
	for (n = 0; n < 10 && alk_direct_token(&ctx, &gw); n++)
		;
	CU_ASSERT_EQUAL(n, 2);
	ctx.now_ns += 10000000000ull; /* 10 s idle: the burst, no more */
	for (n = 0; n < 10 && alk_direct_token(&ctx, &gw); n++)
		;
	CU_ASSERT_EQUAL(n, 4);
	/* one second, a frame every 100 us: 4 + 1000 at most */
	n = 0;
	for (int i = 0; i < 10000; i++) {
		ctx.now_ns += 100000;
		n += alk_direct_token(&ctx, &gw);
	}
	CU_ASSERT(n >= 1000 && n <= 1004);
	gw.dp_rate = 0;
	ctx.now_ns += 10000000000ull;
	CU_ASSERT_EQUAL(alk_direct_token(&ctx, &gw), 0);
	gw.dp_rate = 1000;
	gw.dp_burst = 0;
	CU_ASSERT_EQUAL(alk_direct_token(&ctx, &gw), 0);
}

static void unit_core_register(void)
{
	CU_pSuite s = CU_add_suite("core", NULL, NULL);

	CU_add_test(s, "incremental checksums (RFC 1624)", test_csum_replace);
	CU_add_test(s, "IPv4 header checksum", test_ipv4_csum20);
	CU_add_test(s, "flow hash and hop choice", test_flow_hash);
	CU_add_test(s, "DHCP option walk", test_dhcp_find);
	CU_add_test(s, "VXLAN bounce, TTL", test_bounce_vxlan);
	CU_add_test(s, "every truncation", test_truncations);
	CU_add_test(s, "direct-path token bucket", test_direct_bucket);
}
TEST_SUITE(unit_core_register);
