/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The host agent's tables over its program's pinned maps (tables_agent.h).
 * Ports are named by the control plane and known by ifindex to the
 * program: a name is resolved when a port is added, deleted or looked up,
 * and listing walks alk_ports by ifindex, giving each its device's name
 * (a port whose device is gone is forgotten by alk_agent_ports_forget_gone()).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "tables_agent.h"
#include "tables_bpf.h"

enum agent_map {
	M_GATEWAY,
	M_AGENT,
	M_NETWORKS,
	M_PORTS,
	M_LOCAL_IP,
	M_LOCAL_MAC,
	M_NEIGHBORS,
	M_STATS,
	M_N,
};

static const char *const map_names[M_N] = {
	[M_GATEWAY] = "alk_gateway",	 [M_AGENT] = "alk_agent",
	[M_NETWORKS] = "alk_networks",	 [M_PORTS] = "alk_ports",
	[M_LOCAL_IP] = "alk_local_ip",	 [M_LOCAL_MAC] = "alk_local_mac",
	[M_NEIGHBORS] = "alk_neighbors", [M_STATS] = "alk_stats",
};

struct agent_tables {
	struct alk_tables base;
	int fd[M_N];
	int prog_fd;
	uint32_t underlay_ifindex;
	int ncpus;
	uint64_t *percpu;
	int nl; /* rtnetlink, for neighbor resolution; -1 until needed */
	uint32_t nl_seq;
};

static struct agent_tables *agent(struct alk_tables *t)
{
	return (struct agent_tables *)t;
}

/* --- TC attachment ------------------------------------------------------ */

int alk_agent_tc_attach(uint32_t ifindex, int prog_fd)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
		    .attach_point = BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = ALK_AGENT_TC_HANDLE,
		    .priority = ALK_AGENT_TC_PRIORITY, .prog_fd = prog_fd,
		    .flags = BPF_TC_F_REPLACE);
	int rc = bpf_tc_hook_create(&hook);

	if (rc && rc != -EEXIST)
		return rc;
	return bpf_tc_attach(&hook, &opts);
}

int alk_agent_tc_detach(uint32_t ifindex)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
		    .attach_point = BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = ALK_AGENT_TC_HANDLE,
		    .priority = ALK_AGENT_TC_PRIORITY);
	int rc = bpf_tc_detach(&hook, &opts);

	return rc == -ENOENT || rc == -ENODEV || rc == -EINVAL ? 0 : rc;
}

uint32_t alk_agent_tc_prog_id(uint32_t ifindex)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
		    .attach_point = BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = ALK_AGENT_TC_HANDLE,
		    .priority = ALK_AGENT_TC_PRIORITY);

	return bpf_tc_query(&hook, &opts) ? 0 : opts.prog_id;
}

/* --- networks: the LPM trie, keyed as the gateway's --------------------- */

static int network_update(struct agent_tables *a,
			  const struct alk_network_key *keys,
			  const struct alk_network *vals, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		struct alk_network_lpm_key l;
		struct alk_network v = vals[i];
		int err;

		alk_bpf_network_lpm_key(&keys[i], &l);
		v.plen = keys[i].plen; /* lookup() tells exact entries by it */
		err = bpf_map_update_elem(a->fd[M_NETWORKS], &l, &v, BPF_ANY);
		if (err)
			return err;
	}
	/* new bouncers: their neighbors now, not at the next tick */
	alk_agent_resolve_bouncers(&a->base);
	return 0;
}

static int network_remove(struct agent_tables *a,
			  const struct alk_network_key *keys, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		struct alk_network_lpm_key l;
		int err;

		alk_bpf_network_lpm_key(&keys[i], &l);
		err = bpf_map_delete_elem(a->fd[M_NETWORKS], &l);
		if (err && err != -ENOENT)
			return err;
	}
	return 0;
}

/* --- ports --------------------------------------------------------------- */

static uint32_t port_ifindex(const struct alk_port_key *k)
{
	char name[ALK_IFNAMSIZ + 1] = { 0 };

	memcpy(name, k->dev, ALK_IFNAMSIZ);
	return if_nametoindex(name);
}

/* The indexes of a port's old value removed, unless another port took
 * them over since (a batch moving addresses between ports). */
