/* SPDX-License-Identifier: BSD-3-Clause */
/* Ports: configuration, queues with RSS, and their mbuf pools. */
#ifndef ALKAID_DP_DPDK_PORTS_H
#define ALKAID_DP_DPDK_PORTS_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mempool.h>

struct alk_port_conf {
	uint16_t nb_rxq; /* spread by RSS when more than one */
	uint16_t nb_txq; /* one per worker: TX needs no lock */
	uint16_t nb_rxd;
	uint16_t nb_txd;
	uint16_t mtu; /* 0: leave the port's own */
	bool promisc; /* the gateway MAC is not the port's */
};

/* Configure and start a port.  Returns 0; 1 when it started with a
 * warning written in err (an MTU the device refused); on failure -errno,
 * and why in err. */
int alk_port_start(uint16_t port, const struct alk_port_conf *c,
		   struct rte_mempool *pool, char *err, size_t errlen);

void alk_port_stop(uint16_t port);

/* Data room of the mbufs: size bytes of frame if given, else enough for
 * frames of this MTU in one segment (0, 0: DPDK's default, 2 KiB). */
uint16_t alk_mbuf_data_room(uint16_t mtu, uint16_t size);

/* An mbuf pool of n buffers on socket. */
struct rte_mempool *alk_mbuf_pool(const char *name, unsigned int n,
				  uint16_t data_room, int socket);

#endif
