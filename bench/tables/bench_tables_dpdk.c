/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench-tables-dpdk: the control plane's direct reference for the DPDK
 * back end.  Endpoint adds through the table API into rte_hash tables
 * made by alk_dpdk_tables_create, as alkaid-dpdk makes them, and the
 * DPDK heap they take per endpoint with the tables full.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_malloc.h>

#include "bench_tables.h"
#include "test_eal_args.h"
#include "dp-dpdk/tables_dpdk.h"

/* clang-format off */
static void usage(void)
{
	printf(
"usage: bench-tables-dpdk [-n ENDPOINTS] [-s SINGLES]\n"
"       bench-tables-dpdk EAL-OPTIONS -- [-n ENDPOINTS] [-s SINGLES]\n"
"\n"
"The control-plane benchmark's direct reference for the DPDK back end\n"
"(dp-dpdk/tables_dpdk.c): endpoints added by calling the table API\n"
"(alk_endpoints_add) with no socket in between, into tables made by\n"
"alk_dpdk_tables_create as alkaid-dpdk makes them, afresh for each phase.\n"
"\n"
"For batches of 1, 100 and 10000 endpoints: ENDPOINTS adds in batches of\n"
"100 and of 10000; one at a time, the last SINGLES of them after the\n"
"others went in in batches of 10000 (untimed).  Batches are built before\n"
"the clock starts.  With the tables full, the memory per endpoint: DPDK's\n"
"heap (rte_malloc_get_socket_stats) taken by the full tables less that\n"
"taken by the same tables with no endpoint capacity, and what the back\n"
"end reports (alk_table_info.memory) for the endpoints and the DHCP\n"
"index; and the heap the whole set of tables takes.\n"
"\n"
"    -n, --endpoints N  table capacity and endpoints added (default 100000)\n"
"    -s, --singles K    endpoints added one at a time (default 100000)\n"
"    -h, --help         this text\n"
"\n"
"Without EAL options (no '--'), the EAL runs on lcore 0 without hugepages,\n"
"devices or shared files:\n"
"    -l 0 " ALK_TEST_EAL_ARGS_STR " -m MB --no-telemetry\n"
"    --file-prefix alk-btab-PID\n"
"MB being 512 + 256 bytes per endpoint; its runtime directory is removed\n"
"at exit.  Networks are sized %u, VPCs and neighbors by default.\n"
"\n"
"CSV rows on stdout (bench,case,endpoints,unit,value,ref_value,ratio):\n"
"  tables,dpdk_direct_batch_B,N,adds_per_s,...\n"
"  scale,dpdk_heap_bytes_per_endpoint,N,bytes,...\n"
"  scale,dpdk_table_bytes_per_endpoint,N,bytes,...\n"
"  scale,dpdk_total_bytes,N,bytes,TOTAL,2147483648,TOTAL/2GiB\n"
"EAL messages and progress on stderr.\n",
	       BTAB_NETWORKS);
}
/* clang-format on */

struct dpdk_ctx {
	int socket;
	size_t before; /* heap allocated before the tables were made */
};

static size_t heap_allocated(int socket)
{
	struct rte_malloc_socket_stats st;

	if (rte_malloc_get_socket_stats(socket, &st))
		return 0;
	return st.heap_allocsz_bytes;
}

static struct alk_tables *dpdk_open(void *ctx, const struct alk_table_sizes *s)
{
	struct dpdk_ctx *d = ctx;
	struct alk_dpdk_table_config c = {
		.sizes = *s,
		.max_readers = 1, /* alkaid-dpdk: one per worker */
		.socket = d->socket,
	};
	struct alk_tables *t;

	d->before = heap_allocated(d->socket);
	t = alk_dpdk_tables_create(&c);
	if (!t)
		fprintf(stderr,
			"dpdk: tables (%u endpoints): %s; more memory (-m)\n",
			s->endpoints, rte_strerror(rte_errno));
	return t;
}

static void dpdk_close(void *ctx, struct alk_tables *t)
{
	t->ops->close(t);
}