static void port_unindex(struct agent_tables *a, uint32_t ifindex,
			 const struct alk_port *old)
{
	struct alk_endpoint_key ik;
	struct alk_dhcp_key mk;
	struct alk_local l, cur;

	alk_port_indexes(ifindex, old, &ik, &mk, &l);
	if (!bpf_map_lookup_elem(a->fd[M_LOCAL_IP], &ik, &cur) &&
	    cur.ifindex == ifindex)
		bpf_map_delete_elem(a->fd[M_LOCAL_IP], &ik);
	if (!bpf_map_lookup_elem(a->fd[M_LOCAL_MAC], &mk, &cur) &&
	    cur.ifindex == ifindex)
		bpf_map_delete_elem(a->fd[M_LOCAL_MAC], &mk);
}

/* Every device named, before anything is applied. */
static int agent_check(struct alk_tables *t, enum alk_table tbl,
		       const void *keys, const void *vals, uint32_t n,
		       struct alk_error *err)
{
	const struct alk_port_key *k = keys;

	(void)t;
	(void)vals;
	if (tbl != ALK_T_PORT)
		return 0;
	for (uint32_t i = 0; i < n; i++)
		if (!port_ifindex(&k[i]))
			return alk_error_set(err, i, -ENODEV,
					     "dev %.15s: no such interface",
					     k[i].dev);
	return 0;
}

/* Maps first, then the attachment: the program knows the port from the
 * first frame it sees on it. */
static int port_update(struct agent_tables *a, const struct alk_port_key *keys,
		       const struct alk_port *vals, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		uint32_t ifindex = port_ifindex(&keys[i]);
		struct alk_endpoint_key ik;
		struct alk_dhcp_key mk;
		struct alk_port old;
		struct alk_local l;
		int rc;

		if (!ifindex)
			return -ENODEV;
		if (!bpf_map_lookup_elem(a->fd[M_PORTS], &ifindex, &old))
			port_unindex(a, ifindex, &old);
		alk_port_indexes(ifindex, &vals[i], &ik, &mk, &l);
		rc = bpf_map_update_elem(a->fd[M_PORTS], &ifindex, &vals[i],
					 BPF_ANY);
		if (!rc)
			rc = bpf_map_update_elem(a->fd[M_LOCAL_IP], &ik, &l,
						 BPF_ANY);
		if (!rc)
			rc = bpf_map_update_elem(a->fd[M_LOCAL_MAC], &mk, &l,
						 BPF_ANY);
		if (!rc)
			rc = alk_agent_tc_attach(ifindex, a->prog_fd);
		if (rc)
			return rc;
	}
	return 0;
}

static int port_forget(struct agent_tables *a, uint32_t ifindex)
{
	struct alk_port old;

	if (bpf_map_lookup_elem(a->fd[M_PORTS], &ifindex, &old))
		return 0;
	port_unindex(a, ifindex, &old);
	return bpf_map_delete_elem(a->fd[M_PORTS], &ifindex);
}

/* Detached first: no frame of the port meets a half-removed entry. */
static int port_remove(struct agent_tables *a, const struct alk_port_key *keys,
		       uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		uint32_t ifindex = port_ifindex(&keys[i]);
		int rc;

		if (!ifindex)
			continue; /* gone: forgotten by the next tick */
		rc = alk_agent_tc_detach(ifindex);
		if (!rc)
			rc = port_forget(a, ifindex);
		if (rc && rc != -ENOENT)
			return rc;
	}
	return 0;
}

static int port_lookup(struct agent_tables *a, const struct alk_port_key *k,
		       struct alk_port *val)
{
	uint32_t ifindex = port_ifindex(k);

	if (!ifindex || bpf_map_lookup_elem(a->fd[M_PORTS], &ifindex, val))
		return -ENOENT;
	return 0;
}

/* By ifindex; ports whose device has no name any more are stepped over. */
static int port_next_key(struct agent_tables *a, const struct alk_port_key *key,
			 struct alk_port_key *next)
{
	uint32_t cur, ifindex;
	const void *prev = NULL;
	char name[IF_NAMESIZE];

