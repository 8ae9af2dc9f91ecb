/* SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"

static int bad(struct alk_error *err, const char *fmt, ...)
{
	va_list ap;

	err->index = -1;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

int alk_parse_ipv4(const char *s, __be32 *ip)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		return -EINVAL;
	*ip = a.s_addr;
	return 0;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* aa:bb:cc:dd:ee:ff exactly; no sscanf: batch loads parse millions. */
int alk_parse_mac(const char *s, __u8 mac[6])
{
	for (int i = 0; i < 6; i++) {
		int hi = hex_digit(s[3 * i]), lo;

		if (hi < 0 || (lo = hex_digit(s[3 * i + 1])) < 0 ||
		    s[3 * i + 2] != (i == 5 ? '\0' : ':'))
			return -EINVAL;
		mac[i] = hi << 4 | lo;
	}
	return 0;
}

static int parse_u32(const char *s, uint32_t max, uint32_t *v)
{
	char *end;
	unsigned long long x;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	x = strtoull(s, &end, 0);
	if (errno || *end || x > max)
		return -EINVAL;
	*v = x;
	return 0;
}

static int parse_hops(const char *s, __be32 *hops, __u32 *n)
{
	char buf[256], *save, *tok;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	*n = 0;
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (*n == ALK_MAX_HOPS || alk_parse_ipv4(tok, &hops[*n]))
			return -EINVAL;
		(*n)++;
	}
	return *n ? 0 : -EINVAL;
}

int alk_cmd_split(char *line, char **argv, int max)
{
	int argc = 0;
	char *save, *tok;

	for (tok = strtok_r(line, " \t\r\n", &save); tok;
	     tok = strtok_r(NULL, " \t\r\n", &save)) {
		if (argc == max)
			return -1;
		argv[argc++] = tok;
	}
	return argc;
}

/* Which words an object takes, and which of them are required. */
enum field {
	F_VNI = 1 << 0,
	F_IP = 1 << 1,
	F_MAC = 1 << 2,
	F_HOST = 1 << 3,
	F_PREFIX = 1 << 4,
	F_BOUNCERS = 1 << 5,
	F_ROUTER = 1 << 6,
	F_DNS = 1 << 7,
	F_MTU = 1 << 8,
	F_LEASE = 1 << 9,
	F_DIVIDERS = 1 << 10,
	F_GENEVE = 1 << 11,
	F_VXLAN = 1 << 12,
	F_UARP = 1 << 13,
};

static const char *const field_names[] = {
	"vni",	"ip",  "mac",	 "host",	"prefix",      "bouncers",
	"router", "dns", "mtu",	 "lease",	"dividers",    "geneve-port",
	"vxlan-port", "underlay-arp",
};

static const struct {
	const char *object, *op;
	enum alk_cmd_object o;
	enum alk_cmd_op p;
	unsigned int allowed, required;
} grammar[] = {
	{ "gateway", "set", ALK_O_GATEWAY, ALK_OP_SET,
	  F_IP | F_MAC | F_GENEVE | F_VXLAN | F_UARP, F_IP | F_MAC },
	{ "endpoint", "add", ALK_O_ENDPOINT, ALK_OP_ADD,
	  F_VNI | F_IP | F_MAC | F_HOST, F_VNI | F_IP | F_MAC | F_HOST },
	{ "endpoint", "del", ALK_O_ENDPOINT, ALK_OP_DEL, F_VNI | F_IP,
	  F_VNI | F_IP },
	{ "network", "add", ALK_O_NETWORK, ALK_OP_ADD,
	  F_VNI | F_PREFIX | F_BOUNCERS | F_ROUTER | F_DNS | F_MTU | F_LEASE,
	  F_VNI | F_PREFIX | F_BOUNCERS },
	{ "network", "del", ALK_O_NETWORK, ALK_OP_DEL, F_VNI | F_PREFIX,
	  F_VNI | F_PREFIX },
	{ "vpc", "add", ALK_O_VPC, ALK_OP_ADD, F_VNI | F_DIVIDERS,
	  F_VNI | F_DIVIDERS },
	{ "vpc", "del", ALK_O_VPC, ALK_OP_DEL, F_VNI, F_VNI },
	{ "neighbor", "add", ALK_O_NEIGHBOR, ALK_OP_ADD, F_IP | F_MAC,
	  F_IP | F_MAC },
	{ "neighbor", "del", ALK_O_NEIGHBOR, ALK_OP_DEL, F_IP, F_IP },
};

int alk_cmd_parse(int argc, char **argv, struct alk_cmd *cmd,
		  struct alk_error *err)
{
	unsigned int seen = 0, g;
	uint32_t v;

	memset(cmd, 0, sizeof(*cmd));
	if (argc < 2)
		return bad(err, "expected OBJECT COMMAND");
	for (g = 0; g < sizeof(grammar) / sizeof(grammar[0]); g++)
		if (!strcmp(argv[0], grammar[g].object) &&
		    !strcmp(argv[1], grammar[g].op))
			break;
	if (g == sizeof(grammar) / sizeof(grammar[0]))
		return bad(err, "unknown command '%s %s'", argv[0], argv[1]);
	cmd->object = grammar[g].o;
	cmd->op = grammar[g].p;
	if (cmd->object == ALK_O_GATEWAY) {
		cmd->gateway.geneve_port = htons(ALK_GENEVE_PORT);
		cmd->gateway.vxlan_port = htons(ALK_VXLAN_PORT);
	}

