/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the runners of the agent's BPF programs (TC: agent_tc_runner.c, XDP:
 * agent_xdp_runner.c) share: the object loaded with its maps unpinned
 * (this process's own), a network namespace with an underlay of known
 * ifindex, MAC, route and next hop, a fixture's tables written into the
 * maps, and the reason read back from alk_stats.
 */
#ifndef ALKAID_TESTS_AGENT_BPF_RIG_H
#define ALKAID_TESTS_AGENT_BPF_RIG_H

#include <stdint.h>

#include <bpf/libbpf.h>

#include "core/verdict.h"
#include "tests/runners/agent_fixtures.h"

#define AGENT_RIG_EXIT_SKIP 77

enum {
	AGENT_M_GATEWAY,
	AGENT_M_AGENT,
	AGENT_M_NETWORKS,
	AGENT_M_PORTS,
	AGENT_M_LOCAL_IP,
	AGENT_M_LOCAL_MAC,
	AGENT_M_DP,
	AGENT_M_STATS,
	AGENT_M_NEIGHBORS,
	AGENT_M_TRUSTED,
	AGENT_M_MAX
};

/* The underlay's MAC, and its next hop's (permanent in the namespace). */
extern const uint8_t agent_rig_underlay_mac[6], agent_rig_next_hop_mac[6];

struct agent_bpf_rig {
	struct bpf_object *obj;
	int prog_fd;
	int fd[AGENT_M_MAX];
	int ncpus;
	uint32_t underlay; /* the ifindex the namespace's underlay has */
	char log[16384];
};

/* A network namespace of this process's own: 0, or an exit status
 * (AGENT_RIG_EXIT_SKIP without the privilege). */
int agent_rig_netns(const char *prog);
/* Opens and loads path, the program prog; prints the verifier's totals.
 * 0, or an exit status after saying why. */
int agent_rig_open(struct agent_bpf_rig *r, const char *path, const char *prog);
void agent_rig_close(struct agent_bpf_rig *r);
/* The underlay at ifindex (one for all fixtures), made on first use. */
int agent_rig_underlay(struct agent_bpf_rig *r, uint32_t ifindex);
/* A device (a veth) of its own at ifindex, unless one is there. */
int agent_rig_device(uint32_t ifindex);
/* The fixture's tables into emptied maps, cache times relative to now. */
int agent_rig_load(struct agent_bpf_rig *r, const struct agent_fixture *f,
		   uint64_t now);
int agent_rig_stats(struct agent_bpf_rig *r, uint64_t *sum);
/* The one reason whose counter moved by one between before and after,
 * or -1 (said) when none did or more did. */
int agent_rig_counted(const struct agent_fixture *f, const uint64_t *before,
		      const uint64_t *after);
/* CLOCK_MONOTONIC, the clock of bpf_ktime_get_ns(). */
uint64_t agent_rig_now_ns(void);
/* One fixture through BPF_PROG_TEST_RUN with the context ctx (the hook's
 * __sk_buff or xdp_md, filled by the caller): the tables loaded, the
 * frame run, the reason read back from the counters and the program's
 * return checked against action(f, reason), which hook names in what it
 * says.  0, or -1 (said). */
int agent_rig_run(struct agent_bpf_rig *r, const struct agent_fixture *f,
		  struct agent_run *run, void *ctx, uint32_t ctx_size,
		  int (*action)(const struct agent_fixture *f, int reason),
		  const char *hook);
/* A runner's main: BPF_OBJECT FIXTURES [-v] with program prog through be
 * (its ctx the rig); the exit status. */
int agent_rig_main(int argc, char **argv, const char *prog,
		   struct agent_backend *be);
/* agent_backend.dp_get over the rig's alk_dp_cache. */
int agent_rig_dp_get(void *rig, uint32_t vni, __be32 ip,
		     struct alk_dp_entry *e);

#endif
