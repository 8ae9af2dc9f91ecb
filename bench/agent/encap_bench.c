// SPDX-License-Identifier: BSD-3-Clause
/*
 * Encapsulation cost per frame of the host agent (dp-agent/agent.bpf.c),
 * through BPF_PROG_TEST_RUN, against a TC program that only redirects
 * (redirect.bpf.c) run the same way in the same run.  Prints CSV rows
 * (bench/run.sh): bench,case,endpoints,unit,value,ref_value,ratio.
 *
 *   agent-encap [--quick] AGENT_OBJ REDIRECT_OBJ GROW_OBJ
 *
 * An skb test run with repeat > 1 runs the program again on the frame it
 * has just changed (an encapsulated frame would grow again): each case is
 * runs calls of repeat = 1 (200000, 5000 with --quick), the agent's and
 * the references' interleaved, and the kernel's own duration of each (the
 * program's time, without the syscall's) is averaged.  Each call of the
 * agent must return TC_ACT_REDIRECT with the frame grown or shrunk as its
 * path does, and the path's reason counter (alk_stats) must move by
 * exactly the number of calls: a drop path cannot be measured by mistake.
 *
 * Rows, nanoseconds a frame: agent,<case> (reference: the redirect
 * program; ratio: agent / reference) and agent,<case>_beyond_redirect (the
 * difference; reference and ratio empty); for the cases that encapsulate,
 * agent,<case>_vs_grow against GROW_OBJ (redirect.bpf.c built with
 * BENCH_GROW: the frame grown as the agent grows it, then redirected as the
 * agent redirects it), the floor of any encapsulating TC program.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/pkt_cls.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "core/model.h"
#include "core/reason_names.h"
#include "tests/lib/frames.h"
#include "agent_obj.h"

/* The host, its underlay interface and ports: any numbers do for the
 * program (it only compares and passes them to the redirect helpers);
 * the test run's own device is the namespace's loopback. */
#define HOST_IP 0xc612000au	 /* 198.18.0.10 */
#define BOUNCER_IP 0xc6120001u	 /* 198.18.0.1 */
#define PEER_HOST_IP 0xc6120014u /* 198.18.0.20: direct path */
#define UNDERLAY_IF 1001
#define PORT_IF 1002	     /* the sender: Geneve network */
#define PORT_VXLAN_IF 1003   /* the sender: VXLAN network */
#define PORT_LOCAL_IF 1004   /* a local destination */
#define PORT_DELIVER_IF 1005 /* ingress: the destination */
#define VNI 100
#define VNI_VXLAN 200
#define EP_SRC 0xc6130001u    /* 198.19.0.1: the sender */
#define EP_REMOTE 0xc6130002u /* on another host, through the bouncer */
#define EP_LOCAL 0xc6130003u  /* on this host */
#define EP_DIRECT 0xc6130004u /* on 198.18.0.20, in the direct-path cache */

static const uint8_t host_mac[6] = { 0x02, 0, 0xc6, 0x12, 0, 0x0a };
static const uint8_t bouncer_mac[6] = { 0x02, 0, 0xc6, 0x12, 0, 0x01 };
/* frame_ipv4()'s inner MACs: the sender and the destination */
static const uint8_t src_mac[6] = { 0x0e, 0, 0, 0, 0, 0x01 };
static const uint8_t dst_mac[6] = { 0x0e, 0, 0, 0, 0, 0x02 };

struct bench_case {
	const char *name;
	int ingress;	 /* a tunnel frame from the underlay */
	int vxlan;	 /* the sender's network encapsulates in VXLAN */
	int direct_path; /* ALK_AGENT_F_DIRECT_PATH */
	uint32_t dst;	 /* the inner destination */
	uint32_t inner_len;
	int grow; /* bytes the frame grows by */
	enum alk_reason reason;
};

static const struct bench_case cases[] = {
	{ "egress_geneve_64", 0, 0, 0, EP_REMOTE, 64, 50, ALK_R_agent_encap },
	{ "egress_geneve_1400", 0, 0, 0, EP_REMOTE, 1400, 50,
	  ALK_R_agent_encap },
	{ "egress_vxlan_64", 0, 1, 0, EP_REMOTE, 64, 50, ALK_R_agent_encap },
	{ "egress_direct_64", 0, 0, 1, EP_DIRECT, 64, 50, ALK_R_agent_direct },
	{ "egress_local_64", 0, 0, 0, EP_LOCAL, 64, 0, ALK_R_agent_local },
	{ "ingress_decap_64", 1, 0, 0, EP_SRC, 64, -50, ALK_R_agent_deliver },
	{ "ingress_decap_1400", 1, 0, 0, EP_SRC, 1400, -50,
	  ALK_R_agent_deliver },
};

static int map_fd(struct bpf_object *obj, const char *name)
{
	struct bpf_map *m = bpf_object__find_map_by_name(obj, name);

	if (!m)
		agent_die(name, ENOENT);
	return bpf_map__fd(m);
}

