/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * alkaid-sync: one gateway's share of the fleet's tables, from etcd into
 * its daemon's control socket (sync/README.md).
 *
 *   alkaid-sync --etcd URL[,URL...] --share SEL[,SEL...] -s SOCKET
 *               --revision-file FILE [--prefix P] [--status FILE]
 *               [--batch N] [--metrics ADDR:PORT] [-v]
 *
 * It reads the share with range reads at one revision and applies it by
 * difference (only rows that differ from the daemon's are sent; rows the
 * daemon has and the store does not are deleted), then watches from the
 * next revision and applies every change in order, in batches.  The last
 * applied revision is kept in the revision file with the identity of the
 * daemon that acknowledged it; a restart resumes from it while that daemon
 * still runs, and resyncs by difference otherwise, or when etcd has
 * compacted past it.
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "ctl/api.h"
#include "daemon/metrics.h"
#include "etcd.h"
#include "fleet.h"
#include "gateway.h"

#define MAX_SHARES 64
#define PAGE 100000 /* rows of a range read's page */

struct share {
	const struct alk_object *o;
	char group[ALK_FLEET_GROUP_MAX + 1]; /* "": every group */
	char *prefix;			     /* the etcd prefix it reads */
};

static struct {
	const char *etcd, *prefix, *socket, *revision_file, *status_file;
	const char *metrics;
	unsigned int batch;
	bool verbose;
} opt = { .prefix = ALK_FLEET_PREFIX, .batch = 10000 };

static struct share shares[MAX_SHARES];
static unsigned int nshares;

/* What alkaid-sync did, in its status file and its last log line. */
static struct {
	uint64_t puts, deletes, skipped, duplicates, undecodable, refused;
	uint64_t resyncs, compacted, store_errors, gateway_errors, batches;
	uint64_t resync_added, resync_updated, resync_deleted, resync_unchanged;
} count;

/* What /metrics shows, copied from the loop's own by publish(): the page
 * is made in libmicrohttpd's thread. */
static struct {
	pthread_mutex_t lock;
	__typeof__(count) count;
	int64_t applied;
	const char *state;
} published = { .lock = PTHREAD_MUTEX_INITIALIZER, .state = "starting" };

static struct alk_etcd *etcd;
static struct alk_gateway_conn gw = { .fd = -1 };
static int64_t applied;	  /* every change up to it is in the daemon */
static int64_t consumed;  /* every change up to it is applied or batched */
static pid_t applied_pid; /* the daemon that acknowledged applied */
static unsigned long long applied_start;
static volatile sig_atomic_t stopping;
static const char *state = "starting";

enum { OP_ADD, OP_DEL };

/* Rows waiting to go to the daemon: one object, one operation. */
struct batch {
	const struct alk_object *o;
	int op;
	uint32_t n, cap;
	uint8_t *keys, *vals;
	char **names; /* each row's etcd key, for messages */
	bool defer_conflicts;
	/* rows refused as a conflict, to try again after the deletes */
	struct batch *deferred;
};

static struct batch pending;

#define say(...) fprintf(stderr, "alkaid-sync: " __VA_ARGS__)
#define debug(...)                                                             \
	do {                                                                   \
		if (opt.verbose)                                               \
			say(__VA_ARGS__);                                      \
	} while (0)

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* --- the share ---------------------------------------------------------- */

static int share_add(const char *sel)
{
	const char *slash = strchr(sel, '/');
	size_t olen = slash ? (size_t)(slash - sel) : strlen(sel);
	struct share *s;

	if (!strcmp(sel, "*")) {
		for (int i = 0; i < ALK_NOBJECTS; i++)
			if (alk_object(i)->nkey &&
			    share_add(alk_object(i)->name))
				return -1;
		return 0;
	}
	if (nshares == MAX_SHARES) {
		say("too many --share selectors\n");
		return -1;
	}
	s = &shares[nshares];
	s->o = alk_object_by_name(sel, olen);
	if (!s->o || !s->o->nkey) {
		say("--share %s: no table object '%.*s' (endpoint, network, "
		    "vpc, neighbor)\n",
		    sel, (int)olen, sel);
		return -1;
	}
	if (slash && strcmp(slash + 1, "*")) {
		if (!alk_fleet_group_ok(slash + 1, strlen(slash + 1))) {
			say("--share %s: bad group name\n", sel);
			return -1;
		}
		strcpy(s->group, slash + 1);
	}
	if (asprintf(&s->prefix, "%s%s/%s%s", opt.prefix, s->o->name, s->group,
		     s->group[0] ? "/" : "") < 0)
		return -1;
	nshares++;
	return 0;
}

static bool in_share(const struct alk_object *o, const char *group, size_t glen)
{
	for (unsigned int i = 0; i < nshares; i++)
		if (shares[i].o == o &&
		    (!shares[i].group[0] ||
		     (strlen(shares[i].group) == glen &&
		      !memcmp(shares[i].group, group, glen))))
			return true;
	return false;
}

