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

uint16_t alk_mbuf_data_room(uint16_t mtu, uint16_t size)
{
	uint32_t room = RTE_MBUF_DEFAULT_BUF_SIZE;

	if (size)
		room = (uint32_t)size + RTE_PKTMBUF_HEADROOM;
	else if (mtu &&
		 (uint32_t)mtu + FRAME_OVERHEAD + RTE_PKTMBUF_HEADROOM > room)
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
	uint16_t nb_rxd = c->nb_rxd, nb_txd = c->nb_txd, mtu = 0;
	uint32_t buf = rte_pktmbuf_data_room_size(pool) - RTE_PKTMBUF_HEADROOM;
	int socket = rte_eth_dev_socket_id(port);
	int rc, warned = 0;

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
	/* a frame received in segments leaves in them */
	if (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS)
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
	/* frames of the MTU asked (else of the port's) longer than an mbuf
	 * are received in segments where the device can */
	rte_eth_dev_get_mtu(port, &mtu);
	if ((uint32_t)(c->mtu ? c->mtu : mtu) + FRAME_OVERHEAD > buf &&
	    (info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_SCATTER))
		conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_SCATTER;

	rc = rte_eth_dev_configure(port, c->nb_rxq, c->nb_txq, &conf);
	if (rc)
		return fail(err, errlen, rc, "port %u: configure: %s", port,
			    rte_strerror(-rc));
	/* Some devices set no MTU (net_pcap) or none above 1500
	 * (net_af_packet: its kernel interface's MTU is set outside DPDK);
	 * they still carry what their link and the mbufs allow. */
	if (c->mtu && (rc = rte_eth_dev_set_mtu(port, c->mtu))) {
		rte_eth_dev_get_mtu(port, &mtu);
		snprintf(err, errlen,
			 "port %u (%s): MTU %u refused (%s), left at %u; "
			 "frames up to %u bytes fit the mbufs%s",
			 port, info.driver_name, c->mtu, rte_strerror(-rc), mtu,
			 buf,
			 (conf.rxmode.offloads & RTE_ETH_RX_OFFLOAD_SCATTER) ?
				 ", longer ones are received in segments" :
				 " (--mbuf-size)");
		warned = 1;
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
	return warned;
}

void alk_port_stop(uint16_t port)
{
	rte_eth_dev_stop(port);
	rte_eth_dev_close(port);
}
