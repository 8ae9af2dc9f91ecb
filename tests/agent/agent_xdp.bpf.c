// SPDX-License-Identifier: (GPL-2.0-only OR BSD-3-Clause)
/*
 * The host agent's pipeline (core/agent.h) at XDP, through the XDP shim
 * (core/platform/xdp_agent.h): the proof that the agent's core is as
 * portable as the gateway's, replayed by agent_xdp_runner.c.  The hook is
 * the device the frame came in on: the underlay (the conf's
 * underlay_ifindex) runs the ingress, any other device the egress of the
 * endpoint behind that port.
 *
 * What the verdicts become:
 *   agent_local, agent_deliver   XDP_REDIRECT to the endpoint's port (on a
 *                                veth the frame reaches the endpoint only
 *                                if the peer has an XDP program: TC is the
 *                                agent's hook, this is not);
 *   agent_encap, agent_direct,   the outer MACs from the kernel's FIB
 *   agent_forward, agent_return  (bpf_fib_lookup() toward the outer
 *                                destination through the underlay); XDP_TX
 *                                when the route leaves by the device the
 *                                frame came in on, else XDP_REDIRECT to it.
 *                                No neighbor entry: neighbor_miss; no
 *                                route: no_route (both drops);
 *   pass, drop                   XDP_PASS, XDP_DROP.
 * Every frame counts exactly one reason, as on TC.
 */
#include "core/platform/xdp_agent.h"
#include "core/agent.h"

#ifndef AF_INET
#define AF_INET 2
#endif

/* The outer MACs of a frame for the underlay, and where it leaves. */
static __always_inline int alk_xdp_underlay(struct xdp_md *xdp,
					    const struct alk_agent_conf *conf,
					    enum alk_reason *r)
{
	struct alk_eth *eth = (struct alk_eth *)(long)xdp->data;
	struct alk_ipv4 *ip = (struct alk_ipv4 *)(eth + 1);
	struct bpf_fib_lookup fib = { 0 };
	int rc;

	if ((void *)(ip + 1) > (void *)(long)xdp->data_end) {
		*r = ALK_R_resize_failed; /* the core wrote them: never */
		return XDP_DROP;
	}
	fib.family = AF_INET;
	fib.ifindex = conf->underlay_ifindex;
	fib.ipv4_src = ip->saddr;
	fib.ipv4_dst = ip->daddr;
	/* tot_len 0: no MTU check here; the device's MTU is the limit */
	rc = bpf_fib_lookup(xdp, &fib, sizeof(fib), BPF_FIB_LOOKUP_OUTPUT);
	if (rc == BPF_FIB_LKUP_RET_NO_NEIGH) {
		*r = ALK_R_neighbor_miss;
		return XDP_DROP;
	}
	if (rc != BPF_FIB_LKUP_RET_SUCCESS) {
		*r = ALK_R_no_route;
		return XDP_DROP;
	}
	alk_mac_copy(eth->dst, fib.dmac);
	alk_mac_copy(eth->src, fib.smac);
	if (fib.ifindex == xdp->ingress_ifindex)
		return XDP_TX;
	return bpf_redirect(fib.ifindex, 0);
}

SEC("xdp")
int alkaid_agent_xdp(struct xdp_md *xdp)
{
	struct alk_ctx ctx = { .xdp = xdp };
	const struct alk_agent_conf *conf = alk_plat_agent(&ctx);
	struct alk_pkt pkt = {
		.data = (__u8 *)(long)xdp->data,
		.end = (__u8 *)(long)xdp->data_end,
	};
	__u32 len = (__u32)(pkt.end - pkt.data), ifindex = 0;
	enum alk_reason r;
	int act;

	if (!conf)
		return XDP_PASS;
	if (xdp->ingress_ifindex == conf->underlay_ifindex)
		r = (enum alk_reason)alk_agent_ingress(&ctx, &pkt, len,
						       &ifindex);
	else
		r = (enum alk_reason)alk_agent_egress(
			&ctx, &pkt, len, xdp->ingress_ifindex, &ifindex);

	switch (r) {
	case ALK_R_agent_local:
	case ALK_R_agent_deliver:
		act = bpf_redirect(ifindex, 0);
		break;
	case ALK_R_agent_encap:
	case ALK_R_agent_direct:
	case ALK_R_agent_forward:
	case ALK_R_agent_return:
		act = alk_xdp_underlay(xdp, conf, &r);
		break;
	default:
		act = alk_reason_verdict(r) == ALK_PASS ? XDP_PASS : XDP_DROP;
	}
	alk_plat_count(&ctx, r);
	return act;
}

char _license[] SEC("license") = "Dual BSD/GPL";
