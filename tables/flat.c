/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The flat tables' writer.  Both tables share one bucket layout: the keys
 * of the three slots, the meta word, the values (core/flat.h), so this file
 * works on sizes and offsets and takes the hash from the core.
 *
 * The seqlock's write side: seq odd, release fence, the bucket's bytes,
 * seq even with release.  Spill counts of other buckets are single bytes
 * stored atomically: raised before an entry is written, lowered after it
 * is gone (core/flat.h says why that is enough for readers).
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "core/flat.h"
#include "tables/flat.h"

_Static_assert(offsetof(struct alk_ep_bucket, meta) ==
			       ALK_FLAT_SLOTS *
				       sizeof(struct alk_endpoint_key) &&
		       offsetof(struct alk_ep_bucket, val) ==
			       offsetof(struct alk_ep_bucket, meta) + 4 &&
		       offsetof(struct alk_dhcp_bucket, meta) ==
			       ALK_FLAT_SLOTS * sizeof(struct alk_dhcp_key) &&
		       offsetof(struct alk_dhcp_bucket, val) ==
			       offsetof(struct alk_dhcp_bucket, meta) + 4,
	       "both buckets are keys, meta, values");

/* Where a key lies: bucket and slot. */
struct pos {
	uint32_t b;
	int s;
};

static uint8_t *bucket(const struct alk_flat *f, uint32_t b)
{
	return f->mem + (size_t)b * ALK_FLAT_BUCKET;
}

static struct alk_flat_meta *meta(const struct alk_flat *f, uint32_t b)
{
	return (struct alk_flat_meta *)(bucket(f, b) + ALK_FLAT_SLOTS * f->ks);
}

static uint8_t *key_at(const struct alk_flat *f, struct pos p)
{
	return bucket(f, p.b) + p.s * f->ks;
}

static uint8_t *val_at(const struct alk_flat *f, struct pos p)
{
	return bucket(f, p.b) + ALK_FLAT_SLOTS * f->ks + 4 + p.s * f->vs;
}

/* Keys and values come in two sizes, one per table: compares and copies
 * of a constant size, which the compiler makes a load or two, not calls. */
static int key_eq(const struct alk_flat *f, const void *a, const void *b)
{
	if (f->tbl == ALK_T_ENDPOINT)
		return !memcmp(a, b, sizeof(struct alk_endpoint_key));
	return !memcmp(a, b, sizeof(struct alk_dhcp_key));
}

static void copy_key(const struct alk_flat *f, void *to, const void *from)
{
	if (f->tbl == ALK_T_ENDPOINT)
		memcpy(to, from, sizeof(struct alk_endpoint_key));
	else
		memcpy(to, from, sizeof(struct alk_dhcp_key));
}

static void copy_val(const struct alk_flat *f, void *to, const void *from)
{
	if (f->tbl == ALK_T_ENDPOINT)
		memcpy(to, from, sizeof(struct alk_endpoint));
	else
		memcpy(to, from, sizeof(struct alk_dhcp));
}

static uint32_t home(const struct alk_flat *f, const void *key)
{
	uint64_t seed = f->head->seed;
	uint32_t h = f->tbl == ALK_T_ENDPOINT ? alk_endpoint_hash(key, seed) :
						alk_dhcp_hash(key, seed);

	return alk_flat_home(f->head, h);
}

/*
 * A slot is used (bits 0-2 of meta.used: readers look at these only) or,
 * for the writer alone, reserved (bits 4-6): an update batch first finds
 * room for every new key and writes it into a reserved slot, which no
 * reader looks at, then makes them all used; a batch that does not fit
 * releases its reservations and nothing was applied.
 */
#define USED(s) (1u << (s))
#define RESERVED(s) (0x10u << (s))

/* The writer's own reads need no seqlock: nobody else writes.  `which`
 * holds slot 0's bits to look for (USED(0), or USED(0) | RESERVED(0)). */
static int find_in(const struct alk_flat *f, const void *key, uint32_t b,
		   unsigned int which, struct pos *p)
{
	for (int i = 0; i < ALK_FLAT_PROBES; i++) {
		const struct alk_flat_meta *m = meta(f, b);

		for (p->b = b, p->s = 0; p->s < ALK_FLAT_SLOTS; p->s++)
			if ((m->used & which * USED(p->s)) &&
			    key_eq(f, key_at(f, *p), key))
				return 0;
		if (!m->spill)
			break;
		b = alk_flat_next(f->head, b);
	}
	return -ENOENT;
}

static int find(const struct alk_flat *f, const void *key, struct pos *p)
{
	return find_in(f, key, home(f, key), USED(0), p);
}

