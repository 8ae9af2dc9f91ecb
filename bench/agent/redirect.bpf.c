// SPDX-License-Identifier: (GPL-2.0-only OR BSD-3-Clause)
/*
 * The reference of bench/agent/encap_bench.c: a TC program that only
 * redirects the frame, to the interface the loader set before load.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

const volatile __u32 redirect_ifindex = 1;

SEC("tc")
int bench_redirect(struct __sk_buff *skb)
{
	return bpf_redirect(redirect_ifindex, 0);
}

char _license[] SEC("license") = "Dual BSD/GPL";
