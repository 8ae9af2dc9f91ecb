/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Golden-packet runner for the XDP back end: the real alkaid.bpf.o,
 * verified and JIT-compiled by the running kernel, fed each fixture's frame
 * with BPF_PROG_TEST_RUN, its tables filled through the table API over BPF
 * maps (dp-xdp/tables_bpf.c).  The reason is read back from the counters:
 * exactly one must move, by one, and the XDP action must be its verdict.
 *
 *   fixtures-xdp BPF_OBJECT FIXTURES [-v]
 *
 * Exit status: 0 all passed, 1 a failure, 77 (skip) without the privileges
 * to load BPF programs.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "core/reason_names.h"
#include "dp-xdp/tables_bpf.h"
#include "tests/runners/fixtures.h"

#define EXIT_SKIP 77
#define LOG_STATS 4 /* BPF_LOG_STATS: the verifier's totals only */

struct runner {
	struct bpf_object *obj;
	int prog_fd;
	struct alk_tables *tables;
	int in_frags; /* frames that left the program in fragments */
	char log[16384];
};

static const char *reason_name(int r)
{
	return r >= 0 && r < ALK_R_MAX ? alk_reason_names[r] : "(none)";
}

static __u32 xdp_action(enum alk_verdict v)
{
	return v == ALK_TX ? XDP_TX : v == ALK_PASS ? XDP_PASS : XDP_DROP;
}

static struct alk_tables *xdp_tables(void *ctx)
{
	struct runner *r = ctx;
	int err = alk_bpf_tables_clear(r->tables);

	if (err) {
		fprintf(stderr, "clearing the maps: %s\n", strerror(-err));
		return NULL;
	}
	return r->tables;
}

/*
 * linear: the bytes of the frame's linear part (xdp_md's data_end), the
 * rest in fragments.  The kernel puts at most a page less its head and
 * tail room in the linear part (3520 bytes with 4 KiB pages) and the rest
 * in fragments whatever linear says: a 9000-byte frame is always in
 * fragments.  A smaller linear part needs a kernel that takes data_end
 * below the frame's size (6.18).
 */
static int xdp_run_split(void *ctx, struct alk_tables *t, uint8_t *frame,
			 uint32_t *len, uint32_t linear)
{
	struct runner *r = ctx;
	uint64_t before[ALK_R_MAX], after[ALK_R_MAX];
	static uint8_t out[FIXTURE_MAX_FRAME];
	struct xdp_md md_in = { .data_end = linear }, md_out = { 0 };
	int err, counted = -1;
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame,
		    .data_size_in = *len, .data_out = out,
		    /* room for a DHCP reply to grow the frame */
		    .data_size_out = sizeof(out), .ctx_in = &md_in,
		    .ctx_size_in = sizeof(md_in), .ctx_out = &md_out,
		    .ctx_size_out = sizeof(md_out), .repeat = 1);

	if (t->ops->stats_get(t, before))
		return -1;
	err = bpf_prog_test_run_opts(r->prog_fd, &opts);
	if (err) {
		fprintf(stderr,
			"    BPF_PROG_TEST_RUN of a %u-byte frame: %s\n", *len,
			strerror(-err));
		return -1;
	}
	if (t->ops->stats_get(t, after))
		return -1;
	for (int i = 0; i < ALK_R_MAX; i++) {
		if (after[i] == before[i])
			continue;
		if (counted >= 0 || after[i] != before[i] + 1) {
			fprintf(stderr, "    counters: %s moved by %llu%s%s\n",
				reason_name(i),
				(unsigned long long)(after[i] - before[i]),
				counted >= 0 ? ", after " : "",
				counted >= 0 ? reason_name(counted) : "");
			return -1;
		}
		counted = i;
	}
	if (counted < 0) {
		fprintf(stderr, "    counters: none moved (XDP action %u)\n",
			opts.retval);
		return -1;
	}
	if (opts.retval != xdp_action(alk_reason_verdict(counted))) {
		fprintf(stderr, "    reason %s counted, but XDP action %u\n",
			reason_name(counted), opts.retval);
		return -1;
	}
	/* what came out past the linear part was in fragments */
	if (opts.data_size_out > md_out.data_end - md_out.data)
		r->in_frags++;
	memcpy(frame, out, opts.data_size_out);
	*len = opts.data_size_out;
	return counted;
}

