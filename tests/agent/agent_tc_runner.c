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
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/pkt_cls.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "core/reason_names.h"
#include "tests/runners/agent_fixtures.h"

#define EXIT_SKIP 77
#define LOG_STATS 4 /* BPF_LOG_STATS: the verifier's totals only */

/* the namespace's underlay: its MAC, and its next hop's */
#define UNDERLAY_MAC "02:a1:ca:1d:fe:02"
#define NEXT_HOP_IP "198.18.255.254"
#define NEXT_HOP_MAC "02:00:00:00:fe:01"
static const uint8_t next_hop_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0xfe, 0x01 };

enum {
	M_GATEWAY,
	M_AGENT,
	M_NETWORKS,
	M_PORTS,
	M_LOCAL_IP,
	M_LOCAL_MAC,
	M_DP,
	M_STATS,
	M_NEIGHBORS,
	M_TRUSTED,
	M_MAX
};
static const char *const map_names[M_MAX] = {
	"alk_gateway",	 "alk_agent",	  "alk_networks", "alk_ports",
	"alk_local_ip",	 "alk_local_mac", "alk_dp_cache", "alk_stats",
	"alk_neighbors", "alk_trusted",
};

struct runner {
	struct bpf_object *obj;
	int prog_fd;
	int fd[M_MAX];
	int ncpus;
	uint32_t underlay; /* the ifindex the namespace's underlay has */
	char log[16384];
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (system(cmd)) {
		fprintf(stderr, "failed: %s\n", cmd);
		return -1;
	}
	return 0;
}

/* The underlay of the namespace, at the fixture's ifindex. */
static int underlay_setup(struct runner *r, uint32_t ifindex)
{
	if (r->underlay == ifindex)
		return 0;
	if (r->underlay) {
		fprintf(stderr, "fixtures use underlays %u and %u: one only\n",
			r->underlay, ifindex);
		return -1;
	}
	/* (the peer is made first: it takes the index after ours) */
	if (sh("ip link add name alkfx0 index %u type veth peer name alkfx1 "
	       "index %u",
	       ifindex, ifindex + 1) ||
	    sh("ip link set alkfx0 address " UNDERLAY_MAC " up") ||
	    sh("ip link set alkfx1 up") ||
	    /* bpf_fib_lookup() answers only where forwarding is on */
	    sh("sysctl -qw net.ipv4.conf.alkfx0.forwarding=1") ||
	    sh("ip route add " NEXT_HOP_IP "/32 dev alkfx0") ||
	    sh("ip route add default via " NEXT_HOP_IP " dev alkfx0") ||
	    sh("ip neigh replace " NEXT_HOP_IP " lladdr " NEXT_HOP_MAC
	       " dev alkfx0 nud permanent"))
		return -1;
	r->underlay = ifindex;
	return 0;
}

static int map_clear(int fd)
{
	uint8_t key[64], next[64];
	struct bpf_map_info info = { 0 };
	uint32_t len = sizeof(info);
	void *zero;

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	if (info.type == BPF_MAP_TYPE_ARRAY ||
	    info.type == BPF_MAP_TYPE_PERCPU_ARRAY) {
		/* stats are read as deltas; arrays are emptied */
		if (info.type == BPF_MAP_TYPE_PERCPU_ARRAY)
			return 0;
		zero = calloc(1, info.value_size);
		for (uint32_t i = 0; i < info.max_entries; i++)
			bpf_map_update_elem(fd, &i, zero, BPF_ANY);
		free(zero);
		return 0;
	}
	while (!bpf_map_get_next_key(fd, NULL, key)) {
		memcpy(next, key, sizeof(key));
		if (bpf_map_delete_elem(fd, next))
			return -errno;
	}
	return 0;
}

static int stats_get(struct runner *r, uint64_t *sum)
{
	uint64_t per_cpu[r->ncpus];

	for (uint32_t i = 0; i < ALK_R_MAX; i++) {
		if (bpf_map_lookup_elem(r->fd[M_STATS], &i, per_cpu))
			return -1;
		sum[i] = 0;
		for (int c = 0; c < r->ncpus; c++)
			sum[i] += per_cpu[c];
	}
	return 0;
}