	if (key) {
		cur = port_ifindex(key);
		if (!cur)
			return -ENOENT; /* renamed or gone meanwhile */
		prev = &cur;
	}
	for (;;) {
		int err = bpf_map_get_next_key(a->fd[M_PORTS], prev, &ifindex);

		if (err)
			return err;
		if (if_indextoname(ifindex, name)) {
			memset(next, 0, sizeof(*next));
			memcpy(next->dev, name,
			       strnlen(name, ALK_IFNAMSIZ - 1));
			return 0;
		}
		cur = ifindex;
		prev = &cur;
	}
}

int alk_agent_ports_forget_gone(struct alk_tables *t)
{
	struct agent_tables *a = agent(t);
	uint32_t ifindex, cur, gone[64];
	const void *prev = NULL;
	char name[IF_NAMESIZE];
	int n = 0;

	while (n < 64 &&
	       !bpf_map_get_next_key(a->fd[M_PORTS], prev, &ifindex)) {
		if (!if_indextoname(ifindex, name))
			gone[n++] = ifindex;
		cur = ifindex;
		prev = &cur;
	}
	for (int i = 0; i < n; i++)
		port_forget(a, gone[i]);
	return n;
}

int alk_agent_ports_attach(struct alk_tables *t)
{
	struct agent_tables *a = agent(t);
	uint32_t ifindex, cur;
	const void *prev = NULL;
	int n = 0, rc = 0;

	alk_agent_ports_forget_gone(t);
	while (!bpf_map_get_next_key(a->fd[M_PORTS], prev, &ifindex)) {
		int err = alk_agent_tc_attach(ifindex, a->prog_fd);

		if (err && !rc)
			rc = err;
		n += !err;
		cur = ifindex;
		prev = &cur;
	}
	return rc ? rc : n;
}

/* --- neighbors of the bouncers ----------------------------------------- */

struct nl_neigh {
	struct nlmsghdr nh;
	struct ndmsg ndm;
	struct rtattr dst_attr;
	__be32 dst;
};

static int nl_open(struct agent_tables *a)
{
	if (a->nl >= 0)
		return 0;
	a->nl = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK,
		       NETLINK_ROUTE);
	return a->nl < 0 ? -errno : 0;
}

static int nl_send(struct agent_tables *a, void *req, size_t len)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };

	return sendto(a->nl, req, len, 0, (struct sockaddr *)&kernel,
		      sizeof(kernel)) < 0 ?
		       -errno :
		       0;
}

/* RTM_NEWNEIGH with NTF_USE: the kernel resolves ip on ifindex (an
 * existing entry is only refreshed), as a frame to it would make it. */
static int neigh_use(struct agent_tables *a, __be32 ip, uint32_t ifindex)
{
	struct nl_neigh req = {
		.nh = {
			.nlmsg_len = sizeof(req),
			.nlmsg_type = RTM_NEWNEIGH,
			.nlmsg_flags = NLM_F_REQUEST | NLM_F_CREATE |
				       NLM_F_REPLACE,
			.nlmsg_seq = ++a->nl_seq,
		},
		.ndm = {
			.ndm_family = AF_INET,
			.ndm_ifindex = ifindex,
			.ndm_state = NUD_NONE,
			.ndm_flags = NTF_USE,
		},
		.dst_attr = { .rta_len = RTA_LENGTH(4), .rta_type = NDA_DST },
		.dst = ip,
	};

	return nl_send(a, &req, sizeof(req));
}

struct nl_route_req {
	struct nlmsghdr nh;
	struct rtmsg rtm;
	struct rtattr dst_attr;
	__be32 dst;
};

/* Send req and wait for its answer (the message of its sequence number;
 * answers to others, errors of neighbor requests, are skipped), handed to
 * fn.  0, fn's value, the request's error, or -ETIMEDOUT. */
static int nl_ask(struct agent_tables *a, struct nlmsghdr *req,
		  int (*fn)(struct nlmsghdr *nh, void *arg), void *arg)
{
	struct pollfd pfd = { .fd = a->nl, .events = POLLIN };
	char buf[8192] __attribute__((aligned(NLMSG_ALIGNTO)));
	int rc;

	req->nlmsg_seq = ++a->nl_seq;
	rc = nl_send(a, req, req->nlmsg_len);
	while (!rc && poll(&pfd, 1, 200) == 1) {
		ssize_t n = recv(a->nl, buf, sizeof(buf), 0);
		struct nlmsghdr *nh = (struct nlmsghdr *)buf;

		if (n < 0)
			return -errno;
		for (; NLMSG_OK(nh, n); nh = NLMSG_NEXT(nh, n)) {
			if (nh->nlmsg_seq != req->nlmsg_seq)
				continue;
			if (nh->nlmsg_type == NLMSG_ERROR)
				return ((struct nlmsgerr *)NLMSG_DATA(nh))
					->error;
			return fn(nh, arg);
		}
	}
	return rc ? rc : -ETIMEDOUT;
}