static void put(struct bpf_object *obj, const char *map, const void *k,
		const void *v)
{
	int err = bpf_map_update_elem(map_fd(obj, map), k, v, BPF_ANY);

	if (err)
		agent_die(map, err);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	/* bpf_ktime_get_ns()'s clock */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static void set_conf(struct bpf_object *obj, int direct_path)
{
	struct alk_agent_conf conf = {
		.underlay_ifindex = UNDERLAY_IF,
		.flags = direct_path ? ALK_AGENT_F_DIRECT_PATH : 0,
		.dp_age_ms = 3600 * 1000, /* never old within the run */
		.ask_ms = 1000,
		.mtu = 1500,
	};
	uint32_t zero = 0;

	put(obj, "alk_agent", &zero, &conf);
}

static void port(struct bpf_object *obj, uint32_t ifindex, uint32_t vni,
		 uint32_t ip, const uint8_t mac[6])
{
	struct alk_port p = { .vni = vni, .ip = htonl(ip) };

	memcpy(p.mac, mac, 6);
	put(obj, "alk_ports", &ifindex, &p);
}

static void network(struct bpf_object *obj, uint32_t vni, uint16_t flags)
{
	struct alk_network_lpm_key k = {
		.prefixlen = 32 + 16,
		.vni = htonl(vni),
		.ip = htonl(0xc6130000u), /* 198.19.0.0/16 */
	};
	struct alk_network n = {
		.lease = 3600,
		.plen = 16,
		.nbouncers = 1,
		.bouncers = { htonl(BOUNCER_IP) },
		.flags = flags,
	};

	put(obj, "alk_networks", &k, &n);
}

/* One host with a sender in a Geneve and in a VXLAN network, a local
 * destination, a remote one through the bouncer, one in the direct-path
 * cache (learned now), and a destination for tunnel frames. */
static void fill(struct bpf_object *obj)
{
	struct alk_gateway self = {
		.ip = htonl(HOST_IP),
		.geneve_port = htons(ALK_GENEVE_PORT),
		.vxlan_port = htons(ALK_VXLAN_PORT),
	};
	struct alk_endpoint_key ek = { .vni = VNI, .ip = htonl(EP_LOCAL) };
	struct alk_local local = { .ifindex = PORT_LOCAL_IF };
	struct alk_dhcp_key mk = { .vni = VNI };
	struct alk_local deliver = { .ifindex = PORT_DELIVER_IF };
	struct alk_dp_entry dp = { .host = htonl(PEER_HOST_IP) };
	uint32_t zero = 0;

	memcpy(self.mac, host_mac, 6);
	put(obj, "alk_gateway", &zero, &self);
	set_conf(obj, 0);
	network(obj, VNI, 0);
	network(obj, VNI_VXLAN, ALK_NET_F_VXLAN);
	port(obj, PORT_IF, VNI, EP_SRC, src_mac);
	port(obj, PORT_VXLAN_IF, VNI_VXLAN, EP_SRC, src_mac);
	memcpy(local.mac, dst_mac, 6);
	put(obj, "alk_local_ip", &ek, &local);
	memcpy(mk.mac, dst_mac, 6);
	memcpy(deliver.mac, dst_mac, 6);
	put(obj, "alk_local_mac", &mk, &deliver);
	ek.ip = htonl(EP_DIRECT);
	dp.learned_ns = now_ns();
	put(obj, "alk_dp_cache", &ek, &dp);
}

/* The frame of a case: a tunnel frame from the bouncer for ingress, the
 * bare inner frame for egress. */
static uint32_t frame(const struct bench_case *c, uint8_t *buf,
		      const uint8_t **start)
{
	struct frame_outer o = {
		.tunnel = FRAME_GENEVE,
		.vni = VNI,
		.src_ip = BOUNCER_IP,
		.dst_ip = HOST_IP,
		.sport = 49152,
	};
	uint32_t len;

	memcpy(o.src_mac, bouncer_mac, 6);
	memcpy(o.dst_mac, host_mac, 6);
	len = frame_ipv4(buf, &o, c->ingress ? 0xc6130009u : EP_SRC, c->dst,
			 c->inner_len);
	*start = c->ingress ? buf : buf + FRAME_INNER_OFF;
	return c->ingress ? len : len - FRAME_INNER_OFF;
}

static uint64_t reason_count(int stats_fd, enum alk_reason r)
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t v[ncpu > 0 ? ncpu : 1], sum = 0;
	uint32_t k = r;

	if (ncpu <= 0 || bpf_map_lookup_elem(stats_fd, &k, v))
		agent_die("alk_stats", errno);
	for (int i = 0; i < ncpu; i++)
		sum += v[i];
	return sum;
}

/* One call of repeat 1: the kernel's duration (ns); exits when the
 * program does not redirect or the frame does not come out expected_len
 * long. */
