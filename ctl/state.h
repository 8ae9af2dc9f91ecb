/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tables as a whole, through the table API only, so that it works for every
 * back end: applying batches of commands, and the state file (every table
 * written out in the command grammar, loaded back at start).
 */
#ifndef ALKAID_CTL_STATE_H
#define ALKAID_CTL_STATE_H

#include "tables/cmd.h"
#include "tables/tables.h"

/* mkdir -p of the directories path will be in; 0 or -errno. */
int alk_make_parent_dirs(const char *path, unsigned int mode);

/* Entries per front-end call when loading files. */
#define ALK_STATE_BATCH 10000

/* Apply n entries of one object (add or del; the gateway: set, n = 1). */
int alk_state_apply(struct alk_tables *t, enum alk_cmd_object object,
		    enum alk_cmd_op op, const void *keys, const void *vals,
		    uint32_t n, struct alk_error *err);

/*
 * Commands grouped into batches: consecutive commands of one object and
 * operation go to the front end in one call.  Each command carries its
 * line; an error says "<source>:<line>: <reason>" with err->index = line.
 */
struct alk_state_batch {
	struct alk_tables *t;
	const char *source;
	enum alk_cmd_object object;
	enum alk_cmd_op op;
	uint32_t n, max;
	uint8_t *keys, *vals;
	long *lines;
};

int alk_state_batch_init(struct alk_state_batch *b, struct alk_tables *t,
			 const char *source, uint32_t max);
int alk_state_batch_push(struct alk_state_batch *b, const struct alk_cmd *c,
			 long line, struct alk_error *err);
int alk_state_batch_flush(struct alk_state_batch *b, struct alk_error *err);
void alk_state_batch_fini(struct alk_state_batch *b);

/*
 * Write every table to path in the command grammar, atomically: a
 * temporary file in the same directory, fsync, rename, fsync of the
 * directory.  A reader sees the old file or the new one, never a part.
 * The directory is created (0750) if it is missing.
 */
int alk_state_save(struct alk_tables *t, const char *path,
		   struct alk_error *err);

/* Apply a file of commands (a state file, or any alkaidctl batch file
 * without get/list) through the table API.  -ENOENT if it does not exist,
 * with err set; other errors name the line. */
int alk_state_load(struct alk_tables *t, const char *path,
		   struct alk_error *err);

#endif
