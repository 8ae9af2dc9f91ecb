/* SPDX-License-Identifier: BSD-3-Clause */
/* The table front end over the in-memory back end: validation, batches
 * applied whole or not at all, the DHCP index, iteration, the grammar. */
#include <CUnit/Basic.h>
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "core/platform/host.h"
#include "tables/cmd.h"
#include "tables/tables.h"
#include "tests/lib/cunit_main.h"

static struct alk_tables *tables(uint32_t endpoints)
{
	struct alk_table_sizes s = { endpoints, 16, 16, 16 };

	return alk_host_tables_create(&s);
}

static void endpoint(struct alk_endpoint_key *k, struct alk_endpoint *v,
		     uint32_t vni, uint32_t host_order_ip, uint8_t mac_last)
{
	memset(k, 0, sizeof(*k));
	memset(v, 0, sizeof(*v));
	k->vni = vni;
	k->ip = htonl(host_order_ip);
	v->host = htonl(0xc612000c);
	memcpy(v->mac, (uint8_t[]){ 0x0e, 0, 0, 0, 0, mac_last }, 6);
}

static uint64_t count(struct alk_tables *t, enum alk_table tbl)
{
	struct alk_table_info info;

	t->ops->info(t, tbl, &info);
	return info.count;
}

static void test_batch_all_or_nothing(void)
{
	struct alk_tables *t = tables(64);
	struct alk_endpoint_key k[3];
	struct alk_endpoint v[3];
	struct alk_error err;

	endpoint(&k[0], &v[0], 100, 0xc6130001, 1);
	endpoint(&k[1], &v[1], 100, 0xc6130002, 2);
	endpoint(&k[2], &v[2], 1u << 24, 0xc6130003, 3); /* vni too big */
	CU_ASSERT_EQUAL(alk_endpoints_add(t, k, v, 3, &err), -EINVAL);
	CU_ASSERT_EQUAL(err.index, 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "vni 16777216"));
	CU_ASSERT_EQUAL(count(t, ALK_T_ENDPOINT), 0);
	CU_ASSERT_EQUAL(count(t, ALK_T_DHCP), 0);

	v[2].mac[0] = 0x01; /* multicast */
	k[2].vni = 100;
	CU_ASSERT_EQUAL(alk_endpoints_add(t, k, v, 3, &err), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "mac"));
	v[2].mac[0] = 0x0e;
	CU_ASSERT_EQUAL(alk_endpoints_add(t, k, v, 3, &err), 0);
	CU_ASSERT_EQUAL(count(t, ALK_T_ENDPOINT), 3);
	CU_ASSERT_EQUAL(count(t, ALK_T_DHCP), 3);
	t->ops->close(t);
}

static void test_capacity(void)
{
	struct alk_tables *t = tables(2);
	struct alk_endpoint_key k[3];
	struct alk_endpoint v[3];
	struct alk_error err;

	for (int i = 0; i < 3; i++)
		endpoint(&k[i], &v[i], 5, 0xc6130001 + i, i + 1);
	CU_ASSERT_EQUAL(alk_endpoints_add(t, k, v, 3, &err), -ENOSPC);
	CU_ASSERT_EQUAL(count(t, ALK_T_ENDPOINT), 0);
	CU_ASSERT_EQUAL(alk_endpoints_add(t, k, v, 2, &err), 0);
	/* replacing existing entries fits in a full table */
	CU_ASSERT_EQUAL(alk_endpoints_add(t, k, v, 2, &err), 0);
	t->ops->close(t);
}

