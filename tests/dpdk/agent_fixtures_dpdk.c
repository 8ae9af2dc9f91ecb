/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Golden-packet runner for the host agent's core on DPDK
 * (core/platform/dpdk_agent.h): the EAL without hugepages, each fixture's
 * frame in an mbuf from a mempool, its tables in rte_hash and rte_lpm6,
 * run through alk_dpdk_agent_process() with the mbuf's port as the hook
 * (the fixture's underlay, or the endpoint's port).  The reason is the
 * lcore's counter that moved (exactly one, by one); a frame to transmit
 * must go to the port the fixture names (a delivery) or to the underlay;
 * the output is the mbuf's data.  The clock is the TSC
 * (alk_dpdk_agent_clock_ns()): cache times are written relative to it
 * just before the run, as the BPF runners do with CLOCK_MONOTONIC.
 * Every mbuf goes back to the pool: a leak fails the run.
 *
 *   agent-fixtures-dpdk FIXTURES [-v]
 */
#include <stdio.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_lcore.h>
#include <rte_lpm6.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "core/platform/dpdk_agent.h"
#include "core/reason_names.h"
#include "tests/lib/eal.h"
#include "tests/runners/agent_fixtures.h"

#define POOL_SIZE 63
#define ENTRIES 64 /* of each table: more than a fixture holds */

static struct {
	struct alk_dpdk_agent_tables t;
	struct rte_mempool *pool;
	uint64_t counters[ALK_R_MAX];
} rig;

static struct rte_hash *hash_of(const char *name, uint32_t key_len)
{
	struct rte_hash_parameters p = {
		.name = name,
		.entries = ENTRIES,
		.key_len = key_len,
		.socket_id = (int)rte_socket_id(),
	};

	return rte_hash_create(&p);
}

static int tables_create(struct alk_dpdk_agent_tables *t)
{
	struct rte_lpm6_config lc = {
		.max_rules = ENTRIES,
		.number_tbl8s = 1 << 10,
	};

	t->ports = hash_of("agent_ports", sizeof(__u32));
	t->local_ip =
		hash_of("agent_local_ip", sizeof(struct alk_endpoint_key));
	t->local_mac = hash_of("agent_local_mac", sizeof(struct alk_dhcp_key));
	t->trusted = hash_of("agent_trusted", sizeof(__be32));
	t->dp = hash_of("agent_dp", sizeof(struct alk_endpoint_key));
	t->networks =
		rte_lpm6_create("agent_networks", (int)rte_socket_id(), &lc);
	/* (a hash gives positions below its entries, rounded up) */
	t->port_vals =
		rte_calloc("agent", 2 * ENTRIES, sizeof(*t->port_vals), 0);
	t->local_ip_vals =
		rte_calloc("agent", 2 * ENTRIES, sizeof(*t->local_ip_vals), 0);
	t->local_mac_vals =
		rte_calloc("agent", 2 * ENTRIES, sizeof(*t->local_mac_vals), 0);
	t->dp_vals = rte_calloc("agent", 2 * ENTRIES, sizeof(*t->dp_vals), 0);
	t->net_vals = rte_calloc("agent", ENTRIES, sizeof(*t->net_vals), 0);
	if (!t->ports || !t->local_ip || !t->local_mac || !t->trusted ||
	    !t->dp || !t->networks || !t->port_vals || !t->local_ip_vals ||
	    !t->local_mac_vals || !t->dp_vals || !t->net_vals) {
		fprintf(stderr, "agent tables: %s\n", rte_strerror(rte_errno));
		return -1;
	}
	if (rte_hash_max_key_id(t->ports) >= 2 * ENTRIES) {
		fprintf(stderr, "agent tables: positions up to %d\n",
			rte_hash_max_key_id(t->ports));
		return -1;
	}
	return 0;
}

/* The fixture's tables into emptied ones, cache times relative to now. */
static int tables_load(struct alk_dpdk_agent_tables *t,
		       const struct agent_fixture *f, uint64_t now)
{
	int32_t pos;

	rte_hash_reset(t->ports);
	rte_hash_reset(t->local_ip);
	rte_hash_reset(t->local_mac);
	rte_hash_reset(t->trusted);
	rte_hash_reset(t->dp);
	rte_lpm6_delete_all(t->networks);
	t->self = f->self;
	t->has_self = f->has_self;
	t->conf = f->conf;
	t->has_conf = f->has_conf;
	for (int i = 0; i < f->nports; i++) {
		const struct alk_port *p = &f->ports[i];
		struct alk_endpoint_key ik;
		struct alk_dhcp_key mk;
		struct alk_local l;

		alk_port_indexes(f->port_ifindex[i], p, &ik, &mk, &l);
		if ((pos = rte_hash_add_key(t->ports, &f->port_ifindex[i])) < 0)
			return -1;
		t->port_vals[pos] = *p;
		if ((pos = rte_hash_add_key(t->local_ip, &ik)) < 0)
			return -1;
		t->local_ip_vals[pos] = l;
		if ((pos = rte_hash_add_key(t->local_mac, &mk)) < 0)
			return -1;
		t->local_mac_vals[pos] = l;
	}
	for (int i = 0; i < f->nnets; i++) {
		uint8_t key[16];

		alk_dpdk_agent_lpm_key(key, f->nets[i].vni, f->nets[i].prefix);
		t->net_vals[i] = f->nets[i].net;
		if (rte_lpm6_add(t->networks, key, 24 + f->nets[i].plen, i))
			return -1;
	}
	for (int i = 0; i < f->ntrusted; i++)
		if (rte_hash_add_key(t->trusted, &f->trusted[i]) < 0)
			return -1;
	for (int i = 0; i < f->ndp; i++) {
		struct alk_endpoint_key k = { .vni = f->dp[i].vni,
					      .ip = f->dp[i].ip };

		if ((pos = rte_hash_add_key(t->dp, &k)) < 0)
			return -1;
		t->dp_vals[pos] = (struct alk_dp_entry){
			.host = f->dp[i].host,
			.learned_ns =
				agent_fixture_time(now, f->dp[i].learned_ms),
			.asked_ns = agent_fixture_time(now, f->dp[i].asked_ms),
		};
	}
	return 0;
}

