/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One request per line.  Bytes go to json-c's tokener as they arrive, so a
 * request read in many pieces is parsed once, not rescanned at every read,
 * and nothing of it is copied on our side.  The line is the frame: a value
 * still open at the end of its line is an error, and after a parse error
 * the rest of the line is skipped, so one bad request never swallows the
 * next.
 */
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "rpc.h"

/* Requests nest four levels at most; this bounds the tokener's stack. */
#define MAX_DEPTH 16

int alk_session_init(struct alk_session *s, size_t max_request)
{
	*s = (struct alk_session){ .max_request = max_request ?
							  max_request :
							  ALK_CTL_MAX_REQUEST };
	s->tok = json_tokener_new_ex(MAX_DEPTH);
	if (!s->tok)
		return -1;
	json_tokener_set_flags(s->tok,
			       JSON_TOKENER_STRICT |
				       JSON_TOKENER_ALLOW_TRAILING_CHARS |
				       JSON_TOKENER_VALIDATE_UTF8);
	return 0;
}

void alk_session_fini(struct alk_session *s)
{
	if (s->tok)
		json_tokener_free(s->tok);
	s->tok = NULL;
}

static void restart(struct alk_session *s)
{
	json_tokener_reset(s->tok);
	s->pending = false;
	s->line_bytes = 0;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

size_t alk_session_feed(struct alk_session *s, struct alk_rpc *rpc,
			const char *data, size_t len, struct alk_buf *out,
			size_t out_limit)
{
	const char *p = data, *end = data + len;

	while (p < end && out->len < out_limit && !s->closing) {
		const char *nl, *stop;
		struct json_object *req;
		enum json_tokener_error jerr;
		size_t n, used;
		char msg[160];

		if (s->skipping) {
			nl = memchr(p, '\n', end - p);
			if (!nl)
				return len;
			p = nl + 1;
			s->skipping = false;
			continue;
		}
		if (!s->pending) {
			while (p < end && is_space(*p))
				p++;
			if (p == end)
				break;
		}
		/* up to and with the newline: it ends a bare number too */
		nl = memchr(p, '\n', end - p);
		stop = nl ? nl + 1 : end;
		n = stop - p;
		if (s->line_bytes + n > s->max_request) {
			snprintf(msg, sizeof(msg),
				 "request longer than %zu bytes: closing",
				 s->max_request);
			alk_rpc_error(out, NULL, ALK_RPC_TOO_LARGE, msg, -1);
			s->closing = true;
			return p - data;
		}
		req = json_tokener_parse_ex(s->tok, p, n);
		jerr = json_tokener_get_error(s->tok);
		if (req) {
			used = json_tokener_get_parse_end(s->tok);
			p += used;
			alk_rpc_handle(rpc, req, out);
			json_object_put(req);
			restart(s);
			continue;
		}
		if (jerr == json_tokener_continue) {
			p = stop;
			s->line_bytes += n;
			s->pending = true;
			if (!nl)
				continue;
			alk_rpc_error(out, NULL, ALK_RPC_PARSE_ERROR,
				      "parse error: the line ends inside the "
				      "JSON value",
				      -1);
			restart(s);
			continue;
		}
		used = json_tokener_get_parse_end(s->tok);
		snprintf(msg, sizeof(msg), "parse error: %s at byte %zu",
			 json_tokener_error_desc(jerr), s->line_bytes + used);
		alk_rpc_error(out, NULL, ALK_RPC_PARSE_ERROR, msg, -1);
		restart(s);
		p = stop;
		s->skipping = !nl;
	}
	return p - data;
}

void alk_session_eof(struct alk_session *s, struct alk_buf *out)
{
	if (s->pending && !s->closing)
		alk_rpc_error(out, NULL, ALK_RPC_PARSE_ERROR,
			      "parse error: the connection ended inside a "
			      "request",
			      -1);
	restart(s);
	s->closing = true;
}
