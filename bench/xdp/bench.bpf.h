/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-3-Clause) */
/*
 * Fresh frames for BPF_PROG_TEST_RUN with repeat > 1.  The kernel re-runs a
 * program on the buffer it rewrote last time, which would measure a
 * different path from the second run on.  So every benchmark program first
 * restores the next of a set of frames from a map (all of one length, so
 * random destinations cost what they cost) and only then does its work; the
 * reference program does the same restore, so the ratio compares the work.
 */
#ifndef ALKAID_BENCH_BPF_H
#define ALKAID_BENCH_BPF_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define BENCH_FRAME_MAX 512
#define BENCH_FRAMES_MAX 65536

struct bench_frame {
	__u8 data[BENCH_FRAME_MAX];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, BENCH_FRAMES_MAX);
	__type(key, __u32);
	__type(value, struct bench_frame);
} bench_frames SEC(".maps");

/* [0]: frames in use, [1]: their length */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u32);
} bench_conf SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} bench_next SEC(".maps");

/* Restore the next frame into the packet; 0 on success. */
static __always_inline int bench_restore(struct xdp_md *xdp)
{
	__u32 k0 = 0, k1 = 1, *nframes, *lenp, *next, idx, len;
	struct bench_frame *f;
	int cur;

	nframes = bpf_map_lookup_elem(&bench_conf, &k0);
	lenp = bpf_map_lookup_elem(&bench_conf, &k1);
	next = bpf_map_lookup_elem(&bench_next, &k0);
	if (!nframes || !lenp || !next || !*nframes)
		return -1;
	len = *lenp;
	if (len > BENCH_FRAME_MAX || len < 14)
		return -1;
	idx = *next;
	*next = idx + 1 < *nframes ? idx + 1 : 0;
	f = bpf_map_lookup_elem(&bench_frames, &idx);
	if (!f)
		return -1;
	cur = bpf_xdp_get_buff_len(xdp);
	if (cur != (int)len && bpf_xdp_adjust_tail(xdp, (int)len - cur))
		return -1;
	return bpf_xdp_store_bytes(xdp, 0, f->data, len);
}

#endif
