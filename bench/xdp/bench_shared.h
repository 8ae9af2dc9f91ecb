/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-3-Clause) */
/*
 * What the harness (xdp_paths.c) and the benchmark programs (bench.bpf.h)
 * share: the frame store's configuration, and the endpoint numbering by
 * which the harness fills the table and builds frames and the programs
 * draw destinations themselves (endpoint i of n).
 */
#ifndef ALKAID_BENCH_SHARED_H
#define ALKAID_BENCH_SHARED_H

#define BENCH_FRAME_MAX 512
#define BENCH_FRAMES_MAX 65536

/* The keys of bench_conf. */
enum bench_conf_key {
	BENCH_NFRAMES, /* frames in use */
	BENCH_LEN,     /* their length */
	BENCH_DRAW_N,  /* endpoints to draw from; 0: no draw */
	BENCH_VNI_OFF, /* where the draw writes the 24-bit VNI, */
	BENCH_DST_OFF, /* the endpoint's address */
	BENCH_SRC_OFF, /* and its sender's (EP_PEER) */
	BENCH_CONF_MAX
};

#define EP_PER_VNI 65536
#define EP_VNI(i) (1000 + (i) / EP_PER_VNI)
#define EP_IP(i) (0xc6130000u + (i) % EP_PER_VNI) /* 198.19.0.0/16 */
/* The sender of a frame to endpoint i: the next endpoint of its VNI. */
#define EP_BASE(i) ((i) & ~(EP_PER_VNI - 1u))
#define EP_SPAN(i, n)                                                          \
	((n)-EP_BASE(i) < EP_PER_VNI ? (n)-EP_BASE(i) : EP_PER_VNI)
#define EP_PEER(i, n) (EP_BASE(i) + ((i)-EP_BASE(i) + 1) % EP_SPAN(i, n))

#endif