/* Whether the share names rows of o: alkaid-sync then owns o's table. */
static bool covers(const struct alk_object *o)
{
	for (unsigned int i = 0; i < nshares; i++)
		if (shares[i].o == o)
			return true;
	return false;
}

/* --- the revision file and the status file -------------------------------- */

static int write_atomically(const char *path, const char *text)
{
	char tmp[4096];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f)
		return -1;
	fputs(text, f);
	if (fclose(f) || rename(tmp, path)) {
		unlink(tmp);
		return -1;
	}
	return 0;
}

static void publish(void);

static void save_status(void)
{
	char text[2048];

	publish();
	if (!opt.status_file)
		return;
	snprintf(text, sizeof(text),
		 "{\"state\":\"%s\",\"revision\":%" PRId64
		 ",\"etcd\":\"%s\",\"puts\":%" PRIu64 ",\"deletes\":%" PRIu64
		 ",\"skipped\":%" PRIu64 ",\"duplicates\":%" PRIu64
		 ",\"undecodable\":%" PRIu64 ",\"refused\":%" PRIu64
		 ",\"batches\":%" PRIu64 ",\"resyncs\":%" PRIu64
		 ",\"compacted\":%" PRIu64 ",\"store_errors\":%" PRIu64
		 ",\"gateway_errors\":%" PRIu64 ",\"resync_added\":%" PRIu64
		 ",\"resync_updated\":%" PRIu64 ",\"resync_deleted\":%" PRIu64
		 ",\"resync_unchanged\":%" PRIu64 "}\n",
		 state, applied, etcd ? alk_etcd_endpoint(etcd) : "",
		 count.puts, count.deletes, count.skipped, count.duplicates,
		 count.undecodable, count.refused, count.batches, count.resyncs,
		 count.compacted, count.store_errors, count.gateway_errors,
		 count.resync_added, count.resync_updated, count.resync_deleted,
		 count.resync_unchanged);
	if (write_atomically(opt.status_file, text))
		say("cannot write %s: %m\n", opt.status_file);
}

static void save_revision(bool now)
{
	static double last;
	static int64_t saved = -1;
	char text[256];
	double t = now_s();

	if (applied == saved || (!now && t - last < 0.1))
		return;
	last = t;
	snprintf(text, sizeof(text), "revision %" PRId64 "\ndaemon %d %llu\n",
		 applied, (int)applied_pid, applied_start);
	if (write_atomically(opt.revision_file, text))
		say("cannot write %s: %m\n", opt.revision_file);
	else
		saved = applied;
	save_status();
}

static void load_revision(void)
{
	FILE *f = fopen(opt.revision_file, "r");
	int pid = 0;

	if (!f)
		return;
	if (fscanf(f, "revision %" SCNd64 " daemon %d %llu", &applied, &pid,
		   &applied_start) != 3)
		applied = 0;
	applied_pid = pid;
	fclose(f);
	consumed = applied;
}

/* --- batches to the daemon ------------------------------------------------ */

static int batch_room(struct batch *b)
{
	if (b->n < b->cap)
		return 0;
	b->cap = b->cap ? b->cap * 2 : 1024;
	b->keys = realloc(b->keys, (size_t)b->cap * ALK_MAX_KEY);
	b->vals = realloc(b->vals, (size_t)b->cap * ALK_MAX_VAL);
	b->names = realloc(b->names, (size_t)b->cap * sizeof(char *));
	if (!b->keys || !b->vals || !b->names) {
		say("out of memory\n");
		exit(1);
	}
	return 0;
}

static void batch_push(struct batch *b, const struct alk_object *o, int op,
		       const void *key, const void *val, const char *name)
{
	batch_room(b);
	b->o = o;
	b->op = op;
	memcpy(b->keys + (size_t)b->n * ALK_MAX_KEY, key, o->key_size);
	if (val)
		memcpy(b->vals + (size_t)b->n * ALK_MAX_VAL, val, o->val_size);
	b->names[b->n] = strdup(name);
	b->n++;
}

static void batch_drop(struct batch *b, uint32_t i)
{
	free(b->names[i]);
	b->n--;
	memmove(b->keys + (size_t)i * ALK_MAX_KEY,
		b->keys + (size_t)(i + 1) * ALK_MAX_KEY,
		(size_t)(b->n - i) * ALK_MAX_KEY);
	memmove(b->vals + (size_t)i * ALK_MAX_VAL,
		b->vals + (size_t)(i + 1) * ALK_MAX_VAL,
		(size_t)(b->n - i) * ALK_MAX_VAL);
	memmove(b->names + i, b->names + i + 1, (b->n - i) * sizeof(char *));
}

static void batch_clear(struct batch *b)
{
	for (uint32_t i = 0; i < b->n; i++)
		free(b->names[i]);
	b->n = 0;
}

/*
 * Send the batch, in requests of up to opt.batch rows.  A row the daemon
 * refuses (its index named) is reported with its etcd key and left out,
 * and the rest goes again: a bad row never holds back the others.
 * 0, or -ALK_GATEWAY_GONE (nothing after the failed request applied).
 */
