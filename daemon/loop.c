/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "log.h"
#include "loop.h"
#include "notify.h"

/* Descriptors one loop watches: its own, the control server's, a few of
 * the daemon's.  The server's clients are behind its one descriptor. */
#define MAX_WATCHED 64

struct watch {
	int fd;
	bool owned; /* the loop's own: closed by alk_loop_free() */
	alk_loop_fn fn;
	void *arg;
};

struct alk_loop {
	int epfd;
	const char *stopping;
	bool stop;
	int rc;
	alk_loop_fn reload; /* SIGHUP; NULL: ignored */
	void *reload_arg;
	struct watch watched[MAX_WATCHED];
};

static void loop_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGHUP);
}

int alk_loop_block_signals(void)
{
	sigset_t set;

	loop_signals(&set);
	/* control clients may hang up with answers unsent */
	signal(SIGPIPE, SIG_IGN);
	return -pthread_sigmask(SIG_BLOCK, &set, NULL);
}

static int on_signal(struct alk_loop *loop, int fd, uint32_t events, void *arg)
{
	struct signalfd_siginfo si;

	if (read(fd, &si, sizeof(si)) != sizeof(si))
		return errno == EAGAIN ? 0 : -errno;
	if (si.ssi_signo == SIGHUP && loop->reload)
		return loop->reload(loop, -1, 0, loop->reload_arg);
	if (si.ssi_signo == SIGHUP) {
		alk_say("SIGHUP ignored: nothing to reload");
		return 0;
	}
	alk_notify_stopping();
	alk_say("%s: %s", strsignal(si.ssi_signo), loop->stopping);
	alk_loop_stop(loop, 0);
	return 0;
}

static int add(struct alk_loop *loop, int fd, bool owned, uint32_t events,
	       alk_loop_fn fn, void *arg)
{
	struct epoll_event ev = { .events = events };

	for (int i = 0; i < MAX_WATCHED; i++) {
		if (loop->watched[i].fd >= 0)
			continue;
		ev.data.u32 = i;
		if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, fd, &ev))
			return -errno;
		loop->watched[i] = (struct watch){ fd, owned, fn, arg };
		return 0;
	}
	return -ENOSPC;
}

struct alk_loop *alk_loop_create(const char *stopping)
{
	struct alk_loop *loop = calloc(1, sizeof(*loop));
	sigset_t set;
	int fd, err;

	if (!loop)
		return NULL;
	loop->epfd = -1;
	loop->stopping = stopping;
	for (int i = 0; i < MAX_WATCHED; i++)
		loop->watched[i].fd = -1;
	loop_signals(&set);
	err = alk_loop_block_signals();
	if (!err) {
		loop->epfd = epoll_create1(EPOLL_CLOEXEC);
		err = loop->epfd < 0 ? -errno : 0;
	}
	fd = err ? -1 : signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (!err && fd < 0)
		err = -errno;
	if (!err) {
		err = add(loop, fd, true, EPOLLIN, on_signal, NULL);
		if (err)
			close(fd);
	}
	if (err) {
		alk_loop_free(loop);
		errno = -err;
		return NULL;
	}
	return loop;
}

int alk_loop_watch(struct alk_loop *loop, int fd, uint32_t events,
		   alk_loop_fn fn, void *arg)
{
	return add(loop, fd, false, events, fn, arg);
}

void alk_loop_on_reload(struct alk_loop *loop, alk_loop_fn fn, void *arg)
{
	loop->reload = fn;
	loop->reload_arg = arg;
}

int alk_loop_unwatch(struct alk_loop *loop, int fd)
{
	for (int i = 0; i < MAX_WATCHED; i++) {
		if (loop->watched[i].fd != fd)
			continue;
		loop->watched[i].fd = -1;
		return epoll_ctl(loop->epfd, EPOLL_CTL_DEL, fd, NULL) ? -errno :
									0;
	}
	return -ENOENT;
}

int alk_loop_timer(struct alk_loop *loop, unsigned int period_ms,
		   alk_loop_fn fn, void *arg)
{
	struct timespec period = { period_ms / 1000,
				   (long)(period_ms % 1000) * 1000000 };
	struct itimerspec its = { period, period };
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	int err;

	if (fd < 0)
		return -errno;
	err = timerfd_settime(fd, 0, &its, NULL) ? -errno : 0;
	if (!err)
		err = add(loop, fd, true, EPOLLIN, fn, arg);
	if (err)
		close(fd);
	return err;
}

int alk_loop_run(struct alk_loop *loop)
{
	struct epoll_event ev[32];

	while (!loop->stop) {
		int n = epoll_wait(loop->epfd, ev, 32, -1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		for (int i = 0; i < n && !loop->stop; i++) {
			struct watch *w = &loop->watched[ev[i].data.u32];
			uint64_t expirations;
			int rc;

			/* unwatched by an earlier callback of this round */
			if (w->fd < 0)
				continue;
			/* a timer's expirations are read here, once */
			if (w->owned && w->fn != on_signal &&
			    read(w->fd, &expirations, sizeof(expirations)) < 0)
				continue;
			rc = w->fn(loop, w->fd, ev[i].events, w->arg);
			if (rc < 0)
				alk_loop_stop(loop, rc);
		}
	}
	return loop->rc;
}

void alk_loop_stop(struct alk_loop *loop, int rc)
{
	loop->stop = true;
	loop->rc = rc;
}

void alk_loop_free(struct alk_loop *loop)
{
	if (!loop)
		return;
	for (int i = 0; i < MAX_WATCHED; i++)
		if (loop->watched[i].fd >= 0 && loop->watched[i].owned)
			close(loop->watched[i].fd);
	if (loop->epfd >= 0)
		close(loop->epfd);
	free(loop);
}
