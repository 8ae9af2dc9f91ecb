/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control socket, embedded in a daemon.  It speaks JSON-RPC 2.0, one
 * request per line, to any number of clients, and programs the tables
 * through the table API only: it does not know which back end it drives.
 *
 * It runs in the daemon's own thread, without threads of its own: it owns
 * one epoll descriptor (the listening socket, the clients, a timer) that
 * the daemon watches for reading, or simply polls.
 *
 *   srv = alk_ctl_server_create(cfg.socket, cfg.group, tables, &opt, &err);
 *   epoll_ctl(loop, EPOLL_CTL_ADD, alk_ctl_server_fd(srv), {EPOLLIN});
 *   ... when it is readable (or every turn of a polling loop):
 *   alk_ctl_server_process(srv);
 *   ... at exit:
 *   alk_ctl_server_destroy(srv);   (saves the state file if it is behind)
 *
 * alk_ctl_server_process() never blocks and bounds its work per call.
 */
#ifndef ALKAID_CTL_SERVER_H
#define ALKAID_CTL_SERVER_H

#include <stddef.h>
#include <sys/types.h>

#include "capture.h"
#include "tables/tables.h"

struct alk_ctl_server;

struct alk_ctl_options {
	/* Write every table here after changes (alk_state_save), at most
	 * every state_delay_ms; NULL: no state file. */
	const char *state_file;
	unsigned int state_delay_ms; /* 0: 1000 */
	size_t max_request;	     /* bytes of one line; 0: 16 MiB */
	/* Unsent output per client at which its input stops being read,
	 * until it reads its answers; 0: 4 MiB. */
	size_t max_output;
	unsigned int max_clients; /* 0: 64; beyond, refused with an error */
	/* Where the server's own troubles go (a client's errors go to the
	 * client); NULL: stderr.  prio is a syslog priority. */
	void (*log)(int prio, const char *msg);
	/* The daemon's capture (capture.start); NULL: it has none. */
	const struct alk_capture_ops *capture;
};

/*
 * Listen on path (NULL: ALK_CTL_DEFAULT_SOCKET), creating its directory.
 * The socket is mode 0660; with a group it belongs to that group, whose
 * members may connect, as may root and the daemon's own user.  A stale
 * socket is replaced; one a live daemon answers on is not.  opt may be
 * NULL.  Returns NULL with err set.
 */
struct alk_ctl_server *alk_ctl_server_create(const char *path,
					     const char *group,
					     struct alk_tables *tables,
					     const struct alk_ctl_options *opt,
					     struct alk_error *err);

/* Whether a live daemon answers on the socket at path: 1, 0, or -errno
 * when no socket could be made to ask. */
int alk_ctl_socket_answers(const char *path);

/* The process of the daemon that answers at path (it listened there), or
 * 0 if none answers. */
pid_t alk_ctl_socket_pid(const char *path);

/* The descriptor to watch for EPOLLIN (it is an epoll descriptor). */
int alk_ctl_server_fd(const struct alk_ctl_server *srv);

/* Do what is ready: accept, read, answer, write, save.  Returns 0, or a
 * negative errno if the server itself is broken (not a client's fault). */
int alk_ctl_server_process(struct alk_ctl_server *srv);

/* Serve an already connected stream socket (tests; a connection handed
 * over by a supervisor).  Its peer is checked as for accepted ones. */
int alk_ctl_server_attach(struct alk_ctl_server *srv, int fd);

/*
 * One frame of the running capture, sent to its client as a
 * capture.frame notification.  0; -ENOENT when no capture runs; -ENOBUFS
 * when the client is behind by max_output (the frame is counted lost).
 */
int alk_ctl_capture_frame(struct alk_ctl_server *srv,
			  const struct alk_capture_frame *f);

/* What the server answered: requests, and errors by JSON-RPC code
 * (ctl/rpc.h), for the metrics. */
struct alk_rpc_counters;
const struct alk_rpc_counters *
alk_ctl_server_counters(const struct alk_ctl_server *srv);

/* Write the state file now if it is behind (a daemon about to stop). */
int alk_ctl_server_flush(struct alk_ctl_server *srv, struct alk_error *err);

/* Close every client and the socket, unlink it, save pending state. */
void alk_ctl_server_destroy(struct alk_ctl_server *srv);

/* Whether a peer may use the socket: root, the daemon's own user, or a
 * member (primary or supplementary) of the group, when there is one.
 * Exposed for the tests. */
int alk_ctl_peer_allowed(unsigned int uid, unsigned int gid,
			 const unsigned int *groups, size_t ngroups,
			 unsigned int self_uid, int have_group,
			 unsigned int group);

#endif
