/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DPDK platform: the core over an rte_mbuf.  The endpoints and the DHCP
 * index are flat tables (core/flat.h) in DPDK memory, which the core reads
 * itself as a seqlock reader (core/lookup.h); vpcs and neighbors are
 * rte_hash tables with lock-free readers, networks an rte_lpm6; all are
 * written by dp-dpdk/tables_dpdk.c.
 *
 * Readers are the worker lcores.  They never take a lock.  In the hashes a
 * writer publishes a new value whole (one pointer-sized store) and frees
 * the old one only after every worker has reported a quiescent state
 * (rte_rcu_qsbr), which workers do once per turn of their polling loop: a
 * value returned here is valid until the worker's next quiescent report,
 * i.e. for the whole burst.  Flat-table entries are copied out instead,
 * so they need no grace period.
 */
#ifndef ALKAID_PLATFORM_DPDK_H
#define ALKAID_PLATFORM_DPDK_H

#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_hash.h>
#include <rte_lpm6.h>
#include <rte_mbuf.h>

#include "../flat.h"
#include "../model.h"
#include "../proto.h"
#include "../verdict.h"

/* One per lcore, summed on read: a worker never shares a cache line. */
struct alk_dp_counters {
	uint64_t reason[ALK_R_MAX];
} __rte_cache_aligned;

/*
 * Networks: an LPM over 128-bit keys of which the first 24 bits are the
 * VNI and the next 32 the address (prefix length 24 + plen), so that the
 * VNI indexes the LPM's first level directly.  The next hop is the slot of
 * the network's value in vals.  rte_lpm6 has no lock-free readers, so there
 * are two instances: the writer changes the one no worker reads, swaps,
 * waits for a quiescent period and changes the other.
 */
struct alk_dp_networks {
	struct rte_lpm6 *lpm;
	struct alk_network *vals;
};

#define ALK_DPDK_LPM_DEPTH(plen) (24 + (plen))

/* The gateway as seen from each port: the same but for the MAC, which is
 * the port's own unless the operator fixed one. */
struct alk_dp_gateway {
	struct alk_gateway port[RTE_MAX_ETHPORTS];
};

/* A flat table in DPDK memory: the head is its bucket 0. */
struct alk_dp_flat {
	const uint8_t *mem;
	const struct alk_flat_head *head;
};

/* The tables as the workers read them. */
struct alk_dp_tables {
	struct alk_dp_flat endpoints;
	struct alk_dp_flat dhcp;
	struct rte_hash *vpcs;	    /* data: struct alk_vpc *, out of line */
	struct rte_hash *neighbors; /* data: struct alk_neighbor, in the word */
	struct alk_dp_networks *networks; /* RCU-swapped */
	struct alk_dp_gateway *gateway;	  /* RCU-swapped; NULL until set */
	struct alk_dp_counters *counters; /* [RTE_MAX_LCORE] */
	/* bumped after every change of the neighbors: worker caches of
	 * them are good while it stays the same */
	uint64_t neighbor_gen;
};

/*
 * Neighbor values live in the hash's data word itself: replacing one is a
 * single atomic store and needs no reclamation.  The lookup copies the
 * word into the context and returns a pointer to the copy, valid until the
 * next neighbor lookup.
 */
_Static_assert(sizeof(struct alk_neighbor) <= sizeof(void *),
	       "neighbor values must fit in the hash's data word");

union alk_dp_word {
	void *data;
	struct alk_neighbor neighbor;
};

/*
 * A worker's copy of the neighbors it sends to, direct-mapped by address.
 * Every transmitted frame needs its next hop's MAC, and a few hundred hosts
 * take most frames: a hit costs a compare instead of a hash lookup.  The
 * cache is emptied when neighbor_gen moves, checked once per burst, so a
 * burst sees the neighbors as they were at its start or later, as with
 * the hash itself.
 */
#define ALK_DP_NB_CACHE_BITS 10
#define ALK_DP_NB_CACHE (1u << ALK_DP_NB_CACHE_BITS)

struct alk_dp_nb_cache {
	uint64_t gen;
	struct {
		__be32 ip; /* 0: empty (never a neighbor: not unicast) */
		struct alk_neighbor nb;
	} slot[ALK_DP_NB_CACHE];
};

/* One burst on one worker. */
struct alk_ctx {
	const struct alk_dp_tables *tables;
	uint64_t *counters;		  /* this lcore's row */
	struct alk_dp_nb_cache *nb_cache; /* this worker's, or NULL */
	struct rte_mbuf *m;		  /* the frame being acted on */
	uint16_t port;
	union alk_dp_word nb_copy;
	struct alk_dp_bucket *dp_bucket; /* this worker's, or NULL */
};

/* counters: the lcore's row of tables->counters */
ALK_INLINE void alk_dpdk_ctx_init(struct alk_ctx *ctx,
				  const struct alk_dp_tables *tables,
				  uint64_t *counters,
				  struct alk_dp_nb_cache *nb_cache,
				  uint16_t port)
{
	ctx->tables = tables;
	ctx->counters = counters;
	ctx->nb_cache = nb_cache;
	ctx->m = NULL;
	ctx->port = port;
	ctx->dp_bucket = NULL;
	if (nb_cache) {
		uint64_t gen = __atomic_load_n(&tables->neighbor_gen,
					       __ATOMIC_ACQUIRE);

		if (unlikely(gen != nb_cache->gen)) {
			memset(nb_cache->slot, 0, sizeof(nb_cache->slot));
			nb_cache->gen = gen;
		}
	}
}

