/* SPDX-License-Identifier: BSD-3-Clause */
/* Workers' state: allocated here, on the worker's own NUMA socket. */
#include <errno.h>

#include <rte_lcore.h>
#include <rte_malloc.h>

#include "capture.h"
#include "tables_dpdk.h"
#include "worker.h"

struct alk_dpdk_capture alk_dpdk_capture_off;

struct alk_worker *alk_worker_create(unsigned int lcore,
				     struct alk_tables *tables,
				     unsigned int qsbr_id, uint16_t txq,
				     const bool *quit)
{
	int socket = rte_lcore_to_socket_id(lcore);
	struct alk_worker *w;
	uint16_t port;

	if (lcore >= RTE_MAX_LCORE)
		return NULL;
	w = rte_zmalloc_socket("alk_worker", sizeof(*w), RTE_CACHE_LINE_SIZE,
			       socket);
	if (!w)
		return NULL;
	w->tables = alk_dpdk_tables_dp(tables);
	w->counters = w->tables->counters[lcore].reason;
	w->qsbr = alk_dpdk_tables_qsbr(tables);
	w->quit = quit;
	w->lcore = lcore;
	w->qsbr_id = qsbr_id;
	w->txq = txq;
	w->capture = &alk_dpdk_capture_off; /* the daemon's, if it captures */
	RTE_ETH_FOREACH_DEV (port) {
		w->txbuf[port] = rte_zmalloc_socket(
			"alk_txbuf", RTE_ETH_TX_BUFFER_SIZE(ALK_BURST), 0,
			socket);
		if (!w->txbuf[port]) {
			alk_worker_free(w);
			return NULL;
		}
		rte_eth_tx_buffer_init(w->txbuf[port], ALK_BURST);
		/* a full TX queue drops the rest of the burst; count it */
		rte_eth_tx_buffer_set_err_callback(
			w->txbuf[port], rte_eth_tx_buffer_count_callback,
			&w->tx_dropped[port]);
	}
	return w;
}

int alk_worker_add_rxq(struct alk_worker *w, uint16_t port, uint16_t queue,
		       uint16_t tx_port)
{
	if (w->nrxq == ALK_WORKER_MAX_RXQ)
		return -ENOSPC;
	if (!w->txbuf[tx_port])
		return -ENODEV;
	w->rxq[w->nrxq++] = (struct alk_rxq){
		.port = port,
		.queue = queue,
		.tx_port = tx_port,
	};
	return 0;
}

void alk_worker_free(struct alk_worker *w)
{
	if (!w)
		return;
	for (int p = 0; p < RTE_MAX_ETHPORTS; p++)
		rte_free(w->txbuf[p]);
	rte_free(w);
}
