/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The JSON shape of the table objects, driven by one field table per
 * object.  The decoder is on the server's hot path (a batch of endpoints is
 * a few hundred thousand of these per second): it walks each JSON object
 * once, matches member names against a handful of fields and parses
 * addresses without allocating.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "api.h"

#define KEY(type, m) .in_key = 1, .off = offsetof(type, m)
#define VAL(type, m) .off = offsetof(type, m)

static const struct alk_api_field endpoint_fields[] = {
	{ "vni", "vni", ALK_K_VNI, KEY(struct alk_endpoint_key, vni),
	  .header = "VNI", .width = 8 },
	{ "ip", "ip", ALK_K_IPV4, KEY(struct alk_endpoint_key, ip),
	  .header = "IP", .width = 15 },
	{ "mac", "mac", ALK_K_MAC, VAL(struct alk_endpoint, mac),
	  .header = "MAC", .width = 17 },
	{ "host", "host", ALK_K_IPV4, VAL(struct alk_endpoint, host),
	  .header = "HOST" },
};

/* The hop list last: it is the one column of varying width. */
static const struct alk_api_field network_fields[] = {
	{ "vni", "vni", ALK_K_VNI, KEY(struct alk_network_key, vni),
	  .header = "VNI", .width = 8 },
	{ "prefix", "prefix", ALK_K_PREFIX, KEY(struct alk_network_key, prefix),
	  .aux = offsetof(struct alk_network_key, plen), .header = "PREFIX",
	  .width = 18 },
	{ "router", "router", ALK_K_IPV4_0, VAL(struct alk_network, router),
	  .optional = 1, .header = "ROUTER", .width = 15 },
	{ "dns", "dns", ALK_K_IPV4_0, VAL(struct alk_network, dns),
	  .optional = 1, .header = "DNS", .width = 15 },
	{ "mtu", "mtu", ALK_K_U16, VAL(struct alk_network, mtu), .optional = 1,
	  .header = "MTU", .width = 5 },
	{ "lease", "lease", ALK_K_U32, VAL(struct alk_network, lease),
	  .optional = 1, .header = "LEASE", .width = 10 },
	{ "bouncers", "bouncers", ALK_K_HOPS, VAL(struct alk_network, bouncers),
	  .aux = offsetof(struct alk_network, nbouncers), .aux_size = 1,
	  .header = "BOUNCERS" },
};

static const struct alk_api_field vpc_fields[] = {
	{ "vni", "vni", ALK_K_VNI, KEY(struct alk_vpc_key, vni),
	  .header = "VNI", .width = 8 },
	{ "dividers", "dividers", ALK_K_HOPS, VAL(struct alk_vpc, dividers),
	  .aux = offsetof(struct alk_vpc, ndividers), .aux_size = 4,
	  .header = "DIVIDERS" },
};

static const struct alk_api_field neighbor_fields[] = {
	{ "ip", "ip", ALK_K_IPV4, KEY(struct alk_neighbor_key, ip),
	  .header = "IP", .width = 15 },
	{ "mac", "mac", ALK_K_MAC, VAL(struct alk_neighbor, mac),
	  .header = "MAC" },
};

static const struct alk_api_field gateway_fields[] = {
	{ "ip", "ip", ALK_K_IPV4, VAL(struct alk_gateway, ip), .header = "IP",
	  .width = 15 },
	{ "mac", "mac", ALK_K_MAC, VAL(struct alk_gateway, mac),
	  .header = "MAC", .width = 17 },
	{ "geneve_port", "geneve-port", ALK_K_PORT,
	  VAL(struct alk_gateway, geneve_port), .optional = 1,
	  .header = "GENEVE", .width = 6 },
	{ "vxlan_port", "vxlan-port", ALK_K_PORT,
	  VAL(struct alk_gateway, vxlan_port), .optional = 1, .header = "VXLAN",
	  .width = 6 },
	{ "underlay_arp", "underlay-arp", ALK_K_FLAG,
	  VAL(struct alk_gateway, flags), .aux = ALK_GW_F_UNDERLAY_ARP,
	  .optional = 1, .header = "UNDERLAY-ARP" },
};

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define OBJECT(o, nm, tbl, k, v, f, nk)                                        \
	[o] = { .name = nm,                                                    \
		.object = o,                                                   \
		.table = tbl,                                                  \
		.key_size = k,                                                 \
		.val_size = v,                                                 \
		.fields = f,                                                   \
		.nfields = N(f),                                               \
		.nkey = nk }

