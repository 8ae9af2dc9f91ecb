/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the XDP program and alkaid-xdp share about a capture: the settings
 * the daemon writes into the program's global alk_capture (in a section,
 * so a map, of its own: ALK_XDP_CAPTURE_SECTION), and the records
 * the program writes into its ring buffer (alk_capture_ring).  Off, the
 * program pays a load and a test of alk_capture.on before the core and
 * one after it, a frame (bench/xdp: the _nocapture rows).
 */
#ifndef ALKAID_DP_XDP_CAPTURE_H
#define ALKAID_DP_XDP_CAPTURE_H

#include <linux/types.h>

/* bytes of a frame a record holds at most (the rest is cut off) */
#define ALK_XDP_CAPTURE_SNAP_MAX 2048
#define ALK_XDP_CAPTURE_RING (4u << 20) /* bytes of the ring buffer */
#define ALK_XDP_CAPTURE_WORDS 2		/* 64-bit words of the reasons */
#define ALK_XDP_CAPTURE_SECTION ".data.capture"

struct alk_xdp_capture {
	__u32 on;      /* 0: no capture; the only field read when off */
	__u32 ingress; /* 1: the frame as it arrived, 0: as it left */
	__u32 snaplen; /* 1 to ALK_XDP_CAPTURE_SNAP_MAX */
	__u32 pad;
	__u64 reasons[ALK_XDP_CAPTURE_WORDS]; /* bit r: reason r is taken */
	__u64 lost; /* records the ring had no room for */
};

struct alk_xdp_capture_hdr {
	__u64 ts_ns; /* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
	__u32 ifindex;
	__u16 reason;
	__u8 ingress;
	__u8 pad;
	__u32 len;    /* of the whole frame */
	__u32 caplen; /* bytes that follow */
};

struct alk_xdp_capture_rec {
	struct alk_xdp_capture_hdr hdr;
	__u8 data[ALK_XDP_CAPTURE_SNAP_MAX];
};

#endif
