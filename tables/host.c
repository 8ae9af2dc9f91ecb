/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The in-memory back end: open-addressing hash tables of fixed capacity
 * (like preallocated BPF maps), networks matched by probing each prefix
 * length in use.  It serves the host platform (unit tests, the golden-packet
 * host runner, the fuzzer) and is the reference the others are checked
 * against; it is not a data plane.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../core/platform/host.h"
#include "tables.h"

/* A slot: [used, 8 bytes][key, padded to 8][value]: values aligned as the
 * data plane reads them. */
#define SLOT_HDR 8
#define ALIGN8(x) (((x) + 7u) & ~7u)

struct host_map {
	uint32_t key_size, val_size, val_off, slot_size;
	uint32_t capacity; /* entries allowed */
	uint32_t nslots;   /* power of two, >= 2 * capacity */
	uint32_t count;
	uint8_t *slots;    /* [used:1][key][val] */
};

struct host_tables {
	struct alk_tables base;
	struct host_map maps[ALK_T_MAX];
	uint32_t plen_count[33]; /* networks per prefix length */
	struct alk_gateway gw;
	int have_gw;
	uint64_t counters[ALK_R_MAX];
};

static struct host_tables *host(struct alk_tables *t)
{
	return (struct host_tables *)t;
}

static uint32_t hash_bytes(const void *p, uint32_t n)
{
	const uint8_t *b = p;
	uint32_t h = 2166136261u; /* FNV-1a */

	for (uint32_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 16777619u;
	return h ^ (h >> 15);
}

static int map_init(struct host_map *m, uint32_t key_size, uint32_t val_size,
		    uint32_t capacity)
{
	uint32_t nslots = 16;

	while (nslots < 2 * (uint64_t)capacity)
		nslots <<= 1;
	m->key_size = key_size;
	m->val_size = val_size;
	m->val_off = SLOT_HDR + ALIGN8(key_size);
	m->slot_size = ALIGN8(m->val_off + val_size);
	m->capacity = capacity;
	m->nslots = nslots;
	m->count = 0;
	m->slots = calloc(nslots, m->slot_size);
	return m->slots ? 0 : -ENOMEM;
}

static uint8_t *slot(const struct host_map *m, uint32_t i)
{
	return m->slots + (size_t)i * m->slot_size;
}

/* The slot holding key, or the empty slot where it would go. */
static uint32_t map_find(const struct host_map *m, const void *key)
{
	uint32_t i = hash_bytes(key, m->key_size) & (m->nslots - 1);

	while (slot(m, i)[0] && memcmp(slot(m, i) + SLOT_HDR, key, m->key_size))
		i = (i + 1) & (m->nslots - 1);
	return i;
}

static void *map_lookup(const struct host_map *m, const void *key)
{
	uint8_t *s = slot(m, map_find(m, key));

	return s[0] ? s + m->val_off : NULL;
}

static int map_update(struct host_map *m, const void *key, const void *val)
{
	uint8_t *s = slot(m, map_find(m, key));

	if (!s[0]) {
		if (m->count >= m->capacity)
			return -ENOSPC;
		s[0] = 1;
		memcpy(s + SLOT_HDR, key, m->key_size);
		m->count++;
	}
	memcpy(s + m->val_off, val, m->val_size);
	return 0;
}

/* Linear-probing delete with backward shift: no tombstones. */
static int map_delete(struct host_map *m, const void *key)
{
	uint32_t mask = m->nslots - 1, i = map_find(m, key), j = i;

	if (!slot(m, i)[0])
		return -ENOENT;
	for (;;) {
		uint32_t home;

		j = (j + 1) & mask;
		if (!slot(m, j)[0])
			break;
		home = hash_bytes(slot(m, j) + SLOT_HDR, m->key_size) & mask;
		/* move j into the hole at i unless its home lies in (i, j] */
		if (i <= j ? (i < home && home <= j) : (i < home || home <= j))
			continue;
		memcpy(slot(m, i), slot(m, j), m->slot_size);
		i = j;
	}
	slot(m, i)[0] = 0;
	m->count--;
	return 0;
}

static int host_update(struct alk_tables *t, enum alk_table tbl,
		       const void *keys, const void *vals, uint32_t n)
{
	struct host_tables *h = host(t);
	struct host_map *m = &h->maps[tbl];

	for (uint32_t i = 0; i < n; i++) {
		const void *k = (const uint8_t *)keys + (size_t)i * m->key_size;
		int fresh = !map_lookup(m, k);
		int err = map_update(m, k, (const uint8_t *)vals +
						   (size_t)i * m->val_size);

		if (err)
			return err;
		if (tbl == ALK_T_NETWORK && fresh)
			h->plen_count[((const struct alk_network_key *)k)->plen]++;
	}
	return 0;
}

static int host_remove(struct alk_tables *t, enum alk_table tbl,
		       const void *keys, uint32_t n)
{
	struct host_tables *h = host(t);
	struct host_map *m = &h->maps[tbl];

	for (uint32_t i = 0; i < n; i++) {
		const void *k = (const uint8_t *)keys + (size_t)i * m->key_size;

		if (map_delete(m, k) == 0 && tbl == ALK_T_NETWORK)
			h->plen_count[((const struct alk_network_key *)k)->plen]--;
	}
	return 0;
}

static int host_lookup(struct alk_tables *t, enum alk_table tbl,
		       const void *key, void *val)
{
	struct host_map *m = &host(t)->maps[tbl];
	const void *v = map_lookup(m, key);

	if (!v)
		return -ENOENT;
	memcpy(val, v, m->val_size);
	return 0;
}

/* Iterate in slot order; after a key that is gone, start over. */
static int host_next_key(struct alk_tables *t, enum alk_table tbl,
			 const void *key, void *next)
{
	struct host_map *m = &host(t)->maps[tbl];
	uint32_t i = 0;

	if (key) {
		i = map_find(m, key);
		i = slot(m, i)[0] ? i + 1 : 0;
	}
	for (; i < m->nslots; i++) {
		if (slot(m, i)[0]) {
			memcpy(next, slot(m, i) + SLOT_HDR, m->key_size);
			return 0;
		}
	}
	return -ENOENT;
}

static int host_info(struct alk_tables *t, enum alk_table tbl,
		     struct alk_table_info *info)
{
	struct host_map *m = &host(t)->maps[tbl];

	info->count = m->count;
	info->capacity = m->capacity;
	info->memory = (uint64_t)m->nslots * m->slot_size;
	return 0;
}

static int host_gateway_get(struct alk_tables *t, struct alk_gateway *gw)
{
	*gw = host(t)->gw;
	return 0;
}

static int host_gateway_set(struct alk_tables *t, const struct alk_gateway *gw)
{
	host(t)->gw = *gw;
	host(t)->have_gw = 1;
	return 0;
}

static int host_stats_get(struct alk_tables *t, uint64_t counters[ALK_R_MAX])
{
	memcpy(counters, host(t)->counters, sizeof(host(t)->counters));
	return 0;
}

static int host_stats_reset(struct alk_tables *t)
{
	memset(host(t)->counters, 0, sizeof(host(t)->counters));
	return 0;
}

static void host_close(struct alk_tables *t)
{
	struct host_tables *h = host(t);

	for (int i = 0; i < ALK_T_MAX; i++)
		free(h->maps[i].slots);
	free(h);
}

static const struct alk_tables_ops host_ops = {
	.name = "host",
	.update = host_update,
	.remove = host_remove,
	.lookup = host_lookup,
	.next_key = host_next_key,
	.info = host_info,
	.gateway_get = host_gateway_get,
	.gateway_set = host_gateway_set,
	.stats_get = host_stats_get,
	.stats_reset = host_stats_reset,
	.close = host_close,
};

struct alk_tables *alk_host_tables_create(const struct alk_table_sizes *s)
{
	struct host_tables *h = calloc(1, sizeof(*h));
	const uint32_t cap[ALK_T_MAX] = {
		[ALK_T_ENDPOINT] = s->endpoints, [ALK_T_NETWORK] = s->networks,
		[ALK_T_VPC] = s->vpcs,		 [ALK_T_NEIGHBOR] = s->neighbors,
		[ALK_T_DHCP] = s->endpoints,
	};

	if (!h)
		return NULL;
	h->base.ops = &host_ops;
	for (int i = 0; i < ALK_T_MAX; i++) {
		if (map_init(&h->maps[i], alk_table_key_size(i),
			     alk_table_val_size(i), cap[i])) {
			host_close(&h->base);
			return NULL;
		}
	}
	return &h->base;
}

/* The host platform's view (core/platform/host.h). */
const void *alk_host_lookup(struct alk_tables *t, enum alk_table tbl,
			    const void *key)
{
	return map_lookup(&host(t)->maps[tbl], key);
}

const struct alk_network *alk_host_network_match(struct alk_tables *t,
						 __u32 vni, __be32 ip)
{
	struct host_tables *h = host(t);

	for (int plen = 32; plen >= 0; plen--) {
		struct alk_network_key k = { .vni = vni, .plen = plen };
		const struct alk_network *net;

		if (!h->plen_count[plen])
			continue;
		k.prefix = ip & alk_prefix_mask(plen);
		net = map_lookup(&h->maps[ALK_T_NETWORK], &k);
		if (net)
			return net;
	}
	return NULL;
}

const struct alk_gateway *alk_host_gateway(struct alk_tables *t)
{
	return host(t)->have_gw ? &host(t)->gw : NULL;
}

void alk_host_count(struct alk_tables *t, enum alk_reason r)
{
	host(t)->counters[r]++;
}
