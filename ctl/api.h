/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control protocol as both ends see it: the JSON shape of every table
 * object, the error codes, the limits.  The server decodes requests and
 * encodes results with these functions, alkaidctl does the reverse with the
 * same ones, so the two cannot drift apart.  ctl/README.md documents it.
 *
 * Each object is described once, field by field, in tables/schema.c;
 * decoding, encoding, the command-grammar words of the state file and
 * alkaidctl's columns are all driven by that schema.
 */
#ifndef ALKAID_CTL_API_H
#define ALKAID_CTL_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tables/cmd.h"
#include "tables/schema.h"
#include "tables/tables.h"
#include "buf.h"

struct json_object;

#define ALK_CTL_PROTOCOL 1
#define ALK_CTL_DEFAULT_SOCKET "/run/alkaid/alkaid.sock"
#define ALK_CTL_MAX_REQUEST (16u << 20) /* bytes of one request line */
#define ALK_CTL_LIST_DEFAULT 1000
#define ALK_CTL_LIST_MAX 10000 /* entries per list page */

/* JSON-RPC 2.0 error codes; -32000..-32099 are ours. */
enum alk_rpc_code {
	ALK_RPC_PARSE_ERROR = -32700,
	ALK_RPC_INVALID_REQUEST = -32600,
	ALK_RPC_METHOD_NOT_FOUND = -32601,
	ALK_RPC_INVALID_PARAMS = -32602,
	ALK_RPC_INTERNAL = -32603,
	ALK_RPC_FAILED = -32000,    /* the back end failed (I/O, memory) */
	ALK_RPC_NOT_FOUND = -32001, /* get of an absent key */
	ALK_RPC_NO_SPACE = -32002,  /* a table is full */
	ALK_RPC_CONFLICT = -32003,  /* e.g. a MAC owned by another endpoint */
	ALK_RPC_DENIED = -32004,    /* peer neither root nor in the group */
	ALK_RPC_TOO_LARGE = -32005, /* request line over the limit */
	ALK_RPC_BUSY = -32006,	    /* a capture runs already */
};

/* Every code above, in this order, and a name for each (counters). */
#define ALK_RPC_NCODES 12
extern const int alk_rpc_codes[ALK_RPC_NCODES];
extern const char *const alk_rpc_code_names[ALK_RPC_NCODES];

/*
 * JSON -> key and value.  where/index name the object in messages:
 * ("entries", 3) gives "entries[3].mac: ...", ("params", -1) "params.mac".
 * On error fills err (index = index) and returns -EINVAL.  Fields left out
 * are zero, except the gateway's ports, which default as in the grammar.
 */
int alk_api_decode(const struct alk_object *o, struct json_object *j,
		   enum alk_part part, const char *where, int64_t index,
		   void *key, void *val, struct alk_error *err);

/* key and value -> JSON text, appended. */
void alk_api_encode(const struct alk_object *o, enum alk_part part,
		    const void *key, const void *val, struct alk_buf *b);

/*
 * The row form of a batch: {"fields":["vni","ip",...],"rows":[[100,
 * "203.0.113.5",...],...]}.  The same entries, each an array of values in
 * the order of "fields": json-c parses an array for far less than an
 * object, which matters at a million entries.
 *
 * alk_api_columns() checks the names (known, not twice, every required
 * one there) and maps each column to its field in cols (room for
 * o->nfields); alk_api_decode_row() decodes one row with that map
 * ("rows[3].mac: ..." on error).
 */
int alk_api_columns(const struct alk_object *o, enum alk_part part,
		    struct json_object *fields, uint8_t *cols, size_t *ncols,
		    struct alk_error *err);
int alk_api_decode_row(const struct alk_object *o, enum alk_part part,
		       const uint8_t *cols, size_t ncols,
		       struct json_object *row, const char *where,
		       int64_t index, void *key, void *val,
		       struct alk_error *err);
/*
 * The fast path's decoding (rows.c): one JSON scalar given as text, a
 * string's body (quoted) or a number's digits, or "null".  Decodes exactly
 * as the json-c path does, or returns -1 without a message: the caller
 * then hands the request to that path, which words the error.  Arrays and
 * booleans and interface names (ALK_F_HOPS, ALK_F_FLAG, ALK_F_IFNAME)
 * always return -1.
 */
int alk_api_decode_text(const struct alk_field *f, const char *s, size_t len,
			bool quoted, void *key, void *val);

/* Every field of part, names then values, in the field table's order. */
void alk_api_encode_fields(const struct alk_object *o, enum alk_part part,
			   struct alk_buf *b);
void alk_api_encode_row(const struct alk_object *o, enum alk_part part,
			const void *key, const void *val, struct alk_buf *b);

/* key and value -> the grammar's words ("vni 100 ip 203.0.113.5 ..."),
 * appended without the leading "endpoint add"; unset options left out. */
void alk_api_words(const struct alk_object *o, enum alk_part part,
		   const void *key, const void *val, struct alk_buf *b);

/* One field as text, as alkaidctl prints it ("-" for none). */
void alk_api_field_text(const struct alk_field *f, const void *key,
			const void *val, struct alk_buf *b);

/* The JSON-RPC code for a table-API errno. */
int alk_api_code(int neg_errno);

#endif
