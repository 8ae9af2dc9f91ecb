/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The table API: how the control plane (and tests, and benchmarks) program
 * the data plane.  One front end, several back ends:
 *
 *   tables/host.c       in-memory tables for the host platform (tests, fuzz)
 *   dp-xdp/tables_bpf.c BPF maps, pinned under /sys/fs/bpf/alkaid/<ifname>/
 *   dp-dpdk/tables_dpdk.c rte_hash / LPM with lock-free readers
 *
 * The back end implements `struct alk_tables_ops` (raw, per-table map
 * operations).  The front end (tables.c) owns the semantics: validation of
 * a whole batch before any of it is applied, the DHCP index kept in step
 * with the endpoints, capacity checks, and error messages naming the entry.
 */
#ifndef ALKAID_TABLES_H
#define ALKAID_TABLES_H

#include <arpa/inet.h>
#include <stddef.h>
#include <stdint.h>

#include "core/model.h"
#include "core/verdict.h"

struct alk_tables;
struct alk_error;

struct alk_table_info {
	uint64_t count;	   /* entries in use */
	uint64_t capacity; /* entries the table can hold */
	uint64_t memory;   /* bytes the back end reserved for it (estimate) */
};

/* Back-end operations.  Return 0 or a negative errno. */
struct alk_tables_ops {
	const char *name; /* "host", "xdp", "dpdk" */
	/* Insert or replace n entries; all or nothing is the front end's
	 * job, a back end may fail midway only on resource exhaustion. */
	int (*update)(struct alk_tables *t, enum alk_table tbl,
		      const void *keys, const void *vals, uint32_t n);
	/* Delete n entries; absent keys are not an error. */
	int (*remove)(struct alk_tables *t, enum alk_table tbl,
		      const void *keys, uint32_t n);
	/* Exact-key lookup: 0, or -ENOENT. */
	int (*lookup)(struct alk_tables *t, enum alk_table tbl, const void *key,
		      void *val);
	/* Optional: n exact-key lookups at once, for back ends that overlap
	 * their memory accesses (a batch of a million adds is mostly cache
	 * misses).  found[i] says whether vals[i] was filled.  0 or -errno;
	 * without it the front end calls lookup n times. */
	int (*lookup_bulk)(struct alk_tables *t, enum alk_table tbl,
			   const void *keys, uint32_t n, void *vals,
			   uint8_t *found);
	/* Iteration: the key after `key` (NULL: the first); -ENOENT at the
	 * end.  Order is the back end's own but stable while unchanged. */
	int (*next_key)(struct alk_tables *t, enum alk_table tbl,
			const void *key, void *next);
	int (*info)(struct alk_tables *t, enum alk_table tbl,
		    struct alk_table_info *info);
	/* Optional: what only the back end can check of a batch the front
	 * end found valid (a port's device exists), before any of it is
	 * applied; 0, or -errno with err naming the entry. */
	int (*check)(struct alk_tables *t, enum alk_table tbl, const void *keys,
		     const void *vals, uint32_t n, struct alk_error *err);
	int (*gateway_get)(struct alk_tables *t, struct alk_gateway *gw);
	int (*gateway_set)(struct alk_tables *t, const struct alk_gateway *gw);
	/* Counters summed over CPUs / lcores. */
	int (*stats_get)(struct alk_tables *t, uint64_t counters[ALK_R_MAX]);
	int (*stats_reset)(struct alk_tables *t);
	void (*close)(struct alk_tables *t);
};

/* Every back end's handle starts with this. */
struct alk_tables {
	const struct alk_tables_ops *ops;
	/* the tables a daemon serves on it, bits ALK_TABLE_BIT(); 0: a
	 * gateway's (ALK_TABLES_GATEWAY).  The control protocol offers only
	 * these (and the gateway object, which every daemon has). */
	uint32_t serves;
};

#define ALK_TABLE_BIT(tbl) (1u << (tbl))
#define ALK_TABLES_GATEWAY                                                     \
	(ALK_TABLE_BIT(ALK_T_ENDPOINT) | ALK_TABLE_BIT(ALK_T_NETWORK) |        \
	 ALK_TABLE_BIT(ALK_T_VPC) | ALK_TABLE_BIT(ALK_T_NEIGHBOR) |            \
	 ALK_TABLE_BIT(ALK_T_DHCP))
/* The host agent: its networks (bouncers) and its local endpoints. */
#define ALK_TABLES_AGENT                                                       \
	(ALK_TABLE_BIT(ALK_T_NETWORK) | ALK_TABLE_BIT(ALK_T_PORT))

/* Whether t serves tbl; ALK_T_MAX (the gateway object) always. */
static inline int alk_tables_serves(const struct alk_tables *t,
				    enum alk_table tbl)
{
	uint32_t serves = t->serves ? t->serves : ALK_TABLES_GATEWAY;

	return tbl >= ALK_T_MAX || (serves & ALK_TABLE_BIT(tbl));
}

/* Sizes of a table's key and value. */
size_t alk_table_key_size(enum alk_table tbl);
size_t alk_table_val_size(enum alk_table tbl);
const char *alk_table_name(enum alk_table tbl);