static int load(struct runner *r, const struct agent_fixture *f, uint64_t now)
{
	uint32_t zero = 0;
	int err = 0;

	for (int m = 0; m < M_MAX; m++)
		if ((err = map_clear(r->fd[m])))
			return err;
	if (f->has_self)
		err |= bpf_map_update_elem(r->fd[M_GATEWAY], &zero, &f->self,
					   BPF_ANY);
	if (f->has_conf)
		err |= bpf_map_update_elem(r->fd[M_AGENT], &zero, &f->conf,
					   BPF_ANY);
	for (int i = 0; i < f->nports; i++) {
		const struct alk_port *p = &f->ports[i];
		struct alk_endpoint_key ik = { .vni = p->vni, .ip = p->ip };
		struct alk_dhcp_key mk = { .vni = p->vni };
		struct alk_local l = { .ifindex = f->port_ifindex[i] };

		memcpy(mk.mac, p->mac, 6);
		memcpy(l.mac, p->mac, 6);
		err |= bpf_map_update_elem(r->fd[M_PORTS], &f->port_ifindex[i],
					   p, BPF_ANY);
		err |= bpf_map_update_elem(r->fd[M_LOCAL_IP], &ik, &l, BPF_ANY);
		err |= bpf_map_update_elem(r->fd[M_LOCAL_MAC], &mk, &l,
					   BPF_ANY);
	}
	for (int i = 0; i < f->nnets; i++) {
		struct alk_network_lpm_key k = {
			.prefixlen = 32 + f->nets[i].plen,
			.vni = htonl(f->nets[i].vni),
			.ip = f->nets[i].prefix,
		};

		err |= bpf_map_update_elem(r->fd[M_NETWORKS], &k,
					   &f->nets[i].net, BPF_ANY);
		for (int b = 0; b < f->nets[i].net.nbouncers; b++) {
			struct alk_neighbor_key nk = {
				.ip = f->nets[i].net.bouncers[b],
			};
			struct alk_neighbor nb = { 0 };

			memcpy(nb.mac, next_hop_mac, 6);
			err |= bpf_map_update_elem(r->fd[M_NEIGHBORS], &nk, &nb,
						   BPF_ANY);
		}
	}
	for (int i = 0; i < f->ntrusted; i++) {
		uint32_t one = 1;

		err |= bpf_map_update_elem(r->fd[M_TRUSTED], &f->trusted[i],
					   &one, BPF_ANY);
	}
	for (int i = 0; i < f->ndp; i++) {
		struct alk_endpoint_key k = { .vni = f->dp[i].vni,
					      .ip = f->dp[i].ip };
		struct alk_dp_entry e = {
			.host = f->dp[i].host,
			.learned_ns =
				agent_fixture_time(now, f->dp[i].learned_ms),
			.asked_ns = agent_fixture_time(now, f->dp[i].asked_ms),
		};

		err |= bpf_map_update_elem(r->fd[M_DP], &k, &e, BPF_ANY);
	}
	return err ? -1 : 0;
}

