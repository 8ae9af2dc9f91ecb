/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Golden-packet runner for the host agent's core at XDP: agent_xdp.bpf.o
 * (core/platform/xdp_agent.h), verified by the running kernel with its
 * maps unpinned, fed each fixture's frame with BPF_PROG_TEST_RUN and an
 * xdp_md whose ingress_ifindex is the fixture's hook.  The kernel takes
 * an ingress_ifindex only of a device in the caller's namespace (it runs
 * the program on that device's first RX queue), so the runner's own
 * namespace has the underlay (a veth at the fixture's ifindex, with a
 * default route through a next hop of known, permanent MAC: agent_bpf_rig.c)
 * and a veth at every port ifindex a fixture hooks.
 *
 * The reason is read back from alk_stats (exactly one counter moves, by
 * one), the XDP action must be the one agent_xdp.bpf.c gives it: a
 * delivery XDP_REDIRECT; a frame for the underlay XDP_TX when it came in
 * on the underlay, else XDP_REDIRECT; pass XDP_PASS; drop XDP_DROP.  The
 * output is data_out; a frame for the underlay has the FIB's MACs (the
 * next hop's, the underlay's), compared instead of the core's.  Not seen:
 * the redirect's target (the ifindex of a delivery).  Cache times are
 * written relative to CLOCK_MONOTONIC just before the run, as on TC.
 *
 *   agent-fixtures-xdp BPF_OBJECT FIXTURES [-v]
 *
 * Exit status: 0 all passed, 1 a failure, 77 (skip) without the
 * privileges to load BPF programs or make a namespace.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <linux/bpf.h>
#include <bpf/bpf.h>

#include "core/reason_names.h"
#include "agent_bpf_rig.h"

static int xdp_action(const struct agent_fixture *f, int reason)
{
	if (reason == ALK_R_agent_local || reason == ALK_R_agent_deliver)
		return XDP_REDIRECT;
	if (agent_reason_underlay(reason))
		return f->ingress ? XDP_TX : XDP_REDIRECT;
	switch (alk_reason_verdict(reason)) {
	case ALK_PASS:
		return XDP_PASS;
	case ALK_DROP:
		return XDP_DROP;
	default:
		return -1; /* no other reason transmits */
	}
}

static int xdp_run(void *arg, const struct agent_fixture *f,
		   struct agent_run *run)
{
	struct agent_bpf_rig *r = arg;
	struct xdp_md md = { .data_end = f->in_len };

	if (f->has_conf && agent_rig_underlay(r, f->conf.underlay_ifindex))
		return -1;
	if (!f->ingress && agent_rig_device(f->hook_ifindex))
		return -1;
	md.ingress_ifindex = f->ingress ? r->underlay : f->hook_ifindex;
	return agent_rig_run(r, f, run, &md, sizeof(md), xdp_action, "XDP");
}

int main(int argc, char **argv)
{
	struct agent_backend be = {
		.name = "xdp",
		.run = xdp_run,
		.dp_get = agent_rig_dp_get,
		.underlay_dst_mac = agent_rig_next_hop_mac,
		.underlay_src_mac = agent_rig_underlay_mac,
	};

	return agent_rig_main(argc, argv, "alkaid_agent_xdp", &be);
}
