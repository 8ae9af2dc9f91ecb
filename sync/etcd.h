/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * etcd's v3 API through its JSON gateway (etcd 3.4: /v3/kv/range,
 * /v3/kv/txn, /v3/watch), with libcurl for HTTP and json-c for the
 * bodies.  Keys and values travel base64-encoded, revisions as strings.
 *
 * A client holds a list of endpoints (the cluster's members); a request
 * that cannot reach the current one tries the next, each once.
 */
#ifndef ALKAID_SYNC_ETCD_H
#define ALKAID_SYNC_ETCD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctl/buf.h"
#include "tables/tables.h"

struct json_object;
struct alk_etcd;

/* The errors a caller tells apart (negative, as returned). */
#define ALK_ETCD_UNREACHABLE 1 /* no member answered */
#define ALK_ETCD_COMPACTED 2   /* the revision asked for is compacted */
#define ALK_ETCD_REFUSED 3     /* etcd answered with an error */

/* endpoints: "http://127.0.0.1:2379,http://..." */
struct alk_etcd *alk_etcd_open(const char *endpoints, struct alk_error *err);
void alk_etcd_close(struct alk_etcd *e);
/* The endpoint in use, for messages; the next one, after a failure the
 * client does not see itself. */
const char *alk_etcd_endpoint(const struct alk_etcd *e);
void alk_etcd_next(struct alk_etcd *e);

/*
 * POST body to path ("/v3/kv/range").  0 and *resp (free with
 * json_object_put), or -ALK_ETCD_* with err.
 */
int alk_etcd_call(struct alk_etcd *e, const char *path, const char *body,
		  size_t len, struct json_object **resp, struct alk_error *err);

/* The end of a prefix range: the prefix with its last byte plus one. */
void alk_etcd_prefix_end(const char *prefix, struct alk_buf *b);

/*
 * One page of a range read: keys in [key, end), at revision rev (0: the
 * newest; the answer's header says which), at most limit.  Reads the
 * answer's revision, whether there are more, and its kvs array (owned by
 * *resp).
 */
int alk_etcd_range(struct alk_etcd *e, const char *key, size_t klen,
		   const char *end, int64_t rev, unsigned int limit,
		   struct json_object **resp, int64_t *header_rev, bool *more,
		   struct json_object **kvs, struct alk_error *err);

/* A key-value of an answer, decoded into the caller's buffers. */
struct alk_etcd_kv {
	struct alk_buf key, value; /* NUL-terminated, not counted */
	int64_t mod_revision;
	bool deleted; /* a watch's DELETE event */
};
int alk_etcd_kv_decode(struct json_object *kv, struct alk_etcd_kv *out);
void alk_etcd_kv_free(struct alk_etcd_kv *kv);

/* A string member of an answer as a 64-bit number (revisions); 0 absent. */
int64_t alk_etcd_int(struct json_object *o, const char *member);

/*
 * A watch: one HTTP stream, answers one JSON line each, handed to
 * on_result (the "result" object).  on_result returning non-zero ends
 * the watch with that value.
 */
struct alk_etcd_watch {
	int (*on_result)(void *ctx, struct json_object *result);
	void *ctx;
	/* private */
	void *multi, *easy;
	struct alk_buf in, body;
	int rc;
	bool done;
};

int alk_etcd_watch_start(struct alk_etcd *e, struct alk_etcd_watch *w,
			 const char *key, const char *end, int64_t start_rev,
			 struct alk_error *err);
/*
 * Wait up to timeout_ms for the stream (and for extra_fd, if >= 0, to be
 * readable: *extra_ready), handing what came to on_result.  0 while the
 * stream goes on; else the watch ended: on_result's value, or
 * -ALK_ETCD_UNREACHABLE (with err) when the stream broke.
 */
int alk_etcd_watch_poll(struct alk_etcd *e, struct alk_etcd_watch *w,
			int timeout_ms, int extra_fd, bool *extra_ready,
			struct alk_error *err);
void alk_etcd_watch_stop(struct alk_etcd_watch *w);

#endif
