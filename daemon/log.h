/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The daemons' one logging path: every message on stderr, one line,
 * prefixed with the program's name ("alkaid-xdp: ..."), so that a log
 * interleaving several programs says who spoke.
 *
 *   alk_log_init("alkaid-xdp");
 *   alk_say("ready: %d interfaces", n);
 *   alk_fail("%s: cannot read its MAC address", name);    "error: ..."
 *   alk_debug("...");                                      with -v only
 *   alk_die(ALK_EXIT_FAIL, "tables: %s", why);             and exit
 */
#ifndef ALKAID_DAEMON_LOG_H
#define ALKAID_DAEMON_LOG_H

#include <stdarg.h>
#include <stdbool.h>

/* The exit statuses every daemon documents; a daemon may add its own
 * from ALK_EXIT_OWN on (alkaid-xdp's 3: pinned tables differ). */
enum alk_exit {
	ALK_EXIT_OK = 0,
	ALK_EXIT_FAIL = 1,
	ALK_EXIT_USAGE =
		2, /* bad usage, or a configuration file with an error */
	ALK_EXIT_OWN = 3,
};

void alk_log_init(const char *prog);
const char *alk_log_prog(void);

/* -v: alk_debug() prints, and daemons make their libraries talk. */
void alk_log_set_verbose(bool verbose);
bool alk_log_verbose(void);

void alk_vsay(const char *fmt, va_list ap);
void alk_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void alk_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#define alk_fail(...) alk_say("error: " __VA_ARGS__)

/* Say it, then exit with code. */
void alk_die(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));

/* A command line the daemon cannot take: says it, then how to get help.
 * Returns -1, what option parsers return for "bad usage, said". */
int alk_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
