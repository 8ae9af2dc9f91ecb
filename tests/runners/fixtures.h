/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Golden-packet fixtures (tests/fixtures/README.md) and the driver that
 * replays them through one back end.  A runner supplies the back end.
 */
#ifndef ALKAID_TESTS_FIXTURES_H
#define ALKAID_TESTS_FIXTURES_H

#include <stdint.h>

#include "tables/tables.h"

#define FIXTURE_MAX_FRAME 9216 /* a 9000-byte IPv4 packet, in a frame */

struct fixture_backend {
	const char *name;
	/* Fresh, empty tables for one fixture. */
	struct alk_tables *(*tables)(void *ctx);
	/* Run one frame: in/out buffer of FIXTURE_MAX_FRAME bytes holding
	 * *len bytes; returns the reason the data plane counted, or -1. */
	int (*run)(void *ctx, struct alk_tables *t, uint8_t *frame,
		   uint32_t *len);
	/* The same for a fixture with `linear N`: only the frame's first
	 * linear bytes are its linear part, the rest lies in fragments (XDP
	 * multi-buffer) or further segments.  NULL: the back end cannot
	 * split a frame and skips those fixtures, saying so. */
	int (*run_split)(void *ctx, struct alk_tables *t, uint8_t *frame,
			 uint32_t *len, uint32_t linear);
	void (*done)(void *ctx, struct alk_tables *t);
	void *ctx;
};

/* Lowercase hex to bytes (at most FIXTURE_MAX_FRAME): 0, or -1. */
int fixture_hex_decode(const char *s, uint8_t *buf, uint32_t *len);
/* The 16-byte lines where two frames differ, to stderr. */
void fixture_hexdump_diff(const uint8_t *want, uint32_t wlen,
			  const uint8_t *got, uint32_t glen);

/* Replays every fixture of the file; prints one line per failure and a
 * summary.  Returns the number of failures (or -1 if the file is bad). */
int fixtures_run(const char *path, const struct fixture_backend *be,
		 int verbose, int *count);

#endif
