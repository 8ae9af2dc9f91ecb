/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The table objects, field by field (tables/schema.h), and the text form of
 * their values.  Parsing and writing are on the paths of batch loads and
 * state files of millions of entries: no sscanf, no printf.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "schema.h"

#define KEY(type, m) .in_key = 1, .off = offsetof(type, m)
#define VAL(type, m) .off = offsetof(type, m)

#define VNI_HELP "virtual network identifier, 0-16777215 (key)"

static const struct alk_field endpoint_fields[] = {
	{ "vni", "vni", ALK_F_VNI, KEY(struct alk_endpoint_key, vni),
	  .header = "VNI", .width = 8, .meta = "VNI", .help = VNI_HELP,
	  .example = "100" },
	{ "ip", "ip", ALK_F_IPV4, KEY(struct alk_endpoint_key, ip),
	  .header = "IP", .width = 15, .meta = "ADDR",
	  .help = "the endpoint's overlay IPv4 address (key)",
	  .example = "203.0.113.5" },
	{ "mac", "mac", ALK_F_MAC, VAL(struct alk_endpoint, mac),
	  .header = "MAC", .width = 17, .meta = "MAC",
	  .help = "its MAC: unicast, and one endpoint's per VNI",
	  .example = "0e:00:00:00:00:05" },
	{ "host", "host", ALK_F_IPV4, VAL(struct alk_endpoint, host),
	  .header = "HOST", .meta = "ADDR",
	  .help = "underlay IPv4 address of its host; the host's MAC comes "
		  "from the neighbor table",
	  .example = "198.18.0.12" },
};

/* The hop list last: it is the one column of varying width. */
static const struct alk_field network_fields[] = {
	{ "vni", "vni", ALK_F_VNI, KEY(struct alk_network_key, vni),
	  .header = "VNI", .width = 8, .meta = "VNI", .help = VNI_HELP,
	  .example = "100" },
	{ "prefix", "prefix", ALK_F_PREFIX, KEY(struct alk_network_key, prefix),
	  .aux = offsetof(struct alk_network_key, plen), .header = "PREFIX",
	  .width = 18, .meta = "ADDR/LEN",
	  .help = "the network, host bits zero (key)",
	  .example = "203.0.113.0/24" },
	{ "router", "router", ALK_F_IPV4_0, VAL(struct alk_network, router),
	  .optional = 1, .header = "ROUTER", .width = 15, .meta = "ADDR",
	  .help = "DHCP router and server identifier (option 3)",
	  .example = "203.0.113.1" },
	{ "dns", "dns", ALK_F_IPV4_0, VAL(struct alk_network, dns),
	  .optional = 1, .header = "DNS", .width = 15, .meta = "ADDR",
	  .help = "DHCP name server (option 6)", .example = "203.0.113.2" },
	{ "mtu", "mtu", ALK_F_U16, VAL(struct alk_network, mtu), .optional = 1,
	  .header = "MTU", .width = 5, .meta = "BYTES",
	  .help = "DHCP interface MTU (option 26), at least 68",
	  .example = "1450" },
	{ "lease", "lease", ALK_F_U32, VAL(struct alk_network, lease),
	  .optional = 1, .header = "LEASE", .width = 10, .meta = "SECONDS",
	  .help = "DHCP lease time (option 51; 0: the default)",
	  .example = "3600" },
	{ "vxlan", "vxlan", ALK_F_FLAG, VAL(struct alk_network, flags),
	  .aux = ALK_NET_F_VXLAN, .optional = 1, .header = "VXLAN", .width = 5,
	  .meta = "on|off",
	  .help = "host agents encapsulate in VXLAN, not Geneve (default "
		  "off)" },
	{ "bouncers", "bouncers", ALK_F_HOPS, VAL(struct alk_network, bouncers),
	  .aux = offsetof(struct alk_network, nbouncers), .aux_size = 1,
	  .header = "BOUNCERS", .meta = "ADDR[,ADDR...]",
	  .help = "1 to 8 underlay IPv4 addresses, comma-separated",
	  .example = "198.18.0.1,198.18.0.2" },
};