static void test_dhcp_index(void)
{
	struct alk_tables *t = tables(8192);
	struct alk_endpoint_key k, k2;
	struct alk_endpoint v, v2;
	struct alk_dhcp_key dk = { .vni = 9 };
	struct alk_dhcp d;
	struct alk_error err;

	endpoint(&k, &v, 9, 0xc6130009, 9);
	CU_ASSERT_EQUAL(alk_endpoints_add(t, &k, &v, 1, &err), 0);
	memcpy(dk.mac, v.mac, 6);
	CU_ASSERT_EQUAL(alk_table_get(t, ALK_T_DHCP, &dk, &d), 0);
	CU_ASSERT_EQUAL(d.ip, k.ip);

	/* the same MAC for another address in the same VNI is refused */
	endpoint(&k2, &v2, 9, 0xc613000a, 9);
	CU_ASSERT_EQUAL(alk_endpoints_add(t, &k2, &v2, 1, &err), -EEXIST);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "198.19.0.9"));

	/* within one large batch too: the last entry reuses the second's */
	{
		enum { N = 5000 };
		static struct alk_endpoint_key bk[N];
		static struct alk_endpoint bv[N];

		for (int i = 0; i < N; i++) {
			endpoint(&bk[i], &bv[i], 11, 0xc6130100 + i, 0);
			bv[i].mac[4] = i >> 8;
			bv[i].mac[5] = i;
		}
		memcpy(bv[N - 1].mac, bv[1].mac, 6);
		CU_ASSERT_EQUAL(alk_endpoints_add(t, bk, bv, N, &err), -EEXIST);
		CU_ASSERT_EQUAL(err.index, N - 1);
		CU_ASSERT_EQUAL(count(t, ALK_T_ENDPOINT), 1);
	}

	/* a new MAC for the endpoint moves its index entry */
	v.mac[5] = 10;
	CU_ASSERT_EQUAL(alk_endpoints_add(t, &k, &v, 1, &err), 0);
	CU_ASSERT_EQUAL(alk_table_get(t, ALK_T_DHCP, &dk, &d), -ENOENT);
	dk.mac[5] = 10;
	CU_ASSERT_EQUAL(alk_table_get(t, ALK_T_DHCP, &dk, &d), 0);

	CU_ASSERT_EQUAL(alk_endpoints_del(t, &k, 1, &err), 0);
	CU_ASSERT_EQUAL(alk_table_get(t, ALK_T_DHCP, &dk, &d), -ENOENT);
	CU_ASSERT_EQUAL(count(t, ALK_T_ENDPOINT), 0);
	t->ops->close(t);
}

static void test_networks(void)
{
	struct alk_tables *t = tables(16);
	struct alk_network_key k = { .vni = 7,
				     .prefix = htonl(0xc6130000),
				     .plen = 16 };
	struct alk_network v = { .nbouncers = 1,
				 .bouncers = { htonl(0xc6120002) } };
	struct alk_error err;
	const struct alk_network *m;

	CU_ASSERT_EQUAL(alk_networks_add(t, &k, &v, 1, &err), 0);
	k.prefix = htonl(0xc6130100);
	k.plen = 24;
	v.bouncers[0] = htonl(0xc6120003);
	CU_ASSERT_EQUAL(alk_networks_add(t, &k, &v, 1, &err), 0);

	m = alk_host_network_match(t, 7, htonl(0xc6130105));
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	CU_ASSERT_EQUAL(m->plen, 24);
	m = alk_host_network_match(t, 7, htonl(0xc6130205));
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	CU_ASSERT_EQUAL(m->plen, 16);
	CU_ASSERT_PTR_NULL(alk_host_network_match(t, 8, htonl(0xc6130105)));

	k.prefix = htonl(0xc6130101); /* host bits set */
	CU_ASSERT_EQUAL(alk_networks_add(t, &k, &v, 1, &err), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "host bits"));
	k.prefix = htonl(0xc6130100);
	v.nbouncers = 0;
	CU_ASSERT_EQUAL(alk_networks_add(t, &k, &v, 1, &err), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "bouncers"));

	CU_ASSERT_EQUAL(alk_networks_del(t, &k, 1, &err), 0);
	m = alk_host_network_match(t, 7, htonl(0xc6130105));
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	CU_ASSERT_EQUAL(m->plen, 16);
	t->ops->close(t);
}

