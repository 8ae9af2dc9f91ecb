/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_pci.h>

#include "daemon/log.h"
#include "eal_args.h"

/* EAL options on the command line, by what they choose. */
static const char *const lcore_options[] = { "-l", "-c", "--lcores",
					     "--main-lcore", NULL };
static const char *const device_options[] = { "-a",	 "-b",	   "--allow",
					      "--block", "--vdev", NULL };

/* Whether arg is one of names: "-l", "-l0-3", "--vdev", "--vdev=x". */
static bool is_option(const char *arg, const char *const *names)
{
	for (const char *const *n = names; *n; n++) {
		size_t len = strlen(*n);

		if (strncmp(arg, *n, len))
			continue;
		if ((*n)[1] != '-' || !arg[len] || arg[len] == '=')
			return true;
	}
	return false;
}

/* The part of a device string before its arguments. */
static void device_name(const char *device, char *name, size_t len)
{
	snprintf(name, len, "%.*s", (int)strcspn(device, ","), device);
}

static bool is_pci(const char *device)
{
	struct rte_pci_addr addr;
	char name[RTE_ETH_NAME_MAX_LEN];

	device_name(device, name, sizeof(name));
	return rte_pci_addr_parse(name, &addr) == 0;
}

static int lowest_non_worker(const struct alk_dpdk_config *c)
{
	for (unsigned int id = 0;; id++) {
		unsigned int w = 0;

		while (w < c->nworkers && c->workers[w] != id)
			w++;
		if (w == c->nworkers)
			return id;
	}
}

/*
 * The EAL's argument vector: the command line's EAL options (argv[1] to
 * argv[argc - 1]), preceded by what the dpdk section gives and the
 * command line does not (see CONFIGURATION FILE in the help).
 */
char **eal_args(const struct alk_dpdk_config *c, int argc, char **argv,
		int *eal_argc)
{
	bool lcores = false, devices = false, others = false;
	char **v, list[4096];
	int n = 0, len = 0;

	for (int i = 1; i < argc; i++) {
		if (is_option(argv[i], lcore_options))
			lcores = true;
		else if (is_option(argv[i], device_options))
			devices = true;
		else if (argv[i][0] == '-')
			others = true;
	}
	v = calloc(argc + 4 + 2 * c->nports + c->neal_args + 1, sizeof(*v));
	if (!v)
		alk_die(ALK_EXIT_FAIL, "out of memory");
	v[n++] = argv[0];
	if (c->present && !lcores) {
		int main_lcore = c->main_lcore >= 0 ? c->main_lcore :
						      lowest_non_worker(c);

		len = snprintf(list, sizeof(list), "%d", main_lcore);
		for (unsigned int w = 0; w < c->nworkers; w++)
			len += snprintf(list + len, sizeof(list) - len, ",%u",
					c->workers[w]);
		v[n++] = "-l";
		v[n++] = strdup(list);
		snprintf(list, sizeof(list), "%d", main_lcore);
		v[n++] = "--main-lcore";
		v[n++] = strdup(list);
		if (!v[n - 1] || !v[n - 3])
			alk_die(ALK_EXIT_FAIL, "out of memory");
	}
	for (unsigned int p = 0; c->present && !devices && p < c->nports; p++) {
		v[n++] = is_pci(c->ports[p].device) ? "-a" : "--vdev";
		v[n++] = c->ports[p].device;
	}
	for (unsigned int i = 0; c->present && !others && i < c->neal_args; i++)
		v[n++] = c->eal_args[i];
	for (int i = 1; i < argc; i++)
		v[n++] = argv[i];
	*eal_argc = n;
	return v;
}

/* The dpdk section's settings of the port, if it names its device. */
const struct alk_config_port *config_port(const struct alk_dpdk_config *c,
					  uint16_t port)
{
	char want[RTE_ETH_NAME_MAX_LEN], name[RTE_ETH_NAME_MAX_LEN];

	if (rte_eth_dev_get_name_by_port(port, name))
		return NULL;
	for (unsigned int p = 0; p < c->nports; p++) {
		const char *device = c->ports[p].device;
		struct rte_pci_addr addr;

		device_name(device, want, sizeof(want));
		/* "03:00.0" is the port "0000:03:00.0" */
		if (!rte_pci_addr_parse(want, &addr))
			rte_pci_device_name(&addr, want, sizeof(want));
		if (!strcmp(want, name))
			return &c->ports[p];
	}
	return NULL;
}
