/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The table API over flat tables, rte_hash and rte_lpm6, for workers that
 * read without locks while the control plane writes.
 *
 * The endpoints and the DHCP index are flat tables (core/flat.h) in DPDK
 * memory, written by tables/flat.c: workers copy entries out as seqlock
 * readers, so nothing of them waits for a grace period.
 *
 * Hash tables (vpcs, neighbors) use lock-free readers
 * (RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF) and extendable buckets, so that
 * a table holds exactly its capacity.  A value is never changed in place:
 * the new one is written to a free slot and the key's data pointer is
 * swapped to it; the old slot, like the position of a deleted key, is
 * freed only once every worker has reported a quiescent state after the
 * swap (rte_rcu_qsbr).  Values that fit in the data pointer itself
 * (neighbors) are swapped whole with it.
 *
 * Networks live in two rte_lpm6 instances, which have no lock-free
 * readers: each change is made to the instance the workers do not read,
 * the instances are swapped, and after a quiescent period the same change
 * is made to the other.  Changes cost two LPM updates and one grace
 * period, never a rebuild.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_hash_crc.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_malloc.h>

#include "tables/flat.h"
#include "tables_dpdk.h"

#define SLOT_NONE UINT32_MAX
/* Frees waiting for a quiescent period before the writer waits for one. */
#define DEFER_MAX 65536u
/* rte_lpm6 next hops are 21 bits wide: the network slot must fit. */
#define LPM6_MAX_SLOTS (1u << 21)

/* Out-of-line values of one table: fixed slots, and a free list threaded
 * through the word that follows each value. */
struct slab {
	uint8_t *mem;
	uint32_t val_size;
	uint32_t stride;
	uint32_t nslots;
	uint32_t free_head; /* SLOT_NONE: none free */
};

/* A key position or value slot that a worker may still be looking at. */
struct deferred {
	uint64_t token; /* taken after it was unlinked */
	int32_t pos;	/* rte_hash key position, or -1 */
	uint32_t slot;	/* slab slot, or SLOT_NONE */
	enum alk_table table;
};

struct hash_table {
	struct rte_hash *h;
	struct slab slab; /* unused when values live in the data word */
	uint32_t capacity;
	uint32_t count;
	uint64_t memory;
};

/* The gateway's tables; the host agent's ports are not among them. */
#define NTABLES ALK_T_PORT

struct dpdk_tables {
	struct alk_tables base;
	struct alk_dp_tables dp;
	struct rte_rcu_qsbr *qsbr;
	int socket;
	/* for ALK_T_NETWORK: the control plane's key -> slot index; unused
	 * for the flat tables */
	struct hash_table tbl[NTABLES];
	struct alk_flat flat[NTABLES]; /* endpoints, DHCP index */
	struct alk_dp_networks nets[2];
	struct alk_gateway gw;
	int have_gw;
	struct rte_ether_addr port_mac[RTE_MAX_ETHPORTS];
	uint8_t port_mac_set[RTE_MAX_ETHPORTS];
	uint64_t stats_base[ALK_R_MAX];
	struct deferred *defer; /* ring of DEFER_MAX */
	uint32_t defer_head, defer_len, defer_sealed;
};

#define REFUSE_PORTS(tbl)                                                      \
	do {                                                                   \
		if ((tbl) >= NTABLES)                                          \
			return -EOPNOTSUPP;                                    \
	} while (0)

static struct dpdk_tables *dpdk(struct alk_tables *t)
{
	return (struct dpdk_tables *)t;
}

static int value_in_word(enum alk_table tbl)
{
	return tbl == ALK_T_NEIGHBOR;
}

/* --- value slabs --------------------------------------------------------- */

static uint32_t *slab_link(struct slab *s, uint32_t slot)
{
	return (uint32_t *)(s->mem + (size_t)slot * s->stride + s->val_size);
}

static int slab_init(struct slab *s, uint32_t val_size, uint32_t nslots,
		     int socket)
{
	s->val_size = RTE_ALIGN_CEIL(val_size, sizeof(uint32_t));
	s->stride = s->val_size + sizeof(uint32_t);
	s->nslots = nslots;
	s->mem = rte_malloc_socket("alk_values", (size_t)nslots * s->stride,
				   RTE_CACHE_LINE_SIZE, socket);
	if (!s->mem)
		return -ENOMEM;
	for (uint32_t i = 0; i < nslots; i++)
		*slab_link(s, i) = i + 1 < nslots ? i + 1 : SLOT_NONE;
	s->free_head = 0;
	return 0;
}

