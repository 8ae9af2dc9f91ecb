/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The host agent's platform contract (core/agent.h), in the manner of
 * platform.h (which says why declarations follow a shim's definitions):
 * the agent's tables, its clock, and growing or shrinking the frame at its
 * head.  A target of the agent includes its shim (core/platform/tc.h,
 * xdp_agent.h, dpdk_agent.h, host_agent.h) before any core header.
 */
#ifndef ALKAID_CORE_AGENT_PLATFORM_H
#define ALKAID_CORE_AGENT_PLATFORM_H

#include <linux/types.h>

#include "model.h"
#include "proto.h"
#include "verdict.h"

struct alk_ctx;

/* This host on the underlay: its address, MAC and tunnel ports. */
const struct alk_gateway *alk_plat_gateway(struct alk_ctx *ctx);
const struct alk_agent_conf *alk_plat_agent(struct alk_ctx *ctx);
const struct alk_network *alk_plat_network(struct alk_ctx *ctx, __u32 vni,
					   __be32 ip);
/* Whether ip is a gateway the agent was told to trust besides the
 * bouncers of its networks (dividers' bouncers, a fleet's gateways). */
int alk_plat_trusted(struct alk_ctx *ctx, __be32 ip);
/* The local endpoint behind the port ifindex, and the two indexes. */
const struct alk_port *alk_plat_port(struct alk_ctx *ctx, __u32 ifindex);
const struct alk_local *alk_plat_local_ip(struct alk_ctx *ctx, __u32 vni,
					  __be32 ip);
const struct alk_local *alk_plat_local_mac(struct alk_ctx *ctx, __u32 vni,
					   const __u8 *mac);
/* The direct-path cache: an entry to read or change in place, and a new
 * (or replaced) entry. */
struct alk_dp_entry *alk_plat_dp(struct alk_ctx *ctx, __u32 vni, __be32 ip);
void alk_plat_dp_put(struct alk_ctx *ctx, __u32 vni, __be32 ip,
		     const struct alk_dp_entry *e);
__u64 alk_plat_now_ns(struct alk_ctx *ctx);
/* Whether the frame leaves in segments (GSO): an option added to it is
 * then added to each segment, which the platform sizes to fit the MTU. */
int alk_plat_segmented(struct alk_ctx *ctx);

/* Grow the frame by len bytes at its head (room for outer headers), or
 * remove its first len bytes (the outer headers); on success re-derive
 * pkt->data and pkt->end and return 0. */
int alk_plat_push(struct alk_ctx *ctx, struct alk_pkt *pkt, __u32 len);
int alk_plat_pull(struct alk_ctx *ctx, struct alk_pkt *pkt, __u32 len);

void alk_plat_count(struct alk_ctx *ctx, enum alk_reason r);

#endif
