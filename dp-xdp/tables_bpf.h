/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The BPF-map back end of the table API (tables/tables.h): the maps of
 * core/platform/xdp.h, reached either through the bpf_object that loaded
 * them or through their pins, so that any process (the daemon, alkaidctl's
 * tests, the golden-packet runner) can program a running data plane.
 *
 * The endpoints and the DHCP index are flat tables (core/flat.h, tables/
 * flat.h) in mmapped array maps, written in place by one writer at a time:
 * a tool programs the pins of an interface no daemon is serving.
 *
 * Pins live in one directory per interface:
 *
 *   <bpffs>/alkaid/<ifname>/alk_gateway, alk_endpoints, alk_networks,
 *                           alk_vpcs, alk_neighbors, alk_dhcp_index,
 *                           alk_stats
 */
#ifndef ALKAID_DP_XDP_TABLES_BPF_H
#define ALKAID_DP_XDP_TABLES_BPF_H

#include <stddef.h>

#include "tables/tables.h"

struct bpf_object;

#define ALK_BPFFS_DEFAULT "/sys/fs/bpf"
#define ALK_BPF_PROG_NAME "alkaid_xdp"

/* Map names, as in core/platform/xdp.h. */
#define ALK_BPF_MAP_GATEWAY "alk_gateway"
#define ALK_BPF_MAP_STATS "alk_stats"
const char *alk_bpf_map_name(enum alk_table tbl);

/* "<bpffs>/alkaid/<ifname>" into buf; -ENAMETOOLONG if it does not fit. */
int alk_bpf_pin_dir(char *buf, size_t len, const char *bpffs,
		    const char *ifname);

/*
 * Tables over the maps of a loaded object.  The handle holds its own
 * descriptors: it stays valid after bpf_object__close().  NULL on error,
 * with err->msg saying why.
 */
struct alk_tables *alk_bpf_tables_from_object(struct bpf_object *obj,
					      struct alk_error *err);

/* Tables over the maps pinned in dir (see alk_bpf_pin_dir). */
struct alk_tables *alk_bpf_tables_open_pinned(const char *dir,
					      struct alk_error *err);

/* What the kernel charges for a map (memlock in /proc/self/fdinfo), or 0. */
uint64_t alk_bpf_map_memlock(int fd);

/* The networks' LPM trie (every BPF program's alk_networks): the trie's
 * key of a network, and the exact-key lookup and iteration of the table
 * API over it (entries not written through it are stepped over). */
void alk_bpf_network_lpm_key(const struct alk_network_key *k,
			     struct alk_network_lpm_key *l);
int alk_bpf_network_lookup(int fd, const struct alk_network_key *k,
			   struct alk_network *val);
int alk_bpf_network_next_key(int fd, const struct alk_network_key *key,
			     struct alk_network_key *next);

/* Empty every table, the gateway entry and the counters (tests). */
int alk_bpf_tables_clear(struct alk_tables *t);

/*
 * Loading.  Set the capacities of an opened, not yet loaded object (the
 * DHCP index is sized like the endpoints, one entry per endpoint).  The
 * flat tables' maps are made and laid out here (their heads written),
 * unless they are pinned where the object's pin path says.
 */
int alk_bpf_set_sizes(struct bpf_object *obj, const struct alk_table_sizes *s);

/*
 * Compare the maps pinned in dir with those of an opened object and the
 * sizes asked (as given to alk_bpf_set_sizes()) before it is loaded, since
 * libbpf would otherwise refuse to reuse them with a terse "parameter
 * mismatch", or take a flat table made for another capacity in as many
 * buckets.  Returns the number of maps found pinned (0: a first start), or
 * -EEXIST when one differs, with err->msg naming the map and both values,
 * and *pinned (when not NULL) filled with the sizes the pinned tables have
 * (a flat table's head says its capacity).
 */
int alk_bpf_check_pinned(struct bpf_object *obj, const char *dir,
			 const struct alk_table_sizes *sizes,
			 struct alk_table_sizes *pinned, struct alk_error *err);

/* Remove the pins of dir (absent ones are fine), then dir itself. */
int alk_bpf_unpin(const char *dir);

#endif
