/* SPDX-License-Identifier: BSD-3-Clause */
/* Golden-packet runner: the core on the host platform. */
#include <stdio.h>
#include <string.h>

#include "core/platform/host.h"
#include "core/pipeline.h"
#include "fixtures.h"

static struct alk_tables *host_tables(void *ctx)
{
	struct alk_table_sizes s = { 1024, 256, 256, 256 };

	return alk_host_tables_create(&s);
}

/* linear: the bytes of the frame's linear part; the core must not read
 * the others, which it is told are in fragments. */
static int host_run_split(void *unused, struct alk_tables *t, uint8_t *frame,
			  uint32_t *len, uint32_t linear)
{
	struct alk_ctx ctx = { .tables = t, .capacity = FIXTURE_MAX_FRAME };
	struct alk_pkt pkt = { .data = frame,
			       .end = frame + linear,
			       .nonlinear = *len - linear };
	uint64_t before[ALK_R_MAX], after[ALK_R_MAX];
	int reason, counted = -1;

	t->ops->stats_get(t, before);
	reason = alk_process(&ctx, &pkt);
	t->ops->stats_get(t, after);
	/* exactly one counter moved, and it is the reason returned */
	for (int r = 0; r < ALK_R_MAX; r++) {
		if (after[r] == before[r])
			continue;
		if (counted >= 0 || after[r] != before[r] + 1)
			return -1;
		counted = r;
	}
	if (counted != reason)
		return -1;
	*len = pkt.end - pkt.data + pkt.nonlinear;
	return reason;
}

static int host_run(void *ctx, struct alk_tables *t, uint8_t *frame,
		    uint32_t *len)
{
	return host_run_split(ctx, t, frame, len, *len);
}

static void host_done(void *ctx, struct alk_tables *t)
{
	t->ops->close(t);
}

int main(int argc, char **argv)
{
	struct fixture_backend be = {
		.name = "host",
		.tables = host_tables,
		.run = host_run,
		.run_split = host_run_split,
		.done = host_done,
	};
	int verbose = argc > 2 && !strcmp(argv[2], "-v"), count;

	if (argc < 2) {
		fprintf(stderr, "usage: %s FIXTURES [-v]\n", argv[0]);
		return 2;
	}
	int failures = fixtures_run(argv[1], &be, verbose, &count);

	return failures == 0 && count > 0 ? 0 : 1;
}