static uint32_t slab_alloc(struct slab *s)
{
	uint32_t slot = s->free_head;

	if (slot != SLOT_NONE)
		s->free_head = *slab_link(s, slot);
	return slot;
}

static void slab_free(struct slab *s, uint32_t slot)
{
	*slab_link(s, slot) = s->free_head;
	s->free_head = slot;
}

static void *slab_ptr(struct slab *s, uint32_t slot)
{
	return s->mem + (size_t)slot * s->stride;
}

static uint32_t slab_slot(struct slab *s, const void *p)
{
	return ((const uint8_t *)p - s->mem) / s->stride;
}

/* --- deferred frees ------------------------------------------------------ */

static void deferred_release(struct dpdk_tables *d, const struct deferred *e)
{
	struct hash_table *ht = &d->tbl[e->table];

	if (e->pos >= 0)
		rte_hash_free_key_with_position(ht->h, e->pos);
	if (e->slot != SLOT_NONE)
		slab_free(&ht->slab, e->slot);
}

/* Give what was unlinked since the last seal one token: it may be freed
 * once every worker has been quiescent after now. */
static void defer_seal(struct dpdk_tables *d)
{
	uint64_t token;

	if (d->defer_sealed == d->defer_len)
		return;
	token = rte_rcu_qsbr_start(d->qsbr);
	for (uint32_t i = d->defer_sealed; i < d->defer_len; i++)
		d->defer[(d->defer_head + i) % DEFER_MAX].token = token;
	d->defer_sealed = d->defer_len;
}

/* Free what no worker can see any more; with wait, all that is sealed. */
static void defer_reclaim(struct dpdk_tables *d, bool wait)
{
	while (d->defer_sealed) {
		const struct deferred *e = &d->defer[d->defer_head];

		if (rte_rcu_qsbr_check(d->qsbr, e->token, wait) != 1)
			break;
		deferred_release(d, e);
		d->defer_head = (d->defer_head + 1) % DEFER_MAX;
		d->defer_len--;
		d->defer_sealed--;
	}
}

static void defer_push(struct dpdk_tables *d, enum alk_table tbl, int32_t pos,
		       uint32_t slot)
{
	struct deferred *e;

	if (d->defer_len == DEFER_MAX) {
		/* one grace period, then the whole queue is free */
		defer_seal(d);
		defer_reclaim(d, true);
	}
	e = &d->defer[(d->defer_head + d->defer_len) % DEFER_MAX];
	e->token = 0;
	e->pos = pos;
	e->slot = slot;
	e->table = tbl;
	d->defer_len++;
}

/* Everything pending, now: when a table looks full of dead entries. */
static void defer_flush(struct dpdk_tables *d)
{
	defer_seal(d);
	defer_reclaim(d, true);
}

/* --- hash tables --------------------------------------------------------- */

/* Workers empty their neighbor caches when they see this move; it moves
 * after the new values are in the hash. */
static void neighbors_changed(struct dpdk_tables *d)
{
	__atomic_fetch_add(&d->dp.neighbor_gen, 1, __ATOMIC_RELEASE);
}

/* Our keys are 4, 8 or 12 bytes, which rte_hash would compare with a
 * memcmp() call: one per lookup, on the workers' path. */
static int key_cmp4(const void *a, const void *b, size_t len)
{
	uint32_t x, y;

	memcpy(&x, a, 4);
	memcpy(&y, b, 4);
	return x != y;
}

static int key_cmp8(const void *a, const void *b, size_t len)
{
	uint64_t x, y;

	memcpy(&x, a, 8);
	memcpy(&y, b, 8);
	return x != y;
}

static int key_cmp12(const void *a, const void *b, size_t len)
{
	return key_cmp8(a, b, 8) |
	       key_cmp4((const uint8_t *)a + 8, (const uint8_t *)b + 8, 4);
}

