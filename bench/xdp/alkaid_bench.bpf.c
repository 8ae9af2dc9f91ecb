// SPDX-License-Identifier: (GPL-2.0-only OR BSD-3-Clause)
/* The alkaid XDP program behind a fresh-frame restore (bench.bpf.h). */
#include "core/platform/xdp.h"
#include "core/pipeline.h"
#include "bench.bpf.h"

SEC("xdp")
int alkaid_bench(struct xdp_md *xdp)
{
	struct alk_ctx ctx = { .xdp = xdp };
	struct alk_pkt pkt;

	if (bench_restore(xdp))
		return XDP_ABORTED;
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
