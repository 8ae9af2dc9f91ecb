/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The daemons' start-up configuration, read with libconfig.  One file
 * format for both daemons: each reads the sections common to both and its
 * own (xdp or dpdk).  The format is documented in config/README.md and in
 * the two example files.
 *
 * Loading checks everything it can before the daemon touches a NIC: types,
 * ranges, unknown settings (a misspelt name is an error, not a default),
 * and the gateway and initial tables as the table API would check them.
 * Every error names the file, the line and the setting.
 */
#ifndef ALKAID_CONFIG_H
#define ALKAID_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "tables/cmd.h"
#include "tables/cmdfile.h"
#include "tables/tables.h"

enum alk_config_daemon {
	ALK_CONFIG_ANY,	 /* neither section required (tools, tests) */
	ALK_CONFIG_XDP,	 /* the xdp section is required */
	ALK_CONFIG_DPDK, /* the dpdk section is required */
};

enum alk_xdp_mode {
	ALK_XDP_NATIVE, /* in the driver */
	ALK_XDP_SKB,	/* generic, after the driver built an skb */
	ALK_XDP_HW,	/* offloaded to the NIC */
};

struct alk_config_port {
	char *device;	  /* PCI address, or a vdev with its arguments */
	uint16_t queues;  /* RX/TX queue pairs; 0: one per worker */
	uint16_t rx_desc; /* 0: the daemon's default */
	uint16_t tx_desc;
};

struct alk_config {
	char *path;
	struct {
		char *socket; /* NULL: ALK_CTL_DEFAULT_SOCKET */
		char *group;  /* NULL: root only */
	} control;
	struct alk_table_sizes sizes;
	struct {
		bool present;
		char **interfaces;
		unsigned int ninterfaces;
		enum alk_xdp_mode mode;
		char *pin_path; /* NULL: the daemon's default */
	} xdp;
	struct {
		bool present;
		struct alk_config_port *ports;
		unsigned int nports;
		unsigned int *workers; /* lcore ids */
		unsigned int nworkers;
		int main_lcore; /* -1: EAL's default */
		char **eal_args;
		unsigned int neal_args;
	} dpdk;
	bool has_gateway;
	struct alk_gateway gateway;
	int gateway_line;
	char *state_file;	    /* NULL: none */
	struct alk_cmdfile initial; /* initial-tables, checked */
	char *initial_file;	    /* NULL: none */
};

/* Defaults only: what a daemon runs with when given no file. */
void alk_config_init(struct alk_config *cfg);

/* Read and check path.  On error returns -errno with err->msg as
 * "<file>:<line>: <setting>: <reason>" and nothing to free. */
int alk_config_load(const char *path, enum alk_config_daemon daemon,
		    struct alk_config *cfg, struct alk_error *err);

void alk_config_free(struct alk_config *cfg);

/* A state file given on the command line replaces the file's, made
 * absolute as the file's must be.  0 or -errno. */
int alk_config_set_state_file(struct alk_config *cfg, const char *path);

/*
 * Fill fresh tables at start: the state file if there is one (it holds
 * everything changed since), else the initial tables and the initial
 * file; then the gateway of the file, which wins over the state file's.
 */
int alk_config_apply(const struct alk_config *cfg, struct alk_tables *t,
		     struct alk_error *err);

#endif
