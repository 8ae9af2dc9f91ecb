/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "tables/cmd.h"

/* Endpoints handed to the table API at once. */
#define RUN_MAX 65536

struct endpoint_run {
	struct alk_endpoint_key keys[RUN_MAX];
	struct alk_endpoint vals[RUN_MAX];
	long line[RUN_MAX];
	uint32_t n;
};

static int run_flush(struct alk_tables *t, struct endpoint_run *run, long *line,
		     struct alk_error *err)
{
	int rc;

	if (!run->n)
		return 0;
	rc = alk_endpoints_add(t, run->keys, run->vals, run->n, err);
	if (rc && err->index >= 0 && err->index < run->n)
		*line = run->line[err->index];
	run->n = 0;
	return rc;
}

long alk_batch_apply(struct alk_tables *t, const char *path, char *errbuf,
		     size_t errlen)
{
	struct endpoint_run *run = calloc(1, sizeof(*run));
	FILE *fp = fopen(path, "r");
	struct alk_error err = { .index = -1 };
	char *line = NULL;
	size_t cap = 0;
	long lineno = 0, applied = 0, at = 0;
	int rc = 0;

	if (!fp || !run) {
		rc = -errno;
		snprintf(errbuf, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	while (getline(&line, &cap, fp) > 0) {
		char *argv[64], *hash = strchr(line, '#');
		struct alk_cmd cmd;
		int argc;

		lineno++;
		if (hash)
			*hash = 0;
		argc = alk_cmd_split(line, argv, 64);
		if (argc == 0)
			continue;
		at = lineno;
		if (argc < 0) {
			rc = -EINVAL;
			snprintf(err.msg, sizeof(err.msg), "too many words");
			break;
		}
		rc = alk_cmd_parse(argc, argv, &cmd, &err);
		if (rc)
			break;
		if (cmd.object == ALK_O_ENDPOINT && cmd.op == ALK_OP_ADD) {
			run->keys[run->n] = cmd.endpoint.key;
			run->vals[run->n] = cmd.endpoint.val;
			run->line[run->n++] = lineno;
			applied++;
			if (run->n == RUN_MAX &&
			    (rc = run_flush(t, run, &at, &err)))
				break;
			continue;
		}
		/* order matters across tables: flush before anything else */
		rc = run_flush(t, run, &at, &err);
		if (rc)
			break;
		at = lineno;
		rc = alk_cmd_apply(t, &cmd, &err);
		if (rc)
			break;
		applied++;
	}
	if (!rc)
		rc = run_flush(t, run, &at, &err);
	if (rc)
		snprintf(errbuf, errlen, "%s:%ld: %s", path, at, err.msg);
out:
	free(line);
	free(run);
	if (fp)
		fclose(fp);
	return rc ? rc : applied;
}
