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
/* An endpoint's GSO frame (TCP or UDP data, never DHCP): its Ethernet, IPv4
 * and transport headers, so that a 64 KB frame's payload is not copied
 * into the linear part only to be read past. */
#define ALK_AGENT_GSO_HEADERS (14 + 60 + 60)

/*
 * Out of the underlay interface.  IPv4 (everything the kernel can route):
 * bpf_redirect_neigh() finds the route and the next hop's MAC, resolving
 * it when it must, as the stack would.  An encapsulated ARP request is not
 * IPv4 to the kernel: it goes out with the gateway's MAC as alkaid-agent
 * keeps it (alk_neighbors), or is counted as neighbor_miss.
 */
static __always_inline int alk_tc_underlay(struct __sk_buff *skb,
					   const struct alk_agent_conf *conf)
{
	struct alk_eth *eth = (struct alk_eth *)(long)skb->data;
	struct alk_ipv4 *ip = (struct alk_ipv4 *)(eth + 1);
	const struct alk_neighbor *nb;
	struct alk_neighbor_key k;

	if (skb->protocol == alk_htons(ALK_ETH_P_IPV4))
		return bpf_redirect_neigh(conf->underlay_ifindex, 0, 0, 0);
	if ((void *)(ip + 1) > (void *)(long)skb->data_end)
		return TC_ACT_SHOT;
	k.ip = ip->daddr;
	nb = bpf_map_lookup_elem(&alk_neighbors, &k);
	if (!nb) {
		struct alk_ctx ctx = { .skb = skb };

		alk_plat_count(&ctx, ALK_R_neighbor_miss);
		return TC_ACT_SHOT;
	}
	alk_mac_copy(eth->dst, nb->mac);
	return bpf_redirect(conf->underlay_ifindex, 0);
}

SEC("tc")
int alkaid_agent(struct __sk_buff *skb)
{
	struct alk_ctx ctx = { .skb = skb };
	const struct alk_agent_conf *conf = alk_plat_agent(&ctx);
	struct alk_pkt pkt = { 0 };
	__u32 ifindex = 0, pull;
	int ingress, r;

	if (!conf)
		return TC_ACT_OK;
	ingress = skb->ingress_ifindex == conf->underlay_ifindex;
	pull = skb->gso_size && !ingress ? ALK_AGENT_GSO_HEADERS :
					   ALK_AGENT_HEADERS;
	bpf_skb_pull_data(skb, skb->len < pull ? skb->len : pull);
	pkt.data = (__u8 *)(long)skb->data;
	pkt.end = (__u8 *)(long)skb->data_end;
	if (ingress)
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
		    (void *)(long)skb->data + 14 <=
			    (void *)(long)skb->data_end &&
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
