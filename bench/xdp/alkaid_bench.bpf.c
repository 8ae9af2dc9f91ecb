// SPDX-License-Identifier: (GPL-2.0-only OR BSD-3-Clause)
/* The alkaid XDP program (dp-xdp/alkaid_xdp.h) behind a fresh-frame
 * restore (bench.bpf.h); built twice, the second time with
 * ALK_NO_CAPTURE, to weigh the capture's flag tests. */
#include "dp-xdp/alkaid_xdp.h"
#include "bench.bpf.h"

SEC("xdp")
int alkaid_bench(struct xdp_md *xdp)
{
	if (bench_restore(xdp))
		return XDP_ABORTED;
	return alk_xdp_run(xdp);
}

char _license[] SEC("license") = "Dual BSD/GPL";
