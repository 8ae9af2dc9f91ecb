/* SPDX-License-Identifier: BSD-3-Clause */
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

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "core/reason_names.h"
#include "agent_bpf_rig.h"

#define LOG_STATS 4 /* BPF_LOG_STATS: the verifier's totals only */

#define UNDERLAY_MAC "02:a1:ca:1d:fe:02"
#define NEXT_HOP_IP "198.18.255.254"
#define NEXT_HOP_MAC "02:00:00:00:fe:01"
const uint8_t agent_rig_underlay_mac[6] = {
	0x02, 0xa1, 0xca, 0x1d, 0xfe, 0x02
};
const uint8_t agent_rig_next_hop_mac[6] = {
	0x02, 0x00, 0x00, 0x00, 0xfe, 0x01
};

static const char *const map_names[AGENT_M_MAX] = {
	"alk_gateway",	 "alk_agent",	  "alk_networks", "alk_ports",
	"alk_local_ip",	 "alk_local_mac", "alk_dp_cache", "alk_stats",
	"alk_neighbors", "alk_trusted",
};

uint64_t agent_rig_now_ns(void)
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

int agent_rig_netns(const char *prog)
{
	if (unshare(CLONE_NEWNET)) {
		fprintf(stderr, "%s: a network namespace: %s\n", prog,
			strerror(errno));
		return errno == EPERM ? AGENT_RIG_EXIT_SKIP : 1;
	}
	return 0;
}

int agent_rig_underlay(struct agent_bpf_rig *r, uint32_t ifindex)
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

int agent_rig_device(uint32_t ifindex)
{
	char name[IF_NAMESIZE];

	if (if_indextoname(ifindex, name))
		return 0;
	/* a veth (no dummy module on every kernel); its peer at an index
	 * no fixture names */
	return sh("ip link add name alkfxp%u index %u type veth peer name "
		  "alkfxq%u index %u",
		  ifindex, ifindex, ifindex, ifindex + 100000);
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

int agent_rig_stats(struct agent_bpf_rig *r, uint64_t *sum)
{
	uint64_t per_cpu[r->ncpus];

	for (uint32_t i = 0; i < ALK_R_MAX; i++) {
		if (bpf_map_lookup_elem(r->fd[AGENT_M_STATS], &i, per_cpu))
			return -1;
		sum[i] = 0;
		for (int c = 0; c < r->ncpus; c++)
			sum[i] += per_cpu[c];
	}
	return 0;
}

int agent_rig_counted(const struct agent_fixture *f, const uint64_t *before,
		      const uint64_t *after)
{
	int counted = -1;

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
	return counted;
}

int agent_rig_load(struct agent_bpf_rig *r, const struct agent_fixture *f,
		   uint64_t now)
{
	uint32_t zero = 0;
	int err = 0;

	for (int m = 0; m < AGENT_M_MAX; m++)
		if ((err = map_clear(r->fd[m])))
			return err;
	if (f->has_self)
		err |= bpf_map_update_elem(r->fd[AGENT_M_GATEWAY], &zero,
					   &f->self, BPF_ANY);
	if (f->has_conf)
		err |= bpf_map_update_elem(r->fd[AGENT_M_AGENT], &zero,
					   &f->conf, BPF_ANY);
	for (int i = 0; i < f->nports; i++) {
		const struct alk_port *p = &f->ports[i];
		struct alk_endpoint_key ik;
		struct alk_dhcp_key mk;
		struct alk_local l;

		alk_port_indexes(f->port_ifindex[i], p, &ik, &mk, &l);
		err |= bpf_map_update_elem(r->fd[AGENT_M_PORTS],
					   &f->port_ifindex[i], p, BPF_ANY);
		err |= bpf_map_update_elem(r->fd[AGENT_M_LOCAL_IP], &ik, &l,
					   BPF_ANY);
		err |= bpf_map_update_elem(r->fd[AGENT_M_LOCAL_MAC], &mk, &l,
					   BPF_ANY);
	}
	for (int i = 0; i < f->nnets; i++) {
		struct alk_network_lpm_key k = {
			.prefixlen = 32 + f->nets[i].plen,
			.vni = htonl(f->nets[i].vni),
			.ip = f->nets[i].prefix,
		};

		err |= bpf_map_update_elem(r->fd[AGENT_M_NETWORKS], &k,
					   &f->nets[i].net, BPF_ANY);
		for (int b = 0; b < f->nets[i].net.nbouncers; b++) {
			struct alk_neighbor_key nk = {
				.ip = f->nets[i].net.bouncers[b],
			};
			struct alk_neighbor nb = { 0 };

			memcpy(nb.mac, agent_rig_next_hop_mac, 6);
			err |= bpf_map_update_elem(r->fd[AGENT_M_NEIGHBORS],
						   &nk, &nb, BPF_ANY);
		}
	}
	for (int i = 0; i < f->ntrusted; i++) {
		uint32_t one = 1;

		err |= bpf_map_update_elem(r->fd[AGENT_M_TRUSTED],
					   &f->trusted[i], &one, BPF_ANY);
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

		err |= bpf_map_update_elem(r->fd[AGENT_M_DP], &k, &e, BPF_ANY);
	}
	return err ? -1 : 0;
}

int agent_rig_dp_get(void *rig, uint32_t vni, __be32 ip, struct alk_dp_entry *e)
{
	struct agent_bpf_rig *r = rig;
	struct alk_endpoint_key k = { .vni = vni, .ip = ip };

	if (!bpf_map_lookup_elem(r->fd[AGENT_M_DP], &k, e))
		return 1;
	return errno == ENOENT ? 0 : -1;
}

int agent_rig_open(struct agent_bpf_rig *r, const char *path,
		   const char *prog_name)
{
	struct bpf_program *prog;
	struct bpf_map *map;
	int err;

	r->obj = bpf_object__open_file(path, NULL);
	if (!r->obj) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return 1;
	}
	/* this process's own maps, whatever the object pins */
	bpf_object__for_each_map(map, r->obj) bpf_map__set_pin_path(map, NULL);
	prog = bpf_object__find_program_by_name(r->obj, prog_name);
	if (!prog) {
		fprintf(stderr, "%s: no program %s\n", path, prog_name);
		return 1;
	}
	bpf_program__set_log_level(prog, LOG_STATS);
	bpf_program__set_log_buf(prog, r->log, sizeof(r->log));
	err = bpf_object__load(r->obj);
	if (err) {
		fprintf(stderr, "%s: %s\n%s", path, strerror(-err), r->log);
		return err == -EPERM ? AGENT_RIG_EXIT_SKIP : 1;
	}
	r->prog_fd = bpf_program__fd(prog);
	for (int m = 0; m < AGENT_M_MAX; m++) {
		map = bpf_object__find_map_by_name(r->obj, map_names[m]);
		if (!map) {
			fprintf(stderr, "%s: no map %s\n", path, map_names[m]);
			return 1;
		}
		r->fd[m] = bpf_map__fd(map);
	}
	r->ncpus = libbpf_num_possible_cpus();
	if (r->ncpus <= 0)
		return 1;
	/* the verifier's totals: the instruction budget is the risk */
	for (char *l = strtok(r->log, "\n"); l; l = strtok(NULL, "\n"))
		if (strstr(l, "processed"))
			printf("verifier: %s\n", l);
	return 0;
}

