/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Command files: alkaidctl batch files (alkaidctl -b), the daemons' state
 * file, initial tables and --batch files.  One reader, one set of rules:
 *
 *   - one command per line, in the grammar of tables/cmd.h; blank lines
 *     are skipped, and a word starting with '#' begins a comment that runs
 *     to the end of the line (on a line of its own or after a command);
 *   - the file is read and checked whole before any of it is applied: a
 *     line that does not parse applies nothing, and the error says
 *     "FILE:LINE: reason";
 *   - consecutive add (or del) lines of one object form one batch of up to
 *     ALK_CMDFILE_BATCH entries, which the tables take whole or not at all;
 *     a batch refused (a full table, a MAC owned by another endpoint) stops
 *     the file there: the batches before it stay applied, none after it,
 *     and the error names the entry's line (or the batch's lines);
 *   - the order of the lines is kept across batches and objects.
 *
 * Lines that change no table (alkaidctl's list, get, stats...) are taken
 * only when the caller checks them (alkaidctl -b); a daemon refuses them.
 */
#ifndef ALKAID_TABLES_CMDFILE_H
#define ALKAID_TABLES_CMDFILE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "tables/cmd.h"

/* Entries in one batch at most. */
#define ALK_CMDFILE_BATCH 10000

/* One step of a file: a batch of entries, or another command. */
struct alk_cmdfile_step {
	enum alk_cmd_object object;
	enum alk_cmd_op op;
	uint32_t n;    /* entries; 0: another command, in argv */
	uint8_t *keys; /* n keys of the object (none for the gateway) */
	uint8_t *vals; /* n values (none for del) */
	long *lines;   /* the line of each entry */
	char **argv;   /* another command's words, NULL-terminated */
	int argc;
	long line; /* another command's line */
};

struct alk_cmdfile_rules {
	/* Lines that are no table change: 0 to take them (as steps with
	 * argv), or -EINVAL with a reason in err->msg.  NULL: refused. */
	int (*check_other)(int argc, char **argv, struct alk_error *err);
	/* Report a bad line and go on without it (alkaidctl -f); the file
	 * is then applied without its bad lines.  NULL: stop at the first. */
	void (*report)(const char *name, long line, const char *reason);
};

struct alk_cmdfile {
	const char *name; /* in messages: the path, or <stdin> */
	struct alk_cmdfile_step *steps;
	size_t nsteps, cap;
	size_t entries;	  /* in every batch */
	size_t bad_lines; /* reported and skipped */
};

/*
 * Read path ("-": standard input) whole.  0, or -errno with err->msg
 * "FILE:LINE: reason" (err->index = the line) or "FILE: reason" (err->index
 * = -1: it cannot be read, -ENOENT if it does not exist).  Free with
 * alk_cmdfile_free() in every case.
 */
int alk_cmdfile_read(struct alk_cmdfile *f, const char *path,
		     const struct alk_cmdfile_rules *rules,
		     struct alk_error *err);
void alk_cmdfile_free(struct alk_cmdfile *f);

/* The same, a line at a time, for commands that come from elsewhere (a
 * configuration file's list): an empty file named name, then one line
 * (split in place).  0, 1 for a line without a command (blank, comment),
 * or -errno; errors are the line's reason alone. */
void alk_cmdfile_init(struct alk_cmdfile *f, const char *name);
int alk_cmdfile_line(struct alk_cmdfile *f, char *text, long line,
		     const struct alk_cmdfile_rules *rules,
		     struct alk_error *err);

/* The first line of a step (for "nothing from line N on was applied"). */
long alk_cmdfile_step_line(const struct alk_cmdfile_step *s);

/*
 * A batch refused with reason, its entry index given (-1: the batch as a
 * whole): err->msg becomes "FILE:LINE: reason" or "FILE:FIRST-LAST:
 * reason", err->index the line.
 */
void alk_cmdfile_blame(const struct alk_cmdfile *f,
		       const struct alk_cmdfile_step *s, int64_t index,
		       const char *reason, struct alk_error *err);

/* Apply a file read by alk_cmdfile_read() (batches only) through the
 * table API, in order.  0, or the first error, blamed on its line. */
int alk_cmdfile_apply(const struct alk_cmdfile *f, struct alk_tables *t,
		      struct alk_error *err);

/* The same, calling before(arg, ...) ahead of each step it applies (a
 * reload keeps what the step will replace); a non-zero return stops
 * there, before(), which said why in err, having its say. */
typedef int (*alk_cmdfile_step_fn)(void *arg, struct alk_tables *t,
				   const struct alk_cmdfile *f,
				   const struct alk_cmdfile_step *s,
				   struct alk_error *err);
int alk_cmdfile_apply_each(const struct alk_cmdfile *f, struct alk_tables *t,
			   alk_cmdfile_step_fn before, void *arg,
			   struct alk_error *err);

/* Read path and apply it: what a daemon does with its files. */
int alk_cmdfile_load(struct alk_tables *t, const char *path,
		     struct alk_error *err);

/* Every table as a command file (the gateway, then neighbors, VPCs,
 * networks and endpoints: what a line refers to comes before it).
 * 0, or -errno with err->msg naming the table. */
int alk_cmdfile_write(struct alk_tables *t, FILE *out, struct alk_error *err);

#endif
