/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The BPF-map back end of the table API (dp-xdp/tables_bpf.c) against the
 * maps of the real program: entry counts kept exact through batches,
 * replacements and deletes of absent keys; capacity; the networks trie
 * answering exact lookups; counters; pins opened by another handle, checked
 * against requested sizes and removed.
 *
 *   tables-bpf BPF_OBJECT      (root; exit 77 = skipped without it)
 */
#include <CUnit/Basic.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "core/reason_names.h"
#include "dp-xdp/tables_bpf.h"
#include "tests/lib/cunit_main.h"
#include "tests/lib/frames.h"

#define EXIT_SKIP 77
#define ENDPOINTS 16

static const char *object_path;
static struct bpf_object *obj;
static struct alk_tables *t;

/* The object with small tables, its maps private (never pinned). */
static struct bpf_object *load(const char *pin_root, uint32_t endpoints)
{
	struct alk_table_sizes sizes = { endpoints, 8, 8, 8 };
	LIBBPF_OPTS(bpf_object_open_opts, oo, .pin_root_path = pin_root);
	struct bpf_object *o = bpf_object__open_file(object_path, &oo);
	struct bpf_map *map;

	if (!o)
		return NULL;
	if (!pin_root)
		for (map = bpf_object__next_map(o, NULL); map;
		     map = bpf_object__next_map(o, map))
			bpf_map__set_pin_path(map, NULL);
	if (alk_bpf_set_sizes(o, &sizes) || bpf_object__load(o)) {
		bpf_object__close(o);
		return NULL;
	}
	return o;
}

static int suite_init(void)
{
	struct alk_error err;

	obj = load(NULL, ENDPOINTS);
	t = obj ? alk_bpf_tables_from_object(obj, &err) : NULL;
	return t ? 0 : -1;
}

static int suite_clean(void)
{
	if (t)
		t->ops->close(t);
	bpf_object__close(obj);
	return 0;
}

static void endpoint(struct alk_endpoint_key *k, struct alk_endpoint *v,
		     uint32_t vni, uint8_t last)
{
	memset(k, 0, sizeof(*k));
	memset(v, 0, sizeof(*v));
	k->vni = vni;
	k->ip = htonl(0xc6130000 | last); /* 198.19.0.x */
	v->host = htonl(0xc612010a);	  /* 198.18.1.10 */
	memcpy(v->mac, (uint8_t[]){ 0x0e, 0, 0, 0, vni & 0xff, last }, 6);
}

static uint64_t count(struct alk_tables *h, enum alk_table tbl)
{
	struct alk_table_info info = { 0 };

	CU_ASSERT_EQUAL(h->ops->info(h, tbl, &info), 0);
	return info.count;
}

/* What a handle that counts from scratch finds. */
static uint64_t recount(enum alk_table tbl)
{
	struct alk_error err;
	struct alk_tables *fresh = alk_bpf_tables_from_object(obj, &err);
	uint64_t n;

	CU_ASSERT_PTR_NOT_NULL_FATAL(fresh);
	n = count(fresh, tbl);
	fresh->ops->close(fresh);
	return n;
}

