// SPDX-License-Identifier: (GPL-2.0-only OR BSD-3-Clause)
/* Passes every frame.  bench/first/run.sh attaches it to the host side of
 * the XDP gateway's veth: a frame sent with XDP_TX on a veth reaches the
 * peer only when the peer runs an XDP program. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int xdp_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char _license[] SEC("license") = "Dual BSD/GPL";
