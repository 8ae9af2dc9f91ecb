/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The platform contract: what the core asks of a target.  The core sees
 * `struct alk_ctx` only as an incomplete type and calls the functions
 * declared here.  A target includes one shim from core/platform/ before
 * any other core header; the shim completes the struct and defines every
 * function as static always-inline (ALK_INLINE), then includes this file.
 *
 * Lookups return NULL on a miss.  Returned values are read-only and stay
 * valid until the packet is finished (RCU on XDP, QSBR on DPDK).  The
 * endpoints and the DHCP index are flat tables (flat.h) that the core
 * reads itself, bucket by bucket.
 *
 * Why plain declarations after static definitions: a declaration without a
 * storage class takes the linkage of a prior one (C11 6.2.2p4), so behind
 * a shim these name its static inline functions and the generated code is
 * what it always was, while without a shim (a core header compiled alone)
 * they declare external functions, which is all compiling needs.  Static
 * declarations here would not do: a static function used but never defined
 * is a warning in gcc that no option turns off.  A core header included
 * before the shim fails to compile ("static declaration follows
 * non-static"), and a target without a shim fails to link (to load, for
 * BPF) naming the missing function.
 */
#ifndef ALKAID_CORE_PLATFORM_H
#define ALKAID_CORE_PLATFORM_H

#include <linux/types.h>

#include "model.h"
#include "proto.h"
#include "verdict.h"

/* One frame (or burst) on one target: the shim's. */
struct alk_ctx;

const struct alk_gateway *alk_plat_gateway(struct alk_ctx *ctx);
/* Bucket idx of a flat table (core/flat.h: ALK_T_ENDPOINT or ALK_T_DHCP;
 * 0 is its head), or NULL past its end.  The core reads it as a seqlock
 * reader: it stays mapped, its contents may change under the reader. */
const void *alk_plat_bucket(struct alk_ctx *ctx, enum alk_table tbl, __u32 idx);
/* longest prefix of (vni, ip) */
const struct alk_network *alk_plat_network(struct alk_ctx *ctx, __u32 vni,
					   __be32 ip);
const struct alk_vpc *alk_plat_vpc(struct alk_ctx *ctx, __u32 vni);
const struct alk_neighbor *alk_plat_neighbor(struct alk_ctx *ctx, __be32 ip);

/* Grow (delta > 0) or shrink the frame at its tail; on success re-derive
 * pkt->data and pkt->end and return 0. */
int alk_plat_resize(struct alk_ctx *ctx, struct alk_pkt *pkt, int delta);

/* One per-CPU (per-lcore) counter per reason. */
void alk_plat_count(struct alk_ctx *ctx, enum alk_reason r);

/*
 * Direct path (core/direct.h): the token bucket of this CPU (lcore) that
 * limits the frames returned to their asker, or NULL (none returned), and
 * the time it runs on, in nanoseconds from any fixed origin.  Only the
 * CPU that owns a bucket touches it (struct alk_dp_bucket: model.h).
 */
struct alk_dp_bucket *alk_plat_dp_bucket(struct alk_ctx *ctx);
__u64 alk_plat_now_ns(struct alk_ctx *ctx);

#endif
