/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Golden-packet runner for the host agent's TC program: the real
 * agent.bpf.o, verified by the running kernel with its maps unpinned (this
 * process's own), fed each fixture's frame with BPF_PROG_TEST_RUN and a
 * __sk_buff whose ingress_ifindex is the fixture's hook (the underlay, or
 * the endpoint's port).  The reason is read back from alk_stats (exactly
 * one counter moves, by one), the TC action must be its verdict
 * (TC_ACT_REDIRECT, TC_ACT_OK, TC_ACT_SHOT), the output is data_out.
 *
 * The program's clock is the kernel's (bpf_ktime_get_ns, CLOCK_MONOTONIC):
 * the fixtures' cache times are written relative to it just before the run.
 *
 * The runner lives in a network namespace of its own, where the underlay
 * is a veth of the fixture's ifindex with a default route through a next
 * hop of known, permanent MAC.  IPv4 to the underlay leaves through
 * bpf_redirect_neigh (the kernel writes the MACs after the program: the
 * output has the core's); an encapsulated ARP request takes the gateway's
 * MAC from alk_neighbors, which the runner fills for every bouncer with
 * the next hop's MAC, as alkaid-agent would from the neighbor table.
 *
 *   agent-fixtures-tc BPF_OBJECT FIXTURES [-v]
 *
 * Exit status: 0 all passed, 1 a failure, 77 (skip) without the
 * privileges to load BPF programs or make a namespace.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <linux/pkt_cls.h>
#include <bpf/bpf.h>

#include "core/reason_names.h"
#include "agent_bpf_rig.h"

static int tc_action(const struct agent_fixture *f, int reason)
{
	switch (alk_reason_verdict(reason)) {
	case ALK_TX:
		return TC_ACT_REDIRECT;
	case ALK_PASS:
		return TC_ACT_OK;
	default:
		return TC_ACT_SHOT;
	}
}

static int tc_run(void *arg, const struct agent_fixture *f,
		  struct agent_run *run)
{
	struct agent_bpf_rig *r = arg;
	struct __sk_buff skb = { 0 };

	if (f->has_conf && agent_rig_underlay(r, f->conf.underlay_ifindex))
		return -1;
	skb.ingress_ifindex =
		f->ingress ? f->conf.underlay_ifindex : f->hook_ifindex;
	return agent_rig_run(r, f, run, &skb, sizeof(skb), tc_action, "TC");
}

int main(int argc, char **argv)
{
	struct agent_backend be = {
		.name = "tc",
		.run = tc_run,
		.dp_get = agent_rig_dp_get,
		.arp_gateway_mac = agent_rig_next_hop_mac,
	};

	return agent_rig_main(argc, argv, "alkaid_agent", &be);
}
