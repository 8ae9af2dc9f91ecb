/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * alkaid-dpdk's section of the configuration file (config/README.md):
 * its ports, worker lcores, main lcore and more EAL arguments, which
 * eal_args.c turns into the EAL's command line.
 *
 * Plain libconfig, no DPDK: the configuration's tests read it too.
 */
#ifndef ALKAID_DP_DPDK_CONFIG_DPDK_H
#define ALKAID_DP_DPDK_CONFIG_DPDK_H

#include "config/config.h"

struct alk_config_port {
	char *device;	  /* PCI address, or a vdev with its arguments */
	uint16_t queues;  /* RX/TX queue pairs; 0: one per worker */
	uint16_t rx_desc; /* 0: the daemon's default */
	uint16_t tx_desc;
};

struct alk_dpdk_config {
	bool present;
	struct alk_config_port *ports;
	unsigned int nports;
	unsigned int *workers; /* lcore ids */
	unsigned int nworkers;
	int main_lcore; /* -1: EAL's default */
	char **eal_args;
	unsigned int neal_args;
};

/* The section's reader (struct alk_config_section), arg a struct
 * alk_dpdk_config; ALK_DPDK_SECTION(&c) is its row, the section required. */
int alk_dpdk_config_read(struct alk_config_reader *r,
			 const config_setting_t *group, void *arg);
#define ALK_DPDK_SECTION(c)                                                    \
	{                                                                      \
		"dpdk", "alkaid-dpdk needs its ports and workers",             \
			alk_dpdk_config_read, c                                \
	}

void alk_dpdk_config_free(struct alk_dpdk_config *c);

#endif
