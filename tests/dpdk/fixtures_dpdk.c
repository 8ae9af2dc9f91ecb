/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Golden-packet runner: the workers' own code on mbufs.  Each fixture's
 * frame goes into the RX ring of a net_ring port and through
 * alk_worker_poll() (RX burst, classification, bulk lookup, action, TX
 * buffer, flush), over tables programmed through the table API on the
 * DPDK back end.  What the port transmits is the output; the reason is the
 * per-lcore counter that moved.
 *
 * Every fixture runs twice: alone, then as a burst of 32 in which 16
 * copies alternate with 16 runt frames (malformed_eth, or not_for_us
 * while there is no gateway), so that the bulk lookup of a burst
 * with holes in it is checked against the frame-at-a-time answer.
 *
 * Then the whole file again with every frame a chain of small segments
 * (64 bytes, then 13: headers across segment ends), as a device with
 * RX scatter may give them: the same reasons, the same output.  And each
 * frame that is bounced also as a jumbo frame of 1500, 4000 and 9000
 * bytes of IPv4 (its outer lengths grown, zeros at the end), in 2 KiB
 * segments as a device would scatter it: forwarded as it came, in its
 * segments; the same with a first segment too short for its headers is
 * counted headers_not_linear; DHCP requests grown to 1500 bytes are
 * answered, to 2100 (in pieces) refused.  Fixtures with `linear N` start
 * with a segment of N bytes that cannot be made one piece with the rest.
 */
#include <stdio.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_eth_ring.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "core/reason_names.h"
#include "dp-dpdk/ports.h"
#include "dp-dpdk/tables_dpdk.h"
#include "dp-dpdk/worker.h"
#include "tests/lib/eal.h"
#include "tests/runners/fixtures.h"

#define RING_SIZE 256
#define COPIES (ALK_BURST / 2)
#define JUMBO_MAX 9018	   /* 9000 of IPv4, Ethernet and a VLAN tag */
#define JUMBO_SEGMENT 2048 /* as a device scatters into default mbufs */

static struct {
	struct rte_mempool *pool;
	struct rte_mempool *small; /* JUMBO_SEGMENT of data room */
	struct rte_mempool *tiny;  /* the small segments after a first */
	struct rte_ring *rx, *tx;
	uint16_t port;
	uint16_t split; /* 0: frames in one mbuf, else segments this long */
	uint32_t first; /* a fixture's linear part: its first segment */
	bool quit;
	unsigned int jumbo_runs, jumbo_dhcp;
} rig;

static struct alk_tables *dpdk_tables(void *unused)
{
	struct alk_dpdk_table_config c = {
		.sizes = { 1024, 256, 256, 256 },
		.network_tbl8s = 512,
		.max_readers = 1,
		.socket = (int)rte_socket_id(),
	};

	return alk_dpdk_tables_create(&c);
}

static void counters_of_this_lcore(struct alk_tables *t, uint64_t *c)
{
	const struct alk_dp_tables *dp = alk_dpdk_tables_dp(t);

	memcpy(c, dp->counters[rte_lcore_id()].reason,
	       sizeof(uint64_t) * ALK_R_MAX);
}

/* A frame as a chain: first bytes in the first segment (from pool), then
 * seg each (from rest). */
static struct rte_mbuf *chain_of(struct rte_mempool *pool,
				 struct rte_mempool *rest, const uint8_t *frame,
				 uint32_t len, uint32_t first, uint32_t seg)
{
	struct rte_mbuf *head = NULL;
	uint32_t at = 0;

	while (at < len) {
		uint32_t n = RTE_MIN(len - at, at ? seg : first);
		struct rte_mbuf *m = rte_pktmbuf_alloc(at ? rest : pool);

		if (!m || !rte_pktmbuf_append(m, n) ||
		    (head && rte_pktmbuf_chain(head, m))) {
			rte_pktmbuf_free(m);
			rte_pktmbuf_free(head);
			return NULL;
		}
		memcpy(rte_pktmbuf_mtod(m, void *), frame + at, n);
		if (!head)
			head = m;
		at += n;
	}
	return head;
}

static struct rte_mbuf *mbuf_of(const uint8_t *frame, uint32_t len)
{
	uint32_t seg = rig.split ? rig.split : len;
	struct rte_mbuf *m, *rest;

