/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * xdp-tables: programs a running XDP data plane through its pinned maps,
 * with the table API and alkaidctl's command grammar (tables/cmd.h).  A test
 * tool until alkaidctl exists; it is also what proves that a process other
 * than the daemon can drive the tables.
 *
 *   xdp-tables PINDIR apply < COMMANDS   one command per line, # comments
 *   xdp-tables PINDIR list               every entry, as commands
 *   xdp-tables PINDIR stats              non-zero counters: "reason count"
 *   xdp-tables PINDIR reset-stats
 *
 * PINDIR is <bpffs>/alkaid/<ifname>.  Exit status 0, or 1 with a message.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/reason_names.h"
#include "dp-xdp/tables_bpf.h"
#include "tables/cmd.h"

#define LIST_CHUNK 1024

static const char *ip_str(__be32 ip, char *buf)
{
	return inet_ntop(AF_INET, &ip, buf, INET_ADDRSTRLEN);
}

static const char *mac_str(const __u8 *m, char *buf)
{
	sprintf(buf, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3],
		m[4], m[5]);
	return buf;
}

static void hops_str(const __be32 *hops, __u32 n, char *buf)
{
	char a[INET_ADDRSTRLEN];

	buf[0] = 0;
	for (__u32 i = 0; i < n && i < ALK_MAX_HOPS; i++)
		sprintf(buf + strlen(buf), "%s%s", i ? "," : "",
			ip_str(hops[i], a));
}

static int apply(struct alk_tables *t)
{
	char *line = NULL, *argv[64];
	size_t cap = 0;
	int lineno = 0, applied = 0;

	while (getline(&line, &cap, stdin) > 0) {
		struct alk_error err = { 0 };
		struct alk_cmd cmd;
		char *p = line;
		int argc;

		lineno++;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '#' || *p == '\n' || !*p)
			continue;
		argc = alk_cmd_split(p, argv, 64);
		if (argc < 0 || alk_cmd_parse(argc, argv, &cmd, &err) ||
		    alk_cmd_apply(t, &cmd, &err)) {
			fprintf(stderr, "xdp-tables: line %d: %s\n", lineno,
				argc < 0 ? "too many words" : err.msg);
			free(line);
			return 1;
		}
		applied++;
	}
	free(line);
	printf("%d commands applied\n", applied);
	return 0;
}

/* Calls print for every entry of tbl, LIST_CHUNK at a time. */
static int list_table(struct alk_tables *t, enum alk_table tbl,
		      void (*print)(const void *key, const void *val))
{
	size_t ks = alk_table_key_size(tbl), vs = alk_table_val_size(tbl);
	uint8_t *keys = malloc(LIST_CHUNK * ks),
		*vals = malloc(LIST_CHUNK * vs);
	uint8_t last[64];
	int n, total = 0;
	const void *after = NULL;

	if (!keys || !vals) {
		free(keys);
		free(vals);
		return -ENOMEM;
	}
	while ((n = alk_table_list(t, tbl, after, keys, vals, LIST_CHUNK)) >
	       0) {
		for (int i = 0; i < n; i++)
			print(keys + i * ks, vals + i * vs);
		memcpy(last, keys + (n - 1) * ks, ks);
		after = last;
		total += n;
	}
	free(keys);
	free(vals);
	return n < 0 ? n : total;
}

static void print_endpoint(const void *key, const void *val)
{
	const struct alk_endpoint_key *k = key;
	const struct alk_endpoint *v = val;
	char a[INET_ADDRSTRLEN], h[INET_ADDRSTRLEN], m[18];

	printf("endpoint add vni %u ip %s mac %s host %s\n", k->vni,
	       ip_str(k->ip, a), mac_str(v->mac, m), ip_str(v->host, h));
}

static void print_network(const void *key, const void *val)
{
	const struct alk_network_key *k = key;
	const struct alk_network *v = val;
	char a[INET_ADDRSTRLEN], hops[ALK_MAX_HOPS * 16];

	hops_str(v->bouncers, v->nbouncers, hops);
	printf("network add vni %u prefix %s/%u bouncers %s", k->vni,
	       ip_str(k->prefix, a), k->plen, hops);
	if (v->router)
		printf(" router %s", ip_str(v->router, a));
	if (v->dns)
		printf(" dns %s", ip_str(v->dns, a));
	if (v->mtu)
		printf(" mtu %u", v->mtu);
	if (v->lease)
		printf(" lease %u", v->lease);
	printf("\n");
}

