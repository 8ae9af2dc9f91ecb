/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "ctl/api.h"
#include "tables/cmdfile.h"
#include "log.h"
#include "metrics.h"
#include "options.h"
#include "start.h"

static int apply_gateway(const struct alk_config *cfg, struct alk_tables *t,
			 struct alk_error *err)
{
	char reason[sizeof(err->msg)];
	int rc;

	if (!cfg->has_gateway)
		return 0;
	rc = alk_cmd_apply_n(t, ALK_O_GATEWAY, ALK_OP_SET, NULL, &cfg->gateway,
			     1, err);
	if (rc) {
		memcpy(reason, err->msg, sizeof(reason));
		err->index = cfg->gateway_line;
		snprintf(err->msg, sizeof(err->msg), "%s:%d: gateway: %s",
			 cfg->path, cfg->gateway_line, reason);
	}
	return rc;
}

/* Scratch tables just large enough for the initial tables, and no larger
 * than configured: a list too long for its table fails. */
static void check_sizes(const struct alk_config *cfg,
			struct alk_table_sizes *need)
{
	*need = (struct alk_table_sizes){ 1, 1, 1, 1, 1 };
	for (size_t i = 0; i < cfg->initial.nsteps; i++) {
		const struct alk_cmdfile_step *s = &cfg->initial.steps[i];

		switch (s->object) {
		case ALK_O_ENDPOINT:
			need->endpoints += s->n;
			break;
		case ALK_O_NETWORK:
			need->networks += s->n;
			break;
		case ALK_O_VPC:
			need->vpcs += s->n;
			break;
		case ALK_O_NEIGHBOR:
			need->neighbors += s->n;
			break;
		case ALK_O_PORT:
			need->ports += s->n;
			break;
		default:
			break;
		}
	}
#define CAP(f) need->f = need->f < cfg->sizes.f ? need->f : cfg->sizes.f
	CAP(endpoints);
	CAP(networks);
	CAP(vpcs);
	CAP(neighbors);
#undef CAP
}

int alk_daemon_config_load(const char *path,
			   const struct alk_config_section *sections,
			   struct alk_config *cfg, struct alk_error *err)
{
	struct alk_table_sizes need;
	struct alk_tables *t;
	int rc = alk_config_load(path, sections, cfg, err);

	if (rc)
		return rc;
	check_sizes(cfg, &need);
	t = alk_host_tables_create(&need);
	if (!t) {
		rc = -ENOMEM;
		snprintf(err->msg, sizeof(err->msg), "%s: out of memory", path);
	} else {
		rc = apply_gateway(cfg, t, err);
		if (!rc)
			rc = alk_cmdfile_apply(&cfg->initial, t, err);
		t->ops->close(t);
	}
	if (rc)
		alk_config_free(cfg);
	return rc;
}

#define METRICS_FORM                                                           \
	"not ADDR:PORT (an IPv4 address or [IPv6], a colon, a port from 1 "    \
	"to 65535)"

int alk_daemon_configure(const struct alk_config_section *sections,
			 struct alk_config *cfg)
{
	struct alk_options *o = &alk_opt;
	struct alk_error err = { 0 };

	if (!o->config) {
		alk_config_init(cfg);
	} else if (alk_daemon_config_load(o->config, sections, cfg, &err)) {
		alk_say("%s", err.msg);
		return ALK_EXIT_USAGE;
	}
	/* alk_config_init() leaves the defaults where the file is silent */
	if (!o->sizes_given.endpoints)
		o->sizes.endpoints = cfg->sizes.endpoints;
	if (!o->sizes_given.networks)
		o->sizes.networks = cfg->sizes.networks;
	if (!o->sizes_given.vpcs)
		o->sizes.vpcs = cfg->sizes.vpcs;
	if (!o->sizes_given.neighbors)
		o->sizes.neighbors = cfg->sizes.neighbors;
	if (!o->socket)
		o->socket = cfg->control.socket;
	if (!o->group)
		o->group = cfg->control.group;
	if (o->metrics || cfg->control.metrics) {
		struct sockaddr_storage ss;
		socklen_t len;
		bool given = o->metrics;

		if (!given)
			o->metrics = cfg->control.metrics;
		if (alk_metrics_parse_addr(o->metrics, &ss, &len) && given) {
			alk_usage_error("--metrics '%s': " METRICS_FORM,
					o->metrics);
			return ALK_EXIT_USAGE;
		}
		if (alk_metrics_parse_addr(o->metrics, &ss, &len)) {
			alk_fail("%s: control.metrics '%s': " METRICS_FORM,
				 cfg->path, o->metrics);
			return ALK_EXIT_USAGE;
		}
	}
	if (o->state && alk_config_set_state_file(cfg, o->state)) {
		alk_fail("--state %s: %s", o->state, strerror(errno));
		return ALK_EXIT_FAIL;
	}
	return 0;
}