	if (!rig.first || rig.first >= len)
		return chain_of(rig.pool, rig.split ? rig.tiny : rig.pool,
				frame, len, seg, seg);
	m = rte_pktmbuf_alloc(rig.small);
	rest = chain_of(rig.small, rig.small, frame + rig.first,
			len - rig.first, JUMBO_SEGMENT, JUMBO_SEGMENT);
	if (!m || !rest) {
		rte_pktmbuf_free(m);
		rte_pktmbuf_free(rest);
		return NULL;
	}
	/* the first segment's data at the end of its buffer */
	m->data_off = m->buf_len - rig.first;
	memcpy(rte_pktmbuf_append(m, rig.first), frame, rig.first);
	if (rte_pktmbuf_chain(m, rest)) {
		rte_pktmbuf_free(m);
		rte_pktmbuf_free(rest);
		return NULL;
	}
	return m;
}

/* What a transmitted mbuf holds, in one piece. */
static uint32_t gather(const struct rte_mbuf *m, uint8_t *buf, uint32_t max)
{
	uint32_t len = rte_pktmbuf_pkt_len(m);
	const void *p;

	if (len > max)
		return 0;
	p = rte_pktmbuf_read(m, 0, len, buf);
	if (p != buf)
		memcpy(buf, p, len);
	return len;
}

/* Feed n frames, poll once, collect what was sent. */
static int pass_through(struct alk_worker *w, struct rte_mbuf **in,
			unsigned int n, struct rte_mbuf **out,
			unsigned int *nout)
{
	unsigned int polled;

	if (rte_ring_enqueue_bulk(rig.rx, (void **)in, n, NULL) != n) {
		fprintf(stderr, "    RX ring refused the frames\n");
		rte_pktmbuf_free_bulk(in, n);
		return -1;
	}
	polled = alk_worker_poll(w);
	*nout = rte_ring_dequeue_burst(rig.tx, (void **)out, ALK_BURST, NULL);
	if (polled != n) {
		fprintf(stderr, "    worker took %u frames of %u\n", polled, n);
		return -1;
	}
	return 0;
}

static int same_frame(const struct rte_mbuf *m, const uint8_t *frame,
		      uint32_t len)
{
	uint8_t buf[FIXTURE_MAX_FRAME];

	return rte_pktmbuf_pkt_len(m) == len &&
	       gather(m, buf, sizeof(buf)) == len && !memcmp(buf, frame, len);
}

/* One frame alone: exactly one counter of this lcore moves, by one. */
static int run_single(struct alk_tables *t, struct alk_worker *w,
		      uint8_t *frame, uint32_t *len)
{
	uint64_t before[ALK_R_MAX], after[ALK_R_MAX], sum0[ALK_R_MAX],
		sum1[ALK_R_MAX];
	struct rte_mbuf *in, *out[ALK_BURST];
	unsigned int nout;
	int counted = -1;

	in = mbuf_of(frame, *len);
	if (!in)
		return -1;
	counters_of_this_lcore(t, before);
	t->ops->stats_get(t, sum0);
	if (pass_through(w, &in, 1, out, &nout))
		goto fail;
	counters_of_this_lcore(t, after);
	t->ops->stats_get(t, sum1);
	for (int r = 0; r < ALK_R_MAX; r++) {
		if (after[r] == before[r])
			continue;
		if (counted >= 0 || after[r] != before[r] + 1) {
			fprintf(stderr, "    counters: %s moved by %llu\n",
				alk_reason_names[r],
				(unsigned long long)(after[r] - before[r]));
			goto fail;
		}
		counted = r;
	}
	if (counted < 0) {
		fprintf(stderr, "    no counter moved\n");
		goto fail;
	}
	/* and the sum over lcores agrees: nobody else counted */
	for (int r = 0; r < ALK_R_MAX; r++) {
		if (sum1[r] - sum0[r] != after[r] - before[r]) {
			fprintf(stderr, "    summed counters disagree on %s\n",
				alk_reason_names[r]);
			goto fail;
		}
	}
	if (nout != (alk_reason_verdict(counted) == ALK_TX)) {
		fprintf(stderr, "    %s: %u frames transmitted\n",
			alk_reason_names[counted], nout);
		goto fail;
	}
	if (nout) {
		*len = gather(out[0], frame, FIXTURE_MAX_FRAME);
		if (!*len) {
			fprintf(stderr, "    output: %u bytes\n",
				rte_pktmbuf_pkt_len(out[0]));
			goto fail;
		}
	}
	rte_pktmbuf_free_bulk(out, nout);
	return counted;
fail:
	rte_pktmbuf_free_bulk(out, nout);
	return -1;
}

