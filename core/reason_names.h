/* SPDX-License-Identifier: BSD-3-Clause */
/* Printable names of the reasons, for userspace (counters, fixtures, CLI). */
#ifndef ALKAID_CORE_REASON_NAMES_H
#define ALKAID_CORE_REASON_NAMES_H

#include <string.h>
#include "verdict.h"

#define ALK_REASON_NAME(name, verdict) #name,
static const char *const alk_reason_names[ALK_R_MAX] = {
	ALK_REASONS(ALK_REASON_NAME) /* one name per reason, in order */
};
#undef ALK_REASON_NAME

static const char *const alk_verdict_names[] = { "tx", "pass", "drop" };

/* Returns the reason called name, or -1. */
static inline int alk_reason_by_name(const char *name)
{
	for (int r = 0; r < ALK_R_MAX; r++)
		if (strcmp(alk_reason_names[r], name) == 0)
			return r;
	return -1;
}

#endif
