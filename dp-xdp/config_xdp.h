/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * alkaid-xdp's section of the configuration file (config/README.md):
 *
 *   xdp = { interfaces = [ "eth1" ]; mode = "native"; pin-path = "..."; };
 *
 * Plain libconfig, no libbpf: the configuration's tests read it too.
 */
#ifndef ALKAID_DP_XDP_CONFIG_XDP_H
#define ALKAID_DP_XDP_CONFIG_XDP_H

#include "config/config.h"

enum alk_xdp_mode {
	ALK_XDP_NATIVE, /* in the driver */
	ALK_XDP_SKB,	/* generic, after the driver built an skb */
	ALK_XDP_HW,	/* offloaded to the NIC */
};

struct alk_xdp_config {
	bool present;
	char **interfaces;
	unsigned int ninterfaces;
	enum alk_xdp_mode mode;
	char *pin_path; /* NULL: the daemon's default */
};

/* The section's reader (struct alk_config_section), arg a struct
 * alk_xdp_config; ALK_XDP_SECTION(&x) is its row, the section required. */
int alk_xdp_config_read(struct alk_config_reader *r,
			const config_setting_t *group, void *arg);
#define ALK_XDP_SECTION(x)                                                     \
	{                                                                      \
		"xdp", "alkaid-xdp needs its interfaces", alk_xdp_config_read, \
			x                                                      \
	}

void alk_xdp_config_free(struct alk_xdp_config *x);

#endif