static int tc_action(int reason)
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
	struct runner *r = arg;
	uint64_t before[ALK_R_MAX], after[ALK_R_MAX];
	struct __sk_buff skb = { 0 };
	int err, counted = -1;
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = f->in,
		    .data_size_in = f->in_len, .data_out = run->frame,
		    .data_size_out = sizeof(run->frame), .ctx_in = &skb,
		    .ctx_size_in = sizeof(skb), .repeat = 1);

	if (f->has_conf && underlay_setup(r, f->conf.underlay_ifindex))
		return -1;
	skb.ingress_ifindex =
		f->ingress ? f->conf.underlay_ifindex : f->hook_ifindex;
	run->now_lo = now_ns();
	if (load(r, f, run->now_lo) || stats_get(r, before)) {
		fprintf(stderr, "    filling the maps: %s\n", strerror(errno));
		return -1;
	}
	err = bpf_prog_test_run_opts(r->prog_fd, &opts);
	run->now_hi = now_ns();
	if (err) {
		fprintf(stderr, "    BPF_PROG_TEST_RUN: %s\n", strerror(-err));
		return -1;
	}
	if (stats_get(r, after))
		return -1;
	for (int i = 0; i < ALK_R_MAX; i++) {
		if (after[i] == before[i])
			continue;
		if (counted >= 0 || after[i] != before[i] + 1) {
			fprintf(stderr, "    %s: counters moved: %s and %s\n",
				f->name,
				alk_reason_names[counted < 0 ? i : counted],
				alk_reason_names[i]);
			return -1;
		}
		counted = i;
	}
	run->reason = counted;
	if (counted >= 0 && (int)opts.retval != tc_action(counted)) {
		fprintf(stderr, "    %s: TC action %d for %s\n", f->name,
			opts.retval, alk_reason_names[counted]);
		run->reason = -1;
	}
	run->len = opts.data_size_out;
	run->ifindex = -1; /* a redirect's target is not seen */
	return 0;
}

static int tc_dp_get(void *arg, uint32_t vni, __be32 ip, struct alk_dp_entry *e)
{
	struct runner *r = arg;
	struct alk_endpoint_key k = { .vni = vni, .ip = ip };

	if (!bpf_map_lookup_elem(r->fd[M_DP], &k, e))
		return 1;
	return errno == ENOENT ? 0 : -1;
}

static int open_object(struct runner *r, const char *path)
{
	struct bpf_program *prog;
	struct bpf_map *map;
	int err;

	r->obj = bpf_object__open_file(path, NULL);
	if (!r->obj)
		return -errno;
	/* this process's own maps, whatever the object pins */
	bpf_object__for_each_map(map, r->obj) bpf_map__set_pin_path(map, NULL);
	prog = bpf_object__find_program_by_name(r->obj, "alkaid_agent");
	if (!prog)
		return -ENOENT;
	bpf_program__set_log_level(prog, LOG_STATS);
	bpf_program__set_log_buf(prog, r->log, sizeof(r->log));
	err = bpf_object__load(r->obj);
	if (err)
		return err;
	r->prog_fd = bpf_program__fd(prog);
	for (int m = 0; m < M_MAX; m++) {
		map = bpf_object__find_map_by_name(r->obj, map_names[m]);
		if (!map)
			return -ENOENT;
		r->fd[m] = bpf_map__fd(map);
	}
	r->ncpus = libbpf_num_possible_cpus();
	return r->ncpus > 0 ? 0 : r->ncpus;
}

int main(int argc, char **argv)
{
	static struct runner r;
	struct agent_backend be = {
		.name = "tc",
		.run = tc_run,
		.dp_get = tc_dp_get,
		.arp_gateway_mac = next_hop_mac,
		.ctx = &r,
	};
	int verbose = argc > 3 && !strcmp(argv[3], "-v"), count, err;

	if (argc < 3) {
		fprintf(stderr, "usage: %s BPF_OBJECT FIXTURES [-v]\n",
			argv[0]);
		return 2;
	}
	if (unshare(CLONE_NEWNET)) {
		fprintf(stderr, "a network namespace: %s\n", strerror(errno));
		return errno == EPERM ? EXIT_SKIP : 1;
	}
	err = open_object(&r, argv[1]);
	if (err) {
		fprintf(stderr, "%s: %s\n%s", argv[1], strerror(-err), r.log);
		return err == -EPERM ? EXIT_SKIP : 1;
	}
	/* the verifier's totals: the instruction budget is the risk */
	for (char *l = strtok(r.log, "\n"); l; l = strtok(NULL, "\n"))
		if (strstr(l, "processed"))
			printf("verifier: %s\n", l);
	int failures = agent_fixtures_run(argv[2], &be, verbose, &count);

	bpf_object__close(r.obj);
	return failures == 0 && count > 0 ? 0 : 1;
}
