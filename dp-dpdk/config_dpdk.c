/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config_dpdk.h"

#define MAX_LCORE 1023

static int read_port(struct alk_config_reader *r, const config_setting_t *s,
		     struct alk_config_port *port)
{
	static const char *const names[] = { "device", "queues", "rx-desc",
					     "tx-desc", NULL };
	uint32_t v;
	int rc;

	if (config_setting_type(s) == CONFIG_TYPE_STRING) {
		if (!*config_setting_get_string(s))
			return alk_config_bad(r, s, "empty");
		port->device = strdup(config_setting_get_string(s));
		return port->device ? 0 : -ENOMEM;
	}
	if (config_setting_type(s) != CONFIG_TYPE_GROUP)
		return alk_config_bad(r, s,
				      "expected a device string or a group "
				      "{ device = ...; queues = ...; }");
	rc = alk_config_only(r, s, names);
	if (!rc)
		rc = alk_config_string(r, s, "device", &port->device);
	if (rc)
		return rc;
	if (!port->device)
		return alk_config_bad(r, s, "missing 'device'");
	v = 0;
	rc = alk_config_u32(r, s, "queues", 1, 1024, &v);
	port->queues = v;
	v = 0;
	if (!rc)
		rc = alk_config_u32(r, s, "rx-desc", 64, 32768, &v);
	port->rx_desc = v;
	v = 0;
	if (!rc)
		rc = alk_config_u32(r, s, "tx-desc", 64, 32768, &v);
	port->tx_desc = v;
	return rc;
}

static int read_ports(struct alk_config_reader *r, const config_setting_t *g,
		      struct alk_dpdk_config *c)
{
	config_setting_t *s;
	int rc = alk_config_member(r, g, "ports", CONFIG_TYPE_LIST, &s);

	if (rc)
		return rc;
	if (!s || !config_setting_length(s))
		return alk_config_bad(r, s ? s : g,
				      "at least one port is needed");
	c->ports = calloc(config_setting_length(s), sizeof(*c->ports));
	if (!c->ports)
		return -ENOMEM;
	for (int i = 0; i < config_setting_length(s); i++) {
		rc = read_port(r, config_setting_get_elem(s, i), &c->ports[i]);
		c->nports = i + 1;
		if (rc)
			return rc;
	}
	return 0;
}

static int read_lcores(struct alk_config_reader *r, const config_setting_t *g,
		       struct alk_dpdk_config *c)
{
	config_setting_t *s;
	long long v;
	int rc = alk_config_member(r, g, "workers", CONFIG_TYPE_LIST, &s);

	if (rc)
		return rc;
	if (!s || !config_setting_length(s))
		return alk_config_bad(r, s ? s : g,
				      "at least one worker lcore is needed");
	c->workers = calloc(config_setting_length(s), sizeof(unsigned));
	if (!c->workers)
		return -ENOMEM;
	for (int i = 0; i < config_setting_length(s); i++) {
		const config_setting_t *e = config_setting_get_elem(s, i);

		rc = alk_config_number(r, e, 0, MAX_LCORE, &v);
		if (rc)
			return rc;
		for (unsigned int j = 0; j < c->nworkers; j++)
			if (c->workers[j] == v)
				return alk_config_bad(
					r, e, "lcore %lld listed twice", v);
		c->workers[c->nworkers++] = v;
	}

	s = config_setting_get_member(g, "main-lcore");
	if (!s)
		return 0;
	rc = alk_config_number(r, s, 0, MAX_LCORE, &v);
	if (rc)
		return rc;
	for (unsigned int j = 0; j < c->nworkers; j++)
		if (c->workers[j] == v)
			return alk_config_bad(r, s,
					      "lcore %lld is also a worker", v);
	c->main_lcore = v;
	return 0;
}

int alk_dpdk_config_read(struct alk_config_reader *r, const config_setting_t *g,
			 void *arg)
{
	static const char *const names[] = { "ports", "workers", "main-lcore",
					     "eal-args", NULL };
	struct alk_dpdk_config *c = arg;
	config_setting_t *s;
	int rc;

	c->present = true;
	c->main_lcore = -1;
	rc = alk_config_only(r, g, names);
	if (!rc)
		rc = read_ports(r, g, c);
	if (!rc)
		rc = read_lcores(r, g, c);
	if (!rc)
		rc = alk_config_member(r, g, "eal-args", CONFIG_TYPE_LIST, &s);
	if (!rc && s)
		rc = alk_config_strings(r, s, &c->eal_args, &c->neal_args);
	return rc;
}

void alk_dpdk_config_free(struct alk_dpdk_config *c)
{
	for (unsigned int i = 0; c->ports && i < c->nports; i++)
		free(c->ports[i].device);
	free(c->ports);
	free(c->workers);
	alk_config_strings_free(c->eal_args, c->neal_args);
	*c = (struct alk_dpdk_config){ .main_lcore = -1 };
}
