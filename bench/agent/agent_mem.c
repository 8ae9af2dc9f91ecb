// SPDX-License-Identifier: BSD-3-Clause
/*
 * The host agent's memory with N endpoints: the program (xlated and JITed
 * bytes, memlock), its maps (memlock, at their default sizes) and the
 * kernel memory each attachment costs.  Prints CSV rows (bench/run.sh):
 * bench,case,endpoints,unit,value,ref_value,ratio.
 *
 *   agent-mem [-r ROUNDS] [-p PREFIX] AGENT_OBJ N...
 *
 * Run in a namespace of its own (bench/agent/run.sh): for each N (in
 * increasing order) it makes N veth pairs there with ip(8) (P<i> on the
 * host side, P<i>e its peer), puts their endpoints in the port and local
 * maps, and R times (5 by default) attaches the one loaded program at TC
 * ingress of every host-side veth (a clsact qdisc and one filter, with
 * libbpf, the same program fd) and detaches it again.  The attachment's
 * cost is the growth of the kernel's unaccounted slab memory (the
 * /proc/slabinfo caches no cgroup is charged for: active objects times
 * their size) and of its per-CPU memory (/proc/meminfo Percpu) over the
 * attaching of all N, the median of the R rounds, divided by N.  Its
 * reference is what the N veth pairs themselves cost when they were made,
 * one measurement of the whole Slab + Percpu (a net device is charged to
 * its cgroup): it is the noisier figure.  The counters are the whole
 * machine's: another process allocating at the same time shows as noise,
 * which the median over rounds and a large N make small (N = 1 is all
 * noise below a few kB).
 *
 * Rows (bytes): agent,prog_{xlated,jited,memlock} and agent,maps_memlock
 * at each N against the same figure at the first N (ratio 1: it does not
 * grow with endpoints), agent,map_<name>_memlock once, and
 * agent,attach_per_endpoint at each N against the veth pair's
 * (agent,veth_pair_per_endpoint alone).  The slab caches that grew most
 * while attaching go to stderr.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "core/model.h"
#include "agent_obj.h"

#define SLAB_CACHES 512

struct mem {
	long long kernel; /* bytes: Slab + Percpu */
	long long percpu; /* bytes: Percpu */
	/* /proc/slabinfo, by cache */
	int ncaches;
	struct {
		char name[64];
		long long bytes; /* active objects * object size */
	} cache[SLAB_CACHES];
};

static const char *prefix = "aben";

static void read_mem(struct mem *m)
{
	char line[512];
	long long kb;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		agent_die("/proc/meminfo", errno);
	m->kernel = 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "Slab: %lld kB", &kb) == 1)
			m->kernel += kb * 1024;
		if (sscanf(line, "Percpu: %lld kB", &kb) == 1) {
			m->kernel += kb * 1024;
			m->percpu = kb * 1024;
		}
	}
	fclose(f);
	m->ncaches = 0;
	f = fopen("/proc/slabinfo", "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f) && m->ncaches < SLAB_CACHES) {
		long long active, total, size;
		char name[64];

		if (sscanf(line, "%63s %lld %lld %lld", name, &active, &total,
			   &size) != 4)
			continue;
		strcpy(m->cache[m->ncaches].name, name);
		m->cache[m->ncaches++].bytes = active * size;
	}
	fclose(f);
}

/* Freeing after a detach or a deletion waits for RCU grace periods. */
/* Slab memory no cgroup is charged for, and Percpu: where the kernel puts
 * a qdisc, a filter and their blocks and chains (GFP_KERNEL, unaccounted).
 * Other tenants' processes allocate in the charged caches (-cg-) all the
 * time, megabytes a second on a busy machine: the whole Slab moves too much
 * for a few kB an attachment to show. */
static long long uncharged(const struct mem *m)
{
	long long sum = m->percpu;

	for (int i = 0; i < m->ncaches; i++)
		if (!strstr(m->cache[i].name, "-cg-"))
			sum += m->cache[i].bytes;
	return sum;
}

static void settle(void)
{
	usleep(200 * 1000);
}