static int batch_flush(struct batch *b)
{
	struct alk_buf req = { 0 };
	char method[32];
	uint32_t done = 0;
	int rc = 0;

	if (!b->n)
		return 0;
	snprintf(method, sizeof(method), "%s.%s", b->o->name,
		 b->op == OP_ADD ? "add" : "del");
	while (done < b->n) {
		uint32_t n = b->n - done < opt.batch ? b->n - done : opt.batch;
		struct json_object *resp, *result;
		struct alk_error err;

		req.len = 0;
		if (b->op == OP_ADD) {
			alk_buf_puts(&req, "{\"fields\":");
			alk_api_encode_fields(b->o, ALK_PART_ALL, &req);
			alk_buf_puts(&req, ",\"rows\":[");
		} else {
			alk_buf_puts(&req, "{\"entries\":[");
		}
		for (uint32_t i = done; i < done + n; i++) {
			const uint8_t *k = b->keys + (size_t)i * ALK_MAX_KEY;
			const uint8_t *v = b->vals + (size_t)i * ALK_MAX_VAL;

			if (i > done)
				alk_buf_putc(&req, ',');
			if (b->op == OP_ADD)
				alk_api_encode_row(b->o, ALK_PART_ALL, k, v,
						   &req);
			else
				alk_api_encode(b->o, ALK_PART_KEY, k, NULL,
					       &req);
		}
		alk_buf_puts(&req, "]}");
		if (req.nomem) {
			say("out of memory\n");
			exit(1);
		}
		rc = alk_gateway_call(&gw, method, req.data, req.len, &resp,
				      &result, &err);
		json_object_put(resp);
		if (rc == -ALK_GATEWAY_GONE) {
			count.gateway_errors++;
			say("%s\n", err.msg);
			break;
		}
		if (rc && err.index >= 0 && err.index < n) {
			uint32_t i = done + (uint32_t)err.index;

			if (rc == ALK_RPC_CONFLICT && b->defer_conflicts &&
			    b->deferred) {
				batch_push(b->deferred, b->o, b->op,
					   b->keys + (size_t)i * ALK_MAX_KEY,
					   b->vals + (size_t)i * ALK_MAX_VAL,
					   b->names[i]);
			} else {
				count.refused++;
				say("%s: refused by the daemon: %s\n",
				    b->names[i], err.msg);
			}
			batch_drop(b, i);
			rc = 0;
			continue;
		}
		if (rc) {
			/* the request as a whole (a full table): its rows
			 * are reported, the next requests still go */
			count.refused += n;
			say("%s..%s (%u rows): refused by the daemon: %s\n",
			    b->names[done], b->names[done + n - 1], n, err.msg);
			rc = 0;
		}
		count.batches++;
		if (b->op == OP_ADD)
			count.puts += n;
		else
			count.deletes += n;
		done += n;
	}
	alk_buf_free(&req);
	batch_clear(b);
	return rc;
}

/* --- watching ----------------------------------------------------------------
 */

#define WATCH_RESYNC 1 /* etcd compacted past the next revision */
#define WATCH_AGAIN 2  /* the daemon went away: start another */
#define WATCH_CANCELED                                                         \
	3 /* etcd canceled the watch (a member without a                       \
	   * leader): another member */

static int watch_gateway_rc;
static char cancel_reason[128];

/* One change of the store: into the pending batch, or skipped. */
static int take_event(struct json_object *ev)
{
	struct alk_etcd_kv kv = { 0 };
	struct json_object *t, *j;
	uint8_t key[ALK_MAX_KEY], vkey[ALK_MAX_KEY], val[ALK_MAX_VAL];
	const struct alk_object *o;
	const char *group;
	size_t glen, plen = strlen(opt.prefix);
	struct alk_error err;
	bool del = json_object_object_get_ex(ev, "type", &t) &&
		   !strcmp(json_object_get_string(t), "DELETE");
	int op = del ? OP_DEL : OP_ADD, rc = 0;

	if (!json_object_object_get_ex(ev, "kv", &j) ||
	    alk_etcd_kv_decode(j, &kv)) {
		count.undecodable++;
		say("a watch event that does not decode\n");
		goto out;
	}
	/* events of one revision (a txn, a delete of a range) share it */
	if (kv.mod_revision < consumed || kv.mod_revision <= applied) {
		count.duplicates++;
		goto out;
	}
	if (kv.key.len < plen || memcmp(kv.key.data, opt.prefix, plen) ||
	    alk_fleet_parse_key(kv.key.data + plen, &o, &group, &glen, key,
				&err)) {
		count.undecodable++;
		say("%s: %s\n", kv.key.data,
		    kv.key.len < plen ? "not under the prefix" : err.msg);
		goto next;
	}
	if (!in_share(o, group, glen)) {
		count.skipped++;
		goto next;
	}
	if (!del && alk_fleet_decode(o, key, kv.value.data, vkey, val, &err)) {
		count.undecodable++;
		say("%s: %s\n", kv.key.data, err.msg);
		goto next;
	}
	if (pending.n &&
	    (pending.o != o || pending.op != op || pending.n >= opt.batch)) {
		rc = batch_flush(&pending);
		if (rc)
			goto out;
		/* more of revision consumed may follow in this answer */
		applied = consumed - 1;
	}
	batch_push(&pending, o, op, key, del ? NULL : val, kv.key.data);
next:
	consumed = kv.mod_revision;
out:
	alk_etcd_kv_free(&kv);
	return rc;
}

