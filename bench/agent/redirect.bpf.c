// SPDX-License-Identifier: (GPL-2.0-only OR BSD-3-Clause)
/*
 * The references of bench/agent/encap_bench.c, TC programs built twice:
 *
 *   redirect.bpf.o       only redirects the frame, to the interface the
 *                        loader set before load;
 *   redirect_grow.bpf.o  (-DBENCH_GROW) first grows it at its head by an
 *                        outer Ethernet, IPv4, UDP and Geneve header, the
 *                        way the agent's TC shim does (core/platform/tc.h,
 *                        alk_plat_push: the kernel calls, none of the
 *                        headers written), and redirects it as the agent
 *                        sends a tunnel frame (bpf_redirect_neigh): the
 *                        least any encapsulating TC program pays.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

const volatile __u32 redirect_ifindex = 1;

#ifdef BENCH_GROW
#ifndef BPF_F_ADJ_ROOM_ENCAP_L2_ETH
#define BPF_F_ADJ_ROOM_ENCAP_L2_ETH (1ULL << 6)
#endif
#define GROW (14 + 20 + 8 + 8) /* outer Ethernet, IPv4, UDP, Geneve */

SEC("tc")
int bench_redirect(struct __sk_buff *skb)
{
	__u64 flags = BPF_F_ADJ_ROOM_ENCAP_L3_IPV4 |
		      BPF_F_ADJ_ROOM_ENCAP_L4_UDP |
		      BPF_F_ADJ_ROOM_ENCAP_L2_ETH | BPF_F_ADJ_ROOM_ENCAP_L2(14);
	__u8 eth[14];

	if (bpf_skb_load_bytes(skb, 0, eth, sizeof(eth)) ||
	    bpf_skb_adjust_room(skb, GROW, BPF_ADJ_ROOM_MAC, flags) ||
	    bpf_skb_store_bytes(skb, GROW, eth, sizeof(eth), 0) ||
	    bpf_skb_pull_data(skb, GROW + sizeof(eth)))
		return TC_ACT_SHOT;
	return bpf_redirect_neigh(redirect_ifindex, 0, 0, 0);
}
#else
SEC("tc")
int bench_redirect(struct __sk_buff *skb)
{
	return bpf_redirect(redirect_ifindex, 0);
}
#endif

char _license[] SEC("license") = "Dual BSD/GPL";
