/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Control-plane throughput: endpoint adds through the control socket into
 * the in-memory back end, against the same adds made by calling the table
 * API directly, in the same run (absolute figures drift on a shared
 * machine; the ratio is the result).
 *
 *   bench-ctl [--quick] [-n ENDPOINTS]
 *   bench-ctl --socket PATH [-n ENDPOINTS] [--latency N] [--batch B]
 *
 * For batches of 1, 100 and 10000 entries: adds per second both ways.
 * Requests are encoded before the clock starts and pipelined, so the
 * figure is the server's (parse, decode, apply, answer).  Then the latency
 * of single adds sent one at a time (p50, p99), and the time to save and
 * load the state file of a full table.  The server runs in a child
 * process, driven by the same epoll loop a daemon uses.
 *
 * With --socket, the server is a running daemon (alkaid-xdp, alkaid-dpdk)
 * with room for ENDPOINTS more endpoints: the same pipelined adds for each
 * batch size (rows), each run's endpoints deleted again untimed, then the
 * single-add latency.  Lines "socket BATCH N ADDS_PER_S" and "single add
 * p50 US p99 US", for bench/ctl/run.sh.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ctl/api.h"
#include "ctl/server.h"
#include "ctl/state.h"
#include "tables/cmdfile.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
	fprintf(stderr, "bench-ctl: %s: %s\n", what, strerror(errno));
	exit(1);
}

static struct alk_tables *fresh_tables(uint32_t n)
{
	struct alk_table_sizes s;

	alk_table_sizes_default(&s);
	s.endpoints = n + n / 4; /* the same fill for both sides */
	return alk_host_tables_create(&s);
}

/* Endpoint i: distinct (vni, ip) and mac; addresses of 198.18.0.0/15,
 * 131072 per VNI. */
static void endpoint(uint32_t i, struct alk_endpoint_key *k,
		     struct alk_endpoint *v)
{
	memset(k, 0, sizeof(*k));
	memset(v, 0, sizeof(*v));
	k->vni = 100 + (i >> 17);
	k->ip = htonl(0xc6120000 | (i & 0x1ffff));
	v->host = htonl(0xc6120000 | (i % 4000 + 1));
	memcpy(v->mac, (uint8_t[]){ 0x0e, 0, i >> 24, i >> 16, i >> 8, i }, 6);
}

/* The server in a child: the daemon's loop, until SIGTERM. */
static pid_t server_start(const char *path, uint32_t n)
{
	pid_t pid = fork();
	struct alk_ctl_server *srv;
	struct alk_tables *t;
	struct alk_error err;
	struct pollfd pfd;

	if (pid)
		return pid;
	t = fresh_tables(n);
	srv = t ? alk_ctl_server_create(path, NULL, t, NULL, &err) : NULL;
	if (!srv) {
		fprintf(stderr, "bench-ctl: server: %s\n",
			t ? err.msg : "no memory");
		_exit(1);
	}
	signal(SIGTERM, SIG_DFL);
	pfd = (struct pollfd){ .fd = alk_ctl_server_fd(srv), .events = POLLIN };
	for (;;) {
		if (poll(&pfd, 1, -1) < 0 && errno != EINTR)
			_exit(1);
		alk_ctl_server_process(srv);
	}
}

static int client_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	for (int i = 0; i < 500; i++) {
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			return fd;
		usleep(10000);
	}
	die("connect");
	return -1;
}

/* Stops the server; returns the CPU time it used, in seconds: its cost
 * on the daemon's loop, whatever else the machine was doing. */
