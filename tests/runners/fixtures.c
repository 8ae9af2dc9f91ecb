/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/reason_names.h"
#include "fixtures.h"
#include "tables/cmd.h"

struct fixture {
	char name[128];
	char desc[256];
	char *cmds[32];
	int ncmds;
	uint8_t in[FIXTURE_MAX_FRAME], out[FIXTURE_MAX_FRAME];
	uint32_t in_len, out_len;
	uint32_t linear; /* 0: the whole frame is linear */
	int has_out;
	int reason;
	int line;
};

int fixture_hex_decode(const char *s, uint8_t *buf, uint32_t *len)
{
	size_t n = strlen(s);

	if (n % 2 || n / 2 > FIXTURE_MAX_FRAME)
		return -1;
	for (size_t i = 0; i < n / 2; i++) {
		unsigned int b;

		if (sscanf(s + 2 * i, "%2x", &b) != 1)
			return -1;
		buf[i] = b;
	}
	*len = n / 2;
	return 0;
}

void fixture_hexdump_diff(const uint8_t *want, uint32_t wlen,
			  const uint8_t *got, uint32_t glen)
{
	uint32_t n = wlen > glen ? wlen : glen;

	fprintf(stderr, "    length: want %u, got %u\n", wlen, glen);
	for (uint32_t i = 0; i < n; i += 16) {
		int differs = 0;

		for (uint32_t j = i; j < i + 16 && j < n; j++)
			differs |= j >= wlen || j >= glen || want[j] != got[j];
		if (!differs)
			continue;
		fprintf(stderr, "    %04x want", i);
		for (uint32_t j = i; j < i + 16 && j < wlen; j++)
			fprintf(stderr, " %02x", want[j]);
		fprintf(stderr, "\n    %04x got ", i);
		for (uint32_t j = i; j < i + 16 && j < glen; j++)
			fprintf(stderr, " %02x", got[j]);
		fprintf(stderr, "\n");
	}
}

static int run_one(const struct fixture *f, const struct fixture_backend *be,
		   int verbose)
{
	struct alk_tables *t = be->tables(be->ctx);
	uint8_t frame[FIXTURE_MAX_FRAME];
	uint32_t len = f->in_len;
	int reason, ok = 1;

	if (!t) {
		fprintf(stderr, "FAIL %s: %s back end has no tables\n", f->name,
			be->name);
		return 1;
	}
	for (int i = 0; i < f->ncmds; i++) {
		char line[512], *argv[64];
		struct alk_error err = { 0 };
		struct alk_cmd cmd;
		int argc;

		snprintf(line, sizeof(line), "%s", f->cmds[i]);
		argc = alk_cmd_split(line, argv, 64);
		if (argc < 0 || alk_cmd_parse(argc, argv, &cmd, &err) ||
		    alk_cmd_apply(t, &cmd, &err)) {
			fprintf(stderr, "FAIL %s: table command '%s': %s\n",
				f->name, f->cmds[i], err.msg);
			be->done(be->ctx, t);
			return 1;
		}
	}
	memcpy(frame, f->in, len);
	if (f->linear)
		reason = be->run_split(be->ctx, t, frame, &len, f->linear);
	else
		reason = be->run(be->ctx, t, frame, &len);
	if (reason != f->reason) {
		fprintf(stderr, "FAIL %s (%s): reason %s, expected %s\n",
			f->name, be->name,
			reason >= 0 && reason < ALK_R_MAX ?
				alk_reason_names[reason] :
				"(none)",
			alk_reason_names[f->reason]);
		ok = 0;
	} else if (alk_reason_verdict(reason) != ALK_DROP) {
		const uint8_t *want = f->has_out ? f->out : f->in;
		uint32_t wlen = f->has_out ? f->out_len : f->in_len;

		if (len != wlen || memcmp(frame, want, len)) {
			fprintf(stderr, "FAIL %s (%s): output frame differs\n",
				f->name, be->name);
			fixture_hexdump_diff(want, wlen, frame, len);
			ok = 0;
		}
	}
	if (ok && verbose)
		printf("ok   %s\n", f->name);
	be->done(be->ctx, t);
	return !ok;
}

static void fixture_free(struct fixture *f)
{
	for (int i = 0; i < f->ncmds; i++)
		free(f->cmds[i]);
	memset(f, 0, sizeof(*f));
	f->reason = -1;
}

int fixtures_run(const char *path, const struct fixture_backend *be,
		 int verbose, int *count)
{
	FILE *fp = fopen(path, "r");
	static struct fixture f;
	char *line = NULL;
	size_t cap = 0;
	int lineno = 0, failures = 0, in_fixture = 0, skipped = 0;

	*count = 0;
	if (!fp) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	fixture_free(&f);
	while (getline(&line, &cap, fp) > 0) {
		char *p = line, *arg;
		size_t n = strlen(p);

		lineno++;
		while (n && (p[n - 1] == '\n' || p[n - 1] == '\r'))
			p[--n] = 0;
		if (!n || p[0] == '#')
			continue;
		arg = strchr(p, ' ');
		arg = arg ? arg + 1 : p + n;

		if (!strncmp(p, "fixture ", 8)) {
			if (in_fixture)
				goto syntax;
			fixture_free(&f);
			snprintf(f.name, sizeof(f.name), "%s", arg);
			f.line = lineno;
			in_fixture = 1;
		} else if (!in_fixture) {
			goto syntax;
		} else if (!strncmp(p, "desc ", 5)) {
			snprintf(f.desc, sizeof(f.desc), "%s", arg);
		} else if (!strncmp(p, "in ", 3)) {
			if (fixture_hex_decode(arg, f.in, &f.in_len))
				goto syntax;
		} else if (!strncmp(p, "out ", 4)) {
			if (fixture_hex_decode(arg, f.out, &f.out_len))
				goto syntax;
			f.has_out = 1;
		} else if (!strncmp(p, "verdict ", 8)) {
			char v[16], r[64];

			if (sscanf(arg, "%15s %63s", v, r) != 2 ||
			    (f.reason = alk_reason_by_name(r)) < 0 ||
			    strcmp(v, alk_verdict_names[alk_reason_verdict(
					      f.reason)]))
				goto syntax;
		} else if (!strncmp(p, "linear ", 7)) {
			if (sscanf(arg, "%u", &f.linear) != 1 || !f.linear)
				goto syntax;
		} else if (!strcmp(p, "end")) {
			if (f.reason < 0 || !f.in_len ||
			    f.has_out !=
				    (alk_reason_verdict(f.reason) == ALK_TX) ||
			    f.linear >= f.in_len)
				goto syntax;
			in_fixture = 0;
			if (f.linear && !be->run_split) {
				printf("skip %s: the %s runner cannot split a "
				       "frame\n",
				       f.name, be->name);
				skipped++;
				continue;
			}
			failures += run_one(&f, be, verbose);
			(*count)++;
		} else {
			if (f.ncmds == 32)
				goto syntax;
			f.cmds[f.ncmds++] = strdup(p);
		}
	}
	free(line);
	fclose(fp);
	fixture_free(&f);
	if (in_fixture) {
		fprintf(stderr, "%s: fixture '%s' has no end\n", path, f.name);
		return -1;
	}
	printf("%s runner: %d fixtures, %d passed, %d failed", be->name, *count,
	       *count - failures, failures);
	printf(skipped ? ", %d skipped (split frames)\n" : "\n", skipped);
	return failures;
syntax:
	fprintf(stderr, "%s:%d: bad fixture line: %s\n", path, lineno, line);
	free(line);
	fclose(fp);
	return -1;
}
