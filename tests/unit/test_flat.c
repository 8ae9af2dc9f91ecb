/* SPDX-License-Identifier: BSD-3-Clause */
/* The flat tables (core/flat.h, core/lookup.h, tables/flat.c): placement,
 * batches that do not fit, hops, iteration, the head, and a reader thread
 * that must never see a torn or a missing entry while the writer churns. */
#include <CUnit/Basic.h>
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/platform/host.h"
#include "core/lookup.h"
#include "tables/flat.h"
#include "tables/tables.h"
#include "tests/lib/cunit_main.h"

static struct alk_tables *tables(uint32_t endpoints)
{
	struct alk_table_sizes s = { endpoints, 16, 16, 16 };

	return alk_host_tables_create(&s);
}

/* Endpoint i: spread over 7 VNIs of 198.19.0.0/16 and up. */
static struct alk_endpoint_key ep_key(uint32_t i)
{
	return (struct alk_endpoint_key){ .vni = 100 + i % 7,
					  .ip = htonl(0xc6130000 + i) };
}

static struct alk_endpoint ep_val(uint32_t i, int version)
{
	struct alk_endpoint v = { .flags = version ? 0xa5a5 : 0x5a5a };
	uint8_t mac[6] = { 0x0e, 0, 0, 0, 0, 0 };

	/* two versions differing in every byte: a torn mix is neither */
	v.host = version ? htonl(0xc6130202) : htonl(0xc6120101);
	mac[1] = version ? 0xaa : 0x11;
	mac[2] = i >> 16;
	mac[3] = i >> 8;
	mac[4] = i;
	mac[5] = version ? 0xbb : 0x22;
	memcpy(v.mac, mac, 6);
	return v;
}

/* Where the writer put a key, by a scan of every bucket. */
static uint32_t bucket_of(struct alk_tables *t, const struct alk_flat_head *h,
			  const struct alk_endpoint_key *k)
{
	for (uint32_t b = 1; b <= h->nbuckets; b++) {
		const struct alk_ep_bucket *bk =
			alk_host_bucket(t, ALK_T_ENDPOINT, b);

		for (int s = 0; s < ALK_FLAT_SLOTS; s++)
			if ((bk->meta.used & (1u << s)) &&
			    alk_ep_key_eq(&bk->key[s], k))
				return b;
	}
	return 0;
}

/* Filled to capacity through the front end: every key found by the
 * core's reader, within reach of its home, most in their home bucket. */
static void test_fill_to_capacity(void)
{
	const uint32_t n = 20000;
	struct alk_tables *t = tables(n);
	struct alk_ctx ctx = { .tables = t };
	const struct alk_flat_head *h = alk_host_bucket(t, ALK_T_ENDPOINT, 0);
	struct alk_endpoint_key *k = calloc(n, sizeof(*k));
	struct alk_endpoint *v = calloc(n, sizeof(*v)), out;
	struct alk_table_info info;
	struct alk_error err;
	uint32_t at_home = 0, far = 0, wrong = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	for (uint32_t i = 0; i < n; i++) {
		k[i] = ep_key(i);
		v[i] = ep_val(i, 0);
	}
	for (uint32_t i = 0; i < n; i += 1000)
		CU_ASSERT_EQUAL(alk_endpoints_add(t, k + i, v + i, 1000, &err),
				0);
	t->ops->info(t, ALK_T_ENDPOINT, &info);
	CU_ASSERT_EQUAL(info.count, n);
	CU_ASSERT_EQUAL(info.memory, alk_flat_bytes(n));
	for (uint32_t i = 0; i < n; i++) {
		uint32_t home =
			alk_flat_home(h, alk_endpoint_hash(&k[i], h->seed));
		uint32_t b = bucket_of(t, h, &k[i]);
		uint32_t d = (b + h->nbuckets - home) % h->nbuckets;

		wrong += alk_flat_endpoint(&ctx, &k[i], &out) !=
				 ALK_FLAT_FOUND ||
			 memcmp(&out, &v[i], sizeof(out));
		at_home += b == home;
		far += d >= ALK_FLAT_PROBES;
	}
	CU_ASSERT_EQUAL(wrong, 0);
	CU_ASSERT_EQUAL(far, 0);
	/* one cache line per lookup in the common case, even when full */
	CU_ASSERT(at_home > n * 3 / 4);
	/* one more is refused by the front end, before the table */
	k[0] = ep_key(n);
	v[0] = ep_val(n, 0);
	CU_ASSERT_EQUAL(alk_endpoints_add(t, k, v, 1, &err), -ENOSPC);
	free(k);
	free(v);
	t->ops->close(t);
}

