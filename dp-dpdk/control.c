/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <rte_log.h>

#include "control.h"
#include "tables_dpdk.h"

#define MAX_WATCHED 1024

struct watch {
	int fd;
	alk_control_fn fn;
	void *arg;
};

struct alk_control {
	struct alk_tables *tables;
	int epfd;
	int sigfd;
	int tickfd;
	int stop;
	struct watch watched[MAX_WATCHED];
};

int alk_control_block_signals(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	return -pthread_sigmask(SIG_BLOCK, &set, NULL);
}

static void on_signal(struct alk_control *ctl, int fd, uint32_t events,
		      void *arg)
{
	struct signalfd_siginfo si;

	if (read(fd, &si, sizeof(si)) == sizeof(si)) {
		RTE_LOG(INFO, USER1, "signal %u: stopping\n", si.ssi_signo);
		ctl->stop = 1;
	}
}

/* Once a second: what the workers no longer see is freed even when no
 * write comes to trigger it. */
static void on_tick(struct alk_control *ctl, int fd, uint32_t events, void *arg)
{
	uint64_t expirations;

	if (read(fd, &expirations, sizeof(expirations)) > 0)
		alk_dpdk_tables_reclaim(ctl->tables);
}

struct alk_control *alk_control_create(struct alk_tables *tables)
{
	struct itimerspec second = { { 1, 0 }, { 1, 0 } };
	struct alk_control *ctl = calloc(1, sizeof(*ctl));
	sigset_t set;

	if (!ctl)
		return NULL;
	ctl->tables = tables;
	for (int i = 0; i < MAX_WATCHED; i++)
		ctl->watched[i].fd = -1;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	ctl->epfd = epoll_create1(EPOLL_CLOEXEC);
	ctl->sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	ctl->tickfd =
		timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (ctl->epfd < 0 || ctl->sigfd < 0 || ctl->tickfd < 0 ||
	    timerfd_settime(ctl->tickfd, 0, &second, NULL) ||
	    alk_control_watch(ctl, ctl->sigfd, EPOLLIN, on_signal, NULL) ||
	    alk_control_watch(ctl, ctl->tickfd, EPOLLIN, on_tick, NULL)) {
		alk_control_free(ctl);
		return NULL;
	}
	return ctl;
}

int alk_control_watch(struct alk_control *ctl, int fd, uint32_t events,
		      alk_control_fn fn, void *arg)
{
	struct epoll_event ev = { .events = events };

	for (int i = 0; i < MAX_WATCHED; i++) {
		if (ctl->watched[i].fd >= 0)
			continue;
		ev.data.u32 = i;
		if (epoll_ctl(ctl->epfd, EPOLL_CTL_ADD, fd, &ev))
			return -errno;
		ctl->watched[i] = (struct watch){ fd, fn, arg };
		return 0;
	}
	return -ENOSPC;
}

int alk_control_unwatch(struct alk_control *ctl, int fd)
{
	for (int i = 0; i < MAX_WATCHED; i++) {
		if (ctl->watched[i].fd != fd)
			continue;
		ctl->watched[i].fd = -1;
		return epoll_ctl(ctl->epfd, EPOLL_CTL_DEL, fd, NULL) ? -errno :
								       0;
	}
	return -ENOENT;
}

struct alk_tables *alk_control_tables(struct alk_control *ctl)
{
	return ctl->tables;
}

int alk_control_run(struct alk_control *ctl)
{
	struct epoll_event ev[32];

	while (!ctl->stop) {
		int n = epoll_wait(ctl->epfd, ev, 32, -1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		for (int i = 0; i < n && !ctl->stop; i++) {
			struct watch *w = &ctl->watched[ev[i].data.u32];

			/* unwatched by an earlier callback of this round */
			if (w->fd < 0)
				continue;
			w->fn(ctl, w->fd, ev[i].events, w->arg);
		}
	}
	return 0;
}

void alk_control_stop(struct alk_control *ctl)
{
	ctl->stop = 1;
}

void alk_control_free(struct alk_control *ctl)
{
	if (!ctl)
		return;
	if (ctl->tickfd >= 0)
		close(ctl->tickfd);
	if (ctl->sigfd >= 0)
		close(ctl->sigfd);
	if (ctl->epfd >= 0)
		close(ctl->epfd);
	free(ctl);
}