/* The same frame 16 times among 16 runts, in one burst: the same answer
 * for each copy, the runts all dropped, nothing else counted. */
static int run_burst(struct alk_tables *t, struct alk_worker *w,
		     const uint8_t *in_frame, uint32_t in_len, int reason,
		     const uint8_t *out_frame, uint32_t out_len)
{
	static const uint8_t runt[12] = { 0x0e, 0, 0, 0, 0, 1 };
	uint64_t before[ALK_R_MAX], after[ALK_R_MAX], want[ALK_R_MAX] = { 0 };
	struct rte_mbuf *in[ALK_BURST], *out[ALK_BURST];
	unsigned int nout, sent = alk_reason_verdict(reason) == ALK_TX;
	struct alk_gateway gw;
	int ok = 1;

	for (unsigned int i = 0; i < ALK_BURST; i++) {
		/* copies at odd positions, then even: holes on both sides */
		int copy = (i % 2) ^ (i >= ALK_BURST / 2);

		in[i] = copy ? mbuf_of(in_frame, in_len) :
			       mbuf_of(runt, sizeof(runt));
		if (!in[i]) {
			rte_pktmbuf_free_bulk(in, i);
			return -1;
		}
	}
	counters_of_this_lcore(t, before);
	if (pass_through(w, in, ALK_BURST, out, &nout))
		return -1;
	counters_of_this_lcore(t, after);
	want[reason] += COPIES;
	/* without a gateway nothing is parsed: not for us */
	want[t->ops->gateway_get(t, &gw) ? ALK_R_not_for_us :
					   ALK_R_malformed_eth] +=
		ALK_BURST - COPIES;
	for (int r = 0; r < ALK_R_MAX; r++) {
		if (after[r] - before[r] != want[r]) {
			fprintf(stderr,
				"    burst: %s moved by %llu, not %llu\n",
				alk_reason_names[r],
				(unsigned long long)(after[r] - before[r]),
				(unsigned long long)want[r]);
			ok = 0;
		}
	}
	if (nout != sent * COPIES) {
		fprintf(stderr, "    burst: %u frames transmitted, not %u\n",
			nout, sent * COPIES);
		ok = 0;
	}
	for (unsigned int i = 0; i < nout && ok; i++) {
		if (!same_frame(out[i], out_frame, out_len)) {
			fprintf(stderr,
				"    burst: copy %u differs from the frame "
				"sent alone\n",
				i);
			ok = 0;
		}
	}
	rte_pktmbuf_free_bulk(out, nout);
	return ok ? 0 : -1;
}

/*
 * A frame grown to ip_len bytes of outer IPv4: zeros at its end, the outer
 * IPv4 total length and checksum and the UDP length to match.  Returns its
 * new length, or 0 for a frame that cannot be grown so (one whose outer
 * UDP checksum is set would need it recomputed).
 */