static rte_hash_cmp_eq_t key_cmp(size_t len)
{
	return len == 4	 ? key_cmp4 :
	       len == 8	 ? key_cmp8 :
	       len == 12 ? key_cmp12 :
			   NULL;
}

static int hash_put(struct dpdk_tables *d, enum alk_table tbl, const void *key,
		    const void *val)
{
	struct hash_table *ht = &d->tbl[tbl];
	size_t vs = alk_table_val_size(tbl);
	uint32_t slot = SLOT_NONE;
	void *old = NULL, *data;
	int fresh, rc;

	fresh = rte_hash_lookup_data(ht->h, key, &old) < 0;
	if (fresh && ht->count >= ht->capacity)
		return -ENOSPC;
	if (value_in_word(tbl)) {
		union alk_dp_word w = { .data = NULL };

		memcpy(&w, val, vs);
		data = w.data;
	} else {
		slot = slab_alloc(&ht->slab);
		if (slot == SLOT_NONE) {
			defer_flush(d);
			slot = slab_alloc(&ht->slab);
		}
		if (slot == SLOT_NONE)
			return -ENOSPC;
		data = slab_ptr(&ht->slab, slot);
		memcpy(data, val, vs);
	}
	/* the hash publishes data with a release store: the value written
	 * above is complete before any worker can find it */
	rc = rte_hash_add_key_data(ht->h, key, data);
	if (rc == -ENOSPC) {
		/* positions of deleted keys return after a grace period */
		defer_flush(d);
		rc = rte_hash_add_key_data(ht->h, key, data);
	}
	if (rc < 0) {
		if (slot != SLOT_NONE)
			slab_free(&ht->slab, slot);
		return rc;
	}
	if (fresh)
		ht->count++;
	else if (!value_in_word(tbl))
		defer_push(d, tbl, -1, slab_slot(&ht->slab, old));
	return 0;
}

/* Keys per rte_hash bulk lookup: it prefetches the buckets of all of them
 * before comparing any, so the misses of a batch overlap. */
#define BULK RTE_HASH_LOOKUP_BULK_MAX

/* Up to BULK keys: hit bit i and data[i] for each. */
static uint64_t hash_bulk(const struct rte_hash *h, const void *keys, size_t ks,
			  uint32_t n, void **data)
{
	const void *k[BULK];
	uint64_t hits = 0;

	for (uint32_t i = 0; i < n; i++)
		k[i] = (const uint8_t *)keys + i * ks;
	rte_hash_lookup_bulk_data(h, k, n, &hits, data);
	return hits;
}

static int hash_update(struct dpdk_tables *d, enum alk_table tbl,
		       const void *keys, const void *vals, uint32_t n)
{
	size_t ks = alk_table_key_size(tbl), vs = alk_table_val_size(tbl);
	int rc = 0;

	for (uint32_t i = 0; i < n && !rc; i += BULK) {
		uint32_t m = RTE_MIN(n - i, (uint32_t)BULK);
		void *unused[BULK];

		/* brings the buckets of the next BULK keys in at once; each
		 * put then looks its key up again, in cache (a batch may name
		 * a key twice, so the bulk answer may be out of date) */
		hash_bulk(d->tbl[tbl].h, (const uint8_t *)keys + i * ks, ks, m,
			  unused);
		for (uint32_t j = 0; j < m && !rc; j++)
			rc = hash_put(d, tbl,
				      (const uint8_t *)keys + (i + j) * ks,
				      (const uint8_t *)vals + (i + j) * vs);
	}
	if (tbl == ALK_T_NEIGHBOR)
		neighbors_changed(d);
	defer_seal(d);
	defer_reclaim(d, false);
	return rc;
}

static int hash_remove(struct dpdk_tables *d, enum alk_table tbl,
		       const void *keys, uint32_t n)
{
	struct hash_table *ht = &d->tbl[tbl];
	size_t ks = alk_table_key_size(tbl);

	for (uint32_t i = 0; i < n; i++) {
		const void *key = (const uint8_t *)keys + i * ks;
		void *old;
		int32_t pos;

		if (rte_hash_lookup_data(ht->h, key, &old) < 0)
			continue;
		pos = rte_hash_del_key(ht->h, key);
		if (pos < 0)
			continue;
		ht->count--;
		defer_push(d, tbl, pos,
			   value_in_word(tbl) ? SLOT_NONE :
						slab_slot(&ht->slab, old));
	}
	if (tbl == ALK_T_NEIGHBOR)
		neighbors_changed(d);
	defer_seal(d);
	defer_reclaim(d, false);
	return 0;
}

