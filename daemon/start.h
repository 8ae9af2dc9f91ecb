/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The start-up sequence every daemon follows, each step written once:
 *
 *   1. alk_daemon_configure()     -c FILE (or the defaults) with the
 *                                 daemon's own sections, checked, merged
 *                                 with the command line (it wins)
 *   2. (the daemon makes its tables: maps, rte_hash, host memory)
 *   3. alk_daemon_tables_start()  fresh tables: the state file if it
 *                                 exists, else the initial tables; then
 *                                 the file's gateway
 *   4. alk_daemon_gateway()       --gateway-ip and --gateway-mac over it;
 *      alk_daemon_gateway_check() says when there is still no address
 *   5. alk_daemon_control_start() the control socket, on the event loop
 *   6. alk_daemon_metrics_start() /metrics over HTTP, on the event loop,
 *                                 when an address is given
 *
 * and at exit alk_ctl_server_destroy() (the state file written if it is
 * behind, the socket removed), then alk_config_free().
 */
#ifndef ALKAID_DAEMON_START_H
#define ALKAID_DAEMON_START_H

#include <stdbool.h>
#include <stdint.h>

#include "config/config.h"
#include "ctl/server.h"
#include "loop.h"
#include "metrics.h"
#include "tables/tables.h"

/*
 * alk_config_load(), then the gateway and the initial tables as the table
 * API will see them, on scratch in-memory tables: a multicast address or
 * a MAC claimed twice is found now, with its line, not at start.
 */
int alk_daemon_config_load(const char *path,
			   const struct alk_config_section *sections,
			   struct alk_config *cfg, struct alk_error *err);

/*
 * Step 1: load alk_opt.config (else the defaults) into cfg, then take from
 * it what the command line did not give: table sizes, socket, group; a
 * --state replaces the file's state-file.  Returns 0, or the exit status
 * once said why (ALK_EXIT_USAGE for a file with an error).
 */
int alk_daemon_configure(const struct alk_config_section *sections,
			 struct alk_config *cfg);

/*
 * Fill tables: when fresh (this start created them), the state file if
 * it exists (it holds everything changed since), else the initial tables
 * and the initial file; then, fresh or not, the file's gateway, which
 * wins over the state file's.  Tables that were not fresh hold the live
 * state, which the others would roll back.
 */
int alk_daemon_tables_fill(const struct alk_config *cfg, struct alk_tables *t,
			   bool fresh, struct alk_error *err);

/* Step 3: alk_daemon_tables_fill(), saying what is loaded; 0, or -errno
 * once said why. */
int alk_daemon_tables_start(const struct alk_config *cfg, struct alk_tables *t,
			    bool fresh);

/*
 * Step 4: with --gateway-ip, write the gateway: its address, the MAC of
 * --gateway-mac else mac (the interface's or port's), and the UDP ports
 * and flags of base; with keep, those the table holds win when it has an
 * address already (a previous run, the file or the control plane set
 * them).  0 without --gateway-ip.
 */
int alk_daemon_gateway(struct alk_tables *t, const struct alk_gateway *base,
		       bool keep, const uint8_t mac[6], struct alk_error *err);

/* Warn when the gateway still has no address; fate: what happens to
 * frames meanwhile ("goes to the kernel"). */
void alk_daemon_gateway_check(struct alk_tables *t, const char *fate);

/* A data plane's BPF object: given (an option), else the file name beside
 * the running binary (a build tree), else installed (the installed path).
 * The path is written into buf. */
void alk_daemon_find_object(char *buf, size_t len, const char *given,
			    const char *name, const char *installed);

/* Whether a live daemon answers on the control socket (alk_opt.socket or
 * the default): asked before anything is touched.  The server itself
 * replaces only a dead daemon's socket. */
bool alk_daemon_socket_taken(void);

/* Step 5: serve t on alk_opt.socket, the state file cfg's, watched by
 * loop; a broken server stops the loop.  NULL once said why. */
struct alk_ctl_server *alk_daemon_control_start(struct alk_loop *loop,
						struct alk_tables *t,
						const struct alk_config *cfg);
/* The same, for a daemon that can capture (capture.start). */
struct alk_ctl_server *
alk_daemon_control_start_capture(struct alk_loop *loop, struct alk_tables *t,
				 const struct alk_config *cfg,
				 const struct alk_capture_ops *capture);

/* Step 6: with --metrics (or the file's control.metrics), serve /metrics
 * on loop (daemon/metrics.h); *out stays NULL without.  0, or -1 once
 * said why (the address cannot be listened on). */
int alk_daemon_metrics_start(struct alk_loop *loop,
			     const struct alk_metrics_source *src,
			     struct alk_metrics **out);

#endif