static uint32_t grow(uint8_t *f, uint32_t len, uint32_t ip_len)
{
	uint32_t ip = f[12] == 0x81 && f[13] == 0 ? 18 : 14;
	uint32_t ihl = (f[ip] & 0xf) * 4, udp = ip + ihl, sum = 0;

	if (udp + 8 > len ||
	    ip + ((uint32_t)f[ip + 2] << 8 | f[ip + 3]) != len || f[udp + 6] ||
	    f[udp + 7] || ip + ip_len > JUMBO_MAX || ip + ip_len < len)
		return 0;
	memset(f + len, 0, ip + ip_len - len);
	f[ip + 2] = ip_len >> 8;
	f[ip + 3] = ip_len;
	f[udp + 4] = (ip_len - ihl) >> 8;
	f[udp + 5] = ip_len - ihl;
	f[ip + 10] = f[ip + 11] = 0;
	for (uint32_t i = 0; i < ihl; i += 2)
		sum += (uint32_t)f[ip + i] << 8 | f[ip + i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	f[ip + 10] = ~sum >> 8;
	f[ip + 11] = ~sum;
	return ip + ip_len;
}

/*
 * A bounced or divided frame as jumbo frames, in 2 KiB segments: the same
 * reason, the same rewrite, sent in the segments it came in.  A DHCP
 * request padded to 1500 bytes, made one piece, gets the same reply; one of
 * 2100 (the core takes none longer) stays in pieces and is counted
 * headers_not_linear, never answered from part of its options.  With a
 * first segment of 64 bytes: made one piece if it fits one mbuf, else
 * counted headers_not_linear and not sent.
 */
static int run_jumbo(struct alk_tables *t, struct alk_worker *w,
		     const uint8_t *in_frame, uint32_t in_len, int reason,
		     const uint8_t *out_frame, uint32_t out_len)
{
	static const uint32_t sizes[] = { 1500, 4000, 9000 };
	static const uint32_t dhcp_sizes[] = { 1500, 2100 };
	static uint8_t in[JUMBO_MAX], want[JUMBO_MAX];
	uint64_t before[ALK_R_MAX], after[ALK_R_MAX];
	struct rte_mbuf *m, *out[ALK_BURST];
	unsigned int nout;

	int dhcp = alk_reason_verdict(reason) == ALK_TX &&
		   (reason == ALK_R_dhcp_offer || reason == ALK_R_dhcp_ack ||
		    reason == ALK_R_dhcp_nak);

	for (unsigned int s = 0;
	     s < (dhcp ? RTE_DIM(dhcp_sizes) : RTE_DIM(sizes)); s++) {
		uint32_t n, wn = out_len;

		memcpy(in, in_frame, in_len);
		memcpy(want, out_frame, out_len);
		n = grow(in, in_len, dhcp ? dhcp_sizes[s] : sizes[s]);
		if (!dhcp)
			wn = grow(want, out_len, sizes[s]);
		if (!n || !wn)
			return 0;
		for (int short_first = 0; short_first < 2; short_first++) {
			uint16_t segs = (n + JUMBO_SEGMENT - 1) / JUMBO_SEGMENT;
			/* a frame that stays in pieces: its headers not all
			 * in 64 bytes, and DHCP never answered from them */
			int expect =
				(short_first || dhcp) && n > JUMBO_SEGMENT ?
					ALK_R_headers_not_linear :
					reason;
			int ok = 1;

			m = chain_of(rig.small, rig.small, in, n,
				     short_first ? 64 : JUMBO_SEGMENT,
				     JUMBO_SEGMENT);
			if (!m)
				return -1;
			counters_of_this_lcore(t, before);
			if (pass_through(w, &m, 1, out, &nout))
				return -1;
			counters_of_this_lcore(t, after);
			for (int r = 0; r < ALK_R_MAX; r++)
				if (after[r] - before[r] != (r == expect))
					ok = 0;
			if (nout != (alk_reason_verdict(expect) == ALK_TX))
				ok = 0;
			if (ok && nout &&
			    (!same_frame(out[0], want, wn) ||
			     (!short_first &&
			      out[0]->nb_segs != (dhcp ? 1 : segs))))
				ok = 0;
			if (!ok)
				fprintf(stderr,
					"    jumbo %u bytes (first segment %u):"
					" not %s as expected, %u sent\n",
					n, short_first ? 64 : JUMBO_SEGMENT,
					alk_reason_names[expect], nout);
			rte_pktmbuf_free_bulk(out, nout);
			if (!ok)
				return -1;
			rig.jumbo_runs++;
			rig.jumbo_dhcp += dhcp;
		}
	}
	return 0;
}

static int dpdk_run(void *unused, struct alk_tables *t, uint8_t *frame,
		    uint32_t *len);

/*
 * A fixture with `linear N`: the frame in a first segment of N bytes with
 * no room after them (as a device whose buffers hold N bytes gives it, so
 * that the worker cannot make it one piece), the rest in 2 KiB segments.
 */
static int dpdk_run_split(void *unused, struct alk_tables *t, uint8_t *frame,
			  uint32_t *len, uint32_t linear)
{
	int reason;

	rig.first = linear;
	reason = dpdk_run(unused, t, frame, len);
	rig.first = 0;
	return reason;
}

static int dpdk_run(void *unused, struct alk_tables *t, uint8_t *frame,
		    uint32_t *len)
{
	uint8_t in_frame[FIXTURE_MAX_FRAME];
	uint32_t in_len = *len;
	struct alk_worker *w;
	int reason;

	w = alk_worker_create(rte_lcore_id(), t, 0, 0, &rig.quit);
	if (!w || alk_worker_add_rxq(w, rig.port, 0, rig.port)) {
		alk_worker_free(w);
		return -1;
	}
	memcpy(in_frame, frame, in_len);
	reason = run_single(t, w, frame, len);
	if (reason >= 0 &&
	    run_burst(t, w, in_frame, in_len, reason, frame, *len))
		reason = -1;
	if (!rig.split &&
	    (reason == ALK_R_bounce || reason == ALK_R_divide_network ||
	     reason == ALK_R_divide_vpc || reason == ALK_R_dhcp_offer ||
	     reason == ALK_R_dhcp_ack || reason == ALK_R_dhcp_nak) &&
	    run_jumbo(t, w, in_frame, in_len, reason, frame, *len))
		reason = -1;
	alk_worker_free(w);
	return reason;
}

static void dpdk_done(void *unused, struct alk_tables *t)
{
	t->ops->close(t);
}

static int rig_init(void)
{
	struct alk_port_conf pc = {
		.nb_rxq = 1,
		.nb_txq = 1,
		.nb_rxd = RING_SIZE,
		.nb_txd = RING_SIZE,
	};
	char err[256];
	int port;

	/* room for the largest fixture, and for a DHCP reply to grow in;
	 * enough for a burst of it in 13-byte segments */
	rig.pool =
		alk_mbuf_pool("fixture_mbufs", 8191,
			      RTE_PKTMBUF_HEADROOM + FIXTURE_MAX_FRAME + 1024,
			      (int)rte_socket_id());
	rig.rx = rte_ring_create("fixture_rx", RING_SIZE, rte_socket_id(),
				 RING_F_SP_ENQ | RING_F_SC_DEQ);
	rig.tx = rte_ring_create("fixture_tx", RING_SIZE, rte_socket_id(),
				 RING_F_SP_ENQ | RING_F_SC_DEQ);
	rig.small = alk_mbuf_pool("fixture_segments", 1023,
				  RTE_PKTMBUF_HEADROOM + JUMBO_SEGMENT,
				  (int)rte_socket_id());
	/* 16 copies of a 9018-byte frame in 13-byte segments */
	rig.tiny =
		alk_mbuf_pool("fixture_tiny", 16383, RTE_PKTMBUF_HEADROOM + 64,
			      (int)rte_socket_id());
	if (!rig.pool || !rig.small || !rig.tiny || !rig.rx || !rig.tx)
		return -1;
	port = rte_eth_from_rings("net_ring_fixture", &rig.rx, 1, &rig.tx, 1,
				  rte_socket_id());
	if (port < 0)
		return -1;
	rig.port = port;
	if (alk_port_start(rig.port, &pc, rig.pool, err, sizeof(err))) {
		fprintf(stderr, "fixtures-dpdk: %s\n", err);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct fixture_backend be = {
		.name = "dpdk",
		.tables = dpdk_tables,
		.run = dpdk_run,
		.run_split = dpdk_run_split,
		.done = dpdk_done,
	};
	int verbose = argc > 2 && !strcmp(argv[2], "-v"), count = 0, failures;

	if (argc < 2) {
		fprintf(stderr, "usage: %s FIXTURES [-v]\n", argv[0]);
		return 2;
	}
	if (test_eal_init("fixtures-dpdk", "0", "512") || rig_init()) {
		fprintf(stderr, "fixtures-dpdk: cannot set up the port\n");
		return 1;
	}
	static const uint16_t splits[] = { 0, 64, 13 };
	int total = 0, all = 0;

	for (unsigned int i = 0; i < RTE_DIM(splits); i++) {
		rig.split = splits[i];
		if (rig.split)
			printf("fixtures-dpdk: frames in chains of %u-byte "
			       "segments\n",
			       rig.split);
		failures = fixtures_run(argv[1], &be, verbose, &count);
		if (failures || count <= 0)
			all = 1;
		total += count;
	}
	printf("fixtures-dpdk: %d fixture runs (3 ways), %u jumbo frame runs "
	       "in 2 KiB segments (bounced and divided: 1500, 4000, 9000 bytes "
	       "of IPv4; DHCP: 1500, 2100), %u of them DHCP\n",
	       total, rig.jumbo_runs, rig.jumbo_dhcp);
	test_eal_cleanup();
	return all || !rig.jumbo_runs ? 1 : 0;
}
