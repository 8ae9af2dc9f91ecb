/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A stand-in daemon for the integration tests: the in-memory tables behind
 * the control server, driven the way alkaid-xdp drives it (one epoll loop
 * with a signalfd), started the way both daemons start (a config file,
 * then the state file or the initial tables).
 *
 *   ctl-testd [-c CONFIG] [-s SOCKET] [-S STATE_FILE] [-n ENDPOINTS]
 *
 * Options override the config file.  Stops on SIGTERM or SIGINT, saving
 * the state file if it is behind.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <syslog.h>
#include <unistd.h>

#include "config/config.h"
#include "ctl/server.h"

static void log_line(int prio, const char *msg)
{
	fprintf(stderr, "ctl-testd: %s\n", msg);
}

int main(int argc, char **argv)
{
	struct alk_ctl_options copt = { .log = log_line };
	struct alk_config cfg;
	struct alk_ctl_server *srv;
	struct alk_tables *tables;
	struct alk_error err;
	struct epoll_event ev;
	const char *config = NULL, *socket = NULL, *state = NULL;
	unsigned long endpoints = 0;
	sigset_t mask;
	int c, ep, sfd, rc = 0;

	while ((c = getopt(argc, argv, "c:s:S:n:")) != -1) {
		switch (c) {
		case 'c':
			config = optarg;
			break;
		case 's':
			socket = optarg;
			break;
		case 'S':
			state = optarg;
			break;
		case 'n':
			endpoints = strtoul(optarg, NULL, 0);
			break;
		default:
			return 2;
		}
	}
	if (config) {
		if (alk_config_load(config, ALK_CONFIG_ANY, &cfg, &err)) {
			fprintf(stderr, "ctl-testd: %s\n", err.msg);
			return 1;
		}
	} else {
		alk_config_init(&cfg);
	}
	if (socket) {
		free(cfg.control.socket);
		cfg.control.socket = strdup(socket);
	}
	if (state) {
		free(cfg.state_file);
		cfg.state_file = strdup(state);
	}
	if (endpoints)
		cfg.sizes.endpoints = endpoints;

	tables = alk_host_tables_create(&cfg.sizes);
	if (!tables) {
		fprintf(stderr, "ctl-testd: no memory for the tables\n");
		return 1;
	}
	/* what each daemon does at start: state file, else initial tables */
	if (alk_config_apply(&cfg, tables, &err)) {
		fprintf(stderr, "ctl-testd: %s\n", err.msg);
		return 1;
	}
	copt.state_file = cfg.state_file;
	srv = alk_ctl_server_create(cfg.control.socket, cfg.control.group,
				    tables, &copt, &err);
	if (!srv) {
		fprintf(stderr, "ctl-testd: %s\n", err.msg);
		return 1;
	}

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	ep = epoll_create1(EPOLL_CLOEXEC);
	ev = (struct epoll_event){ .events = EPOLLIN, .data.fd = sfd };
	epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &ev);
	ev = (struct epoll_event){ .events = EPOLLIN,
				   .data.fd = alk_ctl_server_fd(srv) };
	epoll_ctl(ep, EPOLL_CTL_ADD, alk_ctl_server_fd(srv), &ev);
	printf("ready\n");
	fflush(stdout);

	for (;;) {
		int n = epoll_wait(ep, &ev, 1, -1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || ev.data.fd == sfd)
			break;
		rc = alk_ctl_server_process(srv);
		if (rc) {
			fprintf(stderr, "ctl-testd: %s\n", strerror(-rc));
			break;
		}
	}
	alk_ctl_server_destroy(srv);
	tables->ops->close(tables);
	alk_config_free(&cfg);
	close(ep);
	close(sfd);
	return rc ? 1 : 0;
}
