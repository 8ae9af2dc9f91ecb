/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A stand-in daemon for the integration tests: the in-memory tables behind
 * the control server, started and served by the daemon skeleton (daemon/)
 * as alkaid-xdp and alkaid-dpdk are: the common options, a config file,
 * the state file or the initial tables, the event loop, the metrics.
 *
 *   ctl-testd [-c CONFIG] [-s SOCKET] [-S STATE_FILE] [-n ENDPOINTS]
 *             [any other common option: ctl-testd --help]
 *
 * Options override the config file; -S is --state and -n --endpoints.  It
 * prints "ready" on stdout once it serves.  Stops on SIGTERM or SIGINT,
 * saving the state file if it is behind; SIGHUP reloads the config file's
 * tables (daemon/reload.h).  Exits 1 on any failure.
 */
#include <stdio.h>
#include <stdlib.h>

#include "daemon/log.h"
#include "daemon/notify.h"
#include "daemon/options.h"
#include "daemon/reload.h"
#include "daemon/start.h"

/* clang-format off */
static const struct alk_opt own[] = {
	{ NULL, 'S', "FILE", ALK_OPT_PATH, &alk_opt.state,
	  .help = "The same as --state FILE." },
	{ NULL, 'n', "N", ALK_OPT_COUNT, &alk_opt.sizes.endpoints,
	  &alk_opt.sizes_given.endpoints,
	  .help = "The same as --endpoints N." },
	{ 0 },
};

static const struct alk_program prog = {
	.name = "ctl-testd",
	.version = "test",
	.head =
"NAME\n"
"    ctl-testd - the control server over in-memory tables, for tests\n"
"\n",
	.options = own,
	.tail = "",
};

/* It reads files written for either daemon, and skips their sections. */
static const struct alk_config_section sections[] = {
	{ .name = "xdp" },
	{ .name = "dpdk" },
	{ 0 },
};
/* clang-format on */

int main(int argc, char **argv)
{
	struct alk_metrics *metrics = NULL;
	struct alk_ctl_server *srv = NULL;
	struct alk_tables *tables = NULL;
	struct alk_loop *loop = NULL;
	struct alk_config cfg;
	int rc;

	rc = alk_options_parse(&prog, argc, argv);
	if (rc)
		return rc > 0 ? 0 : 2;
	if (alk_daemon_configure(sections, &cfg))
		return 1;
	rc = 1;
	tables = alk_host_tables_create(&alk_opt.sizes);
	if (!tables) {
		alk_fail("no memory for the tables");
		goto out;
	}
	loop = alk_loop_create("stopping");
	if (!loop) {
		alk_fail("event loop: %m");
		goto out;
	}
	if (alk_daemon_tables_start(&cfg, tables, true))
		goto out;
	srv = alk_daemon_control_start(loop, tables, &cfg);
	if (!srv)
		goto out;
	if (alk_daemon_metrics_start(
		    loop,
		    &(struct alk_metrics_source){
			    tables, alk_ctl_server_counters(srv) },
		    &metrics))
		goto out;
	{
		static struct alk_reload reload = { .sections = sections,
						    .what = "in memory" };

		reload.tables = tables;
		reload.cfg = &cfg;
		alk_loop_on_reload(loop, alk_daemon_reload_cb, &reload);
	}
	alk_notify_ready(tables, "in memory");
	printf("ready\n");
	fflush(stdout);
	rc = alk_loop_run(loop) ? 1 : 0;
out:
	alk_metrics_stop(metrics);
	alk_ctl_server_destroy(srv);
	alk_loop_free(loop);
	if (tables)
		tables->ops->close(tables);
	alk_config_free(&cfg);
	return rc;
}