static const struct alk_api_object objects[ALK_API_NOBJECTS] = {
	OBJECT(ALK_O_GATEWAY, "gateway", ALK_T_MAX, 0,
	       sizeof(struct alk_gateway), gateway_fields, 0),
	OBJECT(ALK_O_ENDPOINT, "endpoint", ALK_T_ENDPOINT,
	       sizeof(struct alk_endpoint_key), sizeof(struct alk_endpoint),
	       endpoint_fields, 2),
	OBJECT(ALK_O_NETWORK, "network", ALK_T_NETWORK,
	       sizeof(struct alk_network_key), sizeof(struct alk_network),
	       network_fields, 2),
	OBJECT(ALK_O_VPC, "vpc", ALK_T_VPC, sizeof(struct alk_vpc_key),
	       sizeof(struct alk_vpc), vpc_fields, 1),
	OBJECT(ALK_O_NEIGHBOR, "neighbor", ALK_T_NEIGHBOR,
	       sizeof(struct alk_neighbor_key), sizeof(struct alk_neighbor),
	       neighbor_fields, 1),
};

_Static_assert(sizeof(struct alk_network_key) <= ALK_API_MAX_KEY, "key");
_Static_assert(sizeof(struct alk_network) <= ALK_API_MAX_VAL, "value");

const struct alk_api_object *alk_api_object(enum alk_cmd_object o)
{
	return (unsigned int)o < ALK_API_NOBJECTS ? &objects[o] : NULL;
}

const struct alk_api_object *alk_api_object_by_name(const char *name,
						    size_t len)
{
	for (unsigned int i = 0; i < ALK_API_NOBJECTS; i++)
		if (strlen(objects[i].name) == len &&
		    !memcmp(objects[i].name, name, len))
			return &objects[i];
	return NULL;
}

int alk_api_line_words(char *line, char **argv, int max)
{
	char *p = line + strspn(line, " \t");

	return *p == '#' ? 0 : alk_cmd_split(p, argv, max);
}

void alk_api_cmd_parts(const struct alk_cmd *c, const void **key,
		       const void **val)
{
	switch (c->object) {
	case ALK_O_GATEWAY:
		*key = NULL;
		*val = &c->gateway;
		return;
	case ALK_O_ENDPOINT:
		*key = &c->endpoint.key;
		*val = &c->endpoint.val;
		return;
	case ALK_O_NETWORK:
		*key = &c->network.key;
		*val = &c->network.val;
		return;
	case ALK_O_VPC:
		*key = &c->vpc.key;
		*val = &c->vpc.val;
		return;
	case ALK_O_NEIGHBOR:
		*key = &c->neighbor.key;
		*val = &c->neighbor.val;
		return;
	}
}

int alk_api_code(int neg_errno)
{
	switch (-neg_errno) {
	case EINVAL:
	case ERANGE:
		return ALK_RPC_INVALID_PARAMS;
	case ENOENT:
		return ALK_RPC_NOT_FOUND;
	case ENOSPC:
		return ALK_RPC_NO_SPACE;
	case EEXIST:
		return ALK_RPC_CONFLICT;
	case EACCES:
	case EPERM:
		return ALK_RPC_DENIED;
	default:
		return ALK_RPC_FAILED;
	}
}

/* --- decoding ------------------------------------------------------- */