static int on_result(void *ctx, struct json_object *result)
{
	struct json_object *v, *events;

	if (json_object_object_get_ex(result, "canceled", &v) &&
	    json_object_get_boolean(v)) {
		int64_t compact = alk_etcd_int(result, "compact_revision");

		if (compact) {
			count.compacted++;
			say("etcd compacted past revision %" PRId64
			    " (to %" PRId64 "): resync by difference\n",
			    consumed + 1, compact);
			return WATCH_RESYNC;
		}
		json_object_object_get_ex(result, "cancel_reason", &v);
		snprintf(cancel_reason, sizeof(cancel_reason), "%s",
			 v ? json_object_get_string(v) : "no reason given");
		return WATCH_CANCELED;
	}
	if (json_object_object_get_ex(result, "created", &v) &&
	    json_object_get_boolean(v) &&
	    json_object_object_get_ex(result, "header", &v) &&
	    alk_etcd_int(v, "revision") < consumed) {
		/* a store behind the revision file: another cluster, or
		 * one restored from a backup */
		count.compacted++;
		say("etcd is at revision %" PRId64 ", behind %" PRId64
		    ": resync by difference\n",
		    alk_etcd_int(v, "revision"), consumed);
		return WATCH_RESYNC;
	}
	if (!json_object_object_get_ex(result, "events", &events))
		return 0;
	for (size_t i = 0; i < json_object_array_length(events); i++) {
		int rc = take_event(json_object_array_get_idx(events, i));

		if (rc) {
			watch_gateway_rc = rc;
			return WATCH_AGAIN;
		}
	}
	return 0;
}

/* --- resync by difference ------------------------------------------------- */

struct row {
	uint8_t key[ALK_MAX_KEY];
	uint8_t val[ALK_MAX_VAL];
	bool seen;
};

static size_t cmp_size;
static char resync_error[160];

static int row_cmp(const void *a, const void *b)
{
	return memcmp(a, b, cmp_size);
}

/* The daemon's rows of one object, sorted by key. */
static int daemon_rows(const struct alk_object *o, struct row **rows, size_t *n)
{
	char params[256] = "{\"limit\":10000}";
	char method[32];
	size_t cap = 0;

	*rows = NULL;
	*n = 0;
	snprintf(method, sizeof(method), "%s.list", o->name);
	for (;;) {
		struct json_object *resp, *result, *entries, *next;
		struct alk_error err;
		int rc = alk_gateway_call(&gw, method, params, strlen(params),
					  &resp, &result, &err);
		size_t len;

		if (rc) {
			say("%s: %s\n", method, err.msg);
			json_object_put(resp);
			return rc == -ALK_GATEWAY_GONE ? rc : -ALK_GATEWAY_GONE;
		}
		json_object_object_get_ex(result, "entries", &entries);
		len = json_object_array_length(entries);
		if (*n + len > cap) {
			cap = (*n + len) * 2;
			*rows = realloc(*rows, cap * sizeof(**rows));
			if (!*rows) {
				say("out of memory\n");
				exit(1);
			}
		}
		for (size_t i = 0; i < len; i++) {
			struct row *r = &(*rows)[*n];

			memset(r, 0, sizeof(*r));
			if (alk_api_decode(
				    o, json_object_array_get_idx(entries, i),
				    ALK_PART_ALL, "entries", (int64_t)i, r->key,
				    r->val, &err)) {
				say("%s: %s\n", method, err.msg);
				continue;
			}
			(*n)++;
		}
		if (!json_object_object_get_ex(result, "next", &next) ||
		    json_object_is_type(next, json_type_null)) {
			json_object_put(resp);
			break;
		}
		snprintf(params, sizeof(params),
			 "{\"limit\":10000,\"after\":%s}",
			 json_object_to_json_string_ext(
				 next, JSON_C_TO_STRING_PLAIN));
		json_object_put(resp);
	}
	cmp_size = o->key_size;
	qsort(*rows, *n, sizeof(**rows), row_cmp);
	return 0;
}

/*
 * The pages of one range read, fetched one ahead by a thread of their own:
 * etcd encodes the next page (its JSON gateway is most of a resync's time)
 * while alkaid-sync applies this one.
 */
struct pager {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct alk_buf from, end; /* the thread's */
	int64_t rev;		  /* 0: the newest, then the first page's */
	struct json_object *page, *kvs;
	bool ready, last, stop;
	int rc;
	struct alk_error err;
};

