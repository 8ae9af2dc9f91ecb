/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The per-packet code of the workers, and nothing else: the core's
 * pipeline over a burst of mbufs.  Classification of every frame first;
 * then the home bucket of every endpoint key is computed and prefetched
 * before any is probed, so that the burst's cache misses overlap; then
 * each key is probed (its value copied out, core/lookup.h), then the
 * actions.  An ARP request's asker is prefetched too: the reply goes to
 * the asker's host, which the core looks up then, in cache.
 */
#include <time.h>

#include <rte_branch_prediction.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>

#include "core/platform/dpdk.h"
#include "core/pipeline.h"
#include "capture.h"
#include "worker.h"

/* Frames ahead whose first bytes are fetched while one is parsed. */
#define PREFETCH_OFFSET 3

#define NO_KEY 0xff

_Static_assert(ALK_BURST < NO_KEY, "a frame's key index fits a byte");

/*
 * A frame in several segments (RX scatter).  One that fits its first
 * buffer is made one piece: a device or a test split it for no need, and
 * it may be an ARP or DHCP request, answered in place.  A larger one
 * keeps its pieces and goes out as it came: the core reads its headers
 * from the first segment (pkt->nonlinear counts the rest), and ends the
 * frame headers_not_linear when they are not all there.
 */
static void chained(struct rte_mbuf *m)
{
	if (rte_pktmbuf_pkt_len(m) <= (uint32_t)(m->buf_len - m->data_off))
		rte_pktmbuf_linearize(m); /* cannot fail: it fits */
}

/* --- capture (capture.h): only while one runs --------------------------- */
#ifndef ALK_NO_CAPTURE

/* The frame as it is now into a record of the capture's own pool. */
static struct alk_dpdk_capture_rec *capture_copy(struct alk_dpdk_capture *cap,
						 uint16_t port,
						 struct rte_mbuf *m,
						 bool ingress)
{
	struct alk_dpdk_capture_rec *rec;
	struct timespec ts;
	const void *p;
	uint32_t len = rte_pktmbuf_pkt_len(m);

	if (rte_mempool_get(cap->pool, (void **)&rec)) {
		__atomic_fetch_add(&cap->lost, 1, __ATOMIC_RELAXED);
		return NULL;
	}
	rec->caplen = RTE_MIN(len, cap->snaplen);
	p = rte_pktmbuf_read(m, 0, rec->caplen, rec->data);
	if (p != rec->data)
		rte_memcpy(rec->data, p, rec->caplen);
	clock_gettime(CLOCK_REALTIME, &ts);
	rec->ts_ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	rec->len = len;
	rec->port = port;
	rec->ingress = ingress;
	return rec;
}

/* The frame's reason decided: its record (taken before the core, or now)
 * to the main lcore, if the capture takes the reason. */
static void capture_put(struct alk_dpdk_capture *cap, uint16_t port,
			struct rte_mbuf *m, struct alk_dpdk_capture_rec *rec,
			int reason)
{
	if (!alk_capture_takes(cap->reasons, (unsigned int)reason)) {
		if (rec)
			rte_mempool_put(cap->pool, rec);
		return;
	}
	if (!cap->ingress)
		rec = capture_copy(cap, port, m, false);
	if (!rec)
		return;
	rec->reason = (uint16_t)reason;
	if (rte_ring_mp_enqueue(cap->ring, rec)) {
		__atomic_fetch_add(&cap->lost, 1, __ATOMIC_RELAXED);
		rte_mempool_put(cap->pool, rec);
	}
}

#endif

/* The burst, with capture (cap) or without (NULL, a constant: then this
 * is the code built with ALK_NO_CAPTURE, to the instruction). */
static __rte_always_inline void burst(struct alk_worker *w,
				      const struct alk_rxq *q,
				      struct rte_mbuf **m, uint16_t n,
				      struct alk_dpdk_capture *cap)
{
	struct alk_parsed ps[ALK_BURST];
	struct alk_pkt pkt[ALK_BURST];
	/* the frames' keys (nkeys), then the ARP askers' (nask) */
	const struct alk_endpoint_key *keys[2 * ALK_BURST];
	__u32 home[2 * ALK_BURST];
	struct alk_endpoint eps[ALK_BURST];
	uint8_t probe[ALK_BURST];
	struct alk_endpoint_key askers[ALK_BURST];
	struct rte_mbuf *drop[ALK_BURST];
	uint8_t key_of[ALK_BURST];
	int reason[ALK_BURST];
	const struct alk_gateway *gw;
	const struct alk_flat_head *head;
	struct rte_eth_dev_tx_buffer *txbuf = w->txbuf[q->tx_port];
	struct alk_ctx ctx;
	uint16_t i, nkeys = 0, nask = 0, ndrop = 0;
#ifndef ALK_NO_CAPTURE
	struct alk_dpdk_capture_rec *arrived[ALK_BURST];

	if (cap)
		for (i = 0; i < n; i++)
			arrived[i] = cap->ingress ? capture_copy(cap, q->port,
								 m[i], true) :
						    NULL;
#endif