static const struct alk_field vpc_fields[] = {
	{ "vni", "vni", ALK_F_VNI, KEY(struct alk_vpc_key, vni),
	  .header = "VNI", .width = 8, .meta = "VNI", .help = VNI_HELP,
	  .example = "100" },
	{ "dividers", "dividers", ALK_F_HOPS, VAL(struct alk_vpc, dividers),
	  .aux = offsetof(struct alk_vpc, ndividers), .aux_size = 4,
	  .header = "DIVIDERS", .meta = "ADDR[,ADDR...]",
	  .help = "1 to 8 underlay IPv4 addresses, comma-separated",
	  .example = "198.18.0.1,198.18.0.2" },
};

static const struct alk_field neighbor_fields[] = {
	{ "ip", "ip", ALK_F_IPV4, KEY(struct alk_neighbor_key, ip),
	  .header = "IP", .width = 15, .meta = "ADDR",
	  .help = "underlay IPv4 address (key)", .example = "198.18.0.12" },
	{ "mac", "mac", ALK_F_MAC, VAL(struct alk_neighbor, mac),
	  .header = "MAC", .meta = "MAC", .help = "its MAC (unicast)",
	  .example = "02:00:00:00:00:12" },
};

static const struct alk_field port_fields[] = {
	{ "dev", "dev", ALK_F_IFNAME, KEY(struct alk_port_key, dev),
	  .header = "DEV", .width = 15, .meta = "IFNAME",
	  .help = "the host side of the endpoint's veth, 1-15 characters "
		  "(key)",
	  .example = "veth-web1" },
	{ "vni", "vni", ALK_F_VNI, VAL(struct alk_port, vni), .header = "VNI",
	  .width = 8, .meta = "VNI",
	  .help = "the endpoint's virtual network, 0-16777215",
	  .example = "100" },
	{ "ip", "ip", ALK_F_IPV4, VAL(struct alk_port, ip), .header = "IP",
	  .width = 15, .meta = "ADDR",
	  .help = "the endpoint's overlay IPv4 address, one port's per VNI",
	  .example = "203.0.113.5" },
	{ "mac", "mac", ALK_F_MAC, VAL(struct alk_port, mac), .header = "MAC",
	  .meta = "MAC",
	  .help = "the MAC of the endpoint's side of the veth: unicast, one "
		  "port's per VNI",
	  .example = "0e:00:00:00:00:05" },
};

static const struct alk_field gateway_fields[] = {
	{ "ip", "ip", ALK_F_IPV4, VAL(struct alk_gateway, ip), .header = "IP",
	  .width = 15, .meta = "ADDR",
	  .help = "the gateway's underlay IPv4 address",
	  .example = "198.18.0.1" },
	{ "mac", "mac", ALK_F_MAC, VAL(struct alk_gateway, mac),
	  .header = "MAC", .width = 17, .meta = "MAC",
	  .help = "its MAC, the source of every frame it sends",
	  .example = "02:00:00:00:00:01" },
	{ "geneve_port", "geneve-port", ALK_F_PORT,
	  VAL(struct alk_gateway, geneve_port), .optional = 1,
	  .header = "GENEVE", .width = 6, .meta = "PORT",
	  .help = "UDP port of Geneve (default 6081; 0: off)" },
	{ "vxlan_port", "vxlan-port", ALK_F_PORT,
	  VAL(struct alk_gateway, vxlan_port), .optional = 1, .header = "VXLAN",
	  .width = 6, .meta = "PORT",
	  .help = "UDP port of VXLAN (default 4789; 0: off)", .example = "0" },
	{ "underlay_arp", "underlay-arp", ALK_F_FLAG,
	  VAL(struct alk_gateway, flags), .aux = ALK_GW_F_UNDERLAY_ARP,
	  .optional = 1, .header = "UNDERLAY-ARP", .width = 12,
	  .meta = "on|off",
	  .help = "answer ARP for ADDR itself (default: on with alkaid-dpdk, "
		  "which has no kernel to; off with XDP, whose kernel does)" },
	{ "direct_path", "direct-path", ALK_F_FLAG,
	  VAL(struct alk_gateway, flags), .aux = ALK_GW_F_DIRECT_PATH,
	  .optional = 1, .header = "DIRECT-PATH", .width = 11, .meta = "on|off",
	  .help = "tell hosts that ask where destinations live (Geneve "
		  "option 0xffa1; default on)" },
	{ "direct_path_rate", "direct-path-rate", ALK_F_U32,
	  VAL(struct alk_gateway, dp_rate), .optional = ALK_FIELD_DEFAULT,
	  .header = "DP-RATE", .width = 7, .meta = "N",
	  .help = "frames returned to their asker a second, per CPU "
		  "(default 1000; 0: none, they are bounced)" },
	{ "direct_path_burst", "direct-path-burst", ALK_F_U32,
	  VAL(struct alk_gateway, dp_burst), .optional = ALK_FIELD_DEFAULT,
	  .header = "DP-BURST", .meta = "N",
	  .help = "and at once (default 64)" },
};

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define FIELDS(f) .fields = f, .nfields = N(f)

