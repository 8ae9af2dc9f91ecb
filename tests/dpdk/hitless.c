/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Hitless table updates: every endpoint of a full table (1M by default)
 * moves to a new host, through the table API, while a worker lcore runs
 * its real loop and bounces traffic aimed at those very endpoints; every
 * few batches, every host's neighbor entry gets a new MAC too.
 *
 * The test is the wire: it feeds the RX ring of a net_ring port and drains
 * its TX ring.  Endpoints are updated in batches; before each batch, frames
 * for the batch's endpoints (and for random others) are queued so that the
 * worker forwards them while the batch is being written; after it, more
 * frames for the batch follow.  Every frame carries a sequence number, and
 * each one that comes out must
 *   - come out exactly once (nothing lost, nothing duplicated; but a
 *     frame that met a bucket its writer kept changing is dropped and
 *     counted table_busy, which a writer preempted mid-bucket on a loaded
 *     machine causes: at most BUSY_MAX_PER_MILLE of them),
 *   - be addressed to its endpoint's old or new host, and to the new host
 *     if it was queued after the update of its endpoint returned,
 *   - carry that host's MAC as it was when the frame was queued or the
 *     one that replaced it, never an older one,
 * and the counters must add up: every frame bounced or table_busy, no
 * other reason, no TX drop.
 *
 * Then the race (race()): the flat endpoint table's writer against its
 * reader with nothing in between, both at full speed for RACE_SECONDS.  A
 * worker lcore probes keys in bursts as the datapath does (homes
 * prefetched, then alk_flat_endpoint_from() through the DPDK shim) while
 * the main lcore keeps the table about 94% full, deleting and adding churning
 * keys (which makes the writer move entries forward to make room: hops) and
 * moving hot stable keys between two hosts.  Stable keys are never deleted: the
 * reader must find every one, with a value that is wholly one of the two (their
 * bytes differ everywhere), never a mix.  A busy bucket is counted, not failed.
 *
 *   dpdk-hitless [ENDPOINTS [race]]   race: the race alone
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_eth_ring.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "tests/lib/frames.h"
#include "core/reason_names.h"
#include "dp-dpdk/ports.h"
#include "dp-dpdk/tables_dpdk.h"
#include "dp-dpdk/worker.h"
#include "core/lookup.h"
#include "tables/flat.h"
#include "tables/tables.h"
#include "tests/lib/eal.h"

#define UPDATE_BATCH 256
#define BEFORE 1024 /* frames queued before each batch update */
#define AFTER 256   /* frames queued after it, all for the batch */
#define HOSTS 200
#define NEIGHBOR_EVERY 8 /* batches between two changes of every host MAC */
#define VNI_BASE 100
#define RX_RING 4096
#define TX_RING 8192
#define FRAME_LEN 114
#define SEQ_OFF (FRAME_LEN - 4) /* last bytes of the inner UDP payload */
/* frames dropped as table_busy the test takes (a writer preempted
 * mid-bucket by a loaded machine), per mille of those sent */
#define BUSY_MAX_PER_MILLE 1

#define GATEWAY_IP 0xc6130001u /* 198.19.0.1 */
#define SENDER_IP 0xc6130002u  /* 198.19.0.2 */
#define OLD_HOSTS 0xc6130100u  /* 198.19.1.x */
#define NEW_HOSTS 0xc6130200u  /* 198.19.2.x */
#define ENDPOINTS 0xc6120000u  /* 198.18.0.0/16, in every VNI */

static const uint8_t gateway_mac[6] = { 0x02, 0, 0, 0, 0, 0x01 };
static const uint8_t sender_mac[6] = { 0x02, 0, 0, 0, 0, 0x02 };

static struct {
	uint32_t endpoints;
	struct rte_mempool *pool;
	struct rte_ring *rx, *tx;
	uint16_t port;
	struct alk_tables *tables;
	bool quit;
	uint64_t rng;
	/* per frame sent: its endpoint, and whether only the new host will
	 * do; per frame received: seen */
	uint32_t *frame_endpoint;
	uint8_t *frame_new_only, *frame_seen, *frame_epoch;
	uint8_t epoch; /* of the hosts' MACs */
	uint32_t sent, received;
	uint64_t to_old, to_new, racing_old, racing_new, mac_changes;
	uint64_t failures;
} h;

