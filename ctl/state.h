/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The state file: every table written out in the command grammar, through
 * the table API only, so that it works for every back end; loaded back at
 * start as a command file (tables/cmdfile.h).
 */
#ifndef ALKAID_CTL_STATE_H
#define ALKAID_CTL_STATE_H

#include "tables/cmd.h"
#include "tables/tables.h"

/* mkdir -p of the directories path will be in; 0 or -errno. */
int alk_make_parent_dirs(const char *path, unsigned int mode);

/*
 * Write every table to path in the command grammar, atomically: a
 * temporary file in the same directory, fsync, rename, fsync of the
 * directory.  A reader sees the old file or the new one, never a part.
 * The directory is created (0750) if it is missing.
 */
int alk_state_save(struct alk_tables *t, const char *path,
		   struct alk_error *err);

/* The state file is loaded as any command file: alk_cmdfile_load()
 * (tables/cmdfile.h). */

#endif