/* Heap the tables take with no endpoint capacity: what the per-endpoint
 * figure leaves out. */
static size_t base;

static int dpdk_memory(void *ctx, struct alk_tables *t, uint32_t n)
{
	struct dpdk_ctx *d = ctx;
	size_t total = heap_allocated(d->socket) - d->before;
	struct alk_table_info ep, dhcp;

	if (t->ops->info(t, ALK_T_ENDPOINT, &ep) ||
	    t->ops->info(t, ALK_T_DHCP, &dhcp))
		return -1;
	btab_row("scale", "dpdk", "heap_bytes_per_endpoint", n, "bytes",
		 (double)(total - base) / n, 0);
	btab_row("scale", "dpdk", "table_bytes_per_endpoint", n, "bytes",
		 (double)(ep.memory + dhcp.memory) / n, 0);
	btab_row("scale", "dpdk", "total_bytes", n, "bytes", (double)total,
		 (double)BTAB_BUDGET);
	fprintf(stderr,
		"dpdk: %u endpoints (capacity %llu, %llu DHCP entries): heap "
		"%zu bytes for every table, %zu of them for no endpoint; back "
		"end reports %llu for endpoints and DHCP index; %s 2 GiB\n",
		n, (unsigned long long)ep.capacity,
		(unsigned long long)dhcp.count, total, base,
		(unsigned long long)(ep.memory + dhcp.memory),
		total <= BTAB_BUDGET ? "within" : "MORE THAN");
	return 0;
}

int main(int argc, char **argv)
{
	struct dpdk_ctx d = { 0 };
	const struct btab_backend b = {
		.name = "dpdk",
		.open = dpdk_open,
		.memory = dpdk_memory,
		.close = dpdk_close,
		.ctx = &d,
	};
	static const char *const common[] = { ALK_TEST_EAL_ARGS };
	char mem[32], prefix[64], rundir[PATH_MAX];
	char *eal[16], **args = argv;
	int neal = 0, nargs = argc, sep = 0, rc;
	struct alk_table_sizes s;
	struct alk_tables *t;
	struct btab_opts o;

	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--")) {
			sep = i;
			break;
		}
	if (sep) {
		/* our options after '--', argv[0] still first */
		args = argv + sep;
		args[0] = argv[0];
		nargs = argc - sep;
	}
	if (btab_parse(nargs, args, &o, usage) < 0)
		return 2;

	/* EAL logs go to stdout by default: keep it for the rows */
	rte_openlog_stream(stderr);
	if (sep) {
		rc = rte_eal_init(sep, argv);
	} else {
		snprintf(mem, sizeof(mem), "%llu",
			 512 + ((unsigned long long)o.endpoints * 256 >> 20));
		snprintf(prefix, sizeof(prefix), "alk-btab-%d", (int)getpid());
		eal[neal++] = argv[0];
		eal[neal++] = "-l";
		eal[neal++] = "0";
		for (size_t i = 0; i < sizeof(common) / sizeof(*common); i++)
			eal[neal++] = (char *)common[i];
		eal[neal++] = "-m";
		eal[neal++] = mem;
		eal[neal++] = "--no-telemetry";
		eal[neal++] = "--file-prefix";
		eal[neal++] = prefix;
		eal[neal] = NULL;
		rc = rte_eal_init(neal, eal);
	}
	if (rc < 0) {
		fprintf(stderr, "bench-tables-dpdk: EAL: %s\n",
			rte_strerror(rte_errno));
		return 1;
	}
	d.socket = (int)rte_socket_id();

	/* the heap of every table but the endpoints and DHCP index */
	btab_sizes(&s, 1);
	t = dpdk_open(&d, &s);
	if (t) {
		base = heap_allocated(d.socket) - d.before;
		dpdk_close(&d, t);
		rc = btab_run(&b, &o);
	} else {
		rc = 1;
	}
	snprintf(rundir, sizeof(rundir), "%s", rte_eal_get_runtime_dir());
	rte_eal_cleanup();
	/* the EAL leaves its (empty) directory; ours alone is removed */
	if (!sep)
		rmdir(rundir);
	return rc;
}
