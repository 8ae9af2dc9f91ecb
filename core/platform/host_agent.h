/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Host platform of the agent's core (core/agent.h): small in-memory tables
 * scanned in order, the clock and the frame's buffer in the context.  For
 * the golden-packet runner and unit tests; not a data plane.  The two
 * indexes of the ports ((vni, ip) and (vni, mac)) are scans of the ports.
 */
#ifndef ALKAID_PLATFORM_HOST_AGENT_H
#define ALKAID_PLATFORM_HOST_AGENT_H

#include <string.h>

#include "../model.h"
#include "../proto.h"
#include "../verdict.h"

#ifndef ALK_HOST_AGENT_MAX
#define ALK_HOST_AGENT_MAX 32 /* ports, networks, cache entries */
#endif

struct alk_host_agent_port {
	__u32 ifindex;
	struct alk_port port;
	struct alk_local local; /* what both indexes give for it */
};

struct alk_host_agent_network {
	__u32 vni;
	__be32 prefix;
	__u32 plen;
	struct alk_network net;
};

struct alk_host_agent_dp {
	__u32 vni;
	__be32 ip;
	struct alk_dp_entry entry;
};

struct alk_host_agent {
	struct alk_gateway self;
	struct alk_agent_conf conf;
	int has_self, has_conf;
	struct alk_host_agent_port ports[ALK_HOST_AGENT_MAX];
	struct alk_host_agent_network nets[ALK_HOST_AGENT_MAX];
	struct alk_host_agent_dp dp[ALK_HOST_AGENT_MAX];
	__be32 trusted[ALK_HOST_AGENT_MAX];
	unsigned int nports, nnets, ndp, ntrusted;
	__u64 stats[ALK_R_MAX];
};

struct alk_ctx {
	struct alk_host_agent *tables;
	__u8 *head; /* the buffer's start: room to push down to */
	__u64 now_ns;
};

ALK_INLINE const struct alk_gateway *alk_plat_gateway(struct alk_ctx *ctx)
{
	return ctx->tables->has_self ? &ctx->tables->self : 0;
}

ALK_INLINE const struct alk_agent_conf *alk_plat_agent(struct alk_ctx *ctx)
{
	return ctx->tables->has_conf ? &ctx->tables->conf : 0;
}

ALK_INLINE __u32 alk_host_agent_mask(__u32 plen)
{
	return plen ? ~0u << (32 - plen) : 0;
}

/* The longest prefix of (vni, ip). */
ALK_INLINE const struct alk_network *alk_plat_network(struct alk_ctx *ctx,
						      __u32 vni, __be32 ip)
{
	const struct alk_host_agent_network *best = 0;

	for (unsigned int i = 0; i < ctx->tables->nnets; i++) {
		const struct alk_host_agent_network *n = &ctx->tables->nets[i];
		__u32 mask = alk_host_agent_mask(n->plen);

		if (n->vni == vni &&
		    (alk_ntohl(ip) & mask) == (alk_ntohl(n->prefix) & mask) &&
		    (!best || n->plen > best->plen))
			best = n;
	}
	return best ? &best->net : 0;
}

ALK_INLINE int alk_plat_trusted(struct alk_ctx *ctx, __be32 ip)
{
	for (unsigned int i = 0; i < ctx->tables->ntrusted; i++)
		if (ctx->tables->trusted[i] == ip)
			return 1;
	return 0;
}

ALK_INLINE const struct alk_port *alk_plat_port(struct alk_ctx *ctx,
						__u32 ifindex)
{
	for (unsigned int i = 0; i < ctx->tables->nports; i++)
		if (ctx->tables->ports[i].ifindex == ifindex)
			return &ctx->tables->ports[i].port;
	return 0;
}

ALK_INLINE const struct alk_local *alk_plat_local_ip(struct alk_ctx *ctx,
						     __u32 vni, __be32 ip)
{
	for (unsigned int i = 0; i < ctx->tables->nports; i++) {
		const struct alk_host_agent_port *p = &ctx->tables->ports[i];

		if (p->port.vni == vni && p->port.ip == ip)
			return &p->local;
	}
	return 0;
}

ALK_INLINE const struct alk_local *
alk_plat_local_mac(struct alk_ctx *ctx, __u32 vni, const __u8 *mac)
{
	for (unsigned int i = 0; i < ctx->tables->nports; i++) {
		const struct alk_host_agent_port *p = &ctx->tables->ports[i];

		if (p->port.vni == vni && alk_mac_eq(p->port.mac, mac))
			return &p->local;
	}
	return 0;
}

ALK_INLINE struct alk_dp_entry *alk_plat_dp(struct alk_ctx *ctx, __u32 vni,
					    __be32 ip)
{
	for (unsigned int i = 0; i < ctx->tables->ndp; i++)
		if (ctx->tables->dp[i].vni == vni &&
		    ctx->tables->dp[i].ip == ip)
			return &ctx->tables->dp[i].entry;
	return 0;
}

/* A full cache drops the new entry (the BPF LRU map would evict one). */
ALK_INLINE void alk_plat_dp_put(struct alk_ctx *ctx, __u32 vni, __be32 ip,
				const struct alk_dp_entry *e)
{
	struct alk_dp_entry *old = alk_plat_dp(ctx, vni, ip);
	struct alk_host_agent *t = ctx->tables;

	if (old) {
		*old = *e;
	} else if (t->ndp < ALK_HOST_AGENT_MAX) {
		t->dp[t->ndp].vni = vni;
		t->dp[t->ndp].ip = ip;
		t->dp[t->ndp].entry = *e;
		t->ndp++;
	}
}

ALK_INLINE __u64 alk_plat_now_ns(struct alk_ctx *ctx)
{
	return ctx->now_ns;
}

/* The frame's buffer has room before pkt->data down to ctx->head. */
/* a frame here is one frame on the wire */
ALK_INLINE int alk_plat_segmented(struct alk_ctx *ctx)
{
	return 0;
}

ALK_INLINE int alk_plat_push(struct alk_ctx *ctx, struct alk_pkt *pkt,
			     __u32 len)
{
	if ((__u32)(pkt->data - ctx->head) < len)
		return -1;
	pkt->data -= len;
	return 0;
}

ALK_INLINE int alk_plat_pull(struct alk_ctx *ctx, struct alk_pkt *pkt,
			     __u32 len)
{
	if ((__u32)(pkt->end - pkt->data) < len)
		return -1;
	pkt->data += len;
	return 0;
}

ALK_INLINE void alk_plat_count(struct alk_ctx *ctx, enum alk_reason r)
{
	if ((unsigned int)r < ALK_R_MAX)
		ctx->tables->stats[r]++;
}

/* The contract, declared after the definitions (platform.h says why). */
#include "../agent_platform.h"

#endif