struct route_answer {
	__be32 hop;
	uint32_t ifindex;
};

static int route_answer(struct nlmsghdr *nh, void *arg)
{
	struct route_answer *r = arg;
	struct rtmsg *rtm = NLMSG_DATA(nh);
	struct rtattr *rta;
	int len = RTM_PAYLOAD(nh);

	if (nh->nlmsg_type != RTM_NEWROUTE)
		return -EPROTO;
	for (rta = RTM_RTA(rtm); RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
		if (rta->rta_type == RTA_GATEWAY)
			memcpy(&r->hop, RTA_DATA(rta), 4);
		else if (rta->rta_type == RTA_OIF)
			memcpy(&r->ifindex, RTA_DATA(rta), 4);
	}
	return 0;
}

/* The next hop towards ip, as the program's FIB lookup finds it: the
 * route's gateway, else ip itself (on link), and its interface. */
static int next_hop(struct agent_tables *a, __be32 ip, struct route_answer *r)
{
	struct nl_route_req req = {
		.nh = {
			.nlmsg_len = sizeof(req),
			.nlmsg_type = RTM_GETROUTE,
			.nlmsg_flags = NLM_F_REQUEST,
		},
		.rtm = { .rtm_family = AF_INET, .rtm_dst_len = 32 },
		.dst_attr = { .rta_len = RTA_LENGTH(4), .rta_type = RTA_DST },
		.dst = ip,
	};

	r->hop = ip;
	r->ifindex = a->underlay_ifindex;
	return nl_ask(a, &req.nh, route_answer, r);
}

static int neigh_answer(struct nlmsghdr *nh, void *arg)
{
	struct ndmsg *ndm = NLMSG_DATA(nh);
	struct rtattr *rta;
	int len = nh->nlmsg_len - NLMSG_LENGTH(sizeof(*ndm));

	if (nh->nlmsg_type != RTM_NEWNEIGH ||
	    !(ndm->ndm_state & (NUD_REACHABLE | NUD_STALE | NUD_DELAY |
				NUD_PROBE | NUD_PERMANENT | NUD_NOARP)))
		return -EAGAIN; /* not resolved (yet) */
	for (rta = (struct rtattr *)((char *)ndm + NLMSG_ALIGN(sizeof(*ndm)));
	     RTA_OK(rta, len); rta = RTA_NEXT(rta, len))
		if (rta->rta_type == NDA_LLADDR && RTA_PAYLOAD(rta) == 6) {
			memcpy(arg, RTA_DATA(rta), 6);
			return 0;
		}
	return -EAGAIN;
}

/* The kernel's MAC for hop on ifindex, if it has one. */
static int neigh_get(struct agent_tables *a, __be32 hop, uint32_t ifindex,
		     uint8_t mac[6])
{
	struct nl_neigh req = {
		.nh = {
			.nlmsg_len = sizeof(req),
			.nlmsg_type = RTM_GETNEIGH,
			.nlmsg_flags = NLM_F_REQUEST,
		},
		.ndm = { .ndm_family = AF_INET, .ndm_ifindex = ifindex },
		.dst_attr = { .rta_len = RTA_LENGTH(4), .rta_type = NDA_DST },
		.dst = hop,
	};

	return nl_ask(a, &req.nh, neigh_answer, mac);
}

static int has_ip(const __be32 *set, int n, __be32 ip)
{
	for (int i = 0; i < n; i++)
		if (set[i] == ip)
			return 1;
	return 0;
}

/* Entries of alk_neighbors for gateways no network has any more. */
static void neighbors_prune(struct agent_tables *a, const __be32 *bouncers,
			    int n)
{
	struct alk_neighbor_key k, cur, gone[64];
	const void *prev = NULL;
	int ngone = 0;

	while (ngone < 64 &&
	       !bpf_map_get_next_key(a->fd[M_NEIGHBORS], prev, &k)) {
		if (!has_ip(bouncers, n, k.ip))
			gone[ngone++] = k;
		cur = k;
		prev = &cur;
	}
	for (int i = 0; i < ngone; i++)
		bpf_map_delete_elem(a->fd[M_NEIGHBORS], &gone[i]);
}

