/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The host agent's golden-packet fixtures (tests/fixtures/agent.fixtures,
 * format in tests/fixtures/README.md) and the driver that replays them
 * through one back end of the agent's core.  A runner supplies the back
 * end: it loads a fixture's tables, runs its frame at its hook and reads
 * the direct-path cache back.
 */
#ifndef ALKAID_TESTS_AGENT_FIXTURES_H
#define ALKAID_TESTS_AGENT_FIXTURES_H

#include <stdint.h>

#include "core/model.h"

#define AGENT_FIXTURE_MAX_FRAME 9216
#define AGENT_FIXTURE_MAX 16	   /* ports, networks, cache entries */
#define AGENT_TIME_NEVER INT64_MIN /* a time stamp of 0, not relative */

/* A cache entry: times in ms relative to "now", or AGENT_TIME_NEVER. */
struct agent_fixture_dp {
	uint32_t vni;
	__be32 ip, host;
	int64_t learned_ms, asked_ms;
	int none; /* (after) there must be no entry */
};

struct agent_fixture_net {
	uint32_t vni;
	__be32 prefix;
	uint32_t plen;
	struct alk_network net;
};

struct agent_fixture {
	char name[128];
	struct alk_gateway self;
	struct alk_agent_conf conf;
	int has_self, has_conf;
	uint32_t port_ifindex[AGENT_FIXTURE_MAX];
	struct alk_port ports[AGENT_FIXTURE_MAX];
	struct agent_fixture_net nets[AGENT_FIXTURE_MAX];
	__be32 trusted[AGENT_FIXTURE_MAX]; /* gateways trusted besides */
	int ntrusted;
	struct agent_fixture_dp dp[AGENT_FIXTURE_MAX], after[AGENT_FIXTURE_MAX];
	int nports, nnets, ndp, nafter;
	uint64_t clock_ns;
	int ingress; /* else egress on port hook_ifindex */
	uint32_t hook_ifindex;
	uint8_t in[AGENT_FIXTURE_MAX_FRAME], out[AGENT_FIXTURE_MAX_FRAME];
	uint32_t in_len, out_len;
	int has_out;
	int reason;
	int64_t ifindex; /* the port delivered to; -1: none said */
	int line;
};

/* What one run gave. */
struct agent_run {
	int reason;
	uint8_t frame[AGENT_FIXTURE_MAX_FRAME];
	uint32_t len;
	int64_t ifindex; /* -1: the back end cannot tell */
	/* "now" was within [now_lo, now_hi] during the run (ns); a time
	 * stamp the fixture puts at relative t was written as now_lo + t */
	uint64_t now_lo, now_hi;
};

struct agent_backend {
	const char *name;
	/* Load the fixture's tables (times: now_lo + relative) into fresh,
	 * empty tables and run its frame.  0, or -1 (reported). */
	int (*run)(void *ctx, const struct agent_fixture *f,
		   struct agent_run *r);
	/* The cache entry (vni, ip) after the run: 1, 0 (none), -1. */
	int (*dp_get)(void *ctx, uint32_t vni, __be32 ip,
		      struct alk_dp_entry *e);
	/* An encapsulated ARP request leaves with this outer destination
	 * MAC, not the core's (the gateway's, kept by the daemon): NULL when
	 * the core's.  IPv4 leaves with the core's MACs (the kernel's
	 * neighbor output rewrites them after the program). */
	const uint8_t *arp_gateway_mac;
	/* Every frame for the underlay leaves with these outer MACs
	 * (destination and source: the FIB's next hop and the underlay
	 * device's own), not the core's: NULL when the core's. */
	const uint8_t *underlay_dst_mac, *underlay_src_mac;
	void *ctx;
};

/* Whether a frame that ends with reason leaves for the underlay (outer
 * headers written), rather than for an endpoint's port. */
int agent_reason_underlay(int reason);

/* The absolute time stamp of a relative one. */
uint64_t agent_fixture_time(uint64_t now, int64_t rel_ms);

/* Replays every fixture of the file; prints a line per failure and a
 * summary.  Returns the number of failures, or -1 if the file is bad. */
int agent_fixtures_run(const char *path, const struct agent_backend *be,
		       int verbose, int *count);

#endif