/* Past what the front end allows, straight into the back end: a batch
 * that does not fit is undone whole, a replaced value included. */
static void test_batch_that_does_not_fit(void)
{
	struct alk_tables *t = tables(9); /* 4 buckets, 12 slots */
	struct alk_ctx ctx = { .tables = t };
	struct alk_endpoint_key k[14];
	struct alk_endpoint v[14], out;
	struct alk_table_info info;

	for (uint32_t i = 0; i < 14; i++) {
		k[i] = ep_key(i);
		v[i] = ep_val(i, 0);
	}
	CU_ASSERT_EQUAL(t->ops->update(t, ALK_T_ENDPOINT, k, v, 12), 0);
	/* key 0 replaced, then 12 and 13 find no room */
	v[11] = ep_val(0, 1);
	k[11] = k[0];
	CU_ASSERT_EQUAL(t->ops->update(t, ALK_T_ENDPOINT, k + 11, v + 11, 3),
			-ENOSPC);
	t->ops->info(t, ALK_T_ENDPOINT, &info);
	CU_ASSERT_EQUAL(info.count, 12);
	CU_ASSERT_EQUAL(alk_flat_endpoint(&ctx, &k[0], &out), ALK_FLAT_FOUND);
	CU_ASSERT_EQUAL(out.host, v[0].host);
	CU_ASSERT_EQUAL(alk_flat_endpoint(&ctx, &k[12], &out), ALK_FLAT_ABSENT);
	CU_ASSERT_EQUAL(alk_flat_endpoint(&ctx, &k[13], &out), ALK_FLAT_ABSENT);
	/* a key named twice in a batch takes the later value, once */
	t->ops->remove(t, ALK_T_ENDPOINT, k + 1, 2);
	k[2] = k[1];
	v[2] = ep_val(1, 1);
	CU_ASSERT_EQUAL(t->ops->update(t, ALK_T_ENDPOINT, k + 1, v + 1, 2), 0);
	t->ops->info(t, ALK_T_ENDPOINT, &info);
	CU_ASSERT_EQUAL(info.count, 11);
	CU_ASSERT_EQUAL(alk_flat_endpoint(&ctx, &k[1], &out), ALK_FLAT_FOUND);
	CU_ASSERT_EQUAL(out.host, v[2].host);
	t->ops->close(t);
}

/* The spill of every bucket is the number of entries that pass it on the
 * way from their home (or stuck); recomputed from the entries. */
static int spills_exact(struct alk_tables *t, const struct alk_flat_head *h)
{
	uint32_t *want = calloc(h->nbuckets + 1, sizeof(*want));
	int ok = 1;

	for (uint32_t b = 1; b <= h->nbuckets; b++) {
		const struct alk_ep_bucket *bk =
			alk_host_bucket(t, ALK_T_ENDPOINT, b);

		for (int s = 0; s < ALK_FLAT_SLOTS; s++) {
			uint32_t c;

			if (!(bk->meta.used & (1u << s)))
				continue;
			c = alk_flat_home(
				h, alk_endpoint_hash(&bk->key[s], h->seed));
			for (; c != b; c = alk_flat_next(h, c))
				want[c]++;
		}
	}
	for (uint32_t b = 1; b <= h->nbuckets; b++) {
		const struct alk_ep_bucket *bk =
			alk_host_bucket(t, ALK_T_ENDPOINT, b);

		if (bk->meta.spill != ALK_FLAT_SPILL_STUCK &&
		    bk->meta.spill != want[b])
			ok = 0;
	}
	free(want);
	return ok;
}

/* Filled far past the front end's three quarters, entries hop forward to
 * make room; deletes keep the spill counts exact; iteration sees every
 * entry once. */