static uint64_t rnd(void)
{
	/* xorshift64: repeatable runs */
	h.rng ^= h.rng << 13;
	h.rng ^= h.rng >> 7;
	h.rng ^= h.rng << 17;
	return h.rng;
}

static void endpoint_key(uint32_t i, struct alk_endpoint_key *k)
{
	k->vni = VNI_BASE + (i >> 16);
	k->ip = htonl(ENDPOINTS + (i & 0xffff));
}

static uint32_t host_of(uint32_t i, int fresh)
{
	return (fresh ? NEW_HOSTS : OLD_HOSTS) + 1 + i % HOSTS;
}

static void host_mac(uint32_t host, uint8_t epoch, uint8_t mac[6])
{
	memcpy(mac, (uint8_t[]){ 0x02, 0xaa, epoch, 0, host >> 8, host }, 6);
}

static void endpoint_val(uint32_t i, int fresh, struct alk_endpoint *v)
{
	memset(v, 0, sizeof(*v));
	v->host = htonl(host_of(i, fresh));
	memcpy(v->mac, (uint8_t[]){ 0x02, 0x0e, i >> 24, i >> 16, i >> 8, i },
	       6);
}

static int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int fail(const char *fmt, ...)
{
	va_list ap;

	if (h.failures++ < 10) {
		fprintf(stderr, "dpdk-hitless: ");
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fprintf(stderr, "\n");
	}
	return -1;
}

/* Every host, old and new, with MACs of the current epoch. */
static int neighbors_set(void)
{
	struct alk_neighbor_key nk[2 * HOSTS];
	struct alk_neighbor nv[2 * HOSTS];
	struct alk_error err = { 0 };

	for (int fresh = 0; fresh < 2; fresh++) {
		for (int j = 0; j < HOSTS; j++) {
			uint32_t host = host_of(j, fresh);

			nk[fresh * HOSTS + j].ip = htonl(host);
			memset(&nv[fresh * HOSTS + j], 0, sizeof(nv[0]));
			host_mac(host, h.epoch, nv[fresh * HOSTS + j].mac);
		}
	}
	if (alk_neighbors_add(h.tables, nk, nv, 2 * HOSTS, &err))
		return fail("neighbors: %s", err.msg);
	return 0;
}

static int tables_fill(void)
{
	struct alk_endpoint_key *keys;
	struct alk_endpoint *vals;
	struct alk_gateway gw = {
		.ip = htonl(GATEWAY_IP),
		.geneve_port = htons(ALK_GENEVE_PORT),
		.vxlan_port = htons(ALK_VXLAN_PORT),
	};
	struct alk_error err = { 0 };
	int rc;

	memcpy(gw.mac, gateway_mac, 6);
	if (alk_gateway_set(h.tables, &gw, &err))
		return fail("gateway: %s", err.msg);
	if (neighbors_set())
		return -1;

	keys = calloc(h.endpoints, sizeof(*keys));
	vals = calloc(h.endpoints, sizeof(*vals));
	if (!keys || !vals)
		return fail("out of memory");
	for (uint32_t i = 0; i < h.endpoints; i++) {
		endpoint_key(i, &keys[i]);
		endpoint_val(i, 0, &vals[i]);
	}
	rc = alk_endpoints_add(h.tables, keys, vals, h.endpoints, &err);
	free(keys);
	free(vals);
	return rc ? fail("endpoints: %s", err.msg) : 0;
}

/* One frame for endpoint i, numbered h.sent. */
static struct rte_mbuf *frame_for(uint32_t i, int new_only)
{
	struct frame_outer o = {
		.tunnel = FRAME_GENEVE,
		.vni = VNI_BASE + (i >> 16),
		.src_ip = SENDER_IP,
		.dst_ip = GATEWAY_IP,
		.sport = 49152 + (i & 0x3fff),
	};
	struct rte_mbuf *m = rte_pktmbuf_alloc(h.pool);
	uint32_t seq = h.sent;
	uint8_t *p;