static const struct alk_object objects[ALK_NOBJECTS] = {
	[ALK_O_GATEWAY] = {
		.name = "gateway",
		.object = ALK_O_GATEWAY,
		.table = ALK_T_MAX,
		.val_size = sizeof(struct alk_gateway),
		FIELDS(gateway_fields),
		.about = "The gateway's own identity on the underlay: overlay "
			 "packets are addressed to it, and it is the source "
			 "of everything it sends.",
		.notes = "set replaces the whole gateway: options left out "
			 "take their defaults.",
	},
	[ALK_O_ENDPOINT] = {
		.name = "endpoint",
		.object = ALK_O_ENDPOINT,
		.table = ALK_T_ENDPOINT,
		.key_size = sizeof(struct alk_endpoint_key),
		.val_size = sizeof(struct alk_endpoint),
		FIELDS(endpoint_fields),
		.nkey = 2,
		.about = "A tenant endpoint (VM, container) and the host it "
			 "lives on.  Frames to (VNI, ADDR) are bounced to the "
			 "host; ARP for ADDR is answered with MAC; DHCP from "
			 "MAC in VNI is answered with ADDR and the options of "
			 "the network ADDR is in.",
		.notes = "add replaces an existing endpoint of the same key; "
			 "del of an absent one is not an error.",
	},
	[ALK_O_NETWORK] = {
		.name = "network",
		.object = ALK_O_NETWORK,
		.table = ALK_T_NETWORK,
		.key_size = sizeof(struct alk_network_key),
		.val_size = sizeof(struct alk_network),
		FIELDS(network_fields),
		.nkey = 2,
		.about = "A tenant network (subnet): the bouncers that hold "
			 "its endpoints, and the options DHCP hands out in it. "
			 " Frames to an address of the network whose endpoint "
			 "this gateway does not hold are divided among the "
			 "bouncers by flow hash; the longest matching prefix "
			 "wins.",
		.notes = "router and dns are null in JSON when not set; mtu "
			 "0 is not sent.",
	},
	[ALK_O_VPC] = {
		.name = "vpc",
		.object = ALK_O_VPC,
		.table = ALK_T_VPC,
		.key_size = sizeof(struct alk_vpc_key),
		.val_size = sizeof(struct alk_vpc),
		FIELDS(vpc_fields),
		.nkey = 1,
		.about = "A tenant VPC: the dividers that know its networks.  "
			 "Frames in VNI that match no network are sent to one "
			 "of them by flow hash.",
	},
	[ALK_O_NEIGHBOR] = {
		.name = "neighbor",
		.object = ALK_O_NEIGHBOR,
		.table = ALK_T_NEIGHBOR,
		.key_size = sizeof(struct alk_neighbor_key),
		.val_size = sizeof(struct alk_neighbor),
		FIELDS(neighbor_fields),
		.nkey = 1,
		.about = "Underlay next hops: the MAC of each host, bouncer "
			 "and divider the gateway sends to.  A host that "
			 "changes its MAC is one update here, not one per "
			 "endpoint.",
	},
	[ALK_O_PORT] = {
		.name = "port",
		.object = ALK_O_PORT,
		.table = ALK_T_PORT,
		.key_size = sizeof(struct alk_port_key),
		.val_size = sizeof(struct alk_port),
		FIELDS(port_fields),
		.nkey = 1,
		.about = "A local endpoint of a host agent (alkaid-agent): the "
			 "host side of its veth, and the VNI, address and MAC "
			 "of the endpoint behind it.  The agent attaches its "
			 "program to the device, encapsulates what the "
			 "endpoint sends and delivers to it what comes for "
			 "(VNI, ADDR) or (VNI, MAC).  Gateways have no ports.",
		.notes = "add attaches the agent's program to IFNAME (which "
			 "must exist) and replaces a port of the same name; "
			 "del detaches it, and of an absent port is not an "
			 "error.",
	},
};

