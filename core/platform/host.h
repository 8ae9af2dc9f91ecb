/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Host platform: the core over an ordinary buffer and the in-memory tables
 * of tables/host.c.  Used by unit tests, the golden-packet host runner and
 * the fuzzer; not a data plane.
 */
#ifndef ALKAID_PLATFORM_HOST_H
#define ALKAID_PLATFORM_HOST_H

#include "../model.h"
#include "../proto.h"
#include "../verdict.h"

struct alk_tables;

/* tables/host.c */
const void *alk_host_lookup(struct alk_tables *t, enum alk_table tbl,
			    const void *key);
const struct alk_network *alk_host_network_match(struct alk_tables *t,
						 __u32 vni, __be32 ip);
const struct alk_gateway *alk_host_gateway(struct alk_tables *t);
const void *alk_host_bucket(struct alk_tables *t, enum alk_table tbl,
			    __u32 idx);
void alk_host_count(struct alk_tables *t, enum alk_reason r);

/* The bucket and the clock of the direct path are the context's, so that
 * a run is deterministic: a fresh context has a full bucket at time 0,
 * and a test moves the time or empties the bucket itself. */
struct alk_ctx {
	struct alk_tables *tables;
	__u32 capacity; /* bytes the frame's buffer holds from pkt->data */
	__u64 now_ns;
	struct alk_dp_bucket dp_bucket;
};

ALK_INLINE const struct alk_gateway *alk_plat_gateway(struct alk_ctx *ctx)
{
	return alk_host_gateway(ctx->tables);
}

ALK_INLINE const void *alk_plat_bucket(struct alk_ctx *ctx, enum alk_table tbl,
				       __u32 idx)
{
	return alk_host_bucket(ctx->tables, tbl, idx);
}

ALK_INLINE const struct alk_network *alk_plat_network(struct alk_ctx *ctx,
						      __u32 vni, __be32 ip)
{
	return alk_host_network_match(ctx->tables, vni, ip);
}

ALK_INLINE const struct alk_vpc *alk_plat_vpc(struct alk_ctx *ctx, __u32 vni)
{
	struct alk_vpc_key k = { .vni = vni };

	return (const struct alk_vpc *)alk_host_lookup(ctx->tables, ALK_T_VPC,
						       &k);
}

ALK_INLINE const struct alk_neighbor *alk_plat_neighbor(struct alk_ctx *ctx,
							__be32 ip)
{
	struct alk_neighbor_key k = { .ip = ip };

	return (const struct alk_neighbor *)alk_host_lookup(ctx->tables,
							    ALK_T_NEIGHBOR, &k);
}

ALK_INLINE int alk_plat_resize(struct alk_ctx *ctx, struct alk_pkt *pkt,
			       int delta)
{
	long linear = pkt->end - pkt->data;
	long len = linear + pkt->nonlinear + delta;

	if (len < 0 || len > (long)ctx->capacity)
		return -1;
	/* as XDP's adjust_tail: a frame in fragments changes at its last
	 * one, and shrinks into the linear part once they are all gone */
	if (pkt->nonlinear && len >= linear) {
		pkt->nonlinear = len - linear;
		return 0;
	}
	pkt->nonlinear = 0;
	pkt->end = pkt->data + len;
	return 0;
}

ALK_INLINE void alk_plat_count(struct alk_ctx *ctx, enum alk_reason r)
{
	alk_host_count(ctx->tables, r);
}

ALK_INLINE struct alk_dp_bucket *alk_plat_dp_bucket(struct alk_ctx *ctx)
{
	return &ctx->dp_bucket;
}

ALK_INLINE __u64 alk_plat_now_ns(struct alk_ctx *ctx)
{
	return ctx->now_ns;
}

/* The contract, declared after the definitions: a signature that differs
 * from it fails to compile here (platform.h says why in this order). */
#include "../platform.h"

#endif
