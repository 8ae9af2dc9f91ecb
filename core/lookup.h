/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Lookups in the flat tables (flat.h) through the platform: the core walks
 * a key's buckets itself, copying the value out as a seqlock reader, so
 * every back end runs the same lookup over the same bytes.  A target
 * includes its shim first (platform.h).
 */
#ifndef ALKAID_CORE_LOOKUP_H
#define ALKAID_CORE_LOOKUP_H

#include <linux/types.h>

#include "flat.h"
#include "model.h"
#include "platform.h"
#include "proto.h"

/*
 * A key's buckets from its home on, at most ALK_FLAT_PROBES of them:
 * ALK_FLAT_FOUND with *out filled, ALK_FLAT_ABSENT, or ALK_FLAT_BUSY (the
 * writer kept changing a bucket; the caller ends the frame `table_busy`
 * rather than take a miss it cannot trust).
 */
#define ALK_FLAT_PROBE_FROM(name, tbl, bucket_t, key_t, val_t, bucket_probe)   \
	ALK_INLINE enum alk_flat_probe name(                                   \
		struct alk_ctx *ctx, const struct alk_flat_head *h, __u32 b,   \
		const key_t *k, val_t *out)                                    \
	{                                                                      \
		ALK_UNROLL                                                     \
		for (int i = 0; i < ALK_FLAT_PROBES; i++) {                    \
			const bucket_t *bk = alk_plat_bucket(ctx, tbl, b);     \
			enum alk_flat_probe r;                                 \
                                                                               \
			if (!bk)                                               \
				return ALK_FLAT_ABSENT;                        \
			r = bucket_probe(bk, k, out);                          \
			if (r != ALK_FLAT_FURTHER)                             \
				return r;                                      \
			b = alk_flat_next(h, b);                               \
		}                                                              \
		return ALK_FLAT_ABSENT;                                        \
	}

ALK_FLAT_PROBE_FROM(alk_flat_endpoint_from, ALK_T_ENDPOINT,
		    struct alk_ep_bucket, struct alk_endpoint_key,
		    struct alk_endpoint, alk_ep_bucket_probe)
ALK_FLAT_PROBE_FROM(alk_flat_dhcp_from, ALK_T_DHCP, struct alk_dhcp_bucket,
		    struct alk_dhcp_key, struct alk_dhcp, alk_dhcp_bucket_probe)

/* The head of a table, or NULL when it has none (not made yet). */
ALK_INLINE const struct alk_flat_head *alk_flat_head(struct alk_ctx *ctx,
						     enum alk_table tbl)
{
	const struct alk_flat_head *h = alk_plat_bucket(ctx, tbl, 0);

	return h && h->nbuckets ? h : 0;
}

ALK_INLINE enum alk_flat_probe
alk_flat_endpoint_walk(struct alk_ctx *ctx, const struct alk_endpoint_key *k,
		       struct alk_endpoint *out)
{
	const struct alk_flat_head *h = alk_flat_head(ctx, ALK_T_ENDPOINT);

	if (!h)
		return ALK_FLAT_ABSENT;
	return alk_flat_endpoint_from(
		ctx, h, alk_flat_home(h, alk_endpoint_hash(k, h->seed)), k,
		out);
}

ALK_INLINE enum alk_flat_probe alk_flat_dhcp_walk(struct alk_ctx *ctx,
						  const struct alk_dhcp_key *k,
						  struct alk_dhcp *out)
{
	const struct alk_flat_head *h = alk_flat_head(ctx, ALK_T_DHCP);

	if (!h)
		return ALK_FLAT_ABSENT;
	return alk_flat_dhcp_from(
		ctx, h, alk_flat_home(h, alk_dhcp_hash(k, h->seed)), k, out);
}

/*
 * BPF: the walk of up to ALK_FLAT_PROBES buckets is a global function,
 * which the verifier checks once, on its own, instead of at each call site
 * with every state the caller may be in: inlined at the four call sites it
 * takes more than the verifier's million instructions.  A global function
 * gets no context (the BPF shims' tables are maps, reached without one),
 * its pointer arguments may be NULL for the verifier, and the memory they
 * point to must be initialised.
 */
#ifdef __bpf__
#define ALK_FLAT_LOOKUP_BPF(name, walk, key_t, val_t)                          \
	__attribute__((noinline)) int walk##_bpf(const key_t *k, val_t *out)   \
	{                                                                      \
		if (!k || !out)                                                \
			return ALK_FLAT_ABSENT;                                \
		return walk(0, k, out);                                        \
	}                                                                      \
	ALK_INLINE enum alk_flat_probe name(struct alk_ctx *ctx,               \
					    const key_t *k, val_t *out)        \
	{                                                                      \
		*out = (val_t){ 0 };                                           \
		return (enum alk_flat_probe)walk##_bpf(k, out);                \
	}
#else
#define ALK_FLAT_LOOKUP_BPF(name, walk, key_t, val_t)                          \
	ALK_INLINE enum alk_flat_probe name(struct alk_ctx *ctx,               \
					    const key_t *k, val_t *out)        \
	{                                                                      \
		return walk(ctx, k, out);                                      \
	}
#endif

ALK_FLAT_LOOKUP_BPF(alk_flat_endpoint, alk_flat_endpoint_walk,
		    struct alk_endpoint_key, struct alk_endpoint)
ALK_FLAT_LOOKUP_BPF(alk_flat_dhcp, alk_flat_dhcp_walk, struct alk_dhcp_key,
		    struct alk_dhcp)

#endif
