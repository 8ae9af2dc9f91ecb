/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A back end over several back ends holding the same tables: writes go to
 * every member, reads come from the first, counters are summed.  alkaid-xdp
 * uses it for a gateway serving several interfaces, each with its own maps.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tables.h"

struct fanout {
	struct alk_tables base;
	uint32_t n;
	struct alk_tables *member[];
};

static struct fanout *fan(struct alk_tables *t)
{
	return (struct fanout *)t;
}

static int fan_update(struct alk_tables *t, enum alk_table tbl,
		      const void *keys, const void *vals, uint32_t n)
{
	for (uint32_t i = 0; i < fan(t)->n; i++) {
		struct alk_tables *m = fan(t)->member[i];
		int rc = m->ops->update(m, tbl, keys, vals, n);

		if (rc)
			return rc;
	}
	return 0;
}

static int fan_remove(struct alk_tables *t, enum alk_table tbl,
		      const void *keys, uint32_t n)
{
	int first = 0;

	/* every member, even after a failure: leave none with stale keys */
	for (uint32_t i = 0; i < fan(t)->n; i++) {
		struct alk_tables *m = fan(t)->member[i];
		int rc = m->ops->remove(m, tbl, keys, n);

		if (rc && !first)
			first = rc;
	}
	return first;
}

static int fan_lookup(struct alk_tables *t, enum alk_table tbl, const void *key,
		      void *val)
{
	struct alk_tables *m = fan(t)->member[0];

	return m->ops->lookup(m, tbl, key, val);
}

static int fan_lookup_bulk(struct alk_tables *t, enum alk_table tbl,
			   const void *keys, uint32_t n, void *vals,
			   uint8_t *found)
{
	return alk_table_lookup_bulk(fan(t)->member[0], tbl, keys, n, vals,
				     found);
}

static int fan_next_key(struct alk_tables *t, enum alk_table tbl,
			const void *key, void *next)
{
	struct alk_tables *m = fan(t)->member[0];

	return m->ops->next_key(m, tbl, key, next);
}

static int fan_info(struct alk_tables *t, enum alk_table tbl,
		    struct alk_table_info *info)
{
	struct alk_table_info one;
	int rc;

	memset(info, 0, sizeof(*info));
	for (uint32_t i = 0; i < fan(t)->n; i++) {
		struct alk_tables *m = fan(t)->member[i];

		rc = m->ops->info(m, tbl, &one);
		if (rc)
			return rc;
		if (i == 0) {
			info->count = one.count;
			info->capacity = one.capacity;
		}
		info->memory += one.memory;
	}
	return 0;
}

static int fan_gateway_get(struct alk_tables *t, struct alk_gateway *gw)
{
	struct alk_tables *m = fan(t)->member[0];

	return m->ops->gateway_get(m, gw);
}

static int fan_gateway_set(struct alk_tables *t, const struct alk_gateway *gw)
{
	for (uint32_t i = 0; i < fan(t)->n; i++) {
		struct alk_tables *m = fan(t)->member[i];
		int rc = m->ops->gateway_set(m, gw);

		if (rc)
			return rc;
	}
	return 0;
}

static int fan_stats_get(struct alk_tables *t, uint64_t counters[ALK_R_MAX])
{
	uint64_t one[ALK_R_MAX];

	memset(counters, 0, sizeof(uint64_t) * ALK_R_MAX);
	for (uint32_t i = 0; i < fan(t)->n; i++) {
		struct alk_tables *m = fan(t)->member[i];
		int rc = m->ops->stats_get(m, one);

		if (rc)
			return rc;
		for (int r = 0; r < ALK_R_MAX; r++)
			counters[r] += one[r];
	}
	return 0;
}

static int fan_stats_reset(struct alk_tables *t)
{
	for (uint32_t i = 0; i < fan(t)->n; i++) {
		struct alk_tables *m = fan(t)->member[i];
		int rc = m->ops->stats_reset(m);

		if (rc)
			return rc;
	}
	return 0;
}

/* The members stay their owner's: closing the fan-out frees only itself. */
static void fan_close(struct alk_tables *t)
{
	free(t);
}

static const struct alk_tables_ops fanout_ops = {
	.name = "fanout",
	.update = fan_update,
	.remove = fan_remove,
	.lookup = fan_lookup,
	.lookup_bulk = fan_lookup_bulk,
	.next_key = fan_next_key,
	.info = fan_info,
	.gateway_get = fan_gateway_get,
	.gateway_set = fan_gateway_set,
	.stats_get = fan_stats_get,
	.stats_reset = fan_stats_reset,
	.close = fan_close,
};

struct alk_tables *alk_fanout_tables_create(struct alk_tables **members,
					    uint32_t n)
{
	struct fanout *f;

	if (!n)
		return NULL;
	if (n == 1)
		return members[0];
	f = calloc(1, sizeof(*f) + n * sizeof(f->member[0]));
	if (!f)
		return NULL;
	f->base.ops = &fanout_ops;
	f->base.serves = members[0]->serves;
	f->n = n;
	memcpy(f->member, members, n * sizeof(f->member[0]));
	return &f->base;
}
