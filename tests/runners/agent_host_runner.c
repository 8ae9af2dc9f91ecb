/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Golden-packet runner for the host agent's core on the host platform
 * (core/platform/host_agent.h): the tables and the clock of each fixture,
 * the frame in a buffer with room for outer headers in front of it.
 *
 *   agent-fixtures-host FIXTURES [-v]
 */
#include <stdio.h>
#include <string.h>

#include "core/platform/host_agent.h"
#include "core/agent.h"
#include "agent_fixtures.h"

#define HEADROOM 256

struct host_runner {
	struct alk_host_agent tables;
	__u8 buf[HEADROOM + AGENT_FIXTURE_MAX_FRAME];
};

static void host_load(struct alk_host_agent *t, const struct agent_fixture *f)
{
	memset(t, 0, sizeof(*t));
	t->self = f->self;
	t->has_self = f->has_self;
	t->conf = f->conf;
	t->has_conf = f->has_conf;
	for (int i = 0; i < f->nports; i++) {
		struct alk_host_agent_port *p = &t->ports[t->nports++];

		p->ifindex = f->port_ifindex[i];
		p->port = f->ports[i];
		p->local.ifindex = p->ifindex;
		memcpy(p->local.mac, p->port.mac, 6);
	}
	for (int i = 0; i < f->ntrusted; i++)
		t->trusted[t->ntrusted++] = f->trusted[i];
	for (int i = 0; i < f->nnets; i++) {
		struct alk_host_agent_network *n = &t->nets[t->nnets++];

		n->vni = f->nets[i].vni;
		n->prefix = f->nets[i].prefix;
		n->plen = f->nets[i].plen;
		n->net = f->nets[i].net;
	}
	for (int i = 0; i < f->ndp; i++) {
		struct alk_host_agent_dp *d = &t->dp[t->ndp++];

		d->vni = f->dp[i].vni;
		d->ip = f->dp[i].ip;
		d->entry.host = f->dp[i].host;
		d->entry.learned_ns =
			agent_fixture_time(f->clock_ns, f->dp[i].learned_ms);
		d->entry.asked_ns =
			agent_fixture_time(f->clock_ns, f->dp[i].asked_ms);
	}
}

static int host_run(void *arg, const struct agent_fixture *f,
		    struct agent_run *run)
{
	struct host_runner *h = arg;
	struct alk_ctx ctx = { .tables = &h->tables,
			       .head = h->buf,
			       .now_ns = f->clock_ns };
	struct alk_pkt pkt = { .data = h->buf + HEADROOM,
			       .end = h->buf + HEADROOM + f->in_len };
	__u32 ifindex = 0;

	host_load(&h->tables, f);
	memcpy(pkt.data, f->in, f->in_len);
	if (f->ingress)
		run->reason =
			alk_agent_ingress(&ctx, &pkt, f->in_len, &ifindex);
	else
		run->reason = alk_agent_egress(&ctx, &pkt, f->in_len,
					       f->hook_ifindex, &ifindex);
	/* the ports a frame is delivered to are said; no other */
	run->ifindex = run->reason == ALK_R_agent_local ||
				       run->reason == ALK_R_agent_deliver ?
			       (int64_t)ifindex :
			       -1;
	if (run->ifindex < 0 && ifindex) {
		fprintf(stderr, "    %s: ifindex %u set for %d\n", f->name,
			ifindex, run->reason);
		return -1;
	}
	run->len = pkt.end - pkt.data;
	memcpy(run->frame, pkt.data, run->len);
	run->now_lo = run->now_hi = f->clock_ns;
	return 0;
}

static int host_dp_get(void *arg, uint32_t vni, __be32 ip,
		       struct alk_dp_entry *e)
{
	struct host_runner *h = arg;
	struct alk_ctx ctx = { .tables = &h->tables };
	const struct alk_dp_entry *found = alk_plat_dp(&ctx, vni, ip);

	if (!found)
		return 0;
	*e = *found;
	return 1;
}

int main(int argc, char **argv)
{
	static struct host_runner h;
	struct agent_backend be = {
		.name = "host",
		.run = host_run,
		.dp_get = host_dp_get,
		.ctx = &h,
	};
	int verbose = argc > 2 && !strcmp(argv[2], "-v"), count;

	if (argc < 2) {
		fprintf(stderr, "usage: %s FIXTURES [-v]\n", argv[0]);
		return 2;
	}
	int failures = agent_fixtures_run(argv[1], &be, verbose, &count);

	return failures == 0 && count > 0 ? 0 : 1;
}