#define FITS(f) _Static_assert(N(f) <= ALK_FIELDS_MAX, #f)
FITS(gateway_fields);
FITS(endpoint_fields);
FITS(network_fields);
FITS(vpc_fields);
FITS(neighbor_fields);
FITS(port_fields);
_Static_assert(sizeof(struct alk_port_key) <= ALK_MAX_KEY, "port key");
_Static_assert(sizeof(struct alk_network_key) <= ALK_MAX_KEY, "key");
_Static_assert(sizeof(struct alk_network) <= ALK_MAX_VAL, "value");

const struct alk_object *alk_object(enum alk_cmd_object o)
{
	return (unsigned int)o < ALK_NOBJECTS ? &objects[o] : NULL;
}

const struct alk_object *alk_object_by_name(const char *name, size_t len)
{
	for (unsigned int i = 0; i < ALK_NOBJECTS; i++)
		if (strlen(objects[i].name) == len &&
		    !memcmp(objects[i].name, name, len))
			return &objects[i];
	return NULL;
}

int alk_field_by_name(const struct alk_object *o, unsigned int n,
		      const char *name, size_t len)
{
	for (unsigned int i = 0; i < n && i < o->nfields; i++)
		if (strlen(o->fields[i].name) == len &&
		    !memcmp(o->fields[i].name, name, len))
			return i;
	return -1;
}

int alk_field_by_word(const struct alk_object *o, unsigned int n,
		      const char *word)
{
	for (unsigned int i = 0; i < n && i < o->nfields; i++)
		if (!strcmp(o->fields[i].word, word))
			return i;
	return -1;
}

static uint32_t gateway_flags;

void alk_gateway_default_flags(uint32_t flags)
{
	gateway_flags = flags;
}

void alk_object_start(const struct alk_object *o, enum alk_part part, void *key,
		      void *val)
{
	if (key)
		memset(key, 0, o->key_size);
	if (part == ALK_PART_ALL)
		memset(val, 0, o->val_size);
	if (o->object == ALK_O_GATEWAY && part == ALK_PART_ALL)
		alk_gateway_defaults(val);
}

void alk_gateway_defaults(struct alk_gateway *gw)
{
	memset(gw, 0, sizeof(*gw));
	gw->geneve_port = htons(ALK_GENEVE_PORT);
	gw->vxlan_port = htons(ALK_VXLAN_PORT);
	gw->flags = ALK_GW_F_DIRECT_PATH | gateway_flags;
	gw->dp_rate = ALK_DP_RATE;
	gw->dp_burst = ALK_DP_BURST;
}

/* --- parsing -------------------------------------------------------- */

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

int alk_parse_mac(const char *s, uint8_t mac[6])
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

int alk_parse_ifname(const char *s, char name[ALK_IFNAMSIZ])
{
	size_t len = strlen(s);

	if (!len || len >= ALK_IFNAMSIZ || !strcmp(s, ".") || !strcmp(s, ".."))
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = s[i];

		if (c <= ' ' || c == 0x7f || c == '/' || c == ':' || c == '"' ||
		    c == '\\')
			return -EINVAL;
	}
	memset(name, 0, ALK_IFNAMSIZ);
	memcpy(name, s, len);
	return 0;
}

/* Decimal digits only, as JSON writes numbers: "010" is ten, never eight,
 * and "0x10" is no number. */
static int parse_decimal(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t x = 0;

	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		x = x * 10 + (*s - '0');
		if (x > max)
			return -EINVAL;
	}
	*out = x;
	return 0;
}

