/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The main lcore's control plane: one epoll loop, never a packet.  The
 * loop watches SIGINT/SIGTERM, runs housekeeping once a second, and serves
 * whatever else is watched: the control socket (ctl/) registers its
 * listening and client descriptors here with alk_control_watch().
 */
#ifndef ALKAID_DP_DPDK_CONTROL_H
#define ALKAID_DP_DPDK_CONTROL_H

#include <stdint.h>

struct alk_tables;
struct alk_control;

typedef void (*alk_control_fn)(struct alk_control *ctl, int fd, uint32_t events,
			       void *arg);

/* Blocks SIGINT and SIGTERM in the calling thread, and so in every thread
 * it creates afterwards: call it before rte_eal_init(). */
int alk_control_block_signals(void);

struct alk_control *alk_control_create(struct alk_tables *tables);

/* Call fn whenever fd is ready for events (EPOLLIN, ...); fn runs on the
 * main lcore, between other callbacks, never concurrently with them. */
int alk_control_watch(struct alk_control *ctl, int fd, uint32_t events,
		      alk_control_fn fn, void *arg);
int alk_control_unwatch(struct alk_control *ctl, int fd);

/* The tables the control plane programs. */
struct alk_tables *alk_control_tables(struct alk_control *ctl);

/* Serve until a signal or alk_control_stop(); returns 0, or -errno. */
int alk_control_run(struct alk_control *ctl);
void alk_control_stop(struct alk_control *ctl);

void alk_control_free(struct alk_control *ctl);

#endif