static void print_vpc(const void *key, const void *val)
{
	const struct alk_vpc_key *k = key;
	const struct alk_vpc *v = val;
	char hops[ALK_MAX_HOPS * 16];

	hops_str(v->dividers, v->ndividers, hops);
	printf("vpc add vni %u dividers %s\n", k->vni, hops);
}

static void print_neighbor(const void *key, const void *val)
{
	const struct alk_neighbor_key *k = key;
	const struct alk_neighbor *v = val;
	char a[INET_ADDRSTRLEN], m[18];

	printf("neighbor add ip %s mac %s\n", ip_str(k->ip, a),
	       mac_str(v->mac, m));
}

/* The index is the table layer's own: a comment, so that the listing
 * can be applied again. */
static void print_dhcp(const void *key, const void *val)
{
	const struct alk_dhcp_key *k = key;
	const struct alk_dhcp *v = val;
	char a[INET_ADDRSTRLEN], m[18];

	printf("# dhcp-index vni %u mac %s ip %s\n", k->vni, mac_str(k->mac, m),
	       ip_str(v->ip, a));
}

static int list(struct alk_tables *t)
{
	static void (*const print[ALK_T_MAX])(const void *, const void *) = {
		[ALK_T_ENDPOINT] = print_endpoint,
		[ALK_T_NETWORK] = print_network,
		[ALK_T_VPC] = print_vpc,
		[ALK_T_NEIGHBOR] = print_neighbor,
		[ALK_T_DHCP] = print_dhcp,
	};
	struct alk_gateway gw;
	char a[INET_ADDRSTRLEN], m[18];

	if (!t->ops->gateway_get(t, &gw) && gw.ip)
		printf("gateway set ip %s mac %s geneve-port %u vxlan-port %u "
		       "underlay-arp %s\n",
		       ip_str(gw.ip, a), mac_str(gw.mac, m),
		       ntohs(gw.geneve_port), ntohs(gw.vxlan_port),
		       gw.flags & ALK_GW_F_UNDERLAY_ARP ? "on" : "off");
	for (int tbl = 0; tbl < ALK_T_MAX; tbl++) {
		int n = list_table(t, tbl, print[tbl]);

		if (n < 0) {
			fprintf(stderr, "xdp-tables: listing %s: %s\n",
				alk_table_name(tbl), strerror(-n));
			return 1;
		}
	}
	return 0;
}

static int stats(struct alk_tables *t)
{
	uint64_t c[ALK_R_MAX];
	int err = t->ops->stats_get(t, c);

	if (err) {
		fprintf(stderr, "xdp-tables: reading counters: %s\n",
			strerror(-err));
		return 1;
	}
	for (int r = 0; r < ALK_R_MAX; r++)
		if (c[r])
			printf("%s %llu\n", alk_reason_names[r],
			       (unsigned long long)c[r]);
	return 0;
}

int main(int argc, char **argv)
{
	struct alk_error err = { 0 };
	struct alk_tables *t;
	int rc;

	if (argc != 3) {
		fprintf(stderr, "usage: xdp-tables PINDIR "
				"apply|list|stats|reset-stats\n");
		return 2;
	}
	t = alk_bpf_tables_open_pinned(argv[1], &err);
	if (!t) {
		fprintf(stderr, "xdp-tables: %s\n", err.msg);
		return 1;
	}
	if (!strcmp(argv[2], "apply")) {
		rc = apply(t);
	} else if (!strcmp(argv[2], "list")) {
		rc = list(t);
	} else if (!strcmp(argv[2], "stats")) {
		rc = stats(t);
	} else if (!strcmp(argv[2], "reset-stats")) {
		rc = t->ops->stats_reset(t) ? 1 : 0;
	} else {
		fprintf(stderr, "xdp-tables: unknown command '%s'\n", argv[2]);
		rc = 2;
	}
	t->ops->close(t);
	return rc;
}
