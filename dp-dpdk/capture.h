/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * alkaid-dpdk's capture (capture.start on the control socket): the
 * workers copy the frames it takes into records of a mempool of its own
 * (never the packets' pool, which RX must not run short of) and put them
 * on one multi-producer ring; the main lcore drains it on a timer and
 * hands each record to the control server.  Off, a worker pays one test
 * of `on` a burst and one of a register a frame (bench/dpdk: the
 * _nocapture rows; ALK_NO_CAPTURE builds the workers without even that).
 */
#ifndef ALKAID_DP_DPDK_CAPTURE_H
#define ALKAID_DP_DPDK_CAPTURE_H

#include <stdint.h>

#include <rte_common.h>
#include <rte_mempool.h>
#include <rte_ring.h>

#include "ctl/capture.h"

#define ALK_DPDK_CAPTURE_RECORDS 1024 /* in flight, workers to main lcore */

struct alk_dpdk_capture {
	uint32_t on;	  /* written by the main lcore, read once a burst */
	uint32_t ingress; /* the frame as it arrived, before the core */
	uint32_t snaplen;
	int32_t port; /* -1: every port */
	uint64_t reasons[ALK_CAPTURE_WORDS];
	struct rte_ring *ring;	  /* of struct alk_dpdk_capture_rec * */
	struct rte_mempool *pool; /* the records */
	uint64_t lost;		  /* no record free, or the ring full */
} __rte_cache_aligned;

struct alk_dpdk_capture_rec {
	uint64_t ts_ns; /* CLOCK_REALTIME */
	uint32_t len, caplen;
	uint16_t port;
	uint16_t reason;
	uint8_t ingress;
	uint8_t data[ALK_CAPTURE_SNAP_MAX];
};

/* What a worker reads while no capture was ever started. */
extern struct alk_dpdk_capture alk_dpdk_capture_off;

struct alk_loop;
struct alk_ctl_server;

/* The daemon's capture, whose ops the control server is given; the
 * server itself once it exists.  The state is the workers' (w->capture). */
struct alk_dpdk_capture *alk_dpdk_capture_create(struct alk_loop *loop);
const struct alk_capture_ops *alk_dpdk_capture_ops(void);
void alk_dpdk_capture_serve(struct alk_ctl_server *srv);

#endif
