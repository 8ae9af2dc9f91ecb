/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "ports.h"

/* Outer Ethernet, one VLAN tag and the CRC a PMD may leave in place. */
#define FRAME_OVERHEAD (RTE_ETHER_HDR_LEN + 4 + RTE_ETHER_CRC_LEN)
#define MBUF_CACHE 256

uint16_t alk_mbuf_data_room(uint16_t mtu)
{
	uint32_t room = RTE_MBUF_DEFAULT_BUF_SIZE;

	if (mtu && (uint32_t)mtu + FRAME_OVERHEAD + RTE_PKTMBUF_HEADROOM > room)
		room = (uint32_t)mtu + FRAME_OVERHEAD + RTE_PKTMBUF_HEADROOM;
	return RTE_MIN(room, (uint32_t)UINT16_MAX);
}

struct rte_mempool *alk_mbuf_pool(const char *name, unsigned int n,
				  uint16_t data_room, int socket)
{
	return rte_pktmbuf_pool_create(name, n, MBUF_CACHE, 0, data_room,
				       socket);
}

static int fail(char *err, size_t len, int rc, const char *fmt, ...)
	__rte_format_printf(4, 5);

static int fail(char *err, size_t len, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return rc < 0 ? rc : -rc;
}

int alk_port_start(uint16_t port, const struct alk_port_conf *c,
		   struct rte_mempool *pool, char *err, size_t errlen)
{
	struct rte_eth_conf conf = { 0 };
	struct rte_eth_dev_info info;
	struct rte_eth_txconf txconf;
	uint16_t nb_rxd = c->nb_rxd, nb_txd = c->nb_txd;
	int socket = rte_eth_dev_socket_id(port);
	int rc;

	rc = rte_eth_dev_info_get(port, &info);
	if (rc)
		return fail(err, errlen, rc, "port %u: no device info: %s",
			    port, rte_strerror(-rc));
	if (c->nb_rxq > info.max_rx_queues)
		return fail(err, errlen, EINVAL,
			    "port %u (%s) has at most %u RX queues, %u asked",
			    port, info.driver_name, info.max_rx_queues,
			    c->nb_rxq);
	if (c->nb_txq > info.max_tx_queues)
		return fail(err, errlen, EINVAL,
			    "port %u (%s) has at most %u TX queues; each "
			    "worker needs one, %u asked",
			    port, info.driver_name, info.max_tx_queues,
			    c->nb_txq);
	if (c->nb_rxq > 1) {
		/* overlay senders vary the outer UDP source port per flow:
		 * hashing on it spreads one host's flows over the queues */
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_hf =
			(RTE_ETH_RSS_IP | RTE_ETH_RSS_UDP) &
			info.flow_type_rss_offloads;
		if (!conf.rx_adv_conf.rss_conf.rss_hf)
			return fail(err, errlen, ENOTSUP,
				    "port %u (%s) cannot spread %u RX queues: "
				    "no IP/UDP RSS",
				    port, info.driver_name, c->nb_rxq);
	}
	/* every mbuf comes from one pool and is never shared */
	if (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE)
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE;

	rc = rte_eth_dev_configure(port, c->nb_rxq, c->nb_txq, &conf);
	if (rc)
		return fail(err, errlen, rc, "port %u: configure: %s", port,
			    rte_strerror(-rc));
	if (c->mtu) {
		rc = rte_eth_dev_set_mtu(port, c->mtu);
		if (rc)
			return fail(err, errlen, rc, "port %u: MTU %u: %s",
				    port, c->mtu, rte_strerror(-rc));
	}
	rc = rte_eth_dev_adjust_nb_rx_tx_desc(port, &nb_rxd, &nb_txd);
	if (rc)
		return fail(err, errlen, rc, "port %u: descriptors: %s", port,
			    rte_strerror(-rc));
	for (uint16_t q = 0; q < c->nb_rxq; q++) {
		rc = rte_eth_rx_queue_setup(port, q, nb_rxd, socket, NULL,
					    pool);
		if (rc)
			return fail(err, errlen, rc, "port %u: RX queue %u: %s",
				    port, q, rte_strerror(-rc));
	}
	txconf = info.default_txconf;
	txconf.offloads = conf.txmode.offloads;
	for (uint16_t q = 0; q < c->nb_txq; q++) {
		rc = rte_eth_tx_queue_setup(port, q, nb_txd, socket, &txconf);
		if (rc)
			return fail(err, errlen, rc, "port %u: TX queue %u: %s",
				    port, q, rte_strerror(-rc));
	}
	if (c->promisc) {
		rc = rte_eth_promiscuous_enable(port);
		if (rc)
			return fail(err, errlen, rc,
				    "port %u: promiscuous mode (for "
				    "--gateway-mac): %s",
				    port, rte_strerror(-rc));
	}
	rc = rte_eth_dev_start(port);
	if (rc)
		return fail(err, errlen, rc, "port %u: start: %s", port,
			    rte_strerror(-rc));
	return 0;
}

void alk_port_stop(uint16_t port)
{
	rte_eth_dev_stop(port);
	rte_eth_dev_close(port);
}
