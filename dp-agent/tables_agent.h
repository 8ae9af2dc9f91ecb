/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The host agent's back end of the table API, over the maps of its one
 * program (core/platform/tc.h), pinned by name in one directory:
 *
 *   network  -> alk_networks (LPM trie, keyed as the gateway's)
 *   port     -> alk_ports (by ifindex, resolved from the name), with its
 *               two indexes alk_local_ip (vni, ip) and alk_local_mac
 *               (vni, mac) kept in step; adding a port attaches the
 *               program at TC ingress of its device, deleting detaches
 *   gateway  -> alk_gateway (this host's underlay identity)
 *   (kept)   -> alk_neighbors, the bouncers' next hops' MACs
 *   counters -> alk_stats
 *
 * Gateways' tables (endpoints, VPCs, neighbors) are not served.
 */
#ifndef ALKAID_DP_AGENT_TABLES_AGENT_H
#define ALKAID_DP_AGENT_TABLES_AGENT_H

#include <stdint.h>

#include "tables/tables.h"

struct bpf_object;

#define ALK_AGENT_PROG_NAME "alkaid_agent"

/* Where the program sits on each device's clsact ingress: fixed, so that
 * a restart or a re-add replaces it in one step (BPF_TC_F_REPLACE). */
#define ALK_AGENT_TC_HANDLE 0xa1ca
#define ALK_AGENT_TC_PRIORITY 0xa1

/*
 * Tables over a loaded object's maps; prog_fd is the program every port
 * gets (kept, not owned); underlay_ifindex is where bouncers' neighbors
 * are resolved.  NULL with err set.
 */
struct alk_tables *alk_agent_tables_create(struct bpf_object *obj, int prog_fd,
					   uint32_t underlay_ifindex,
					   struct alk_error *err);

/* The program at TC ingress of ifindex (clsact made if needed), replacing
 * whatever sat at our handle and priority; 0 or -errno. */
int alk_agent_tc_attach(uint32_t ifindex, int prog_fd);
/* Removed from there; absent is not an error.  0 or -errno. */
int alk_agent_tc_detach(uint32_t ifindex);
/* The id of the program at our handle and priority of ifindex, 0: none. */
uint32_t alk_agent_tc_prog_id(uint32_t ifindex);

/* Every port's device attached again (a new program after a restart),
 * and ports whose device is gone forgotten.  Returns how many ports are
 * attached, or -errno. */
int alk_agent_ports_attach(struct alk_tables *t);

/* Ports whose device no longer exists forgotten, with their indexes;
 * returns how many. */
int alk_agent_ports_forget_gone(struct alk_tables *t);

/* Ask the kernel to resolve the underlay next hop of every bouncer of
 * every network (the route's gateway, or the bouncer on link), and keep
 * the MACs it has in alk_neighbors (bouncer -> next hop's MAC), those of
 * bouncers no network has any more removed: an encapsulated ARP request
 * is not IPv4 to the kernel and cannot wait for its resolution.  Returns
 * how many bouncers have a MAC, or -errno. */
int alk_agent_resolve_bouncers(struct alk_tables *t);

#endif