static double server_stop(pid_t pid)
{
	struct rusage ru;

	kill(pid, SIGTERM);
	wait4(pid, NULL, 0, &ru);
	return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	       ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

/* Adds (or deletes) of endpoints first..first+n-1 in requests of `batch`,
 * as entries (objects) or rows. */
static void encode_op(struct alk_buf *b, uint32_t first, uint32_t n,
		      uint32_t batch, int rows, int del)
{
	const struct alk_object *o = alk_object(ALK_O_ENDPOINT);
	enum alk_part part = del ? ALK_PART_KEY : ALK_PART_ALL;
	struct alk_endpoint_key k;
	struct alk_endpoint v;

	n += first;
	for (uint32_t i = first; i < n; i += batch) {
		alk_buf_printf(b,
			       "{\"jsonrpc\":\"2.0\",\"id\":%u,\"method\":"
			       "\"endpoint.%s\",\"params\":{",
			       i, del ? "del" : "add");
		if (rows) {
			alk_buf_puts(b, "\"fields\":");
			alk_api_encode_fields(o, part, b);
			alk_buf_puts(b, ",\"rows\":[");
		} else {
			alk_buf_puts(b, "\"entries\":[");
		}
		for (uint32_t j = i; j < i + batch && j < n; j++) {
			if (j > i)
				alk_buf_putc(b, ',');
			endpoint(j, &k, &v);
			if (rows)
				alk_api_encode_row(o, part, &k, &v, b);
			else
				alk_api_encode(o, part, &k, &v, b);
		}
		alk_buf_puts(b, "]}}\n");
	}
	if (b->nomem)
		die("encode");
}

static void encode(struct alk_buf *b, uint32_t first, uint32_t n,
		   uint32_t batch, int rows)
{
	encode_op(b, first, n, batch, rows, 0);
}

/* Send everything while reading answers: as many in flight as the
 * socket buffers and the server's output cap allow. */
static double pipelined(int fd, const struct alk_buf *req, uint32_t nreq)
{
	char buf[65536];
	size_t sent = 0;
	uint32_t answered = 0;
	double t0 = now();

	while (answered < nreq) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };

		if (sent < req->len)
			pfd.events |= POLLOUT;
		if (poll(&pfd, 1, -1) < 0)
			die("poll");
		if (pfd.revents & POLLOUT) {
			ssize_t n = send(fd, req->data + sent, req->len - sent,
					 MSG_DONTWAIT);

			if (n > 0)
				sent += n;
		}
		if (pfd.revents & (POLLIN | POLLHUP)) {
			ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);

			if (n == 0)
				die("server closed");
			for (ssize_t i = 0; i < n; i++) {
				if (buf[i] != '\n')
					continue;
				answered++;
			}
			/* every answer must be a success */
			if (n > 0 && memmem(buf, n, "\"error\"", 7)) {
				fprintf(stderr, "bench-ctl: %.*s\n",
					(int)(n > 300 ? 300 : n), buf);
				exit(1);
			}
		}
	}
	return now() - t0;
}

