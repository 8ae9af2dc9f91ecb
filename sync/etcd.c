/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * etcd's JSON gateway through libcurl (see etcd.h).  libcurl because it is
 * the HTTP client every Debian system has, keeps connections alive across
 * requests, and streams a watch's chunked answer to a callback; json-c
 * because the control protocol already speaks it.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <json-c/json.h>

#include "etcd.h"

struct alk_etcd {
	char **urls;
	size_t nurls, cur;
	CURL *curl;
	struct curl_slist *headers, *watch_headers;
	struct alk_buf in;
};

void alk_etcd_prefix_end(const char *prefix, struct alk_buf *b)
{
	size_t n = strlen(prefix);

	alk_buf_put(b, prefix, n);
	/* prefixes here are text: the last byte is never 0xff */
	if (n)
		b->data[b->len - 1]++;
}

static void free_urls(struct alk_etcd *e)
{
	for (size_t i = 0; i < e->nurls; i++)
		free(e->urls[i]);
	free(e->urls);
}

struct alk_etcd *alk_etcd_open(const char *endpoints, struct alk_error *err)
{
	struct alk_etcd *e = calloc(1, sizeof(*e));
	char *copy = strdup(endpoints), *save = NULL;

	if (!e || !copy)
		goto nomem;
	for (char *u = strtok_r(copy, ",", &save); u;
	     u = strtok_r(NULL, ",", &save)) {
		char **urls = realloc(e->urls, (e->nurls + 1) * sizeof(*urls));

		if (!urls)
			goto nomem;
		e->urls = urls;
		/* a bare host:port means http:// */
		if (strstr(u, "://"))
			e->urls[e->nurls] = strdup(u);
		else if (asprintf(&e->urls[e->nurls], "http://%s", u) < 0)
			e->urls[e->nurls] = NULL;
		if (!e->urls[e->nurls])
			goto nomem;
		e->nurls++;
	}
	free(copy);
	copy = NULL;
	if (!e->nurls) {
		alk_error_set(err, -1, -EINVAL, "no etcd endpoint given");
		goto fail;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	e->curl = curl_easy_init();
	e->headers = curl_slist_append(NULL, "Content-Type: application/json");
	if (!e->curl || !e->headers)
		goto nomem;
	return e;
nomem:
	alk_error_set(err, -1, -ENOMEM, "out of memory");
fail:
	free(copy);
	alk_etcd_close(e);
	return NULL;
}

void alk_etcd_close(struct alk_etcd *e)
{
	if (!e)
		return;
	if (e->curl)
		curl_easy_cleanup(e->curl);
	curl_slist_free_all(e->headers);
	curl_slist_free_all(e->watch_headers);
	free_urls(e);
	alk_buf_free(&e->in);
	free(e);
}

const char *alk_etcd_endpoint(const struct alk_etcd *e)
{
	return e->urls[e->cur];
}

void alk_etcd_next(struct alk_etcd *e)
{
	e->cur = (e->cur + 1) % e->nurls;
}

static size_t collect(char *p, size_t size, size_t n, void *ctx)
{
	struct alk_buf *b = ctx;

	alk_buf_put(b, p, size * n);
	return b->nomem ? 0 : size * n;
}

/* What etcd says in an error answer: its gRPC code and message. */
static int etcd_error(struct json_object *resp, struct alk_error *err)
{
	struct json_object *code, *msg;
	const char *m;

	if (!json_object_object_get_ex(resp, "code", &code) ||
	    !json_object_object_get_ex(resp, "message", &msg))
		return 0;
	m = json_object_get_string(msg);
	/* gRPC OutOfRange: mvcc's "required revision has been compacted" */
	if (json_object_get_int(code) == 11 && strstr(m, "compacted"))
		return alk_error_set(err, -1, -ALK_ETCD_COMPACTED, "etcd: %s",
				     m);
	return alk_error_set(err, -1, -ALK_ETCD_REFUSED, "etcd: %s", m);
}

int alk_etcd_call(struct alk_etcd *e, const char *path, const char *body,
		  size_t len, struct json_object **resp, struct alk_error *err)
{
	char url[512];
	long status = 0;
	CURLcode cc = CURLE_OK;
	int rc;

	*resp = NULL;
	for (size_t tries = 0; tries < e->nurls; tries++) {
		e->in.len = 0;
		snprintf(url, sizeof(url), "%s%s", e->urls[e->cur], path);
		curl_easy_setopt(e->curl, CURLOPT_URL, url);
		curl_easy_setopt(e->curl, CURLOPT_HTTPHEADER, e->headers);
		curl_easy_setopt(e->curl, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(e->curl, CURLOPT_POSTFIELDSIZE, (long)len);
		curl_easy_setopt(e->curl, CURLOPT_WRITEFUNCTION, collect);
		curl_easy_setopt(e->curl, CURLOPT_WRITEDATA, &e->in);
		curl_easy_setopt(e->curl, CURLOPT_CONNECTTIMEOUT_MS, 1000L);
		curl_easy_setopt(e->curl, CURLOPT_TIMEOUT_MS, 30000L);
		curl_easy_setopt(e->curl, CURLOPT_NOSIGNAL, 1L);
		cc = curl_easy_perform(e->curl);
		if (cc == CURLE_OK) {
			curl_easy_getinfo(e->curl, CURLINFO_RESPONSE_CODE,
					  &status);
			/* 503: a member without a leader; try another */
			if (status != 503)
				break;
		}
		e->cur = (e->cur + 1) % e->nurls;
	}
	if (cc != CURLE_OK || status == 503)
		return alk_error_set(
			err, -1, -ALK_ETCD_UNREACHABLE,
			"etcd unreachable (%s): %s", e->urls[e->cur],
			cc != CURLE_OK ? curl_easy_strerror(cc) : "no leader");
	alk_buf_putc(&e->in, '\0');
	if (e->in.nomem)
		return alk_error_set(err, -1, -ENOMEM, "out of memory");
	*resp = json_tokener_parse(e->in.data);
	if (!*resp)
		return alk_error_set(err, -1, -ALK_ETCD_REFUSED,
				     "etcd: HTTP %ld, not JSON", status);
	rc = etcd_error(*resp, err);
	if (!rc && status != 200)
		rc = alk_error_set(err, -1, -ALK_ETCD_REFUSED, "etcd: HTTP %ld",
				   status);
	if (rc) {
		json_object_put(*resp);
		*resp = NULL;
		return rc;
	}
	return 0;
}

int64_t alk_etcd_int(struct json_object *o, const char *member)
{
	struct json_object *v;

	if (!o || !json_object_object_get_ex(o, member, &v))
		return 0;
	return json_object_get_int64(v);
}

int alk_etcd_range(struct alk_etcd *e, const char *key, size_t klen,
		   const char *end, int64_t rev, unsigned int limit,
		   struct json_object **resp, int64_t *header_rev, bool *more,
		   struct json_object **kvs, struct alk_error *err)
{
	struct alk_buf b = { 0 };
	struct json_object *h, *m;
	int rc;

	alk_buf_puts(&b, "{\"key\":\"");
	alk_base64_encode(&b, key, klen);
	alk_buf_puts(&b, "\",\"range_end\":\"");
	alk_base64_encode(&b, end, strlen(end));
	alk_buf_printf(&b, "\",\"limit\":\"%u\",\"revision\":\"%" PRId64 "\"}",
		       limit, rev);
	if (b.nomem) {
		alk_buf_free(&b);
		return alk_error_set(err, -1, -ENOMEM, "out of memory");
	}
	rc = alk_etcd_call(e, "/v3/kv/range", b.data, b.len, resp, err);
	alk_buf_free(&b);
	if (rc)
		return rc;
	json_object_object_get_ex(*resp, "header", &h);
	*header_rev = alk_etcd_int(h, "revision");
	*more = json_object_object_get_ex(*resp, "more", &m) &&
		json_object_get_boolean(m);
	if (!json_object_object_get_ex(*resp, "kvs", kvs))
		*kvs = NULL;
	return 0;
}

static int b64_member(struct json_object *o, const char *member,
		      struct alk_buf *out)
{
	struct json_object *v;
	const char *s = "";
	size_t len = 0;
	long n;

	out->len = 0;
	if (json_object_object_get_ex(o, member, &v)) {
		s = json_object_get_string(v);
		len = strlen(s);
	}
	if (!alk_buf_reserve(out, len * 3 / 4 + 1))
		return -ENOMEM;
	n = alk_base64_decode(s, len, (uint8_t *)out->data);
	if (n < 0)
		return -EINVAL;
	out->len = (size_t)n;
	out->data[n] = '\0';
	return 0;
}

int alk_etcd_kv_decode(struct json_object *kv, struct alk_etcd_kv *out)
{
	out->mod_revision = alk_etcd_int(kv, "mod_revision");
	if (b64_member(kv, "key", &out->key) ||
	    b64_member(kv, "value", &out->value))
		return -EINVAL;
	return 0;
}

void alk_etcd_kv_free(struct alk_etcd_kv *kv)
{
	alk_buf_free(&kv->key);
	alk_buf_free(&kv->value);
}

/* --- watch ------------------------------------------------------------ */

static size_t watch_write(char *p, size_t size, size_t n, void *ctx)
{
	struct alk_etcd_watch *w = ctx;
	size_t off = 0;

	alk_buf_put(&w->in, p, size * n);
	if (w->in.nomem) {
		w->rc = -ENOMEM;
		return 0;
	}
	for (;;) {
		char *nl = memchr(w->in.data + off, '\n', w->in.len - off);
		struct json_object *j, *result;

		if (!nl)
			break;
		*nl = '\0';
		j = json_tokener_parse(w->in.data + off);
		off = (size_t)(nl - w->in.data) + 1;
		if (!j)
			continue;
		if (json_object_object_get_ex(j, "result", &result))
			w->rc = w->on_result(w->ctx, result);
		json_object_put(j);
		if (w->rc)
			return 0; /* ends the transfer */
	}
	memmove(w->in.data, w->in.data + off, w->in.len - off);
	w->in.len -= off;
	return size * n;
}

int alk_etcd_watch_start(struct alk_etcd *e, struct alk_etcd_watch *w,
			 const char *key, const char *end, int64_t start_rev,
			 struct alk_error *err)
{
	char url[512];
	CURL *c;

	w->rc = 0;
	w->done = false;
	w->in.len = 0;
	w->body.len = 0;
	alk_buf_puts(&w->body, "{\"create_request\":{\"key\":\"");
	alk_base64_encode(&w->body, key, strlen(key));
	alk_buf_puts(&w->body, "\",\"range_end\":\"");
	alk_base64_encode(&w->body, end, strlen(end));
	alk_buf_printf(&w->body, "\",\"start_revision\":\"%" PRId64 "\"}}",
		       start_rev);
	if (w->body.nomem)
		return alk_error_set(err, -1, -ENOMEM, "out of memory");
	w->multi = curl_multi_init();
	w->easy = c = curl_easy_init();
	if (!w->multi || !c) {
		alk_etcd_watch_stop(w);
		return alk_error_set(err, -1, -ENOMEM, "out of memory");
	}
	snprintf(url, sizeof(url), "%s/v3/watch", e->urls[e->cur]);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, e->watch_headers);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, w->body.data);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)w->body.len);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, watch_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, w);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 1000L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	/* a member that vanishes without a word is noticed in seconds */
	curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(c, CURLOPT_TCP_KEEPIDLE, 2L);
	curl_easy_setopt(c, CURLOPT_TCP_KEEPINTVL, 1L);
	curl_multi_add_handle(w->multi, c);
	return 0;
}