/* Insert and delete many keys: probing chains survive deletions. */
static void test_host_map_churn(void)
{
	struct alk_tables *t = tables(4096);
	struct alk_endpoint_key k;
	struct alk_endpoint v, out;
	struct alk_error err;
	uint32_t n = 4000;

	for (uint32_t i = 0; i < n; i++) {
		endpoint(&k, &v, i % 7, 0xc6130000 + i, 0);
		v.mac[4] = i >> 8;
		v.mac[5] = i;
		CU_ASSERT_EQUAL(alk_endpoints_add(t, &k, &v, 1, &err), 0);
	}
	for (uint32_t i = 0; i < n; i += 2) {
		endpoint(&k, &v, i % 7, 0xc6130000 + i, 0);
		CU_ASSERT_EQUAL(alk_endpoints_del(t, &k, 1, &err), 0);
	}
	for (uint32_t i = 0; i < n; i++) {
		endpoint(&k, &v, i % 7, 0xc6130000 + i, 0);
		CU_ASSERT_EQUAL(alk_table_get(t, ALK_T_ENDPOINT, &k, &out),
				i % 2 ? 0 : -ENOENT);
	}
	CU_ASSERT_EQUAL(count(t, ALK_T_ENDPOINT), n / 2);
	CU_ASSERT_EQUAL(count(t, ALK_T_DHCP), n / 2);

	/* listing in pages sees every entry once */
	struct alk_endpoint_key keys[300];
	struct alk_endpoint vals[300];
	uint32_t seen = 0;
	int got;
	const void *after = NULL;
	struct alk_endpoint_key last;

	while ((got = alk_table_list(t, ALK_T_ENDPOINT, after, keys, vals,
				     300)) > 0) {
		seen += got;
		last = keys[got - 1];
		after = &last;
	}
	CU_ASSERT_EQUAL(seen, n / 2);
	t->ops->close(t);
}

static int parse(const char *text, struct alk_cmd *cmd, struct alk_error *err)
{
	char line[512], *argv[64];
	int argc;

	strcpy(line, text);
	argc = alk_cmd_split(line, argv, 64);
	return alk_cmd_parse(argc, argv, cmd, err);
}

static void test_grammar(void)
{
	struct alk_cmd c;
	struct alk_error err;

	CU_ASSERT_EQUAL(
		parse("network add vni 100 prefix 203.0.113.0/24 "
		      "bouncers 198.18.0.1,198.18.0.2 router 203.0.113.1 "
		      "dns 203.0.113.2 mtu 1450 lease 3600",
		      &c, &err),
		0);
	CU_ASSERT_EQUAL(c.object, ALK_O_NETWORK);
	CU_ASSERT_EQUAL(c.network.key.vni, 100);
	CU_ASSERT_EQUAL(c.network.key.plen, 24);
	CU_ASSERT_EQUAL(c.network.val.nbouncers, 2);
	CU_ASSERT_EQUAL(c.network.val.mtu, 1450);
	CU_ASSERT_EQUAL(c.network.val.lease, 3600);

	CU_ASSERT_EQUAL(parse("endpoint add vni 100 ip 203.0.113.5", &c, &err),
			-EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "needs 'mac'"));
	CU_ASSERT_EQUAL(parse("endpoint add vni 100 ip 203.0.113.500 mac "
			      "0e:00:00:00:00:05 host 198.18.0.12",
			      &c, &err),
			-EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "bad ip '203.0.113.500'"));
	CU_ASSERT_EQUAL(parse("endpoint add vni 100 vni 4", &c, &err), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "twice"));
	CU_ASSERT_EQUAL(parse("vpc add vni 5 dividers 198.18.0.1,x", &c, &err),
			-EINVAL);
	CU_ASSERT_EQUAL(parse("vpc add vni 5 dividers "
			      "1.1.1.1,1.1.1.2,1.1.1.3,1.1.1.4,1.1.1.5,"
			      "1.1.1.6,1.1.1.7,1.1.1.8,1.1.1.9",
			      &c, &err),
			-EINVAL);
	CU_ASSERT_EQUAL(parse("gateway set ip 198.18.0.1 mac 02:00:00:00:00:01 "
			      "underlay-arp on vxlan-port 8472",
			      &c, &err),
			0);
	CU_ASSERT_EQUAL(c.gateway.flags,
			ALK_GW_F_UNDERLAY_ARP | ALK_GW_F_DIRECT_PATH);
	CU_ASSERT_EQUAL(ntohs(c.gateway.vxlan_port), 8472);
	CU_ASSERT_EQUAL(parse("gateway set ip 198.18.0.1 mac 02:00:00:00:00:01 "
			      "direct-path off direct-path-rate 10 "
			      "direct-path-burst 0",
			      &c, &err),
			0);
	CU_ASSERT_EQUAL(c.gateway.flags, 0);
	CU_ASSERT_EQUAL(c.gateway.dp_rate, 10);
	CU_ASSERT_EQUAL(c.gateway.dp_burst, 0);
	CU_ASSERT_EQUAL(ntohs(c.gateway.geneve_port), 6081);
	CU_ASSERT_EQUAL(parse("bogus add", &c, &err), -EINVAL);
	CU_ASSERT_EQUAL(parse("vpc del vni", &c, &err), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "needs a value"));
	CU_ASSERT_EQUAL(
		parse("neighbor add ip 198.18.0.2 mac 02:00:00:00:00:0g", &c,
		      &err),
		-EINVAL);
	CU_ASSERT_EQUAL(
		parse("neighbor add ip 198.18.0.2 mac 02:00:00:00:00:0A", &c,
		      &err),
		0);
	CU_ASSERT_EQUAL(c.neighbor.val.mac[5], 0x0a);
	CU_ASSERT_EQUAL(parse("neighbor add ip 198.18.0.2 mac 02:00:00:00:00",
			      &c, &err),
			-EINVAL);
}

