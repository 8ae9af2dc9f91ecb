/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The table front end: validation, batches applied all-or-nothing, and the
 * DHCP index kept in step with the endpoints.  Back ends only store.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "schema.h"
#include "tables.h"

static const struct {
	const char *name;
	size_t key, val;
} table_desc[ALK_T_MAX] = {
	[ALK_T_ENDPOINT] = { "endpoint", sizeof(struct alk_endpoint_key),
			     sizeof(struct alk_endpoint) },
	[ALK_T_NETWORK] = { "network", sizeof(struct alk_network_key),
			    sizeof(struct alk_network) },
	[ALK_T_VPC] = { "vpc", sizeof(struct alk_vpc_key),
			sizeof(struct alk_vpc) },
	[ALK_T_NEIGHBOR] = { "neighbor", sizeof(struct alk_neighbor_key),
			     sizeof(struct alk_neighbor) },
	[ALK_T_DHCP] = { "dhcp", sizeof(struct alk_dhcp_key),
			 sizeof(struct alk_dhcp) },
	[ALK_T_PORT] = { "port", sizeof(struct alk_port_key),
			 sizeof(struct alk_port) },
};

size_t alk_table_key_size(enum alk_table tbl)
{
	return table_desc[tbl].key;
}

size_t alk_table_val_size(enum alk_table tbl)
{
	return table_desc[tbl].val;
}

const char *alk_table_name(enum alk_table tbl)
{
	return table_desc[tbl].name;
}

void alk_table_sizes_default(struct alk_table_sizes *s)
{
	s->endpoints = ALK_DEFAULT_ENDPOINTS;
	s->networks = ALK_DEFAULT_NETWORKS;
	s->vpcs = ALK_DEFAULT_VPCS;
	s->neighbors = ALK_DEFAULT_NEIGHBORS;
	s->ports = ALK_DEFAULT_PORTS;
}

