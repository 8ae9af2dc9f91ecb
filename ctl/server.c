/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Sockets and buffers around the protocol layer (rpc.c, session.c).
 *
 * Level-triggered epoll.  Each client has an output buffer; writes are
 * non-blocking, and when a client leaves more than max_output unread, its
 * input is no longer read (what was read and not yet parsed waits in its
 * input buffer) until it catches up: a slow client slows only itself, and
 * the memory it can hold is bounded.  A vanished client is noticed on its
 * next read or write and dropped with whatever it had pending.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "api.h"
#include "rpc.h"
#include "server.h"
#include "state.h"

#ifndef SO_PEERGROUPS
#define SO_PEERGROUPS 59
#endif

#define READ_CHUNK (64 * 1024)
#define READS_PER_EVENT 16 /* 1 MiB per client per call: fair and bounded */
#define EVENTS_PER_CALL 64

struct client {
	int fd;
	uint32_t events; /* registered with epoll */
	struct alk_session session;
	struct alk_buf out;
	size_t out_sent;
	char *in; /* read but not yet fed: only while output backs up */
	size_t in_off, in_len;
	bool eof; /* the peer will send no more */
};

struct alk_ctl_server {
	int epfd, listen_fd, timer_fd;
	char *path;
	bool have_group;
	gid_t group;
	struct alk_rpc rpc;
	struct client **clients;
	unsigned int nclients;
	struct alk_ctl_options opt;
	char *state_file;
	uint64_t saved_generation;
	bool timer_armed;
	uint64_t save_end_ns, save_cost_ns; /* of the last save */
	struct client *feeding;	  /* whose requests are being handled */
	struct client *capturing; /* the one capture's client, or NULL */
	uint64_t capture_frames, capture_lost; /* lost: the client lagged */
	char rbuf[READ_CHUNK];
};

/* epoll data for the server's own descriptors; clients are pointers */
static char tag_listen, tag_timer;

static void say(struct alk_ctl_server *srv, int prio, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void say(struct alk_ctl_server *srv, int prio, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (srv->opt.log)
		srv->opt.log(prio, msg);
	else
		fprintf(stderr, "alkaid-ctl: %s\n", msg);
}

int alk_ctl_peer_allowed(unsigned int uid, unsigned int gid,
			 const unsigned int *groups, size_t ngroups,
			 unsigned int self_uid, int have_group,
			 unsigned int group)
{
	if (uid == 0 || uid == self_uid)
		return 1;
	if (!have_group)
		return 0;
	if (gid == group)
		return 1;
	for (size_t i = 0; i < ngroups; i++)
		if (groups[i] == group)
			return 1;
	return 0;
}

/* SO_PEERCRED, and SO_PEERGROUPS for the supplementary groups. */
static int peer_check(struct alk_ctl_server *srv, int fd, char *why,
		      size_t size)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	gid_t groups[256];
	unsigned int g[256];
	socklen_t glen = sizeof(groups);
	size_t ngroups = 0;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len)) {
		snprintf(why, size, "cannot read peer credentials: %s",
			 strerror(errno));
		return 0;
	}
	if (srv->have_group &&
	    getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &glen) == 0) {
		ngroups = glen / sizeof(gid_t);
		for (size_t i = 0; i < ngroups; i++)
			g[i] = groups[i];
	}
	if (alk_ctl_peer_allowed(cred.uid, cred.gid, g, ngroups, geteuid(),
				 srv->have_group, srv->group))
		return 1;
	snprintf(why, size, "permission denied: uid %u is not root%s", cred.uid,
		 srv->have_group ? " and not in the control group" : "");
	return 0;
}

static int watch(struct alk_ctl_server *srv, struct client *c, uint32_t ev)
{
	struct epoll_event e = { .events = ev, .data.ptr = c };

	if (ev == c->events)
		return 0;
	if (epoll_ctl(srv->epfd, EPOLL_CTL_MOD, c->fd, &e))
		return -errno;
	c->events = ev;
	return 0;
}

static void capture_end(struct alk_ctl_server *srv, uint64_t *frames,
			uint64_t *lost)
{
	uint64_t dp_lost = 0;

	if (srv->capturing)
		srv->opt.capture->stop(srv->opt.capture->arg, &dp_lost);
	*frames = srv->capture_frames;
	*lost = srv->capture_lost + dp_lost;
	srv->capturing = NULL;
	srv->capture_frames = srv->capture_lost = 0;
}