static void *pager_run(void *arg)
{
	struct pager *p = arg;
	struct alk_etcd_kv kv = { 0 };
	bool more = true;

	while (more) {
		struct json_object *resp = NULL, *kvs = NULL;
		struct alk_error err = { 0 };
		int64_t hrev = 0;
		size_t n;
		int rc = alk_etcd_range(etcd, p->from.data, p->from.len,
					p->end.data, p->rev, PAGE, &resp, &hrev,
					&more, &kvs, &err);

		n = !rc && kvs ? json_object_array_length(kvs) : 0;
		if (!rc && n &&
		    !alk_etcd_kv_decode(json_object_array_get_idx(kvs, n - 1),
					&kv)) {
			/* the next page starts just after the last key */
			p->from.len = 0;
			alk_buf_put(&p->from, kv.key.data, kv.key.len);
			alk_buf_putc(&p->from, '\0');
		} else {
			more = false;
		}
		pthread_mutex_lock(&p->lock);
		while (p->ready && !p->stop)
			pthread_cond_wait(&p->cond, &p->lock);
		if (p->stop) {
			pthread_mutex_unlock(&p->lock);
			json_object_put(resp);
			break;
		}
		if (!p->rev)
			p->rev = hrev;
		p->page = resp;
		p->kvs = kvs;
		p->rc = rc;
		p->err = err;
		p->last = rc || !more;
		p->ready = true;
		pthread_cond_broadcast(&p->cond);
		pthread_mutex_unlock(&p->lock);
	}
	alk_etcd_kv_free(&kv);
	return NULL;
}

static int pager_start(struct pager *p, const char *prefix, int64_t rev)
{
	memset(p, 0, sizeof(*p));
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->cond, NULL);
	alk_buf_puts(&p->from, prefix);
	alk_etcd_prefix_end(prefix, &p->end);
	alk_buf_putc(&p->end, '\0');
	p->rev = rev;
	return pthread_create(&p->thread, NULL, pager_run, p) ? -ENOMEM : 0;
}

/* The next page (free *page with json_object_put); *last on the last. */
static int pager_next(struct pager *p, struct json_object **page,
		      struct json_object **kvs, int64_t *rev, bool *last)
{
	int rc;

	pthread_mutex_lock(&p->lock);
	while (!p->ready)
		pthread_cond_wait(&p->cond, &p->lock);
	*page = p->page;
	*kvs = p->kvs;
	*rev = p->rev;
	*last = p->last;
	rc = p->rc;
	if (rc)
		snprintf(resync_error, sizeof(resync_error), "%s", p->err.msg);
	p->page = NULL;
	p->ready = false;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
	return rc;
}

static void pager_stop(struct pager *p)
{
	pthread_mutex_lock(&p->lock);
	p->stop = true;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
	pthread_join(p->thread, NULL);
	json_object_put(p->page);
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->cond);
	alk_buf_free(&p->from);
	alk_buf_free(&p->end);
}

/* The share's rows of one object from etcd at *rev (0: the newest, then
 * set), compared with the daemon's; what differs is sent. */
static int resync_object(const struct alk_object *o, int64_t *rev)
{
	struct batch adds = { .defer_conflicts = true };
	struct batch later = { 0 }, dels = { 0 };
	struct alk_etcd_kv kv = { 0 };
	size_t plen = strlen(opt.prefix), nrows;
	struct row *rows;
	int rc = daemon_rows(o, &rows, &nrows);

	adds.deferred = &later;
	for (unsigned int s = 0; !rc && s < nshares; s++) {
		struct pager pager;
		bool last = false;

		if (shares[s].o != o)
			continue;
		if (pager_start(&pager, shares[s].prefix, *rev)) {
			say("out of memory\n");
			exit(1);
		}
		while (!rc && !last) {
			struct json_object *resp, *kvs;
			struct alk_error err;

			rc = pager_next(&pager, &resp, &kvs, rev, &last);
			for (size_t i = 0;
			     !rc && kvs && i < json_object_array_length(kvs);
			     i++) {
				uint8_t key[ALK_MAX_KEY], vkey[ALK_MAX_KEY];
				struct row probe = { 0 }, *r;
				const struct alk_object *ko;
				const char *group;
				size_t glen;

				if (alk_etcd_kv_decode(
					    json_object_array_get_idx(kvs, i),
					    &kv))
					continue;
				if (alk_fleet_parse_key(kv.key.data + plen, &ko,
							&group, &glen, key,
							&err) ||
				    alk_fleet_decode(o, key, kv.value.data,
						     vkey, probe.val, &err)) {
					count.undecodable++;
					say("%s: %s\n", kv.key.data, err.msg);
					continue;
				}
				memcpy(probe.key, key, o->key_size);
				r = bsearch(&probe, rows, nrows, sizeof(*r),
					    row_cmp);
				if (r && !r->seen &&
				    !memcmp(r->val, probe.val, o->val_size)) {
					r->seen = true;
					count.resync_unchanged++;
					continue;
				}
				if (r) {
					r->seen = true;
					count.resync_updated++;
				} else {
					count.resync_added++;
				}
				batch_push(&adds, o, OP_ADD, probe.key,
					   probe.val, kv.key.data);
				if (adds.n >= opt.batch)
					rc = batch_flush(&adds);
			}
			json_object_put(resp);
		}
		pager_stop(&pager);
	}
	if (!rc)
		rc = batch_flush(&adds);
	for (size_t i = 0; !rc && i < nrows; i++) {
		char name[512];
		struct alk_buf b = { 0 };

		if (rows[i].seen)
			continue;
		alk_fleet_key(&b, opt.prefix, o, "*", rows[i].key);
		snprintf(name, sizeof(name), "%.*s (absent)", (int)b.len,
			 b.data);
		alk_buf_free(&b);
		batch_push(&dels, o, OP_DEL, rows[i].key, NULL, name);
		count.resync_deleted++;
		if (dels.n >= opt.batch)
			rc = batch_flush(&dels);
	}
	if (!rc)
		rc = batch_flush(&dels);
	if (!rc)
		rc = batch_flush(&later);
	batch_clear(&adds);
	batch_clear(&dels);
	batch_clear(&later);
	free(adds.keys), free(adds.vals), free(adds.names);
	free(dels.keys), free(dels.vals), free(dels.names);
	free(later.keys), free(later.vals), free(later.names);
	alk_etcd_kv_free(&kv);
	free(rows);
	return rc;
}