int alk_daemon_tables_fill(const struct alk_config *cfg, struct alk_tables *t,
			   bool fresh, struct alk_error *err)
{
	int rc = 0;

	if (fresh && cfg->state_file && access(cfg->state_file, F_OK) == 0) {
		rc = alk_cmdfile_load(t, cfg->state_file, err);
	} else if (fresh) {
		rc = alk_cmdfile_apply(&cfg->initial, t, err);
		if (!rc && cfg->initial_file)
			rc = alk_cmdfile_load(t, cfg->initial_file, err);
	}
	return rc ? rc : apply_gateway(cfg, t, err);
}

int alk_daemon_tables_start(const struct alk_config *cfg, struct alk_tables *t,
			    bool fresh)
{
	struct alk_error err = { 0 };
	int rc;

	if (fresh && cfg->state_file && !access(cfg->state_file, F_OK))
		alk_say("loading the state file %s", cfg->state_file);
	else if (fresh && (cfg->initial.entries || cfg->initial_file))
		alk_say("applying the initial tables of %s", cfg->path);
	rc = alk_daemon_tables_fill(cfg, t, fresh, &err);
	if (rc)
		alk_fail("%s", err.msg);
	return rc;
}

int alk_daemon_gateway(struct alk_tables *t, const struct alk_gateway *base,
		       bool keep, const uint8_t mac[6], struct alk_error *err)
{
	struct alk_gateway gw;

	if (!alk_opt.gw_ip_given)
		return 0;
	if (!keep || t->ops->gateway_get(t, &gw) || !gw.ip)
		gw = *base;
	gw.ip = alk_opt.gw_ip;
	memcpy(gw.mac, alk_opt.gw_mac_given ? alk_opt.gw_mac : mac, 6);
	return alk_gateway_set(t, &gw, err);
}

void alk_daemon_gateway_check(struct alk_tables *t, const char *fate)
{
	struct alk_gateway gw;

	if (t->ops->gateway_get(t, &gw) || !gw.ip)
		alk_say("the gateway table holds no address yet: every frame "
			"%s until one is set (--gateway-ip, gateway in the "
			"configuration file, or alkaidctl gateway set)",
			fate);
}

bool alk_daemon_socket_taken(void)
{
	return alk_ctl_socket_answers(alk_opt.socket ?:
					      ALK_CTL_DEFAULT_SOCKET) > 0;
}

static void control_log(int prio, const char *msg)
{
	alk_say("control socket: %s", msg);
}

/* Between the loop's other callbacks: the control plane writes the tables
 * while the data plane goes on. */
static int on_control(struct alk_loop *loop, int fd, uint32_t events, void *srv)
{
	int rc = alk_ctl_server_process(srv);

	if (rc)
		alk_fail("control socket: %s; stopping", strerror(-rc));
	return rc;
}

struct alk_ctl_server *alk_daemon_control_start(struct alk_loop *loop,
						struct alk_tables *t,
						const struct alk_config *cfg)
{
	return alk_daemon_control_start_capture(loop, t, cfg, NULL);
}

struct alk_ctl_server *
alk_daemon_control_start_capture(struct alk_loop *loop, struct alk_tables *t,
				 const struct alk_config *cfg,
				 const struct alk_capture_ops *capture)
{
	struct alk_ctl_options copt = {
		.state_file = cfg->state_file,
		.log = control_log,
		.capture = capture,
	};
	struct alk_error err = { 0 };
	struct alk_ctl_server *srv;
	int rc;

	srv = alk_ctl_server_create(alk_opt.socket, alk_opt.group, t, &copt,
				    &err);
	if (!srv) {
		alk_fail("control socket: %s", err.msg);
		return NULL;
	}
	rc = alk_loop_watch(loop, alk_ctl_server_fd(srv), EPOLLIN, on_control,
			    srv);
	if (rc) {
		alk_fail("control socket: %s", strerror(-rc));
		alk_ctl_server_destroy(srv);
		return NULL;
	}
	return srv;
}

void alk_daemon_find_object(char *buf, size_t len, const char *given,
			    const char *name, const char *installed)
{
	char exe[PATH_MAX];
	ssize_t n;

	if (given) {
		snprintf(buf, len, "%s", given);
		return;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = 0;
		snprintf(buf, len, "%s/%s", dirname(exe), name);
		if (!access(buf, R_OK))
			return;
	}
	snprintf(buf, len, "%s", installed);
}

int alk_daemon_metrics_start(struct alk_loop *loop,
			     const struct alk_metrics_source *src,
			     struct alk_metrics **out)
{
	struct alk_error err = { 0 };

	*out = NULL;
	if (!alk_opt.metrics)
		return 0;
	*out = alk_metrics_start(loop, alk_opt.metrics, src, &err);
	if (!*out) {
		alk_fail("%s", err.msg);
		return -1;
	}
	alk_say("metrics at http://%s/metrics", alk_opt.metrics);
	return 0;
}
