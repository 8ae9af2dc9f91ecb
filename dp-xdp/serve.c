/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The interfaces' tables become one (alk_fanout_tables_create(): writes
 * go to every interface, reads come from the first, counters are summed),
 * filled from the configuration if this start created them, given the
 * gateway, and served on the control socket (and /metrics) by the
 * daemon's event loop.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "daemon/log.h"
#include "daemon/start.h"
#include "tables/schema.h"
#include "xdpd.h"

struct copy {
	struct alk_tables *to;
	enum alk_table tbl;
};

static int copy_page(void *arg, const void *keys, const void *vals, uint32_t n)
{
	const struct copy *c = arg;

	return c->to->ops->update(c->to, c->tbl, keys, vals, n);
}

/* Every table of from (not the counters) into to, just created. */
static int tables_copy(struct alk_tables *to, struct alk_tables *from)
{
	struct alk_gateway gw;
	int rc = 0;

	for (int tbl = 0; tbl < ALK_T_MAX && !rc; tbl++) {
		struct copy c = { to, tbl };

		if (!alk_tables_serves(from, tbl))
			continue;
		rc = alk_table_walk(from, tbl, 1024, copy_page, &c);
	}
	if (!rc && !from->ops->gateway_get(from, &gw))
		rc = to->ops->gateway_set(to, &gw);
	return rc;
}

/* An interface added to a running gateway must answer like the others
 * from its first frame: it gets the tables of the first that had some. */
static int copy_to_fresh(struct xdpd *d, int from)
{
	for (int i = 0; from >= 0 && i < d->nifaces; i++) {
		int rc;

		if (!d->ifaces[i].fresh)
			continue;
		rc = tables_copy(d->ifaces[i].tables, d->ifaces[from].tables);
		if (rc) {
			alk_fail("%s: copying the tables of %s: %s",
				 d->ifaces[i].name, d->ifaces[from].name,
				 strerror(-rc));
			return rc;
		}
		alk_say("%s: tables copied from %s", d->ifaces[i].name,
			d->ifaces[from].name);
	}
	return 0;
}

/* --gateway-ip on each interface, with its own MAC unless --gateway-mac,
 * keeping the UDP ports and flags a previous run, the file or the control
 * plane set. */
static int gateways(struct xdpd *d)
{
	struct alk_gateway base;
	struct alk_error err = { 0 };

	alk_gateway_defaults(&base);

	for (int i = 0; i < d->nifaces; i++) {
		struct iface *ifc = &d->ifaces[i];

		if (alk_daemon_gateway(ifc->tables, &base, true, ifc->mac,
				       &err)) {
			alk_fail("%s: gateway: %s", ifc->name, err.msg);
			return -EINVAL;
		}
	}
	alk_daemon_gateway_check(d->tables, "goes to the kernel");
	return 0;
}

/* The metrics' ports: each interface's kernel counters (the frames XDP
 * sent back out, XDP_TX, count there as the driver's). */
static int ports(void *arg, struct alk_metrics_port *p, int max)
{
	struct xdpd *d = arg;
	int n = 0;

	for (int i = 0; i < d->nifaces && n < max; i++)
		if (!alk_metrics_netdev(d->ifaces[i].name, &p[n]))
			n++;
	return n;
}

int serve_start(struct xdpd *d)
{
	struct alk_tables *members[MAX_IFACES];
	struct alk_metrics_source src;
	int from = -1, rc;

	for (int i = 0; i < d->nifaces; i++) {
		members[i] = d->ifaces[i].tables;
		if (from < 0 && !d->ifaces[i].fresh)
			from = i;
	}
	rc = copy_to_fresh(d, from);
	if (rc)
		return rc;
	d->tables = alk_fanout_tables_create(members, d->nifaces);
	if (!d->tables) {
		alk_fail("out of memory");
		return -ENOMEM;
	}
	/* pinned tables hold the live state: the file's initial tables (or
	 * its state file) would roll it back, its gateway does not */
	rc = alk_daemon_tables_start(&d->cfg, d->tables, from < 0);
	if (!rc)
		rc = gateways(d);
	if (rc)
		return rc;
	d->srv = alk_daemon_control_start_capture(d->loop, d->tables, &d->cfg,
						  capture_ops(d));
	if (!d->srv)
		return -EINVAL;
	src = (struct alk_metrics_source){ d->tables,
					   alk_ctl_server_counters(d->srv),
					   ports, d };
	return alk_daemon_metrics_start(d->loop, &src, &d->metrics) ? -EINVAL :
								      0;
}

void serve_stop(struct xdpd *d)
{
	alk_metrics_stop(d->metrics);
	d->metrics = NULL;
	/* saves the state file if it is behind, removes the socket */
	alk_ctl_server_destroy(d->srv);
	if (d->tables && d->tables != d->ifaces[0].tables)
		d->tables->ops->close(d->tables); /* the fan-out only */
	d->srv = NULL;
	d->tables = NULL;
}
