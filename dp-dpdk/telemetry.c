/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>

#include <rte_ethdev.h>
#include <rte_telemetry.h>

#include "core/reason_names.h"
#include "tables_dpdk.h"
#include "telemetry.h"
#include "worker.h"

/* Telemetry callbacks take no argument: what they report is set once. */
static struct {
	struct alk_tables *tables;
	struct alk_worker *const *workers;
	unsigned int nworkers;
} src;

static int tel_stats(const char *cmd, const char *params,
		     struct rte_tel_data *d)
{
	uint64_t counters[ALK_R_MAX];

	src.tables->ops->stats_get(src.tables, counters);
	rte_tel_data_start_dict(d);
	for (int r = 0; r < ALK_R_MAX; r++)
		rte_tel_data_add_dict_u64(d, alk_reason_names[r], counters[r]);
	return 0;
}

uint64_t alk_telemetry_tx_dropped(uint16_t port)
{
	uint64_t n = 0;

	for (unsigned int w = 0; w < src.nworkers; w++)
		n += __atomic_load_n(&src.workers[w]->tx_dropped[port],
				     __ATOMIC_RELAXED);
	return n;
}

static int tel_ports(const char *cmd, const char *params,
		     struct rte_tel_data *d)
{
	uint16_t port;

	rte_tel_data_start_dict(d);
	RTE_ETH_FOREACH_DEV (port) {
		struct rte_tel_data *p = rte_tel_data_alloc();
		char name[RTE_ETH_NAME_MAX_LEN], key[8];
		struct rte_eth_stats st;

		if (!p || rte_eth_stats_get(port, &st)) {
			rte_tel_data_free(p);
			continue;
		}
		rte_tel_data_start_dict(p);
		if (rte_eth_dev_get_name_by_port(port, name) == 0)
			rte_tel_data_add_dict_string(p, "name", name);
		rte_tel_data_add_dict_u64(p, "rx", st.ipackets);
		rte_tel_data_add_dict_u64(p, "tx", st.opackets);
		rte_tel_data_add_dict_u64(p, "missed", st.imissed);
		rte_tel_data_add_dict_u64(p, "rx_errors", st.ierrors);
		rte_tel_data_add_dict_u64(p, "rx_nombuf", st.rx_nombuf);
		rte_tel_data_add_dict_u64(p, "tx_errors", st.oerrors);
		rte_tel_data_add_dict_u64(p, "tx_dropped",
					  alk_telemetry_tx_dropped(port));
		snprintf(key, sizeof(key), "%u", port);
		rte_tel_data_add_dict_container(d, key, p, 0);
	}
	return 0;
}

static int tel_tables(const char *cmd, const char *params,
		      struct rte_tel_data *d)
{
	rte_tel_data_start_dict(d);
	for (int tbl = 0; tbl < ALK_T_MAX; tbl++) {
		struct rte_tel_data *t = rte_tel_data_alloc();
		struct alk_table_info info;

		if (!t || src.tables->ops->info(src.tables, tbl, &info)) {
			rte_tel_data_free(t);
			continue;
		}
		rte_tel_data_start_dict(t);
		rte_tel_data_add_dict_u64(t, "count", info.count);
		rte_tel_data_add_dict_u64(t, "capacity", info.capacity);
		rte_tel_data_add_dict_u64(t, "memory", info.memory);
		rte_tel_data_add_dict_container(d, alk_table_name(tbl), t, 0);
	}
	return 0;
}

int alk_telemetry_init(struct alk_tables *tables,
		       struct alk_worker *const *workers, unsigned int nworkers)
{
	src.tables = tables;
	src.workers = workers;
	src.nworkers = nworkers;
	if (rte_telemetry_register_cmd("/alkaid/stats", tel_stats,
				       "Packets by reason (verdict cause), "
				       "summed over lcores. No parameters") ||
	    rte_telemetry_register_cmd("/alkaid/ports", tel_ports,
				       "Per port: rx, tx, missed, errors, "
				       "TX-queue drops. No parameters") ||
	    rte_telemetry_register_cmd(
		    "/alkaid/tables", tel_tables,
		    "Per table: count, capacity, memory. No parameters"))
		return -1;
	return 0;
}