#define MAX_BOUNCERS 1024

int alk_agent_resolve_bouncers(struct alk_tables *t)
{
	struct agent_tables *a = agent(t);
	struct alk_network_lpm_key l, cur;
	const void *prev = NULL;
	__be32 *bouncers;
	int n = 0, known = 0, rc;

	if (!a->underlay_ifindex)
		return 0;
	rc = nl_open(a);
	if (rc)
		return rc;
	bouncers = calloc(MAX_BOUNCERS, sizeof(*bouncers));
	if (!bouncers)
		return -ENOMEM;
	while (!bpf_map_get_next_key(a->fd[M_NETWORKS], prev, &l)) {
		struct alk_network v;

		cur = l;
		prev = &cur;
		if (bpf_map_lookup_elem(a->fd[M_NETWORKS], &l, &v))
			continue;
		for (uint32_t h = 0; h < v.nbouncers && h < ALK_MAX_HOPS; h++)
			if (n < MAX_BOUNCERS &&
			    !has_ip(bouncers, n, v.bouncers[h]))
				bouncers[n++] = v.bouncers[h];
	}
	for (int i = 0; i < n; i++) {
		struct alk_neighbor_key k = { .ip = bouncers[i] };
		struct alk_neighbor nb = { 0 }, old;
		struct route_answer r;

		if (next_hop(a, bouncers[i], &r))
			continue; /* no route: nothing to resolve */
		/* refreshed (or resolved) by the kernel, as a frame would */
		neigh_use(a, r.hop, r.ifindex);
		if (neigh_get(a, r.hop, r.ifindex, nb.mac))
			continue; /* the next round finds it */
		known++;
		if (!bpf_map_lookup_elem(a->fd[M_NEIGHBORS], &k, &old) &&
		    !memcmp(old.mac, nb.mac, 6))
			continue;
		bpf_map_update_elem(a->fd[M_NEIGHBORS], &k, &nb, BPF_ANY);
	}
	neighbors_prune(a, bouncers, n);
	free(bouncers);
	return known;
}

/* --- the ops ------------------------------------------------------------- */

static int agent_update(struct alk_tables *t, enum alk_table tbl,
			const void *keys, const void *vals, uint32_t n)
{
	if (tbl == ALK_T_NETWORK)
		return network_update(agent(t), keys, vals, n);
	if (tbl == ALK_T_PORT)
		return port_update(agent(t), keys, vals, n);
	return -EOPNOTSUPP;
}

static int agent_remove(struct alk_tables *t, enum alk_table tbl,
			const void *keys, uint32_t n)
{
	if (tbl == ALK_T_NETWORK)
		return network_remove(agent(t), keys, n);
	if (tbl == ALK_T_PORT)
		return port_remove(agent(t), keys, n);
	return -EOPNOTSUPP;
}

static int agent_lookup(struct alk_tables *t, enum alk_table tbl,
			const void *key, void *val)
{
	if (tbl == ALK_T_NETWORK)
		return alk_bpf_network_lookup(agent(t)->fd[M_NETWORKS], key,
					      val);
	if (tbl == ALK_T_PORT)
		return port_lookup(agent(t), key, val);
	return -EOPNOTSUPP;
}

static int agent_next_key(struct alk_tables *t, enum alk_table tbl,
			  const void *key, void *next)
{
	if (tbl == ALK_T_NETWORK)
		return alk_bpf_network_next_key(agent(t)->fd[M_NETWORKS], key,
						next);
	if (tbl == ALK_T_PORT)
		return port_next_key(agent(t), key, next);
	return -EOPNOTSUPP;
}

static int agent_info(struct alk_tables *t, enum alk_table tbl,
		      struct alk_table_info *info)
{
	struct agent_tables *a = agent(t);
	struct bpf_map_info mi = { 0 };
	uint32_t len = sizeof(mi);
	int fd = tbl == ALK_T_NETWORK ? a->fd[M_NETWORKS] :
		 tbl == ALK_T_PORT    ? a->fd[M_PORTS] :
					-1;
	uint8_t key[sizeof(struct alk_network_lpm_key)];
	const void *prev = NULL;
	uint8_t cur[sizeof(key)];
	uint64_t count = 0;
	int err;

