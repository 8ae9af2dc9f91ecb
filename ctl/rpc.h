/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The server's protocol layer, without sockets: JSON-RPC 2.0 requests in,
 * response lines out.  rpc.c holds the methods (one table, parameters
 * checked centrally before any handler runs); session.c cuts a byte stream
 * into requests.  The server (server.c), the tests and the fuzzer all drive
 * these same two.
 */
#ifndef ALKAID_CTL_RPC_H
#define ALKAID_CTL_RPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "api.h"
#include "buf.h"
#include "capture.h"
#include "tables/tables.h"

struct json_object;
struct json_tokener;

/* What the server answered, for the metrics: requests (every line, those
 * that did not parse too), and errors by code (refused connections too). */
struct alk_rpc_counters {
	uint64_t requests;
	uint64_t errors[ALK_RPC_NCODES];
};

/* Count an error answered with code. */
void alk_rpc_count_error(struct alk_rpc_counters *k, int code);

struct alk_rpc {
	struct alk_tables *tables;
	struct alk_rpc_counters counters;
	/* bumped by every request that changed a table: the server saves
	 * the state file when it has moved */
	uint64_t generation;
	/* decoded keys and values of one request, kept between requests */
	uint8_t *scratch;
	size_t scratch_size;
	/* capture.start and capture.stop, done by the server (server.c),
	 * which knows the connection; NULL: no capture here */
	int (*capture_start)(struct alk_rpc *rpc,
			     const struct alk_capture_req *req,
			     struct alk_error *err);
	void (*capture_stop)(struct alk_rpc *rpc, uint64_t *frames,
			     uint64_t *lost);
};

void alk_rpc_init(struct alk_rpc *rpc, struct alk_tables *t);
void alk_rpc_fini(struct alk_rpc *rpc);

/* One parsed request: its response line (none for a notification) is
 * appended to out. */
void alk_rpc_handle(struct alk_rpc *rpc, struct json_object *req,
		    struct alk_buf *out);

/* One whole request line (without its newline) by the fast path of row
 * batches (rows.h): true when it was answered, false when the line is for
 * alk_rpc_handle() after json-c. */
bool alk_rpc_handle_line(struct alk_rpc *rpc, const char *line, size_t len,
			 struct alk_buf *out);

/* An error response line; id NULL writes "id":null. */
void alk_rpc_error(struct alk_buf *out, struct json_object *id, int code,
		   const char *msg, int64_t index);

/* A byte stream cut into one request per line. */
struct alk_session {
	struct json_tokener *tok;
	size_t line_bytes;  /* of the request being read */
	size_t max_request; /* a longer line is refused, then the end */
	bool pending;	    /* the tokener holds part of a request */
	bool skipping;	    /* discarding the rest of a bad line */
	bool closing;	    /* no more input will be read */
	bool gathering;	    /* copying a row batch's line into line */
	char error[160];    /* the answer to the line being skipped */
	struct alk_buf line;
};

int alk_session_init(struct alk_session *s, size_t max_request);
void alk_session_fini(struct alk_session *s);

/*
 * Feed len bytes.  Returns how many were consumed: fewer than len when out
 * reached out_limit (the caller feeds the rest once out has drained), or
 * when the session is closing (s->closing: flush out, then close).
 */
size_t alk_session_feed(struct alk_session *s, struct alk_rpc *rpc,
			const char *data, size_t len, struct alk_buf *out,
			size_t out_limit);

/* The peer closed its side: a line still being gathered is handled, a
 * request cut short is answered. */
void alk_session_eof(struct alk_session *s, struct alk_rpc *rpc,
		     struct alk_buf *out);

#endif
