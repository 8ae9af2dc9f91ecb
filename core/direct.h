/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The gateway side of the direct path (ARCHITECTURE.md, "Direct path"):
 * a host that asks, with a want option, where a destination lives gets
 * the answer written into that option in place (a location option of the
 * same size), on the ARP reply or on the frame itself, returned to it.
 * Returns are limited per CPU by a token bucket, kept as a GCRA: one time
 * stamp, the time at which the bucket will be full again.
 */
#ifndef ALKAID_CORE_DIRECT_H
#define ALKAID_CORE_DIRECT_H

#include <linux/types.h>

#include "lookup.h"
#include "model.h"
#include "parse.h"
#include "platform.h"
#include "proto.h"
#include "rewrite.h"
#include "verdict.h"

/* The want option, when the frame asks and the gateway answers; else
 * NULL.  The offset is bounded for the verifier: options end within
 * ALK_MAX_OUTER bytes. */
ALK_INLINE struct alk_geneve_opt *
alk_direct_wanted(struct alk_pkt *pkt, const struct alk_parsed *ps,
		  const struct alk_gateway *gw)
{
	struct alk_geneve_opt *o;
	__u32 off = ps->want_off;

	_Static_assert(ALK_MAX_OUTER < 0x200, "a want offset fits 9 bits");
	if (!off || !(gw->flags & ALK_GW_F_DIRECT_PATH))
		return 0;
	o = (struct alk_geneve_opt *)(pkt->data + (off & 0x1ff));
	if ((__u8 *)(o + 1) + sizeof(struct alk_opt_location) > pkt->end)
		return 0;
	return o;
}

/* One token of this CPU's bucket: dp_rate a second, dp_burst at once. */
ALK_INLINE int alk_direct_token(struct alk_ctx *ctx,
				const struct alk_gateway *gw)
{
	struct alk_dp_bucket *b;
	__u64 now, step, tat;

	if (!gw->dp_rate || !gw->dp_burst)
		return 0;
	b = alk_plat_dp_bucket(ctx);
	if (!b)
		return 0;
	now = alk_plat_now_ns(ctx);
	step = 1000000000ull / gw->dp_rate;
	tat = b->tat_ns > now ? b->tat_ns : now;
	if (tat + step - now > (__u64)gw->dp_burst * step)
		return 0;
	b->tat_ns = tat + step;
	return 1;
}

/*
 * The want option becomes the location of (vni, ip): host.  A non-zero
 * outer UDP checksum is updated for the change (the option lies at an
 * even offset from the UDP header, so its words are the checksum's); a
 * zero one stays zero.  Called after the outer rewrite.
 */
ALK_INLINE void alk_direct_locate(struct alk_parsed *ps,
				  struct alk_geneve_opt *o, __u32 vni,
				  __be32 ip, __be32 host)
{
	struct alk_opt_location *loc = (struct alk_opt_location *)(o + 1);
	__u16 old_word, new_word;
	__u32 sum;

	__builtin_memcpy(&old_word, &o->type, 2);
	o->type = ALK_OPT_T_LOCATION;
	__builtin_memcpy(&new_word, &o->type, 2);
	sum = alk_csum_delta4(loc->vni, alk_htonl(vni)) +
	      alk_csum_delta4(loc->ip, ip) + alk_csum_delta4(loc->host, host);
	loc->vni = alk_htonl(vni);
	loc->ip = ip;
	loc->host = host;
	if (ps->udp->check) {
		__u16 check = (__u16)~alk_csum_fold((__u16)~ps->udp->check +
						    (__u16)~old_word +
						    new_word + sum);

		ps->udp->check = check ? check : 0xffff;
	}
}

/*
 * Instead of the bounce to ep: the frame goes back to the host that asked
 * (the asker's host from the endpoints, as an ARP reply does, so that it
 * is right through a divider too; else the outer source), forwarded (TTL
 * - 1), with the location of its destination.
 */
ALK_INLINE int alk_direct_return(struct alk_ctx *ctx, struct alk_parsed *ps,
				 struct alk_geneve_opt *want,
				 const struct alk_gateway *gw,
				 const struct alk_endpoint *ep)
{
	struct alk_endpoint_key asker_key = { .vni = ps->vni,
					      .ip = ps->flow_saddr };
	struct alk_endpoint asker;
	__be32 host = ep->host;
	int r;

	r = alk_flat_endpoint(ctx, &asker_key, &asker) == ALK_FLAT_FOUND;
	r = alk_outer_rewrite(ctx, ps, gw, r ? asker.host : ps->ip->saddr, 0);
	if (r != ALK_R_CONTINUE)
		return r;
	alk_direct_locate(ps, want, ps->vni, ps->key.ip, host);
	return ALK_R_direct_path_return;
}

#endif