static int xdp_run(void *ctx, struct alk_tables *t, uint8_t *frame,
		   uint32_t *len)
{
	return xdp_run_split(ctx, t, frame, len, *len);
}

static void xdp_done(void *ctx, struct alk_tables *t)
{
	/* the maps are reused: xdp_tables() clears them for the next one */
}

static void report_program(struct runner *r, struct bpf_program *prog)
{
	struct bpf_prog_info info = { 0 };
	__u32 info_len = sizeof(info);
	unsigned long processed = 0, usec = 0;
	const char *p = strstr(r->log, "processed ");
	const char *t = strstr(r->log, "verification time ");

	if (p)
		sscanf(p, "processed %lu insns", &processed);
	if (t)
		sscanf(t, "verification time %lu usec", &usec);
	if (bpf_obj_get_info_by_fd(r->prog_fd, &info, &info_len))
		memset(&info, 0, sizeof(info));
	printf("%s: verifier processed %lu insns (limit 1000000) in %lu usec; "
	       "%zu insns in the object, %u xlated, %u bytes jited\n",
	       bpf_program__name(prog), processed, usec,
	       bpf_program__insn_cnt(prog), info.xlated_prog_len / 8,
	       info.jited_prog_len);
}

static int load(struct runner *r, const char *path)
{
	/* small tables: the fixtures hold a few dozen entries */
	struct alk_table_sizes sizes = { 1024, 256, 256, 256 };
	struct alk_error aerr = { 0 };
	struct bpf_program *prog;
	struct bpf_map *map;
	int err;

	r->obj = bpf_object__open_file(path, NULL);
	if (!r->obj) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -errno;
	}
	/* private maps: a test must never reuse the pins of a running
	 * data plane (the maps are declared LIBBPF_PIN_BY_NAME) */
	for (map = bpf_object__next_map(r->obj, NULL); map;
	     map = bpf_object__next_map(r->obj, map))
		bpf_map__set_pin_path(map, NULL);
	err = alk_bpf_set_sizes(r->obj, &sizes);
	prog = bpf_object__find_program_by_name(r->obj, ALK_BPF_PROG_NAME);
	if (err || !prog) {
		fprintf(stderr, "%s: not the alkaid program\n", path);
		return -EINVAL;
	}
	bpf_program__set_log_buf(prog, r->log, sizeof(r->log));
	bpf_program__set_log_level(prog, LOG_STATS);
	err = bpf_object__load(r->obj);
	if (err) {
		fprintf(stderr, "%s: load failed: %s\n%s", path, strerror(-err),
			r->log);
		return err;
	}
	r->prog_fd = bpf_program__fd(prog);
	report_program(r, prog);
	r->tables = alk_bpf_tables_from_object(r->obj, &aerr);
	if (!r->tables) {
		fprintf(stderr, "%s: %s\n", path, aerr.msg);
		return -EINVAL;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static struct runner r;
	struct fixture_backend be = {
		.name = "xdp",
		.tables = xdp_tables,
		.run = xdp_run,
		.run_split = xdp_run_split,
		.done = xdp_done,
		.ctx = &r,
	};
	int verbose = argc > 3 && !strcmp(argv[3], "-v"), count, failures, err;

	if (argc < 3) {
		fprintf(stderr, "usage: %s BPF_OBJECT FIXTURES [-v]\n",
			argv[0]);
		return 2;
	}
	if (geteuid()) {
		fprintf(stderr,
			"%s: needs root to load BPF programs: skipped\n",
			argv[0]);
		return EXIT_SKIP;
	}
	err = load(&r, argv[1]);
	if (err)
		return err == -EPERM ? EXIT_SKIP : 1;
	failures = fixtures_run(argv[2], &be, verbose, &count);
	printf("xdp runner: %d frames came out in fragments (multi-buffer)\n",
	       r.in_frags);
	r.tables->ops->close(r.tables);
	bpf_object__close(r.obj);
	return failures == 0 && count > 0 ? 0 : 1;
}
