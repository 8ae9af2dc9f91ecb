/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The writer of the flat tables (core/flat.h): the endpoints and the DHCP
 * index, over memory a back end provides (a BPF array map mmapped by
 * alkaid-xdp, DPDK memory, host memory).  One writer per table at a time;
 * readers (the data plane) never wait for it and never see a torn entry.
 *
 * Capacity: a table made for N entries has about N / (3 * 0.75) buckets,
 * so that at most three quarters of its slots are used when it is full.
 * A key whose ALK_FLAT_PROBES buckets are full gets room by moving
 * entries forward (hopscotch); with 16 buckets of reach, ten fills of 1M
 * and three of 16M to capacity all found room.  Should a key find none,
 * the batch that brought it is undone and fails with -ENOSPC (nothing
 * half-applied).
 */
#ifndef ALKAID_TABLES_FLAT_H
#define ALKAID_TABLES_FLAT_H

#include <stddef.h>
#include <stdint.h>

#include "core/model.h"
#include "tables/tables.h"

struct alk_flat_head;

struct alk_flat {
	struct alk_flat_head *head;
	uint8_t *mem; /* the head, then the buckets */
	enum alk_table tbl;
	uint32_t ks, vs; /* key and value sizes */
};

/* The tables that are flat: the endpoints and the DHCP index. */
static inline int alk_table_is_flat(enum alk_table tbl)
{
	return tbl == ALK_T_ENDPOINT || tbl == ALK_T_DHCP;
}

/* Buckets after the head for a capacity (1 .. 2^32 - 2), and the bytes
 * of the whole table. */
uint32_t alk_flat_buckets(uint32_t capacity);
size_t alk_flat_bytes(uint32_t capacity);

/* Lay out an empty table for capacity entries in mem (alk_flat_bytes()
 * of it), with a fresh hash seed.  0 or -EINVAL. */
int alk_flat_init(struct alk_flat *f, void *mem, size_t size,
		  enum alk_table tbl, uint32_t capacity);
/* Take a table laid out before (a pinned map, a restart): checks its head
 * against tbl and size.  0, or -EINVAL with why filled. */
int alk_flat_open(struct alk_flat *f, void *mem, size_t size,
		  enum alk_table tbl, char *why, size_t len);

/* Insert or replace n entries, all or none: -ENOSPC (no room near a key's
 * home) undoes what the batch had done.  The capacity is the front end's
 * to check. */
int alk_flat_update(struct alk_flat *f, const void *keys, const void *vals,
		    uint32_t n);
/* Delete n keys; absent ones are skipped. */
void alk_flat_remove(struct alk_flat *f, const void *keys, uint32_t n);
/* Empty the table (readers see entries vanish one by one). */
void alk_flat_clear(struct alk_flat *f);
int alk_flat_lookup(const struct alk_flat *f, const void *key, void *val);
/* n lookups, every home bucket prefetched first. */
void alk_flat_lookup_bulk(const struct alk_flat *f, const void *keys,
			  uint32_t n, void *vals, uint8_t *found);
/* The entry after key in bucket order (NULL: the first); -ENOENT at the
 * end.  A key deleted meanwhile resumes from its home bucket. */
int alk_flat_next_key(const struct alk_flat *f, const void *key, void *next);
void alk_flat_info(const struct alk_flat *f, struct alk_table_info *info);

#endif
