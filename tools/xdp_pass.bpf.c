// SPDX-License-Identifier: (GPL-2.0-only OR BSD-3-Clause)
/*
 * XDP_PASS, for the far end of a veth: a veth delivers frames sent with
 * XDP_TX only to a peer that runs an XDP program of its own.  The tests,
 * the labs and bench/first put it on the hosts' side of a gateway's veth.
 * Multi-buffer aware (xdp.frags), so that a veth takes it at MTU 9000.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp.frags")
int xdp_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char _license[] SEC("license") = "Dual BSD/GPL";
