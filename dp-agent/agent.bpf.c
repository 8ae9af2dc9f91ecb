// SPDX-License-Identifier: (GPL-2.0-only OR BSD-3-Clause)
/*
 * The alkaid host agent: the core's agent pipeline (core/agent.h) at TC
 * ingress of the underlay interface and of every endpoint's port.  One
 * program for the host: alkaid-agent loads it once and attaches it to
 * each interface; all share its maps.
 */
#include "core/platform/tc.h"
#include "core/agent.h"

/* Enough of the frame in the linear part for every header the core reads:
 * outer Ethernet, IPv4 with options, UDP, Geneve with 252 bytes of
 * options, the inner Ethernet, IPv4 with options, UDP and the BOOTP
 * fixed part. */
#define ALK_AGENT_HEADERS 640

/* Out of the underlay: the kernel's FIB and neighbor table give the MACs;
 * an unresolved neighbor is resolved by the kernel (bpf_redirect_neigh),
 * which only IPv4 frames can wait for: an encapsulated ARP request then
 * counts as neighbor_miss (alkaid-agent keeps its gateways resolved). */
static __always_inline int alk_tc_underlay(struct __sk_buff *skb,
					   const struct alk_agent_conf *conf)
{
	struct bpf_fib_lookup fib = {};
	struct alk_ipv4 *ip;
	void *data = (void *)(long)skb->data;
	void *end = (void *)(long)skb->data_end;
	struct alk_eth *eth = data;
	long rc;

	ip = (struct alk_ipv4 *)(eth + 1);
	if ((void *)(ip + 1) > end)
		return TC_ACT_SHOT;
	fib.family = 2; /* AF_INET */
	fib.tos = ip->tos;
	fib.l4_protocol = ip->protocol;
	fib.tot_len = alk_ntohs(ip->tot_len);
	fib.ipv4_src = ip->saddr;
	fib.ipv4_dst = ip->daddr;
	fib.ifindex = conf->underlay_ifindex;
	rc = bpf_fib_lookup(skb, &fib, sizeof(fib), BPF_FIB_LOOKUP_OUTPUT);
	if (rc == BPF_FIB_LKUP_RET_SUCCESS) {
		__builtin_memcpy(eth->dst, fib.dmac, 6);
		__builtin_memcpy(eth->src, fib.smac, 6);
		return bpf_redirect(fib.ifindex, 0);
	}
	if (skb->protocol == alk_htons(ALK_ETH_P_IPV4))
		return bpf_redirect_neigh(conf->underlay_ifindex, 0, 0, 0);
	{
		struct alk_ctx ctx = { .skb = skb };

		alk_plat_count(&ctx, ALK_R_neighbor_miss);
	}
	return TC_ACT_SHOT;
}

SEC("tc")
int alkaid_agent(struct __sk_buff *skb)
{
	struct alk_ctx ctx = { .skb = skb };
	const struct alk_agent_conf *conf = alk_plat_agent(&ctx);
	struct alk_pkt pkt;
	__u32 ifindex = 0;
	int r;

	if (!conf)
		return TC_ACT_OK;
	bpf_skb_pull_data(skb, skb->len < ALK_AGENT_HEADERS ? skb->len :
							      ALK_AGENT_HEADERS);
	pkt.data = (__u8 *)(long)skb->data;
	pkt.end = (__u8 *)(long)skb->data_end;
	if (skb->ingress_ifindex == conf->underlay_ifindex)
		r = alk_agent_ingress(&ctx, &pkt, skb->len, &ifindex);
	else
		r = alk_agent_egress(&ctx, &pkt, skb->len, skb->ingress_ifindex,
				     &ifindex);

	switch (r) {
	case ALK_R_agent_local:
		alk_plat_count(&ctx, (enum alk_reason)r);
		return bpf_redirect_peer(ifindex, 0);
	case ALK_R_agent_deliver:
		alk_plat_count(&ctx, (enum alk_reason)r);
		/* into the endpoint's namespace; ARP (and anything the outer
		 * IPv4 protocol does not describe) through the veth, which
		 * gives the frame its own protocol */
		if (skb->protocol == alk_htons(ALK_ETH_P_IPV4) &&
		    (void *)(long)skb->data + 14 <= (void *)(long)skb->data_end &&
		    ((struct alk_eth *)(long)skb->data)->type ==
			    alk_htons(ALK_ETH_P_IPV4))
			return bpf_redirect_peer(ifindex, 0);
		return bpf_redirect(ifindex, 0);
	case ALK_R_agent_encap:
	case ALK_R_agent_direct:
	case ALK_R_agent_forward:
	case ALK_R_agent_return: {
		int act = alk_tc_underlay(skb, conf);

		if (act != TC_ACT_SHOT)
			alk_plat_count(&ctx, (enum alk_reason)r);
		return act;
	}
	}
	alk_plat_count(&ctx, (enum alk_reason)r);
	return alk_reason_verdict((enum alk_reason)r) == ALK_PASS ? TC_ACT_OK :
								    TC_ACT_SHOT;
}

char _license[] SEC("license") = "Dual BSD/GPL";