static int dpdk_run(void *unused, const struct agent_fixture *f,
		    struct agent_run *run)
{
	uint64_t before[ALK_R_MAX];
	struct alk_ctx ctx = { .tables = &rig.t, .counters = rig.counters };
	struct rte_mbuf *m = rte_pktmbuf_alloc(rig.pool);
	int r, counted = -1, ok = 1;
	__u32 out = UINT32_MAX;

	if (!m || !rte_pktmbuf_append(m, (uint16_t)f->in_len)) {
		fprintf(stderr, "    %s: no mbuf\n", f->name);
		rte_pktmbuf_free(m);
		return -1;
	}
	memcpy(rte_pktmbuf_mtod(m, void *), f->in, f->in_len);
	m->port = (uint16_t)(f->ingress ? f->conf.underlay_ifindex :
					  f->hook_ifindex);
	run->now_lo = alk_dpdk_agent_clock_ns();
	if (tables_load(&rig.t, f, run->now_lo)) {
		fprintf(stderr, "    %s: filling the tables\n", f->name);
		rte_pktmbuf_free(m);
		return -1;
	}
	memcpy(before, rig.counters, sizeof(before));
	ctx.now_ns = alk_dpdk_agent_clock_ns();
	r = alk_dpdk_agent_process(&ctx, m, &out);
	run->now_hi = alk_dpdk_agent_clock_ns();

	for (int i = 0; i < ALK_R_MAX; i++) {
		if (rig.counters[i] == before[i])
			continue;
		if (counted >= 0 || rig.counters[i] != before[i] + 1) {
			fprintf(stderr, "    %s: counters moved: %s and %s\n",
				f->name,
				alk_reason_names[counted < 0 ? i : counted],
				alk_reason_names[i]);
			ok = 0;
		}
		counted = i;
	}
	if (ok && counted != r) {
		fprintf(stderr, "    %s: returned %s, counted %s\n", f->name,
			alk_reason_names[r],
			counted < 0 ? "nothing" : alk_reason_names[counted]);
		ok = 0;
	}
	run->reason = ok ? r : -1;
	run->ifindex = -1;
	if (r == ALK_R_agent_local || r == ALK_R_agent_deliver) {
		run->ifindex = out; /* checked against the fixture's */
	} else if (agent_reason_underlay(r) &&
		   out != f->conf.underlay_ifindex) {
		fprintf(stderr, "    %s: to port %u, not the underlay\n",
			f->name, out);
		run->reason = -1;
	} else if (!agent_reason_underlay(r) && out != UINT32_MAX) {
		fprintf(stderr, "    %s: port %u set for %s\n", f->name, out,
			alk_reason_names[r]);
		run->reason = -1;
	}
	run->len = rte_pktmbuf_data_len(m);
	if (m->nb_segs != 1 || run->len > sizeof(run->frame)) {
		fprintf(stderr, "    %s: %u segments, %u bytes\n", f->name,
			m->nb_segs, run->len);
		run->reason = -1;
		run->len = 0;
	}
	memcpy(run->frame, rte_pktmbuf_mtod(m, void *), run->len);
	rte_pktmbuf_free(m);
	return 0;
}

static int dpdk_dp_get(void *unused, uint32_t vni, __be32 ip,
		       struct alk_dp_entry *e)
{
	struct alk_ctx ctx = { .tables = &rig.t };
	const struct alk_dp_entry *found = alk_plat_dp(&ctx, vni, ip);

	if (!found)
		return 0;
	*e = *found;
	return 1;
}

int main(int argc, char **argv)
{
	struct agent_backend be = {
		.name = "dpdk",
		.run = dpdk_run,
		.dp_get = dpdk_dp_get,
	};
	int verbose = argc > 2 && !strcmp(argv[2], "-v"), count, failures;

	if (argc < 2) {
		fprintf(stderr, "usage: %s FIXTURES [-v]\n", argv[0]);
		return 2;
	}
	if (test_eal_init("agent-fixtures-dpdk", "0", "256"))
		return 1;
	rig.pool = rte_pktmbuf_pool_create("agent_mbufs", POOL_SIZE, 0, 0,
					   RTE_PKTMBUF_HEADROOM +
						   AGENT_FIXTURE_MAX_FRAME,
					   (int)rte_socket_id());
	if (!rig.pool || tables_create(&rig.t)) {
		fprintf(stderr, "agent-fixtures-dpdk: %s\n",
			rte_strerror(rte_errno));
		return 1;
	}
	failures = agent_fixtures_run(argv[1], &be, verbose, &count);
	if (rte_mempool_avail_count(rig.pool) != POOL_SIZE) {
		fprintf(stderr, "agent-fixtures-dpdk: %u mbufs not freed\n",
			POOL_SIZE - rte_mempool_avail_count(rig.pool));
		failures++;
	}
	test_eal_cleanup();
	return failures == 0 && count > 0 ? 0 : 1;
}
