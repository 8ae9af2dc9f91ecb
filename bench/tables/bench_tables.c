/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What bench-tables-xdp and bench-tables-dpdk share: the endpoints, the
 * timed phases and the rows (bench_tables.h).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_tables.h"

#define PER_VNI (1u << 17) /* 198.18.0.0/15 */
#define HOSTS 4000
#define HOST_BASE 0xc613f000u  /* 198.19.240.0 */
#define GATEWAY_IP 0xc613fffeu /* 198.19.255.254 */

double btab_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

uint32_t btab_nvni(uint32_t n)
{
	uint32_t v = (uint32_t)(((uint64_t)n + PER_VNI - 1) / PER_VNI);

	return v < 8 ? 8 : v;
}

void btab_endpoint(uint32_t i, uint32_t nvni, struct alk_endpoint_key *k,
		   struct alk_endpoint *v)
{
	memset(k, 0, sizeof(*k));
	memset(v, 0, sizeof(*v));
	k->vni = 100 + i % nvni;
	k->ip = htonl(0xc6120000u | (i / nvni % PER_VNI));
	v->host = htonl(HOST_BASE + 1 + i % HOSTS);
	memcpy(v->mac,
	       (uint8_t[]){ 0x0e, 0, i >> 24, (i >> 16) & 0xff, (i >> 8) & 0xff,
			    i & 0xff },
	       6);
}

void btab_sizes(struct alk_table_sizes *s, uint32_t n)
{
	alk_table_sizes_default(s);
	s->endpoints = n;
	s->networks = BTAB_NETWORKS;
}

void btab_row(const char *bench, const char *backend, const char *what,
	      uint32_t n, const char *unit, double value, double ref)
{
	const char *fmt = value >= 1000 || value == (double)(uint64_t)value ?
				  "%s,%s_%s,%u,%s,%.0f," :
				  "%s,%s_%s,%u,%s,%.1f,";

	printf(fmt, bench, backend, what, n, unit, value);
	if (ref > 0)
		printf("%.0f,%.3f\n", ref, value / ref);
	else
		printf(",\n");
	fflush(stdout);
}