/* The slab caches that grew most from a to b, on stderr. */
static void show_caches(const struct mem *a, const struct mem *b, int n)
{
	int shown[SLAB_CACHES] = { 0 };

	fprintf(stderr, "bench/agent: %d attachments, slab caches grown:", n);
	for (int k = 0; k < 5; k++) {
		long long best = 0;
		int bi = -1;

		for (int i = 0; i < b->ncaches; i++) {
			long long d = b->cache[i].bytes;

			for (int j = 0; j < a->ncaches; j++)
				if (strcmp(a->cache[j].name,
					   b->cache[i].name) == 0) {
					d -= a->cache[j].bytes;
					break;
				}
			if (!shown[i] && d > best) {
				best = d;
				bi = i;
			}
		}
		if (bi < 0)
			break;
		shown[bi] = 1;
		fprintf(stderr, " %s +%lld", b->cache[bi].name, best);
	}
	fprintf(stderr, "\n");
}

/* Host-side veths from..to-1, and their peers, up. */
static void make_veths(int from, int to)
{
	char cmd[64];
	FILE *ip = popen("ip -batch -", "w");

	if (!ip)
		agent_die("ip -batch", errno);
	for (int i = from; i < to; i++) {
		fprintf(ip, "link add %s%d type veth peer name %s%de\n", prefix,
			i, prefix, i);
		fprintf(ip, "link set %s%d up\nlink set %s%de up\n", prefix, i,
			prefix, i);
	}
	if (pclose(ip) != 0) {
		snprintf(cmd, sizeof(cmd), "veths %s%d..%d", prefix, from,
			 to - 1);
		agent_die(cmd, EIO);
	}
}

static int ifindex_of(int i)
{
	char name[IF_NAMESIZE];
	int ifindex;

	snprintf(name, sizeof(name), "%s%d", prefix, i);
	ifindex = if_nametoindex(name);
	if (!ifindex)
		agent_die(name, errno);
	return ifindex;
}

static int map_fd(struct bpf_object *obj, const char *name)
{
	struct bpf_map *m = bpf_object__find_map_by_name(obj, name);

	if (!m)
		agent_die(name, ENOENT);
	return bpf_map__fd(m);
}

/* Endpoint i (198.19.x.y, 0e:00:00:00:xx:yy in VNI 100) behind veth i:
 * its port and its two local indexes, as alkaid-agent writes them. */
static void add_endpoint(struct bpf_object *obj, int i)
{
	uint32_t ifindex = ifindex_of(i);
	struct alk_port port = { .vni = 100, .ip = htonl(0xc6130001u + i) };
	struct alk_endpoint_key ek = { .vni = 100, .ip = port.ip };
	struct alk_local local = { .ifindex = ifindex };
	struct alk_dhcp_key mk = { .vni = 100 };
	uint8_t mac[6] = { 0x0e, 0, 0, 0, i >> 8, i & 0xff };

	memcpy(port.mac, mac, 6);
	memcpy(local.mac, mac, 6);
	memcpy(mk.mac, mac, 6);
	if (bpf_map_update_elem(map_fd(obj, "alk_ports"), &ifindex, &port,
				BPF_ANY) ||
	    bpf_map_update_elem(map_fd(obj, "alk_local_ip"), &ek, &local,
				BPF_ANY) ||
	    bpf_map_update_elem(map_fd(obj, "alk_local_mac"), &mk, &local,
				BPF_ANY))
		agent_die("endpoint maps", errno);
}

static void attach_all(int prog_fd, int n)
{
	for (int i = 0; i < n; i++) {
		LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex_of(i),
			    .attach_point = BPF_TC_INGRESS);
		LIBBPF_OPTS(bpf_tc_opts, opts, .prog_fd = prog_fd);
		int err = bpf_tc_hook_create(&hook);

		if (err && err != -EEXIST)
			agent_die("bpf_tc_hook_create", err);
		err = bpf_tc_attach(&hook, &opts);
		if (err)
			agent_die("bpf_tc_attach", err);
	}
}

static void detach_all(int n)
{
	for (int i = 0; i < n; i++) {
		LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex_of(i),
			    .attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS);
		int err = bpf_tc_hook_destroy(&hook);

		if (err)
			agent_die("bpf_tc_hook_destroy", err);
	}
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