static int hash_lookup(struct dpdk_tables *d, enum alk_table tbl,
		       const void *key, void *val)
{
	size_t vs = alk_table_val_size(tbl);
	void *data;

	if (rte_hash_lookup_data(d->tbl[tbl].h, key, &data) < 0)
		return -ENOENT;
	if (value_in_word(tbl)) {
		union alk_dp_word w = { .data = data };

		memcpy(val, &w, vs);
	} else {
		memcpy(val, data, vs);
	}
	return 0;
}

/* Iteration in key-position order: the key after `key`, from the start
 * when `key` is gone. */
static int hash_next_key(const struct rte_hash *h, size_t ks, const void *key,
			 void *next)
{
	int32_t max = rte_hash_max_key_id(h), pos = 0;

	if (key) {
		int32_t at = rte_hash_lookup(h, key);

		pos = at >= 0 ? at + 1 : 0;
	}
	for (; pos < max; pos++) {
		void *k;

		if (rte_hash_get_key_with_position(h, pos, &k) == 0) {
			memcpy(next, k, ks);
			return 0;
		}
	}
	return -ENOENT;
}

/* --- networks ------------------------------------------------------------ */

static struct alk_dp_networks *nets_active(struct dpdk_tables *d)
{
	return d->dp.networks;
}

static struct alk_dp_networks *nets_standby(struct dpdk_tables *d)
{
	return d->dp.networks == &d->nets[0] ? &d->nets[1] : &d->nets[0];
}

/* Make the standby instance the one the workers read, and wait until none
 * reads the other. */
static void nets_swap(struct dpdk_tables *d)
{
	__atomic_store_n(&d->dp.networks, nets_standby(d), __ATOMIC_RELEASE);
	rte_rcu_qsbr_synchronize(d->qsbr, RTE_QSBR_THRID_INVALID);
}

static int net_rule_add(struct alk_dp_networks *nets,
			const struct alk_network_key *k,
			const struct alk_network *v, uint32_t slot)
{
	uint8_t ip[16];

	nets->vals[slot] = *v;
	alk_dpdk_lpm_key(ip, k->vni, k->prefix);
	return rte_lpm6_add(nets->lpm, ip, ALK_DPDK_LPM_DEPTH(k->plen), slot);
}

static void net_rule_del(struct alk_dp_networks *nets,
			 const struct alk_network_key *k)
{
	uint8_t ip[16];

	alk_dpdk_lpm_key(ip, k->vni, k->prefix);
	rte_lpm6_delete(nets->lpm, ip, ALK_DPDK_LPM_DEPTH(k->plen));
}

static int networks_update(struct dpdk_tables *d,
			   const struct alk_network_key *keys,
			   const struct alk_network *vals, uint32_t n)
{
	struct hash_table *index = &d->tbl[ALK_T_NETWORK];
	uint32_t *slots, done = 0;
	int rc = 0;

	slots = rte_malloc(NULL, (n ? n : 1) * sizeof(*slots), 0);
	if (!slots)
		return -ENOMEM;
	for (; done < n; done++) {
		int32_t slot = rte_hash_lookup(index->h, &keys[done]);
		int fresh = slot < 0;

		if (fresh) {
			if (index->count >= index->capacity) {
				rc = -ENOSPC;
				break;
			}
			slot = rte_hash_add_key(index->h, &keys[done]);
			if (slot < 0) {
				rc = slot;
				break;
			}
		}
		rc = net_rule_add(nets_standby(d), &keys[done], &vals[done],
				  slot);
		if (rc) {
			/* out of tbl8 groups: rte_lpm6 checks before it
			 * writes, so the standby is unchanged */
			if (fresh)
				rte_hash_del_key(index->h, &keys[done]);
			break;
		}
		index->count += fresh;
		slots[done] = slot;
	}
	if (done) {
		nets_swap(d);
		for (uint32_t i = 0; i < done; i++)
			if (net_rule_add(nets_standby(d), &keys[i], &vals[i],
					 slots[i]))
				RTE_LOG(ERR, USER1,
					"network LPMs diverge: second add "
					"failed\n");
	}
	rte_free(slots);
	return rc;
}

