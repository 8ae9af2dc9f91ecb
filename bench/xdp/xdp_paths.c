/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * XDP per-path cost: nanoseconds per packet of each path of the alkaid XDP
 * program, through BPF_PROG_TEST_RUN on fresh frames (bench.bpf.h), with
 * endpoint tables of several sizes and uniformly random destinations.  The
 * reference is a MAC-swapping XDP_TX program behind the same fresh-frame
 * restore, run the same way in the same run.  Prints CSV rows
 * (bench/run.sh): bench,case,endpoints,unit,value,ref_value,ratio.
 *
 *   xdp-paths [--quick] OBJDIR
 *
 * Each path is measured on 65536 stored frames (1024 in --quick), and the
 * paths that look an endpoint up again as "<path>_drawn": one cache-resident
 * template with an endpoint drawn over the whole table in every run
 * (bench.bpf.h), the reference paying the same restore and draw.
 *
 * Each measured path is checked: the counter of the reason it is meant to
 * exercise must have moved by exactly the number of runs.
 *
 * The capture's cost while none runs: "capture_off_<path>" rows, the
 * program as built (a flag test before the core and one after) against
 * the same built with ALK_NO_CAPTURE (alkaid_bench_nocapture.bpf.o), on
 * the same frames, in alternating rounds: the medians, and the fastest
 * rounds ("capture_off_min_"); "capture_off_noise_" is the spread of the
 * reference's own rounds, (max - min) / median.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "tests/lib/frames.h"
#include "core/reason_names.h"
#include "tables/cmd.h"
#include "tables_bpf.h"
#include "bench_shared.h"

static const uint8_t gw_mac[6] = { 0x02, 0, 0, 0, 0, 0x01 };
static const uint8_t host_mac[6] = { 0x02, 0, 0, 0, 0, 0x11 };

#define GW_IP 0xc6120001u /* 198.18.0.1 */
#define HOSTS 64	  /* 198.18.1.1 .. 198.18.1.64 */
#define HOST_IP(i) (0xc6120101u + (i) % HOSTS)
#define DIV_VNI 2000 /* networks only: divided to other bouncers */
#define VPC_VNI 3000 /* a VPC only: divided to other dividers */
#define NONE_VNI 4000

static void die(const char *what, int err)
{
	fprintf(stderr, "xdp-paths: %s: %s\n", what,
		strerror(err < 0 ? -err : err));
	exit(1);
}

static void cmd(struct alk_tables *t, const char *fmt, ...)
{
	char line[512], *argv[64];
	struct alk_error err = { 0 };
	struct alk_cmd c;
	va_list ap;
	int argc;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	argc = alk_cmd_split(line, argv, 64);
	if (alk_cmd_parse(argc, argv, &c, &err) || alk_cmd_apply(t, &c, &err)) {
		fprintf(stderr, "xdp-paths: table command failed: %s\n",
			err.msg);
		exit(1);
	}
}

static void ep_mac(uint32_t i, uint8_t mac[6])
{
	frame_mac(mac, 0x0e00, i);
}

/* n endpoints, in batches through the table API. */
static void fill(struct alk_tables *t, uint32_t n)
{
	const uint32_t batch = 65536;
	struct alk_endpoint_key *k = calloc(batch, sizeof(*k));
	struct alk_endpoint *v = calloc(batch, sizeof(*v));
	struct alk_error err = { 0 };

	cmd(t, "gateway set ip 198.18.0.1 mac 02:00:00:00:00:01");
	for (uint32_t h = 0; h < HOSTS; h++)
		cmd(t, "neighbor add ip 198.18.1.%u mac 02:00:00:00:00:11",
		    h + 1);
	for (uint32_t g = 2; g <= 5; g++)
		cmd(t, "neighbor add ip 198.18.0.%u mac 02:00:00:00:00:%02x", g,
		    g);
	for (uint32_t vni = EP_VNI(0); vni <= EP_VNI(n - 1); vni++)
		cmd(t,
		    "network add vni %u prefix 198.19.0.0/16 bouncers "
		    "198.18.0.1 "
		    "router 198.19.255.1 dns 198.19.255.2 mtu 1450 lease 3600",
		    vni);
	cmd(t,
	    "network add vni %u prefix 198.19.0.0/16 bouncers "
	    "198.18.0.2,198.18.0.3",
	    DIV_VNI);
	cmd(t, "vpc add vni %u dividers 198.18.0.4,198.18.0.5", VPC_VNI);
	for (uint32_t base = 0; base < n; base += batch) {
		uint32_t m = n - base < batch ? n - base : batch;

		for (uint32_t j = 0; j < m; j++) {
			uint32_t i = base + j;

			k[j].vni = EP_VNI(i);
			k[j].ip = htonl(EP_IP(i));
			v[j].host = htonl(HOST_IP(i));
			ep_mac(i, v[j].mac);
		}
		if (alk_endpoints_add(t, k, v, m, &err)) {
			fprintf(stderr, "xdp-paths: endpoints: %s\n", err.msg);
			exit(1);
		}
	}
	free(k);
	free(v);
}