/* a.b.c.d/len, len 0-32 in one or two digits */
static int parse_prefix(const char *s, __be32 *ip, uint32_t *plen)
{
	const char *slash = strchr(s, '/');
	char a[16];
	uint64_t l;

	if (!slash || slash - s > 15 || strlen(slash + 1) > 2)
		return -EINVAL;
	memcpy(a, s, slash - s);
	a[slash - s] = 0;
	if (alk_parse_ipv4(a, ip) || parse_decimal(slash + 1, 32, &l))
		return -EINVAL;
	*plen = l;
	return 0;
}

static int parse_hops(const char *s, __be32 *hops, uint32_t *n)
{
	*n = 0;
	for (;;) {
		const char *comma = strchr(s, ',');
		size_t len = comma ? (size_t)(comma - s) : strlen(s);
		char a[16];

		if (*n == ALK_MAX_HOPS || len > 15)
			return -EINVAL;
		memcpy(a, s, len);
		a[len] = 0;
		if (alk_parse_ipv4(a, &hops[*n]))
			return -EINVAL;
		(*n)++;
		if (!comma)
			return 0;
		s = comma + 1;
	}
}

uint64_t alk_field_max(const struct alk_field *f)
{
	switch (f->kind) {
	case ALK_F_VNI:
		return ALK_VNI_MAX;
	case ALK_F_U32:
		return UINT32_MAX;
	default:
		return UINT16_MAX;
	}
}

void alk_field_store_number(const struct alk_field *f, void *key, void *val,
			    uint64_t x)
{
	uint8_t *p = alk_field_ptr(f, key, val);

	if (f->kind == ALK_F_U16 || f->kind == ALK_F_PORT) {
		uint16_t u = f->kind == ALK_F_PORT ? htons(x) : x;

		memcpy(p, &u, 2);
	} else {
		uint32_t u = x;

		memcpy(p, &u, 4);
	}
}

void alk_field_store_count(const struct alk_field *f, void *val, uint32_t n)
{
	uint8_t *p = (uint8_t *)val + f->aux;

	if (f->aux_size == 1)
		*p = n;
	else
		memcpy(p, &n, 4);
}

int alk_field_parse(const struct alk_field *f, const char *s, void *key,
		    void *val)
{
	uint8_t *p = alk_field_ptr(f, key, val);
	uint64_t x;

	switch (f->kind) {
	case ALK_F_VNI:
	case ALK_F_U16:
	case ALK_F_U32:
	case ALK_F_PORT:
		if (parse_decimal(s, alk_field_max(f), &x))
			return -EINVAL;
		alk_field_store_number(f, key, val, x);
		return 0;
	case ALK_F_IPV4:
	case ALK_F_IPV4_0:
		return alk_parse_ipv4(s, (__be32 *)p);
	case ALK_F_MAC:
		return alk_parse_mac(s, p);
	case ALK_F_PREFIX: {
		uint32_t plen;

		if (parse_prefix(s, (__be32 *)p, &plen))
			return -EINVAL;
		memcpy((uint8_t *)key + f->aux, &plen, 4);
		return 0;
	}
	case ALK_F_HOPS: {
		uint32_t n;

		if (parse_hops(s, (__be32 *)p, &n))
			return -EINVAL;
		alk_field_store_count(f, val, n);
		return 0;
	}
	case ALK_F_FLAG: {
		uint16_t flags;

		memcpy(&flags, p, 2);
		if (!strcmp(s, "on"))
			flags |= f->aux;
		else if (!strcmp(s, "off"))
			flags &= ~f->aux;
		else
			return -EINVAL;
		memcpy(p, &flags, 2);
		return 0;
	}
	case ALK_F_IFNAME:
		return alk_parse_ifname(s, (char *)p);
	}
	return -EINVAL;
}

/* --- writing -------------------------------------------------------- */

static size_t put_u32(char *out, uint32_t v)
{
	char d[10];
	size_t n = 0, len;

	do
		d[n++] = '0' + v % 10;
	while (v /= 10);
	for (len = 0; n; len++)
		out[len] = d[--n];
	return len;
}

static size_t put_ipv4(char *out, const uint8_t *a, bool quote)
{
	size_t len = 0;

	if (quote)
		out[len++] = '"';
	for (int i = 0; i < 4; i++) {
		if (i)
			out[len++] = '.';
		len += put_u32(out + len, a[i]);
	}
	if (quote)
		out[len++] = '"';
	return len;
}