int btab_parse(int argc, char **argv, struct btab_opts *o, void (*usage)(void))
{
	static const struct option longs[] = {
		{ "endpoints", required_argument, NULL, 'n' },
		{ "singles", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long long v;
	char *end;
	int c;

	o->endpoints = 100000;
	o->singles = 100000;
	while ((c = getopt_long(argc, argv, "+n:s:h", longs, NULL)) != -1) {
		switch (c) {
		case 'n':
		case 's':
			errno = 0;
			v = strtoull(optarg, &end, 0);
			if (errno || *end || end == optarg ||
			    v > (c == 'n' ? 1ull << 26 : 1ull << 32) - 1 ||
			    (c == 'n' && !v)) {
				fprintf(stderr,
					"%s: -%c %s: a number, 1..%u for -n\n",
					argv[0], c, optarg, (1u << 26) - 1);
				return -1;
			}
			if (c == 'n')
				o->endpoints = (uint32_t)v;
			else
				o->singles = (uint32_t)v;
			break;
		case 'h':
			usage();
			exit(0);
		default:
			fprintf(stderr, "try %s --help\n", argv[0]);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "%s: unexpected argument '%s'; try --help\n",
			argv[0], argv[optind]);
		return -1;
	}
	return optind;
}

/* The gateway, and the hosts' neighbors: what a real load starts with. */
static int setup(struct alk_tables *t)
{
	struct alk_neighbor_key nk[HOSTS];
	struct alk_neighbor nv[HOSTS];
	struct alk_gateway gw = { 0 };
	struct alk_error err = { 0 };
	int rc;

	gw.ip = htonl(GATEWAY_IP);
	memcpy(gw.mac, (uint8_t[]){ 0x02, 0, 0, 0, 0, 0x01 }, 6);
	gw.geneve_port = htons(ALK_GENEVE_PORT);
	gw.vxlan_port = htons(ALK_VXLAN_PORT);
	rc = alk_gateway_set(t, &gw, &err);
	if (rc) {
		fprintf(stderr, "gateway set: %s\n", err.msg);
		return rc;
	}
	memset(nv, 0, sizeof(nv));
	for (uint32_t i = 0; i < HOSTS; i++) {
		nk[i].ip = htonl(HOST_BASE + 1 + i);
		memcpy(nv[i].mac,
		       (uint8_t[]){ 0x02, 0, 0, 1, (i >> 8) & 0xff, i & 0xff },
		       6);
	}
	rc = alk_neighbors_add(t, nk, nv, HOSTS, &err);
	if (rc)
		fprintf(stderr, "neighbors add: %s\n", err.msg);
	return rc;
}

/* Endpoints [from, to) in batches of `batch`. */
static int add(struct alk_tables *t, const struct alk_endpoint_key *k,
	       const struct alk_endpoint *v, uint32_t from, uint32_t to,
	       uint32_t batch, struct alk_error *err)
{
	for (uint32_t i = from; i < to; i += batch) {
		uint32_t m = to - i < batch ? to - i : batch;
		int rc = alk_endpoints_add(t, k + i, v + i, m, err);

		if (rc) {
			if (err->index >= 0)
				err->index += i;
			return rc;
		}
	}
	return 0;
}

/* Every endpoint in, and its DHCP index entry. */
static int check_full(struct alk_tables *t, const struct alk_endpoint_key *k,
		      const struct alk_endpoint *v, uint32_t n)
{
	struct alk_table_info ep, dhcp;
	struct alk_endpoint got;
	uint32_t probe[] = { 0, n / 2, n - 1 };

	if (t->ops->info(t, ALK_T_ENDPOINT, &ep) ||
	    t->ops->info(t, ALK_T_DHCP, &dhcp))
		return -1;
	if (ep.count != n || dhcp.count != n) {
		fprintf(stderr,
			"%u endpoints added, but the tables count %llu "
			"endpoints and %llu DHCP entries\n",
			n, (unsigned long long)ep.count,
			(unsigned long long)dhcp.count);
		return -1;
	}
	for (size_t i = 0; i < sizeof(probe) / sizeof(probe[0]); i++)
		if (alk_table_get(t, ALK_T_ENDPOINT, &k[probe[i]], &got) ||
		    memcmp(&got, &v[probe[i]], sizeof(got))) {
			fprintf(stderr, "endpoint %u: not as added\n",
				probe[i]);
			return -1;
		}
	return 0;
}

int btab_run(const struct btab_backend *b, const struct btab_opts *o)
{
	static const uint32_t batches[] = { 1, 100, 10000 };
	const uint32_t n = o->endpoints;
	const uint32_t nvni = btab_nvni(n);
	struct alk_endpoint_key *k = malloc((size_t)n * sizeof(*k));
	struct alk_endpoint *v = malloc((size_t)n * sizeof(*v));
	struct alk_table_sizes sizes;
	int ret = 1;

	if (!k || !v) {
		fprintf(stderr, "%s: %u endpoints: out of memory\n", b->name,
			n);
		goto out;
	}
	for (uint32_t i = 0; i < n; i++)
		btab_endpoint(i, nvni, &k[i], &v[i]);
	btab_sizes(&sizes, n);

	for (size_t p = 0; p < sizeof(batches) / sizeof(batches[0]); p++) {
		const uint32_t batch = batches[p];
		/* one at a time: the last `singles` of N, into a table
		 * already holding the others (tables are benchmarked full) */
		const uint32_t timed =
			batch == 1 && o->singles < n ? o->singles : n;
		struct alk_error err = { 0 };
		struct alk_tables *t = b->open(b->ctx, &sizes);
		char what[32];
		double t0, dt;
		int rc;

		if (!t)
			goto out;
		rc = setup(t);
		if (!rc && timed < n) {
			t0 = btab_now();
			rc = add(t, k, v, 0, n - timed, 10000, &err);
			fprintf(stderr,
				"%s: %u endpoints first, in batches of 10000: "
				"%.1f s%s%s\n",
				b->name, n - timed, btab_now() - t0,
				rc ? ": " : "", rc ? err.msg : "");
		}
		if (rc) {
			b->close(b->ctx, t);
			goto out;
		}
		t0 = btab_now();
		rc = add(t, k, v, n - timed, n, batch, &err);
		dt = btab_now() - t0;
		if (rc) {
			fprintf(stderr, "%s: batch of %u, entry %lld: %s\n",
				b->name, batch, (long long)err.index, err.msg);
			b->close(b->ctx, t);
			goto out;
		}
		fprintf(stderr, "%s: %u endpoints in batches of %u: %.2f s\n",
			b->name, timed, batch, dt);
		if (check_full(t, k, v, n)) {
			b->close(b->ctx, t);
			goto out;
		}
		snprintf(what, sizeof(what), "direct_batch_%u", batch);
		btab_row("tables", b->name, what, n, "adds_per_s", timed / dt,
			 0);
		rc = p + 1 == sizeof(batches) / sizeof(batches[0]) ?
			     b->memory(b->ctx, t, n) :
			     0;
		b->close(b->ctx, t);
		if (rc)
			goto out;
	}
	ret = 0;
out:
	free(k);
	free(v);
	return ret;
}
