/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The DPDK table back end through the table API, and what the workers
 * then read through core/platform/dpdk.h (the flat tables through the
 * core's own reader, core/lookup.h): replacement, deletion and reuse at
 * full capacity, grace periods, iteration, longest-prefix networks on both LPM
 * instances, neighbor caches, per-port gateways, counters.
 *
 *   dpdk-tables [ENDPOINTS]   a large fill as well (e.g. 16777216)
 */
#include <CUnit/Basic.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dp-dpdk/tables_dpdk.h"
#include "core/lookup.h"
#include "tests/lib/cunit_main.h"
#include "tests/lib/eal.h"

static struct alk_tables *create(uint32_t endpoints, uint32_t networks,
				 uint32_t tbl8s)
{
	struct alk_dpdk_table_config c = {
		.sizes = { endpoints, networks, 64, 64 },
		.network_tbl8s = tbl8s,
		.max_readers = 1,
		.socket = SOCKET_ID_ANY,
	};

	return alk_dpdk_tables_create(&c);
}

static struct alk_ctx ctx_of(struct alk_tables *t, uint16_t port,
			     struct alk_dp_nb_cache *cache)
{
	const struct alk_dp_tables *dp = alk_dpdk_tables_dp(t);
	struct alk_ctx ctx;

	alk_dpdk_ctx_init(&ctx, dp, dp->counters[rte_lcore_id()].reason, cache,
			  port);
	return ctx;
}

static void endpoint(uint32_t i, uint32_t host, struct alk_endpoint_key *k,
		     struct alk_endpoint *v)
{
	memset(k, 0, sizeof(*k));
	memset(v, 0, sizeof(*v));
	k->vni = 10 + (i >> 16);
	k->ip = htonl(0xc6120000 + (i & 0xffff)); /* 198.18.0.0/16 */
	v->host = htonl(host);
	memcpy(v->mac, (uint8_t[]){ 0x02, 0x0e, i >> 24, i >> 16, i >> 8, i },
	       6);
}

/* What a worker reads of endpoint k: 1 and *ep filled, or 0. */
static int endpoint_read(struct alk_ctx *ctx, const struct alk_endpoint_key *k,
			 struct alk_endpoint *ep)
{
	return alk_flat_endpoint(ctx, k, ep) == ALK_FLAT_FOUND;
}

static int dhcp_read(struct alk_ctx *ctx, const struct alk_dhcp_key *k,
		     struct alk_dhcp *v)
{
	return alk_flat_dhcp(ctx, k, v) == ALK_FLAT_FOUND;
}

static uint64_t count(struct alk_tables *t, enum alk_table tbl)
{
	struct alk_table_info info;

	t->ops->info(t, tbl, &info);
	return info.count;
}

static void test_endpoints_replace_delete(void)
{
	struct alk_tables *t = create(64, 16, 64);
	struct alk_endpoint_key k[3];
	struct alk_endpoint v[3], got;
	struct alk_dhcp_key dk = { 0 };
	struct alk_dhcp dv, seen;
	struct alk_error err;
	struct alk_ctx ctx;
	struct alk_endpoint ep;

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	for (int i = 0; i < 3; i++)
		endpoint(i, 0xc6130101, &k[i], &v[i]);
	CU_ASSERT_EQUAL(alk_endpoints_add(t, k, v, 3, &err), 0);
	CU_ASSERT_EQUAL(count(t, ALK_T_ENDPOINT), 3);
	CU_ASSERT_EQUAL(count(t, ALK_T_DHCP), 3);

	/* a new host: the workers see the new value, whole */
	ctx = ctx_of(t, 0, NULL);
	CU_ASSERT_FATAL(endpoint_read(&ctx, &k[1], &ep));
	CU_ASSERT_EQUAL(ep.host, htonl(0xc6130101));
	v[1].host = htonl(0xc6130202);
	CU_ASSERT_EQUAL(alk_endpoints_add(t, &k[1], &v[1], 1, &err), 0);
	CU_ASSERT_FATAL(endpoint_read(&ctx, &k[1], &ep));
	CU_ASSERT_EQUAL(ep.host, htonl(0xc6130202));
	CU_ASSERT(alk_mac_eq(ep.mac, v[1].mac));
	CU_ASSERT_EQUAL(alk_table_get(t, ALK_T_ENDPOINT, &k[1], &got), 0);
	CU_ASSERT(!memcmp(&got, &v[1], sizeof(got)));
	CU_ASSERT_EQUAL(count(t, ALK_T_ENDPOINT), 3);

	/* the DHCP index is kept with the endpoints */
	dk.vni = k[2].vni;
	memcpy(dk.mac, v[2].mac, 6);
	CU_ASSERT_FATAL(dhcp_read(&ctx, &dk, &seen));
	CU_ASSERT_EQUAL(seen.ip, k[2].ip);
	CU_ASSERT_EQUAL(alk_table_get(t, ALK_T_DHCP, &dk, &dv), 0);
	CU_ASSERT_EQUAL(dv.ip, k[2].ip);

	CU_ASSERT_EQUAL(alk_endpoints_del(t, &k[2], 1, &err), 0);
	CU_ASSERT(!endpoint_read(&ctx, &k[2], &ep));
	CU_ASSERT(!dhcp_read(&ctx, &dk, &seen));
	CU_ASSERT_EQUAL(alk_table_get(t, ALK_T_ENDPOINT, &k[2], &got), -ENOENT);
	CU_ASSERT_EQUAL(count(t, ALK_T_ENDPOINT), 2);
	CU_ASSERT_EQUAL(count(t, ALK_T_DHCP), 2);
	t->ops->close(t);
}

/* A full table takes a new key right after a delete. */
static void test_full_table_reuse(void)
{
	const uint32_t cap = 100;
	struct alk_tables *t = create(cap, 16, 64);
	struct alk_endpoint_key k[101];
	struct alk_endpoint v[101];
	struct alk_error err;

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	for (uint32_t i = 0; i <= cap; i++)
		endpoint(i, 0xc6130101, &k[i], &v[i]);
	CU_ASSERT_EQUAL(alk_endpoints_add(t, k, v, cap, &err), 0);
	CU_ASSERT_EQUAL(alk_endpoints_add(t, &k[cap], &v[cap], 1, &err),
			-ENOSPC);
	CU_ASSERT_EQUAL(count(t, ALK_T_ENDPOINT), cap);
	for (int round = 0; round < 3; round++) {
		uint32_t gone = round * 7;
		uint32_t back = round ? (uint32_t)(round - 1) * 7 : cap;

		CU_ASSERT_EQUAL(alk_endpoints_del(t, &k[gone], 1, &err), 0);
		CU_ASSERT_EQUAL(
			alk_endpoints_add(t, &k[back], &v[back], 1, &err), 0);
		CU_ASSERT_EQUAL(count(t, ALK_T_ENDPOINT), cap);
	}
	t->ops->close(t);
}

/*
 * What a reader holds of a vpc (out of line in the hash) stays as it was
 * until the reader is quiescent, and a full table takes a new key as soon
 * as it is.  Endpoints are copied out: nothing to hold.
 */
static void test_grace_period(void)
{
	const uint32_t cap = 64; /* create()'s vpcs */
	struct alk_tables *t = create(16, 16, 64);
	struct rte_rcu_qsbr *qsbr = alk_dpdk_tables_qsbr(t);
	struct alk_vpc_key k[65];
	struct alk_vpc v[65];
	const struct alk_vpc *held;
	struct alk_error err;
	struct alk_ctx ctx;

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	for (uint32_t i = 0; i <= cap; i++) {
		k[i] = (struct alk_vpc_key){ .vni = 100 + i };
		v[i] = (struct alk_vpc){ .ndividers = 1 };
		v[i].dividers[0] = htonl(0xc6130101 + i);
	}
	CU_ASSERT_EQUAL(alk_vpcs_add(t, k, v, cap, &err), 0);
	/* this thread plays a worker in the middle of a burst */
	rte_rcu_qsbr_thread_register(qsbr, 0);
	rte_rcu_qsbr_thread_online(qsbr, 0);
	ctx = ctx_of(t, 0, NULL);
	held = alk_plat_vpc(&ctx, k[3].vni);
	CU_ASSERT_PTR_NOT_NULL_FATAL(held);

	CU_ASSERT_EQUAL(alk_vpcs_del(t, &k[3], 1, &err), 0);
	v[4].dividers[0] = htonl(0xc6130999);
	CU_ASSERT_EQUAL(alk_vpcs_add(t, &k[4], &v[4], 1, &err), 0);
	CU_ASSERT_EQUAL(held->ndividers, 1);
	CU_ASSERT_EQUAL(held->dividers[0], htonl(0xc6130104));

	/* end of the burst; the freed position goes to a new key */
	rte_rcu_qsbr_quiescent(qsbr, 0);
	CU_ASSERT_EQUAL(alk_vpcs_add(t, &k[cap], &v[cap], 1, &err), 0);
	CU_ASSERT_EQUAL(count(t, ALK_T_VPC), cap);
	CU_ASSERT_PTR_NOT_NULL(alk_plat_vpc(&ctx, k[cap].vni));
	CU_ASSERT_PTR_NULL(alk_plat_vpc(&ctx, k[3].vni));
	CU_ASSERT_EQUAL(alk_plat_vpc(&ctx, k[4].vni)->dividers[0],
			htonl(0xc6130999));
	rte_rcu_qsbr_thread_offline(qsbr, 0);
	rte_rcu_qsbr_thread_unregister(qsbr, 0);
	t->ops->close(t);
}

/* Listing returns every entry once, also after deletes. */
static void test_iteration(void)
{
	const uint32_t n = 1000;
	struct alk_tables *t = create(1024, 16, 64);
	struct alk_endpoint_key *k = calloc(n, sizeof(*k)), *lk;
	struct alk_endpoint *v = calloc(n, sizeof(*v)), *lv;
	uint8_t *seen = calloc(n, 1);
	struct alk_error err;
	int listed = 0, got;

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	lk = calloc(n, sizeof(*lk));
	lv = calloc(n, sizeof(*lv));
	for (uint32_t i = 0; i < n; i++)
		endpoint(i, 0xc6130101 + i % 7, &k[i], &v[i]);
	CU_ASSERT_EQUAL(alk_endpoints_add(t, k, v, n, &err), 0);
	for (uint32_t i = 0; i < n; i += 2)
		CU_ASSERT_EQUAL(alk_endpoints_del(t, &k[i], 1, &err), 0);
	/* in pages of 64, as alkaidctl would */
	do {
		got = alk_table_list(t, ALK_T_ENDPOINT,
				     listed ? &lk[listed - 1] : NULL,
				     &lk[listed], &lv[listed], 64);
		CU_ASSERT(got >= 0);
		listed += got > 0 ? got : 0;
	} while (got == 64 && listed < (int)n);
	CU_ASSERT_EQUAL(listed, n / 2);
	for (int j = 0; j < listed; j++) {
		uint32_t i = ntohl(lk[j].ip) - 0xc6120000;

		CU_ASSERT_FATAL(i < n);
		CU_ASSERT(i % 2 == 1);
		CU_ASSERT(!seen[i]);
		seen[i] = 1;
		CU_ASSERT(!memcmp(&lv[j], &v[i], sizeof(v[i])));
	}
	free(k);
	free(v);
	free(lk);
	free(lv);
	free(seen);
	t->ops->close(t);
}

static void network(uint32_t vni, const char *prefix, uint32_t plen,
		    uint32_t bouncer, struct alk_network_key *k,
		    struct alk_network *v)
{
	memset(k, 0, sizeof(*k));
	memset(v, 0, sizeof(*v));
	k->vni = vni;
	inet_pton(AF_INET, prefix, &k->prefix);
	k->plen = plen;
	v->nbouncers = 1;
	v->bouncers[0] = htonl(bouncer);
	v->lease = 3600;
}

static __be32 bouncer_for(struct alk_tables *t, uint32_t vni, const char *ip)
{
	struct alk_ctx ctx = ctx_of(t, 0, NULL);
	const struct alk_network *net;
	__be32 a;

	inet_pton(AF_INET, ip, &a);
	net = alk_plat_network(&ctx, vni, a);
	return net ? net->bouncers[0] : 0;
}

static void test_networks_longest_prefix(void)
{
	struct alk_tables *t = create(64, 64, 256);
	struct alk_network_key k[5];
	struct alk_network v[5], got;
	struct alk_error err;

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	network(7, "198.18.0.0", 16, 0xc6130016, &k[0], &v[0]);
	network(7, "198.18.100.0", 24, 0xc6130024, &k[1], &v[1]);
	network(7, "198.18.100.9", 32, 0xc6130032, &k[2], &v[2]);
	network(8, "0.0.0.0", 0, 0xc6130000, &k[3], &v[3]);
	network(0xffffff, "203.0.113.0", 24, 0xc61300ff, &k[4], &v[4]);
	CU_ASSERT_EQUAL(alk_networks_add(t, k, v, 5, &err), 0);
	CU_ASSERT_EQUAL(count(t, ALK_T_NETWORK), 5);

	CU_ASSERT_EQUAL(bouncer_for(t, 7, "198.18.100.9"), htonl(0xc6130032));
	CU_ASSERT_EQUAL(bouncer_for(t, 7, "198.18.100.10"), htonl(0xc6130024));
	CU_ASSERT_EQUAL(bouncer_for(t, 7, "198.18.7.1"), htonl(0xc6130016));
	CU_ASSERT_EQUAL(bouncer_for(t, 7, "203.0.113.1"), 0);
	CU_ASSERT_EQUAL(bouncer_for(t, 8, "192.0.2.1"), htonl(0xc6130000));
	CU_ASSERT_EQUAL(bouncer_for(t, 9, "198.18.100.9"), 0);
	CU_ASSERT_EQUAL(bouncer_for(t, 0xffffff, "203.0.113.200"),
			htonl(0xc61300ff));
	CU_ASSERT_EQUAL(bouncer_for(t, 0xfffffe, "203.0.113.200"), 0);

	/* each change goes to both LPMs: check twice, swapping between */
	for (int pass = 0; pass < 2; pass++) {
		CU_ASSERT_EQUAL(alk_networks_del(t, &k[1], 1, &err), 0);
		CU_ASSERT_EQUAL(bouncer_for(t, 7, "198.18.100.10"),
				htonl(0xc6130016));
		CU_ASSERT_EQUAL(bouncer_for(t, 7, "198.18.100.9"),
				htonl(0xc6130032));
		CU_ASSERT_EQUAL(alk_networks_add(t, &k[1], &v[1], 1, &err), 0);
		CU_ASSERT_EQUAL(bouncer_for(t, 7, "198.18.100.10"),
				htonl(0xc6130024));
	}
	v[0].bouncers[0] = htonl(0xc6130116);
	v[0].router = htonl(0xc6336401);
	CU_ASSERT_EQUAL(alk_networks_add(t, &k[0], &v[0], 1, &err), 0);
	CU_ASSERT_EQUAL(bouncer_for(t, 7, "198.18.7.1"), htonl(0xc6130116));
	CU_ASSERT_EQUAL(alk_table_get(t, ALK_T_NETWORK, &k[0], &got), 0);
	CU_ASSERT_EQUAL(got.router, htonl(0xc6336401));
	CU_ASSERT_EQUAL(got.plen, 16);
	CU_ASSERT_EQUAL(count(t, ALK_T_NETWORK), 5);
	t->ops->close(t);
}

/* Out of LPM groups: an error, and the tables still agree with it. */
static void test_networks_exhausted(void)
{
	struct alk_tables *t = create(64, 256, 8);
	struct alk_network_key k;
	struct alk_network v;
	struct alk_error err;
	uint32_t added = 0;
	int rc = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	for (uint32_t i = 0; i < 256 && !rc; i++) {
		char ip[32];

		snprintf(ip, sizeof(ip), "198.18.%u.1", i);
		network(100 + i, ip, 32, 0xc6130001 + i, &k, &v);
		rc = alk_networks_add(t, &k, &v, 1, &err);
		added += !rc;
	}
	CU_ASSERT_EQUAL(rc, -ENOSPC);
	CU_ASSERT(added > 0);
	CU_ASSERT_EQUAL(count(t, ALK_T_NETWORK), added);
	for (uint32_t i = 0; i < added; i++) {
		char ip[32];

		snprintf(ip, sizeof(ip), "198.18.%u.1", i);
		CU_ASSERT_EQUAL(bouncer_for(t, 100 + i, ip),
				htonl(0xc6130001 + i));
	}
	/* and the other instance too */
	network(99, "198.18.255.0", 24, 0xc6130063, &k, &v);
	CU_ASSERT_EQUAL(alk_networks_del(t, &k, 1, &err), 0);
	for (uint32_t i = 0; i < added; i++) {
		char ip[32];

		snprintf(ip, sizeof(ip), "198.18.%u.1", i);
		CU_ASSERT_EQUAL(bouncer_for(t, 100 + i, ip),
				htonl(0xc6130001 + i));
	}
	t->ops->close(t);
}

static void test_vpcs(void)
{
	struct alk_tables *t = create(64, 16, 64);
	struct alk_vpc_key k = { .vni = 42 };
	struct alk_vpc v = { .ndividers = 2 };
	struct alk_error err;
	struct alk_ctx ctx;

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	ctx = ctx_of(t, 0, NULL);
	v.dividers[0] = htonl(0xc6130001);
	v.dividers[1] = htonl(0xc6130002);
	CU_ASSERT_EQUAL(alk_vpcs_add(t, &k, &v, 1, &err), 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(alk_plat_vpc(&ctx, 42));
	CU_ASSERT_EQUAL(alk_plat_vpc(&ctx, 42)->ndividers, 2);
	v.ndividers = 1;
	CU_ASSERT_EQUAL(alk_vpcs_add(t, &k, &v, 1, &err), 0);
	CU_ASSERT_EQUAL(alk_plat_vpc(&ctx, 42)->ndividers, 1);
	CU_ASSERT_PTR_NULL(alk_plat_vpc(&ctx, 43));
	CU_ASSERT_EQUAL(alk_vpcs_del(t, &k, 1, &err), 0);
	CU_ASSERT_PTR_NULL(alk_plat_vpc(&ctx, 42));
	CU_ASSERT_EQUAL(count(t, ALK_T_VPC), 0);
	t->ops->close(t);
}

/* A worker's neighbor cache follows changes from its next burst on. */
static void test_neighbor_cache(void)
{
	static struct alk_dp_nb_cache cache;
	struct alk_tables *t = create(64, 16, 64);
	struct alk_neighbor_key k = { .ip = htonl(0xc6130005) };
	struct alk_neighbor v = { .mac = { 0x02, 0, 0, 0, 0, 1 } };
	struct alk_error err;
	struct alk_ctx ctx;
	const struct alk_neighbor *nb;

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_EQUAL(alk_neighbors_add(t, &k, &v, 1, &err), 0);
	ctx = ctx_of(t, 0, &cache);
	nb = alk_plat_neighbor(&ctx, k.ip);
	CU_ASSERT_PTR_NOT_NULL_FATAL(nb);
	CU_ASSERT_EQUAL(nb->mac[5], 1);
	CU_ASSERT_PTR_NULL(alk_plat_neighbor(&ctx, htonl(0xc6130006)));
	CU_ASSERT_PTR_NULL(alk_plat_neighbor(&ctx, 0));

	v.mac[5] = 2;
	CU_ASSERT_EQUAL(alk_neighbors_add(t, &k, &v, 1, &err), 0);
	ctx = ctx_of(t, 0, &cache); /* the next burst */
	nb = alk_plat_neighbor(&ctx, k.ip);
	CU_ASSERT_PTR_NOT_NULL_FATAL(nb);
	CU_ASSERT_EQUAL(nb->mac[5], 2);

	CU_ASSERT_EQUAL(alk_neighbors_del(t, &k, 1, &err), 0);
	ctx = ctx_of(t, 0, &cache);
	CU_ASSERT_PTR_NULL(alk_plat_neighbor(&ctx, k.ip));
	t->ops->close(t);
}

static void test_gateway_per_port(void)
{
	struct alk_tables *t = create(64, 16, 64);
	struct alk_gateway gw = {
		.ip = htonl(0xc6130001),
		.mac = { 0x02, 0, 0, 0, 0, 0x01 },
		.geneve_port = htons(6081),
	}, got;
	struct rte_ether_addr port_mac = { { 0x02, 0, 0, 0, 0, 0x77 } };
	struct alk_error err;
	struct alk_ctx ctx0, ctx1;

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	ctx0 = ctx_of(t, 0, NULL);
	ctx1 = ctx_of(t, 1, NULL);
	CU_ASSERT_PTR_NULL(alk_plat_gateway(&ctx0));
	CU_ASSERT_EQUAL(t->ops->gateway_get(t, &got), -ENOENT);
	alk_dpdk_tables_port_mac(t, 1, &port_mac);
	CU_ASSERT_EQUAL(alk_gateway_set(t, &gw, &err), 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(alk_plat_gateway(&ctx0));
	CU_ASSERT(alk_mac_eq(alk_plat_gateway(&ctx0)->mac, gw.mac));
	CU_ASSERT(
		alk_mac_eq(alk_plat_gateway(&ctx1)->mac, port_mac.addr_bytes));
	CU_ASSERT_EQUAL(alk_plat_gateway(&ctx1)->ip, gw.ip);
	CU_ASSERT_EQUAL(t->ops->gateway_get(t, &got), 0);
	CU_ASSERT(!memcmp(&got, &gw, sizeof(gw)));
	t->ops->close(t);
}

static void test_counters(void)
{
	struct alk_tables *t = create(64, 16, 64);
	uint64_t c[ALK_R_MAX];
	struct alk_ctx ctx;

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	ctx = ctx_of(t, 0, NULL);
	alk_plat_count(&ctx, ALK_R_bounce);
	alk_plat_count(&ctx, ALK_R_bounce);
	alk_plat_count(&ctx, ALK_R_loop);
	/* another lcore's row */
	alk_dpdk_tables_dp(t)
		->counters[RTE_MAX_LCORE - 1]
		.reason[ALK_R_bounce]++;
	CU_ASSERT_EQUAL(t->ops->stats_get(t, c), 0);
	CU_ASSERT_EQUAL(c[ALK_R_bounce], 3);
	CU_ASSERT_EQUAL(c[ALK_R_loop], 1);
	CU_ASSERT_EQUAL(t->ops->stats_reset(t), 0);
	alk_plat_count(&ctx, ALK_R_loop);
	t->ops->stats_get(t, c);
	CU_ASSERT_EQUAL(c[ALK_R_bounce], 0);
	CU_ASSERT_EQUAL(c[ALK_R_loop], 1);
	t->ops->close(t);
}

static void test_create_limits(void)
{
	/* LPM next hops are 21 bits: no more networks than that */
	CU_ASSERT_PTR_NULL(create(64, (1u << 21) + 1, 64));
	CU_ASSERT_EQUAL(rte_errno, EINVAL);
}

static uint32_t large;

/* A big table filled and read back (memory: about 57 bytes an entry,
 * two flat tables of 64-byte buckets three quarters full). */
static void test_large_fill(void)
{
	const uint32_t chunk = 65536;
	struct alk_tables *t;
	struct alk_endpoint_key *k = calloc(chunk, sizeof(*k));
	struct alk_endpoint *v = calloc(chunk, sizeof(*v));
	struct alk_table_info ep, dhcp;
	struct alk_error err;
	struct alk_ctx ctx;
	uint32_t misses = 0;

	if (!large)
		return;
	t = create(large, 16, 64);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	for (uint32_t first = 0; first < large; first += chunk) {
		uint32_t n = RTE_MIN(chunk, large - first);

		for (uint32_t i = 0; i < n; i++)
			endpoint(first + i, 0xc6130101, &k[i], &v[i]);
		CU_ASSERT_EQUAL_FATAL(alk_endpoints_add(t, k, v, n, &err), 0);
	}
	CU_ASSERT_EQUAL(count(t, ALK_T_ENDPOINT), large);
	ctx = ctx_of(t, 0, NULL);
	for (uint32_t i = 0; i < large; i += 97) {
		endpoint(i, 0, &k[0], &v[0]);
		misses += !endpoint_read(&ctx, &k[0], &v[1]);
	}
	CU_ASSERT_EQUAL(misses, 0);
	t->ops->info(t, ALK_T_ENDPOINT, &ep);
	t->ops->info(t, ALK_T_DHCP, &dhcp);
	printf("\n    %u endpoints, DHCP index included: %.0f MB\n", large,
	       (ep.memory + dhcp.memory) / 1e6);
	free(k);
	free(v);
	t->ops->close(t);
}

/* dpdk-tables [ENDPOINTS]: the EAL, with memory for the large fill */
static int setup(int argc, char **argv)
{
	char memory[16];

	large = argc > 1 ? strtoul(argv[1], NULL, 0) : 0;
	snprintf(memory, sizeof(memory), "%u",
		 512 + (unsigned int)((uint64_t)large * 64 >> 20));
	return test_eal_init("dpdk-tables", "0", memory) ? 1 : 0;
}
TEST_SETUP(setup);
TEST_TEARDOWN(test_eal_cleanup);

static void dpdk_tables_suite(void)
{
	CU_pSuite s = CU_add_suite("dpdk tables", NULL, NULL);

	CU_add_test(s, "endpoints: replace, delete, DHCP index",
		    test_endpoints_replace_delete);
	CU_add_test(s, "full table reuses deleted positions",
		    test_full_table_reuse);
	CU_add_test(s, "grace period", test_grace_period);
	CU_add_test(s, "iteration after deletes", test_iteration);
	CU_add_test(s, "networks: longest prefix, both LPMs",
		    test_networks_longest_prefix);
	CU_add_test(s, "networks: LPM groups exhausted",
		    test_networks_exhausted);
	CU_add_test(s, "vpcs", test_vpcs);
	CU_add_test(s, "neighbor cache follows changes", test_neighbor_cache);
	CU_add_test(s, "gateway per port", test_gateway_per_port);
	CU_add_test(s, "counters per lcore, reset", test_counters);
	CU_add_test(s, "creation limits", test_create_limits);
	CU_add_test(s, "large fill", test_large_fill);
}
TEST_SUITE(dpdk_tables_suite);