int alk_error_set(struct alk_error *err, int64_t index, int rc, const char *fmt,
		  ...)
{
	va_list ap;

	if (err) {
		err->index = index;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return rc;
}

static const char *ip_str(__be32 ip, char *buf)
{
	return inet_ntop(AF_INET, &ip, buf, INET_ADDRSTRLEN);
}

static int mac_is_unicast(const uint8_t *mac)
{
	static const uint8_t zero[6];

	return !(mac[0] & 1) && memcmp(mac, zero, 6);
}

/* A usable unicast IPv4 address: not 0/8, loopback, multicast, broadcast. */
static int ip_is_unicast(__be32 ip)
{
	uint32_t a = ntohl(ip);

	return (a >> 24) != 0 && (a >> 24) != 127 && (a >> 28) < 14;
}

static int check_vni(uint32_t vni, int64_t i, struct alk_error *err)
{
	if (vni > ALK_VNI_MAX)
		return alk_error_set(err, i, -EINVAL,
				     "vni %u out of range (0-%u)", vni,
				     ALK_VNI_MAX);
	return 0;
}

int alk_table_lookup_each(struct alk_tables *t, enum alk_table tbl,
			  const void *keys, uint32_t n, void *vals,
			  uint8_t *found)
{
	size_t ks = alk_table_key_size(tbl), vs = alk_table_val_size(tbl);

	for (uint32_t i = 0; i < n; i++)
		found[i] =
			!t->ops->lookup(t, tbl, (const uint8_t *)keys + i * ks,
					(uint8_t *)vals + i * vs);
	return 0;
}

int alk_table_lookup_bulk(struct alk_tables *t, enum alk_table tbl,
			  const void *keys, uint32_t n, void *vals,
			  uint8_t *found)
{
	if (t->ops->lookup_bulk)
		return t->ops->lookup_bulk(t, tbl, keys, n, vals, found);
	return alk_table_lookup_each(t, tbl, keys, n, vals, found);
}

static int table_info(struct alk_tables *t, enum alk_table tbl,
		      struct alk_table_info *info, struct alk_error *err)
{
	int rc = t->ops->info(t, tbl, info);

	return rc ? alk_error_set(err, -1, rc, "%s table: cannot read its size",
				  alk_table_name(tbl)) :
		    0;
}

/* Room in a table of info for the fresh keys of a batch. */
static int check_room(enum alk_table tbl, const struct alk_table_info *info,
		      uint64_t fresh, struct alk_error *err)
{
	if (info->count + fresh > info->capacity)
		return alk_error_set(
			err, -1, -ENOSPC,
			"%s table full: %llu of %llu used, batch adds %llu",
			alk_table_name(tbl), (unsigned long long)info->count,
			(unsigned long long)info->capacity,
			(unsigned long long)fresh);
	return 0;
}

static int check_capacity(struct alk_tables *t, enum alk_table tbl,
			  const void *keys, uint32_t n, struct alk_error *err)
{
	size_t vs = alk_table_val_size(tbl);
	struct alk_table_info info;
	uint64_t fresh = 0;
	uint8_t *found;
	void *vals;
	int rc;

	rc = table_info(t, tbl, &info, err);
	if (rc || info.count + n <= info.capacity)
		return rc;
	/* near full: count the keys that are new */
	found = malloc(n);
	vals = malloc((size_t)n * vs);
	rc = found && vals ?
		     alk_table_lookup_bulk(t, tbl, keys, n, vals, found) :
		     -ENOMEM;
	for (uint32_t i = 0; !rc && i < n; i++)
		fresh += !found[i];
	free(found);
	free(vals);
	if (rc)
		return alk_error_set(err, -1, rc, "%s table: lookup failed: %s",
				     alk_table_name(tbl), strerror(-rc));
	return check_room(tbl, &info, fresh, err);
}

static int apply(struct alk_tables *t, enum alk_table tbl, const void *keys,
		 const void *vals, uint32_t n, struct alk_error *err)
{
	int rc = t->ops->update(t, tbl, keys, vals, n);

	if (rc)
		return alk_error_set(err, -1, rc, "%s table: update failed: %s",
				     alk_table_name(tbl), strerror(-rc));
	return 0;
}

/* A MAC is one endpoint per VNI: within the batch too.  Sorting by
 * (vni, mac) makes it one pass, whatever the batch size. */
struct mac_use {
	uint32_t vni;
	uint8_t mac[6];
	__be32 ip;
	uint32_t index;
};

static int mac_use_cmp(const void *a, const void *b)
{
	const struct mac_use *x = a, *y = b;
	int c;

	if (x->vni != y->vni)
		return x->vni < y->vni ? -1 : 1;
	c = memcmp(x->mac, y->mac, 6);
	if (c)
		return c;
	return x->index < y->index ? -1 : x->index > y->index;
}

static int check_batch_macs(const struct alk_endpoint_key *keys,
			    const struct alk_endpoint *vals, uint32_t n,
			    struct alk_error *err)
{
	struct mac_use *u;
	int rc = 0;

	if (n < 2)
		return 0;
	u = malloc(n * sizeof(*u));
	if (!u)
		return alk_error_set(err, -1, -ENOMEM, "out of memory");
	for (uint32_t i = 0; i < n; i++) {
		u[i].vni = keys[i].vni;
		memcpy(u[i].mac, vals[i].mac, 6);
		u[i].ip = keys[i].ip;
		u[i].index = i;
	}
	qsort(u, n, sizeof(*u), mac_use_cmp);
	for (uint32_t i = 1; i < n && !rc; i++)
		if (u[i].vni == u[i - 1].vni &&
		    !memcmp(u[i].mac, u[i - 1].mac, 6) &&
		    u[i].ip != u[i - 1].ip)
			rc = alk_error_set(
				err, u[i].index, -EEXIST,
				"mac repeated in the batch (entry %u)",
				u[i - 1].index);
	free(u);
	return rc;
}

/* A batch of endpoints: one bulk lookup per table for what it replaces
 * and which MACs are taken, then the endpoints, then their DHCP index. */
int alk_endpoints_add(struct alk_tables *t, const struct alk_endpoint_key *keys,
		      const struct alk_endpoint *vals, uint32_t n,
		      struct alk_error *err)
{
	struct alk_dhcp_key *dkeys = NULL, *stale = NULL;
	struct alk_dhcp *dvals = NULL, *owner = NULL;
	struct alk_endpoint *old = NULL;
	struct alk_table_info info;
	uint8_t *found = NULL;
	uint32_t nstale = 0, fresh = 0;
	char a[INET_ADDRSTRLEN];
	int rc;

	for (uint32_t i = 0; i < n; i++) {
		rc = check_vni(keys[i].vni, i, err);
		if (rc)
			return rc;
		if (!ip_is_unicast(keys[i].ip))
			return alk_error_set(err, i, -EINVAL,
					     "ip %s is not a unicast address",
					     ip_str(keys[i].ip, a));
		if (!ip_is_unicast(vals[i].host))
			return alk_error_set(err, i, -EINVAL,
					     "host %s is not a unicast address",
					     ip_str(vals[i].host, a));
		if (!mac_is_unicast(vals[i].mac))
			return alk_error_set(
				err, i, -EINVAL,
				"mac is not a unicast Ethernet address");
	}
	rc = check_batch_macs(keys, vals, n, err);
	if (rc || !n)
		return rc;
	dkeys = calloc(n, sizeof(*dkeys));
	dvals = calloc(n, sizeof(*dvals));
	stale = calloc(n, sizeof(*stale));
	owner = calloc(n, sizeof(*owner));
	old = calloc(n, sizeof(*old));
	found = calloc(n, 2);
	if (!dkeys || !dvals || !stale || !owner || !old || !found) {
		rc = alk_error_set(err, -1, -ENOMEM, "out of memory");
		goto out;
	}
	for (uint32_t i = 0; i < n; i++) {
		dkeys[i].vni = keys[i].vni;
		memcpy(dkeys[i].mac, vals[i].mac, 6);
		dvals[i].ip = keys[i].ip;
	}
	rc = alk_table_lookup_bulk(t, ALK_T_ENDPOINT, keys, n, old, found);
	if (!rc)
		rc = alk_table_lookup_bulk(t, ALK_T_DHCP, dkeys, n, owner,
					   found + n);
	if (rc) {
		rc = alk_error_set(err, -1, rc,
				   "endpoint table: lookup failed: %s",
				   strerror(-rc));
		goto out;
	}
	for (uint32_t i = 0; i < n; i++) {
		fresh += !found[i];
		/* a MAC is one endpoint per VNI: DHCP finds clients by it */
		if (found[n + i] && owner[i].ip != keys[i].ip) {
			rc = alk_error_set(
				err, i, -EEXIST,
				"mac already belongs to endpoint %s in vni %u",
				ip_str(owner[i].ip, a), keys[i].vni);
			goto out;
		}
		if (found[i] && memcmp(old[i].mac, vals[i].mac, 6)) {
			stale[nstale].vni = keys[i].vni;
			memcpy(stale[nstale].mac, old[i].mac, 6);
			nstale++;
		}
	}
	rc = table_info(t, ALK_T_ENDPOINT, &info, err);
	if (!rc)
		rc = check_room(ALK_T_ENDPOINT, &info, fresh, err);
	if (rc)
		goto out;
	/* endpoints first: the index never points at a missing endpoint
	 * for longer than the two updates take */
	rc = apply(t, ALK_T_ENDPOINT, keys, vals, n, err);
	if (!rc && nstale)
		rc = t->ops->remove(t, ALK_T_DHCP, stale, nstale);
	if (!rc)
		rc = apply(t, ALK_T_DHCP, dkeys, dvals, n, err);
out:
	free(dkeys);
	free(dvals);
	free(stale);
	free(owner);
	free(old);
	free(found);
	return rc;
}

int alk_endpoints_del(struct alk_tables *t, const struct alk_endpoint_key *keys,
		      uint32_t n, struct alk_error *err)
{
	struct alk_dhcp_key *dkeys = NULL;
	struct alk_endpoint *old = NULL;
	uint8_t *found = NULL;
	uint32_t nd = 0;
	int rc;

	for (uint32_t i = 0; i < n; i++) {
		rc = check_vni(keys[i].vni, i, err);
		if (rc)
			return rc;
	}
	if (!n)
		return 0;
	dkeys = calloc(n, sizeof(*dkeys));
	old = calloc(n, sizeof(*old));
	found = calloc(n, 1);
	rc = dkeys && old && found ?
		     alk_table_lookup_bulk(t, ALK_T_ENDPOINT, keys, n, old,
					   found) :
		     -ENOMEM;
	for (uint32_t i = 0; !rc && i < n; i++) {
		if (!found[i])
			continue;
		dkeys[nd].vni = keys[i].vni;
		memcpy(dkeys[nd].mac, old[i].mac, 6);
		nd++;
	}
	if (!rc)
		rc = t->ops->remove(t, ALK_T_DHCP, dkeys, nd);
	if (!rc)
		rc = t->ops->remove(t, ALK_T_ENDPOINT, keys, n);
	free(dkeys);
	free(old);
	free(found);
	return rc ? alk_error_set(err, -1, rc,
				  "endpoint table: delete failed: %s",
				  strerror(-rc)) :
		    0;
}

static int removed(int rc, enum alk_table tbl, struct alk_error *err)
{
	return rc ? alk_error_set(err, -1, rc, "%s table: delete failed: %s",
				  alk_table_name(tbl), strerror(-rc)) :
		    0;
}

static int check_hops(const __be32 *hops, uint32_t n, const char *what,
		      int64_t i, struct alk_error *err)
{
	char a[INET_ADDRSTRLEN];

	if (n < 1 || n > ALK_MAX_HOPS)
		return alk_error_set(err, i, -EINVAL,
				     "%s: between 1 and %d needed, got %u",
				     what, ALK_MAX_HOPS, n);
	for (uint32_t h = 0; h < n; h++)
		if (!ip_is_unicast(hops[h]))
			return alk_error_set(err, i, -EINVAL,
					     "%s: %s is not a unicast address",
					     what, ip_str(hops[h], a));
	return 0;
}

/* Prefix keys with host bits cleared, as the back ends store them. */
static int network_key_check(const struct alk_network_key *k, int64_t i,
			     struct alk_error *err)
{
	char a[INET_ADDRSTRLEN];
	int rc = check_vni(k->vni, i, err);

	if (rc)
		return rc;
	if (k->plen > 32)
		return alk_error_set(err, i, -EINVAL,
				     "prefix length %u out of range (0-32)",
				     k->plen);
	if (k->prefix & ~alk_prefix_mask(k->plen))
		return alk_error_set(err, i, -EINVAL,
				     "prefix %s/%u has host bits set",
				     ip_str(k->prefix, a), k->plen);
	return 0;
}

int alk_networks_add(struct alk_tables *t, const struct alk_network_key *keys,
		     const struct alk_network *vals, uint32_t n,
		     struct alk_error *err)
{
	struct alk_network *copy;
	int rc;

	for (uint32_t i = 0; i < n; i++) {
		rc = network_key_check(&keys[i], i, err);
		if (rc)
			return rc;
		rc = check_hops(vals[i].bouncers, vals[i].nbouncers, "bouncers",
				i, err);
		if (rc)
			return rc;
		if (vals[i].mtu && vals[i].mtu < 68)
			return alk_error_set(err, i, -EINVAL, "mtu %u below 68",
					     vals[i].mtu);
	}
	rc = check_capacity(t, ALK_T_NETWORK, keys, n, err);
	if (rc)
		return rc;
	copy = malloc((n ? n : 1) * sizeof(*copy));
	if (!copy)
		return alk_error_set(err, -1, -ENOMEM, "out of memory");
	memcpy(copy, vals, n * sizeof(*copy));
	for (uint32_t i = 0; i < n; i++) {
		copy[i].plen = keys[i].plen; /* the mask DHCP hands out */
		for (uint32_t h = copy[i].nbouncers; h < ALK_MAX_HOPS; h++)
			copy[i].bouncers[h] = 0;
	}
	rc = apply(t, ALK_T_NETWORK, keys, copy, n, err);
	free(copy);
	return rc;
}

int alk_networks_del(struct alk_tables *t, const struct alk_network_key *keys,
		     uint32_t n, struct alk_error *err)
{
	for (uint32_t i = 0; i < n; i++) {
		int rc = network_key_check(&keys[i], i, err);

		if (rc)
			return rc;
	}
	return removed(t->ops->remove(t, ALK_T_NETWORK, keys, n), ALK_T_NETWORK,
		       err);
}

int alk_vpcs_add(struct alk_tables *t, const struct alk_vpc_key *keys,
		 const struct alk_vpc *vals, uint32_t n, struct alk_error *err)
{
	int rc;

	for (uint32_t i = 0; i < n; i++) {
		rc = check_vni(keys[i].vni, i, err);
		if (!rc)
			rc = check_hops(vals[i].dividers, vals[i].ndividers,
					"dividers", i, err);
		if (rc)
			return rc;
	}
	rc = check_capacity(t, ALK_T_VPC, keys, n, err);
	return rc ? rc : apply(t, ALK_T_VPC, keys, vals, n, err);
}

int alk_vpcs_del(struct alk_tables *t, const struct alk_vpc_key *keys,
		 uint32_t n, struct alk_error *err)
{
	for (uint32_t i = 0; i < n; i++) {
		int rc = check_vni(keys[i].vni, i, err);

		if (rc)
			return rc;
	}
	return removed(t->ops->remove(t, ALK_T_VPC, keys, n), ALK_T_VPC, err);
}

int alk_neighbors_add(struct alk_tables *t, const struct alk_neighbor_key *keys,
		      const struct alk_neighbor *vals, uint32_t n,
		      struct alk_error *err)
{
	char a[INET_ADDRSTRLEN];
	int rc;

	for (uint32_t i = 0; i < n; i++) {
		if (!ip_is_unicast(keys[i].ip))
			return alk_error_set(err, i, -EINVAL,
					     "ip %s is not a unicast address",
					     ip_str(keys[i].ip, a));
		if (!mac_is_unicast(vals[i].mac))
			return alk_error_set(
				err, i, -EINVAL,
				"mac is not a unicast Ethernet address");
	}
	rc = check_capacity(t, ALK_T_NEIGHBOR, keys, n, err);
	return rc ? rc : apply(t, ALK_T_NEIGHBOR, keys, vals, n, err);
}

int alk_neighbors_del(struct alk_tables *t, const struct alk_neighbor_key *keys,
		      uint32_t n, struct alk_error *err)
{
	return removed(t->ops->remove(t, ALK_T_NEIGHBOR, keys, n),
		       ALK_T_NEIGHBOR, err);
}

/* A port's name as the user wrote it: validated, NUL-padded. */
static int port_key_check(const struct alk_port_key *k, int64_t i,
			  struct alk_error *err)
{
	char name[ALK_IFNAMSIZ];

	if (k->dev[ALK_IFNAMSIZ - 1] || alk_parse_ifname(k->dev, name) ||
	    memcmp(name, k->dev, ALK_IFNAMSIZ))
		return alk_error_set(err, i, -EINVAL,
				     "dev is not an interface name (1-15 "
				     "characters, no '/', ':' or space)");
	return 0;
}

/* Where a port's (vni, ip) or (vni, mac) is already used: by an entry of
 * the batch before it, or by another port of the table. */
struct port_use {
	const struct alk_port_key *keys;
	const struct alk_port *vals;
	uint32_t n;
	struct alk_error *err;
	int clash; /* the walk stopped at a clash, err says which */
};

static int port_clash(const struct alk_port_key *ka, const struct alk_port *a,
		      const struct alk_port_key *kb, const struct alk_port *b,
		      int64_t i, const char *where, struct alk_error *err)
{
	char s[INET_ADDRSTRLEN];

	if (a->vni != b->vni || !memcmp(ka->dev, kb->dev, ALK_IFNAMSIZ))
		return 0;
	if (a->ip == b->ip)
		return alk_error_set(err, i, -EEXIST,
				     "ip %s in vni %u already belongs to "
				     "port %.15s%s",
				     ip_str(a->ip, s), a->vni, kb->dev, where);
	if (!memcmp(a->mac, b->mac, 6))
		return alk_error_set(err, i, -EEXIST,
				     "mac already belongs to port %.15s in "
				     "vni %u%s",
				     kb->dev, a->vni, where);
	return 0;
}

/* Each table port against the batch; the batch's own names replace
 * theirs, so a port re-added is not its own rival. */
static int port_check_table(void *arg, const void *keys, const void *vals,
			    uint32_t n)
{
	const struct port_use *u = arg;
	const struct alk_port_key *tk = keys;
	const struct alk_port *tv = vals;

	for (uint32_t j = 0; j < n; j++) {
		int replaced = 0;

		for (uint32_t i = 0; i < u->n && !replaced; i++)
			replaced = !memcmp(u->keys[i].dev, tk[j].dev,
					   ALK_IFNAMSIZ);
		for (uint32_t i = 0; i < u->n && !replaced; i++) {
			int rc = port_clash(&u->keys[i], &u->vals[i], &tk[j],
					    &tv[j], i, "", u->err);

			if (rc) {
				((struct port_use *)arg)->clash = 1;
				return rc;
			}
		}
	}
	return 0;
}

/* Ports are few (one a local endpoint): a batch is checked pairwise. */
int alk_ports_add(struct alk_tables *t, const struct alk_port_key *keys,
		  const struct alk_port *vals, uint32_t n,
		  struct alk_error *err)
{
	struct port_use u = { keys, vals, n, err, 0 };
	char a[INET_ADDRSTRLEN];
	int rc;

	for (uint32_t i = 0; i < n; i++) {
		rc = port_key_check(&keys[i], i, err);
		if (!rc)
			rc = check_vni(vals[i].vni, i, err);
		if (rc)
			return rc;
		if (!ip_is_unicast(vals[i].ip))
			return alk_error_set(err, i, -EINVAL,
					     "ip %s is not a unicast address",
					     ip_str(vals[i].ip, a));
		if (!mac_is_unicast(vals[i].mac))
			return alk_error_set(
				err, i, -EINVAL,
				"mac is not a unicast Ethernet address");
		for (uint32_t j = 0; j < i; j++) {
			if (!memcmp(keys[i].dev, keys[j].dev, ALK_IFNAMSIZ))
				return alk_error_set(
					err, i, -EEXIST,
					"port %.15s repeated in the batch "
					"(entry %u)",
					keys[i].dev, j);
			rc = port_clash(&keys[i], &vals[i], &keys[j], &vals[j],
					i, " in the batch", err);
			if (rc)
				return rc;
		}
	}
	if (!n)
		return 0;
	rc = alk_table_walk(t, ALK_T_PORT, 256, port_check_table, &u);
	if (rc && !u.clash)
		return alk_error_set(err, -1, rc, "port table: %s",
				     strerror(-rc));
	if (rc)
		return rc;
	rc = check_capacity(t, ALK_T_PORT, keys, n, err);
	if (!rc && t->ops->check)
		rc = t->ops->check(t, ALK_T_PORT, keys, vals, n, err);
	return rc ? rc : apply(t, ALK_T_PORT, keys, vals, n, err);
}

int alk_ports_del(struct alk_tables *t, const struct alk_port_key *keys,
		  uint32_t n, struct alk_error *err)
{
	for (uint32_t i = 0; i < n; i++) {
		int rc = port_key_check(&keys[i], i, err);

		if (rc)
			return rc;
	}
	return removed(t->ops->remove(t, ALK_T_PORT, keys, n), ALK_T_PORT, err);
}

int alk_gateway_set(struct alk_tables *t, const struct alk_gateway *gw,
		    struct alk_error *err)
{
	char a[INET_ADDRSTRLEN];

	if (!ip_is_unicast(gw->ip))
		return alk_error_set(err, -1, -EINVAL,
				     "ip %s is not a unicast address",
				     ip_str(gw->ip, a));
	if (!mac_is_unicast(gw->mac))
		return alk_error_set(err, -1, -EINVAL,
				     "mac is not a unicast Ethernet address");
	if (!gw->geneve_port && !gw->vxlan_port)
		return alk_error_set(
			err, -1, -EINVAL,
			"geneve-port and vxlan-port both 0: nothing to serve");
	if (gw->geneve_port && gw->geneve_port == gw->vxlan_port)
		return alk_error_set(err, -1, -EINVAL,
				     "geneve-port and vxlan-port must differ");
	return t->ops->gateway_set(t, gw);
}

int alk_table_get(struct alk_tables *t, enum alk_table tbl, const void *key,
		  void *val)
{
	if (tbl == ALK_T_NETWORK) {
		struct alk_network_key k = *(const struct alk_network_key *)key;

		if (k.plen > 32)
			return -EINVAL;
		k.prefix &= alk_prefix_mask(k.plen);
		return t->ops->lookup(t, tbl, &k, val);
	}
	return t->ops->lookup(t, tbl, key, val);
}

int alk_table_list(struct alk_tables *t, enum alk_table tbl, const void *after,
		   void *keys, void *vals, uint32_t max)
{
	size_t ks = alk_table_key_size(tbl), vs = alk_table_val_size(tbl);
	const void *prev = after;
	uint32_t n = 0;

	while (n < max) {
		uint8_t *k = (uint8_t *)keys + n * ks;
		int rc = t->ops->next_key(t, tbl, prev, k);

		if (rc == -ENOENT)
			break;
		if (rc)
			return rc;
		/* deleted between the two calls: skip it */
		if (t->ops->lookup(t, tbl, k, (uint8_t *)vals + n * vs) == 0)
			n++;
		prev = k;
	}
	return n;
}

int alk_table_walk(struct alk_tables *t, enum alk_table tbl, uint32_t page,
		   int (*fn)(void *arg, const void *keys, const void *vals,
			     uint32_t n),
		   void *arg)
{
	size_t ks = alk_table_key_size(tbl);
	uint8_t *keys = malloc((size_t)page * ks);
	uint8_t *vals = malloc((size_t)page * alk_table_val_size(tbl));
	uint8_t *after = malloc(ks);
	int n = -ENOMEM, rc = 0;
	bool first = true;

	while (keys && vals && after && !rc &&
	       (n = alk_table_list(t, tbl, first ? NULL : after, keys, vals,
				   page)) > 0) {
		rc = fn(arg, keys, vals, n);
		memcpy(after, keys + (n - 1) * ks, ks);
		first = false;
		if ((uint32_t)n < page)
			break;
	}
	free(keys);
	free(vals);
	free(after);
	return rc ? rc : n < 0 ? n : 0;
}
