/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DPDK platform of the host agent's core (core/agent.h): the frame an mbuf
 * of one segment, grown at its head with rte_pktmbuf_prepend() and shrunk
 * with rte_pktmbuf_adj(); the tables in rte_hash (exact keys, values in
 * arrays at the position the hash gives) and rte_lpm6 (the networks, keyed
 * as on the gateway's DPDK back end); the clock the caller's, read once a
 * burst (alk_dpdk_agent_clock_ns()).  Ports are DPDK port ids: the
 * underlay's is the conf's underlay_ifindex, an endpoint's its port's
 * ifindex.
 *
 * What a DPDK agent would need and this is not: the direct-path cache is
 * written by the data path, so one lcore writes it (or it is made with
 * RTE_HASH_EXTRA_FLAGS_MULTI_WRITER_ADD); the outer MACs are the core's
 * (no neighbor table for the next hop); a full cache keeps its entries
 * (BPF's LRU map would evict one).
 */
#ifndef ALKAID_PLATFORM_DPDK_AGENT_H
#define ALKAID_PLATFORM_DPDK_AGENT_H

#include <stdint.h>
#include <string.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_hash.h>
#include <rte_lpm6.h>
#include <rte_mbuf.h>

#include "../model.h"
#include "../proto.h"
#include "../verdict.h"

/* The agent's tables: each hash's values at the position it gives a key. */
struct alk_dpdk_agent_tables {
	struct alk_gateway self;
	struct alk_agent_conf conf;
	int has_self, has_conf;
	struct rte_hash *ports; /* __u32 port -> port_vals */
	struct alk_port *port_vals;
	struct rte_hash *local_ip; /* alk_endpoint_key -> local_ip_vals */
	struct alk_local *local_ip_vals;
	struct rte_hash *local_mac; /* alk_dhcp_key -> local_mac_vals */
	struct alk_local *local_mac_vals;
	struct rte_lpm6 *networks; /* vni:ip -> net_vals[next hop] */
	struct alk_network *net_vals;
	struct rte_hash *trusted; /* __be32, the key alone */
	struct rte_hash *dp;	  /* alk_endpoint_key -> dp_vals */
	struct alk_dp_entry *dp_vals;
};

/* One frame on one lcore. */
struct alk_ctx {
	struct alk_dpdk_agent_tables *tables;
	uint64_t *counters; /* this lcore's row, ALK_R_MAX of them */
	struct rte_mbuf *m;
	__u64 now_ns;
};

/* The TSC in nanoseconds, for alk_ctx.now_ns. */
ALK_INLINE __u64 alk_dpdk_agent_clock_ns(void)
{
	uint64_t tsc = rte_get_tsc_cycles(), hz = rte_get_tsc_hz();

	return tsc / hz * NS_PER_S + tsc % hz * NS_PER_S / hz;
}

/* The networks' key: 24 bits of VNI, then the address (depth 24 + plen). */
ALK_INLINE void alk_dpdk_agent_lpm_key(uint8_t key[16], __u32 vni, __be32 ip)
{
	memset(key, 0, 16);
	key[0] = (uint8_t)(vni >> 16);
	key[1] = (uint8_t)(vni >> 8);
	key[2] = (uint8_t)vni;
	memcpy(key + 3, &ip, 4);
}

ALK_INLINE const struct alk_gateway *alk_plat_gateway(struct alk_ctx *ctx)
{
	return ctx->tables->has_self ? &ctx->tables->self : NULL;
}

ALK_INLINE const struct alk_agent_conf *alk_plat_agent(struct alk_ctx *ctx)
{
	return ctx->tables->has_conf ? &ctx->tables->conf : NULL;
}

ALK_INLINE const struct alk_network *alk_plat_network(struct alk_ctx *ctx,
						      __u32 vni, __be32 ip)
{
	uint8_t key[16];
	uint32_t slot;

	alk_dpdk_agent_lpm_key(key, vni, ip);
	if (rte_lpm6_lookup(ctx->tables->networks, key, &slot))
		return NULL;
	return &ctx->tables->net_vals[slot];
}

ALK_INLINE int alk_plat_trusted(struct alk_ctx *ctx, __be32 ip)
{
	return rte_hash_lookup(ctx->tables->trusted, &ip) >= 0;
}

ALK_INLINE const struct alk_port *alk_plat_port(struct alk_ctx *ctx,
						__u32 ifindex)
{
	int32_t pos = rte_hash_lookup(ctx->tables->ports, &ifindex);

	return pos < 0 ? NULL : &ctx->tables->port_vals[pos];
}

ALK_INLINE const struct alk_local *alk_plat_local_ip(struct alk_ctx *ctx,
						     __u32 vni, __be32 ip)
{
	struct alk_endpoint_key k = { .vni = vni, .ip = ip };
	int32_t pos = rte_hash_lookup(ctx->tables->local_ip, &k);

	return pos < 0 ? NULL : &ctx->tables->local_ip_vals[pos];
}

ALK_INLINE const struct alk_local *
alk_plat_local_mac(struct alk_ctx *ctx, __u32 vni, const __u8 *mac)
{
	struct alk_dhcp_key k = { .vni = vni };
	int32_t pos;

	memcpy(k.mac, mac, 6);
	pos = rte_hash_lookup(ctx->tables->local_mac, &k);
	return pos < 0 ? NULL : &ctx->tables->local_mac_vals[pos];
}

ALK_INLINE struct alk_dp_entry *alk_plat_dp(struct alk_ctx *ctx, __u32 vni,
					    __be32 ip)
{
	struct alk_endpoint_key k = { .vni = vni, .ip = ip };
	int32_t pos = rte_hash_lookup(ctx->tables->dp, &k);

	return pos < 0 ? NULL : &ctx->tables->dp_vals[pos];
}

ALK_INLINE void alk_plat_dp_put(struct alk_ctx *ctx, __u32 vni, __be32 ip,
				const struct alk_dp_entry *e)
{
	struct alk_endpoint_key k = { .vni = vni, .ip = ip };
	int32_t pos = rte_hash_add_key(ctx->tables->dp, &k);

	if (pos >= 0)
		ctx->tables->dp_vals[pos] = *e;
}

ALK_INLINE __u64 alk_plat_now_ns(struct alk_ctx *ctx)
{
	return ctx->now_ns;
}

/* One segment: the room is the mbuf's headroom. */
/* a frame here is one frame on the wire */
ALK_INLINE int alk_plat_segmented(struct alk_ctx *ctx)
{
	return 0;
}

ALK_INLINE int alk_plat_push(struct alk_ctx *ctx, struct alk_pkt *pkt,
			     __u32 len)
{
	struct rte_mbuf *m = ctx->m;

	if (len > UINT16_MAX || !rte_pktmbuf_prepend(m, (uint16_t)len))
		return -1;
	pkt->data = rte_pktmbuf_mtod(m, __u8 *);
	pkt->end = pkt->data + rte_pktmbuf_data_len(m);
	return 0;
}

ALK_INLINE int alk_plat_pull(struct alk_ctx *ctx, struct alk_pkt *pkt,
			     __u32 len)
{
	struct rte_mbuf *m = ctx->m;

	if (len > UINT16_MAX || !rte_pktmbuf_adj(m, (uint16_t)len))
		return -1;
	pkt->data = rte_pktmbuf_mtod(m, __u8 *);
	pkt->end = pkt->data + rte_pktmbuf_data_len(m);
	return 0;
}

ALK_INLINE void alk_plat_count(struct alk_ctx *ctx, enum alk_reason r)
{
	ctx->counters[r]++;
}

/* The contract, declared after the definitions (platform.h says why). */
#include "../agent_platform.h"
#include "../agent.h"

/*
 * One frame through the agent, as a worker runs it: the hook is the port
 * it came in on (m->port: the underlay's, else an endpoint's), the reason
 * counted and returned.  For a frame to transmit, *out_port is where it
 * goes: the endpoint's port (agent_local, agent_deliver), or the underlay.
 * Pass is a counted drop, as on the gateway's DPDK back end.
 */
ALK_INLINE int alk_dpdk_agent_process(struct alk_ctx *ctx, struct rte_mbuf *m,
				      __u32 *out_port)
{
	const struct alk_agent_conf *conf = alk_plat_agent(ctx);
	struct alk_pkt pkt = {
		.data = rte_pktmbuf_mtod(m, __u8 *),
		.end = rte_pktmbuf_mtod(m, __u8 *) + rte_pktmbuf_data_len(m),
	};
	__u32 ifindex = 0;
	int r;

	ctx->m = m;
	if (m->nb_segs != 1)
		r = ALK_R_resize_failed; /* (scattered RX is not asked for) */
	else if (!conf)
		r = ALK_R_not_for_us;
	else if (m->port == conf->underlay_ifindex)
		r = alk_agent_ingress(ctx, &pkt, rte_pktmbuf_pkt_len(m),
				      &ifindex);
	else
		r = alk_agent_egress(ctx, &pkt, rte_pktmbuf_pkt_len(m), m->port,
				     &ifindex);
	if (r == ALK_R_agent_local || r == ALK_R_agent_deliver)
		*out_port = ifindex;
	else if (alk_reason_verdict((enum alk_reason)r) == ALK_TX)
		*out_port = conf->underlay_ifindex;
	alk_plat_count(ctx, (enum alk_reason)r);
	return r;
}

#endif
