/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench-tables-xdp: the control plane's direct reference for the BPF-map
 * back end.  Endpoint adds through the table API into the maps of the
 * alkaid XDP object, loaded privately (maps never pinned, program never
 * attached), and the kernel's memory per endpoint with the tables full.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bench_tables.h"
#include "dp-xdp/tables_bpf.h"

#ifndef ALK_BPF_OBJECT_BUILD
#define ALK_BPF_OBJECT_BUILD "alkaid.bpf.o"
#endif

static const char *object_path = ALK_BPF_OBJECT_BUILD;

/* clang-format off */
static void usage(void)
{
	printf(
"usage: bench-tables-xdp [-o OBJECT] [-n ENDPOINTS] [-s SINGLES]\n"
"\n"
"The control-plane benchmark's direct reference for the BPF-map back end\n"
"(dp-xdp/tables_bpf.c): endpoints added by calling the table API\n"
"(alk_endpoints_add) with no socket in between.  The alkaid XDP object is\n"
"loaded privately for each phase, its tables sized for ENDPOINTS; its maps\n"
"are never pinned and its program is never attached to an interface.\n"
"\n"
"For batches of 1, 100 and 10000 endpoints, fresh tables: ENDPOINTS adds\n"
"in batches of 100 and of 10000; one at a time, the last SINGLES of them\n"
"after the others went in in batches of 10000 (untimed).  Batches are\n"
"built before the clock starts.  With the tables full, the memory per\n"
"endpoint: what the kernel charges for the endpoint map and the DHCP\n"
"index (memlock in /proc/self/fdinfo), what the back end reports\n"
"(alk_table_info.memory), and the total of every map of the object.\n"
"The back end writes the two maps in place (mmapped): no userspace copy.\n"
"\n"
"    -o, --object PATH  the compiled alkaid XDP program\n"
"                       (default " ALK_BPF_OBJECT_BUILD ")\n"
"    -n, --endpoints N  table capacity and endpoints added (default 100000)\n"
"    -s, --singles K    endpoints added one at a time (default 100000)\n"
"    -h, --help         this text\n"
"\n"
"CSV rows on stdout (bench,case,endpoints,unit,value,ref_value,ratio):\n"
"  tables,xdp_direct_batch_B,N,adds_per_s,...\n"
"  scale,xdp_kernel_bytes_per_endpoint,N,bytes,...\n"
"  scale,xdp_table_bytes_per_endpoint,N,bytes,...\n"
"  scale,xdp_total_bytes,N,bytes,TOTAL,2147483648,TOTAL/2GiB\n"
"Progress on stderr.  Needs root (CAP_BPF).\n");
}
/* clang-format on */

struct xdp_ctx {
	struct bpf_object *obj;
};

static struct alk_tables *xdp_open(void *ctx, const struct alk_table_sizes *s)
{
	struct xdp_ctx *x = ctx;
	struct alk_error aerr = { 0 };
	struct alk_tables *t;
	struct bpf_map *map;
	int err;

	x->obj = bpf_object__open_file(object_path, NULL);
	if (!x->obj) {
		fprintf(stderr, "xdp: %s: %s\n", object_path, strerror(errno));
		return NULL;
	}
	/* private maps: the object declares them LIBBPF_PIN_BY_NAME, and a
	 * benchmark must never reuse (or leave) the pins of a data plane */
	for (map = bpf_object__next_map(x->obj, NULL); map;
	     map = bpf_object__next_map(x->obj, map))
		bpf_map__set_pin_path(map, NULL);
	err = alk_bpf_set_sizes(x->obj, s);
	if (err) {
		fprintf(stderr, "xdp: %s: cannot size the tables: %s\n",
			object_path, strerror(-err));
		goto fail;
	}
	err = bpf_object__load(x->obj);
	if (err) {
		fprintf(stderr, "xdp: loading %s (%u endpoints): %s%s\n",
			object_path, s->endpoints, strerror(-err),
			err == -EPERM ? "; run as root" : "");
		goto fail;
	}
	t = alk_bpf_tables_from_object(x->obj, &aerr);
	if (!t) {
		fprintf(stderr, "xdp: %s\n", aerr.msg);
		goto fail;
	}
	return t;
fail:
	bpf_object__close(x->obj);
	x->obj = NULL;
	return NULL;
}