static void test_counts(void)
{
	struct alk_endpoint_key k[4], absent;
	struct alk_endpoint v[4], got;
	struct alk_error err;

	CU_ASSERT_EQUAL(alk_bpf_tables_clear(t), 0);
	CU_ASSERT_EQUAL(count(t, ALK_T_ENDPOINT), 0);
	for (int i = 0; i < 3; i++)
		endpoint(&k[i], &v[i], 100, 10 + i);
	CU_ASSERT_EQUAL(alk_endpoints_add(t, k, v, 3, &err), 0);
	CU_ASSERT_EQUAL(count(t, ALK_T_ENDPOINT), 3);
	CU_ASSERT_EQUAL(count(t, ALK_T_DHCP), 3);

	/* a replacement is not a new entry; its old MAC leaves the index */
	v[1].mac[5] = 0x77;
	CU_ASSERT_EQUAL(alk_endpoints_add(t, &k[1], &v[1], 1, &err), 0);
	CU_ASSERT_EQUAL(count(t, ALK_T_ENDPOINT), 3);
	CU_ASSERT_EQUAL(count(t, ALK_T_DHCP), 3);
	CU_ASSERT_EQUAL(t->ops->lookup(t, ALK_T_ENDPOINT, &k[1], &got), 0);
	CU_ASSERT_EQUAL(got.mac[5], 0x77);

	/* one batch naming a new key twice adds one entry */
	endpoint(&k[3], &v[3], 100, 40);
	k[0] = k[3];
	v[0] = v[3];
	CU_ASSERT_EQUAL(t->ops->update(t, ALK_T_ENDPOINT, &k[0], &v[0], 1), 0);
	endpoint(&k[0], &v[0], 100, 50);
	k[1] = k[0];
	v[1] = v[0];
	CU_ASSERT_EQUAL(t->ops->update(t, ALK_T_ENDPOINT, k, v, 2), 0);
	CU_ASSERT_EQUAL(count(t, ALK_T_ENDPOINT), 5);
	CU_ASSERT_EQUAL(recount(ALK_T_ENDPOINT), 5);

	/* deletes skip absent keys, wherever they are in the batch */
	endpoint(&absent, &v[0], 999, 99);
	k[1] = absent;
	k[2] = k[3];
	CU_ASSERT_EQUAL(t->ops->remove(t, ALK_T_ENDPOINT, k, 3), 0);
	CU_ASSERT_EQUAL(count(t, ALK_T_ENDPOINT), 3);
	CU_ASSERT_EQUAL(recount(ALK_T_ENDPOINT), 3);
	CU_ASSERT_EQUAL(t->ops->lookup(t, ALK_T_ENDPOINT, &k[3], &got),
			-ENOENT);
}

static void test_capacity(void)
{
	struct alk_endpoint_key k[ENDPOINTS + 1];
	struct alk_endpoint v[ENDPOINTS + 1];
	struct alk_table_info info;
	struct alk_error err;

	CU_ASSERT_EQUAL(alk_bpf_tables_clear(t), 0);
	for (int i = 0; i <= ENDPOINTS; i++)
		endpoint(&k[i], &v[i], 7, 1 + i);
	CU_ASSERT_EQUAL(alk_endpoints_add(t, k, v, ENDPOINTS + 1, &err),
			-ENOSPC);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "full"));
	CU_ASSERT_EQUAL(count(t, ALK_T_ENDPOINT), 0);
	CU_ASSERT_EQUAL(alk_endpoints_add(t, k, v, ENDPOINTS, &err), 0);
	CU_ASSERT_EQUAL(
		alk_endpoints_add(t, &k[ENDPOINTS], &v[ENDPOINTS], 1, &err),
		-ENOSPC);
	/* the front end keeps the capacity: a flat table has slack past it
	 * (tables/flat.h), so the back end alone would take the entry */
	CU_ASSERT_EQUAL(t->ops->info(t, ALK_T_ENDPOINT, &info), 0);
	CU_ASSERT_EQUAL(info.count, ENDPOINTS);
	CU_ASSERT_EQUAL(info.capacity, ENDPOINTS);
	CU_ASSERT(info.memory >= ENDPOINTS * (sizeof(k[0]) + sizeof(v[0])));
}

