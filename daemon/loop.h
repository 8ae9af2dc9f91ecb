/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The daemons' event loop: one epoll descriptor in one thread, which
 * never blocks anywhere else.  What it waits for:
 *
 *   - signals, as a signalfd: SIGTERM and SIGINT stop the loop (saying
 *     why, and what the daemon's stopping means, and STOPPING=1 to
 *     systemd), SIGHUP calls the daemon's reload (alk_loop_on_reload(),
 *     daemon/reload.h) or is logged and ignored;
 *   - timers (timerfd): a callback every period;
 *   - any descriptor a daemon watches, with a callback: the control
 *     server's (daemon/start.h) in every daemon.
 *
 *   alk_loop_block_signals();           before any thread is created
 *   loop = alk_loop_create("exiting");
 *   alk_loop_watch(loop, fd, EPOLLIN, on_ready, arg);
 *   alk_loop_timer(loop, 1000, on_second, arg);
 *   rc = alk_loop_run(loop);            until a signal or alk_loop_stop()
 *   alk_loop_free(loop);
 *
 * Callbacks run one at a time, between the loop's waits.
 */
#ifndef ALKAID_DAEMON_LOOP_H
#define ALKAID_DAEMON_LOOP_H

#include <stdint.h>

struct alk_loop;

/* 0 to go on; a negative errno stops the loop, alk_loop_run() returning
 * it (the callback says why). */
typedef int (*alk_loop_fn)(struct alk_loop *loop, int fd, uint32_t events,
			   void *arg);

/* Block the loop's signals in the calling thread, and so in the threads it
 * creates afterwards (DPDK's lcores): they arrive at the loop only.  0 or
 * -errno.  alk_loop_create() does it too, for programs without threads. */
int alk_loop_block_signals(void);

/* stopping: what a stop signal means, logged after its name ("Terminated:
 * exiting; the XDP program stays attached").  NULL with errno set. */
struct alk_loop *alk_loop_create(const char *stopping);

/* Call fn whenever fd is ready for events (EPOLLIN, ...). */
int alk_loop_watch(struct alk_loop *loop, int fd, uint32_t events,
		   alk_loop_fn fn, void *arg);
int alk_loop_unwatch(struct alk_loop *loop, int fd);

/* SIGHUP calls fn(loop, -1, 0, arg) instead of being ignored. */
void alk_loop_on_reload(struct alk_loop *loop, alk_loop_fn fn, void *arg);

/* Call fn every period_ms, the first time one period from now. */
int alk_loop_timer(struct alk_loop *loop, unsigned int period_ms,
		   alk_loop_fn fn, void *arg);

/* Serve until a stop signal (0), alk_loop_stop() (its rc), or a callback's
 * error (< 0). */
int alk_loop_run(struct alk_loop *loop);
void alk_loop_stop(struct alk_loop *loop, int rc);

/* Closes the loop's own descriptors (signals, timers), not the watched. */
void alk_loop_free(struct alk_loop *loop);

#endif
