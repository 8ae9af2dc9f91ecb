/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-3-Clause) */
/*
 * Fresh frames for BPF_PROG_TEST_RUN with repeat > 1.  The kernel re-runs a
 * program on the buffer it rewrote last time, which would measure a
 * different path from the second run on.  So every benchmark program first
 * restores the next of a set of frames from a map (all of one length, so
 * random destinations cost what they cost) and only then does its work; the
 * reference program does the same restore, so the ratio compares the work.
 *
 * Stored frames stream through the cache (64K of them cost the reference
 * ~100 ns) and reach only as many endpoints as there are frames.  So there
 * is a second way: one stored frame, a template that stays in the cache,
 * into which every run writes an endpoint drawn uniformly over the whole
 * table (the VNI, the inner destination and its sender, at offsets the
 * harness gives, numbered as endpoints.h numbers them).
 */
#ifndef ALKAID_BENCH_BPF_H
#define ALKAID_BENCH_BPF_H

#include <linux/bpf.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "bench_shared.h"

struct bench_frame {
	__u8 data[BENCH_FRAME_MAX];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, BENCH_FRAMES_MAX);
	__type(key, __u32);
	__type(value, struct bench_frame);
} bench_frames SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, BENCH_CONF_MAX);
	__type(key, __u32);
	__type(value, __u32);
} bench_conf SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} bench_next SEC(".maps");

/* xorshift64 state of the draw, seeded by the harness */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} bench_rng SEC(".maps");

static __always_inline int bench_conf_get(__u32 key, __u32 *val)
{
	__u32 *p = bpf_map_lookup_elem(&bench_conf, &key);

	if (!p)
		return -1;
	*val = *p;
	return 0;
}

static __always_inline int bench_put(struct xdp_md *xdp, __u32 off,
				     const __u8 *src, __u32 len)
{
	__u8 *data = (__u8 *)(long)xdp->data;
	__u8 *end = (__u8 *)(long)xdp->data_end;

	if (off > BENCH_FRAME_MAX - 4)
		return -1;
	data += off;
	if (data + 4 > end)
		return -1;
	for (__u32 k = 0; k < 4; k++)
		if (k < len)
			data[k] = src[k];
	return 0;
}

/* Write endpoint i of n, drawn uniformly, into the restored frame. */
static __always_inline int bench_draw(struct xdp_md *xdp, __u32 n)
{
	__u32 k0 = 0, vni_off, dst_off, src_off, i;
	__u64 *rng = bpf_map_lookup_elem(&bench_rng, &k0), x;
	__be32 vni, dst, src;

	if (!rng || bench_conf_get(BENCH_VNI_OFF, &vni_off) ||
	    bench_conf_get(BENCH_DST_OFF, &dst_off) ||
	    bench_conf_get(BENCH_SRC_OFF, &src_off))
		return -1;
	x = *rng;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*rng = x;
	i = (__u32)(((x >> 32) * n) >> 32);
	vni = bpf_htonl(EP_VNI(i) << 8);
	dst = bpf_htonl(EP_IP(i));
	src = bpf_htonl(EP_IP(EP_PEER(i, n)));
	if (bench_put(xdp, vni_off, (__u8 *)&vni, 3) ||
	    bench_put(xdp, dst_off, (__u8 *)&dst, 4) ||
	    bench_put(xdp, src_off, (__u8 *)&src, 4))
		return -1;
	return 0;
}

/* Restore the next frame into the packet, and draw into it if asked; 0 on
 * success. */
static __always_inline int bench_restore(struct xdp_md *xdp)
{
	__u32 k0 = 0, *next, nframes, len, draw_n, idx;
	struct bench_frame *f;
	int cur;

	next = bpf_map_lookup_elem(&bench_next, &k0);
	if (!next || bench_conf_get(BENCH_NFRAMES, &nframes) ||
	    bench_conf_get(BENCH_LEN, &len) ||
	    bench_conf_get(BENCH_DRAW_N, &draw_n) || !nframes)
		return -1;
	if (len > BENCH_FRAME_MAX || len < 14)
		return -1;
	idx = *next;
	*next = idx + 1 < nframes ? idx + 1 : 0;
	f = bpf_map_lookup_elem(&bench_frames, &idx);
	if (!f)
		return -1;
	cur = bpf_xdp_get_buff_len(xdp);
	if (cur != (int)len && bpf_xdp_adjust_tail(xdp, (int)len - cur))
		return -1;
	if (bpf_xdp_store_bytes(xdp, 0, f->data, len))
		return -1;
	return draw_n ? bench_draw(xdp, draw_n) : 0;
}

#endif