/* Capacities asked for at start-up. */
struct alk_table_sizes {
	uint32_t endpoints;
	uint32_t networks;
	uint32_t vpcs;
	uint32_t neighbors;
	uint32_t ports; /* the host agent's local endpoints */
};

#define ALK_DEFAULT_ENDPOINTS (1u << 20)
#define ALK_DEFAULT_NETWORKS 65536
#define ALK_DEFAULT_VPCS 16384
#define ALK_DEFAULT_NEIGHBORS 65536
#define ALK_DEFAULT_PORTS 4096

void alk_table_sizes_default(struct alk_table_sizes *s);

/* What went wrong, for the user: which entry of a batch, and why. */
struct alk_error {
	int64_t index; /* entry of the batch, or -1 for the whole request */
	char msg[160];
};

/* Fill err (if not NULL) with index and the message; returns rc. */
int alk_error_set(struct alk_error *err, int64_t index, int rc, const char *fmt,
		  ...) __attribute__((format(printf, 4, 5)));

/*
 * The front end.  Batches are validated whole first; on any error nothing
 * is changed and err says which entry and why.  Return 0 or -errno.
 */
int alk_endpoints_add(struct alk_tables *t, const struct alk_endpoint_key *keys,
		      const struct alk_endpoint *vals, uint32_t n,
		      struct alk_error *err);
int alk_endpoints_del(struct alk_tables *t, const struct alk_endpoint_key *keys,
		      uint32_t n, struct alk_error *err);
int alk_networks_add(struct alk_tables *t, const struct alk_network_key *keys,
		     const struct alk_network *vals, uint32_t n,
		     struct alk_error *err);
int alk_networks_del(struct alk_tables *t, const struct alk_network_key *keys,
		     uint32_t n, struct alk_error *err);
int alk_vpcs_add(struct alk_tables *t, const struct alk_vpc_key *keys,
		 const struct alk_vpc *vals, uint32_t n, struct alk_error *err);
int alk_vpcs_del(struct alk_tables *t, const struct alk_vpc_key *keys,
		 uint32_t n, struct alk_error *err);
int alk_neighbors_add(struct alk_tables *t, const struct alk_neighbor_key *keys,
		      const struct alk_neighbor *vals, uint32_t n,
		      struct alk_error *err);
int alk_neighbors_del(struct alk_tables *t, const struct alk_neighbor_key *keys,
		      uint32_t n, struct alk_error *err);
/* Ports (the host agent's): vni in range, a unicast ip and MAC, and
 * (vni, ip) and (vni, mac) each one port's, in the batch and in the table;
 * a port re-added under its name may keep or change them. */
int alk_ports_add(struct alk_tables *t, const struct alk_port_key *keys,
		  const struct alk_port *vals, uint32_t n,
		  struct alk_error *err);
int alk_ports_del(struct alk_tables *t, const struct alk_port_key *keys,
		  uint32_t n, struct alk_error *err);
int alk_gateway_set(struct alk_tables *t, const struct alk_gateway *gw,
		    struct alk_error *err);

/* Pass-throughs, with the key normalised (network prefixes masked). */
int alk_table_get(struct alk_tables *t, enum alk_table tbl, const void *key,
		  void *val);
/* n exact-key lookups: the back end's lookup_bulk, or lookup n times.
 * found[i] says whether vals[i] was filled; 0 or -errno. */
int alk_table_lookup_bulk(struct alk_tables *t, enum alk_table tbl,
			  const void *keys, uint32_t n, void *vals,
			  uint8_t *found);
/* The same through the back end's lookup, one key at a time: what a back
 * end's lookup_bulk falls back to for tables it cannot do in bulk. */
int alk_table_lookup_each(struct alk_tables *t, enum alk_table tbl,
			  const void *keys, uint32_t n, void *vals,
			  uint8_t *found);
/* Up to max entries after `after` (NULL: from the start); returns how many
 * were written, or -errno.  Keys and vals are arrays of the table's sizes. */
int alk_table_list(struct alk_tables *t, enum alk_table tbl, const void *after,
		   void *keys, void *vals, uint32_t max);
/* Every entry of tbl, page entries at a time (keys and vals of n), to fn;
 * fn's non-zero return stops the walk and is returned.  0 or -errno. */
int alk_table_walk(struct alk_tables *t, enum alk_table tbl, uint32_t page,
		   int (*fn)(void *arg, const void *keys, const void *vals,
			     uint32_t n),
		   void *arg);

/* Mask of a prefix length, network order. */
static inline uint32_t alk_prefix_mask(uint32_t plen)
{
	return plen ? htonl(~0u << (32 - plen)) : 0;
}

/* One set of tables over n back ends holding the same tables: writes go to
 * all, reads come from the first, counters are summed.  With n == 1 the
 * member itself is returned.  Closing it leaves the members open. */
struct alk_tables *alk_fanout_tables_create(struct alk_tables **members,
					    uint32_t n);

/* The in-memory back end (host platform). */
struct alk_tables *alk_host_tables_create(const struct alk_table_sizes *s);

#endif