	if (!m)
		return NULL;
	memcpy(o.src_mac, sender_mac, 6);
	memcpy(o.dst_mac, gateway_mac, 6);
	p = (uint8_t *)rte_pktmbuf_append(m, FRAME_LEN);
	if (!p || frame_ipv4(p, &o, 0xc0000201, ENDPOINTS + (i & 0xffff), 64) !=
			  FRAME_LEN) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	memcpy(p + SEQ_OFF, &seq, 4);
	h.frame_endpoint[seq] = i;
	h.frame_new_only[seq] = new_only;
	h.frame_epoch[seq] = h.epoch;
	h.sent++;
	return m;
}

static int send_frames(const uint32_t *endpoint, unsigned int n, int new_only)
{
	struct rte_mbuf *m[ALK_BURST];

	for (unsigned int done = 0; done < n;) {
		unsigned int k = RTE_MIN(n - done, (unsigned int)ALK_BURST);

		for (unsigned int j = 0; j < k; j++) {
			m[j] = frame_for(endpoint[done + j], new_only);
			if (!m[j])
				return fail("no mbuf for frame %u", h.sent);
		}
		/* the RX ring holds everything queued between drains */
		if (rte_ring_enqueue_bulk(h.rx, (void **)m, k, NULL) != k)
			return fail("RX ring full");
		done += k;
	}
	return 0;
}

static void check_frame(struct rte_mbuf *m)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	const struct alk_ipv4 *ip = (const struct alk_ipv4 *)(p + 14);
	uint32_t seq, i, vni, inner_dst, host;
	uint8_t mac[6];

	if (rte_pktmbuf_data_len(m) != FRAME_LEN) {
		fail("frame of %u bytes", rte_pktmbuf_data_len(m));
		return;
	}
	memcpy(&seq, p + SEQ_OFF, 4);
	if (seq >= h.sent || h.frame_seen[seq]) {
		fail("frame %u: %s", seq,
		     seq >= h.sent ? "never sent" : "came out twice");
		return;
	}
	h.frame_seen[seq] = 1;
	i = h.frame_endpoint[seq];
	vni = (uint32_t)p[46] << 16 | p[47] << 8 | p[48];
	memcpy(&inner_dst, p + 50 + 14 + 16, 4);
	if (vni != VNI_BASE + (i >> 16) ||
	    ntohl(inner_dst) != ENDPOINTS + (i & 0xffff)) {
		fail("frame %u: tenant frame changed", seq);
		return;
	}
	host = ntohl(ip->daddr);
	if (host == host_of(i, 1)) {
		h.to_new++;
		h.racing_new += !h.frame_new_only[seq];
	} else if (host == host_of(i, 0) && !h.frame_new_only[seq]) {
		h.to_old++;
		h.racing_old++;
	} else {
		fail("frame %u for endpoint %u sent to %08x: old %08x new "
		     "%08x%s",
		     seq, i, host, host_of(i, 0), host_of(i, 1),
		     h.frame_new_only[seq] ? " (after its update)" : "");
		return;
	}
	if (memcmp(p + 6, gateway_mac, 6) || ntohl(ip->saddr) != GATEWAY_IP) {
		fail("frame %u: outer source wrong", seq);
		return;
	}
	host_mac(host, h.frame_epoch[seq], mac);
	if (!memcmp(p, mac, 6))
		return;
	/* the MAC may have changed since the frame was queued, once */
	host_mac(host, h.frame_epoch[seq] + 1, mac);
	if (!memcmp(p, mac, 6) &&
	    (uint8_t)(h.frame_epoch[seq] + 1) == h.epoch) {
		h.mac_changes++;
		return;
	}
	fail("frame %u: next-hop MAC %02x:%02x:%02x:%02x:%02x:%02x is stale or "
	     "wrong (epoch %u queued, now %u)",
	     seq, p[0], p[1], p[2], p[3], p[4], p[5], h.frame_epoch[seq],
	     h.epoch);
}

/* Frames dropped as table_busy so far (see above). */
static uint64_t busy_frames(void)
{
	uint64_t c[ALK_R_MAX];

	if (h.tables->ops->stats_get(h.tables, c))
		return 0;
	return c[ALK_R_table_busy];
}

/* Everything sent so far comes back, but the busy frames (the worker may
 * still be working). */