/* What t answers is what another handle over the same maps reads. */
static void test_handles_agree(void)
{
	struct alk_tables *raw;
	struct alk_endpoint_key k[8];
	struct alk_endpoint v[8];
	struct alk_error err;

	CU_ASSERT_EQUAL(alk_bpf_tables_clear(t), 0);
	for (int i = 0; i < 8; i++)
		endpoint(&k[i], &v[i], 300, 1 + i);
	CU_ASSERT_EQUAL(alk_endpoints_add(t, k, v, 8, &err), 0);
	v[2].mac[5] = 0x99; /* re-homed MAC: the index follows */
	CU_ASSERT_EQUAL(alk_endpoints_add(t, &k[2], &v[2], 1, &err), 0);
	CU_ASSERT_EQUAL(alk_endpoints_del(t, &k[5], 1, &err), 0);
	raw = alk_bpf_tables_from_object(obj, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(raw);
	for (int i = 0; i < 8; i++) {
		struct alk_endpoint a, b;
		struct alk_dhcp_key dk = { .vni = 300 };
		struct alk_dhcp da, db;
		int ra = t->ops->lookup(t, ALK_T_ENDPOINT, &k[i], &a);
		int rb = raw->ops->lookup(raw, ALK_T_ENDPOINT, &k[i], &b);

		CU_ASSERT_EQUAL(ra, rb);
		CU_ASSERT_EQUAL(ra, i == 5 ? -ENOENT : 0);
		if (!ra && !rb)
			CU_ASSERT_EQUAL(memcmp(&a, &b, sizeof(a)), 0);
		memcpy(dk.mac, v[i].mac, 6);
		ra = t->ops->lookup(t, ALK_T_DHCP, &dk, &da);
		rb = raw->ops->lookup(raw, ALK_T_DHCP, &dk, &db);
		CU_ASSERT_EQUAL(ra, rb);
		CU_ASSERT_EQUAL(ra, i == 5 ? -ENOENT : 0);
		if (!ra && !rb)
			CU_ASSERT_EQUAL(da.ip, db.ip);
	}
	CU_ASSERT_EQUAL(count(t, ALK_T_DHCP), count(raw, ALK_T_DHCP));
	raw->ops->close(raw);
}

static void network(struct alk_network_key *k, struct alk_network *v,
		    uint32_t prefix, uint32_t plen)
{
	memset(k, 0, sizeof(*k));
	memset(v, 0, sizeof(*v));
	k->vni = 100;
	k->prefix = htonl(prefix);
	k->plen = plen;
	v->nbouncers = 1;
	v->bouncers[0] = htonl(0xc6120201);
}

static void test_networks(void)
{
	struct alk_network_key k[2], probe, it;
	struct alk_network v[2], got;
	struct alk_error err;
	int seen = 0;

	CU_ASSERT_EQUAL(alk_bpf_tables_clear(t), 0);
	network(&k[0], &v[0], 0xc6130000, 16); /* 198.19.0.0/16 */
	network(&k[1], &v[1], 0xc6130200, 24); /* 198.19.2.0/24 */
	CU_ASSERT_EQUAL(alk_networks_add(t, k, v, 2, &err), 0);
	CU_ASSERT_EQUAL(count(t, ALK_T_NETWORK), 2);

	/* exact: /20 is covered by the /16 but is not an entry */
	network(&probe, &got, 0xc6130000, 20);
	CU_ASSERT_EQUAL(t->ops->lookup(t, ALK_T_NETWORK, &probe, &got),
			-ENOENT);
	CU_ASSERT_EQUAL(t->ops->lookup(t, ALK_T_NETWORK, &k[0], &got), 0);
	CU_ASSERT_EQUAL(got.plen, 16);
	CU_ASSERT_EQUAL(t->ops->lookup(t, ALK_T_NETWORK, &k[1], &got), 0);
	CU_ASSERT_EQUAL(got.plen, 24);

	/* iteration gives back the API's keys */
	for (int rc = t->ops->next_key(t, ALK_T_NETWORK, NULL, &it); !rc;
	     rc = t->ops->next_key(t, ALK_T_NETWORK, &it, &it)) {
		CU_ASSERT(!memcmp(&it, &k[0], sizeof(it)) ||
			  !memcmp(&it, &k[1], sizeof(it)));
		seen++;
	}
	CU_ASSERT_EQUAL(seen, 2);

	/* re-adding is a replacement; deleting the /24 leaves the /16 */
	v[1].mtu = 1400;
	CU_ASSERT_EQUAL(alk_networks_add(t, &k[1], &v[1], 1, &err), 0);
	CU_ASSERT_EQUAL(count(t, ALK_T_NETWORK), 2);
	CU_ASSERT_EQUAL(alk_networks_del(t, &k[1], 1, &err), 0);
	CU_ASSERT_EQUAL(alk_networks_del(t, &k[1], 1, &err), 0);
	CU_ASSERT_EQUAL(count(t, ALK_T_NETWORK), 1);
	CU_ASSERT_EQUAL(recount(ALK_T_NETWORK), 1);
	CU_ASSERT_EQUAL(t->ops->lookup(t, ALK_T_NETWORK, &k[1], &got), -ENOENT);
	CU_ASSERT_EQUAL(t->ops->lookup(t, ALK_T_NETWORK, &k[0], &got), 0);
}

static void test_gateway_and_counters(void)
{
	struct alk_gateway gw = { .geneve_port = htons(6081),
				  .vxlan_port = htons(4789) },
			   got;
	uint8_t frame[64] = { [12] = 0x86, [13] = 0xdd }; /* IPv6 */
	uint64_t c[ALK_R_MAX];
	struct alk_error err;
	LIBBPF_OPTS(bpf_test_run_opts, run, .data_in = frame,
		    .data_size_in = sizeof(frame), .repeat = 3);

	CU_ASSERT_EQUAL(alk_bpf_tables_clear(t), 0);
	gw.ip = htonl(0xc6120001);
	memcpy(gw.mac, (uint8_t[]){ 0x02, 0xa1, 0xca, 0x1d, 0, 1 }, 6);
	CU_ASSERT_EQUAL(alk_gateway_set(t, &gw, &err), 0);
	CU_ASSERT_EQUAL(t->ops->gateway_get(t, &got), 0);
	CU_ASSERT(!memcmp(&gw, &got, sizeof(gw)));

	/* three runs: the per-CPU values add up */
	CU_ASSERT_EQUAL(
		bpf_prog_test_run_opts(
			bpf_program__fd(bpf_object__find_program_by_name(
				obj, ALK_BPF_PROG_NAME)),
			&run),
		0);
	CU_ASSERT_EQUAL(run.retval, XDP_PASS);
	CU_ASSERT_EQUAL(t->ops->stats_get(t, c), 0);
	for (int r = 0; r < ALK_R_MAX; r++)
		CU_ASSERT_EQUAL(c[r], r == ALK_R_not_ipv4 ? 3 : 0);
	CU_ASSERT_EQUAL(t->ops->stats_reset(t), 0);
	CU_ASSERT_EQUAL(t->ops->stats_get(t, c), 0);
	CU_ASSERT_EQUAL(c[ALK_R_not_ipv4], 0);

	CU_ASSERT_EQUAL(alk_bpf_tables_clear(t), 0);
	CU_ASSERT_EQUAL(t->ops->gateway_get(t, &got), 0);
	CU_ASSERT_EQUAL(got.ip, 0);
}

/* The direct path's per-CPU bucket on real time: of 20 frames that ask,
 * on one CPU, the burst (5) is returned and the rest bounced.  At 1 a
 * second the bucket cannot refill during the test. */
static void test_direct_path_bucket(void)
{
	struct alk_gateway gw = { .ip = htonl(0xc6120001),
				  .mac = { 2, 0xa1, 0xca, 0x1d, 0, 1 },
				  .geneve_port = htons(6081),
				  .flags = ALK_GW_F_DIRECT_PATH,
				  .dp_rate = 1,
				  .dp_burst = 5 };
	struct alk_endpoint_key ek = { .vni = 100, .ip = htonl(0xc6130014) };
	struct alk_endpoint ev = { .host = htonl(0xc612010a),
				   .mac = { 0x0e, 0, 0, 0, 0, 0x14 } };
	struct alk_neighbor_key nk = { .ip = ev.host };
	struct alk_neighbor nv = { .mac = { 2, 0, 0, 1, 0, 0x0a } };
	struct frame_outer o = { .tunnel = FRAME_GENEVE,
				 .vni = 100,
				 .src_ip = 0xc6120114,
				 .dst_ip = 0xc6120001 };
	static const uint8_t want[16] = { 0xff, 0xa1, 0x01, 0x03 };
	uint8_t frame[256], out[256];
	uint64_t c[ALK_R_MAX];
	struct alk_error err;
	cpu_set_t one;
	uint32_t len;
	int fd = bpf_program__fd(
		bpf_object__find_program_by_name(obj, ALK_BPF_PROG_NAME));

	CPU_ZERO(&one);
	CPU_SET(sched_getcpu(), &one);
	CU_ASSERT_EQUAL_FATAL(sched_setaffinity(0, sizeof(one), &one), 0);
	CU_ASSERT_EQUAL(alk_bpf_tables_clear(t), 0);
	CU_ASSERT_EQUAL(alk_gateway_set(t, &gw, &err), 0);
	CU_ASSERT_EQUAL(alk_endpoints_add(t, &ek, &ev, 1, &err), 0);
	CU_ASSERT_EQUAL(alk_neighbors_add(t, &nk, &nv, 1, &err), 0);

	/* a Geneve frame with the want option between header and inner */
	len = frame_ipv4(frame, &o, 0xc613000a, 0xc6130014, 64);
	memmove(frame + FRAME_INNER_OFF + 16, frame + FRAME_INNER_OFF,
		len - FRAME_INNER_OFF);
	memcpy(frame + FRAME_INNER_OFF, want, 16);
	len += 16;
	frame[42] = 4; /* Geneve opt_len, words */
	frame[16] = (len - 14) >> 8, frame[17] = (len - 14) & 0xff;
	frame[38] = (len - 34) >> 8, frame[39] = (len - 34) & 0xff;
	frame[24] = frame[25] = 0;
	uint16_t check = frame_csum(frame + 14, 20);
	memcpy(frame + 24, &check, 2);

	for (int i = 0; i < 20; i++) {
		LIBBPF_OPTS(bpf_test_run_opts, run, .data_in = frame,
			    .data_size_in = len, .data_out = out,
			    .data_size_out = sizeof(out), .repeat = 1);

		CU_ASSERT_EQUAL(bpf_prog_test_run_opts(fd, &run), 0);
		CU_ASSERT_EQUAL(run.retval, XDP_TX);
		/* returned: to the sender with a location; else untouched */
		CU_ASSERT_EQUAL(out[FRAME_INNER_OFF + 2], i < 5 ? 2 : 1);
	}
	CU_ASSERT_EQUAL(t->ops->stats_get(t, c), 0);
	CU_ASSERT_EQUAL(c[ALK_R_direct_path_return], 5);
	CU_ASSERT_EQUAL(c[ALK_R_bounce], 15);
	CPU_ZERO(&one);
	for (int i = 0; i < CPU_SETSIZE; i++)
		CPU_SET(i, &one);
	sched_setaffinity(0, sizeof(one), &one);
}

static void pinned_tables(const char *dir)
{
	struct alk_table_sizes pinned, same = { 32, 8, 8, 8 },
				       more = { 64, 8, 8, 8 },
				       near = { 33, 8, 8, 8 };
	struct alk_endpoint_key k;
	struct alk_endpoint v, got;
	struct alk_tables *a = NULL, *b = NULL;
	struct bpf_object *o, *again = NULL;
	struct alk_error err;

	o = load(dir, 32);
	CU_ASSERT_PTR_NOT_NULL(o);
	a = o ? alk_bpf_tables_from_object(o, &err) : NULL;
	CU_ASSERT_PTR_NOT_NULL(a);
	if (!a)
		goto out;
	endpoint(&k, &v, 100, 10);
	CU_ASSERT_EQUAL(alk_endpoints_add(a, &k, &v, 1, &err), 0);

	/* another handle over the pins sees it */
	b = alk_bpf_tables_open_pinned(dir, &err);
	CU_ASSERT_PTR_NOT_NULL(b);
	if (!b)
		goto out;
	CU_ASSERT_EQUAL(b->ops->lookup(b, ALK_T_ENDPOINT, &k, &got), 0);
	CU_ASSERT(!memcmp(&got, &v, sizeof(v)));
	CU_ASSERT_EQUAL(count(b, ALK_T_ENDPOINT), 1);

	/* same sizes: all seven reusable; other sizes: refused, named */
	again = bpf_object__open_file(object_path, NULL);
	CU_ASSERT_PTR_NOT_NULL(again);
	if (!again)
		goto out;
	alk_bpf_set_sizes(again, &same);
	CU_ASSERT_EQUAL(alk_bpf_check_pinned(again, dir, &same, &pinned, &err),
			7);
	alk_bpf_set_sizes(again, &more);
	CU_ASSERT_EQUAL(alk_bpf_check_pinned(again, dir, &more, &pinned, &err),
			-EEXIST);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "alk_endpoints"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "32 entries, 64 requested"));
	CU_ASSERT_EQUAL(pinned.endpoints, 32);
	CU_ASSERT_EQUAL(pinned.networks, 8);
	/* 33 endpoints fit the buckets of 32: the head tells them apart */
	CU_ASSERT_EQUAL(alk_bpf_check_pinned(again, dir, &near, &pinned, &err),
			-EEXIST);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "32 entries, 33 requested"));