enum path {
	P_BOUNCE,
	P_DIVIDE_NET,
	P_DIVIDE_VPC,
	P_ARP,
	P_DHCP,
	P_DROP,
	P_PASS,
	P_MAX
};

/* Where a drawn endpoint goes in a Geneve frame: the VNI, and the inner
 * destination and sender, of an IPv4 frame or an ARP request (tpa, spa). */
#define VNI_OFF (14 + 20 + 8 + 4)
#define INNER_OFF (14 + 20 + 8 + 8 + 14)

static const struct {
	const char *name;
	enum alk_reason reason;
	int action;
	uint32_t dst_off, src_off; /* 0: not drawn */
} paths[P_MAX] = {
	[P_BOUNCE] = { "bounce", ALK_R_bounce, XDP_TX, INNER_OFF + 16,
		       INNER_OFF + 12 },
	[P_DIVIDE_NET] = { "divide_network", ALK_R_divide_network, XDP_TX },
	[P_DIVIDE_VPC] = { "divide_vpc", ALK_R_divide_vpc, XDP_TX },
	[P_ARP] = { "arp_reply", ALK_R_arp_reply, XDP_TX, INNER_OFF + 24,
		    INNER_OFF + 14 },
	[P_DHCP] = { "dhcp_offer", ALK_R_dhcp_offer, XDP_TX },
	[P_DROP] = { "drop_unknown_vni", ALK_R_unknown_vni, XDP_DROP },
	[P_PASS] = { "pass_not_for_us", ALK_R_not_for_us, XDP_PASS },
};

/* A frame of a path to endpoint dst of n. */
static uint32_t frame(enum path p, uint32_t n, uint32_t dst, uint8_t *buf)
{
	struct frame_outer o = {
		.tunnel = FRAME_GENEVE,
		.src_ip = HOST_IP(0),
		.dst_ip = GW_IP,
		.sport = 40000 + (rand() & 0x3fff),
	};
	uint32_t src = EP_PEER(dst, n);
	uint8_t mac[6];

	memcpy(o.src_mac, host_mac, 6);
	memcpy(o.dst_mac, gw_mac, 6);
	o.vni = EP_VNI(dst);
	switch (p) {
	case P_BOUNCE:
		return frame_ipv4(buf, &o, EP_IP(src), EP_IP(dst), 64);
	case P_DIVIDE_NET:
		o.vni = DIV_VNI;
		return frame_ipv4(buf, &o, EP_IP(src), EP_IP(dst), 64);
	case P_DIVIDE_VPC:
		o.vni = VPC_VNI;
		return frame_ipv4(buf, &o, EP_IP(src), EP_IP(dst), 64);
	case P_ARP:
		ep_mac(src, mac);
		return frame_arp(buf, &o, mac, EP_IP(src), EP_IP(dst));
	case P_DHCP:
		ep_mac(dst, mac);
		return frame_dhcp_discover(buf, &o, mac, dst);
	case P_DROP:
		o.vni = NONE_VNI;
		return frame_ipv4(buf, &o, EP_IP(src), EP_IP(dst), 64);
	case P_PASS:
		o.dst_ip = GW_IP + 100;
		return frame_ipv4(buf, &o, EP_IP(src), EP_IP(dst), 64);
	default:
		return 0;
	}
}

static void conf_set(int fd, enum bench_conf_key k, uint32_t v)
{
	uint32_t key = k;

	if (bpf_map_update_elem(fd, &key, &v, 0))
		die("bench_conf", errno);
}

/* nframes stored frames of path p to endpoints drawn from n; or, if draw,
 * one template that the program draws into (bench.bpf.h). */
