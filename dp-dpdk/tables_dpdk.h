/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The table API's DPDK back end (tables/tables.h): flat tables for the
 * endpoints and the DHCP index, rte_hash tables with lock-free readers and
 * a double-buffered rte_lpm6 for networks, read by the workers through
 * core/platform/dpdk.h.  One writer at a time (the
 * control plane on the main lcore); writers never stop the workers.
 */
#ifndef ALKAID_DP_DPDK_TABLES_H
#define ALKAID_DP_DPDK_TABLES_H

#include <rte_ether.h>
#include <rte_rcu_qsbr.h>

#include "core/platform/dpdk.h"
#include "tables/tables.h"

struct alk_dpdk_table_config {
	struct alk_table_sizes sizes;
	/* tbl8 groups of each network LPM (256 entries, 1 KiB each); 0: two
	 * per network, which fits typical VPCs where prefixes share bytes */
	uint32_t network_tbl8s;
	uint32_t max_readers; /* workers that will register with the QSBR */
	int socket;	      /* NUMA socket of the memory, or SOCKET_ID_ANY */
};

/* Returns NULL with rte_errno set. */
struct alk_tables *
alk_dpdk_tables_create(const struct alk_dpdk_table_config *c);

/* What the workers read. */
const struct alk_dp_tables *alk_dpdk_tables_dp(struct alk_tables *t);

/* The QSBR variable the workers report to (thread ids 0..max_readers-1). */
struct rte_rcu_qsbr *alk_dpdk_tables_qsbr(struct alk_tables *t);

/* Source MAC of the gateway on one port: the port's own, instead of the
 * gateway table's (the default of alkaid-dpdk without --gateway-mac). */
void alk_dpdk_tables_port_mac(struct alk_tables *t, uint16_t port,
			      const struct rte_ether_addr *mac);

/* Free what the workers can no longer see; the control loop calls it now
 * and then so that deferred frees do not wait for the next write. */
void alk_dpdk_tables_reclaim(struct alk_tables *t);

#endif
