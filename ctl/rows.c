/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The fast path of table batches sent as rows, the shape alkaidctl -b and
 * the benchmarks send:
 *
 *   {"jsonrpc":"2.0","id":7,"method":"endpoint.add","params":
 *    {"fields":["vni","ip","mac","host"],"rows":[[100,"198.18.0.5",...],...]}}
 *
 * (on one line, without whitespace).  Such a line is decoded straight into
 * keys and values, without a JSON tree: json-c's tree costs five
 * allocations per endpoint, which was a third of the server's time per
 * entry.  Only that exact shape is taken, with member names in that
 * order, no escapes, no non-ASCII byte, integers as JSON writes them and
 * only scalar fields; anything else, and any value that does not decode,
 * is left to the general path (json-c, rpc.c), which also words every
 * error.  So the fast path accepts nothing the general path would refuse
 * and decodes identically; tests/fuzz checks the two against each other.
 */
#include <string.h>

#include "api.h"
#include "rows.h"

struct cursor {
	const char *p, *end;
};

static bool literal(struct cursor *c, const char *s, size_t n)
{
	if ((size_t)(c->end - c->p) < n || memcmp(c->p, s, n))
		return false;
	c->p += n;
	return true;
}

#define LITERAL(c, s) literal(c, s, sizeof(s) - 1)

/* A string's body: no escape, control or non-ASCII byte in it. */
static bool string(struct cursor *c, const char **s, size_t *len)
{
	const char *b;

	if (c->p == c->end || *c->p != '"')
		return false;
	b = ++c->p;
	for (; c->p < c->end; c->p++) {
		unsigned char ch = *c->p;

		if (ch == '"') {
			*s = b;
			*len = c->p++ - b;
			return true;
		}
		if (ch < 0x20 || ch >= 0x80 || ch == '\\')
			return false;
	}
	return false;
}

/* A bare token (a number, null): up to the next ',' or ']'. */
static bool bare(struct cursor *c, const char **s, size_t *len)
{
	const char *b = c->p;

	while (c->p < c->end && *c->p != ',' && *c->p != ']')
		c->p++;
	*s = b;
	*len = c->p - b;
	return *len > 0;
}

static bool id_number(struct cursor *c, uint64_t *id)
{
	const char *b = c->p;
	uint64_t x = 0;

	while (c->p < c->end && *c->p >= '0' && *c->p <= '9' && c->p - b < 18)
		x = x * 10 + (*c->p++ - '0');
	if (c->p == b || (*b == '0' && c->p - b > 1))
		return false;
	*id = x;
	return true;
}

int alk_rows_parse(const char *line, size_t len, struct alk_rows *r,
		   void *(*alloc)(void *ctx, size_t size), void *ctx)
{
	struct cursor c = { line, line + len };
	const struct alk_object *o;
	const char *s, *dot;
	uint8_t cols[32], *keys, *vals;
	size_t n, ks, vs, max;
	unsigned int nf, ncols = 0;
	uint32_t seen = 0;

	if (!LITERAL(&c, "{\"jsonrpc\":\"2.0\",\"id\":") ||
	    !id_number(&c, &r->id) || !LITERAL(&c, ",\"method\":") ||
	    !string(&c, &s, &n))
		return -1;
	dot = memchr(s, '.', n);
	if (!dot || !(o = alk_object_by_name(s, dot - s)) ||
	    o->object == ALK_O_GATEWAY)
		return -1;
	if (s + n - dot == 4 && !memcmp(dot, ".add", 4))
		r->op = ALK_OP_ADD;
	else if (s + n - dot == 4 && !memcmp(dot, ".del", 4))
		r->op = ALK_OP_DEL;
	else
		return -1;
	r->object = o->object;
	r->part = r->op == ALK_OP_ADD ? ALK_PART_ALL : ALK_PART_KEY;
	nf = r->part == ALK_PART_KEY ? o->nkey : o->nfields;

	/* the columns: known scalar fields, none twice, the required all */
	if (!LITERAL(&c, ",\"params\":{\"fields\":["))
		return -1;
	do {
		int i;

		if (ncols == nf || !string(&c, &s, &n) ||
		    (i = alk_field_by_name(o, nf, s, n)) < 0 ||
		    (seen & 1u << i) || o->fields[i].kind == ALK_F_HOPS ||
		    o->fields[i].kind == ALK_F_FLAG ||
		    o->fields[i].kind == ALK_F_IFNAME)
			return -1;
		seen |= 1u << i;
		cols[ncols++] = i;
	} while (LITERAL(&c, ","));
	for (unsigned int i = 0; i < nf; i++)
		if (!(seen & 1u << i) &&
		    (r->part == ALK_PART_KEY || !o->fields[i].optional))
			return -1;
	if (!LITERAL(&c, "],\"rows\":["))
		return -1;

	/* room for as many rows as the line could hold: "[v,v]," each */
	ks = o->key_size;
	vs = r->part == ALK_PART_ALL ? o->val_size : 0;
	max = (size_t)(c.end - c.p) / (2 * ncols + 2) + 1;
	keys = alloc(ctx, max * (ks + vs) + 1);
	if (!keys)
		return -1;
	vals = keys + max * ks;
	n = 0;
	if (!LITERAL(&c, "]")) {
		do {
			uint8_t *k = keys + n * ks, *v = vals + n * vs;

			if (!LITERAL(&c, "["))
				return -1;
			alk_object_start(o, r->part, k, v);
			for (unsigned int i = 0; i < ncols; i++) {
				const char *t;
				size_t tl;
				bool quoted;

				if (i && !LITERAL(&c, ","))
					return -1;
				quoted = c.p < c.end && *c.p == '"';
				if (!(quoted ? string(&c, &t, &tl) :
					       bare(&c, &t, &tl)) ||
				    alk_api_decode_text(&o->fields[cols[i]], t,
							tl, quoted, k, v))
					return -1;
			}
			if (!LITERAL(&c, "]"))
				return -1;
			n++;
		} while (LITERAL(&c, ","));
		if (!LITERAL(&c, "]"))
			return -1;
	}
	if (!LITERAL(&c, "}}") || c.p != c.end)
		return -1;
	r->keys = keys;
	r->vals = vals;
	r->n = n;
	return 0;
}