static int drain(void)
{
	struct rte_mbuf *m[ALK_BURST];
	uint64_t deadline = rte_get_timer_cycles() + 5 * rte_get_timer_hz();

	while (h.received < h.sent) {
		unsigned int n = rte_ring_dequeue_burst(h.tx, (void **)m,
							ALK_BURST, NULL);

		for (unsigned int j = 0; j < n; j++)
			check_frame(m[j]);
		rte_pktmbuf_free_bulk(m, n);
		h.received += n;
		if (n)
			continue;
		if (h.received + busy_frames() >= h.sent)
			break;
		if (rte_get_timer_cycles() > deadline)
			return fail("%u frames sent, %u came out, %llu busy",
				    h.sent, h.received,
				    (unsigned long long)busy_frames());
	}
	return 0;
}

static int port_init(void)
{
	struct alk_port_conf pc = {
		.nb_rxq = 1,
		.nb_txq = 1,
		.nb_rxd = 1024,
		.nb_txd = 1024,
	};
	char err[256];
	int port;

	h.pool = alk_mbuf_pool("hitless_mbufs", 2 * TX_RING - 1,
			       alk_mbuf_data_room(0, 0), (int)rte_socket_id());
	h.rx = rte_ring_create("hitless_rx", RX_RING, rte_socket_id(),
			       RING_F_SP_ENQ | RING_F_SC_DEQ);
	h.tx = rte_ring_create("hitless_tx", TX_RING, rte_socket_id(),
			       RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (!h.pool || !h.rx || !h.tx)
		return fail("rings and mbufs: %s", rte_strerror(rte_errno));
	port = rte_eth_from_rings("net_ring_hitless", &h.rx, 1, &h.tx, 1,
				  rte_socket_id());
	if (port < 0)
		return fail("ring port: %s", rte_strerror(rte_errno));
	h.port = port;
	if (alk_port_start(h.port, &pc, h.pool, err, sizeof(err)))
		return fail("%s", err);
	return 0;
}

static int run(void)
{
	struct alk_endpoint_key keys[UPDATE_BATCH];
	struct alk_endpoint vals[UPDATE_BATCH];
	uint32_t targets[BEFORE];
	uint64_t update_cycles = 0, overlapped = 0;
	struct alk_error err = { 0 };

	for (uint32_t first = 0; first < h.endpoints; first += UPDATE_BATCH) {
		uint32_t n =
			RTE_MIN((uint32_t)UPDATE_BATCH, h.endpoints - first);
		struct rte_eth_stats st0, st1;
		uint64_t t0;

		/* half for the endpoints about to move, half anywhere */
		for (unsigned int j = 0; j < BEFORE; j++)
			targets[j] =
				j % 2 ? first + rnd() % n : rnd() % h.endpoints;
		if (send_frames(targets, BEFORE, 0))
			return -1;
		for (uint32_t j = 0; j < n; j++) {
			endpoint_key(first + j, &keys[j]);
			endpoint_val(first + j, 1, &vals[j]);
		}
		rte_eth_stats_get(h.port, &st0);
		t0 = rte_get_timer_cycles();
		if ((first / UPDATE_BATCH) % NEIGHBOR_EVERY == 0) {
			h.epoch++;
			if (neighbors_set())
				return -1;
		}
		if (alk_endpoints_add(h.tables, keys, vals, n, &err))
			return fail("update at %u: %s", first, err.msg);
		update_cycles += rte_get_timer_cycles() - t0;
		rte_eth_stats_get(h.port, &st1);
		overlapped += st1.ipackets - st0.ipackets;

		for (unsigned int j = 0; j < AFTER; j++)
			targets[j] = first + rnd() % n;
		if (send_frames(targets, AFTER, 1) || drain())
			return -1;
	}
	printf("dpdk-hitless: %u endpoints moved to new hosts in %.2f s of "
	       "table updates (%.0f updates/s)\n",
	       h.endpoints, (double)update_cycles / rte_get_timer_hz(),
	       h.endpoints / ((double)update_cycles / rte_get_timer_hz()));
	printf("dpdk-hitless: %u frames sent, %u came out, %llu table_busy, "
	       "%llu lost, %llu "
	       "misdelivered\n",
	       h.sent, h.received, (unsigned long long)busy_frames(),
	       (unsigned long long)(h.sent - h.received - busy_frames()),
	       (unsigned long long)h.failures);
	printf("dpdk-hitless: %llu frames forwarded while an update ran; "
	       "queued before their endpoint's update returned: %llu to the "
	       "old host, %llu to the new\n",
	       (unsigned long long)overlapped, (unsigned long long)h.racing_old,
	       (unsigned long long)h.racing_new);
	printf("dpdk-hitless: host MACs changed %u times under traffic; %llu "
	       "frames queued before a change left with the new MAC\n",
	       (h.endpoints / UPDATE_BATCH + NEIGHBOR_EVERY - 1) /
		       NEIGHBOR_EVERY,
	       (unsigned long long)h.mac_changes);
	if (!overlapped)
		return fail("no frame was forwarded during an update");
	return 0;
}

#define RACE_SECONDS 10
/* The writer stays 1/RACE_SLACK of the capacity below it: nearer, an add
 * is refused now and then (-ENOSPC, no room within reach), counted. */
#define RACE_SLACK 16
#define RACE_HOT 256 /* stable keys the writer keeps moving */

/* The race's table and what the reader found. */
static struct {
	struct alk_flat flat;
	struct alk_dp_tables dp;
	uint32_t stable; /* keys 0..stable-1 never leave */
	uint32_t keys;	 /* stable, then churning ones */
	bool stop;
	uint64_t lookups, found, busy, missing, torn;
} race_st;

/* Two values per key whose bytes differ everywhere but in the key's own
 * number: a reader that copies half of each is caught. */
static void race_val(uint32_t i, int b, struct alk_endpoint *v)
{
	uint8_t x = b ? 0x55 : 0xaa;

	v->host = htonl(0xc6130000u | x << 8 | x); /* 198.19.x.x */
	memcpy(v->mac, (uint8_t[]){ x, x, i >> 24, i >> 16, i >> 8, i }, 6);
	v->flags = b ? 0x5555 : 0xaaaa;
}

static int race_val_ok(uint32_t i, const struct alk_endpoint *v)
{
	struct alk_endpoint a, b;

	race_val(i, 0, &a);
	race_val(i, 1, &b);
	return !memcmp(v, &a, sizeof(a)) || !memcmp(v, &b, sizeof(b));
}

/* The worker: bursts of keys, half of them hot, as the datapath reads. */
static int race_reader(void *arg)
{
	uint64_t rng = 0x2545f4914f6cdd1dull, counters[ALK_R_MAX];
	const struct alk_flat_head *head = race_st.dp.endpoints.head;
	struct alk_endpoint_key k[ALK_BURST];
	struct alk_endpoint v[ALK_BURST];
	uint32_t idx[ALK_BURST], home[ALK_BURST];
	struct alk_ctx ctx;

	(void)arg;
	alk_dpdk_ctx_init(&ctx, &race_st.dp, counters, NULL, 0);
	while (!__atomic_load_n(&race_st.stop, __ATOMIC_RELAXED)) {
		for (int j = 0; j < ALK_BURST; j++) {
			rng ^= rng << 13;
			rng ^= rng >> 7;
			rng ^= rng << 17;
			idx[j] = j % 2 ? rng % RACE_HOT : rng % race_st.keys;
			endpoint_key(idx[j], &k[j]);
			home[j] = alk_flat_home(
				head, alk_endpoint_hash(&k[j], head->seed));
			rte_prefetch0(
				alk_plat_bucket(&ctx, ALK_T_ENDPOINT, home[j]));
		}
		for (int j = 0; j < ALK_BURST; j++) {
			enum alk_flat_probe r = alk_flat_endpoint_from(
				&ctx, head, home[j], &k[j], &v[j]);

			if (r == ALK_FLAT_BUSY)
				race_st.busy++;
			else if (r == ALK_FLAT_FOUND &&
				 race_val_ok(idx[j], &v[j]))
				race_st.found++;
			else if (r == ALK_FLAT_FOUND)
				race_st.torn++;
			else if (idx[j] < race_st.stable)
				race_st.missing++;
		}
		race_st.lookups += ALK_BURST;
	}
	return 0;
}

static int race_put(uint32_t i, int b)
{
	struct alk_endpoint_key k;
	struct alk_endpoint v;

	endpoint_key(i, &k);
	race_val(i, b, &v);
	return alk_flat_update(&race_st.flat, &k, &v, 1);
}

/* capacity entries: half stable, the other half and a slack more keys
 * churning; the writer runs on this lcore while a worker reads. */
static int race(unsigned int lcore, uint32_t capacity)
{
	size_t bytes = alk_flat_bytes(capacity);
	void *mem = rte_malloc("race", bytes, ALK_FLAT_BUCKET);
	uint32_t churn, present, *perm, slack = capacity / RACE_SLACK;
	uint64_t adds = 0, dels = 0, moves = 0, refused = 0, hops, end;
	uint8_t *side;

	race_st.stable = capacity / 2;
	race_st.keys = capacity + slack;
	churn = race_st.keys - race_st.stable;
	perm = calloc(churn, sizeof(*perm));
	side = calloc(RACE_HOT, 1);
	if (!mem || !perm || !side ||
	    alk_flat_init(&race_st.flat, mem, bytes, ALK_T_ENDPOINT, capacity))
		return fail("race: out of memory");
	race_st.dp.endpoints.mem = mem;
	race_st.dp.endpoints.head = race_st.flat.head;
	for (uint32_t i = 0; i < race_st.stable; i++)
		if (race_put(i, 0))
			return fail("race: no room for stable key %u", i);
	/* perm[0..present-1]: the churning keys in the table */
	for (uint32_t j = 0; j < churn; j++)
		perm[j] = race_st.stable + j;
	for (present = 0; present < churn - 2 * slack; present++)
		if (race_put(perm[present], 0))
			return fail("race: no room for key %u", perm[present]);
	hops = race_st.flat.head->hops;

	rte_eal_remote_launch(race_reader, NULL, lcore);
	end = rte_get_timer_cycles() + RACE_SECONDS * rte_get_timer_hz();
	/* RACE_SECONDS, or up to twice as long again until the writer has
	 * moved an entry (a loaded machine gives the writer less time) */
	while (!h.failures) {
		uint64_t now = rte_get_timer_cycles();

		if (now >= end &&
		    (race_st.flat.head->hops != hops ||
		     now >= end + 2 * RACE_SECONDS * rte_get_timer_hz()))
			break;
		for (int n = 0; n < 64; n++) {
			uint32_t j = rnd() % present, i = rnd() % RACE_HOT;
			struct alk_endpoint_key k;
			uint32_t t;

			/* one out, another in: the table stays full */
			endpoint_key(perm[j], &k);
			alk_flat_remove(&race_st.flat, &k, 1);
			t = perm[j], perm[j] = perm[--present],
			perm[present] = t;
			dels++;
			j = present + rnd() % (churn - present);
			if (race_put(perm[j], rnd() & 1)) {
				refused++;
			} else {
				t = perm[j], perm[j] = perm[present];
				perm[present++] = t;
				adds++;
			}
			/* a hot endpoint moves to its other host */
			side[i] ^= 1;
			if (race_put(i, side[i]))
				fail("race: hot key %u not replaced", i);
			moves++;
		}
	}
	__atomic_store_n(&race_st.stop, true, __ATOMIC_RELAXED);
	rte_eal_wait_lcore(lcore);
	printf("dpdk-hitless: race of %u s or more at %u of %u entries (%u "
	       "stable): "
	       "%llu lookups by the worker, %llu found whole, %llu busy; "
	       "writer: %llu adds (%llu refused), %llu deletes, %llu moves of "
	       "hot endpoints, %llu hops\n",
	       RACE_SECONDS, race_st.stable + present, capacity, race_st.stable,
	       (unsigned long long)race_st.lookups,
	       (unsigned long long)race_st.found,
	       (unsigned long long)race_st.busy, (unsigned long long)adds,
	       (unsigned long long)refused, (unsigned long long)dels,
	       (unsigned long long)moves,
	       (unsigned long long)(race_st.flat.head->hops - hops));
	if (race_st.missing || race_st.torn)
		fail("race: %llu stable keys missed, %llu values torn",
		     (unsigned long long)race_st.missing,
		     (unsigned long long)race_st.torn);
	if (race_st.flat.head->hops == hops)
		fail("race: the writer never moved an entry");
	rte_free(mem);
	free(perm);
	free(side);
	return 0;
}

static void counters_check(void)
{
	uint64_t c[ALK_R_MAX];
	struct rte_eth_stats st;

	uint64_t busy;

	h.tables->ops->stats_get(h.tables, c);
	busy = c[ALK_R_table_busy];
	if (busy * 1000 > (uint64_t)h.sent * BUSY_MAX_PER_MILLE)
		fail("%llu frames table_busy of %u, more than %u per mille",
		     (unsigned long long)busy, h.sent, BUSY_MAX_PER_MILLE);
	for (int r = 0; r < ALK_R_MAX; r++) {
		uint64_t want = r == ALK_R_bounce     ? h.sent - busy :
				r == ALK_R_table_busy ? busy :
							0;

		if (c[r] != want)
			fail("counter %s: %llu, expected %llu",
			     alk_reason_names[r], (unsigned long long)c[r],
			     (unsigned long long)want);
	}
	rte_eth_stats_get(h.port, &st);
	if (st.ipackets != h.sent || st.opackets != h.sent - busy)
		fail("port: rx %llu tx %llu, expected %u and %llu",
		     (unsigned long long)st.ipackets,
		     (unsigned long long)st.opackets, h.sent,
		     (unsigned long long)(h.sent - busy));
}

int main(int argc, char **argv)
{
	struct alk_dpdk_table_config c = {
		.sizes = { 1u << 20, 16, 16, 2 * HOSTS },
		.network_tbl8s = 64,
		.max_readers = 1,
	};
	struct alk_worker *w;
	unsigned int lcore;
	uint32_t frames;
	bool race_only;

	h.endpoints = argc > 1 ? strtoul(argv[1], NULL, 0) : 1u << 20;
	race_only = argc > 2 && !strcmp(argv[2], "race");
	if (!h.endpoints || h.endpoints > (1u << 24)) {
		fprintf(stderr, "usage: %s [ENDPOINTS]\n", argv[0]);
		return 2;
	}
	c.sizes.endpoints = h.endpoints;
	h.rng = 0x9e3779b97f4a7c15ull;
	if (test_eal_init("dpdk-hitless", "0,1", "1024"))
		return 1;
	lcore = rte_get_next_lcore(-1, 1, 0);
	if (lcore >= RTE_MAX_LCORE) {
		fprintf(stderr, "dpdk-hitless: needs a worker lcore\n");
		return 1;
	}
	frames = ((h.endpoints + UPDATE_BATCH - 1) / UPDATE_BATCH) *
		 (BEFORE + AFTER);
	h.frame_endpoint = calloc(frames, sizeof(uint32_t));
	h.frame_new_only = calloc(frames, 1);
	h.frame_seen = calloc(frames, 1);
	h.frame_epoch = calloc(frames, 1);
	c.socket = (int)rte_socket_id();
	h.tables = alk_dpdk_tables_create(&c);
	if (!h.frame_endpoint || !h.frame_new_only || !h.frame_seen ||
	    !h.frame_epoch || !h.tables) {
		fprintf(stderr, "dpdk-hitless: out of memory\n");
		return 1;
	}
	if (!race_only) {
		if (tables_fill() || port_init())
			return 1;
		w = alk_worker_create(lcore, h.tables, 0, 0, &h.quit);
		if (!w || alk_worker_add_rxq(w, h.port, 0, h.port)) {
			fprintf(stderr, "dpdk-hitless: no worker\n");
			return 1;
		}
		rte_eal_remote_launch(alk_worker_loop, w, lcore);
		run();
		__atomic_store_n(&h.quit, true, __ATOMIC_RELAXED);
		rte_eal_wait_lcore(lcore);
		counters_check();
		alk_worker_free(w);
	}
	h.tables->ops->close(h.tables);
	race(lcore, h.endpoints);
	test_eal_cleanup();
	if (h.failures) {
		printf("dpdk-hitless: FAIL (%llu problems)\n",
		       (unsigned long long)h.failures);
		return 1;
	}
	printf("dpdk-hitless: ok\n");
	return 0;
}
