/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One request per line.  Bytes go to json-c's tokener as they arrive, so a
 * request read in many pieces is parsed once, not rescanned at every read,
 * and nothing of it is copied on our side.  The line is the frame: a value
 * still open at the end of its line is an error, and after a parse error
 * the rest of the line is skipped (and counted against the size limit),
 * the error answered at its end, so one bad request never swallows the
 * next.
 *
 * Row batches (rows.h) take a fast path that needs the whole line: a line
 * that starts like one is gathered (copied) until its newline, decoded by
 * alk_rpc_handle_line(), and only if that declines fed to json-c.  Such a
 * line is therefore answered at its newline (or at the end of the input),
 * not as soon as its JSON closes.
 */
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "rpc.h"

/* Requests nest four levels at most; this bounds the tokener's stack. */
#define MAX_DEPTH 16
/* A connection keeps a gathering buffer up to this size between lines. */
#define GATHER_KEEP (1u << 20)

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
	alk_buf_free(&s->line);
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

/* The start of a row batch, as alk_rows_parse() wants it; a shorter
 * piece cannot tell and goes the general way. */
static bool looks_like_rows(const char *p, size_t n)
{
	static const char head[] = "{\"jsonrpc\":\"2.0\",\"id\":";
	static const char params[] = "\",\"params\":{\"fields\":";
	const char *q = p + sizeof(head) - 1, *end = p + n;

	if (n < 128 || memcmp(p, head, sizeof(head) - 1))
		return false;
	while (q < end && *q >= '0' && *q <= '9')
		q++;
	/* ,"method":"neighbor.add","params":{"fields": */
	q = memmem(q, end - q < 48 ? end - q : 48, params, sizeof(params) - 1);
	return q != NULL;
}

static size_t feed(struct alk_session *s, struct alk_rpc *rpc, const char *data,
		   size_t len, struct alk_buf *out, size_t out_limit,
		   bool fast);

/* Done with a gathered line: a big buffer is not kept per connection. */
static void gathered_done(struct alk_session *s)
{
	if (s->line.cap > GATHER_KEEP)
		alk_buf_free(&s->line);
	s->line.len = 0;
}

/* A gathered line (s->line, with its newline if it had one): the fast
 * path, else json-c as if it had arrived in one piece. */
static void gathered(struct alk_session *s, struct alk_rpc *rpc,
		     struct alk_buf *out)
{
	size_t n = s->line.len;

	s->gathering = false;
	s->line_bytes = 0;
	if (n && s->line.data[n - 1] == '\n' &&
	    alk_rpc_handle_line(rpc, s->line.data, n - 1, out)) {
		gathered_done(s);
		return;
	}
	feed(s, rpc, s->line.data, n, out, SIZE_MAX, false);
	gathered_done(s);
}

/* A line answered with an error before it reached the methods: a
 * request and an error in the counters. */
static void session_error(struct alk_rpc *rpc, struct alk_buf *out, int code,
			  const char *msg, int64_t index)
{
	rpc->counters.requests++;
	alk_rpc_count_error(&rpc->counters, code);
	alk_rpc_error(out, NULL, code, msg, index);
}

/* The end of a line skipped after a parse error: the error is answered. */
static void skipped(struct alk_session *s, struct alk_rpc *rpc,
		    struct alk_buf *out)
{
	session_error(rpc, out, ALK_RPC_PARSE_ERROR, s->error, -1);
	s->skipping = false;
	s->line_bytes = 0;
}

static bool too_long(struct alk_session *s, struct alk_rpc *rpc, size_t n,
		     struct alk_buf *out)
{
	char msg[96];

	if (s->line_bytes + n <= s->max_request)
		return false;
	snprintf(msg, sizeof(msg), "request longer than %zu bytes: closing",
		 s->max_request);
	session_error(rpc, out, ALK_RPC_TOO_LARGE, msg, -1);
	s->closing = true;
	return true;
}

size_t alk_session_feed(struct alk_session *s, struct alk_rpc *rpc,
			const char *data, size_t len, struct alk_buf *out,
			size_t out_limit)
{
	return feed(s, rpc, data, len, out, out_limit, true);
}

static size_t feed(struct alk_session *s, struct alk_rpc *rpc, const char *data,
		   size_t len, struct alk_buf *out, size_t out_limit, bool fast)
{
	const char *p = data, *end = data + len;

	while (p < end && out->len < out_limit && !s->closing) {
		const char *nl, *stop;
		struct json_object *req;
		enum json_tokener_error jerr;
		size_t n, used, line;

		if (s->skipping) {
			/* the line is still counted: over the limit, it is
			 * refused and closed like any other */
			nl = memchr(p, '\n', end - p);
			stop = nl ? nl + 1 : end;
			if (too_long(s, rpc, stop - p, out))
				return p - data;
			s->line_bytes += stop - p;
			p = stop;
			if (nl)
				skipped(s, rpc, out);
			continue;
		}
		if (s->gathering) {
			nl = memchr(p, '\n', end - p);
			stop = nl ? nl + 1 : end;
			n = stop - p;
			if (too_long(s, rpc, n, out))
				return p - data;
			alk_buf_put(&s->line, p, n);
			if (s->line.nomem) {
				session_error(rpc, out, ALK_RPC_INTERNAL,
					      "out of memory for a request: "
					      "closing",
					      -1);
				s->closing = true;
				return p - data;
			}
			s->line_bytes += n;
			p = stop;
			if (nl) {
				gathered(s, rpc, out);
				restart(s);
			}
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
		if (too_long(s, rpc, n, out))
			return p - data;
		if (fast && !s->pending) {
			if (nl && alk_rpc_handle_line(rpc, p, nl - p, out)) {
				p = stop;
				continue;
			}
			if (!nl && looks_like_rows(p, n)) {
				s->gathering = true;
				continue;
			}
		}
		req = json_tokener_parse_ex(s->tok, p, n);
		jerr = json_tokener_get_error(s->tok);
		/* a bare null is a value too (json-c returns it as NULL):
		 * valid JSON that is no request, answered so */
		if (req || jerr == json_tokener_success) {
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
			session_error(rpc, out, ALK_RPC_PARSE_ERROR,
				      "parse error: the line ends inside the "
				      "JSON value",
				      -1);
			restart(s);
			continue;
		}
		used = json_tokener_get_parse_end(s->tok);
		snprintf(s->error, sizeof(s->error),
			 "parse error: %s at byte %zu",
			 json_tokener_error_desc(jerr), s->line_bytes + used);
		line = s->line_bytes + n;
		restart(s);
		p = stop;
		/* answered at the line's end, unless the line turns out
		 * too long (then -32005 and the close instead) */
		s->skipping = true;
		s->line_bytes = line;
		if (nl)
			skipped(s, rpc, out);
	}
	return p - data;
}

void alk_session_eof(struct alk_session *s, struct alk_rpc *rpc,
		     struct alk_buf *out)
{
	if (s->gathering && !s->closing)
		gathered(s, rpc, out);
	if (s->skipping && !s->closing)
		skipped(s, rpc, out);
	if (s->pending && !s->closing)
		session_error(rpc, out, ALK_RPC_PARSE_ERROR,
			      "parse error: the connection ended inside a "
			      "request",
			      -1);
	restart(s);
	s->closing = true;
}