static int networks_remove(struct dpdk_tables *d,
			   const struct alk_network_key *keys, uint32_t n)
{
	struct hash_table *index = &d->tbl[ALK_T_NETWORK];
	uint32_t found = 0;

	for (uint32_t i = 0; i < n; i++) {
		if (rte_hash_lookup(index->h, &keys[i]) < 0)
			continue;
		net_rule_del(nets_standby(d), &keys[i]);
		found++;
	}
	if (!found)
		return 0;
	nets_swap(d);
	for (uint32_t i = 0; i < n; i++) {
		/* a slot is reused only once neither instance points at it */
		if (rte_hash_del_key(index->h, &keys[i]) < 0)
			continue;
		net_rule_del(nets_standby(d), &keys[i]);
		index->count--;
	}
	return 0;
}

/* --- the operations ------------------------------------------------------ */

static int dpdk_update(struct alk_tables *t, enum alk_table tbl,
		       const void *keys, const void *vals, uint32_t n)
{
	REFUSE_PORTS(tbl);
	if (tbl == ALK_T_NETWORK)
		return networks_update(dpdk(t), keys, vals, n);
	if (alk_table_is_flat(tbl))
		return alk_flat_update(&dpdk(t)->flat[tbl], keys, vals, n);
	return hash_update(dpdk(t), tbl, keys, vals, n);
}

static int dpdk_remove(struct alk_tables *t, enum alk_table tbl,
		       const void *keys, uint32_t n)
{
	REFUSE_PORTS(tbl);
	if (tbl == ALK_T_NETWORK)
		return networks_remove(dpdk(t), keys, n);
	if (alk_table_is_flat(tbl)) {
		alk_flat_remove(&dpdk(t)->flat[tbl], keys, n);
		return 0;
	}
	return hash_remove(dpdk(t), tbl, keys, n);
}

static int dpdk_lookup(struct alk_tables *t, enum alk_table tbl,
		       const void *key, void *val)
{
	struct dpdk_tables *d = dpdk(t);

	REFUSE_PORTS(tbl);
	if (tbl == ALK_T_NETWORK) {
		int32_t slot = rte_hash_lookup(d->tbl[tbl].h, key);

		if (slot < 0)
			return -ENOENT;
		memcpy(val, &nets_active(d)->vals[slot],
		       sizeof(struct alk_network));
		return 0;
	}
	if (alk_table_is_flat(tbl))
		return alk_flat_lookup(&d->flat[tbl], key, val);
	return hash_lookup(d, tbl, key, val);
}

static int dpdk_lookup_bulk(struct alk_tables *t, enum alk_table tbl,
			    const void *keys, uint32_t n, void *vals,
			    uint8_t *found)
{
	size_t ks = alk_table_key_size(tbl), vs = alk_table_val_size(tbl);
	struct dpdk_tables *d = dpdk(t);

	REFUSE_PORTS(tbl);
	if (tbl == ALK_T_NETWORK) /* one LPM6 lookup each */
		return alk_table_lookup_each(t, tbl, keys, n, vals, found);
	if (alk_table_is_flat(tbl)) {
		alk_flat_lookup_bulk(&d->flat[tbl], keys, n, vals, found);
		return 0;
	}
	for (uint32_t i = 0; i < n; i += BULK) {
		uint32_t m = RTE_MIN(n - i, (uint32_t)BULK);
		void *data[BULK];
		uint64_t hits =
			hash_bulk(d->tbl[tbl].h, (const uint8_t *)keys + i * ks,
				  ks, m, data);

		for (uint32_t j = 0; j < m; j++) {
			uint8_t *v = (uint8_t *)vals + (i + j) * vs;
			union alk_dp_word w = { .data = data[j] };

			found[i + j] = hits >> j & 1;
			if (!found[i + j])
				continue;
			memcpy(v, value_in_word(tbl) ? (void *)&w : data[j],
			       vs);
		}
	}
	return 0;
}