	for (int i = 2; i < argc; i += 2) {
		const char *word = argv[i], *arg = i + 1 < argc ? argv[i + 1] : "";
		unsigned int f;
		int rc = 0;

		for (f = 0; f < sizeof(field_names) / sizeof(field_names[0]); f++)
			if (!strcmp(word, field_names[f]))
				break;
		if (f == sizeof(field_names) / sizeof(field_names[0]) ||
		    !(grammar[g].allowed & (1u << f)))
			return bad(err, "'%s %s' takes no '%s'", argv[0], argv[1],
				   word);
		if (seen & (1u << f))
			return bad(err, "'%s' given twice", word);
		if (i + 1 >= argc)
			return bad(err, "'%s' needs a value", word);
		seen |= 1u << f;

		switch (1u << f) {
		case F_VNI:
			rc = parse_u32(arg, ALK_VNI_MAX, &v);
			cmd->endpoint.key.vni = v; /* vni leads every key */
			break;
		case F_IP: {
			__be32 ip;

			rc = alk_parse_ipv4(arg, &ip);
			if (cmd->object == ALK_O_GATEWAY)
				cmd->gateway.ip = ip;
			else if (cmd->object == ALK_O_ENDPOINT)
				cmd->endpoint.key.ip = ip;
			else
				cmd->neighbor.key.ip = ip;
			break;
		}
		case F_MAC:
			rc = alk_parse_mac(arg, cmd->object == ALK_O_GATEWAY ?
							cmd->gateway.mac :
						cmd->object == ALK_O_ENDPOINT ?
							cmd->endpoint.val.mac :
							cmd->neighbor.val.mac);
			break;
		case F_HOST:
			rc = alk_parse_ipv4(arg, &cmd->endpoint.val.host);
			break;
		case F_PREFIX: {
			char buf[32], *slash;

			if (strlen(arg) >= sizeof(buf) ||
			    !(slash = strchr(strcpy(buf, arg), '/'))) {
				rc = -EINVAL;
				break;
			}
			*slash = 0;
			rc = alk_parse_ipv4(buf, &cmd->network.key.prefix);
			if (!rc)
				rc = parse_u32(slash + 1, 32, &v);
			cmd->network.key.plen = v;
			cmd->network.val.plen = v;
			break;
		}
		case F_BOUNCERS: {
			__u32 n;

			rc = parse_hops(arg, cmd->network.val.bouncers, &n);
			cmd->network.val.nbouncers = n;
			break;
		}
		case F_DIVIDERS:
			rc = parse_hops(arg, cmd->vpc.val.dividers,
					&cmd->vpc.val.ndividers);
			break;
		case F_ROUTER:
			rc = alk_parse_ipv4(arg, &cmd->network.val.router);
			break;
		case F_DNS:
			rc = alk_parse_ipv4(arg, &cmd->network.val.dns);
			break;
		case F_MTU:
			rc = parse_u32(arg, 65535, &v);
			cmd->network.val.mtu = v;
			break;
		case F_LEASE:
			rc = parse_u32(arg, UINT32_MAX, &cmd->network.val.lease);
			break;
		case F_GENEVE:
		case F_VXLAN:
			rc = parse_u32(arg, 65535, &v);
			if (f == 11)
				cmd->gateway.geneve_port = htons(v);
			else
				cmd->gateway.vxlan_port = htons(v);
			break;
		case F_UARP:
			if (!strcmp(arg, "on"))
				cmd->gateway.flags |= ALK_GW_F_UNDERLAY_ARP;
			else if (strcmp(arg, "off"))
				rc = -EINVAL;
			break;
		}
		if (rc)
			return bad(err, "bad %s '%s'", word, arg);
	}
	if ((seen & grammar[g].required) != grammar[g].required) {
		for (unsigned int f = 0; f < 14; f++)
			if ((grammar[g].required & ~seen) & (1u << f))
				return bad(err, "'%s %s' needs '%s'", argv[0],
					   argv[1], field_names[f]);
	}
	return 0;
}

int alk_cmd_apply(struct alk_tables *t, const struct alk_cmd *c,
		  struct alk_error *err)
{
	int add = c->op != ALK_OP_DEL;

	switch (c->object) {
	case ALK_O_GATEWAY:
		return alk_gateway_set(t, &c->gateway, err);
	case ALK_O_ENDPOINT:
		return add ? alk_endpoints_add(t, &c->endpoint.key,
					       &c->endpoint.val, 1, err) :
			     alk_endpoints_del(t, &c->endpoint.key, 1, err);
	case ALK_O_NETWORK:
		return add ? alk_networks_add(t, &c->network.key,
					      &c->network.val, 1, err) :
			     alk_networks_del(t, &c->network.key, 1, err);
	case ALK_O_VPC:
		return add ? alk_vpcs_add(t, &c->vpc.key, &c->vpc.val, 1, err) :
			     alk_vpcs_del(t, &c->vpc.key, 1, err);
	case ALK_O_NEIGHBOR:
		return add ? alk_neighbors_add(t, &c->neighbor.key,
					       &c->neighbor.val, 1, err) :
			     alk_neighbors_del(t, &c->neighbor.key, 1, err);
	}
	return -EINVAL;
}