static void client_close(struct alk_ctl_server *srv, struct client *c)
{
	if (c == srv->capturing) { /* its capture ends with it */
		uint64_t frames, lost;

		capture_end(srv, &frames, &lost);
	}
	if (c == srv->feeding)
		srv->feeding = NULL;
	for (unsigned int i = 0; i < srv->nclients; i++) {
		if (srv->clients[i] == c) {
			srv->clients[i] = srv->clients[--srv->nclients];
			break;
		}
	}
	close(c->fd); /* leaves the epoll set with it */
	alk_session_fini(&c->session);
	alk_buf_free(&c->out);
	free(c->in);
	free(c);
}

static size_t pending_out(const struct client *c)
{
	return c->out.len - c->out_sent;
}

/* Send what is pending.  0: all sent or the socket is full; -1: gone. */
static int client_write(struct client *c)
{
	while (c->out_sent < c->out.len) {
		ssize_t n = send(c->fd, c->out.data + c->out_sent,
				 c->out.len - c->out_sent,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				return -1;
			/* a client that never quite catches up must not
			 * keep what it has read: drop the sent part */
			if (c->out_sent >= 65536 &&
			    c->out_sent >= pending_out(c)) {
				memmove(c->out.data, c->out.data + c->out_sent,
					pending_out(c));
				c->out.len -= c->out_sent;
				c->out_sent = 0;
			}
			return 0;
		}
		c->out_sent += n;
	}
	c->out.len = c->out_sent = 0;
	/* a large answer once does not pin its memory for ever */
	if (c->out.cap > (1u << 20))
		alk_buf_free(&c->out);
	return 0;
}

/* Feed input while the client keeps up; what is left waits in c->in. */
static int client_feed(struct alk_ctl_server *srv, struct client *c,
		       const char *data, size_t len)
{
	size_t used;
	char *in;

	srv->feeding = c;
	used = alk_session_feed(&c->session, &srv->rpc, data, len, &c->out,
				c->out_sent + srv->opt.max_output);

	if (c->in && data == c->in + c->in_off) {
		c->in_off += used;
		if (c->in_off == c->in_len || c->session.closing) {
			free(c->in);
			c->in = NULL;
		}
		return 0;
	}
	if (used == len || c->session.closing)
		return 0;
	in = malloc(len - used);
	if (!in)
		return -1;
	memcpy(in, data + used, len - used);
	c->in = in;
	c->in_off = 0;
	c->in_len = len - used;
	return 0;
}

/* Interest follows state: read while nothing waits in c->in and output
 * is below the cap, write while output is pending; close when done. */
static void client_update(struct alk_ctl_server *srv, struct client *c)
{
	uint32_t ev = 0;

	if (!c->in && !c->eof && !c->session.closing &&
	    pending_out(c) < srv->opt.max_output)
		ev |= EPOLLIN;
	if (pending_out(c))
		ev |= EPOLLOUT;
	if (!ev || watch(srv, c, ev))
		client_close(srv, c);
}

