/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The flat tables under one writer at full speed while the real program
 * reads them (BPF_PROG_TEST_RUN): no lookup of a key that is always there
 * may miss, and none may see a value the writer never wrote for that key.
 *
 * The endpoint table is filled near its capacity, so that the writer's
 * adds must move entries between buckets (hops).  The writer thread then
 * moves every stable endpoint between two hosts, batch after batch, and
 * adds and deletes a separate set of churn endpoints (on a third host);
 * the main thread bounces Geneve frames to random stable endpoints and
 * checks each one: XDP_TX, the outer destination one of the two hosts and
 * the next-hop MAC that host's.  A frame the program ended `table_busy`
 * (the writer kept changing a bucket) is allowed and counted; any other
 * outcome is a failure.  The hosts differ in three bytes, so that a value
 * torn between them is seen.
 *
 *   xdp-concurrency BPF_OBJECT [-n ENDPOINTS] [-t SECONDS]
 *
 * Exit status 0, 1 on a failure, 77 (skip) without root.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "dp-xdp/tables_bpf.h"
#include "tests/lib/frames.h"

#define EXIT_SKIP 77
#define HOST_A 0xc6120101u     /* 198.18.1.1 */
#define HOST_B 0xc6130202u     /* 198.19.2.2 */
#define HOST_CHURN 0xc6120303u /* 198.18.3.3 */
#define GATEWAY 0xc0000201u    /* 192.0.2.1 */
#define SENDER 0xcb00710au     /* 203.0.113.10, the host the frames come from */
#define BATCH 4096
#define HOT 4	       /* stable endpoints moved again and again */
#define HOT_ROUNDS 256 /* moves of them per bulk batch */
#define PER_VNI 32768  /* endpoint addresses 198.19.128.0/17 in each VNI */

static const uint8_t mac_a[6] = { 0x02, 0, 0, 0, 0x0a, 0x0a };
static const uint8_t mac_b[6] = { 0x02, 0, 0, 0, 0x0b, 0x0b };

struct run {
	struct alk_tables *t;
	uint32_t stable, churn;
	atomic_int stop;
	/* the writer's */
	uint64_t moved, added, deleted, batches;
	int failed;
	char why[200];
};

/* Stable endpoints in VNIs 1000.., churn ones in VNIs 5000..; MACs are
 * numbered apart too, so that no two endpoints share one. */
static void endpoint(struct alk_endpoint_key *k, struct alk_endpoint *v,
		     uint32_t i, int churn, uint32_t host)
{
	k->vni = (churn ? 5000 : 1000) + i / PER_VNI;
	k->ip = htonl(0xc6138000u | (i % PER_VNI));
	memset(v, 0, sizeof(*v));
	v->host = htonl(host);
	frame_mac(v->mac, churn ? 0x020f : 0x020e, i);
}

static int add(struct run *r, uint32_t from, uint32_t n, int churn,
	       uint32_t host)
{
	static struct alk_endpoint_key k[BATCH];
	static struct alk_endpoint v[BATCH];
	struct alk_error err = { 0 };
	int rc;

	for (uint32_t i = 0; i < n; i++)
		endpoint(&k[i], &v[i], from + i, churn, host);
	rc = alk_endpoints_add(r->t, k, v, n, &err);
	if (rc)
		snprintf(r->why, sizeof(r->why), "adding %u: %s", n, err.msg);
	return rc;
}

static int del(struct run *r, uint32_t from, uint32_t n)
{
	static struct alk_endpoint_key k[BATCH];
	struct alk_endpoint v;
	struct alk_error err = { 0 };
	int rc;

	for (uint32_t i = 0; i < n; i++)
		endpoint(&k[i], &v, from + i, 1, HOST_CHURN);
	rc = alk_endpoints_del(r->t, k, n, &err);
	if (rc)
		snprintf(r->why, sizeof(r->why), "deleting %u: %s", n, err.msg);
	return rc;
}

static uint32_t min_u32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

/*
 * Rounds over the stable endpoints, each batch of them moved to the other
 * host; between two batches, the oldest batch of the churn endpoints in the
 * table deleted and the next one added: half the churn set (a window
 * sliding over it) is in the table at any time.  And between those, the
 * first HOT stable endpoints moved back and forth: the reader aims half its
 * frames at them, so that reads meet writes of the same entry.
 */
