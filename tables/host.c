/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The in-memory back end: the endpoints and the DHCP index as flat tables
 * (tables/flat.h, the layout every back end shares), the others as hash
 * maps of fixed capacity (tables/hmap.h, like preallocated BPF maps; the
 * host agent's ports too, for tests and configuration checks),
 * networks matched by probing each prefix length in use.  It serves the host
 * platform (unit tests, the golden-packet host runner, the fuzzer) and is the
 * reference the others are checked against; it is not a data plane.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../core/platform/host.h"
#include "../core/flat.h"
#include "flat.h"
#include "hmap.h"
#include "tables.h"

struct host_tables {
	struct alk_tables base;
	struct alk_hmap maps[ALK_T_MAX]; /* unused for flat tables */
	struct alk_flat flat[ALK_T_MAX]; /* endpoints, DHCP index */
	uint32_t plen_count[33];	 /* networks per prefix length */
	struct alk_gateway gw;
	int have_gw;
	uint64_t counters[ALK_R_MAX];
};

static struct host_tables *host(struct alk_tables *t)
{
	return (struct host_tables *)t;
}

static int host_update(struct alk_tables *t, enum alk_table tbl,
		       const void *keys, const void *vals, uint32_t n)
{
	struct host_tables *h = host(t);
	struct alk_hmap *m = &h->maps[tbl];

	if (alk_table_is_flat(tbl))
		return alk_flat_update(&h->flat[tbl], keys, vals, n);
	for (uint32_t i = 0; i < n; i++) {
		const void *k = (const uint8_t *)keys + (size_t)i * m->key_size;
		int fresh = !alk_hmap_lookup(m, k);
		int err = alk_hmap_update(
			m, k, (const uint8_t *)vals + (size_t)i * m->val_size);

		if (err)
			return err;
		if (tbl == ALK_T_NETWORK && fresh)
			h->plen_count[((const struct alk_network_key *)k)
					      ->plen]++;
	}
	return 0;
}

static int host_remove(struct alk_tables *t, enum alk_table tbl,
		       const void *keys, uint32_t n)
{
	struct host_tables *h = host(t);
	struct alk_hmap *m = &h->maps[tbl];

	if (alk_table_is_flat(tbl)) {
		alk_flat_remove(&h->flat[tbl], keys, n);
		return 0;
	}
	for (uint32_t i = 0; i < n; i++) {
		const void *k = (const uint8_t *)keys + (size_t)i * m->key_size;

		if (alk_hmap_delete(m, k) == 0 && tbl == ALK_T_NETWORK)
			h->plen_count[((const struct alk_network_key *)k)
					      ->plen]--;
	}
	return 0;
}

static int host_lookup(struct alk_tables *t, enum alk_table tbl,
		       const void *key, void *val)
{
	struct alk_hmap *m = &host(t)->maps[tbl];
	const void *v;

	if (alk_table_is_flat(tbl))
		return alk_flat_lookup(&host(t)->flat[tbl], key, val);
	v = alk_hmap_lookup(m, key);
	if (!v)
		return -ENOENT;
	memcpy(val, v, m->val_size);
	return 0;
}

static int host_lookup_bulk(struct alk_tables *t, enum alk_table tbl,
			    const void *keys, uint32_t n, void *vals,
			    uint8_t *found)
{
	if (alk_table_is_flat(tbl))
		alk_flat_lookup_bulk(&host(t)->flat[tbl], keys, n, vals, found);
	else
		alk_hmap_lookup_bulk(&host(t)->maps[tbl], keys, n, vals, found);
	return 0;
}

static int host_next_key(struct alk_tables *t, enum alk_table tbl,
			 const void *key, void *next)
{
	if (alk_table_is_flat(tbl))
		return alk_flat_next_key(&host(t)->flat[tbl], key, next);
	return alk_hmap_next(&host(t)->maps[tbl], key, next);
}

static int host_info(struct alk_tables *t, enum alk_table tbl,
		     struct alk_table_info *info)
{
	struct alk_hmap *m = &host(t)->maps[tbl];

	if (alk_table_is_flat(tbl)) {
		alk_flat_info(&host(t)->flat[tbl], info);
		return 0;
	}
	info->count = m->count;
	info->capacity = m->capacity;
	info->memory = alk_hmap_memory(m);
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

	for (int i = 0; i < ALK_T_MAX; i++) {
		alk_hmap_fini(&h->maps[i]);
		free(h->flat[i].mem);
	}
	free(h);
}

static const struct alk_tables_ops host_ops = {
	.name = "host",
	.update = host_update,
	.remove = host_remove,
	.lookup = host_lookup,
	.lookup_bulk = host_lookup_bulk,
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
		[ALK_T_ENDPOINT] = s->endpoints,
		[ALK_T_NETWORK] = s->networks,
		[ALK_T_VPC] = s->vpcs,
		[ALK_T_NEIGHBOR] = s->neighbors,
		[ALK_T_DHCP] = s->endpoints,
		/* sizes made before ports existed: the default */
		[ALK_T_PORT] = s->ports ? s->ports : ALK_DEFAULT_PORTS,
	};

	if (!h)
		return NULL;
	h->base.ops = &host_ops;
	for (int i = 0; i < ALK_T_MAX; i++) {
		size_t bytes = alk_flat_bytes(cap[i]);
		void *mem;
		int rc;

		if (alk_table_is_flat(i)) {
			mem = aligned_alloc(ALK_FLAT_BUCKET, bytes);
			rc = mem ? alk_flat_init(&h->flat[i], mem, bytes, i,
						 cap[i]) :
				   -ENOMEM;
			if (rc)
				free(mem);
		} else {
			/* the data plane reads values in place: align them */
			rc = alk_hmap_init(&h->maps[i], alk_table_key_size(i),
					   alk_table_val_size(i), 8, cap[i]);
		}
		if (rc) {
			host_close(&h->base);
			return NULL;
		}
	}
	return &h->base;
}

/* The host platform's view (core/platform/host.h). */
const void *alk_host_bucket(struct alk_tables *t, enum alk_table tbl,
			    uint32_t idx)
{
	const struct alk_flat *f = &host(t)->flat[tbl];

	if (!alk_table_is_flat(tbl) || !f->mem || idx > f->head->nbuckets)
		return NULL;
	return f->mem + (size_t)idx * ALK_FLAT_BUCKET;
}

const void *alk_host_lookup(struct alk_tables *t, enum alk_table tbl,
			    const void *key)
{
	return alk_hmap_lookup(&host(t)->maps[tbl], key);
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
		net = alk_hmap_lookup(&h->maps[ALK_T_NETWORK], &k);
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
