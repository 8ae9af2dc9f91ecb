/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * JSON-RPC 2.0 methods over the table API.  Every method is one line of the
 * table below; the envelope (jsonrpc, id, method) and the parameters'
 * names and types are checked here, once, before a handler runs, so a
 * handler only sees well-formed parameters.
 */
#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/reason_names.h"
#include "api.h"
#include "rows.h"
#include "rpc.h"
#include "state.h"

#ifndef ALK_VERSION
#define ALK_VERSION "unknown"
#endif

struct call {
	struct alk_rpc *rpc;
	const struct alk_object *obj;
	struct json_object *params; /* an object, or NULL */
	struct alk_buf *out;	    /* the result goes here */
	int code;		    /* on failure */
	struct alk_error err;
};

/* A parameter: its name, the JSON types it may take, whether required. */
struct param {
	const char *name;
	unsigned int types; /* bits of enum json_type */
	bool required;
};

#define T(x) (1u << json_type_##x)

enum params_kind {
	P_NONE,	   /* no parameters */
	P_MEMBERS, /* an object with the members listed */
	P_KEY,	   /* an object: the key of obj */
	P_ALL,	   /* an object: every field of obj */
};

struct method {
	const char *name;
	int (*run)(struct call *c);
	enum alk_cmd_object obj;
	enum params_kind params;
	const struct param *members;
	bool changes; /* a table changes when it succeeds */
};

