/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Capture over the control socket: what a client asks (capture.start),
 * what the daemon's data plane hands the server for each frame, and the
 * server's notification line for it (capture.frame).  Neither end knows
 * which back end captures: a daemon gives the server its start and stop
 * (struct alk_capture_ops) and feeds frames to alk_ctl_capture_frame().
 */
#ifndef ALKAID_CTL_CAPTURE_H
#define ALKAID_CTL_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "tables/tables.h"

#define ALK_CAPTURE_SNAP_MAX 2048 /* bytes of a frame kept at most */
#define ALK_CAPTURE_SNAP_DEFAULT ALK_CAPTURE_SNAP_MAX
#define ALK_CAPTURE_WORDS 2 /* 64-bit words of a reason bitmap */

struct alk_capture_req {
	char iface[16]; /* "": every interface (alkaid-xdp) */
	int port;	/* -1: every port (alkaid-dpdk) */
	uint64_t reasons[ALK_CAPTURE_WORDS]; /* bit r: reason r taken */
	uint32_t snaplen;		     /* 1 to ALK_CAPTURE_SNAP_MAX */
	bool ingress; /* as the frame arrived; else as it left */
};

struct alk_capture_frame {
	uint64_t ts_ns;	     /* CLOCK_REALTIME */
	const char *iface;   /* its interface or port's name */
	unsigned int reason; /* enum alk_reason */
	bool ingress;
	uint32_t len; /* of the whole frame */
	uint32_t caplen;
	const uint8_t *data;
};

/* A daemon's capture: start() makes the data plane take the frames req
 * asks for (0, or -errno with err set), stop() ends it and says how many
 * frames its data plane had no room for. */
struct alk_capture_ops {
	int (*start)(void *arg, const struct alk_capture_req *req,
		     struct alk_error *err);
	void (*stop)(void *arg, uint64_t *lost);
	void *arg;
};

/* Whether a reason bitmap takes reason r. */
static inline bool alk_capture_takes(const uint64_t *reasons, unsigned int r)
{
	return r < 64 * ALK_CAPTURE_WORDS && (reasons[r / 64] >> (r % 64)) & 1;
}

/* The reason called name (len bytes; core/reason_names.h) into its bit
 * of reasons; -EINVAL if there is none of that name. */
int alk_capture_reason_add(const char *name, size_t len, uint64_t *reasons);

/* The capture.frame notification line of f, "\n" included. */
void alk_capture_frame_encode(struct alk_buf *out,
			      const struct alk_capture_frame *f);

#endif
