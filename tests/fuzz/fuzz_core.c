/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the whole core pipeline on the host platform, over
 * tables that every role can hit (endpoints, networks with several bouncers,
 * a VPC, neighbors, DHCP clients).  The frame lives in a buffer of exactly
 * its length plus the room a DHCP reply may grow into, so that ASan sees any
 * read or write past what the core was allowed to touch.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/platform/host.h"
#include "core/pipeline.h"
#include "tables/cmd.h"

static const char *const table_cmds[] = {
	"gateway set ip 198.18.0.1 mac 02:00:00:00:00:01",
	"endpoint add vni 100 ip 198.19.0.5 mac 0e:00:00:00:00:05 host "
	"198.18.0.12",
	"endpoint add vni 100 ip 198.19.0.6 mac 0e:00:00:00:00:06 host "
	"198.18.0.13",
	"endpoint add vni 100 ip 198.19.0.7 mac 0e:00:00:00:00:07 host "
	"198.18.0.1",
	"endpoint add vni 200 ip 198.19.0.5 mac 0e:00:00:00:02:05 host "
	"198.18.0.14",
	"network add vni 100 prefix 198.19.0.0/24 bouncers "
	"198.18.0.1,198.18.0.2 router 198.19.0.1 dns 198.19.0.2 mtu 1450 lease "
	"3600",
	"network add vni 200 prefix 198.19.0.0/16 bouncers 198.18.0.3",
	"network add vni 300 prefix 203.0.113.0/24 bouncers 198.18.0.1",
	"vpc add vni 100 dividers 198.18.0.1,198.18.0.4",
	"vpc add vni 400 dividers 198.18.0.5",
	"neighbor add ip 198.18.0.12 mac 02:00:00:00:00:12",
	"neighbor add ip 198.18.0.13 mac 02:00:00:00:00:13",
	"neighbor add ip 198.18.0.2 mac 02:00:00:00:00:02",
	"neighbor add ip 198.18.0.4 mac 02:00:00:00:00:04",
};

/* The core may grow a frame by at most this much (a DHCP reply). */
#define GROWTH 512

static struct alk_tables *tables(void)
{
	static struct alk_tables *t;

	if (t)
		return t;
	struct alk_table_sizes s = { 64, 16, 16, 16 };

	t = alk_host_tables_create(&s);
	for (size_t i = 0; t && i < sizeof(table_cmds) / sizeof(*table_cmds);
	     i++) {
		char line[256], *argv[32];
		struct alk_error err;
		struct alk_cmd cmd;
		int argc;

		strcpy(line, table_cmds[i]);
		argc = alk_cmd_split(line, argv, 32);
		if (alk_cmd_parse(argc, argv, &cmd, &err) ||
		    alk_cmd_apply(t, &cmd, &err))
			abort();
	}
	return t;
}

/* The common shape's shortcut takes a frame only as the full parse would
 * have it: same reason, same result. */
static void common_agrees(struct alk_ctx *ctx, struct alk_pkt *pkt)
{
	const struct alk_gateway *gw = alk_plat_gateway(ctx);
	struct alk_parsed fast, full;

	memset(&fast, 0, sizeof(fast));
	memset(&full, 0, sizeof(full));
	if (gw && alk_parse_common(pkt, &fast, gw) &&
	    (alk_classify_full(pkt, &full, gw) != ALK_R_CONTINUE ||
	     memcmp(&fast, &full, sizeof(fast))))
		abort();
}

/*
 * The same frame in fragments: its last byte says how many of the first
 * bytes are the linear part, copied alone into a buffer of that size, so
 * that ASan sees any read past it.  The core must reach the reason it
 * reached on the whole frame, or headers_not_linear; a frame it sends
 * must be the one it sent whole.
 */
static void split_agrees(struct alk_ctx *ctx, const uint8_t *data, size_t size,
			 enum alk_reason whole, const uint8_t *whole_out,
			 size_t whole_len)
{
	size_t linear = size ? data[size - 1] % size : 0;
	uint8_t *lin = malloc(linear ? linear : 1);
	struct alk_pkt pkt = { lin, lin + linear, (__u32)(size - linear) };
	enum alk_reason r;

	if (!size)
		goto out;
	memcpy(lin, data, linear);
	r = alk_process(ctx, &pkt);
	if (r != whole && r != ALK_R_headers_not_linear)
		abort();
	if (alk_reason_verdict(r) == ALK_TX &&
	    (alk_pkt_len(&pkt) != whole_len ||
	     memcmp(lin, whole_out, pkt.end - pkt.data)))
		abort();
out:
	free(lin);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *frame = malloc(size + GROWTH);
	struct alk_ctx ctx = { .tables = tables(),
			       .capacity = (uint32_t)size + GROWTH };
	struct alk_pkt pkt = { frame, frame + size };
	enum alk_reason r;

	memcpy(frame, data, size);
	common_agrees(&ctx, &pkt);
	r = alk_process(&ctx, &pkt);
	if ((unsigned int)r >= ALK_R_MAX)
		abort();
	/* a frame is transmitted whole: never shorter than its headers */
	if (alk_reason_verdict(r) == ALK_TX && pkt.end - pkt.data < 42)
		abort();
	split_agrees(&ctx, data, size, r, frame, pkt.end - pkt.data);
	free(frame);
	return 0;
}