ALK_INLINE const struct alk_gateway *alk_plat_gateway(struct alk_ctx *ctx)
{
	const struct alk_dp_gateway *gw =
		__atomic_load_n(&ctx->tables->gateway, __ATOMIC_ACQUIRE);

	return gw ? &gw->port[ctx->port] : NULL;
}

ALK_INLINE const void *alk_plat_bucket(struct alk_ctx *ctx, enum alk_table tbl,
				       __u32 idx)
{
	/* tbl is a constant wherever the core calls this: no branch left */
	const struct alk_dp_flat *f = tbl == ALK_T_ENDPOINT ?
					      &ctx->tables->endpoints :
					      &ctx->tables->dhcp;

	if (unlikely(idx > f->head->nbuckets))
		return NULL;
	return f->mem + (size_t)idx * ALK_FLAT_BUCKET;
}

ALK_INLINE void alk_dpdk_lpm_key(uint8_t key[16], __u32 vni, __be32 ip)
{
	memset(key, 0, 16);
	key[0] = vni >> 16;
	key[1] = vni >> 8;
	key[2] = vni;
	memcpy(key + 3, &ip, 4);
}

ALK_INLINE const struct alk_network *alk_plat_network(struct alk_ctx *ctx,
						      __u32 vni, __be32 ip)
{
	const struct alk_dp_networks *nets =
		__atomic_load_n(&ctx->tables->networks, __ATOMIC_ACQUIRE);
	uint8_t key[16];
	uint32_t slot;

	alk_dpdk_lpm_key(key, vni, ip);
	if (rte_lpm6_lookup(nets->lpm, key, &slot))
		return NULL;
	return &nets->vals[slot];
}

ALK_INLINE const struct alk_vpc *alk_plat_vpc(struct alk_ctx *ctx, __u32 vni)
{
	struct alk_vpc_key k = { .vni = vni };
	void *v;

	if (rte_hash_lookup_data(ctx->tables->vpcs, &k, &v) < 0)
		return NULL;
	return (const struct alk_vpc *)v;
}

ALK_INLINE const struct alk_neighbor *alk_plat_neighbor(struct alk_ctx *ctx,
							__be32 ip)
{
	struct alk_neighbor_key k = { .ip = ip };
	struct alk_dp_nb_cache *c = ctx->nb_cache;
	uint32_t i = 0;

	if (!ip) /* what empty slots hold */
		c = NULL;
	if (c) {
		i = (alk_ntohl(ip) * 0x9e3779b1u) >>
		    (32 - ALK_DP_NB_CACHE_BITS);
		if (c->slot[i].ip == ip)
			return &c->slot[i].nb;
	}
	if (rte_hash_lookup_data(ctx->tables->neighbors, &k,
				 &ctx->nb_copy.data) < 0)
		return NULL;
	if (!c)
		return &ctx->nb_copy.neighbor;
	c->slot[i].ip = ip;
	c->slot[i].nb = ctx->nb_copy.neighbor;
	return &c->slot[i].nb;
}

/* The core's view of an mbuf: its first segment, and the bytes of the
 * others (RX scatter) counted in the frame's length. */
ALK_INLINE void alk_dpdk_pkt(struct alk_pkt *pkt, const struct rte_mbuf *m)
{
	pkt->data = rte_pktmbuf_mtod(m, __u8 *);
	pkt->end = pkt->data + rte_pktmbuf_data_len(m);
	pkt->nonlinear = rte_pktmbuf_pkt_len(m) - rte_pktmbuf_data_len(m);
}

/* Cut a frame to len bytes, freeing the segments past them. */
ALK_INLINE void alk_dpdk_cut(struct rte_mbuf *m, uint32_t len)
{
	struct rte_mbuf *seg = m;
	uint32_t at = 0;
	uint16_t nseg = 1;

	while (seg->next && at + seg->data_len < len) {
		at += seg->data_len;
		seg = seg->next;
		nseg++;
	}
	seg->data_len = (uint16_t)(len - at);
	m->pkt_len = len;
	m->nb_segs = nseg;
	if (seg->next) {
		rte_pktmbuf_free(seg->next);
		seg->next = NULL;
	}
}

/* The frame grows at the tail of its last segment, within that mbuf's
 * room; it shrinks from the tail, the segments emptied freed (a DHCP reply
 * to a chained request is one segment again). */
ALK_INLINE int alk_plat_resize(struct alk_ctx *ctx, struct alk_pkt *pkt,
			       int delta)
{
	struct rte_mbuf *m = ctx->m;

	if (delta > 0 && !rte_pktmbuf_append(m, (uint16_t)delta))
		return -1;
	if (delta < 0) {
		if ((uint32_t)-delta > rte_pktmbuf_pkt_len(m))
			return -1;
		alk_dpdk_cut(m, rte_pktmbuf_pkt_len(m) - (uint32_t)-delta);
	}
	alk_dpdk_pkt(pkt, m);
	return 0;
}

ALK_INLINE void alk_plat_count(struct alk_ctx *ctx, enum alk_reason r)
{
	ctx->counters[r]++;
}

ALK_INLINE struct alk_dp_bucket *alk_plat_dp_bucket(struct alk_ctx *ctx)
{
	return ctx->dp_bucket;
}

/* The TSC in nanoseconds; only frames that ask for the direct path pay
 * the divisions. */
ALK_INLINE __u64 alk_plat_now_ns(struct alk_ctx *ctx)
{
	uint64_t tsc = rte_get_tsc_cycles(), hz = rte_get_tsc_hz();

	return tsc / hz * NS_PER_S + tsc % hz * NS_PER_S / hz;
}

/* The contract, declared after the definitions: a signature that differs
 * from it fails to compile here (platform.h says why in this order). */
#include "../platform.h"

#endif
