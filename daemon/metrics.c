/* SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "core/reason_names.h"
#include "metrics.h"

#ifndef ALK_VERSION
#define ALK_VERSION "unknown"
#endif

/* The format a scraper asks for in its Accept header: OpenMetrics 1.0
 * (Prometheus asks for it), else the Prometheus text format 0.0.4
 * (curl, promtool).  They differ in a counter's family name, which
 * OpenMetrics writes without its samples' _total, and in the closing
 * "# EOF". */
#define OPENMETRICS "application/openmetrics-text"
#define OPENMETRICS_TYPE OPENMETRICS "; version=1.0.0; charset=utf-8"
#define TEXT_TYPE "text/plain; version=0.0.4; charset=utf-8"
/* MHD's connections are closed after this long without a byte */
#define CONNECTION_TIMEOUT_S 10
/* MHD's timeouts are looked at this often */
#define TIMER_MS 1000

struct alk_metrics {
	struct MHD_Daemon *mhd;
	struct alk_loop *loop;
	int epfd; /* MHD's, watched by the loop */
	struct alk_metrics_source src;
};

int alk_metrics_parse_addr(const char *s, struct sockaddr_storage *ss,
			   socklen_t *len)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon = strrchr(s, ':');
	unsigned long port;
	char *end;
	size_t n;

	if (!colon || colon == s || !colon[1] || colon[1] < '0' ||
	    colon[1] > '9')
		return -EINVAL;
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (errno || *end || port < 1 || port > 65535)
		return -EINVAL;
	n = colon - s;
	if (n >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, n);
	host[n] = 0;
	memset(ss, 0, sizeof(*ss));
	if (host[0] == '[' && host[n - 1] == ']') {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;

		host[n - 1] = 0;
		if (inet_pton(AF_INET6, host + 1, &a->sin6_addr) != 1)
			return -EINVAL;
		a->sin6_family = AF_INET6;
		a->sin6_port = htons(port);
		*len = sizeof(*a);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)ss;

		if (inet_pton(AF_INET, host, &a->sin_addr) != 1)
			return -EINVAL;
		a->sin_family = AF_INET;
		a->sin_port = htons(port);
		*len = sizeof(*a);
	}
	return 0;
}

/* --- the page ------------------------------------------------------------ */

/* The page being written is OpenMetrics: set by alk_metrics_render() for
 * the families it and its source's extra() write, in its thread. */
static _Thread_local bool openmetrics;

void alk_metrics_family(struct alk_buf *out, const char *name, const char *type,
			const char *help)
{
	int len = (int)strlen(name);

	/* an OpenMetrics counter family is its samples' name less _total */
	if (openmetrics && !strcmp(type, "counter") && len > 6 &&
	    !strcmp(name + len - 6, "_total"))
		len -= 6;
	alk_buf_printf(out, "# HELP %.*s %s\n# TYPE %.*s %s\n", len, name, help,
		       len, name, type);
}

/* A label value: backslash, double quote and newline escaped. */
static void label_value(struct alk_buf *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			alk_buf_putc(out, '\\');
		if (*s == '\n') {
			alk_buf_puts(out, "\\n");
			continue;
		}
		alk_buf_putc(out, *s);
	}
}

static void render_packets(const struct alk_metrics_source *src,
			   struct alk_buf *out)
{
	struct alk_tables *t = src->tables;
	uint64_t counters[ALK_R_MAX];

	if (t->ops->stats_get(t, counters))
		return;
	alk_metrics_family(
		out, "alkaid_packets_total", "counter",
		"Frames the data plane handled, by reason and verdict (the "
		"counters of alkaidctl stats).");
	for (int r = 0; r < ALK_R_MAX; r++)
		alk_buf_printf(out,
			       "alkaid_packets_total{reason=\"%s\","
			       "verdict=\"%s\"} %" PRIu64 "\n",
			       alk_reason_names[r],
			       alk_verdict_names[alk_reason_verdict(r)],
			       counters[r]);
}

static void render_tables(const struct alk_metrics_source *src,
			  struct alk_buf *out)
{
	static const struct {
		const char *name, *help;
		size_t off;
	} fams[] = {
		{ "alkaid_table_entries", "Entries in use, by table.",
		  offsetof(struct alk_table_info, count) },
		{ "alkaid_table_capacity", "Entries a table can hold.",
		  offsetof(struct alk_table_info, capacity) },
		{ "alkaid_table_memory_bytes",
		  "Memory the back end reserved for a table (an estimate).",
		  offsetof(struct alk_table_info, memory) },
	};
	struct alk_tables *t = src->tables;
	struct alk_table_info info[ALK_T_MAX];
	bool have[ALK_T_MAX];

	for (int i = 0; i < ALK_T_MAX; i++)
		have[i] = alk_tables_serves(t, i) &&
			  !t->ops->info(t, i, &info[i]);
	for (size_t f = 0; f < sizeof(fams) / sizeof(fams[0]); f++) {
		alk_metrics_family(out, fams[f].name, "gauge", fams[f].help);
		for (int i = 0; i < ALK_T_MAX; i++)
			if (have[i])
				alk_buf_printf(
					out, "%s{table=\"%s\"} %" PRIu64 "\n",
					fams[f].name, alk_table_name(i),
					*(const uint64_t
						  *)((const char *)&info[i] +
						     fams[f].off));
	}
}