static int dpdk_next_key(struct alk_tables *t, enum alk_table tbl,
			 const void *key, void *next)
{
	REFUSE_PORTS(tbl);
	if (alk_table_is_flat(tbl))
		return alk_flat_next_key(&dpdk(t)->flat[tbl], key, next);
	return hash_next_key(dpdk(t)->tbl[tbl].h, alk_table_key_size(tbl), key,
			     next);
}

static int dpdk_info(struct alk_tables *t, enum alk_table tbl,
		     struct alk_table_info *info)
{
	struct hash_table *ht;

	REFUSE_PORTS(tbl);
	ht = &dpdk(t)->tbl[tbl];
	if (alk_table_is_flat(tbl)) {
		alk_flat_info(&dpdk(t)->flat[tbl], info);
		return 0;
	}
	info->count = ht->count;
	info->capacity = ht->capacity;
	info->memory = ht->memory;
	return 0;
}

static int dpdk_gateway_get(struct alk_tables *t, struct alk_gateway *gw)
{
	struct dpdk_tables *d = dpdk(t);

	if (!d->have_gw)
		return -ENOENT;
	*gw = d->gw;
	return 0;
}

/* Publish a fresh per-port copy and free the old one after a grace period. */
static int gateway_publish(struct dpdk_tables *d)
{
	struct alk_dp_gateway *g, *old;

	if (!d->have_gw)
		return 0;
	g = rte_zmalloc_socket("alk_gateway", sizeof(*g), RTE_CACHE_LINE_SIZE,
			       d->socket);
	if (!g)
		return -ENOMEM;
	for (int p = 0; p < RTE_MAX_ETHPORTS; p++) {
		g->port[p] = d->gw;
		if (d->port_mac_set[p])
			memcpy(g->port[p].mac, d->port_mac[p].addr_bytes, 6);
	}
	old = d->dp.gateway;
	__atomic_store_n(&d->dp.gateway, g, __ATOMIC_RELEASE);
	if (old) {
		rte_rcu_qsbr_synchronize(d->qsbr, RTE_QSBR_THRID_INVALID);
		rte_free(old);
	}
	return 0;
}

static int dpdk_gateway_set(struct alk_tables *t, const struct alk_gateway *gw)
{
	struct dpdk_tables *d = dpdk(t);
	struct alk_gateway prev = d->gw;
	int had = d->have_gw, rc;

	d->gw = *gw;
	d->have_gw = 1;
	rc = gateway_publish(d);
	if (rc) {
		d->gw = prev;
		d->have_gw = had;
	}
	return rc;
}

void alk_dpdk_tables_port_mac(struct alk_tables *t, uint16_t port,
			      const struct rte_ether_addr *mac)
{
	struct dpdk_tables *d = dpdk(t);

	if (port >= RTE_MAX_ETHPORTS)
		return;
	d->port_mac[port] = *mac;
	d->port_mac_set[port] = 1;
	gateway_publish(d);
}

static void stats_sum(struct dpdk_tables *d, uint64_t sum[ALK_R_MAX])
{
	memset(sum, 0, ALK_R_MAX * sizeof(sum[0]));
	for (int l = 0; l < RTE_MAX_LCORE; l++)
		for (int r = 0; r < ALK_R_MAX; r++)
			sum[r] += __atomic_load_n(&d->dp.counters[l].reason[r],
						  __ATOMIC_RELAXED);
}

static int dpdk_stats_get(struct alk_tables *t, uint64_t counters[ALK_R_MAX])
{
	struct dpdk_tables *d = dpdk(t);

	stats_sum(d, counters);
	for (int r = 0; r < ALK_R_MAX; r++)
		counters[r] -= d->stats_base[r];
	return 0;
}

/* Workers own their counters; a reset moves the zero instead. */
static int dpdk_stats_reset(struct alk_tables *t)
{
	struct dpdk_tables *d = dpdk(t);

	stats_sum(d, d->stats_base);
	return 0;
}

static void dpdk_close(struct alk_tables *t)
{
	struct dpdk_tables *d = dpdk(t);

	if (!d)
		return;
	for (int i = 0; i < NTABLES; i++) {
		rte_hash_free(d->tbl[i].h);
		rte_free(d->tbl[i].slab.mem);
		rte_free(d->flat[i].mem);
	}
	for (int i = 0; i < 2; i++) {
		rte_lpm6_free(d->nets[i].lpm);
		rte_free(d->nets[i].vals);
	}
	rte_free(d->dp.gateway);
	rte_free(d->dp.counters);
	rte_free(d->defer);
	rte_free(d->qsbr);
	rte_free(d);
}

