/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * xdp-tables: programs a running XDP data plane through its pinned maps,
 * with the table API and alkaidctl's command grammar (tables/cmd.h).  A test
 * tool until alkaidctl exists; it is also what proves that a process other
 * than the daemon can drive the tables.
 *
 *   xdp-tables PINDIR apply < COMMANDS   a command file (tables/cmdfile.h)
 *   xdp-tables PINDIR list               every entry, as commands
 *   xdp-tables PINDIR stats              non-zero counters: "reason count"
 *   xdp-tables PINDIR reset-stats
 *
 * PINDIR is <bpffs>/alkaid/<ifname>.  Exit status 0, or 1 with a message.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/reason_names.h"
#include "dp-xdp/tables_bpf.h"
#include "tables/cmdfile.h"

#define LIST_CHUNK 1024

/* A command file on standard input, read and applied as a daemon
 * applies its own (tables/cmdfile.h). */
static int apply(struct alk_tables *t)
{
	struct alk_error err = { 0 };
	struct alk_cmdfile f;
	int rc = alk_cmdfile_read(&f, "-", NULL, &err);

	if (!rc)
		rc = alk_cmdfile_apply(&f, t, &err);
	if (rc)
		fprintf(stderr, "xdp-tables: %s\n", err.msg);
	else
		printf("%zu commands applied\n", f.entries);
	alk_cmdfile_free(&f);
	return rc ? 1 : 0;
}

/* The DHCP index is the table layer's own: comments, so that the listing
 * can be applied again. */
static int print_dhcp(void *arg, const void *keys, const void *vals, uint32_t n)
{
	const struct alk_dhcp_key *k = keys;
	const struct alk_dhcp *v = vals;
	char a[INET_ADDRSTRLEN];

	for (uint32_t i = 0; i < n; i++) {
		const uint8_t *m = k[i].mac;

		printf("# dhcp-index vni %u mac %02x:%02x:%02x:%02x:%02x:%02x "
		       "ip %s\n",
		       k[i].vni, m[0], m[1], m[2], m[3], m[4], m[5],
		       inet_ntop(AF_INET, &v[i].ip, a, sizeof(a)));
	}
	return 0;
}

static int list(struct alk_tables *t)
{
	struct alk_error err = { 0 };
	int n;

	if (alk_cmdfile_write(t, stdout, &err)) {
		fprintf(stderr, "xdp-tables: %s\n", err.msg);
		return 1;
	}
	n = alk_table_walk(t, ALK_T_DHCP, LIST_CHUNK, print_dhcp, NULL);
	if (n < 0) {
		fprintf(stderr, "xdp-tables: listing the DHCP index: %s\n",
			strerror(-n));
		return 1;
	}
	return 0;
}

static int stats(struct alk_tables *t)
{
	uint64_t c[ALK_R_MAX];
	int err = t->ops->stats_get(t, c);

	if (err) {
		fprintf(stderr, "xdp-tables: reading counters: %s\n",
			strerror(-err));
		return 1;
	}
	for (int r = 0; r < ALK_R_MAX; r++)
		if (c[r])
			printf("%s %llu\n", alk_reason_names[r],
			       (unsigned long long)c[r]);
	return 0;
}

int main(int argc, char **argv)
{
	struct alk_error err = { 0 };
	struct alk_tables *t;
	int rc;

	if (argc != 3) {
		fprintf(stderr, "usage: xdp-tables PINDIR "
				"apply|list|stats|reset-stats\n");
		return 2;
	}
	t = alk_bpf_tables_open_pinned(argv[1], &err);
	if (!t) {
		fprintf(stderr, "xdp-tables: %s\n", err.msg);
		return 1;
	}
	if (!strcmp(argv[2], "apply")) {
		rc = apply(t);
	} else if (!strcmp(argv[2], "list")) {
		rc = list(t);
	} else if (!strcmp(argv[2], "stats")) {
		rc = stats(t);
	} else if (!strcmp(argv[2], "reset-stats")) {
		rc = t->ops->stats_reset(t) ? 1 : 0;
	} else {
		fprintf(stderr, "xdp-tables: unknown command '%s'\n", argv[2]);
		rc = 2;
	}
	t->ops->close(t);
	return rc;
}