static void render_ports(const struct alk_metrics_source *src,
			 struct alk_buf *out)
{
	static const struct {
		const char *name, *help;
		size_t off;
	} fams[] = {
#define F(field, help)                                                         \
	{ "alkaid_port_" #field "_total", help,                                \
	  offsetof(struct alk_metrics_port, field) }
		F(rx_packets, "Frames received, by port or interface."),
		F(rx_bytes, "Bytes received."),
		F(rx_dropped, "Frames the port dropped on receive (no room, "
			      "no buffer)."),
		F(rx_errors, "Frames received in error."),
		F(tx_packets, "Frames sent."),
		F(tx_bytes, "Bytes sent."),
		F(tx_dropped, "Frames dropped on send."),
		F(tx_errors, "Frames that failed to be sent."),
#undef F
	};
	struct alk_metrics_port *ports;
	int n;

	if (!src->ports)
		return;
	ports = calloc(ALK_METRICS_MAX_PORTS, sizeof(*ports));
	if (!ports)
		return;
	n = src->ports(src->arg, ports, ALK_METRICS_MAX_PORTS);
	for (size_t f = 0; n > 0 && f < sizeof(fams) / sizeof(fams[0]); f++) {
		alk_metrics_family(out, fams[f].name, "counter", fams[f].help);
		for (int i = 0; i < n; i++) {
			alk_buf_printf(out, "%s{port=\"", fams[f].name);
			label_value(out, ports[i].name);
			alk_buf_printf(
				out, "\"} %" PRIu64 "\n",
				*(const uint64_t *)((const char *)&ports[i] +
						    fams[f].off));
		}
	}
	free(ports);
}

static void render_control(const struct alk_metrics_source *src,
			   struct alk_buf *out)
{
	const struct alk_rpc_counters *k = src->control;

	if (!k)
		return;
	alk_metrics_family(
		out, "alkaid_control_requests_total", "counter",
		"Requests on the control socket (lines that did not parse "
		"too).");
	alk_buf_printf(out, "alkaid_control_requests_total %" PRIu64 "\n",
		       k->requests);
	alk_metrics_family(
		out, "alkaid_control_errors_total", "counter",
		"Control requests answered with an error, and connections "
		"refused, by JSON-RPC error code.");
	for (int i = 0; i < ALK_RPC_NCODES; i++)
		alk_buf_printf(out,
			       "alkaid_control_errors_total{code=\"%d\","
			       "error=\"%s\"} %" PRIu64 "\n",
			       alk_rpc_codes[i], alk_rpc_code_names[i],
			       k->errors[i]);
}

void alk_metrics_render(const struct alk_metrics_source *src,
			struct alk_buf *out, bool om)
{
	openmetrics = om;
	if (src->tables) {
		render_packets(src, out);
		render_ports(src, out);
		render_tables(src, out);
	}
	render_control(src, out);
	if (src->extra)
		src->extra(src->arg, out);
	alk_metrics_family(out, "alkaid_build_info", "gauge",
			   "The daemon's version and data plane; always 1.");
	alk_buf_puts(out, "alkaid_build_info{version=\"");
	label_value(out, ALK_VERSION);
	alk_buf_puts(out, "\",dataplane=\"");
	label_value(out, src->dataplane ?: src->tables->ops->name);
	alk_buf_puts(out, om ? "\"} 1\n# EOF\n" : "\"} 1\n");
}

/* --- HTTP ---------------------------------------------------------------- */

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned int status,
			     const char *type, const char *body, size_t len,
			     const char *allow)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(
		len, (void *)body, MHD_RESPMEM_MUST_COPY);
	enum MHD_Result rc;

	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (allow)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
	rc = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return rc;
}

#define TEXT "text/plain; charset=utf-8"

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn,
				  const char *url, const char *method,
				  const char *version, const char *upload,
				  size_t *upload_size, void **state)
{
	static const char not_found[] = "not found: the metrics are at "
					"/metrics\n";
	static const char not_allowed[] = "method not allowed: GET\n";
	struct alk_metrics *m = cls;
	struct alk_buf page = { 0 };
	const char *accept;
	enum MHD_Result rc;
	bool om;

	if (strcmp(method, MHD_HTTP_METHOD_GET) &&
	    strcmp(method, MHD_HTTP_METHOD_HEAD))
		return reply(conn, MHD_HTTP_METHOD_NOT_ALLOWED, TEXT,
			     not_allowed, sizeof(not_allowed) - 1, "GET, HEAD");
	if (strcmp(url, "/metrics"))
		return reply(conn, MHD_HTTP_NOT_FOUND, TEXT, not_found,
			     sizeof(not_found) - 1, NULL);
	accept = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
					     MHD_HTTP_HEADER_ACCEPT);
	om = accept && strstr(accept, OPENMETRICS);
	alk_metrics_render(&m->src, &page, om);
	if (page.nomem) {
		alk_buf_free(&page);
		return MHD_NO;
	}
	rc = reply(conn, MHD_HTTP_OK, om ? OPENMETRICS_TYPE : TEXT_TYPE,
		   page.data, page.len, NULL);
	alk_buf_free(&page);
	return rc;
}

