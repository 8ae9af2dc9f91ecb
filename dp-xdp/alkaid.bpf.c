// SPDX-License-Identifier: (GPL-2.0-only OR BSD-3-Clause)
/* The alkaid XDP program: the core, compiled for XDP. */
#include "core/platform/xdp.h"
#include "core/pipeline.h"

/* Multi-buffer aware (xdp.frags): drivers attach it at any MTU, veth and
 * many NICs refuse a program without it above about 3.5 KB.  The core
 * reads the linear part only (core/platform/xdp.h). */
SEC("xdp.frags")
int alkaid_xdp(struct xdp_md *xdp)
{
	struct alk_ctx ctx = { .xdp = xdp };
	struct alk_pkt pkt;

	alk_xdp_pkt(xdp, &pkt);

	switch (alk_reason_verdict(alk_process(&ctx, &pkt))) {
	case ALK_TX:
		return XDP_TX;
	case ALK_PASS:
		return XDP_PASS;
	default:
		return XDP_DROP;
	}
}

char _license[] SEC("license") = "Dual BSD/GPL";