/* "entries[3].mac: " or "params: " before the reason. */
static int fail(struct alk_error *err, const char *where, int64_t index,
		const char *field, const char *fmt, ...)
{
	char reason[sizeof(err->msg)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	err->index = index;
	if (index >= 0)
		snprintf(err->msg, sizeof(err->msg), "%s[%" PRId64 "]%s%s: %s",
			 where, index, field ? "." : "", field ? field : "",
			 reason);
	else
		snprintf(err->msg, sizeof(err->msg), "%s%s%s: %s", where,
			 field ? "." : "", field ? field : "", reason);
	return -EINVAL;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Exactly xx:xx:xx:xx:xx:xx.  sscanf (as the grammar uses) costs more
 * than the rest of an entry's decoding together. */
static int parse_mac(const char *s, size_t len, uint8_t mac[6])
{
	if (len != 17)
		return -EINVAL;
	for (int i = 0; i < 6; i++) {
		int hi = hexval(s[3 * i]), lo = hexval(s[3 * i + 1]);

		if (hi < 0 || lo < 0 || (i < 5 && s[3 * i + 2] != ':'))
			return -EINVAL;
		mac[i] = hi << 4 | lo;
	}
	return 0;
}

static int parse_ipv4(const char *s, size_t len, __be32 *ip)
{
	/* json-c strings may hold a NUL; inet_pton would stop at it */
	if (len > 15 || strlen(s) != len)
		return -EINVAL;
	return alk_parse_ipv4(s, ip);
}

static int parse_prefix(const char *s, size_t len, __be32 *ip, uint32_t *plen)
{
	const char *slash = memchr(s, '/', len);
	char a[16];
	size_t n;
	uint32_t l = 0;

	if (!slash || slash - s > 15 || strlen(s) != len)
		return -EINVAL;
	n = slash - s;
	memcpy(a, s, n);
	a[n] = 0;
	if (alk_parse_ipv4(a, ip))
		return -EINVAL;
	if (s + len - slash < 2 || s + len - slash > 3)
		return -EINVAL;
	for (const char *p = slash + 1; p < s + len; p++) {
		if (*p < '0' || *p > '9')
			return -EINVAL;
		l = l * 10 + (*p - '0');
	}
	if (l > 32)
		return -EINVAL;
	*plen = l;
	return 0;
}

static int decode_number(struct json_object *v, uint64_t max, uint64_t *out,
			 const char **why)
{
	int64_t x;

	if (!json_object_is_type(v, json_type_int)) {
		*why = "expected an integer";
		return -EINVAL;
	}
	x = json_object_get_int64(v);
	if (x < 0 || (uint64_t)x > max) {
		*why = NULL; /* the caller says the range */
		return -ERANGE;
	}
	*out = x;
	return 0;
}

/* A number field's value, as the tables hold it (ports in network order). */
static void store_number(const struct alk_api_field *f, uint8_t *p,
			 uint64_t x)
{
	if (f->kind == ALK_K_U16 || f->kind == ALK_K_PORT) {
		uint16_t u = f->kind == ALK_K_PORT ? htons(x) : x;

		memcpy(p, &u, 2);
	} else {
		uint32_t u = x;

		memcpy(p, &u, 4);
	}
}

static int decode_field(const struct alk_api_field *f, struct json_object *v,
			uint8_t *key, uint8_t *val, const char *where,
			int64_t index, struct alk_error *err)
{
	uint8_t *p = (f->in_key ? key : val) + f->off;
	const char *why = NULL, *s;
	uint64_t x = 0, max;
	size_t len;
	int rc;

	switch (f->kind) {
	case ALK_K_VNI:
	case ALK_K_U16:
	case ALK_K_U32:
	case ALK_K_PORT:
		max = f->kind == ALK_K_VNI ? ALK_VNI_MAX :
		      f->kind == ALK_K_U32 ? UINT32_MAX :
					     UINT16_MAX;
		rc = decode_number(v, max, &x, &why);
		if (rc == -ERANGE)
			return fail(err, where, index, NULL,
				    "%s %" PRId64 " out of range (0-%" PRIu64
				    ")",
				    f->name, json_object_get_int64(v), max);
		if (rc)
			break;
		store_number(f, p, x);
		return 0;
	case ALK_K_FLAG: {
		uint16_t flags;

		if (!json_object_is_type(v, json_type_boolean)) {
			why = "expected true or false";
			break;
		}
		memcpy(&flags, p, 2);
		if (json_object_get_boolean(v))
			flags |= f->aux;
		else
			flags &= ~f->aux;
		memcpy(p, &flags, 2);
		return 0;
	}
	case ALK_K_IPV4_0:
		if (json_object_is_type(v, json_type_null)) {
			memset(p, 0, 4);
			return 0;
		}
		/* fall through */
	case ALK_K_IPV4:
	case ALK_K_MAC:
	case ALK_K_PREFIX:
		if (!json_object_is_type(v, json_type_string)) {
			why = f->kind == ALK_K_IPV4_0 ?
				      "expected a string or null" :
				      "expected a string";
			break;
		}
		s = json_object_get_string(v);
		len = json_object_get_string_len(v);
		if (f->kind == ALK_K_MAC) {
			if (!parse_mac(s, len, p))
				return 0;
			return fail(err, where, index, f->name,
				    "'%.40s' is not a MAC address "
				    "(xx:xx:xx:xx:xx:xx)",
				    s);
		}
		if (f->kind == ALK_K_PREFIX) {
			uint32_t plen;

			if (!parse_prefix(s, len, (__be32 *)p, &plen)) {
				memcpy(key + f->aux, &plen, 4);
				return 0;
			}
			return fail(
				err, where, index, f->name,
				"'%.40s' is not an IPv4 prefix (a.b.c.d/len)",
				s);
		}
		if (!parse_ipv4(s, len, (__be32 *)p))
			return 0;
		return fail(err, where, index, f->name,
			    "'%.40s' is not an IPv4 address", s);
	case ALK_K_HOPS: {
		size_t n;

		if (!json_object_is_type(v, json_type_array)) {
			why = "expected an array of IPv4 addresses";
			break;
		}
		n = json_object_array_length(v);
		if (n > ALK_MAX_HOPS)
			return fail(err, where, index, f->name,
				    "at most %d addresses, got %zu",
				    ALK_MAX_HOPS, n);
		for (size_t i = 0; i < n; i++) {
			struct json_object *h = json_object_array_get_idx(v, i);

			if (!json_object_is_type(h, json_type_string) ||
			    parse_ipv4(json_object_get_string(h),
				       json_object_get_string_len(h),
				       (__be32 *)p + i)) {
				char name[32];

				snprintf(name, sizeof(name), "%s[%zu]", f->name,
					 i);
				return fail(err, where, index, name,
					    "not an IPv4 address");
			}
		}
		if (f->aux_size == 1) {
			val[f->aux] = n;
		} else {
			uint32_t u = n;

			memcpy(val + f->aux, &u, 4);
		}
		return 0;
	}
	}
	return fail(err, where, index, f->name, "%s", why);
}

int alk_api_field_by_name(const struct alk_api_object *o, unsigned int n,
			  const char *name, size_t len)
{
	for (unsigned int i = 0; i < n && i < o->nfields; i++)
		if (strlen(o->fields[i].name) == len &&
		    !memcmp(o->fields[i].name, name, len))
			return i;
	return -1;
}

/* The field called name among those of part: its index, or -1. */
static int field_index(const struct alk_api_object *o, enum alk_api_part part,
		       const char *name, const char *where, int64_t index,
		       struct alk_error *err)
{
	unsigned int nfields = part == ALK_API_KEY ? o->nkey : o->nfields;
	int i = alk_api_field_by_name(o, o->nfields, name, strlen(name));

	if (i >= 0 && (unsigned int)i < nfields)
		return i;
	if (i >= 0)
		fail(err, where, index, NULL, "'%s' is not part of the key",
		     name);
	else
		fail(err, where, index, NULL, "unknown member '%.40s'", name);
	return -1;
}

static int check_required(const struct alk_api_object *o,
			  enum alk_api_part part, uint32_t seen,
			  const char *where, int64_t index,
			  struct alk_error *err)
{
	unsigned int nfields = part == ALK_API_KEY ? o->nkey : o->nfields;

	for (unsigned int i = 0; i < nfields; i++)
		if (!(seen & (1u << i)) &&
		    (part == ALK_API_KEY || !o->fields[i].optional))
			return fail(err, where, index, NULL, "missing '%s'",
				    o->fields[i].name);
	return 0;
}

/* Zero, and the defaults the grammar gives fields left out. */
static void start(const struct alk_api_object *o, enum alk_api_part part,
		  void *key, void *val)
{
	if (key)
		memset(key, 0, o->key_size);
	if (part == ALK_API_ALL)
		memset(val, 0, o->val_size);
	if (o->object == ALK_O_GATEWAY) {
		struct alk_gateway *gw = val;

		gw->geneve_port = htons(ALK_GENEVE_PORT);
		gw->vxlan_port = htons(ALK_VXLAN_PORT);
	}
}

void alk_api_start(const struct alk_api_object *o, enum alk_api_part part,
		   void *key, void *val)
{
	start(o, part, key, val);
}


/* Digits as JSON writes an integer: no sign, no leading zero. */
static int text_number(const char *s, size_t len, uint64_t max, uint64_t *out)
{
	uint64_t x = 0;

	if (!len || len > 18 || (s[0] == '0' && len > 1))
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		x = x * 10 + (s[i] - '0');
	}
	if (x > max)
		return -1;
	*out = x;
	return 0;
}

int alk_api_decode_text(const struct alk_api_field *f, const char *s,
			size_t len, bool quoted, void *key, void *val)
{
	uint8_t *p = (uint8_t *)(f->in_key ? key : val) + f->off;
	char a[20];
	uint64_t x;

	switch (f->kind) {
	case ALK_K_VNI:
	case ALK_K_U16:
	case ALK_K_U32:
	case ALK_K_PORT:
		if (quoted || text_number(s, len,
					  f->kind == ALK_K_VNI ? ALK_VNI_MAX :
					  f->kind == ALK_K_U32 ? UINT32_MAX :
								 UINT16_MAX,
					  &x))
			return -1;
		store_number(f, p, x);
		return 0;
	case ALK_K_IPV4_0:
		if (!quoted && len == 4 && !memcmp(s, "null", 4)) {
			memset(p, 0, 4);
			return 0;
		}
		/* fall through */
	case ALK_K_IPV4:
		if (!quoted || len > 15)
			return -1;
		memcpy(a, s, len);
		a[len] = 0;
		return parse_ipv4(a, len, (__be32 *)p) ? -1 : 0;
	case ALK_K_MAC:
		return quoted && !parse_mac(s, len, p) ? 0 : -1;
	case ALK_K_PREFIX: {
		uint32_t plen;

		if (!quoted || len > 18)
			return -1;
		memcpy(a, s, len);
		a[len] = 0;
		if (parse_prefix(a, len, (__be32 *)p, &plen))
			return -1;
		memcpy((uint8_t *)key + f->aux, &plen, 4);
		return 0;
	}
	case ALK_K_HOPS:
	case ALK_K_FLAG:
		break;
	}
	return -1;
}

int alk_api_decode(const struct alk_api_object *o, struct json_object *j,
		   enum alk_api_part part, const char *where, int64_t index,
		   void *key, void *val, struct alk_error *err)
{
	uint32_t seen = 0;

	if (!json_object_is_type(j, json_type_object))
		return fail(err, where, index, NULL, "expected an object");
	start(o, part, key, val);
	json_object_object_foreach(j, name, v)
	{
		int i = field_index(o, part, name, where, index, err);

		if (i < 0 ||
		    decode_field(&o->fields[i], v, key, val, where, index, err))
			return -EINVAL;
		seen |= 1u << i;
	}
	return check_required(o, part, seen, where, index, err);
}

int alk_api_columns(const struct alk_api_object *o, enum alk_api_part part,
		    struct json_object *fields, uint8_t *cols, size_t *ncols,
		    struct alk_error *err)
{
	size_t n = json_object_array_length(fields);
	uint32_t seen = 0;

	if (n > o->nfields)
		return fail(err, "params.fields", -1, NULL,
			    "%zu names for %u fields", n, o->nfields);
	for (size_t c = 0; c < n; c++) {
		struct json_object *name = json_object_array_get_idx(fields, c);
		int i;

		if (!json_object_is_type(name, json_type_string))
			return fail(err, "params.fields", c, NULL,
				    "expected a field name");
		i = field_index(o, part, json_object_get_string(name),
				"params.fields", c, err);
		if (i < 0)
			return -EINVAL;
		if (seen & (1u << i))
			return fail(err, "params.fields", c, NULL,
				    "'%s' given twice", o->fields[i].name);
		seen |= 1u << i;
		cols[c] = i;
	}
	*ncols = n;
	return check_required(o, part, seen, "params.fields", -1, err);
}

int alk_api_decode_row(const struct alk_api_object *o, enum alk_api_part part,
		       const uint8_t *cols, size_t ncols,
		       struct json_object *row, const char *where,
		       int64_t index, void *key, void *val,
		       struct alk_error *err)
{
	if (!json_object_is_type(row, json_type_array) ||
	    json_object_array_length(row) != ncols)
		return fail(err, where, index, NULL,
			    "expected an array of %zu values, one per field",
			    ncols);
	start(o, part, key, val);
	for (size_t c = 0; c < ncols; c++)
		if (decode_field(&o->fields[cols[c]],
				 json_object_array_get_idx(row, c), key, val,
				 where, index, err))
			return -EINVAL;
	return 0;
}

/* --- encoding ------------------------------------------------------- */

enum style { JSON, WORDS, TEXT };

/*
 * Numbers and addresses written by hand: the state file of a million
 * endpoints is these calls four million times, and printf was most of it.
 */
static void put_u32(struct alk_buf *b, uint32_t v)
{
	char d[10];
	int n = 0;

	do
		d[n++] = '0' + v % 10;
	while (v /= 10);
	if (!alk_buf_reserve(b, n))
		return;
	while (n)
		b->data[b->len++] = d[--n];
}

static void put_ipv4(struct alk_buf *b, const void *p, int quote)
{
	const uint8_t *a = p;

	if (quote)
		alk_buf_putc(b, '"');
	for (int i = 0; i < 4; i++) {
		if (i)
			alk_buf_putc(b, '.');
		put_u32(b, a[i]);
	}
	if (quote)
		alk_buf_putc(b, '"');
}

static void put_mac(struct alk_buf *b, const uint8_t *m, int quote)
{
	static const char hex[] = "0123456789abcdef";
	char s[19], *p = s;

	if (quote)
		*p++ = '"';
	for (int i = 0; i < 6; i++) {
		*p++ = hex[m[i] >> 4];
		*p++ = hex[m[i] & 15];
		if (i < 5)
			*p++ = ':';
	}
	if (quote)
		*p++ = '"';
	alk_buf_put(b, s, p - s);
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

/* Unset options: left out of the grammar's words, "-" in columns. */
static int field_unset(const struct alk_api_field *f, const uint8_t *p)
{
	if (!f->optional)
		return 0;
	switch (f->kind) {
	case ALK_K_IPV4_0:
	case ALK_K_U32:
		return !get_u32(p);
	case ALK_K_U16:
		return !get_u16(p);
	default:
		return 0; /* ports and flags: their value always matters */
	}
}

static void put_value(const struct alk_api_field *f, const uint8_t *key,
		      const uint8_t *val, struct alk_buf *b, enum style style)
{
	const uint8_t *p = (f->in_key ? key : val) + f->off;
	int quote = style == JSON;

	switch (f->kind) {
	case ALK_K_VNI:
	case ALK_K_U32:
		put_u32(b, get_u32(p));
		return;
	case ALK_K_U16:
		put_u32(b, get_u16(p));
		return;
	case ALK_K_PORT:
		put_u32(b, ntohs(get_u16(p)));
		return;
	case ALK_K_FLAG:
		if (style == JSON)
			alk_buf_puts(b, get_u16(p) & f->aux ? "true" : "false");
		else
			alk_buf_puts(b, get_u16(p) & f->aux ? "on" : "off");
		return;
	case ALK_K_IPV4_0:
		if (!get_u32(p)) {
			alk_buf_puts(b, style == JSON ? "null" : "-");
			return;
		}
		/* fall through */
	case ALK_K_IPV4:
		put_ipv4(b, p, quote);
		return;
	case ALK_K_MAC:
		put_mac(b, p, quote);
		return;
	case ALK_K_PREFIX:
		if (quote)
			alk_buf_putc(b, '"');
		put_ipv4(b, p, 0);
		alk_buf_putc(b, '/');
		put_u32(b, get_u32(key + f->aux));
		if (quote)
			alk_buf_putc(b, '"');
		return;
	case ALK_K_HOPS: {
		uint32_t n =
			f->aux_size == 1 ? val[f->aux] : get_u32(val + f->aux);

		if (n > ALK_MAX_HOPS)
			n = ALK_MAX_HOPS;
		if (style == JSON)
			alk_buf_putc(b, '[');
		for (uint32_t i = 0; i < n; i++) {
			if (i)
				alk_buf_putc(b, ',');
			put_ipv4(b, p + 4 * i, quote);
		}
		if (style == JSON)
			alk_buf_putc(b, ']');
		return;
	}
	}
}

void alk_api_encode(const struct alk_api_object *o, enum alk_api_part part,
		    const void *key, const void *val, struct alk_buf *b)
{
	unsigned int n = part == ALK_API_KEY ? o->nkey : o->nfields;

	alk_buf_putc(b, '{');
	for (unsigned int i = 0; i < n; i++) {
		if (i)
			alk_buf_putc(b, ',');
		alk_buf_putc(b, '"');
		alk_buf_puts(b, o->fields[i].name);
		alk_buf_put(b, "\":", 2);
		put_value(&o->fields[i], key, val, b, JSON);
	}
	alk_buf_putc(b, '}');
}

void alk_api_encode_fields(const struct alk_api_object *o,
			   enum alk_api_part part, struct alk_buf *b)
{
	unsigned int n = part == ALK_API_KEY ? o->nkey : o->nfields;

	alk_buf_putc(b, '[');
	for (unsigned int i = 0; i < n; i++) {
		if (i)
			alk_buf_putc(b, ',');
		alk_buf_putc(b, '"');
		alk_buf_puts(b, o->fields[i].name);
		alk_buf_putc(b, '"');
	}
	alk_buf_putc(b, ']');
}

void alk_api_encode_row(const struct alk_api_object *o, enum alk_api_part part,
			const void *key, const void *val, struct alk_buf *b)
{
	unsigned int n = part == ALK_API_KEY ? o->nkey : o->nfields;

	alk_buf_putc(b, '[');
	for (unsigned int i = 0; i < n; i++) {
		if (i)
			alk_buf_putc(b, ',');
		put_value(&o->fields[i], key, val, b, JSON);
	}
	alk_buf_putc(b, ']');
}

void alk_api_words(const struct alk_api_object *o, enum alk_api_part part,
		   const void *key, const void *val, struct alk_buf *b)
{
	unsigned int n = part == ALK_API_KEY ? o->nkey : o->nfields;
	int first = 1;

	for (unsigned int i = 0; i < n; i++) {
		const struct alk_api_field *f = &o->fields[i];
		const uint8_t *p =
			(const uint8_t *)(f->in_key ? key : val) + f->off;

		if (field_unset(f, p))
			continue;
		if (!first)
			alk_buf_putc(b, ' ');
		alk_buf_puts(b, f->word);
		alk_buf_putc(b, ' ');
		put_value(f, key, val, b, WORDS);
		first = 0;
	}
}

void alk_api_field_text(const struct alk_api_field *f, const void *key,
			const void *val, struct alk_buf *b)
{
	const uint8_t *p = (const uint8_t *)(f->in_key ? key : val) + f->off;

	if (field_unset(f, p))
		alk_buf_putc(b, '-');
	else
		put_value(f, key, val, b, TEXT);
}
