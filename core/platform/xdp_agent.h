/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * XDP platform of the host agent's core (core/agent.h): the same tables
 * as on TC (bpf_agent.h), over an xdp_md.  The whole frame is in
 * [data, data_end) (no multi-buffer frames: the program is loaded without
 * BPF_F_XDP_HAS_FRAGS); room for the outer headers is taken from the
 * headroom with bpf_xdp_adjust_head(), which keeps nothing of GSO: XDP
 * sees frames of the device's MTU only.  For tests and for underlays
 * whose endpoints are not veths (tests/agent/agent_xdp.bpf.c says what
 * the verdicts become); TC is the agent's hook.
 */
#ifndef ALKAID_PLATFORM_XDP_AGENT_H
#define ALKAID_PLATFORM_XDP_AGENT_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "../model.h"
#include "../proto.h"
#include "../verdict.h"
#include "bpf_agent.h" /* the maps and the table lookups */

struct alk_ctx {
	struct xdp_md *xdp;
};

/* Grow the frame by len bytes at its head; the pointers the verifier knew
 * are gone, so they are read again from the context. */
/* a frame here is one frame on the wire */
ALK_INLINE int alk_plat_segmented(struct alk_ctx *ctx)
{
	return 0;
}

ALK_INLINE int alk_plat_push(struct alk_ctx *ctx, struct alk_pkt *pkt,
			     __u32 len)
{
	if (bpf_xdp_adjust_head(ctx->xdp, -(int)len))
		return -1;
	pkt->data = (__u8 *)(long)ctx->xdp->data;
	pkt->end = (__u8 *)(long)ctx->xdp->data_end;
	return 0;
}

ALK_INLINE int alk_plat_pull(struct alk_ctx *ctx, struct alk_pkt *pkt,
			     __u32 len)
{
	if (bpf_xdp_adjust_head(ctx->xdp, (int)len))
		return -1;
	pkt->data = (__u8 *)(long)ctx->xdp->data;
	pkt->end = (__u8 *)(long)ctx->xdp->data_end;
	return 0;
}

#include "../agent_platform.h"

/* The Geneve option walk out of line, as a global function (as on TC):
 * the verifier checks it once, instead of the rest of the program once
 * for each place the walk can end. */
int alk_xdp_location(struct xdp_md *xdp, __u64 opt_off, __u64 opt_len);
#define ALK_PLAT_GENEVE_LOCATION(ctx, pkt, opt, opt_end)                       \
	alk_xdp_location((ctx)->xdp, (__u64)((opt) - (pkt)->data),             \
			 (__u64)((opt_end) - (opt)))

#include "../agent.h"

/* (64-bit arguments: the verifier knows nothing of a global function's
 * arguments, and a 32-bit bound would not hold for the whole register) */
__attribute__((noinline)) int alk_xdp_location(struct xdp_md *xdp,
					       __u64 opt_off, __u64 opt_len)
{
	const __u8 *data, *end;

	if (!xdp || opt_off > 512 || opt_len > 252)
		return -1;
	data = (const __u8 *)(long)xdp->data;
	end = (const __u8 *)(long)xdp->data_end;
	return alk_agent_location(data + opt_off, data + opt_off + opt_len,
				  end);
}

#endif