static void write_begin(struct alk_flat_meta *m)
{
	__atomic_store_n(&m->seq, (uint16_t)(m->seq + 1), __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
}

static void write_end(struct alk_flat_meta *m)
{
	__atomic_store_n(&m->seq, (uint16_t)(m->seq + 1), __ATOMIC_RELEASE);
}

static void set_used(struct alk_flat_meta *m, uint8_t used)
{
	__atomic_store_n(&m->used, used, __ATOMIC_RELAXED);
}

/* Raise (by 1) or lower (by -1) the spill of buckets from..to-1. */
static void spill(const struct alk_flat *f, uint32_t from, uint32_t to, int by)
{
	for (uint32_t b = from; b != to; b = alk_flat_next(f->head, b)) {
		struct alk_flat_meta *m = meta(f, b);

		if (m->spill == ALK_FLAT_SPILL_STUCK)
			continue;
		__atomic_store_n(&m->spill, (uint8_t)(m->spill + by),
				 __ATOMIC_RELAXED);
	}
	__atomic_thread_fence(__ATOMIC_RELEASE);
}

/* Buckets from a to b in probe order. */
static uint32_t dist(const struct alk_flat *f, uint32_t a, uint32_t b)
{
	return (b + f->head->nbuckets - a) % f->head->nbuckets;
}

static int free_slot(const struct alk_flat *f, uint32_t b)
{
	for (int s = 0; s < ALK_FLAT_SLOTS; s++)
		if (!(meta(f, b)->used & (USED(s) | RESERVED(s))))
			return s;
	return -1;
}

/* Move an entry, used or reserved, forward from p to the free slot to
 * (still within reach of its home): readers scan forward, so it is
 * published at `to` before it leaves p, and one that misses it at p finds
 * it at `to`. */
static void move_forward(struct alk_flat *f, struct pos p, struct pos to)
{
	struct alk_flat_meta *m = meta(f, to.b);
	uint8_t bit = meta(f, p.b)->used & USED(p.s) ? USED(0) : RESERVED(0);

	spill(f, p.b, to.b, 1);
	copy_key(f, key_at(f, to), key_at(f, p));
	copy_val(f, val_at(f, to), val_at(f, p));
	write_begin(m);
	set_used(m, m->used | bit << to.s);
	write_end(m);
	m = meta(f, p.b);
	write_begin(m);
	set_used(m, m->used & ~(bit << p.s));
	write_end(m);
}

/* Bring a free slot `at` nearer to `home` (hopscotch): move an entry of
 * the buckets before it into it, the earliest that may go.  0, or -ENOSPC
 * when none may. */
static int hop(struct alk_flat *f, struct pos *at)
{
	uint32_t c = (at->b + f->head->nbuckets - (ALK_FLAT_PROBES - 1) - 1) %
			     f->head->nbuckets +
		     1;

	for (; c != at->b; c = alk_flat_next(f->head, c))
		for (int s = 0; s < ALK_FLAT_SLOTS; s++) {
			struct pos p = { c, s };
			uint32_t h;

			if (!(meta(f, c)->used & (USED(s) | RESERVED(s))))
				continue;
			/* forward in the entry's own probe order: in a table
			 * of few buckets, `at` may lie before its home */
			h = home(f, key_at(f, p));
			if (dist(f, h, at->b) >= ALK_FLAT_PROBES ||
			    dist(f, h, c) >= dist(f, h, at->b))
				continue;
			move_forward(f, p, *at);
			f->head->hops++;
			*at = p;
			return 0;
		}
	return -ENOSPC;
}

/* Buckets past a key's reach searched for a free slot to bring near. */
#define HOP_SCAN 4096

/*
 * A new key into a free slot within ALK_FLAT_PROBES buckets of its home,
 * reserved: written, unseen.  When all are taken, the nearest free slot
 * beyond is brought within reach by moving entries forward (hop()); the
 * table's content does not change, so moves stand even if the batch is
 * undone.
 */
static int reserve(struct alk_flat *f, const void *key, const void *val,
		   uint32_t h, struct pos *p)
{
	uint32_t b = h, nb = f->head->nbuckets;
	int i, s = -1;

	for (i = 0; i < HOP_SCAN && (uint32_t)i < nb; i++) {
		s = free_slot(f, b);
		if (s >= 0)
			break;
		b = alk_flat_next(f->head, b);
	}
	if (s < 0)
		return -ENOSPC;
	*p = (struct pos){ b, s };
	while (dist(f, h, p->b) >= ALK_FLAT_PROBES)
		if (hop(f, p))
			return -ENOSPC;
	spill(f, h, p->b, 1);
	copy_key(f, key_at(f, *p), key);
	copy_val(f, val_at(f, *p), val);
	set_used(meta(f, p->b), meta(f, p->b)->used | RESERVED(p->s));
	return 0;
}

static void unreserve(struct alk_flat *f, struct pos p)
{
	struct alk_flat_meta *m = meta(f, p.b);

	set_used(m, m->used & ~RESERVED(p.s));
	spill(f, home(f, key_at(f, p)), p.b, -1);
}

static void publish(struct alk_flat *f, struct pos p)
{
	struct alk_flat_meta *m = meta(f, p.b);

	write_begin(m);
	set_used(m, (m->used & ~RESERVED(p.s)) | USED(p.s));
	write_end(m);
	f->head->count++;
}

static void write_val(const struct alk_flat *f, struct pos p, const void *val)
{
	struct alk_flat_meta *m = meta(f, p.b);

	write_begin(m);
	copy_val(f, val_at(f, p), val);
	write_end(m);
}

static void erase(struct alk_flat *f, struct pos p)
{
	struct alk_flat_meta *m = meta(f, p.b);

	write_begin(m);
	set_used(m, m->used & ~USED(p.s));
	write_end(m);
	spill(f, home(f, key_at(f, p)), p.b, -1);
	f->head->count--;
}

uint32_t alk_flat_buckets(uint32_t capacity)
{
	uint64_t n = ((uint64_t)capacity * 4 + 8) / 9; /* / (3 * 0.75) */

	return n < 2 ? 2 : (uint32_t)n;
}

size_t alk_flat_bytes(uint32_t capacity)
{
	return ((size_t)alk_flat_buckets(capacity) + 1) * ALK_FLAT_BUCKET;
}

static int sizes(struct alk_flat *f, void *mem, enum alk_table tbl)
{
	if (!alk_table_is_flat(tbl))
		return -EINVAL;
	f->mem = mem;
	f->head = mem;
	f->tbl = tbl;
	f->ks = alk_table_key_size(tbl);
	f->vs = alk_table_val_size(tbl);
	return 0;
}

int alk_flat_init(struct alk_flat *f, void *mem, size_t size,
		  enum alk_table tbl, uint32_t capacity)
{
	uint32_t nb = alk_flat_buckets(capacity);
	uint64_t seed = 0;

	if (sizes(f, mem, tbl) || !capacity ||
	    size < ((size_t)nb + 1) * ALK_FLAT_BUCKET)
		return -EINVAL;
	if (getrandom(&seed, sizeof(seed), 0) != sizeof(seed))
		seed = (uintptr_t)mem ^ 0x9e3779b97f4a7c15ULL;
	memset(mem, 0, ((size_t)nb + 1) * ALK_FLAT_BUCKET);
	f->head->magic = ALK_FLAT_MAGIC;
	f->head->version = ALK_FLAT_VERSION;
	f->head->table = tbl;
	f->head->capacity = capacity;
	f->head->seed = seed;
	/* last: readers take a table without buckets as empty */
	__atomic_store_n(&f->head->nbuckets, nb, __ATOMIC_RELEASE);
	return 0;
}

int alk_flat_open(struct alk_flat *f, void *mem, size_t size,
		  enum alk_table tbl, char *why, size_t len)
{
	const struct alk_flat_head *h = mem;

	if (sizes(f, mem, tbl))
		return -EINVAL;
	if (h->magic != ALK_FLAT_MAGIC || h->version != ALK_FLAT_VERSION ||
	    h->table != tbl) {
		snprintf(why, len,
			 "%s table: not laid out by this version of alkaid "
			 "(magic %#x, version %u, table %u)",
			 alk_table_name(tbl), h->magic, h->version, h->table);
		return -EINVAL;
	}
	if (!h->nbuckets || h->nbuckets != alk_flat_buckets(h->capacity) ||
	    ((size_t)h->nbuckets + 1) * ALK_FLAT_BUCKET > size) {
		snprintf(why, len,
			 "%s table of %u buckets for %u entries does not fit "
			 "its %zu bytes",
			 alk_table_name(tbl), h->nbuckets, h->capacity, size);
		return -EINVAL;
	}
	return 0;
}

/* Keys ahead of the one being placed whose home bucket is prefetched. */
#define UPDATE_AHEAD 8

/* What an update batch does with each of its keys. */
enum plan { REPLACE, NEW, AGAIN /* named earlier in the batch */ };

struct step {
	struct pos p;
	enum plan plan;
	uint32_t home; /* of the key, hashed once */
};

int alk_flat_update(struct alk_flat *f, const void *keys, const void *vals,
		    uint32_t n)
{
	const uint8_t *k = keys, *v = vals;
	struct step *st = malloc((n ? n : 1) * sizeof(*st));
	uint64_t hops = f->head->hops;
	uint32_t i;
	int moved, rc = 0;

	if (!st)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		st[i].home = home(f, k + (size_t)i * f->ks);
	for (i = 0; i < n; i++) {
		const uint8_t *key = k + (size_t)i * f->ks;
		const uint8_t *val = v + (size_t)i * f->vs;
		struct pos p;

		/* the home bucket of a key some way ahead: its cache miss
		 * overlaps the work on this one */
		if (i + UPDATE_AHEAD < n)
			__builtin_prefetch(
				bucket(f, st[i + UPDATE_AHEAD].home));
		if (!find_in(f, key, st[i].home, USED(0) | RESERVED(0), &p)) {
			st[i].p = p;
			st[i].plan = meta(f, p.b)->used & USED(p.s) ? REPLACE :
								      AGAIN;
			if (st[i].plan == AGAIN) /* reserved: unseen */
				copy_val(f, val_at(f, p), val);
			continue;
		}
		rc = reserve(f, key, val, st[i].home, &st[i].p);
		if (rc)
			break;
		st[i].plan = NEW;
	}
	/* entries found or reserved before may have hopped since (reserve()
	 * moves both): if any did, find them again */
	moved = f->head->hops != hops;
	if (rc) {
		while (i--)
			if (st[i].plan == NEW &&
			    (!moved ||
			     !find_in(f, k + (size_t)i * f->ks, st[i].home,
				      RESERVED(0), &st[i].p)))
				unreserve(f, st[i].p);
		free(st);
		return rc;
	}
	for (i = 0; i < n; i++) {
		const uint8_t *key = k + (size_t)i * f->ks;

		if (i + UPDATE_AHEAD < n && st[i + UPDATE_AHEAD].plan != AGAIN)
			__builtin_prefetch(bucket(f, st[i + UPDATE_AHEAD].p.b));
		if (st[i].plan == REPLACE &&
		    (!moved || !find_in(f, key, st[i].home, USED(0), &st[i].p)))
			write_val(f, st[i].p, v + (size_t)i * f->vs);
		else if (st[i].plan == NEW &&
			 (!moved ||
			  !find_in(f, key, st[i].home, RESERVED(0), &st[i].p)))
			publish(f, st[i].p);
	}
	free(st);
	return 0;
}

void alk_flat_remove(struct alk_flat *f, const void *keys, uint32_t n)
{
	const uint8_t *k = keys;

	for (uint32_t i = 0; i < n; i++) {
		struct pos p;

		if (!find(f, k + (size_t)i * f->ks, &p))
			erase(f, p);
	}
}

void alk_flat_clear(struct alk_flat *f)
{
	for (uint32_t b = 1; b <= f->head->nbuckets; b++)
		for (int s = 0; s < ALK_FLAT_SLOTS; s++)
			if (meta(f, b)->used & USED(s))
				erase(f, (struct pos){ b, s });
}

int alk_flat_lookup(const struct alk_flat *f, const void *key, void *val)
{
	struct pos p;

	if (find(f, key, &p))
		return -ENOENT;
	copy_val(f, val, val_at(f, p));
	return 0;
}

void alk_flat_lookup_bulk(const struct alk_flat *f, const void *keys,
			  uint32_t n, void *vals, uint8_t *found)
{
	const uint8_t *k = keys;
	uint8_t *v = vals;
	uint32_t homes[64];

	for (uint32_t at = 0; at < n; at += 64) {
		uint32_t m = n - at < 64 ? n - at : 64;

		for (uint32_t i = 0; i < m; i++) {
			homes[i] = home(f, k + (size_t)(at + i) * f->ks);
			__builtin_prefetch(bucket(f, homes[i]));
		}
		for (uint32_t i = 0; i < m; i++) {
			size_t j = at + i;
			struct pos p;

			found[j] = !find_in(f, k + j * f->ks, homes[i], USED(0),
					    &p);
			if (found[j])
				copy_val(f, v + j * f->vs, val_at(f, p));
		}
	}
}

int alk_flat_next_key(const struct alk_flat *f, const void *key, void *next)
{
	struct pos p = { 1, 0 };

	if (key) {
		if (find(f, key, &p))
			p = (struct pos){ home(f, key), 0 };
		else
			p.s++;
	}
	for (; p.b <= f->head->nbuckets; p.b++, p.s = 0)
		for (; p.s < ALK_FLAT_SLOTS; p.s++)
			if (meta(f, p.b)->used & USED(p.s)) {
				copy_key(f, next, key_at(f, p));
				return 0;
			}
	return -ENOENT;
}

void alk_flat_info(const struct alk_flat *f, struct alk_table_info *info)
{
	info->count = f->head->count;
	info->capacity = f->head->capacity;
	info->memory = ((uint64_t)f->head->nbuckets + 1) * ALK_FLAT_BUCKET;
}