static int failed(struct call *c, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int failed(struct call *c, int code, const char *fmt, ...)
{
	va_list ap;

	c->code = code;
	c->err.index = -1;
	va_start(ap, fmt);
	vsnprintf(c->err.msg, sizeof(c->err.msg), fmt, ap);
	va_end(ap);
	return -1;
}

/* A table-API error: the entry it names, in the request's terms. */
static int table_failed(struct call *c, int rc, const char *where)
{
	char reason[sizeof(c->err.msg)];

	c->code = alk_api_code(rc);
	if (c->err.index >= 0) {
		memcpy(reason, c->err.msg, sizeof(reason));
		snprintf(c->err.msg, sizeof(c->err.msg), "%s[%" PRId64 "]: %s",
			 where, c->err.index, reason);
	}
	return -1;
}

static void *scratch(struct alk_rpc *rpc, size_t size)
{
	if (size > rpc->scratch_size) {
		void *p = realloc(rpc->scratch, size);

		if (!p)
			return NULL;
		rpc->scratch = p;
		rpc->scratch_size = size;
	}
	return rpc->scratch;
}

/* --- tables ---------------------------------------------------------- */

/* A decoded batch to the tables; its result is the count. */
static int apply_batch(struct call *c, enum alk_cmd_op op, const char *where,
		       const void *keys, const void *vals, size_t n)
{
	int rc = alk_cmd_apply_n(c->rpc->tables, c->obj->object, op, keys, vals,
				 n, &c->err);

	if (rc)
		return table_failed(c, rc, where);
	alk_buf_printf(c->out, "{\"count\":%zu}", n);
	return 0;
}

/* add and del: a batch as "entries" (objects) or "fields" and "rows". */
static int rpc_change(struct call *c, enum alk_cmd_op op)
{
	const struct alk_object *o = c->obj;
	enum alk_part part = op == ALK_OP_ADD ? ALK_PART_ALL : ALK_PART_KEY;
	struct json_object *entries =
		json_object_object_get(c->params, "entries");
	struct json_object *fields =
		json_object_object_get(c->params, "fields");
	struct json_object *rows = json_object_object_get(c->params, "rows");
	size_t ks = o->key_size, vs = part == ALK_PART_ALL ? o->val_size : 0;
	const char *where = "entries";
	uint8_t cols[32], *keys, *vals;
	size_t n, ncols = 0;
	int rc;

	if (fields && rows && !entries) {
		if (alk_api_columns(o, part, fields, cols, &ncols, &c->err)) {
			c->code = ALK_RPC_INVALID_PARAMS;
			return -1;
		}
		entries = rows;
		where = "rows";
	} else if (!entries || fields || rows) {
		return failed(c, ALK_RPC_INVALID_PARAMS,
			      "params: either 'entries', or 'fields' and "
			      "'rows'");
	}
	n = json_object_array_length(entries);
	if (n > UINT32_MAX)
		return failed(c, ALK_RPC_INVALID_PARAMS, "too many entries");
	keys = scratch(c->rpc, n * (ks + vs) + 1);
	if (!keys)
		return failed(c, ALK_RPC_INTERNAL,
			      "out of memory for %zu entries", n);
	vals = keys + n * ks;
	for (size_t i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(entries, i);

		rc = rows == entries ?
			     alk_api_decode_row(o, part, cols, ncols, e, where,
						i, keys + i * ks, vals + i * vs,
						&c->err) :
			     alk_api_decode(o, e, part, where, i, keys + i * ks,
					    vals + i * vs, &c->err);
		if (rc) {
			c->code = ALK_RPC_INVALID_PARAMS;
			return -1;
		}
	}
	return apply_batch(c, op, where, keys, vals, n);
}

static int rpc_add(struct call *c)
{
	return rpc_change(c, ALK_OP_ADD);
}

static int rpc_del(struct call *c)
{
	return rpc_change(c, ALK_OP_DEL);
}

static int rpc_get(struct call *c)
{
	const struct alk_object *o = c->obj;
	uint8_t key[ALK_MAX_KEY], val[ALK_MAX_VAL];
	struct alk_buf words = { 0 };
	int rc;

	if (alk_api_decode(o, c->params, ALK_PART_KEY, "params", -1, key, NULL,
			   &c->err)) {
		c->code = ALK_RPC_INVALID_PARAMS;
		return -1;
	}
	rc = alk_table_get(c->rpc->tables, o->table, key, val);
	if (rc == -ENOENT) {
		alk_api_words(o, ALK_PART_KEY, key, NULL, &words);
		failed(c, ALK_RPC_NOT_FOUND, "%s %.*s not found", o->name,
		       (int)words.len, words.data ? words.data : "");
		alk_buf_free(&words);
		return -1;
	}
	if (rc)
		return failed(c, alk_api_code(rc), "%s table: %s", o->name,
			      strerror(-rc));
	alk_api_encode(o, ALK_PART_ALL, key, val, c->out);
	return 0;
}

static int rpc_list(struct call *c)
{
	const struct alk_object *o = c->obj;
	struct json_object *jafter = json_object_object_get(c->params, "after");
	struct json_object *jlimit = json_object_object_get(c->params, "limit");
	uint8_t after[ALK_MAX_KEY];
	int64_t limit = ALK_CTL_LIST_DEFAULT;
	size_t ks = o->key_size, vs = o->val_size;
	uint8_t *keys, *vals;
	int n;

	if (jlimit) {
		limit = json_object_get_int64(jlimit);
		if (limit < 1 || limit > ALK_CTL_LIST_MAX)
			return failed(c, ALK_RPC_INVALID_PARAMS,
				      "params.limit: %" PRId64
				      " out of range (1-%u)",
				      limit, ALK_CTL_LIST_MAX);
	}
	if (jafter && !json_object_is_type(jafter, json_type_null) &&
	    alk_api_decode(o, jafter, ALK_PART_KEY, "params.after", -1, after,
			   NULL, &c->err)) {
		c->code = ALK_RPC_INVALID_PARAMS;
		return -1;
	}
	/* one more than asked: whether there is a next page */
	keys = scratch(c->rpc, (limit + 1) * (ks + vs));
	if (!keys)
		return failed(c, ALK_RPC_INTERNAL, "out of memory");
	vals = keys + (limit + 1) * ks;
	n = alk_table_list(
		c->rpc->tables, o->table,
		jafter && !json_object_is_type(jafter, json_type_null) ? after :
									 NULL,
		keys, vals, limit + 1);
	if (n < 0)
		return failed(c, alk_api_code(n), "%s table: %s", o->name,
			      strerror(-n));
	alk_buf_puts(c->out, "{\"entries\":[");
	for (int i = 0; i < n && i < limit; i++) {
		if (i)
			alk_buf_putc(c->out, ',');
		alk_api_encode(o, ALK_PART_ALL, keys + i * ks, vals + i * vs,
			       c->out);
	}
	alk_buf_puts(c->out, "],\"next\":");
	if (n > limit)
		alk_api_encode(o, ALK_PART_KEY, keys + (limit - 1) * ks, NULL,
			       c->out);
	else
		alk_buf_puts(c->out, "null");
	alk_buf_putc(c->out, '}');
	return 0;
}

/* --- the gateway ----------------------------------------------------- */

static int rpc_gateway_get(struct call *c)
{
	struct alk_gateway gw;
	int rc = c->rpc->tables->ops->gateway_get(c->rpc->tables, &gw);

	if (rc)
		return failed(c, alk_api_code(rc), "gateway: %s",
			      strerror(-rc));
	if (!gw.ip) /* never set */
		alk_buf_puts(c->out, "null");
	else
		alk_api_encode(c->obj, ALK_PART_ALL, NULL, &gw, c->out);
	return 0;
}

static int rpc_gateway_set(struct call *c)
{
	struct alk_gateway gw;
	int rc;

	if (alk_api_decode(c->obj, c->params, ALK_PART_ALL, "params", -1, NULL,
			   &gw, &c->err)) {
		c->code = ALK_RPC_INVALID_PARAMS;
		return -1;
	}
	rc = alk_cmd_apply_n(c->rpc->tables, ALK_O_GATEWAY, ALK_OP_SET, NULL,
			     &gw, 1, &c->err);
	if (rc)
		return table_failed(c, rc, "params");
	alk_api_encode(c->obj, ALK_PART_ALL, NULL, &gw, c->out);
	return 0;
}

/* --- counters, sizes, version ------------------------------------------ */

static int rpc_stats_get(struct call *c)
{
	struct alk_tables *t = c->rpc->tables;
	uint64_t counters[ALK_R_MAX], verdicts[3] = { 0 };
	int rc = t->ops->stats_get(t, counters);

	if (rc)
		return failed(c, alk_api_code(rc), "counters: %s",
			      strerror(-rc));
	for (int r = 0; r < ALK_R_MAX; r++)
		verdicts[alk_reason_verdict(r)] += counters[r];
	alk_buf_puts(c->out, "{\"verdicts\":{");
	for (int v = 0; v < 3; v++)
		alk_buf_printf(c->out, "%s\"%s\":%" PRIu64, v ? "," : "",
			       alk_verdict_names[v], verdicts[v]);
	alk_buf_puts(c->out, "},\"reasons\":{");
	for (int r = 0; r < ALK_R_MAX; r++)
		alk_buf_printf(c->out, "%s\"%s\":%" PRIu64, r ? "," : "",
			       alk_reason_names[r], counters[r]);
	alk_buf_puts(c->out, "}}");
	return 0;
}

static int rpc_stats_reset(struct call *c)
{
	int rc = c->rpc->tables->ops->stats_reset(c->rpc->tables);

	if (rc)
		return failed(c, alk_api_code(rc), "counters: %s",
			      strerror(-rc));
	alk_buf_puts(c->out, "{}");
	return 0;
}

static int rpc_tables_info(struct call *c)
{
	struct alk_tables *t = c->rpc->tables;

	alk_buf_puts(c->out, "{\"backend\":");
	alk_buf_json_string(c->out, t->ops->name);
	alk_buf_puts(c->out, ",\"tables\":{");
	for (int i = 0, n = 0; i < ALK_T_MAX; i++) {
		struct alk_table_info info;
		int rc;

		if (!alk_tables_serves(t, i))
			continue;
		rc = t->ops->info(t, i, &info);
		if (rc)
			return failed(c, alk_api_code(rc), "%s table: %s",
				      alk_table_name(i), strerror(-rc));
		alk_buf_printf(c->out,
			       "%s\"%s\":{\"count\":%" PRIu64
			       ",\"capacity\":%" PRIu64 ",\"memory\":%" PRIu64
			       "}",
			       n++ ? "," : "", alk_table_name(i), info.count,
			       info.capacity, info.memory);
	}
	alk_buf_puts(c->out, "}}");
	return 0;
}

static int rpc_version(struct call *c)
{
	alk_buf_printf(c->out,
		       "{\"version\":\"%s\",\"protocol\":%d,\"backend\":",
		       ALK_VERSION, ALK_CTL_PROTOCOL);
	alk_buf_json_string(c->out, c->rpc->tables->ops->name);
	alk_buf_putc(c->out, '}');
	return 0;
}

/* --- capture: the frames stream on the connection (server.c) ---------- */

static int rpc_capture_start(struct call *c)
{
	struct alk_capture_req req = { .port = -1,
				       .snaplen = ALK_CAPTURE_SNAP_DEFAULT };
	struct json_object *v;
	int rc;

	if (!c->rpc->capture_start)
		return failed(c, ALK_RPC_METHOD_NOT_FOUND,
			      "this daemon (%s) cannot capture",
			      c->rpc->tables->ops->name);
	v = json_object_object_get(c->params, "iface");
	if (v) {
		const char *s = json_object_get_string(v);

		if (!*s || strlen(s) >= sizeof(req.iface))
			return failed(c, ALK_RPC_INVALID_PARAMS,
				      "params.iface: 1-15 characters");
		strcpy(req.iface, s);
	}
	v = json_object_object_get(c->params, "port");
	if (v) {
		int64_t port = json_object_get_int64(v);

		if (port < 0 || port > 65535)
			return failed(c, ALK_RPC_INVALID_PARAMS,
				      "params.port: %" PRId64
				      " out of range (0-65535)",
				      port);
		req.port = (int)port;
	}
	v = json_object_object_get(c->params, "snaplen");
	if (v) {
		int64_t n = json_object_get_int64(v);

		if (n < 1 || n > ALK_CAPTURE_SNAP_MAX)
			return failed(c, ALK_RPC_INVALID_PARAMS,
				      "params.snaplen: %" PRId64
				      " out of range (1-%d)",
				      n, ALK_CAPTURE_SNAP_MAX);
		req.snaplen = (uint32_t)n;
	}
	v = json_object_object_get(c->params, "direction");
	if (v) {
		const char *s = json_object_get_string(v);

		if (strcmp(s, "in") && strcmp(s, "out"))
			return failed(c, ALK_RPC_INVALID_PARAMS,
				      "params.direction: \"in\" or \"out\"");
		req.ingress = !strcmp(s, "in");
	}
	v = json_object_object_get(c->params, "reasons");
	if (!v || !json_object_array_length(v)) {
		memset(req.reasons, 0xff, sizeof(req.reasons));
	} else {
		for (size_t i = 0; i < json_object_array_length(v); i++) {
			struct json_object *n = json_object_array_get_idx(v, i);
			const char *s = json_object_get_string(n);

			if (!json_object_is_type(n, json_type_string) ||
			    alk_capture_reason_add(s, strlen(s), req.reasons))
				return failed(c, ALK_RPC_INVALID_PARAMS,
					      "params.reasons[%zu]: no reason "
					      "'%.40s' (see core/verdict.h)",
					      i, s);
		}
	}
	rc = c->rpc->capture_start(c->rpc, &req, &c->err);
	if (rc) {
		c->code = rc == -EBUSY ? ALK_RPC_BUSY : ALK_RPC_FAILED;
		return -1;
	}
	alk_buf_printf(c->out, "{\"snaplen\":%" PRIu32 "}", req.snaplen);
	return 0;
}

static int rpc_capture_stop(struct call *c)
{
	uint64_t frames = 0, lost = 0;

	if (!c->rpc->capture_stop)
		return failed(c, ALK_RPC_METHOD_NOT_FOUND,
			      "this daemon (%s) cannot capture",
			      c->rpc->tables->ops->name);
	c->rpc->capture_stop(c->rpc, &frames, &lost);
	alk_buf_printf(c->out, "{\"frames\":%" PRIu64 ",\"lost\":%" PRIu64 "}",
		       frames, lost);
	return 0;
}

/* --- the method table ------------------------------------------------- */

/* One of the two forms: the handler checks which (rpc_change). */
static const struct param p_batch[] = {
	{ "entries", T(array), false },
	{ "fields", T(array), false },
	{ "rows", T(array), false },
	{ 0 },
};

static const struct param p_capture[] = {
	{ "iface", T(string), false },	   { "port", T(int), false },
	{ "reasons", T(array), false },	   { "snaplen", T(int), false },
	{ "direction", T(string), false }, { 0 },
};

static const struct param p_list[] = {
	{ "after", T(object) | T(null), false },
	{ "limit", T(int), false },
	{ 0 },
};

#define TABLE_METHODS(o, n)                                                    \
	{ n ".add", rpc_add, o, P_MEMBERS, p_batch, true },                    \
		{ n ".del", rpc_del, o, P_MEMBERS, p_batch, true },            \
		{ n ".get", rpc_get, o, P_KEY, NULL, false },                  \
	{                                                                      \
		n ".list", rpc_list, o, P_MEMBERS, p_list, false               \
	}

static const struct method methods[] = {
	{ "gateway.get", rpc_gateway_get, ALK_O_GATEWAY, P_NONE },
	{ "gateway.set", rpc_gateway_set, ALK_O_GATEWAY, P_ALL, NULL, true },
	TABLE_METHODS(ALK_O_ENDPOINT, "endpoint"),
	TABLE_METHODS(ALK_O_NETWORK, "network"),
	TABLE_METHODS(ALK_O_VPC, "vpc"),
	TABLE_METHODS(ALK_O_NEIGHBOR, "neighbor"),
	TABLE_METHODS(ALK_O_PORT, "port"),
	{ "stats.get", rpc_stats_get, 0, P_NONE },
	{ "stats.reset", rpc_stats_reset, 0, P_NONE },
	{ "tables.info", rpc_tables_info, 0, P_NONE },
	{ "version", rpc_version, 0, P_NONE },
	{ "capture.start", rpc_capture_start, 0, P_MEMBERS, p_capture },
	{ "capture.stop", rpc_capture_stop, 0, P_NONE },
};

static const char *type_names(unsigned int types, char *buf, size_t size)
{
	static const struct {
		enum json_type type;
		const char *name;
	} names[] = {
		{ json_type_object, "an object" },
		{ json_type_array, "an array" },
		{ json_type_string, "a string" },
		{ json_type_int, "an integer" },
		{ json_type_double, "a number" },
		{ json_type_boolean, "a boolean" },
		{ json_type_null, "null" },
	};
	size_t len = 0;

	buf[0] = 0;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (types & (1u << names[i].type))
			len += snprintf(buf + len, size - len, "%s%s",
					len ? " or " : "", names[i].name);
	return buf;
}

/* The parameters against the method's declaration. */
static int check_params(struct call *c, const struct method *m,
			struct json_object *params)
{
	char types[48];

	if (params && json_object_is_type(params, json_type_null))
		params = NULL;
	if (params && !json_object_is_type(params, json_type_object))
		return failed(c, ALK_RPC_INVALID_PARAMS,
			      "params: expected an object");
	c->params = params;
	switch (m->params) {
	case P_NONE:
		if (params && json_object_object_length(params))
			return failed(c, ALK_RPC_INVALID_PARAMS,
				      "params: '%s' takes no parameters",
				      m->name);
		return 0;
	case P_KEY:
	case P_ALL:
		if (!params)
			return failed(c, ALK_RPC_INVALID_PARAMS,
				      "params: '%s' needs the %s %s", m->name,
				      c->obj->name,
				      m->params == P_KEY ? "key" : "fields");
		return 0; /* the object decoder checks every member */
	case P_MEMBERS:
		break;
	}
	if (params) {
		json_object_object_foreach (params, name, v) {
			const struct param *p;

			for (p = m->members; p->name; p++)
				if (!strcmp(p->name, name))
					break;
			if (!p->name)
				return failed(c, ALK_RPC_INVALID_PARAMS,
					      "params: unknown member '%.40s'",
					      name);
			if (!(p->types & (1u << json_object_get_type(v))))
				return failed(c, ALK_RPC_INVALID_PARAMS,
					      "params.%s: expected %s", p->name,
					      type_names(p->types, types,
							 sizeof(types)));
		}
	}
	for (const struct param *p = m->members; p->name; p++)
		if (p->required && !(params && json_object_object_get_ex(
						       params, p->name, NULL)))
			return failed(c, ALK_RPC_INVALID_PARAMS,
				      "params: missing '%s'", p->name);
	return 0; /* json_object_object_get(NULL, ...) is NULL */
}

static void put_id(struct alk_buf *out, struct json_object *id)
{
	if (!id)
		alk_buf_puts(out, "null");
	else
		alk_buf_puts(
			out,
			json_object_to_json_string_ext(
				id, JSON_C_TO_STRING_PLAIN |
					    JSON_C_TO_STRING_NOSLASHESCAPE));
}

void alk_rpc_error(struct alk_buf *out, struct json_object *id, int code,
		   const char *msg, int64_t index)
{
	alk_buf_puts(out, "{\"jsonrpc\":\"2.0\",\"id\":");
	put_id(out, id);
	alk_buf_printf(out, ",\"error\":{\"code\":%d,\"message\":", code);
	alk_buf_json_string(out, msg);
	if (index >= 0)
		alk_buf_printf(out, ",\"data\":{\"index\":%" PRId64 "}", index);
	alk_buf_puts(out, "}}\n");
}

void alk_rpc_count_error(struct alk_rpc_counters *k, int code)
{
	for (int i = 0; i < ALK_RPC_NCODES; i++)
		if (alk_rpc_codes[i] == code)
			k->errors[i]++;
}

static const struct method *find_method(const char *name)
{
	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		if (!strcmp(methods[i].name, name))
			return &methods[i];
	return NULL;
}

void alk_rpc_handle(struct alk_rpc *rpc, struct json_object *req,
		    struct alk_buf *out)
{
	struct json_object *id = NULL, *jmethod = NULL, *params = NULL;
	struct call c = { .rpc = rpc, .out = out };
	const struct method *m;
	size_t start = out->len;
	bool has_id;

	rpc->counters.requests++;
	if (json_object_is_type(req, json_type_array)) {
		alk_rpc_count_error(&rpc->counters, ALK_RPC_INVALID_REQUEST);
		alk_rpc_error(out, NULL, ALK_RPC_INVALID_REQUEST,
			      "batch arrays are not supported: send one "
			      "request per line (they may be pipelined)",
			      -1);
		return;
	}
	if (!json_object_is_type(req, json_type_object)) {
		alk_rpc_count_error(&rpc->counters, ALK_RPC_INVALID_REQUEST);
		alk_rpc_error(out, NULL, ALK_RPC_INVALID_REQUEST,
			      "a request is a JSON object", -1);
		return;
	}
	has_id = json_object_object_get_ex(req, "id", &id);
	if (id && !json_object_is_type(id, json_type_string) &&
	    !json_object_is_type(id, json_type_int)) {
		/* answered with id null: this one cannot be echoed */
		id = NULL;
		failed(&c, ALK_RPC_INVALID_REQUEST,
		       "'id' must be a string, an integer or null");
		goto error;
	}
	json_object_object_foreach (req, name, v) {
		if (!strcmp(name, "method")) {
			jmethod = v;
		} else if (!strcmp(name, "params")) {
			params = v;
		} else if (!strcmp(name, "jsonrpc")) {
			if (!json_object_is_type(v, json_type_string) ||
			    strcmp(json_object_get_string(v), "2.0")) {
				failed(&c, ALK_RPC_INVALID_REQUEST,
				       "'jsonrpc' must be \"2.0\"");
				goto error;
			}
		} else if (strcmp(name, "id")) {
			failed(&c, ALK_RPC_INVALID_REQUEST,
			       "unknown member '%.40s' in the request", name);
			goto error;
		}
	}
	if (!json_object_object_get_ex(req, "jsonrpc", NULL)) {
		failed(&c, ALK_RPC_INVALID_REQUEST,
		       "missing 'jsonrpc': \"2.0\"");
		goto error;
	}
	if (!jmethod || !json_object_is_type(jmethod, json_type_string)) {
		failed(&c, ALK_RPC_INVALID_REQUEST,
		       "'method' must be a string");
		goto error;
	}
	m = find_method(json_object_get_string(jmethod));
	if (!m) {
		failed(&c, ALK_RPC_METHOD_NOT_FOUND, "no method '%.60s'",
		       json_object_get_string(jmethod));
		goto error;
	}
	c.obj = alk_object(m->obj);
	if (!alk_tables_serves(rpc->tables, c.obj->table)) {
		failed(&c, ALK_RPC_METHOD_NOT_FOUND,
		       "no method '%.60s': this daemon (%s) has no %s table",
		       m->name, rpc->tables->ops->name, c.obj->name);
		goto error;
	}
	if (check_params(&c, m, params))
		goto error;

	alk_buf_puts(out, "{\"jsonrpc\":\"2.0\",\"id\":");
	put_id(out, id);
	alk_buf_puts(out, ",\"result\":");
	if (m->run(&c))
		goto error;
	alk_buf_puts(out, "}\n");
	if (m->changes)
		rpc->generation++;
	if (out->nomem) {
		out->nomem = false;
		out->len = start;
		failed(&c, ALK_RPC_INTERNAL, "out of memory for the response");
		goto error;
	}
	if (!has_id) /* a notification: no answer */
		out->len = start;
	return;
error:
	alk_rpc_count_error(&rpc->counters, c.code);
	out->len = start;
	out->nomem = false;
	/* a notification gets no answer, unless it was not a request */
	if (has_id || c.code == ALK_RPC_INVALID_REQUEST)
		alk_rpc_error(out, id, c.code, c.err.msg, c.err.index);
}

static void *rows_alloc(void *rpc, size_t size)
{
	return scratch(rpc, size);
}

bool alk_rpc_handle_line(struct alk_rpc *rpc, const char *line, size_t len,
			 struct alk_buf *out)
{
	struct call c = { .rpc = rpc, .out = out };
	size_t start = out->len;
	struct json_object *id;
	struct alk_rows r;

	if (alk_rows_parse(line, len, &r, rows_alloc, rpc))
		return false;
	c.obj = alk_object(r.object);
	if (!alk_tables_serves(rpc->tables, c.obj->table))
		return false; /* refused by alk_rpc_handle() */
	rpc->counters.requests++;
	alk_buf_printf(
		out,
		"{\"jsonrpc\":\"2.0\",\"id\":%" PRIu64 ",\"result\":", r.id);
	if (!apply_batch(&c, r.op, "rows", r.keys, r.vals, r.n)) {
		alk_buf_puts(out, "}\n");
		rpc->generation++;
		if (!out->nomem)
			return true;
		failed(&c, ALK_RPC_INTERNAL, "out of memory for the response");
	}
	/* as alk_rpc_handle() answers a failure */
	alk_rpc_count_error(&rpc->counters, c.code);
	out->len = start;
	out->nomem = false;
	id = json_object_new_int64(r.id);
	alk_rpc_error(out, id, c.code, c.err.msg, c.err.index);
	json_object_put(id);
	return true;
}

void alk_rpc_init(struct alk_rpc *rpc, struct alk_tables *t)
{
	*rpc = (struct alk_rpc){ .tables = t };
}

void alk_rpc_fini(struct alk_rpc *rpc)
{
	free(rpc->scratch);
	rpc->scratch = NULL;
	rpc->scratch_size = 0;
}