static void client_read(struct alk_ctl_server *srv, struct client *c)
{
	for (int i = 0; i < READS_PER_EVENT && !c->in && !c->session.closing;
	     i++) {
		ssize_t n = read(c->fd, srv->rbuf, sizeof(srv->rbuf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			/* EOF, or reset: either way nothing more comes; a
			 * half-closed peer still gets its answers */
			c->eof = true;
			srv->feeding = c;
			alk_session_eof(&c->session, &srv->rpc, &c->out);
			return;
		}
		if (client_feed(srv, c, srv->rbuf, n)) {
			c->session.closing = true;
			return;
		}
		if (pending_out(c) >= srv->opt.max_output)
			return;
	}
}

static void client_event(struct alk_ctl_server *srv, struct client *c,
			 uint32_t events)
{
	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
		client_read(srv, c);
	for (;;) {
		if (client_write(c)) {
			client_close(srv, c); /* gone: its answers with it */
			return;
		}
		/* it caught up: feed what waited */
		if (!c->in || c->session.closing ||
		    pending_out(c) >= srv->opt.max_output)
			break;
		if (client_feed(srv, c, c->in + c->in_off,
				c->in_len - c->in_off))
			c->session.closing = true;
	}
	if (c->eof && !c->in)
		c->session.closing = true;
	client_update(srv, c);
}

/* --- capture --------------------------------------------------------- */

static int capture_start(struct alk_rpc *rpc, const struct alk_capture_req *req,
			 struct alk_error *err)
{
	struct alk_ctl_server *srv =
		(struct alk_ctl_server *)((char *)rpc -
					  offsetof(struct alk_ctl_server, rpc));
	int rc;

	if (srv->capturing)
		return alk_error_set(err, -1, -EBUSY,
				     "a capture is running already (one at a "
				     "time)");
	if (!srv->feeding)
		return alk_error_set(err, -1, -EINVAL, "no connection");
	rc = srv->opt.capture->start(srv->opt.capture->arg, req, err);
	if (rc)
		return rc;
	srv->capturing = srv->feeding;
	srv->capture_frames = srv->capture_lost = 0;
	return 0;
}

static void capture_stop(struct alk_rpc *rpc, uint64_t *frames, uint64_t *lost)
{
	struct alk_ctl_server *srv =
		(struct alk_ctl_server *)((char *)rpc -
					  offsetof(struct alk_ctl_server, rpc));

	/* only the capture's own client stops it; another learns nothing */
	*frames = *lost = 0;
	if (srv->capturing && srv->capturing == srv->feeding)
		capture_end(srv, frames, lost);
}

int alk_ctl_capture_frame(struct alk_ctl_server *srv,
			  const struct alk_capture_frame *f)
{
	struct client *c = srv->capturing;

	if (!c)
		return -ENOENT;
	if (pending_out(c) >= srv->opt.max_output) {
		srv->capture_lost++;
		return -ENOBUFS;
	}
	alk_capture_frame_encode(&c->out, f);
	srv->capture_frames++;
	if (c->events != (c->events | EPOLLOUT))
		watch(srv, c, c->events | EPOLLOUT);
	return 0;
}

/* Refuse a connection with one error line, best effort. */
static void refuse(struct alk_ctl_server *srv, int fd, int code,
		   const char *why)
{
	struct alk_buf b = { 0 };

	alk_rpc_count_error(&srv->rpc.counters, code);
	alk_rpc_error(&b, NULL, code, why, -1);
	/* a peer that does not read it just sees the close */
	if (!b.nomem)
		(void)!send(fd, b.data, b.len, MSG_NOSIGNAL | MSG_DONTWAIT);
	alk_buf_free(&b);
	close(fd);
}

int alk_ctl_server_attach(struct alk_ctl_server *srv, int fd)
{
	struct client *c;
	char why[128];

	if (srv->nclients == srv->opt.max_clients) {
		snprintf(why, sizeof(why), "too many clients (%u): try later",
			 srv->opt.max_clients);
		refuse(srv, fd, ALK_RPC_DENIED, why);
		return -EBUSY;
	}
	if (!peer_check(srv, fd, why, sizeof(why))) {
		say(srv, LOG_NOTICE, "refused a client: %s", why);
		refuse(srv, fd, ALK_RPC_DENIED, why);
		return -EACCES;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	c = calloc(1, sizeof(*c));
	if (!c || alk_session_init(&c->session, srv->opt.max_request)) {
		free(c);
		close(fd);
		return -ENOMEM;
	}
	c->fd = fd;
	c->events = EPOLLIN;
	if (epoll_ctl(srv->epfd, EPOLL_CTL_ADD, fd,
		      &(struct epoll_event){ .events = EPOLLIN,
					     .data.ptr = c })) {
		int rc = -errno;

		alk_session_fini(&c->session);
		free(c);
		close(fd);
		return rc;
	}
	srv->clients[srv->nclients++] = c;
	return 0;
}

static void accept_clients(struct alk_ctl_server *srv)
{
	for (int i = 0; i < EVENTS_PER_CALL; i++) {
		int fd = accept4(srv->listen_fd, NULL, NULL,
				 SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno != EAGAIN && errno != EINTR &&
			    errno != ECONNABORTED)
				say(srv, LOG_WARNING, "accept: %s",
				    strerror(errno));
			return;
		}
		alk_ctl_server_attach(srv, fd);
	}
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

int alk_ctl_server_flush(struct alk_ctl_server *srv, struct alk_error *err)
{
	uint64_t gen = srv->rpc.generation, start = now_ns();
	int rc;

	if (!srv->state_file || gen == srv->saved_generation)
		return 0;
	rc = alk_state_save(srv->rpc.tables, srv->state_file, err);
	if (!rc)
		srv->saved_generation = gen;
	srv->save_end_ns = now_ns();
	srv->save_cost_ns = srv->save_end_ns - start;
	return rc;
}

static void save_state(struct alk_ctl_server *srv)
{
	struct alk_error err;
	uint64_t expirations;

	if (read(srv->timer_fd, &expirations, sizeof(expirations)) < 0 &&
	    errno == EAGAIN)
		return;
	srv->timer_armed = false;
	if (alk_ctl_server_flush(srv, &err))
		say(srv, LOG_ERR, "state file not saved: %s", err.msg);
}

/*
 * After a change, save state_delay_ms later: many changes, one write.  A
 * save blocks this loop for as long as it takes (a million endpoints: a
 * fraction of a second), so the next one waits at least four times that:
 * during a bulk load, saving costs at most a fifth of the time.
 */
static void arm_timer(struct alk_ctl_server *srv)
{
	uint64_t due = now_ns() + srv->opt.state_delay_ms * 1000000ull;
	uint64_t earliest = srv->save_end_ns + 4 * srv->save_cost_ns;
	struct itimerspec when = { 0 };

	if (!srv->state_file || srv->timer_armed ||
	    srv->rpc.generation == srv->saved_generation)
		return;
	if (due < earliest)
		due = earliest;
	when.it_value.tv_sec = due / 1000000000ull;
	when.it_value.tv_nsec = due % 1000000000ull;
	if (timerfd_settime(srv->timer_fd, TFD_TIMER_ABSTIME, &when, NULL) == 0)
		srv->timer_armed = true;
}

int alk_ctl_server_process(struct alk_ctl_server *srv)
{
	struct epoll_event ev[EVENTS_PER_CALL];
	int n = epoll_wait(srv->epfd, ev, EVENTS_PER_CALL, 0);

	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	for (int i = 0; i < n; i++) {
		void *p = ev[i].data.ptr;

		if (p == &tag_listen)
			accept_clients(srv);
		else if (p == &tag_timer)
			save_state(srv);
		else
			client_event(srv, p, ev[i].events);
	}
	arm_timer(srv);
	return 0;
}

int alk_ctl_server_fd(const struct alk_ctl_server *srv)
{
	return srv->epfd;
}

/* A connection to the daemon at path, or -1 (errno says why). */
static int connect_to(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		errno = ENOENT; /* nothing can listen there */
		return -1;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (const struct sockaddr *)&sa, sizeof(sa))) {
		close(fd);
		errno = ECONNREFUSED;
		return -1;
	}
	return fd;
}