void agent_rig_close(struct agent_bpf_rig *r)
{
	bpf_object__close(r->obj);
}

int agent_rig_run(struct agent_bpf_rig *r, const struct agent_fixture *f,
		  struct agent_run *run, void *ctx, uint32_t ctx_size,
		  int (*action)(const struct agent_fixture *f, int reason),
		  const char *hook)
{
	uint64_t before[ALK_R_MAX], after[ALK_R_MAX];
	int err, counted;
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = f->in,
		    .data_size_in = f->in_len, .data_out = run->frame,
		    .data_size_out = sizeof(run->frame), .ctx_in = ctx,
		    .ctx_size_in = ctx_size, .repeat = 1);

	run->now_lo = agent_rig_now_ns();
	if (agent_rig_load(r, f, run->now_lo) || agent_rig_stats(r, before)) {
		fprintf(stderr, "    filling the maps: %s\n", strerror(errno));
		return -1;
	}
	err = bpf_prog_test_run_opts(r->prog_fd, &opts);
	run->now_hi = agent_rig_now_ns();
	if (err) {
		fprintf(stderr, "    BPF_PROG_TEST_RUN: %s\n", strerror(-err));
		return -1;
	}
	if (agent_rig_stats(r, after))
		return -1;
	counted = agent_rig_counted(f, before, after);
	run->reason = counted;
	if (counted >= 0 && (int)opts.retval != action(f, counted)) {
		fprintf(stderr, "    %s: %s action %u for %s\n", f->name, hook,
			opts.retval, alk_reason_names[counted]);
		run->reason = -1;
	}
	run->len = opts.data_size_out;
	run->ifindex = -1; /* a redirect's target is not seen */
	return 0;
}

int agent_rig_main(int argc, char **argv, const char *prog,
		   struct agent_backend *be)
{
	static struct agent_bpf_rig r;
	int verbose = argc > 3 && !strcmp(argv[3], "-v"), count, err;

	if (argc < 3) {
		fprintf(stderr, "usage: %s BPF_OBJECT FIXTURES [-v]\n",
			argv[0]);
		return 2;
	}
	if ((err = agent_rig_netns(argv[0])) ||
	    (err = agent_rig_open(&r, argv[1], prog)))
		return err;
	be->ctx = &r;
	int failures = agent_fixtures_run(argv[2], be, verbose, &count);

	agent_rig_close(&r);
	return failures == 0 && count > 0 ? 0 : 1;
}