	alk_dpdk_ctx_init(&ctx, w->tables, w->counters, &w->nb_cache, q->port);
	ctx.dp_bucket = &w->dp_bucket;
	gw = alk_plat_gateway(&ctx);
	head = w->tables->endpoints.head;

	for (i = 0; i < PREFETCH_OFFSET && i < n; i++)
		rte_prefetch0(rte_pktmbuf_mtod(m[i], void *));
	for (i = 0; i < n; i++) {
		if (i + PREFETCH_OFFSET < n)
			rte_prefetch0(rte_pktmbuf_mtod(m[i + PREFETCH_OFFSET],
						       void *));
		key_of[i] = NO_KEY;
		if (unlikely(m[i]->nb_segs > 1))
			chained(m[i]);
		alk_dpdk_pkt(&pkt[i], m[i]);
		/* no gateway yet: nothing is for us, as on every target */
		reason[i] = likely(gw != NULL) ?
				    alk_classify(&pkt[i], &ps[i], gw) :
				    ALK_R_not_for_us;
		if (reason[i] != ALK_R_CONTINUE || ps[i].kind == ALK_K_DHCP)
			continue;
		keys[nkeys] = &ps[i].key;
		key_of[i] = nkeys++;
		if (unlikely(ps[i].kind == ALK_K_ARP)) {
			const struct alk_arp *arp =
				(const struct alk_arp *)ps[i].inner_l3;

			askers[nask].vni = ps[i].vni;
			askers[nask++].ip = arp->spa;
		}
	}
	for (i = 0; i < nask; i++)
		keys[nkeys + i] = &askers[i];
	/* every home bucket on its way before the first is read; askers'
	 * only fetched: the core looks them up when it answers */
	for (i = 0; i < nkeys + nask; i++) {
		home[i] = alk_flat_home(head,
					alk_endpoint_hash(keys[i], head->seed));
		rte_prefetch0(alk_plat_bucket(&ctx, ALK_T_ENDPOINT, home[i]));
	}
	for (i = 0; i < nkeys; i++)
		probe[i] = alk_flat_endpoint_from(&ctx, head, home[i], keys[i],
						  &eps[i]);

	for (i = 0; i < n; i++) {
		int r = reason[i];

		if (r == ALK_R_CONTINUE) {
			uint8_t k = key_of[i];

			ctx.m = m[i];
			r = alk_act_probed(&ctx, &pkt[i], &ps[i], gw,
					   k == NO_KEY ? ALK_FLAT_ABSENT :
							 probe[k],
					   k == NO_KEY ? NULL : &eps[k]);
		}
		alk_plat_count(&ctx, (enum alk_reason)r);
#ifndef ALK_NO_CAPTURE
		if (cap)
			capture_put(cap, q->port, m[i], arrived[i], r);
#endif
		/* PASS has no kernel to go to here: counted, then dropped */
		if (alk_reason_verdict((enum alk_reason)r) == ALK_TX)
			rte_eth_tx_buffer(q->tx_port, w->txq, txbuf, m[i]);
		else
			drop[ndrop++] = m[i];
	}
	if (ndrop)
		rte_pktmbuf_free_bulk(drop, ndrop);
}

void alk_worker_burst(struct alk_worker *w, const struct alk_rxq *q,
		      struct rte_mbuf **m, uint16_t n)
{
#ifndef ALK_NO_CAPTURE
	struct alk_dpdk_capture *cap = w->capture;

	/* the capture's one test, a burst */
	if (unlikely(__atomic_load_n(&cap->on, __ATOMIC_ACQUIRE) &&
		     (cap->port < 0 || cap->port == q->port))) {
		burst(w, q, m, n, cap);
		return;
	}
#endif
	burst(w, q, m, n, NULL);
}

unsigned int alk_worker_poll(struct alk_worker *w)
{
	struct rte_mbuf *m[ALK_BURST];
	unsigned int total = 0;

	for (uint16_t i = 0; i < w->nrxq; i++) {
		const struct alk_rxq *q = &w->rxq[i];
		uint16_t n = rte_eth_rx_burst(q->port, q->queue, m, ALK_BURST);

		if (!n)
			continue;
		alk_worker_burst(w, q, m, n);
		/* what came in as a burst goes out as one */
		rte_eth_tx_buffer_flush(q->tx_port, w->txq,
					w->txbuf[q->tx_port]);
		total += n;
	}
	return total;
}

int alk_worker_loop(void *worker)
{
	struct alk_worker *w = worker;

	rte_rcu_qsbr_thread_register(w->qsbr, w->qsbr_id);
	rte_rcu_qsbr_thread_online(w->qsbr, w->qsbr_id);
	while (!__atomic_load_n(w->quit, __ATOMIC_RELAXED)) {
		alk_worker_poll(w);
		/* nothing of the tables is held across passes */
		rte_rcu_qsbr_quiescent(w->qsbr, w->qsbr_id);
	}
	rte_rcu_qsbr_thread_offline(w->qsbr, w->qsbr_id);
	rte_rcu_qsbr_thread_unregister(w->qsbr, w->qsbr_id);
	return 0;
}
