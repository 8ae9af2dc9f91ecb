/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SIGHUP: the configuration file given with -c read again and its tables
 * applied to the running daemon as one change, all of it or none of it.
 *
 *   static struct alk_reload reload = { .sections = scratch_sections,
 *                                       .check = xdp_check, ... };
 *   reload.tables = t; reload.cfg = &cfg; reload.what = "eth1";
 *   alk_loop_on_reload(loop, alk_daemon_reload_cb, &reload);
 *
 * What is applied: initial-tables, then initial-file, then the gateway
 * (unless --gateway-ip was given: the command line wins, as at start), in
 * the order a first start applies them; never the state file, which is
 * the daemon's own.  Rows the file no longer has are left as they are: a
 * reload adds and updates (and deletes what the file's del commands say).
 *
 * All or none: the file is checked whole first (alk_daemon_config_load():
 * syntax, ranges, the rows against each other); then, as it is applied
 * to the live tables, what each batch replaces is kept, and a batch the
 * tables refuse (a full table, a MAC another endpoint owns) undoes those
 * before it.  Either way the reason is logged with its line and the
 * daemon goes on serving.  Settings that only a restart takes (table
 * sizes, the control socket, its group, the state file, and what
 * check() finds in the daemon's own section) are logged as needing one.
 */
#ifndef ALKAID_DAEMON_RELOAD_H
#define ALKAID_DAEMON_RELOAD_H

#include <stdbool.h>

#include "config/config.h"
#include "loop.h"
#include "tables/tables.h"

struct alk_reload {
	/* the daemon's sections read into scratch structures (never the
	 * live ones), or rows without read() to skip them */
	const struct alk_config_section *sections;
	/* Optional: with compare (the file was good), log "SETTING changed:
	 * needs a restart" for what differs in those structures; then, in
	 * any case, free what they hold. */
	void (*check)(void *arg, bool compare);
	void *arg;
	struct alk_tables *tables;
	const struct alk_config *cfg; /* what the daemon started with */
	const char *what;	      /* STATUS=serving WHAT: ... */
	bool keep_gateway; /* the file's gateway is not the daemon's */
};

/* Reload alk_opt.config into r->tables.  0, or -errno once logged (the
 * tables then unchanged). */
int alk_daemon_reload(const struct alk_reload *r);

/* alk_daemon_reload() as the loop's SIGHUP callback (arg: the reload),
 * between RELOADING=1 and READY=1; never stops the loop. */
int alk_daemon_reload_cb(struct alk_loop *loop, int fd, uint32_t events,
			 void *arg);

#endif