static void *writer(void *arg)
{
	struct run *r = arg;
	uint32_t at = HOT, oldest = 0, half = r->churn / 2, round = 0;

	while (!atomic_load(&r->stop)) {
		uint32_t n = min_u32(BATCH, r->stable - at);

		if (add(r, at, n, 0, round & 1 ? HOST_A : HOST_B) ||
		    del(r, oldest, BATCH) ||
		    add(r, (oldest + half) % r->churn, BATCH, 1, HOST_CHURN))
			goto fail;
		for (int i = 0; i < HOT_ROUNDS; i++)
			if (add(r, 0, HOT, 0, i & 1 ? HOST_A : HOST_B))
				goto fail;
		r->moved += n + HOT * HOT_ROUNDS;
		r->added += BATCH;
		r->deleted += BATCH;
		r->batches += 3 + HOT_ROUNDS;
		at += n;
		if (at == r->stable) {
			at = HOT;
			round++;
		}
		oldest = (oldest + BATCH) % r->churn;
	}
	return NULL;
fail:
	r->failed = 1;
	return NULL;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int setup(struct run *r, struct bpf_object **obj, const char *path,
		 uint32_t endpoints)
{
	struct alk_table_sizes sizes = { endpoints, 16, 16, 16 };
	struct alk_gateway gw = { .ip = htonl(GATEWAY),
				  .mac = { 0x02, 0xa1, 0xca, 0x1d, 0, 1 },
				  .geneve_port = htons(6081),
				  .vxlan_port = htons(4789) };
	struct alk_neighbor_key nk[2] = { { htonl(HOST_A) },
					  { htonl(HOST_B) } };
	struct alk_neighbor nv[2];
	struct alk_error err = { 0 };
	struct bpf_map *map;

	*obj = bpf_object__open_file(path, NULL);
	if (!*obj)
		return -errno;
	/* private maps: never the pins of a running data plane */
	for (map = bpf_object__next_map(*obj, NULL); map;
	     map = bpf_object__next_map(*obj, map))
		bpf_map__set_pin_path(map, NULL);
	if (alk_bpf_set_sizes(*obj, &sizes) || bpf_object__load(*obj)) {
		fprintf(stderr, "%s: cannot load it\n", path);
		return -EINVAL;
	}
	r->t = alk_bpf_tables_from_object(*obj, &err);
	if (!r->t) {
		fprintf(stderr, "%s\n", err.msg);
		return -EINVAL;
	}
	memset(nv, 0, sizeof(nv));
	memcpy(nv[0].mac, mac_a, 6);
	memcpy(nv[1].mac, mac_b, 6);
	if (alk_gateway_set(r->t, &gw, &err) ||
	    alk_neighbors_add(r->t, nk, nv, 2, &err)) {
		fprintf(stderr, "%s\n", err.msg);
		return -EINVAL;
	}
	/* the stable endpoints, and the churn set's first half */
	for (uint32_t i = 0; i < r->stable; i += BATCH)
		if (add(r, i, min_u32(BATCH, r->stable - i), 0, HOST_A))
			goto fail;
	for (uint32_t i = 0; i < r->churn / 2; i += BATCH)
		if (add(r, i, min_u32(BATCH, r->churn / 2 - i), 1, HOST_CHURN))
			goto fail;
	return 0;
fail:
	fprintf(stderr, "filling the table: %s\n", r->why);
	return -ENOSPC;
}

/* One frame to stable endpoint i through the program: 0 bounced right,
 * 1 not transmitted (busy or a miss: told apart by the counters), -1 a
 * wrong result. */
static int bounce(int prog, uint32_t i, uint64_t n)
{
	struct frame_outer o = { .tunnel = FRAME_GENEVE,
				 .src_ip = SENDER,
				 .dst_ip = GATEWAY,
				 .src_mac = { 0x02, 0, 0, 0, 0x71, 0x0a },
				 .dst_mac = { 0x02, 0xa1, 0xca, 0x1d, 0, 1 },
				 .sport = 49152 | (n & 0x3fff) };
	struct alk_endpoint_key k;
	struct alk_endpoint v;
	uint8_t in[256], out[256];
	uint32_t len, dst;
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = in, .data_out = out,
		    .data_size_out = sizeof(out), .repeat = 1);

	endpoint(&k, &v, i, 0, HOST_A);
	o.vni = k.vni;
	len = frame_ipv4(in, &o, 0xc6138000u | 0x7fff, ntohl(k.ip), 64);
	opts.data_size_in = len;
	if (bpf_prog_test_run_opts(prog, &opts)) {
		fprintf(stderr, "BPF_PROG_TEST_RUN: %s\n", strerror(errno));
		return -1;
	}
	if (opts.retval != XDP_TX)
		return 1;
	memcpy(&dst, out + 14 + 16, 4); /* the outer IPv4 destination */
	dst = ntohl(dst);
	if ((dst == HOST_A && !memcmp(out, mac_a, 6)) ||
	    (dst == HOST_B && !memcmp(out, mac_b, 6)))
		return 0;
	fprintf(stderr,
		"endpoint %u (vni %u): bounced to %u.%u.%u.%u via "
		"%02x:%02x:%02x:%02x:%02x:%02x, a host never written for it\n",
		i, k.vni, dst >> 24, dst >> 16 & 0xff, dst >> 8 & 0xff,
		dst & 0xff, out[0], out[1], out[2], out[3], out[4], out[5]);
	return -1;
}