int alk_ctl_socket_answers(const char *path)
{
	int fd = connect_to(path);

	if (fd < 0)
		return errno == ECONNREFUSED || errno == ENOENT ? 0 : -errno;
	close(fd);
	return 1;
}

pid_t alk_ctl_socket_pid(const char *path)
{
	struct ucred cred = { 0 };
	socklen_t len = sizeof(cred);
	int fd = connect_to(path);

	if (fd < 0)
		return 0;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len))
		cred.pid = 0;
	close(fd);
	return cred.pid;
}

/* A socket left by a dead daemon is removed; a live one is not taken. */
static int clear_stale(const char *path, struct alk_error *err)
{
	struct stat st;
	int rc;

	if (lstat(path, &st))
		return errno == ENOENT ?
			       0 :
			       alk_error_set(err, -1, -errno, "%s: %s", path,
					     strerror(errno));
	if (!S_ISSOCK(st.st_mode))
		return alk_error_set(err, -1, -EEXIST,
				     "%s exists and is not a socket", path);
	rc = alk_ctl_socket_answers(path);
	if (rc < 0)
		return alk_error_set(err, -1, rc, "socket: %s", strerror(-rc));
	if (rc)
		return alk_error_set(err, -1, -EADDRINUSE,
				     "%s: another daemon is serving it", path);
	unlink(path);
	return 0;
}

static int listen_on(struct alk_ctl_server *srv, struct alk_error *err)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, rc;

	if (strlen(srv->path) >= sizeof(sa.sun_path))
		return alk_error_set(err, -1, -ENAMETOOLONG,
				     "socket path longer than %zu bytes: %s",
				     sizeof(sa.sun_path) - 1, srv->path);
	strcpy(sa.sun_path, srv->path);
	/* 0755: the socket's own mode and the peer check guard it */
	rc = alk_make_parent_dirs(srv->path, 0755);
	if (rc)
		return alk_error_set(err, -1, rc,
				     "cannot create the directory of %s: %s",
				     srv->path, strerror(-rc));
	rc = clear_stale(srv->path, err);
	if (rc)
		return rc;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return alk_error_set(err, -1, -errno, "socket: %s",
				     strerror(errno));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		rc = alk_error_set(err, -1, -errno, "bind %s: %s", srv->path,
				   strerror(errno));
		close(fd);
		return rc;
	}
	/* mode and owner before listen(): no one connects in between */
	if (chmod(srv->path, 0660) ||
	    (srv->have_group && chown(srv->path, -1, srv->group))) {
		rc = alk_error_set(err, -1, -errno,
				   "%s: cannot set mode or group: %s",
				   srv->path, strerror(errno));
		goto fail;
	}
	if (listen(fd, 128)) {
		rc = alk_error_set(err, -1, -errno, "listen %s: %s", srv->path,
				   strerror(errno));
		goto fail;
	}
	srv->listen_fd = fd;
	return 0;
