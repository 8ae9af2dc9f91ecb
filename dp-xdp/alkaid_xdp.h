/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-3-Clause) */
/*
 * The body of the XDP program, for alkaid.bpf.c and for the benchmark's
 * copy behind its frame restore (bench/xdp): the core's pipeline, and
 * around it the capture (capture.h).
 *
 * The capture is two global functions, which the verifier checks once on
 * their own, so that the core's branches are not walked again for them;
 * the program calls them only while alk_capture.on is set.  Built with
 * ALK_NO_CAPTURE (the benchmark's reference only) there is no test at all.
 */
#ifndef ALKAID_DP_XDP_ALKAID_XDP_H
#define ALKAID_DP_XDP_ALKAID_XDP_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "core/platform/xdp.h"
#include "core/pipeline.h"
#include "capture.h"

#ifndef ALK_NO_CAPTURE
/* written by alkaid-xdp; a section of its own, so that it is the whole
 * value of its map whatever other globals the program gets */
struct alk_xdp_capture alk_capture SEC(ALK_XDP_CAPTURE_SECTION);

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, ALK_XDP_CAPTURE_RING);
} alk_capture_ring SEC(".maps");

/* a record is put together here, then copied into the ring at its size */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct alk_xdp_capture_rec);
} alk_capture_buf SEC(".maps");

/* The frame as it is now, into this CPU's record. */
__noinline int alk_capture_take(struct xdp_md *xdp, __u32 ingress)
{
	struct alk_xdp_capture_rec *rec;
	__u32 zero = 0, len;
	__u64 cap;

	rec = bpf_map_lookup_elem(&alk_capture_buf, &zero);
	if (!rec)
		return 0;
	len = (__u32)bpf_xdp_get_buff_len(xdp);
	cap = alk_capture.snaplen;
	if (cap > len)
		cap = len;
	barrier_var(cap);
	rec->hdr.ts_ns = bpf_ktime_get_ns();
	rec->hdr.ifindex = xdp->ingress_ifindex;
	rec->hdr.ingress = ingress;
	rec->hdr.len = len;
	rec->hdr.caplen = 0;
	/* a bound the verifier sees, after the minimum it would lose */
	if (cap < 1 || cap > ALK_XDP_CAPTURE_SNAP_MAX)
		return 0;
	if (!bpf_xdp_load_bytes(xdp, 0, rec->data, cap))
		rec->hdr.caplen = cap;
	return 0;
}

/* The frame's reason decided: into the ring if the capture takes it. */
__noinline int alk_capture_put(struct xdp_md *xdp, __u32 reason)
{
	__u32 zero = 0, cap;
	struct alk_xdp_capture_rec *rec;

	if (reason >= ALK_R_MAX ||
	    !((alk_capture.reasons[(reason >> 6) & 1] >> (reason & 63)) & 1))
		return 0;
	if (!alk_capture.ingress)
		alk_capture_take(xdp, 0);
	rec = bpf_map_lookup_elem(&alk_capture_buf, &zero);
	if (!rec)
		return 0;
	cap = rec->hdr.caplen;
	if (cap > ALK_XDP_CAPTURE_SNAP_MAX)
		return 0;
	rec->hdr.reason = reason;
	if (bpf_ringbuf_output(&alk_capture_ring, rec, sizeof(rec->hdr) + cap,
			       0))
		__sync_fetch_and_add(&alk_capture.lost, 1);
	return 0;
}
#endif

ALK_INLINE int alk_xdp_run(struct xdp_md *xdp)
{
	struct alk_ctx ctx = { .xdp = xdp };
	struct alk_pkt pkt;
	enum alk_reason r;
#ifndef ALK_NO_CAPTURE
	/* before the core rewrites it: the frame as it arrived */
	if (*(volatile __u32 *)&alk_capture.on && alk_capture.ingress)
		alk_capture_take(xdp, 1);
#endif
	alk_xdp_pkt(xdp, &pkt);
	r = alk_process(&ctx, &pkt);
#ifndef ALK_NO_CAPTURE
	if (*(volatile __u32 *)&alk_capture.on)
		alk_capture_put(xdp, r);
#endif
	switch (alk_reason_verdict(r)) {
	case ALK_TX:
		return XDP_TX;
	case ALK_PASS:
		return XDP_PASS;
	default:
		return XDP_DROP;
	}
}

#endif
