/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A cheaper input than net_pcap for the DPDK benchmark, loaded the same way
 * into alkaid-dpdk and dpdk-testpmd as an EAL plugin (-d): an RX callback on
 * a net_null port writes stored frames into the mbufs net_null allocates.
 * net_pcap's infinite_rx costs ~130 cycles a frame (a ring of stored mbufs,
 * an allocation and a copy each); here an allocation in bulk and a copy.
 *
 * The callback also times the worker: the TSC cycles between one RX burst
 * and the next are what the program spent on the frames of the first (RX,
 * work, TX), counted only when the gap is short enough not to include the
 * worker being scheduled out.  Telemetry: /alk_replay/stats.
 *
 * Set by the environment, read when the plugin loads:
 *   ALK_REPLAY_PCAP   the frames, a pcap file (bench/dpdk/gen.c writes it)
 *   ALK_REPLAY_PORT   the net_null port to feed (default 0)
 *   ALK_REPLAY_COUNT  stop after that many frames (default: never) and
 *                     say "alk_replay: done" on stderr; under callgrind
 *                     (--instr-atstart=no) instrument from the first
 *                     frame and dump the counts after the last, so that
 *                     they count whole bursts of these frames only
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_memcpy.h>
#include <rte_telemetry.h>
#include <valgrind/callgrind.h>

#define FRAME_MAX 128
/* a burst longer than this (~40 us at 2.5 GHz) was not all work */
#define GAP_MAX 100000

struct replay {
	uint8_t (*frames)[FRAME_MAX];
	uint16_t *len;
	uint32_t nframes, next;
	uint16_t port;
	uint64_t count; /* 0: no end */
	/* the worker's, read by telemetry */
	uint64_t delivered, cycles, timed, gaps, last_tsc;
	uint16_t last_n;
	bool done;
};

static struct replay replay;

static uint16_t replay_rx(uint16_t port, uint16_t queue, struct rte_mbuf **m,
			  uint16_t n, uint16_t max, void *arg)
{
	struct replay *r = arg;
	uint64_t now = rte_rdtsc();
	uint32_t f = r->next;

	RTE_SET_USED(port);
	RTE_SET_USED(queue);
	RTE_SET_USED(max);
	if (r->last_tsc && now - r->last_tsc < GAP_MAX) {
		r->cycles += now - r->last_tsc;
		r->timed += r->last_n;
	} else if (r->last_tsc) {
		r->gaps++;
	}
	r->last_tsc = now;
	if (r->count && r->delivered + n > r->count) {
		if (!r->done) {
			r->done = true;
			CALLGRIND_DUMP_STATS_AT("alk_replay");
			CALLGRIND_STOP_INSTRUMENTATION;
			fprintf(stderr,
				"alk_replay: done, %" PRIu64 " frames\n",
				r->delivered);
		}
		rte_pktmbuf_free_bulk(m, n);
		r->last_n = 0;
		return 0;
	}
	if (r->count && !r->delivered) {
		CALLGRIND_START_INSTRUMENTATION;
		CALLGRIND_ZERO_STATS;
	}
	for (uint16_t i = 0; i < n; i++) {
		rte_memcpy(rte_pktmbuf_mtod(m[i], void *), r->frames[f],
			   r->len[f]);
		m[i]->data_len = m[i]->pkt_len = r->len[f];
		f = f + 1 < r->nframes ? f + 1 : 0;
	}
	r->next = f;
	r->delivered += n;
	r->last_n = n;
	return n;
}

static int replay_stats(const char *cmd, const char *params,
			struct rte_tel_data *d)
{
	RTE_SET_USED(cmd);
	RTE_SET_USED(params);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "frames", replay.delivered);
	rte_tel_data_add_dict_u64(d, "cycles", replay.cycles);
	rte_tel_data_add_dict_u64(d, "timed_frames", replay.timed);
	rte_tel_data_add_dict_u64(d, "gaps", replay.gaps);
	rte_tel_data_add_dict_u64(d, "tsc_hz", rte_get_tsc_hz());
	return 0;
}

/* The callback can go on once the program has configured the port's
 * queue; programs do that at their own time, so wait for it. */
static void *replay_attach(void *arg)
{
	struct replay *r = arg;

	for (;;) {
		if (rte_eth_dev_is_valid_port(r->port) &&
		    rte_eth_add_rx_callback(r->port, 0, replay_rx, r))
			return NULL;
		usleep(1000);
	}
}

static int load_pcap(struct replay *r, const char *path)
{
	FILE *f = fopen(path, "rb");
	uint32_t hdr[6], rec[4], cap = 1024;

	if (!f || fread(hdr, sizeof(hdr), 1, f) != 1 || hdr[0] != 0xa1b2c3d4)
		goto bad;
	r->frames = malloc(cap * FRAME_MAX);
	r->len = malloc(cap * sizeof(*r->len));
	while (fread(rec, sizeof(rec), 1, f) == 1) {
		if (rec[2] > FRAME_MAX || rec[2] != rec[3])
			goto bad;
		if (r->nframes == cap) {
			cap *= 2;
			r->frames = realloc(r->frames, cap * FRAME_MAX);
			r->len = realloc(r->len, cap * sizeof(*r->len));
		}
		if (!r->frames || !r->len ||
		    fread(r->frames[r->nframes], rec[2], 1, f) != 1)
			goto bad;
		r->len[r->nframes++] = rec[2];
	}
	fclose(f);
	return r->nframes ? 0 : -1;
bad:
	if (f)
		fclose(f);
	return -1;
}

RTE_INIT(replay_init)
{
	const char *pcap = getenv("ALK_REPLAY_PCAP");
	const char *port = getenv("ALK_REPLAY_PORT");
	const char *count = getenv("ALK_REPLAY_COUNT");
	pthread_t t;

	if (!pcap || load_pcap(&replay, pcap)) {
		fprintf(stderr,
			"alk_replay: ALK_REPLAY_PCAP: no frames in %s\n",
			pcap ? pcap : "(unset)");
		exit(1);
	}
	replay.port = port ? atoi(port) : 0;
	replay.count = count ? strtoull(count, NULL, 0) : 0;
	rte_telemetry_register_cmd("/alk_replay/stats", replay_stats,
				   "The replay input: frames, cycles between "
				   "bursts, frames timed by them.");
	if (pthread_create(&t, NULL, replay_attach, &replay) ||
	    pthread_detach(t))
		exit(1);
}