/* The whole share by difference; applied becomes the revision read. */
static int resync(void)
{
	/* what a row refers to comes first */
	static const enum alk_cmd_object order[] = { ALK_O_NEIGHBOR, ALK_O_VPC,
						     ALK_O_NETWORK,
						     ALK_O_ENDPOINT };
	uint64_t a = count.resync_added, u = count.resync_updated,
		 d = count.resync_deleted, s = count.resync_unchanged;
	double t0 = now_s();
	int64_t rev = 0;
	int rc = 0;

	state = "resyncing";
	save_status();
	for (unsigned int i = 0; !rc && i < 4; i++) {
		const struct alk_object *o = alk_object(order[i]);

		if (covers(o))
			rc = resync_object(o, &rev);
	}
	if (rc)
		return rc;
	count.resyncs++;
	applied = consumed = rev;
	applied_pid = gw.pid;
	applied_start = gw.start;
	say("resync by difference at revision %" PRId64 ": %" PRIu64
	    " added, %" PRIu64 " updated, %" PRIu64 " deleted, %" PRIu64
	    " unchanged, %.3f s\n",
	    rev, count.resync_added - a, count.resync_updated - u,
	    count.resync_deleted - d, count.resync_unchanged - s, now_s() - t0);
	save_revision(true);
	return 0;
}

/* --- /metrics ------------------------------------------------------------- */

static void publish(void)
{
	pthread_mutex_lock(&published.lock);
	published.count = count;
	published.applied = applied;
	published.state = state;
	pthread_mutex_unlock(&published.lock);
}

/* The families of alkaid-sync (daemon/metrics.h's extra), in MHD's
 * thread. */
static void sync_metrics(void *arg, struct alk_buf *out)
{
	__typeof__(count) k;
	const char *st;
	int64_t rev;

	pthread_mutex_lock(&published.lock);
	k = published.count;
	rev = published.applied;
	st = published.state;
	pthread_mutex_unlock(&published.lock);
	alk_metrics_family(out, "alkaid_sync_revision", "gauge",
			   "The etcd revision applied to the daemon.");
	alk_buf_printf(out, "alkaid_sync_revision %" PRId64 "\n", rev);
	alk_metrics_family(out, "alkaid_sync_state", "gauge",
			   "What alkaid-sync is doing: 1 for its state.");
	alk_buf_printf(out, "alkaid_sync_state{state=\"%s\"} 1\n", st);
	alk_metrics_family(out, "alkaid_sync_events_total", "counter",
			   "Changes from etcd, by what became of them.");
	alk_buf_printf(
		out,
		"alkaid_sync_events_total{result=\"put\"} %" PRIu64
		"\nalkaid_sync_events_total{result=\"delete\"} %" PRIu64
		"\nalkaid_sync_events_total{result=\"skipped\"} %" PRIu64
		"\nalkaid_sync_events_total{result=\"duplicate\"} %" PRIu64
		"\n",
		k.puts, k.deletes, k.skipped, k.duplicates);
	alk_metrics_family(out, "alkaid_sync_errors_total", "counter",
			   "Errors: rows etcd held that did not decode, rows "
			   "the daemon refused, store and daemon failures.");
	alk_buf_printf(
		out,
		"alkaid_sync_errors_total{kind=\"undecodable\"} %" PRIu64
		"\nalkaid_sync_errors_total{kind=\"refused\"} %" PRIu64
		"\nalkaid_sync_errors_total{kind=\"store\"} %" PRIu64
		"\nalkaid_sync_errors_total{kind=\"gateway\"} %" PRIu64 "\n",
		k.undecodable, k.refused, k.store_errors, k.gateway_errors);
	alk_metrics_family(out, "alkaid_sync_resyncs_total", "counter",
			   "Resyncs by difference (compacted: etcd had "
			   "compacted past the next revision).");
	alk_buf_printf(
		out,
		"alkaid_sync_resyncs_total{cause=\"any\"} %" PRIu64
		"\nalkaid_sync_resyncs_total{cause=\"compacted\"} %" PRIu64
		"\n",
		k.resyncs, k.compacted);
	alk_metrics_family(out, "alkaid_sync_batches_total", "counter",
			   "Requests of rows sent to the daemon.");
	alk_buf_printf(out, "alkaid_sync_batches_total %" PRIu64 "\n",
		       k.batches);
}