static void test_hops_deletes_and_walk(void)
{
	const uint32_t cap = 3000, n = 3900; /* 1334 buckets: 97% of slots */
	struct alk_tables *t = tables(cap);
	struct alk_ctx ctx = { .tables = t };
	const struct alk_flat_head *h = alk_host_bucket(t, ALK_T_ENDPOINT, 0);
	struct alk_endpoint_key k, next;
	struct alk_endpoint v, out;
	uint32_t stored = 0, found = 0, walked = 0;
	uint8_t *in = calloc(n, 1);

	for (uint32_t i = 0; i < n; i++) {
		k = ep_key(i);
		v = ep_val(i, 0);
		in[i] = !t->ops->update(t, ALK_T_ENDPOINT, &k, &v, 1);
		stored += in[i];
	}
	/* linear probing alone stops near 90% with 8-bucket reach */
	CU_ASSERT(stored > n * 98 / 100);
	CU_ASSERT(spills_exact(t, h));
	for (uint32_t i = 0; i < n; i += 3) {
		k = ep_key(i);
		t->ops->remove(t, ALK_T_ENDPOINT, &k, 1);
		in[i] = 0;
	}
	CU_ASSERT(spills_exact(t, h));
	for (uint32_t i = 0; i < n; i++) {
		k = ep_key(i);
		found += (alk_flat_endpoint(&ctx, &k, &out) ==
			  ALK_FLAT_FOUND) == in[i];
	}
	CU_ASSERT_EQUAL(found, n);
	for (int rc = t->ops->next_key(t, ALK_T_ENDPOINT, NULL, &next); !rc;
	     rc = t->ops->next_key(t, ALK_T_ENDPOINT, &next, &next))
		walked++;
	stored = 0;
	for (uint32_t i = 0; i < n; i++)
		stored += in[i];
	CU_ASSERT_EQUAL(walked, stored);
	free(in);
	t->ops->close(t);
}

/* A table is taken again only as what it was made: the head is checked. */
static void test_open_checks_head(void)
{
	size_t bytes = alk_flat_bytes(100);
	uint8_t *mem = aligned_alloc(ALK_FLAT_BUCKET, bytes);
	struct alk_flat f, g;
	struct alk_endpoint_key k = ep_key(1);
	struct alk_endpoint v = ep_val(1, 0), out;
	char why[160] = "";

	CU_ASSERT_PTR_NOT_NULL_FATAL(mem);
	memset(mem, 0, bytes);
	CU_ASSERT_EQUAL(
		alk_flat_open(&f, mem, bytes, ALK_T_ENDPOINT, why, sizeof(why)),
		-EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "endpoint table: not laid out"));
	CU_ASSERT_EQUAL(alk_flat_init(&f, mem, bytes, ALK_T_ENDPOINT, 100), 0);
	CU_ASSERT_EQUAL(alk_flat_update(&f, &k, &v, 1), 0);
	CU_ASSERT_EQUAL(
		alk_flat_open(&g, mem, bytes, ALK_T_DHCP, why, sizeof(why)),
		-EINVAL);
	CU_ASSERT_EQUAL(alk_flat_open(&g, mem, bytes - ALK_FLAT_BUCKET,
				      ALK_T_ENDPOINT, why, sizeof(why)),
			-EINVAL);
	CU_ASSERT_EQUAL(
		alk_flat_open(&g, mem, bytes, ALK_T_ENDPOINT, why, sizeof(why)),
		0);
	CU_ASSERT_EQUAL(alk_flat_lookup(&g, &k, &out), 0);
	CU_ASSERT_EQUAL(out.host, v.host);
	free(mem);
}

/*
 * A reader thread looks up keys through the core while the writer, at
 * full speed, moves stable keys (never deleted) between two hosts and
 * replaces filler keys in a table of 20 buckets kept at 59 of its 60
 * slots, so that nearly every insert makes entries hop (20 buckets: more
 * than an entry's reach of 16, fewer than twice it, where a hop could
 * wrap to before an entry's home).  The reader looks
 * up the stable keys and the fillers the writer says are live (live[]:
 * set after the insert, cleared before the delete, so a filler live
 * before and after a lookup was there throughout).  Every such lookup
 * must find its key with one of its versions whole; a busy bucket is
 * allowed and counted.  The table is tiny so that the reader is always
 * where the writer is.
 */
#define RACE_STABLE 6
#define RACE_FILL 53

struct race {
	struct alk_tables *t;
	uint32_t live[RACE_FILL]; /* filler ids, 0: none */
	volatile int stop;
	uint64_t lookups, missing, torn, busy;
};

/* One lookup of endpoint id: found whole, busy, or missing.  A filler
 * (slot not NULL) counts as missing only if still live after the miss. */
static void race_check(struct race *r, struct alk_ctx *ctx, uint32_t id,
		       const uint32_t *slot)
{
	struct alk_endpoint_key k = ep_key(id);
	struct alk_endpoint out, a = ep_val(id, 0), b = ep_val(id, 1);

	switch (alk_flat_endpoint(ctx, &k, &out)) {
	case ALK_FLAT_FOUND:
		r->torn += memcmp(&out, &a, sizeof(out)) &&
			   memcmp(&out, &b, sizeof(out));
		break;
	case ALK_FLAT_BUSY:
		r->busy++;
		break;
	default:
		if (!slot || __atomic_load_n(slot, __ATOMIC_ACQUIRE) == id)
			r->missing++;
	}
	r->lookups++;
}