struct prog_mem {
	long long xlated, jited, memlock, maps;
};

static struct prog_mem prog_mem(struct bpf_object *obj, int prog_fd)
{
	struct bpf_prog_info info = { 0 };
	uint32_t len = sizeof(info);
	struct prog_mem pm = { 0 };
	struct bpf_map *m;

	if (bpf_obj_get_info_by_fd(prog_fd, &info, &len))
		agent_die("bpf_obj_get_info_by_fd", errno);
	pm.xlated = info.xlated_prog_len;
	pm.jited = info.jited_prog_len;
	pm.memlock = agent_fd_memlock(prog_fd);
	bpf_object__for_each_map(m, obj) pm.maps +=
		agent_fd_memlock(bpf_map__fd(m));
	return pm;
}

static void row(const char *name, int n, long long v, long long ref)
{
	printf("agent,%s,%d,bytes,%lld,%lld,%.2f\n", name, n, v, ref,
	       ref ? (double)v / ref : 0);
}

int main(int argc, char **argv)
{
	struct bpf_program *prog;
	struct bpf_object *obj;
	struct prog_mem first = { 0 };
	static struct mem m0, m1, before, after;
	long long deltas[64];
	int rounds = 5, made = 0, opt, prog_fd;

	while ((opt = getopt(argc, argv, "r:p:")) != -1) {
		if (opt == 'r')
			rounds = atoi(optarg);
		else if (opt == 'p')
			prefix = optarg;
		else
			goto usage;
	}
	if (optind + 2 > argc || rounds < 1 || rounds > 64)
		goto usage;
	libbpf_set_print(NULL);
	obj = agent_obj_load(argv[optind++], "alkaid_agent", &prog);
	prog_fd = bpf_program__fd(prog);

	for (int a = optind; a < argc; a++) {
		int n = atoi(argv[a]);
		long long veth, attach;
		struct prog_mem pm = { 0 };

		if (n <= made)
			goto usage;
		read_mem(&m0);
		make_veths(made, n);
		settle();
		read_mem(&m1);
		veth = (m1.kernel - m0.kernel) / (n - made);
		for (int i = made; i < n; i++)
			add_endpoint(obj, i);
		made = n;
		for (int r = 0; r < rounds; r++) {
			read_mem(&before);
			attach_all(prog_fd, n);
			settle();
			read_mem(&after);
			deltas[r] = uncharged(&after) - uncharged(&before);
			if (r == rounds - 1) {
				pm = prog_mem(obj, prog_fd);
				show_caches(&before, &after, n);
			}
			detach_all(n);
			settle();
		}
		qsort(deltas, rounds, sizeof(deltas[0]), cmp_ll);
		attach = deltas[rounds / 2] / n;
		fprintf(stderr,
			"bench/agent: %d endpoints: attaching all grew "
			"unaccounted slab + Percpu by %lld..%lld bytes over %d "
			"rounds\n",
			n, deltas[0], deltas[rounds - 1], rounds);
		if (a == optind) {
			struct bpf_map *m;
			char name[96];

			first = pm;
			bpf_object__for_each_map(m, obj)
			{
				if (bpf_map__is_internal(m))
					continue;
				snprintf(name, sizeof(name), "map_%s_memlock",
					 bpf_map__name(m));
				printf("agent,%s,%d,bytes,%lld,,\n", name, n,
				       agent_fd_memlock(bpf_map__fd(m)));
			}
		}
		row("prog_xlated", n, pm.xlated, first.xlated);
		row("prog_jited", n, pm.jited, first.jited);
		row("prog_memlock", n, pm.memlock, first.memlock);
		row("maps_memlock", n, pm.maps, first.maps);
		row("attach_per_endpoint", n, attach, veth);
		printf("agent,veth_pair_per_endpoint,%d,bytes,%lld,,\n", n,
		       veth);
		fflush(stdout);
	}
	bpf_object__close(obj);
	return 0;
usage:
	fprintf(stderr, "usage: agent-mem [-r ROUNDS] [-p PREFIX] AGENT_OBJ "
			"N... (increasing)\n");
	return 2;
}