/* --metrics: served by a thread of libmicrohttpd's, which must not take
 * the signals that stop the loop.  NULL without the option; exits on a
 * failure. */
static struct alk_metrics *metrics_start(void)
{
	static const struct alk_metrics_source src = {
		.extra = sync_metrics,
		.dataplane = "none",
	};
	struct alk_error err = { 0 };
	struct alk_metrics *m;
	sigset_t set, old;

	if (!opt.metrics)
		return NULL;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, &old);
	m = alk_metrics_start(NULL, opt.metrics, &src, &err);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!m) {
		say("%s\n", err.msg);
		exit(1);
	}
	say("metrics at http://%s/metrics\n", opt.metrics);
	return m;
}

/* --- the loop
 * ------------------------------------------------------------------ */

static void on_signal(int sig)
{
	stopping = 1;
}

static void backoff(double *delay)
{
	struct timespec ts = { .tv_sec = (time_t)*delay,
			       .tv_nsec = (long)((*delay - (time_t)*delay) *
						 1e9) };

	nanosleep(&ts, NULL);
	*delay = *delay * 2 > 5 ? 5 : *delay * 2;
}

static void run(void)
{
	bool need_resync = true;
	double delay = 0.1;
	unsigned int streak = 0; /* store errors in a row */
	struct alk_buf end = { 0 };

	alk_etcd_prefix_end(opt.prefix, &end);
	alk_buf_putc(&end, '\0');
	while (!stopping) {
		struct alk_etcd_watch w = { .on_result = on_result };
		struct alk_error err;
		int rc;

		if (gw.fd < 0) {
			state = "no daemon";
			if (alk_gateway_connect(&gw, &err)) {
				debug("%s\n", err.msg);
				backoff(&delay);
				continue;
			}
			need_resync = !applied || gw.pid != applied_pid ||
				      gw.start != applied_start;
			say("daemon %d at %s: %s\n", (int)gw.pid, gw.path,
			    need_resync ? "resync by difference" :
					  "resume from the revision file");
		}
		if (need_resync) {
			rc = resync();
			if (rc) {
				if (rc != -ALK_GATEWAY_GONE) {
					count.store_errors++;
					state = "store unreachable";
					save_status();
					if (!(streak++ % 20))
						say("resync: %s; retrying, the "
						    "daemon keeps its tables\n",
						    resync_error);
				}
				backoff(&delay);
				continue;
			}
			need_resync = false;
		}
		consumed = applied;
		rc = alk_etcd_watch_start(etcd, &w, opt.prefix, end.data,
					  applied + 1, &err);
		state = "watching";
		save_status();
		debug("watching %s from revision %" PRId64 "\n",
		      alk_etcd_endpoint(etcd), applied + 1);
		while (!rc && !stopping) {
			bool gone = false;

			rc = alk_etcd_watch_poll(etcd, &w, 200, gw.fd, &gone,
						 &err);
			if (!rc && gone) {
				/* the daemon speaks only when spoken to */
				say("the daemon closed its socket\n");
				count.gateway_errors++;
				alk_gateway_close(&gw);
				rc = WATCH_AGAIN;
			}
			if (!rc && pending.n && batch_flush(&pending))
				rc = WATCH_AGAIN;
			if (!rc)
				applied = consumed;
			if (!rc) {
				delay = 0.1;
				streak = 0;
			}
			save_revision(false);
			publish();
		}
		alk_etcd_watch_stop(&w);
		batch_clear(&pending);
		if (rc == WATCH_CANCELED) {
			alk_error_set(&err, -1, rc,
				      "etcd canceled the watch: %s",
				      cancel_reason);
			alk_etcd_next(etcd);
		}
		if (rc == WATCH_RESYNC) {
			need_resync = true;
		} else if ((rc < 0 && rc != -ALK_GATEWAY_GONE) ||
			   rc == WATCH_CANCELED) {
			count.store_errors++;
			state = "store unreachable";
			if (!(streak++ % 20))
				say("%s; retrying, the daemon keeps its "
				    "tables (%" PRIu64 " errors)\n",
				    err.msg, count.store_errors);
			save_status();
			backoff(&delay);
		} else if (watch_gateway_rc || gw.fd < 0) {
			watch_gateway_rc = 0;
			backoff(&delay);
		}
	}
	alk_buf_free(&end);
}