static void *reader(void *arg)
{
	struct race *r = arg;
	struct alk_ctx ctx = { .tables = r->t };

	for (uint32_t n = 0; !r->stop; n++) {
		uint32_t f = n % RACE_FILL;
		uint32_t id = __atomic_load_n(&r->live[f], __ATOMIC_ACQUIRE);

		race_check(r, &ctx, n % RACE_STABLE, NULL);
		if (id)
			race_check(r, &ctx, id, &r->live[f]);
	}
	return NULL;
}

static void test_reader_never_sees_torn_or_missing(void)
{
	struct race r = { .t = tables(43) };
	const struct alk_flat_head *h = alk_host_bucket(r.t, ALK_T_ENDPOINT, 0);
	uint32_t next = 1000, x = 1;
	uint64_t writes = 0;
	struct timespec start, now;
	pthread_t th;

	CU_ASSERT_EQUAL_FATAL(h->nbuckets, 20);
	for (uint32_t i = 0; i < RACE_STABLE + RACE_FILL; i++) {
		uint32_t id = i < RACE_STABLE ? i : next++;
		struct alk_endpoint_key k = ep_key(id);
		struct alk_endpoint v = ep_val(id, 0);

		CU_ASSERT_FATAL(
			!r.t->ops->update(r.t, ALK_T_ENDPOINT, &k, &v, 1));
		if (i >= RACE_STABLE)
			r.live[i - RACE_STABLE] = id;
	}
	CU_ASSERT_FATAL(!pthread_create(&th, NULL, reader, &r));
	clock_gettime(CLOCK_MONOTONIC, &start);
	do {
		for (uint32_t n = 0; n < 10000; n++) {
			uint32_t f = n % RACE_FILL, s = n % RACE_STABLE;
			uint32_t old = r.live[f];
			struct alk_endpoint_key k;
			struct alk_endpoint v;

			/* a filler leaves, another comes (it may not fit:
			 * then the table stays one emptier for a while) */
			__atomic_store_n(&r.live[f], 0, __ATOMIC_RELEASE);
			if (old) {
				k = ep_key(old);
				r.t->ops->remove(r.t, ALK_T_ENDPOINT, &k, 1);
			}
			k = ep_key(next);
			v = ep_val(next, n & 1);
			if (!r.t->ops->update(r.t, ALK_T_ENDPOINT, &k, &v, 1))
				__atomic_store_n(&r.live[f], next,
						 __ATOMIC_RELEASE);
			next++;
			/* a stable key moves to its other host */
			x = x * 1103515245 + 12345;
			k = ep_key(s);
			v = ep_val(s, x >> 31);
			r.t->ops->update(r.t, ALK_T_ENDPOINT, &k, &v, 1);
			writes += 3;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		/* 2 s, or up to 10 s on a loaded machine until the reader
		 * and the writer have both done enough */
	} while (now.tv_sec - start.tv_sec < 2 ||
		 (now.tv_sec - start.tv_sec < 10 &&
		  (__atomic_load_n(&r.lookups, __ATOMIC_RELAXED) <= 100000 ||
		   h->hops <= 10000)));
	r.stop = 1;
	pthread_join(th, NULL);
	printf("\n    %lu lookups, %lu writes, %lu hops: %lu missing, "
	       "%lu torn, %lu busy ",
	       (unsigned long)r.lookups, (unsigned long)writes,
	       (unsigned long)h->hops, (unsigned long)r.missing,
	       (unsigned long)r.torn, (unsigned long)r.busy);
	CU_ASSERT(r.lookups > 100000);
	CU_ASSERT(h->hops > 10000);
	CU_ASSERT_EQUAL(r.missing, 0);
	CU_ASSERT_EQUAL(r.torn, 0);
	/* a writer preempted mid-bucket (two threads sharing a core of a
	 * loaded machine) makes every lookup of that bucket busy meanwhile:
	 * rare, but not never */
	CU_ASSERT(r.busy < r.lookups / 20);
	r.t->ops->close(r.t);
}

static void unit_flat_register(void)
{
	CU_pSuite s = CU_add_suite("flat tables", NULL, NULL);

	CU_add_test(s, "filled to capacity", test_fill_to_capacity);
	CU_add_test(s, "a batch that does not fit",
		    test_batch_that_does_not_fit);
	CU_add_test(s, "hops, deletes and the walk",
		    test_hops_deletes_and_walk);
	CU_add_test(s, "open checks the head", test_open_checks_head);
	CU_add_test(s, "a reader never sees torn or missing entries",
		    test_reader_never_sees_torn_or_missing);
}
TEST_SUITE(unit_flat_register);