static uint32_t run_once(int prog_fd, const uint8_t *in, uint32_t len,
			 uint32_t ingress_ifindex, uint32_t expected_len,
			 const char *what)
{
	static uint8_t out[4096];
	struct __sk_buff skb = { .ingress_ifindex = ingress_ifindex };
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = in, .data_size_in = len,
		    .data_out = out, .data_size_out = sizeof(out),
		    .ctx_in = &skb, .ctx_size_in = sizeof(skb), .repeat = 1);
	int err = bpf_prog_test_run_opts(prog_fd, &o);

	if (err)
		agent_die("BPF_PROG_TEST_RUN", errno);
	if (o.retval != TC_ACT_REDIRECT || o.data_size_out != expected_len) {
		fprintf(stderr,
			"bench/agent: %s: returned %u (want %u, "
			"TC_ACT_REDIRECT), %u bytes out (want %u)\n",
			what, o.retval, TC_ACT_REDIRECT, o.data_size_out,
			expected_len);
		exit(1);
	}
	return o.duration;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static double mean(const uint32_t *v, uint32_t n)
{
	uint64_t sum = 0;

	for (uint32_t i = 0; i < n; i++)
		sum += v[i];
	return (double)sum / n;
}

int main(int argc, char **argv)
{
	int quick = argc > 1 && strcmp(argv[1], "--quick") == 0;
	uint32_t runs = quick ? 5000 : 200000;
	struct bpf_program *agent, *redirect, *grow;
	struct bpf_object *aobj, *robj, *gobj;
	uint32_t *ta, *tr, *tg;
	uint8_t buf[2048];
	int stats_fd;

	if (argc != 4 + quick) {
		fprintf(stderr, "usage: agent-encap [--quick] AGENT_OBJ "
				"REDIRECT_OBJ GROW_OBJ\n");
		return 2;
	}
	libbpf_set_print(NULL);
	aobj = agent_obj_load(argv[1 + quick], "alkaid_agent", &agent);
	robj = agent_obj_load(argv[2 + quick], "bench_redirect", &redirect);
	gobj = agent_obj_load(argv[3 + quick], "bench_redirect", &grow);
	stats_fd = map_fd(aobj, "alk_stats");
	fill(aobj);
	ta = calloc(runs, sizeof(*ta));
	tr = calloc(runs, sizeof(*tr));
	tg = calloc(runs, sizeof(*tg));
	if (!ta || !tr || !tg)
		agent_die("calloc", ENOMEM);

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct bench_case *c = &cases[i];
		uint32_t iif = c->ingress ? UNDERLAY_IF :
			       c->vxlan	  ? PORT_VXLAN_IF :
					    PORT_IF;
		const uint8_t *in;
		uint32_t len = frame(c, buf, &in);
		uint64_t before;
		double a, r;

		set_conf(aobj, c->direct_path);
		before = reason_count(stats_fd, c->reason);
		for (uint32_t n = 0; n < runs; n++) {
			ta[n] = run_once(bpf_program__fd(agent), in, len, iif,
					 len + c->grow, c->name);
			tr[n] = run_once(bpf_program__fd(redirect), in, len,
					 iif, len, "reference");
			if (c->grow > 0)
				tg[n] = run_once(bpf_program__fd(grow), in, len,
						 iif, len + c->grow,
						 "grow reference");
		}
		if (reason_count(stats_fd, c->reason) - before != runs) {
			fprintf(stderr,
				"bench/agent: %s: counter %s moved by %llu, "
				"not %u\n",
				c->name, alk_reason_names[c->reason],
				(unsigned long long)(reason_count(stats_fd,
								  c->reason) -
						     before),
				runs);
			return 1;
		}
		a = mean(ta, runs);
		r = mean(tr, runs);
		printf("agent,%s,,ns/frame,%.1f,%.1f,%.2f\n", c->name, a, r,
		       a / r);
		printf("agent,%s_beyond_redirect,,ns/frame,%.1f,,\n", c->name,
		       a - r);
		if (c->grow > 0) {
			double g = mean(tg, runs);

			printf("agent,%s_vs_grow,,ns/frame,%.1f,%.1f,%.2f\n",
			       c->name, a, g, a / g);
		}
		qsort(ta, runs, sizeof(*ta), cmp_u32);
		qsort(tr, runs, sizeof(*tr), cmp_u32);
		fprintf(stderr,
			"bench/agent: %s: %u bytes in, %u calls: agent p50 %u "
			"p99 %u ns, reference p50 %u p99 %u ns (%s)\n",
			c->name, len, runs, ta[runs / 2], ta[runs * 99 / 100],
			tr[runs / 2], tr[runs * 99 / 100],
			alk_reason_names[c->reason]);
	}
	bpf_object__close(gobj);
	bpf_object__close(robj);
	bpf_object__close(aobj);
	free(ta);
	free(tr);
	free(tg);
	return 0;
}