static const struct alk_tables_ops dpdk_ops = {
	.name = "dpdk",
	.update = dpdk_update,
	.remove = dpdk_remove,
	.lookup = dpdk_lookup,
	.lookup_bulk = dpdk_lookup_bulk,
	.next_key = dpdk_next_key,
	.info = dpdk_info,
	.gateway_get = dpdk_gateway_get,
	.gateway_set = dpdk_gateway_set,
	.stats_get = dpdk_stats_get,
	.stats_reset = dpdk_stats_reset,
	.close = dpdk_close,
};

/* --- creation ------------------------------------------------------------ */

static const char *const short_name[NTABLES] = {
	[ALK_T_NETWORK] = "net",
	[ALK_T_VPC] = "vpc",
	[ALK_T_NEIGHBOR] = "nb",
};

/* Rough bytes of an rte_hash: buckets and extendable buckets, key store,
 * free-slot rings. */
static uint64_t hash_memory(uint32_t entries, size_t key_size)
{
	uint64_t buckets = rte_align32pow2(entries) / 8;

	return buckets * 64 * 2 +
	       (uint64_t)(entries + 1) *
		       (RTE_ALIGN_CEIL(8 + key_size, 16) + 4 + 4) +
	       (uint64_t)rte_align32pow2(entries + 1) * 4;
}

/* A flat table in memory of the EAL's (hugepages unless --no-huge),
 * 64-byte aligned like its buckets. */
static int flat_init(struct dpdk_tables *d, enum alk_table tbl,
		     uint32_t capacity)
{
	size_t bytes = alk_flat_bytes(capacity);
	void *mem = rte_malloc_socket(tbl == ALK_T_ENDPOINT ? "alk_endpoints" :
							      "alk_dhcp",
				      bytes, ALK_FLAT_BUCKET, d->socket);
	struct alk_dp_flat *dp =
		tbl == ALK_T_ENDPOINT ? &d->dp.endpoints : &d->dp.dhcp;
	int rc;

	if (!mem)
		return -ENOMEM;
	rc = alk_flat_init(&d->flat[tbl], mem, bytes, tbl, capacity);
	if (rc) {
		rte_free(mem);
		d->flat[tbl].mem = NULL;
		return rc;
	}
	dp->mem = d->flat[tbl].mem;
	dp->head = d->flat[tbl].head;
	return 0;
}

static int table_init(struct dpdk_tables *d, enum alk_table tbl,
		      uint32_t capacity, unsigned int seq)
{
	struct hash_table *ht = &d->tbl[tbl];
	char name[RTE_HASH_NAMESIZE];
	struct rte_hash_parameters p = {
		.name = name,
		/* rte_hash wants at least one bucket's worth */
		.entries = RTE_MAX(capacity, 8u),
		.key_len = alk_table_key_size(tbl),
		.hash_func = rte_hash_crc,
		.socket_id = d->socket,
		.extra_flag = RTE_HASH_EXTRA_FLAGS_EXT_TABLE,
	};

	/* the network index is the control plane's alone */
	if (tbl != ALK_T_NETWORK)
		p.extra_flag |= RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF;
	snprintf(name, sizeof(name), "alk%u_%s", seq, short_name[tbl]);
	ht->h = rte_hash_create(&p);
	if (!ht->h)
		return -rte_errno;
	if (key_cmp(p.key_len))
		rte_hash_set_cmp_func(ht->h, key_cmp(p.key_len));
	ht->capacity = capacity;
	ht->memory = hash_memory(p.entries, p.key_len);
	if (tbl == ALK_T_NETWORK || value_in_word(tbl))
		return 0;
	/* replaced values wait for a grace period: room for them too */
	uint32_t slack = RTE_MIN(RTE_MAX(capacity / 8, 64u), DEFER_MAX);
	int rc = slab_init(&ht->slab, alk_table_val_size(tbl), capacity + slack,
			   d->socket);

	ht->memory += (uint64_t)(capacity + slack) * ht->slab.stride;
	return rc;
}

