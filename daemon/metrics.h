/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The daemons' metrics: GET /metrics over HTTP (libmicrohttpd) in the
 * OpenMetrics text format, for Prometheus.  Off unless an address is
 * given (--metrics ADDR:PORT, the configuration file's control.metrics).
 *
 * The server runs on the daemon's event loop, as the control socket does:
 * libmicrohttpd without threads of its own, its epoll descriptor watched by
 * the loop (and a timer for its connection timeouts).  In alkaid-dpdk that
 * is the main lcore; workers never touch it.
 *
 * What every daemon has is printed here, from the table API and the
 * control server: frames by reason and verdict (the counters of
 * `alkaidctl stats`), each served table's entries and capacity (`alkaidctl
 * tables`), control requests and errors by code, the build.  The daemon
 * adds its ports or interfaces through one callback:
 *
 *   struct alk_metrics_source src = {
 *           tables, alk_ctl_server_counters(srv), ports_fn, arg };
 *   m = alk_metrics_start(loop, alk_opt.metrics, &src, &err);
 *
 * A program without the daemon's loop (alkaid-sync) gives no tables and
 * prints its own families (extra); its server runs in a thread of
 * libmicrohttpd's (loop NULL).
 *   ...
 *   alk_metrics_stop(m);
 */
#ifndef ALKAID_DAEMON_METRICS_H
#define ALKAID_DAEMON_METRICS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "ctl/buf.h"
#include "ctl/rpc.h"
#include "loop.h"
#include "tables/tables.h"

/* One port (DPDK) or interface (XDP, the agent's) as its driver counts. */
struct alk_metrics_port {
	char name[64];
	uint64_t rx_packets, rx_bytes, rx_dropped, rx_errors;
	uint64_t tx_packets, tx_bytes, tx_dropped, tx_errors;
};

#define ALK_METRICS_MAX_PORTS 256

struct alk_metrics_source {
	struct alk_tables *tables; /* NULL: no frames, no tables */
	/* alk_ctl_server_counters(), read on the loop; may be NULL */
	const struct alk_rpc_counters *control;
	/* Fill up to max ports; how many, or -errno.  May be NULL. */
	int (*ports)(void *arg, struct alk_metrics_port *ports, int max);
	void *arg;
	/* Optional: the program's own families (alk_metrics_family()),
	 * printed before the build's. */
	void (*extra)(void *arg, struct alk_buf *out);
	/* build_info's dataplane label; NULL: the tables' back end */
	const char *dataplane;
};

struct alk_metrics;

/* "A.B.C.D:PORT" or "[IPV6]:PORT", PORT from 1 to 65535; 0, or -EINVAL. */
int alk_metrics_parse_addr(const char *s, struct sockaddr_storage *ss,
			   socklen_t *len);

/* The page: every family; openmetrics: in OpenMetrics 1.0 (counter
 * families without _total, then "# EOF"), else in the Prometheus text
 * format 0.0.4.  /metrics gives the one the scraper's Accept asks for. */
void alk_metrics_render(const struct alk_metrics_source *src,
			struct alk_buf *out, bool openmetrics);

/* A family's # HELP and # TYPE lines: name is its samples' (a counter's
 * ends in _total, which an OpenMetrics page leaves out of the family's). */
void alk_metrics_family(struct alk_buf *out, const char *name, const char *type,
			const char *help);

/* Listen on addr (alk_metrics_parse_addr) and serve on loop, or, loop
 * NULL, in a thread of libmicrohttpd's, which then calls src's callbacks;
 * NULL with err naming the address and why. */
struct alk_metrics *alk_metrics_start(struct alk_loop *loop, const char *addr,
				      const struct alk_metrics_source *src,
				      struct alk_error *err);

/* Stop serving and close; NULL is nothing. */
void alk_metrics_stop(struct alk_metrics *m);

/* A Linux interface's counters from sysfs (the namespace's /sys): the
 * helper of the XDP daemons' ports callback.  0 or -errno. */
int alk_metrics_netdev(const char *ifname, struct alk_metrics_port *p);

#endif