static size_t put_mac(char *out, const uint8_t *m, bool quote)
{
	static const char hex[] = "0123456789abcdef";
	size_t len = 0;

	if (quote)
		out[len++] = '"';
	for (int i = 0; i < 6; i++) {
		out[len++] = hex[m[i] >> 4];
		out[len++] = hex[m[i] & 15];
		if (i < 5)
			out[len++] = ':';
	}
	if (quote)
		out[len++] = '"';
	return len;
}

static uint32_t get_u32(const uint8_t *p)
{
	uint32_t u;

	memcpy(&u, p, 4);
	return u;
}

static uint16_t get_u16(const uint8_t *p)
{
	uint16_t u;

	memcpy(&u, p, 2);
	return u;
}

static size_t put_str(char *out, const char *s)
{
	size_t len = strlen(s);

	memcpy(out, s, len);
	return len;
}

bool alk_field_unset(const struct alk_field *f, const void *key,
		     const void *val)
{
	const uint8_t *p = alk_field_ptr(f, (void *)key, (void *)val);

	if (f->optional != 1)
		return false;
	switch (f->kind) {
	case ALK_F_IPV4_0:
	case ALK_F_U32:
		return !get_u32(p);
	case ALK_F_U16:
		return !get_u16(p);
	default:
		return false; /* ports and flags: their value always matters */
	}
}

size_t alk_field_format(const struct alk_field *f, const void *key,
			const void *val, enum alk_style style, char *out)
{
	const uint8_t *p = alk_field_ptr(f, (void *)key, (void *)val);
	bool json = style == ALK_STYLE_JSON;
	size_t len = 0;

	switch (f->kind) {
	case ALK_F_VNI:
	case ALK_F_U32:
		return put_u32(out, get_u32(p));
	case ALK_F_U16:
		return put_u32(out, get_u16(p));
	case ALK_F_PORT:
		return put_u32(out, ntohs(get_u16(p)));
	case ALK_F_FLAG:
		if (json)
			return put_str(out,
				       get_u16(p) & f->aux ? "true" : "false");
		return put_str(out, get_u16(p) & f->aux ? "on" : "off");
	case ALK_F_IPV4_0:
		if (!get_u32(p))
			return put_str(out, json ? "null" : "-");
		/* fall through */
	case ALK_F_IPV4:
		return put_ipv4(out, p, json);
	case ALK_F_MAC:
		return put_mac(out, p, json);
	case ALK_F_PREFIX:
		if (json)
			out[len++] = '"';
		len += put_ipv4(out + len, p, false);
		out[len++] = '/';
		len += put_u32(out + len,
			       get_u32((const uint8_t *)key + f->aux));
		if (json)
			out[len++] = '"';
		return len;
	case ALK_F_HOPS: {
		const uint8_t *count = (const uint8_t *)val + f->aux;
		uint32_t n = f->aux_size == 1 ? *count : get_u32(count);

		if (n > ALK_MAX_HOPS)
			n = ALK_MAX_HOPS;
		if (json)
			out[len++] = '[';
		for (uint32_t i = 0; i < n; i++) {
			if (i)
				out[len++] = ',';
			len += put_ipv4(out + len, p + 4 * i, json);
		}
		if (json)
			out[len++] = ']';
		return len;
	}
	case ALK_F_IFNAME:
		/* validated when stored: nothing to escape */
		if (json)
			out[len++] = '"';
		len += strnlen((const char *)p, ALK_IFNAMSIZ - 1);
		memcpy(out + (json ? 1 : 0), p, len - (json ? 1 : 0));
		if (json)
			out[len++] = '"';
		return len;
	}
	return 0;
}

size_t alk_object_words(const struct alk_object *o, enum alk_part part,
			const void *key, const void *val, char *out)
{
	unsigned int n = alk_part_fields(o, part);
	size_t len = 0;

	for (unsigned int i = 0; i < n; i++) {
		const struct alk_field *f = &o->fields[i];

		if (alk_field_unset(f, key, val))
			continue;
		if (len)
			out[len++] = ' ';
		len += put_str(out + len, f->word);
		out[len++] = ' ';
		len += alk_field_format(f, key, val, ALK_STYLE_WORDS,
					out + len);
	}
	return len;
}