fail:
	close(fd);
	unlink(srv->path);
	return rc;
}

struct alk_ctl_server *alk_ctl_server_create(const char *path,
					     const char *group,
					     struct alk_tables *tables,
					     const struct alk_ctl_options *opt,
					     struct alk_error *err)
{
	struct alk_ctl_server *srv = calloc(1, sizeof(*srv));
	struct epoll_event e = { .events = EPOLLIN };
	int rc;

	if (!srv) {
		alk_error_set(err, -1, -ENOMEM, "out of memory");
		return NULL;
	}
	srv->epfd = srv->listen_fd = srv->timer_fd = -1;
	if (opt)
		srv->opt = *opt;
	if (!srv->opt.state_delay_ms)
		srv->opt.state_delay_ms = 1000;
	if (!srv->opt.max_request)
		srv->opt.max_request = ALK_CTL_MAX_REQUEST;
	if (!srv->opt.max_output)
		srv->opt.max_output = 4u << 20;
	if (!srv->opt.max_clients)
		srv->opt.max_clients = 64;
	alk_rpc_init(&srv->rpc, tables);
	if (srv->opt.capture) {
		srv->rpc.capture_start = capture_start;
		srv->rpc.capture_stop = capture_stop;
	}
	srv->path = strdup(path ? path : ALK_CTL_DEFAULT_SOCKET);
	srv->state_file =
		opt && opt->state_file ? strdup(opt->state_file) : NULL;
	srv->clients = calloc(srv->opt.max_clients, sizeof(*srv->clients));
	if (!srv->path || !srv->clients ||
	    (opt && opt->state_file && !srv->state_file)) {
		alk_error_set(err, -1, -ENOMEM, "out of memory");
		goto fail;
	}
	srv->opt.state_file = NULL; /* ours is srv->state_file */
	if (group) {
		struct group gr, *res = NULL;
		char buf[4096];

		rc = getgrnam_r(group, &gr, buf, sizeof(buf), &res);
		if (!res) {
			alk_error_set(err, -1, -ENOENT, "group '%s': %s", group,
				      rc ? strerror(rc) : "no such group");
			goto fail;
		}
		srv->have_group = true;
		srv->group = gr.gr_gid;
	}
	srv->epfd = epoll_create1(EPOLL_CLOEXEC);
	srv->timer_fd =
		timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (srv->epfd < 0 || srv->timer_fd < 0) {
		alk_error_set(err, -1, -errno, "epoll or timerfd: %s",
			      strerror(errno));
		goto fail;
	}
	if (listen_on(srv, err))
		goto fail;
	e.data.ptr = &tag_listen;
	if (epoll_ctl(srv->epfd, EPOLL_CTL_ADD, srv->listen_fd, &e))
		goto fail_errno;
	e.data.ptr = &tag_timer;
	if (epoll_ctl(srv->epfd, EPOLL_CTL_ADD, srv->timer_fd, &e))
		goto fail_errno;
	return srv;
fail_errno:
	alk_error_set(err, -1, -errno, "epoll: %s", strerror(errno));
fail:
	alk_ctl_server_destroy(srv);
	return NULL;
}

void alk_ctl_server_destroy(struct alk_ctl_server *srv)
{
	struct alk_error err;

	if (!srv)
		return;
	while (srv->nclients)
		client_close(srv, srv->clients[0]);
	if (srv->listen_fd >= 0) {
		close(srv->listen_fd);
		unlink(srv->path);
	}
	if (srv->rpc.tables && alk_ctl_server_flush(srv, &err))
		say(srv, LOG_ERR, "state file not saved: %s", err.msg);
	if (srv->timer_fd >= 0)
		close(srv->timer_fd);
	if (srv->epfd >= 0)
		close(srv->epfd);
	alk_rpc_fini(&srv->rpc);
	free(srv->clients);
	free(srv->path);
	free(srv->state_file);
	free(srv);
}

const struct alk_rpc_counters *
alk_ctl_server_counters(const struct alk_ctl_server *srv)
{
	return &srv->rpc.counters;
}