static void load_frames(struct bpf_object *obj, enum path p, uint32_t n,
			uint32_t nframes, int draw, uint32_t *len)
{
	int frames_fd = bpf_object__find_map_fd_by_name(obj, "bench_frames");
	int conf_fd = bpf_object__find_map_fd_by_name(obj, "bench_conf");
	int next_fd = bpf_object__find_map_fd_by_name(obj, "bench_next");
	int rng_fd = bpf_object__find_map_fd_by_name(obj, "bench_rng");
	int ncpus = libbpf_num_possible_cpus();
	uint64_t *seed = calloc(ncpus, sizeof(uint64_t));
	uint32_t *zero = calloc(ncpus, sizeof(uint32_t));
	uint32_t *keys, count, k = 0;
	uint8_t *buf;

	if (draw)
		nframes = 1;
	buf = calloc(nframes, BENCH_FRAME_MAX);
	keys = calloc(nframes, sizeof(uint32_t));
	count = nframes;
	srand(0x5eed + p);
	for (uint32_t f = 0; f < nframes; f++) {
		uint32_t dst =
			(uint32_t)(((uint64_t)rand() << 31 | rand()) % n);

		*len = frame(p, n, dst, buf + (size_t)f * BENCH_FRAME_MAX);
		keys[f] = f;
	}
	if (bpf_map_update_batch(frames_fd, keys, buf, &count, NULL))
		die("bench_frames", errno);
	conf_set(conf_fd, BENCH_NFRAMES, nframes);
	conf_set(conf_fd, BENCH_LEN, *len);
	conf_set(conf_fd, BENCH_DRAW_N, draw ? n : 0);
	conf_set(conf_fd, BENCH_VNI_OFF, VNI_OFF);
	conf_set(conf_fd, BENCH_DST_OFF, paths[p].dst_off);
	conf_set(conf_fd, BENCH_SRC_OFF, paths[p].src_off);
	for (int c = 0; c < ncpus; c++)
		seed[c] = 0x2545f4914f6cdd1dull + c;
	if (bpf_map_update_elem(next_fd, &k, zero, 0) ||
	    bpf_map_update_elem(rng_fd, &k, seed, 0))
		die("bench_next", errno);
	free(seed);
	free(zero);
	free(buf);
	free(keys);
}

/* ns per run of prog over the loaded frames; checks the action. */
static double run(int prog_fd, uint32_t len, uint32_t repeat, int want_action)
{
	uint8_t in[BENCH_FRAME_MAX] = { 0 }, out[BENCH_FRAME_MAX + 256];
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = in, .data_size_in = len,
		    .data_out = out, .data_size_out = sizeof(out),
		    .repeat = repeat);

	if (bpf_prog_test_run_opts(prog_fd, &opts))
		die("BPF_PROG_TEST_RUN", errno);
	if ((int)opts.retval != want_action) {
		fprintf(stderr, "xdp-paths: action %u, expected %d\n",
			opts.retval, want_action);
		exit(1);
	}
	return opts.duration; /* the kernel's average per run, in ns */
}

static struct bpf_object *open_obj(const char *dir, const char *name,
				   uint32_t endpoints);

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The capture flag's cost on path p at n endpoints (see the top). */
static void capture_off(const char *dir, enum path p, uint32_t n,
			uint32_t nframes, uint32_t repeat, int rounds)
{
	static const char *const names[2] = { "alkaid_bench.bpf.o",
					      "alkaid_bench_nocapture.bpf.o" };
	struct bpf_object *obj[2];
	struct alk_tables *t[2];
	double ns[2][32], med[2];
	int fd[2];
	uint32_t len = 0;

	if (rounds > 32)
		rounds = 32;
	for (int v = 0; v < 2; v++) {
		struct alk_error err = { 0 };

		obj[v] = open_obj(dir, names[v], n);
		fd[v] = bpf_program__fd(bpf_object__find_program_by_name(
			obj[v], "alkaid_bench"));
		t[v] = alk_bpf_tables_from_object(obj[v], &err);
		if (!t[v]) {
			fprintf(stderr, "xdp-paths: tables: %s\n", err.msg);
			exit(1);
		}
		fill(t[v], n);
		load_frames(obj[v], p, n, nframes, 0, &len);
	}
	for (int r = 0; r < rounds; r++)
		for (int v = 0; v < 2; v++)
			ns[v][r] = run(fd[v], len, repeat, paths[p].action);
	for (int v = 0; v < 2; v++) {
		qsort(ns[v], rounds, sizeof(double), cmp_double);
		med[v] = ns[v][rounds / 2];
	}
	printf("xdp,capture_off_%s,%u,ns_per_pkt,%.1f,%.1f,%.3f\n",
	       paths[p].name, n, med[0], med[1], med[0] / med[1]);
	printf("xdp,capture_off_min_%s,%u,ns_per_pkt,%.1f,%.1f,%.3f\n",
	       paths[p].name, n, ns[0][0], ns[1][0], ns[0][0] / ns[1][0]);
	printf("xdp,capture_off_noise_%s,%u,ratio,%.3f,,\n", paths[p].name, n,
	       (ns[1][rounds - 1] - ns[1][0]) / med[1]);
	fflush(stdout);
	for (int v = 0; v < 2; v++) {
		t[v]->ops->close(t[v]);
		bpf_object__close(obj[v]);
	}
}

