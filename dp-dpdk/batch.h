/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A file of table commands (tables/cmd.h's grammar, one per line, '#'
 * comments) applied through the table API: alkaid-dpdk --batch FILE.
 * Runs of "endpoint add" go to the table API as one batch, so that a
 * million endpoints load in seconds.
 */
#ifndef ALKAID_DP_DPDK_BATCH_H
#define ALKAID_DP_DPDK_BATCH_H

#include <stddef.h>

struct alk_tables;

/* Returns the number of commands applied, or -errno with "file:line:
 * why" in err (what came before that line is applied). */
long alk_batch_apply(struct alk_tables *t, const char *path, char *err,
		     size_t errlen);

#endif