/* Fan-out: writes reach every member, counters are summed. */
static void test_fanout(void)
{
	struct alk_tables *m[2] = { tables(16), tables(16) };
	struct alk_tables *f = alk_fanout_tables_create(m, 2);
	struct alk_endpoint_key k;
	struct alk_endpoint v, out;
	struct alk_error err;
	uint64_t c[ALK_R_MAX];

	endpoint(&k, &v, 3, 0xc6130003, 3);
	CU_ASSERT_EQUAL(alk_endpoints_add(f, &k, &v, 1, &err), 0);
	for (int i = 0; i < 2; i++) {
		CU_ASSERT_EQUAL(alk_table_get(m[i], ALK_T_ENDPOINT, &k, &out),
				0);
		CU_ASSERT_EQUAL(count(m[i], ALK_T_DHCP), 1);
	}
	alk_host_count(m[0], ALK_R_bounce);
	alk_host_count(m[1], ALK_R_bounce);
	CU_ASSERT_EQUAL(f->ops->stats_get(f, c), 0);
	CU_ASSERT_EQUAL(c[ALK_R_bounce], 2);
	CU_ASSERT_EQUAL(alk_endpoints_del(f, &k, 1, &err), 0);
	CU_ASSERT_EQUAL(count(m[1], ALK_T_ENDPOINT), 0);
	CU_ASSERT_PTR_EQUAL(alk_fanout_tables_create(m, 1), m[0]);
	f->ops->close(f);
	m[0]->ops->close(m[0]);
	m[1]->ops->close(m[1]);
}

static void unit_tables_register(void)
{
	CU_pSuite s = CU_add_suite("tables", NULL, NULL);

	CU_add_test(s, "batch validated whole", test_batch_all_or_nothing);
	CU_add_test(s, "capacity", test_capacity);
	CU_add_test(s, "DHCP index follows endpoints", test_dhcp_index);
	CU_add_test(s, "networks: longest prefix", test_networks);
	CU_add_test(s, "host map churn and listing", test_host_map_churn);
	CU_add_test(s, "command grammar", test_grammar);
	CU_add_test(s, "fan-out over two back ends", test_fanout);
}
TEST_SUITE(unit_tables_register);