static int on_ready(struct alk_loop *loop, int fd, uint32_t events, void *arg)
{
	struct alk_metrics *m = arg;
	MHD_UNSIGNED_LONG_LONG ms;

	/* MHD's own epoll is edge-triggered: work it still has ready (a
	 * timeout of 0) would not wake the loop again.  A failed round is a
	 * client's trouble, already answered or closed. */
	for (int i = 0; i < 8; i++) {
		MHD_run(m->mhd);
		if (MHD_get_timeout(m->mhd, &ms) != MHD_YES || ms)
			break;
	}
	return 0;
}

static int listen_on(const char *addr, struct alk_error *err)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, one = 1;

	if (alk_metrics_parse_addr(addr, &ss, &len))
		return alk_error_set(err, -1, -EINVAL,
				     "metrics address '%s': not ADDR:PORT "
				     "(an IPv4 address, or [IPv6], and a port)",
				     addr);
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
		    0);
	if (fd < 0)
		return alk_error_set(err, -1, -errno, "metrics %s: socket: %s",
				     addr, strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) || listen(fd, 64)) {
		int rc = -errno;

		close(fd);
		return alk_error_set(err, -1, rc,
				     "metrics: cannot listen on %s: %s", addr,
				     strerror(-rc));
	}
	return fd;
}

struct alk_metrics *alk_metrics_start(struct alk_loop *loop, const char *addr,
				      const struct alk_metrics_source *src,
				      struct alk_error *err)
{
	struct alk_metrics *m = calloc(1, sizeof(*m));
	const union MHD_DaemonInfo *info;
	int fd, rc;

	if (!m) {
		alk_error_set(err, -1, -ENOMEM, "metrics: out of memory");
		return NULL;
	}
	m->loop = loop;
	m->src = *src;
	m->epfd = -1;
	fd = listen_on(addr, err);
	if (fd < 0) {
		free(m);
		return NULL;
	}
	/* on a loop, no thread of MHD's: its epoll descriptor is the
	 * loop's to watch */
	m->mhd = MHD_start_daemon(
		loop ? MHD_USE_EPOLL :
		       MHD_USE_EPOLL | MHD_USE_INTERNAL_POLLING_THREAD,
		0, NULL, NULL, on_request, m, MHD_OPTION_LISTEN_SOCKET, fd,
		MHD_OPTION_CONNECTION_TIMEOUT,
		(unsigned int)CONNECTION_TIMEOUT_S, MHD_OPTION_CONNECTION_LIMIT,
		(unsigned int)64, MHD_OPTION_END);
	if (!m->mhd) {
		close(fd);
		free(m);
		alk_error_set(err, -1, -EIO,
			      "metrics %s: libmicrohttpd did not start", addr);
		return NULL;
	}
	if (!loop)
		return m;
	info = MHD_get_daemon_info(m->mhd, MHD_DAEMON_INFO_EPOLL_FD);
	m->epfd = info ? info->epoll_fd : -1;
	rc = m->epfd < 0 ? -ENOTSUP :
			   alk_loop_watch(loop, m->epfd, EPOLLIN, on_ready, m);
	if (!rc)
		rc = alk_loop_timer(loop, TIMER_MS, on_ready, m);
	if (rc) {
		alk_error_set(err, -1, rc, "metrics %s: event loop: %s", addr,
			      strerror(-rc));
		if (m->epfd >= 0)
			alk_loop_unwatch(loop, m->epfd);
		MHD_stop_daemon(m->mhd);
		free(m);
		return NULL;
	}
	return m;
}

void alk_metrics_stop(struct alk_metrics *m)
{
	if (!m)
		return;
	if (m->loop)
		alk_loop_unwatch(m->loop, m->epfd);
	MHD_stop_daemon(m->mhd);
	free(m);
}

static uint64_t sysfs_counter(const char *ifname, const char *name)
{
	char path[128];
	unsigned long long v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/class/net/%s/statistics/%s", ifname,
		 name);
	f = fopen(path, "re");
	if (!f)
		return 0;
	if (fscanf(f, "%llu", &v) != 1)
		v = 0;
	fclose(f);
	return v;
}

int alk_metrics_netdev(const char *ifname, struct alk_metrics_port *p)
{
	char path[96];

	snprintf(path, sizeof(path), "/sys/class/net/%s/statistics", ifname);
	if (access(path, R_OK))
		return -errno;
	snprintf(p->name, sizeof(p->name), "%s", ifname);
#define C(field) p->field = sysfs_counter(ifname, #field)
	C(rx_packets);
	C(rx_bytes);
	C(rx_dropped);
	C(rx_errors);
	C(tx_packets);
	C(tx_bytes);
	C(tx_dropped);
	C(tx_errors);
#undef C
	return 0;
}