	if (fd < 0)
		return -EOPNOTSUPP;
	err = bpf_obj_get_info_by_fd(fd, &mi, &len);
	if (err)
		return err;
	while (!bpf_map_get_next_key(fd, prev, key)) {
		count++;
		memcpy(cur, key, sizeof(cur));
		prev = cur;
	}
	info->count = count;
	info->capacity = mi.max_entries;
	info->memory = alk_bpf_map_memlock(fd);
	if (tbl == ALK_T_PORT) /* and its two indexes */
		info->memory += alk_bpf_map_memlock(a->fd[M_LOCAL_IP]) +
				alk_bpf_map_memlock(a->fd[M_LOCAL_MAC]);
	return 0;
}

static int agent_gateway_get(struct alk_tables *t, struct alk_gateway *gw)
{
	uint32_t zero = 0;

	return bpf_map_lookup_elem(agent(t)->fd[M_GATEWAY], &zero, gw);
}

static int agent_gateway_set(struct alk_tables *t, const struct alk_gateway *gw)
{
	uint32_t zero = 0;

	return bpf_map_update_elem(agent(t)->fd[M_GATEWAY], &zero, gw, BPF_ANY);
}

static int agent_stats_get(struct alk_tables *t, uint64_t counters[ALK_R_MAX])
{
	struct agent_tables *a = agent(t);

	for (uint32_t r = 0; r < ALK_R_MAX; r++) {
		int err = bpf_map_lookup_elem(a->fd[M_STATS], &r, a->percpu);

		if (err)
			return err;
		counters[r] = 0;
		for (int c = 0; c < a->ncpus; c++)
			counters[r] += a->percpu[c];
	}
	return 0;
}

static int agent_stats_reset(struct alk_tables *t)
{
	struct agent_tables *a = agent(t);

	memset(a->percpu, 0, a->ncpus * sizeof(*a->percpu));
	for (uint32_t r = 0; r < ALK_R_MAX; r++) {
		int err = bpf_map_update_elem(a->fd[M_STATS], &r, a->percpu,
					      BPF_ANY);

		if (err)
			return err;
	}
	return 0;
}

static void agent_close(struct alk_tables *t)
{
	struct agent_tables *a = agent(t);

	if (!a)
		return;
	if (a->nl >= 0)
		close(a->nl);
	free(a->percpu);
	free(a);
}

static const struct alk_tables_ops agent_ops = {
	.name = "agent",
	.update = agent_update,
	.remove = agent_remove,
	.lookup = agent_lookup,
	.next_key = agent_next_key,
	.info = agent_info,
	.check = agent_check,
	.gateway_get = agent_gateway_get,
	.gateway_set = agent_gateway_set,
	.stats_get = agent_stats_get,
	.stats_reset = agent_stats_reset,
	.close = agent_close,
};

struct alk_tables *alk_agent_tables_create(struct bpf_object *obj, int prog_fd,
					   uint32_t underlay_ifindex,
					   struct alk_error *err)
{
	struct agent_tables *a = calloc(1, sizeof(*a));

	if (!a) {
		alk_error_set(err, -1, -ENOMEM, "out of memory");
		return NULL;
	}
	a->base.ops = &agent_ops;
	a->base.serves = ALK_TABLES_AGENT;
	a->prog_fd = prog_fd;
	a->underlay_ifindex = underlay_ifindex;
	a->nl = -1;
	for (int i = 0; i < M_N; i++) {
		struct bpf_map *m =
			bpf_object__find_map_by_name(obj, map_names[i]);

		a->fd[i] = m ? bpf_map__fd(m) : -1;
		if (a->fd[i] < 0) {
			alk_error_set(err, -1, -ENOENT,
				      "%s: the program has no map %s",
				      bpf_object__name(obj), map_names[i]);
			free(a);
			return NULL;
		}
	}
	a->ncpus = libbpf_num_possible_cpus();
	a->percpu = a->ncpus > 0 ? calloc(a->ncpus, sizeof(uint64_t)) : NULL;
	if (!a->percpu) {
		alk_error_set(err, -1, -ENOMEM, "out of memory");
		free(a);
		return NULL;
	}
	return &a->base;
}
