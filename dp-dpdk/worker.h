/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A worker lcore: run-to-completion over its RX queues, in bursts.
 * workers.c owns and allocates them; datapath.c is the per-packet code.
 */
#ifndef ALKAID_DP_DPDK_WORKER_H
#define ALKAID_DP_DPDK_WORKER_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ethdev.h>
#include <rte_rcu_qsbr.h>

#include "core/platform/dpdk.h"

struct alk_tables;
struct alk_dpdk_capture;

#define ALK_BURST 32
#define ALK_WORKER_MAX_RXQ 64

/* One RX queue a worker polls, and where its transmitted frames go. */
struct alk_rxq {
	uint16_t port;
	uint16_t queue;
	uint16_t tx_port; /* the same port, unless paired (--pair) */
};

struct alk_worker {
	const struct alk_dp_tables *tables;
	uint64_t *counters; /* the lcore's row of tables->counters */
	struct rte_rcu_qsbr *qsbr;
	const bool *quit; /* set by the main lcore */
	unsigned int lcore;
	unsigned int qsbr_id;
	uint16_t txq; /* this worker's own TX queue, on every port */
	uint16_t nrxq;
	struct alk_rxq rxq[ALK_WORKER_MAX_RXQ];
	struct rte_eth_dev_tx_buffer *txbuf[RTE_MAX_ETHPORTS];
	/* frames the TX queue refused, by port (the TX buffer's callback) */
	uint64_t tx_dropped[RTE_MAX_ETHPORTS];
	struct alk_dp_nb_cache nb_cache;
	struct alk_dp_bucket dp_bucket;	  /* direct-path returns */
	struct alk_dpdk_capture *capture; /* capture.h; never NULL */
} __rte_cache_aligned;

/* datapath.c */

/* Every frame of a burst received on q: classified, its endpoint probed
 * (every home bucket of the burst prefetched first), acted on, counted;
 * transmitted frames are buffered on q->tx_port, the others freed.  The
 * caller flushes the TX buffer. */
void alk_worker_burst(struct alk_worker *w, const struct alk_rxq *q,
		      struct rte_mbuf **m, uint16_t n);

/* One pass over the worker's queues, TX buffers flushed; returns the
 * number of frames received.  The loop, and tests, call it. */
unsigned int alk_worker_poll(struct alk_worker *w);

/* The lcore's main function (rte_eal_remote_launch): poll until *quit,
 * reporting a quiescent state to the tables' QSBR once per pass. */
int alk_worker_loop(void *worker);

/* workers.c */

/* A worker for lcore, reading tables, registered as QSBR reader qsbr_id,
 * sending on TX queue txq of every started port.  NULL on failure. */
struct alk_worker *alk_worker_create(unsigned int lcore,
				     struct alk_tables *tables,
				     unsigned int qsbr_id, uint16_t txq,
				     const bool *quit);
int alk_worker_add_rxq(struct alk_worker *w, uint16_t port, uint16_t queue,
		       uint16_t tx_port);
void alk_worker_free(struct alk_worker *w);

#endif