static int networks_init(struct dpdk_tables *d, uint32_t capacity,
			 uint32_t tbl8s, unsigned int seq)
{
	struct rte_lpm6_config c = {
		.max_rules = RTE_MAX(capacity, 1u),
		.number_tbl8s = tbl8s ? tbl8s : 2 * capacity + 64,
	};
	char name[RTE_LPM6_NAMESIZE];

	if (capacity > LPM6_MAX_SLOTS)
		return -EINVAL;
	for (int i = 0; i < 2; i++) {
		snprintf(name, sizeof(name), "alk%u_net%d", seq, i);
		d->nets[i].lpm = rte_lpm6_create(name, d->socket, &c);
		d->nets[i].vals = rte_zmalloc_socket(
			"alk_networks",
			RTE_MAX(capacity, 1u) * sizeof(struct alk_network),
			RTE_CACHE_LINE_SIZE, d->socket);
		if (!d->nets[i].lpm || !d->nets[i].vals)
			return -ENOMEM;
	}
	/* the LPM's first level alone is 2^24 entries of 4 bytes */
	d->tbl[ALK_T_NETWORK].memory +=
		2 * ((4ull << 24) + (uint64_t)c.number_tbl8s * 256 * 4 +
		     (uint64_t)capacity * sizeof(struct alk_network));
	d->dp.networks = &d->nets[0];
	return 0;
}

struct alk_tables *alk_dpdk_tables_create(const struct alk_dpdk_table_config *c)
{
	static unsigned int seq;
	const struct alk_table_sizes *s = &c->sizes;
	const uint32_t capacity[NTABLES] = {
		[ALK_T_ENDPOINT] = s->endpoints,
		[ALK_T_NETWORK] = s->networks,
		[ALK_T_VPC] = s->vpcs,
		[ALK_T_NEIGHBOR] = s->neighbors,
		[ALK_T_DHCP] = s->endpoints,
	};
	unsigned int id = __atomic_fetch_add(&seq, 1, __ATOMIC_RELAXED);
	uint32_t readers = RTE_MAX(c->max_readers, 1u);
	struct dpdk_tables *d;
	int rc = 0;

	d = rte_zmalloc_socket("alk_tables", sizeof(*d), RTE_CACHE_LINE_SIZE,
			       c->socket);
	if (!d) {
		rte_errno = ENOMEM;
		return NULL;
	}
	d->base.ops = &dpdk_ops;
	d->socket = c->socket;
	d->qsbr = rte_zmalloc_socket("alk_qsbr",
				     rte_rcu_qsbr_get_memsize(readers),
				     RTE_CACHE_LINE_SIZE, c->socket);
	d->dp.counters = rte_zmalloc_socket(
		"alk_counters", RTE_MAX_LCORE * sizeof(struct alk_dp_counters),
		RTE_CACHE_LINE_SIZE, c->socket);
	d->defer = rte_malloc_socket("alk_defer", DEFER_MAX * sizeof(*d->defer),
				     0, c->socket);
	if (!d->qsbr || !d->dp.counters || !d->defer) {
		rc = -ENOMEM;
		goto fail;
	}
	rte_rcu_qsbr_init(d->qsbr, readers);
	for (int i = 0; i < NTABLES && !rc; i++)
		rc = alk_table_is_flat(i) ? flat_init(d, i, capacity[i]) :
					    table_init(d, i, capacity[i], id);
	if (!rc)
		rc = networks_init(d, s->networks, c->network_tbl8s, id);
	if (rc)
		goto fail;
	d->dp.vpcs = d->tbl[ALK_T_VPC].h;
	d->dp.neighbors = d->tbl[ALK_T_NEIGHBOR].h;
	return &d->base;
fail:
	dpdk_close(&d->base);
	rte_errno = -rc;
	return NULL;
}

const struct alk_dp_tables *alk_dpdk_tables_dp(struct alk_tables *t)
{
	return &dpdk(t)->dp;
}

struct rte_rcu_qsbr *alk_dpdk_tables_qsbr(struct alk_tables *t)
{
	return dpdk(t)->qsbr;
}

void alk_dpdk_tables_reclaim(struct alk_tables *t)
{
	defer_reclaim(dpdk(t), false);
}