static int xdp_memory(void *ctx, struct alk_tables *t, uint32_t n)
{
	struct xdp_ctx *x = ctx;
	struct alk_table_info ep, dhcp;
	uint64_t kernel = 0, total = 0;
	struct bpf_map *map;

	for (map = bpf_object__next_map(x->obj, NULL); map;
	     map = bpf_object__next_map(x->obj, map)) {
		const char *name = bpf_map__name(map);
		uint64_t bytes = alk_bpf_map_memlock(bpf_map__fd(map));

		/* .rodata, .bss and the like count too: they are loaded */
		total += bytes;
		if (!strcmp(name, "alk_endpoints") ||
		    !strcmp(name, "alk_dhcp_index"))
			kernel += bytes;
		fprintf(stderr, "xdp: map %-16s %12llu bytes (memlock)\n", name,
			(unsigned long long)bytes);
	}
	if (!kernel || t->ops->info(t, ALK_T_ENDPOINT, &ep) ||
	    t->ops->info(t, ALK_T_DHCP, &dhcp)) {
		fprintf(stderr, "xdp: cannot read the maps' memory\n");
		return -1;
	}
	btab_row("scale", "xdp", "kernel_bytes_per_endpoint", n, "bytes",
		 (double)kernel / n, 0);
	btab_row("scale", "xdp", "table_bytes_per_endpoint", n, "bytes",
		 (double)(ep.memory + dhcp.memory) / n, 0);
	btab_row("scale", "xdp", "total_bytes", n, "bytes", (double)total,
		 (double)BTAB_BUDGET);
	fprintf(stderr,
		"xdp: %u endpoints (capacity %llu, %llu DHCP entries): "
		"%llu bytes for endpoints and DHCP index, %llu for every "
		"map, %s 2 GiB\n",
		n, (unsigned long long)ep.capacity,
		(unsigned long long)dhcp.count, (unsigned long long)kernel,
		(unsigned long long)total,
		total <= BTAB_BUDGET ? "within" : "MORE THAN");
	return 0;
}

static void xdp_close(void *ctx, struct alk_tables *t)
{
	struct xdp_ctx *x = ctx;

	t->ops->close(t);
	bpf_object__close(x->obj);
	x->obj = NULL;
}

static int print_libbpf(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	return level == LIBBPF_DEBUG ? 0 : vfprintf(stderr, fmt, ap);
}

int main(int argc, char **argv)
{
	static char *args[64];
	struct rlimit unlimited = { RLIM_INFINITY, RLIM_INFINITY };
	struct xdp_ctx x = { 0 };
	const struct btab_backend b = {
		.name = "xdp",
		.open = xdp_open,
		.memory = xdp_memory,
		.close = xdp_close,
		.ctx = &x,
	};
	struct btab_opts o;
	int nargs = 0;

	/* -o is this tool's own; the rest are common to both */
	for (int i = 0; i < argc && nargs < 63; i++) {
		if (i > 0 &&
		    (!strcmp(argv[i], "-o") || !strcmp(argv[i], "--object"))) {
			if (i + 1 == argc) {
				fprintf(stderr, "%s: %s needs a path\n",
					argv[0], argv[i]);
				return 2;
			}
			object_path = argv[++i];
			continue;
		}
		if (i > 0 && !strncmp(argv[i], "--object=", 9)) {
			object_path = argv[i] + 9;
			continue;
		}
		args[nargs++] = argv[i];
	}
	if (btab_parse(nargs, args, &o, usage) < 0)
		return 2;
	if (access(object_path, R_OK)) {
		fprintf(stderr, "bench-tables-xdp: %s: %s; give -o PATH\n",
			object_path, strerror(errno));
		return 1;
	}
	/* kernels before 5.11 charge maps to RLIMIT_MEMLOCK */
	setrlimit(RLIMIT_MEMLOCK, &unlimited);
	libbpf_set_print(print_libbpf);
	return btab_run(&b, &o);
}
