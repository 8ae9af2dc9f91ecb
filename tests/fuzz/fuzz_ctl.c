/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the control protocol: arbitrary bytes through the
 * session (line framing, json-c's tokener, the size limit) and every method
 * over small in-memory tables.  The first byte sets the size of the pieces
 * the input arrives in, so partial reads are exercised too.
 *
 * Oracles, beyond the sanitizers: every answer is one line of JSON-RPC
 * 2.0 that json-c parses back; every entry the tables end with is written
 * in the grammar's words and parsed back by the grammar into the same key
 * and value (what the state file relies on); and every line the fast path
 * of row batches (rows.c) takes is one json-c takes too, decoded into the
 * same keys and values.
 *
 * Seeds: tests/ctl/fuzz-corpus (each starts with a comment line, which
 * the target answers as a parse error and skips, as the server would).
 */
#include <json-c/json.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/api.h"
#include "ctl/rows.h"
#include "ctl/rpc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_answers(const struct alk_buf *out)
{
	const char *p = out->data, *end;

	if (!out->len)
		return;
	end = p + out->len;
	while (p < end) {
		const char *nl = memchr(p, '\n', end - p);
		struct json_object *j, *v;

		if (!nl)
			__builtin_trap(); /* an answer is a whole line */
		j = json_tokener_parse(strndupa(p, nl - p));
		if (!j || !json_object_object_get_ex(j, "jsonrpc", &v) ||
		    strcmp(json_object_get_string(v), "2.0") ||
		    json_object_object_get_ex(j, "result", NULL) ==
			    json_object_object_get_ex(j, "error", NULL))
			__builtin_trap();
		json_object_put(j);
		p = nl + 1;
	}
}

static void check_words(struct alk_tables *t)
{
	for (int o = ALK_O_ENDPOINT; o < ALK_NOBJECTS; o++) {
		const struct alk_object *obj = alk_object(o);
		uint8_t keys[16 * ALK_MAX_KEY], vals[16 * ALK_MAX_VAL];
		int n = alk_table_list(t, obj->table, NULL, keys, vals, 16);

		for (int i = 0; i < n; i++) {
			const uint8_t *k = keys + i * obj->key_size;
			const uint8_t *v = vals + i * obj->val_size;
			struct alk_buf b = { 0 };
			struct alk_error err;
			struct alk_cmd cmd;
			const void *ck, *cv;
			uint8_t got[ALK_MAX_VAL];
			char *argv[64];
			int argc;

			alk_buf_printf(&b, "%s add ", obj->name);
			alk_api_words(obj, ALK_PART_ALL, k, v, &b);
			alk_buf_putc(&b, 0);
			argc = alk_cmd_split(b.data, argv, 64);
			if (argc < 0 || alk_cmd_parse(argc, argv, &cmd, &err))
				__builtin_trap();
			alk_cmd_parts(&cmd, &ck, &cv);
			/* a network's value keeps a copy of its prefix length,
			 * which the front end writes, not the command */
			if (o == ALK_O_NETWORK) {
				memcpy(got, cv, obj->val_size);
				((struct alk_network *)got)->plen =
					((const struct alk_network *)v)->plen;
				cv = got;
			}
			if (memcmp(ck, k, obj->key_size) ||
			    memcmp(cv, v, obj->val_size))
				__builtin_trap();
			alk_buf_free(&b);
		}
	}
}

static void *rows_alloc(void *ctx, size_t size)
{
	return *(void **)ctx = malloc(size);
}

/* A line the fast path takes: the general path must take it the same. */
static void check_rows(const char *line, size_t len)
{
	struct json_object *req, *params, *fields, *rows;
	const struct alk_object *o;
	uint8_t cols[32], key[ALK_MAX_KEY], val[ALK_MAX_VAL];
	struct json_tokener *tok;
	struct alk_error err;
	struct alk_rows r;
	void *block = NULL;
	size_t ncols, ks, vs;

	if (alk_rows_parse(line, len, &r, rows_alloc, &block)) {
		free(block);
		return;
	}
	tok = json_tokener_new();
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
					    JSON_TOKENER_VALIDATE_UTF8);
	req = json_tokener_parse_ex(tok, line, len);
	if (!req || json_tokener_get_parse_end(tok) != len ||
	    !json_object_object_get_ex(req, "params", &params) ||
	    !json_object_object_get_ex(params, "fields", &fields) ||
	    !json_object_object_get_ex(params, "rows", &rows) ||
	    json_object_array_length(rows) != r.n)
		__builtin_trap();
	o = alk_object(r.object);
	ks = o->key_size;
	vs = r.part == ALK_PART_ALL ? o->val_size : 0;
	if (alk_api_columns(o, r.part, fields, cols, &ncols, &err))
		__builtin_trap();
	for (uint32_t i = 0; i < r.n; i++) {
		if (alk_api_decode_row(o, r.part, cols, ncols,
				       json_object_array_get_idx(rows, i),
				       "rows", i, key, val, &err) ||
		    memcmp(key, (uint8_t *)r.keys + i * ks, ks) ||
		    (vs && memcmp(val, (uint8_t *)r.vals + i * vs, vs)))
			__builtin_trap();
	}
	json_object_put(req);
	json_tokener_free(tok);
	free(block);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct alk_table_sizes sizes = { 16, 8, 8, 8 };
	struct alk_tables *t;
	struct alk_session session;
	struct alk_buf out = { 0 };
	struct alk_rpc rpc;
	size_t piece;

	if (!size)
		return 0;
	t = alk_host_tables_create(&sizes);
	if (!t || alk_session_init(&session, 8192))
		abort();
	alk_rpc_init(&rpc, t);
	piece = data[0] % 64 + 1;
	data++;
	size--;
	for (const char *p = (const char *)data, *end = p + size; p < end;) {
		const char *nl = memchr(p, '\n', end - p);

		check_rows(p, (nl ? nl : end) - p);
		p = nl ? nl + 1 : end;
	}
	while (size && !session.closing) {
		size_t n = size < piece ? size : piece;
		/* a small output cap: the caller feeds the rest later */
		size_t used =
			alk_session_feed(&session, &rpc, (const char *)data, n,
					 &out, out.len + 512);

		check_answers(&out);
		out.len = 0;
		data += used;
		size -= used;
	}
	alk_session_eof(&session, &rpc, &out);
	check_answers(&out);
	check_words(t);
	alk_buf_free(&out);
	alk_session_fini(&session);
	alk_rpc_fini(&rpc);
	t->ops->close(t);
	return 0;
}