int main(int argc, char **argv)
{
	static struct run r;
	struct bpf_object *obj = NULL;
	uint32_t endpoints = 100000;
	uint64_t lookups = 0, untransmitted = 0, wrong = 0, seed = 1;
	uint64_t c[ALK_R_MAX];
	double seconds = 10, t0, t1;
	pthread_t th;
	int opt, prog, rc = 1;

	while ((opt = getopt(argc - 1, argv + 1, "n:t:")) != -1) {
		if (opt == 'n')
			endpoints = strtoul(optarg, NULL, 0);
		else if (opt == 't')
			seconds = strtod(optarg, NULL);
		else
			return 2;
	}
	if (argc < 2 || endpoints < 16 * BATCH) {
		fprintf(stderr,
			"usage: %s BPF_OBJECT [-n ENDPOINTS] [-t SECONDS]\n",
			argv[0]);
		return 2;
	}
	if (geteuid()) {
		fprintf(stderr, "%s: needs root: skipped\n", argv[0]);
		return EXIT_SKIP;
	}
	libbpf_set_print(NULL);
	/* the table at its capacity while half the churn set is in it */
	r.churn = endpoints / 8 / (2 * BATCH) * 2 * BATCH;
	r.stable = endpoints - r.churn / 2;
	t0 = now();
	if (setup(&r, &obj, argv[1], endpoints))
		goto out;
	prog = bpf_program__fd(
		bpf_object__find_program_by_name(obj, ALK_BPF_PROG_NAME));
	t1 = now();
	printf("concurrency: %u stable endpoints and %u of %u churn ones in "
	       "a table for %u, filled in %.1f s\n",
	       r.stable, r.churn / 2, r.churn, endpoints, t1 - t0);
	if (r.t->ops->stats_reset(r.t) || pthread_create(&th, NULL, writer, &r))
		goto out;
	while (now() - t1 < seconds && !r.failed && wrong < 10) {
		int b;

		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		b = bounce(prog,
			   (uint32_t)(seed >> 33) %
				   (lookups & 1 ? r.stable : HOT),
			   lookups);
		lookups++;
		if (b < 0)
			wrong++;
		else if (b > 0)
			untransmitted++;
	}
	atomic_store(&r.stop, 1);
	pthread_join(th, NULL);
	if (r.failed) {
		fprintf(stderr, "concurrency: the writer failed: %s\n", r.why);
		goto out;
	}
	if (r.t->ops->stats_get(r.t, c))
		goto out;
	printf("concurrency: %llu lookups in %.1f s while the writer made "
	       "%llu batches: %llu endpoints moved between hosts, %llu "
	       "churn adds, %llu churn deletes\n",
	       (unsigned long long)lookups, now() - t1,
	       (unsigned long long)r.batches, (unsigned long long)r.moved,
	       (unsigned long long)r.added, (unsigned long long)r.deleted);
	printf("concurrency: %llu bounced, %llu table_busy, %llu wrong hosts, "
	       "%llu misses\n",
	       (unsigned long long)c[ALK_R_bounce],
	       (unsigned long long)c[ALK_R_table_busy],
	       (unsigned long long)wrong,
	       (unsigned long long)(untransmitted - c[ALK_R_table_busy]));
	if (wrong || untransmitted != c[ALK_R_table_busy] ||
	    c[ALK_R_bounce] + c[ALK_R_table_busy] != lookups) {
		fprintf(stderr, "concurrency: FAILED\n");
		goto out;
	}
	rc = 0;
out:
	if (r.t)
		r.t->ops->close(r.t);
	bpf_object__close(obj);
	return rc;
}