out:
	bpf_object__close(again);
	if (b)
		b->ops->close(b);
	if (a)
		a->ops->close(a);
	bpf_object__close(o);
}

static void test_pinned(void)
{
	char bpffs[] = "/tmp/alkaid-tables-bpf.XXXXXX", dir[256], parent[256];
	struct alk_error err;

	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(bpffs));
	if (mount("bpf", bpffs, "bpf", 0, "mode=0700")) {
		CU_FAIL("cannot mount a bpffs");
		rmdir(bpffs);
		return;
	}
	CU_ASSERT_EQUAL(alk_bpf_pin_dir(dir, sizeof(dir), bpffs, "test0"), 0);

	/* nothing pinned yet: open fails and says why */
	CU_ASSERT_PTR_NULL(alk_bpf_tables_open_pinned(dir, &err));
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "running"));

	/* libbpf pins into the directory, it does not make it */
	snprintf(parent, sizeof(parent), "%s/alkaid", bpffs);
	CU_ASSERT_EQUAL(mkdir(parent, 0700), 0);
	CU_ASSERT_EQUAL(mkdir(dir, 0700), 0);
	pinned_tables(dir);

	CU_ASSERT_EQUAL(alk_bpf_unpin(dir), 0);
	CU_ASSERT_EQUAL(access(dir, F_OK), -1);
	CU_ASSERT_EQUAL(access(parent, F_OK), -1); /* alkaid/ went too */
	CU_ASSERT_PTR_NULL(alk_bpf_tables_open_pinned(dir, &err));
	umount(bpffs);
	rmdir(bpffs);
}

/* tables-bpf BPF_OBJECT, as root */
static int setup(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s BPF_OBJECT\n", argv[0]);
		return 2;
	}
	if (geteuid()) {
		fprintf(stderr, "%s: needs root: skipped\n", argv[0]);
		return EXIT_SKIP;
	}
	object_path = argv[1];
	libbpf_set_print(NULL);
	return 0;
}
TEST_SETUP(setup);

static void tables_bpf_suites(void)
{
	CU_pSuite s = CU_add_suite("tables_bpf", suite_init, suite_clean);

	CU_add_test(s, "counts", test_counts);
	CU_add_test(s, "capacity", test_capacity);
	CU_add_test(s, "handles agree", test_handles_agree);
	CU_add_test(s, "networks", test_networks);
	CU_add_test(s, "gateway and counters", test_gateway_and_counters);
	CU_add_test(s, "direct-path bucket", test_direct_path_bucket);
	CU_add_test(s, "pinned", test_pinned);
}
TEST_SUITE(tables_bpf_suites);
