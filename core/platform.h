/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The platform contract.  A target includes exactly one shim from
 * core/platform/ before core/alkaid.h; the shim defines `struct alk_ctx`
 * and these functions, all always-inline:
 *
 *   const struct alk_gateway  *alk_plat_gateway(struct alk_ctx *);
 *   const struct alk_endpoint *alk_plat_endpoint(struct alk_ctx *,
 *                                   const struct alk_endpoint_key *);
 *   const struct alk_network  *alk_plat_network(struct alk_ctx *,
 *                                   __u32 vni, __be32 ip);   longest prefix
 *   const struct alk_vpc      *alk_plat_vpc(struct alk_ctx *, __u32 vni);
 *   const struct alk_neighbor *alk_plat_neighbor(struct alk_ctx *, __be32);
 *   const struct alk_dhcp     *alk_plat_dhcp(struct alk_ctx *,
 *                                   const struct alk_dhcp_key *);
 *   int  alk_plat_resize(struct alk_ctx *, struct alk_pkt *, int delta);
 *        grow (delta > 0) or shrink the frame at its tail; on success
 *        re-derive pkt->data and pkt->end and return 0.
 *   void alk_plat_count(struct alk_ctx *, enum alk_reason);
 *        one per-CPU (per-lcore) counter per reason.
 *
 * Lookups return NULL on a miss.  Returned values are read-only and stay
 * valid until the packet is finished (RCU on XDP, QSBR on DPDK).
 */
#ifndef ALKAID_CORE_PLATFORM_H
#define ALKAID_CORE_PLATFORM_H

#include "proto.h"
#include "model.h"
#include "verdict.h"

/* A cursor over the frame: [data, end). */
struct alk_pkt {
	__u8 *data;
	__u8 *end;
};

#endif
