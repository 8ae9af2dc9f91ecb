/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "log.h"

static struct {
	const char *prog;
	bool verbose;
} log_state = { .prog = "alkaid" };

void alk_log_init(const char *prog)
{
	log_state.prog = prog;
}

const char *alk_log_prog(void)
{
	return log_state.prog;
}

void alk_log_set_verbose(bool verbose)
{
	log_state.verbose = verbose;
}

bool alk_log_verbose(void)
{
	return log_state.verbose;
}

void alk_vsay(const char *fmt, va_list ap)
{
	/* one write per line: messages of two threads do not interleave */
	char line[1024];
	int saved = errno; /* for %m */
	int n = snprintf(line, sizeof(line), "%s: ", log_state.prog);

	errno = saved;
	vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	fprintf(stderr, "%s\n", line);
}

void alk_say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	alk_vsay(fmt, ap);
	va_end(ap);
}

void alk_debug(const char *fmt, ...)
{
	va_list ap;

	if (!log_state.verbose)
		return;
	va_start(ap, fmt);
	alk_vsay(fmt, ap);
	va_end(ap);
}

void alk_die(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	alk_vsay(fmt, ap);
	va_end(ap);
	exit(code);
}

int alk_usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	alk_vsay(fmt, ap);
	va_end(ap);
	fprintf(stderr, "Try '%s --help'.\n", log_state.prog);
	return -1;
}