static struct bpf_object *open_obj(const char *dir, const char *name,
				   uint32_t endpoints)
{
	char path[4096];
	struct bpf_object *obj;
	struct alk_table_sizes s;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	obj = bpf_object__open_file(path, NULL);
	if (!obj)
		die(path, errno);
	if (endpoints) {
		alk_table_sizes_default(&s);
		s.endpoints = endpoints + endpoints / 8 + 1024;
		/* the bench program has no pins: drop the pinning attribute */
		struct bpf_map *m;
		bpf_object__for_each_map(m, obj) bpf_map__set_pin_path(m, NULL);
		if (alk_bpf_set_sizes(obj, &s))
			die("map sizes", EINVAL);
	}
	if (bpf_object__load(obj))
		die("load", errno);
	return obj;
}

int main(int argc, char **argv)
{
	int quick = argc > 2 && !strcmp(argv[1], "--quick");
	const char *dir = argv[argc - 1];
	const uint32_t sizes_full[] = { 1000, 1000000 };
	const uint32_t sizes_quick[] = { 1000, 65536 };
	const uint32_t *sizes = quick ? sizes_quick : sizes_full;
	uint32_t repeat = quick ? 20000 : 2000000;
	uint32_t nframes = quick ? 1024 : 65536;
	struct rlimit unlimited = { RLIM_INFINITY, RLIM_INFINITY };

	if (argc < 2 || (argv[1][0] == '-' && !quick)) {
		int help = argc == 2 && (!strcmp(argv[1], "-h") ||
					 !strcmp(argv[1], "--help"));

		fprintf(help ? stdout : stderr,
			"usage: xdp-paths [--quick] OBJDIR\n"
			"  OBJDIR holds alkaid_bench.bpf.o, "
			"alkaid_bench_nocapture.bpf.o, macswap.bpf.o and\n"
			"  macswap_restore.bpf.o\n"
			"  (build/bench/xdp); --quick: 1K and 64K endpoints, "
			"1024 frames;\n"
			"  else 1K and 1M endpoints, 65536 frames.  CSV rows "
			"on stdout.\n");
		return help ? 0 : 2;
	}
	setrlimit(RLIMIT_MEMLOCK, &unlimited);

	/* the references: MAC swap behind the same restore, and bare */
	struct bpf_object *ref = open_obj(dir, "macswap_restore.bpf.o", 0);
	struct bpf_object *bare = open_obj(dir, "macswap.bpf.o", 0);
	int ref_fd = bpf_program__fd(
		bpf_object__find_program_by_name(ref, "macswap"));
	int bare_fd = bpf_program__fd(
		bpf_object__find_program_by_name(bare, "macswap"));

	for (int s = 0; s < 2; s++) {
		uint32_t n = sizes[s];
		struct bpf_object *obj = open_obj(dir, "alkaid_bench.bpf.o", n);
		int fd = bpf_program__fd(
			bpf_object__find_program_by_name(obj, "alkaid_bench"));
		struct alk_error err = { 0 };
		struct alk_tables *t = alk_bpf_tables_from_object(obj, &err);
		uint64_t before[ALK_R_MAX], after[ALK_R_MAX];
		uint32_t len;

		if (!t) {
			fprintf(stderr, "xdp-paths: tables: %s\n", err.msg);
			return 1;
		}
		fill(t, n);
		/* stored frames, then the drawn template where it applies */
		for (int draw = 0; draw < 2; draw++)
			for (int p = 0; p < P_MAX; p++) {
				double ns, ref_ns;
				uint64_t moved;

				if (draw && !paths[p].dst_off)
					continue;
				load_frames(obj, p, n, nframes, draw, &len);
				t->ops->stats_get(t, before);
				ns = run(fd, len, repeat, paths[p].action);
				t->ops->stats_get(t, after);
				moved = after[paths[p].reason] -
					before[paths[p].reason];
				if (moved != repeat) {
					fprintf(stderr,
						"xdp-paths: %s%s: %llu of %u "
						"runs took the path\n",
						paths[p].name,
						draw ? "_drawn" : "",
						(unsigned long long)moved,
						repeat);
					return 1;
				}
				load_frames(ref, p, n, nframes, draw, &len);
				ref_ns = run(ref_fd, len, repeat, XDP_TX);
				printf("xdp,%s%s,%u,ns_per_pkt,%.1f,%.1f,%."
				       "2f\n",
				       paths[p].name, draw ? "_drawn" : "", n,
				       ns, ref_ns, ns / ref_ns);
				fflush(stdout);
			}
		t->ops->close(t);
		bpf_object__close(obj);
	}
	/* the capture's flag tests: bounce, and a drop, cache-resident */
	capture_off(dir, P_BOUNCE, sizes[0], nframes, 5 * repeat,
		    quick ? 9 : 11);
	capture_off(dir, P_DROP, sizes[0], nframes, 5 * repeat, quick ? 9 : 11);

	uint32_t len = 114;

	printf("xdp,macswap_without_restore,,ns_per_pkt,%.1f,,\n",
	       run(bare_fd, len, repeat, XDP_TX));
	bpf_object__close(ref);
	bpf_object__close(bare);
	return 0;
}