static double direct(uint32_t n, uint32_t batch)
{
	struct alk_tables *t = fresh_tables(n);
	struct alk_endpoint_key *k = malloc(sizeof(*k) * n);
	struct alk_endpoint *v = malloc(sizeof(*v) * n);
	struct alk_error err;
	double t0;

	if (!t || !k || !v)
		die("memory");
	for (uint32_t i = 0; i < n; i++)
		endpoint(i, &k[i], &v[i]);
	t0 = now();
	for (uint32_t i = 0; i < n; i += batch) {
		uint32_t m = n - i < batch ? n - i : batch;

		if (alk_endpoints_add(t, k + i, v + i, m, &err)) {
			fprintf(stderr, "bench-ctl: direct: %s\n", err.msg);
			exit(1);
		}
	}
	t0 = now() - t0;
	t->ops->close(t);
	free(k);
	free(v);
	return t0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Single adds, one at a time: the round trip each.  Into our own server,
 * or (spawn 0) the daemon listening on path. */
static void latency(const char *path, uint32_t n, int spawn, double *p50,
		    double *p99)
{
	pid_t pid = spawn ? server_start(path, n) : 0;
	int fd = client_connect(path);
	double *rtt = malloc(sizeof(double) * n);
	struct alk_buf req = { 0 };
	char buf[512];

	for (uint32_t i = 0; i < n; i++) {
		double t0;
		size_t got = 0;

		req.len = 0;
		encode(&req, i, 1, 1, 0);
		t0 = now();
		if (send(fd, req.data, req.len, 0) != (ssize_t)req.len)
			die("send");
		while (!got || buf[got - 1] != '\n') {
			ssize_t r = recv(fd, buf + got, sizeof(buf) - got, 0);

			if (r <= 0)
				die("recv");
			got += r;
		}
		rtt[i] = now() - t0;
		if (memmem(buf, got, "\"error\"", 7)) {
			fprintf(stderr, "bench-ctl: %.*s\n", (int)got, buf);
			exit(1);
		}
	}
	qsort(rtt, n, sizeof(double), cmp_double);
	*p50 = rtt[n / 2];
	*p99 = rtt[n * 99 / 100];
	close(fd);
	if (pid)
		server_stop(pid);
	free(rtt);
	alk_buf_free(&req);
}

static void direct_latency(uint32_t n, double *p50, double *p99)
{
	struct alk_tables *t = fresh_tables(n);
	double *d = malloc(sizeof(double) * n);
	struct alk_endpoint_key k;
	struct alk_endpoint v;
	struct alk_error err;

	for (uint32_t i = 0; i < n; i++) {
		double t0;

		endpoint(i, &k, &v);
		t0 = now();
		alk_endpoints_add(t, &k, &v, 1, &err);
		d[i] = now() - t0;
	}
	qsort(d, n, sizeof(double), cmp_double);
	*p50 = d[n / 2];
	*p99 = d[n * 99 / 100];
	t->ops->close(t);
	free(d);
}

static void state_file(const char *dir, uint32_t n)
{
	struct alk_tables *t = fresh_tables(n), *u = fresh_tables(n);
	struct alk_endpoint_key *k = malloc(sizeof(*k) * n);
	struct alk_endpoint *v = malloc(sizeof(*v) * n);
	char path[256];
	struct alk_error err;
	struct stat st;
	double save, load;

	for (uint32_t i = 0; i < n; i++)
		endpoint(i, &k[i], &v[i]);
	if (alk_endpoints_add(t, k, v, n, &err))
		die(err.msg);
	snprintf(path, sizeof(path), "%s/state", dir);
	save = now();
	if (alk_state_save(t, path, &err))
		die(err.msg);
	save = now() - save;
	stat(path, &st);
	load = now();
	if (alk_cmdfile_load(u, path, &err))
		die(err.msg);
	load = now() - load;
	printf("state file, %u endpoints (%.0f MB): save %.0f ms, load "
	       "%.0f ms\n",
	       n, st.st_size / 1e6, save * 1e3, load * 1e3);
	unlink(path);
	t->ops->close(t);
	u->ops->close(u);
	free(k);
	free(v);
}

/* Requests (already encoded) to a running daemon; dies on any error. */
static double to_daemon(const char *path, const struct alk_buf *req,
			uint32_t nreq)
{
	int fd = client_connect(path);
	double t = pipelined(fd, req, nreq);

	close(fd);
	return t;
}

/* Deletes endpoints 0..n-1 again, in batches of 10000 rows. */
static void daemon_delete(const char *path, uint32_t n)
{
	struct alk_buf del = { 0 };

	encode_op(&del, 0, n, 10000, 1, 1);
	to_daemon(path, &del, (n + 9999) / 10000);
	alk_buf_free(&del);
}

/* bench-ctl --socket: the same adds into a running daemon. */
static int daemon_runs(const char *path, uint32_t n, uint32_t nlat,
		       uint32_t only)
{
	static const uint32_t batches[] = { 1, 100, 10000 };
	double p50, p99;

	for (unsigned int r = 0; r < sizeof(batches) / sizeof(*batches); r++) {
		uint32_t batch = batches[r], m = batch == 1 ? nlat : n;

		if (only && batch != only)
			continue;
		struct alk_buf add = { 0 };
		double t;

		encode_op(&add, 0, m, batch, batch > 1, 0);
		t = to_daemon(path, &add, (m + batch - 1) / batch);
		daemon_delete(path, m);
		printf("socket %u %u %.0f\n", batch, m, m / t);
		fflush(stdout);
		alk_buf_free(&add);
	}
	latency(path, nlat, 0, &p50, &p99);
	printf("single add p50 %.1f p99 %.1f\n", p50 * 1e6, p99 * 1e6);
	daemon_delete(path, nlat); /* the tables as they were found */
	return 0;
}

int main(int argc, char **argv)
{
	static const struct {
		uint32_t batch;
		int rows;
	} runs[] = {
		{ 1, 0 }, { 100, 0 }, { 100, 1 }, { 10000, 0 }, { 10000, 1 }
	};
	char dir[] = "/tmp/bench-ctl.XXXXXX", path[64];
	uint32_t n = 1000000, nlat = 100000;
	const char *sock = NULL;
	uint32_t only = 0;
	double p50, p99, d50, d99;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--quick")) {
			n = 100000;
			nlat = 10000;
		} else if (!strcmp(argv[i], "-n") && i + 1 < argc) {
			n = strtoul(argv[++i], NULL, 0);
		} else if (!strcmp(argv[i], "--latency") && i + 1 < argc) {
			nlat = strtoul(argv[++i], NULL, 0);
		} else if (!strcmp(argv[i], "--batch") && i + 1 < argc) {
			only = strtoul(argv[++i], NULL, 0);
		} else if (!strcmp(argv[i], "--socket") && i + 1 < argc) {
			sock = argv[++i];
		} else {
			fprintf(stderr,
				"usage: bench-ctl [--quick] [-n N]\n"
				"       bench-ctl --socket PATH [-n N] "
				"[--latency N] [--batch 1|100|10000]\n");
			return 2;
		}
	}
	if (!n || !nlat) {
		fprintf(stderr, "bench-ctl: -n and --latency must be > 0\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	if (sock)
		return daemon_runs(sock, n, nlat < n ? nlat : n, only);
	if (!mkdtemp(dir))
		die("mkdtemp");
	snprintf(path, sizeof(path), "%s/sock", dir);

	printf("endpoint adds, %u per run, in-memory back end\n", n);
	printf("%-12s  %14s  %14s  %6s  %s\n", "batch", "direct adds/s",
	       "socket adds/s", "ratio", "server CPU/add (direct)");
	for (unsigned int r = 0; r < sizeof(runs) / sizeof(runs[0]); r++) {
		uint32_t batch = runs[r].batch;
		/* single adds: fewer of them, the same per-request path */
		uint32_t m = batch == 1 ? nlat : n;
		struct alk_buf req = { 0 };
		double td, ts, cpu;
		pid_t pid;
		int fd;

		encode(&req, 0, m, batch, runs[r].rows);
		pid = server_start(path, m);
		fd = client_connect(path);
		ts = pipelined(fd, &req, (m + batch - 1) / batch);
		close(fd);
		cpu = server_stop(pid);
		td = direct(m, batch);
		printf("%-6u %-5s  %14.0f  %14.0f  %6.3f  %.2f us (%.2f us)\n",
		       batch, runs[r].rows ? "rows" : "", m / td, m / ts,
		       td / ts, cpu / m * 1e6, td / m * 1e6);
		alk_buf_free(&req);
	}
	latency(path, nlat, 1, &p50, &p99);
	direct_latency(nlat, &d50, &d99);
	printf("single add, one at a time: socket p50 %.1f us, p99 %.1f us; "
	       "direct p50 %.2f us, p99 %.2f us\n",
	       p50 * 1e6, p99 * 1e6, d50 * 1e6, d99 * 1e6);
	state_file(dir, n);
	rmdir(dir);
	return 0;
}
