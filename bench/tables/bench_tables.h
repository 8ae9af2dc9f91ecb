/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The direct references of the control-plane benchmark: endpoint adds
 * through the table API (tables/tables.h) into one real back end, no
 * socket in between, and the memory the back end needs per endpoint with
 * its tables full.  bench-tables-xdp and bench-tables-dpdk share the
 * endpoint generator and the timed phases; each brings its back end.
 *
 * CSV rows on stdout (bench/run.sh's format):
 *   bench,case,endpoints,unit,value,ref_value,ratio
 */
#ifndef ALKAID_BENCH_TABLES_H
#define ALKAID_BENCH_TABLES_H

#include <stdint.h>

#include "tables/tables.h"

/* 2 GiB: what the tables of 10M endpoints must fit in, per back end. */
#define BTAB_BUDGET (2ull << 30)

/* Capacities of the tables other than endpoints (and the DHCP index,
 * sized like them), the same for both back ends. */
#define BTAB_NETWORKS 1024

struct btab_opts {
	uint32_t endpoints; /* N: table capacity, and how many are added */
	uint32_t singles;   /* added one at a time, into the last of N */
};

/* VNIs the N endpoints are spread over: at least 8, 131072 per VNI (all
 * of 198.18.0.0/15). */
uint32_t btab_nvni(uint32_t n);

/*
 * Endpoint i of nvni: VNI 100 + i % nvni, ip in 198.18.0.0/15, MAC
 * 0e:00:<i, 32 bits>, host one of 4000 in 198.19.240.0/20 (the
 * neighbors btab_setup adds).  Distinct (vni, ip) and (vni, mac) for
 * every i < 131072 * nvni.
 */
void btab_endpoint(uint32_t i, uint32_t nvni, struct alk_endpoint_key *k,
		   struct alk_endpoint *v);

/* The table sizes the benchmark asks for, for n endpoints. */
void btab_sizes(struct alk_table_sizes *s, uint32_t n);

/* One back end. */
struct btab_backend {
	const char *name; /* "xdp", "dpdk": the prefix of the rows' cases */
	/* Fresh, empty tables of sizes s; NULL after saying why. */
	struct alk_tables *(*open)(void *ctx, const struct alk_table_sizes *s);
	/* Rows of memory per endpoint; tables hold n endpoints (full). */
	int (*memory)(void *ctx, struct alk_tables *t, uint32_t n);
	void (*close)(void *ctx, struct alk_tables *t);
	void *ctx;
};

/*
 * Parse the options common to both tools (-n, -s); returns the index of
 * the first argument left, or -1 after a message.  usage() is called for
 * -h.
 */
int btab_parse(int argc, char **argv, struct btab_opts *o, void (*usage)(void));

/*
 * The benchmark: for batches of 1, 100 and 10000, fresh tables of
 * capacity N, the adds timed (batches built before the clock starts), one
 * row each; after the last phase (table full) the back end's memory rows.
 * 0, or 1 after a message.
 */
int btab_run(const struct btab_backend *b, const struct btab_opts *o);

/* One row: "<bench>,<backend>_<what>,<n>,<unit>,<value>,<ref>,<ratio>";
 * ref 0: no reference (the two last fields empty). */
void btab_row(const char *bench, const char *backend, const char *what,
	      uint32_t n, const char *unit, double value, double ref);

/* Seconds, monotonic. */
double btab_now(void);

#endif
