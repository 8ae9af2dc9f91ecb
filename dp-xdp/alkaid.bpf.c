// SPDX-License-Identifier: (GPL-2.0-only OR BSD-3-Clause)
/* The alkaid XDP program: the core, compiled for XDP. */
#include "core/platform/xdp.h"
#include "core/pipeline.h"

SEC("xdp")
int alkaid_xdp(struct xdp_md *xdp)
{
	struct alk_ctx ctx = { .xdp = xdp };
	struct alk_pkt pkt = {
		.data = (__u8 *)(long)xdp->data,
		.end = (__u8 *)(long)xdp->data_end,
	};

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
