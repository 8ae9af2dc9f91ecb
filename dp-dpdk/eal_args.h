/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The dpdk section of the configuration file as the EAL's command line:
 * each part only when the command line gives no EAL option of its kind
 * (see CONFIGURATION FILE in alkaid-dpdk --help).
 */
#ifndef ALKAID_DP_DPDK_EAL_ARGS_H
#define ALKAID_DP_DPDK_EAL_ARGS_H

#include <stdint.h>

#include "config_dpdk.h"

/* The EAL's argument vector: argv[0], what the section gives and the
 * command line does not, then the command line's EAL options (argv[1] to
 * argv[argc - 1]).  Dies when out of memory. */
char **eal_args(const struct alk_dpdk_config *c, int argc, char **argv,
		int *eal_argc);

/* The section's settings of a started port, if it names its device. */
const struct alk_config_port *config_port(const struct alk_dpdk_config *c,
					  uint16_t port);

#endif
