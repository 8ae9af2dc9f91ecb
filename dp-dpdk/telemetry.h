/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The daemon's counters in DPDK telemetry (dpdk-telemetry.py):
 *   /alkaid/stats   every reason by name, summed over lcores
 *   /alkaid/ports   rx, tx, missed, errors and TX-queue drops per port
 *   /alkaid/tables  count, capacity and memory of every table
 * Callbacks run on the telemetry thread and only read.
 */
#ifndef ALKAID_DP_DPDK_TELEMETRY_H
#define ALKAID_DP_DPDK_TELEMETRY_H

#include <stdint.h>

struct alk_tables;
struct alk_worker;

int alk_telemetry_init(struct alk_tables *tables,
		       struct alk_worker *const *workers,
		       unsigned int nworkers);

/* Frames the workers could not send on port (its TX queues full): the
 * telemetry's tx_dropped, and the metrics'.  After alk_telemetry_init(). */
uint64_t alk_telemetry_tx_dropped(uint16_t port);

#endif