static void usage(FILE *out)
{
	fputs("usage: alkaid-sync --etcd URL[,URL...] --share SEL[,SEL...] "
	      "-s SOCKET\n"
	      "                   --revision-file FILE [--prefix P] "
	      "[--status FILE] [--batch N]\n"
	      "                   [--metrics ADDR:PORT] [-v]\n"
	      "\n"
	      "  --etcd URLS          etcd's client URLs (members of one "
	      "cluster)\n"
	      "  --share SEL          what this gateway serves: OBJECT, "
	      "OBJECT/GROUP or *\n"
	      "                       (OBJECT: endpoint, network, vpc, "
	      "neighbor); repeatable\n"
	      "  -s, --socket PATH    the daemon's control socket\n"
	      "  --revision-file FILE the last applied revision and its "
	      "daemon\n"
	      "  --prefix P           the fleet's key prefix (default "
	      "/alkaid/)\n"
	      "  --status FILE        counters and state, as JSON, kept up "
	      "to date\n"
	      "  --batch N            rows per request (default 10000)\n"
	      "  --metrics ADDR:PORT  serve Prometheus metrics at "
	      "http://ADDR:PORT/metrics\n"
	      "  -v                   say more\n",
	      out);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "etcd", required_argument, NULL, 'e' },
		{ "share", required_argument, NULL, 'S' },
		{ "socket", required_argument, NULL, 's' },
		{ "revision-file", required_argument, NULL, 'r' },
		{ "prefix", required_argument, NULL, 'P' },
		{ "status", required_argument, NULL, 't' },
		{ "batch", required_argument, NULL, 'b' },
		{ "metrics", required_argument, NULL, 'm' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	char *sels[MAX_SHARES];
	unsigned int nsels = 0;
	struct alk_metrics *metrics;
	struct alk_error err;
	int c;

	while ((c = getopt_long(argc, argv, "e:S:s:r:P:t:b:vh", longopts,
				NULL)) != -1) {
		switch (c) {
		case 'e':
			opt.etcd = optarg;
			break;
		case 'S':
			if (nsels < MAX_SHARES)
				sels[nsels++] = optarg;
			break;
		case 's':
			opt.socket = optarg;
			break;
		case 'r':
			opt.revision_file = optarg;
			break;
		case 'P':
			opt.prefix = optarg;
			break;
		case 't':
			opt.status_file = optarg;
			break;
		case 'b':
			opt.batch = (unsigned int)strtoul(optarg, NULL, 10);
			if (!opt.batch || opt.batch > 100000) {
				say("--batch: 1 to 100000\n");
				return 2;
			}
			break;
		case 'm': {
			struct sockaddr_storage ss;
			socklen_t len;

			if (alk_metrics_parse_addr(optarg, &ss, &len)) {
				say("--metrics '%s': not ADDR:PORT (an IPv4 "
				    "address or [IPv6], a colon, a port from 1 "
				    "to 65535)\n",
				    optarg);
				return 2;
			}
			opt.metrics = optarg;
			break;
		}
		case 'v':
			opt.verbose = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!opt.etcd || !nsels || !opt.socket || !opt.revision_file ||
	    optind < argc || opt.prefix[0] != '/' ||
	    opt.prefix[strlen(opt.prefix) - 1] != '/') {
		if (opt.prefix[0] != '/' ||
		    opt.prefix[strlen(opt.prefix) - 1] != '/')
			say("--prefix starts and ends with '/'\n");
		usage(stderr);
		return 2;
	}
	for (unsigned int i = 0; i < nsels; i++) {
		char *save = NULL;

		for (char *s = strtok_r(sels[i], ",", &save); s;
		     s = strtok_r(NULL, ",", &save))
			if (share_add(s))
				return 2;
	}
	etcd = alk_etcd_open(opt.etcd, &err);
	if (!etcd) {
		say("%s\n", err.msg);
		return 1;
	}
	gw.path = opt.socket;
	metrics = metrics_start();
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	signal(SIGPIPE, SIG_IGN);
	load_revision();
	if (applied)
		say("revision file: revision %" PRId64 ", daemon %d\n", applied,
		    (int)applied_pid);
	run();
	state = "stopped";
	save_revision(true);
	save_status();
	say("stopped at revision %" PRId64 ": %" PRIu64 " puts, %" PRIu64
	    " deletes, %" PRIu64 " skipped, %" PRIu64 " undecodable, %" PRIu64
	    " refused, %" PRIu64 " resyncs, %" PRIu64 " compacted, %" PRIu64
	    " store errors\n",
	    applied, count.puts, count.deletes, count.skipped,
	    count.undecodable, count.refused, count.resyncs, count.compacted,
	    count.store_errors);
	alk_metrics_stop(metrics);
	alk_gateway_close(&gw);
	alk_etcd_close(etcd);
	return 0;
}
