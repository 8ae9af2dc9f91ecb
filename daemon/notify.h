/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Readiness and status for systemd (Type=notify), through libsystemd's
 * sd_notify(): a no-op when the daemon was not started with
 * NOTIFY_SOCKET, so every daemon calls these unconditionally.
 *
 *   alk_notify_ready(t, "eth1")   READY=1 once the tables are loaded and
 *                                 the data plane attached, with
 *                                 STATUS=serving eth1: 3 networks, ...
 *   alk_notify_reloading()        RELOADING=1 (SIGHUP); the reload ends
 *                                 with alk_notify_ready() again
 *   alk_notify_stopping()         STOPPING=1 (SIGTERM, SIGINT)
 *
 * A daemon that fails to start never calls alk_notify_ready(): systemd
 * sees it exit without READY=1 and the start fails.
 */
#ifndef ALKAID_DAEMON_NOTIFY_H
#define ALKAID_DAEMON_NOTIFY_H

#include "tables/tables.h"

/* READY=1 and STATUS="serving WHAT: N networks, M endpoints, ..." (the
 * tables t serves, with their entry counts). */
void alk_notify_ready(struct alk_tables *t, const char *what);

/* STATUS= alone, printf-style. */
void alk_notify_status(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

void alk_notify_reloading(void);
void alk_notify_stopping(void);

#endif