int alk_etcd_watch_poll(struct alk_etcd *e, struct alk_etcd_watch *w,
			int timeout_ms, int extra_fd, bool *extra_ready,
			struct alk_error *err)
{
	struct curl_waitfd extra = { .fd = extra_fd,
				     .events = CURL_WAIT_POLLIN };
	int running = 0, nfds = 0;
	CURLMsg *msg;
	int left;

	if (extra_ready)
		*extra_ready = false;
	curl_multi_wait(w->multi, extra_fd >= 0 ? &extra : NULL,
			extra_fd >= 0 ? 1 : 0, timeout_ms, &nfds);
	if (extra_fd >= 0 && extra.revents && extra_ready)
		*extra_ready = true;
	curl_multi_perform(w->multi, &running);
	if (w->rc)
		return w->rc;
	while ((msg = curl_multi_info_read(w->multi, &left))) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		w->done = true;
		/* the stream ended: the member went away, or closed it */
		e->cur = (e->cur + 1) % e->nurls;
		return alk_error_set(
			err, -1, -ALK_ETCD_UNREACHABLE, "etcd watch ended: %s",
			msg->data.result == CURLE_OK ?
				"closed by the server" :
				curl_easy_strerror(msg->data.result));
	}
	return 0;
}

void alk_etcd_watch_stop(struct alk_etcd_watch *w)
{
	if (w->multi && w->easy)
		curl_multi_remove_handle(w->multi, w->easy);
	if (w->easy)
		curl_easy_cleanup(w->easy);
	if (w->multi)
		curl_multi_cleanup(w->multi);
	w->multi = w->easy = NULL;
	alk_buf_free(&w->in);
	alk_buf_free(&w->body);
}
