/* SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/reason_names.h"
#include "fixtures.h"
#include "agent_fixtures.h"

_Static_assert(AGENT_FIXTURE_MAX_FRAME == FIXTURE_MAX_FRAME,
	       "one frame size for both drivers");

uint64_t agent_fixture_time(uint64_t now, int64_t rel_ms)
{
	return rel_ms == AGENT_TIME_NEVER ? 0 : now + rel_ms * 1000000;
}

static int parse_ip(const char *s, __be32 *ip)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		return -1;
	*ip = a.s_addr;
	return 0;
}

static int parse_mac(const char *s, __u8 *mac)
{
	unsigned int b[6];

	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x", &b[0], &b[1], &b[2], &b[3],
		   &b[4], &b[5]) != 6)
		return -1;
	for (int i = 0; i < 6; i++)
		mac[i] = b[i];
	return 0;
}

static int parse_time(const char *s, int64_t *t)
{
	char *end;

	if (!strcmp(s, "never")) {
		*t = AGENT_TIME_NEVER;
		return 0;
	}
	errno = 0;
	*t = strtoll(s, &end, 10);
	return errno || *end ? -1 : 0;
}

/* "KEY VALUE" pairs after the first word; returns the value of key. */
static const char *word(char **argv, int argc, const char *key)
{
	for (int i = 1; i + 1 < argc; i++)
		if (!strcmp(argv[i], key))
			return argv[i + 1];
	return NULL;
}

static int has_word(char **argv, int argc, const char *key)
{
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], key))
			return 1;
	return 0;
}

static int parse_dp(char **argv, int argc, struct agent_fixture_dp *d)
{
	const char *vni = word(argv, argc, "vni"), *ip = word(argv, argc, "ip");

	memset(d, 0, sizeof(*d));
	if (!vni || !ip || parse_ip(ip, &d->ip))
		return -1;
	d->vni = strtoul(vni, NULL, 10);
	if (has_word(argv, argc, "none")) {
		d->none = 1;
		return 0;
	}
	const char *host = word(argv, argc, "host"),
		   *learned = word(argv, argc, "learned"),
		   *asked = word(argv, argc, "asked");

	if (!host || !learned || !asked || parse_ip(host, &d->host) ||
	    parse_time(learned, &d->learned_ms) ||
	    parse_time(asked, &d->asked_ms))
		return -1;
	return 0;
}

static int parse_network(char **argv, int argc, struct agent_fixture_net *n)
{
	const char *vni = word(argv, argc, "vni"),
		   *prefix = word(argv, argc, "prefix"),
		   *bouncers = word(argv, argc, "bouncers");
	char buf[256], *slash, *tok, *save;

	memset(n, 0, sizeof(*n));
	if (!vni || !prefix || !bouncers)
		return -1;
	n->vni = strtoul(vni, NULL, 10);
	snprintf(buf, sizeof(buf), "%s", prefix);
	slash = strchr(buf, '/');
	if (!slash)
		return -1;
	*slash = 0;
	n->plen = strtoul(slash + 1, NULL, 10);
	if (parse_ip(buf, &n->prefix) || n->plen > 32)
		return -1;
	n->net.plen = n->plen;
	snprintf(buf, sizeof(buf), "%s", bouncers);
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (n->net.nbouncers == ALK_MAX_HOPS ||
		    parse_ip(tok, &n->net.bouncers[n->net.nbouncers++]))
			return -1;
	}
	if (has_word(argv, argc, "vxlan"))
		n->net.flags |= ALK_NET_F_VXLAN;
	return 0;
}

/* One directive of a fixture's tables or hook: 0, or -1. */
static int parse_directive(struct agent_fixture *f, char **argv, int argc)
{
	const char *v;

	if (!strcmp(argv[0], "agent")) {
		const char *ip = word(argv, argc, "ip"),
			   *mac = word(argv, argc, "mac");

		if (!ip || !mac || parse_ip(ip, &f->self.ip) ||
		    parse_mac(mac, f->self.mac))
			return -1;
		v = word(argv, argc, "geneve-port");
		f->self.geneve_port = htons(v ? atoi(v) : ALK_GENEVE_PORT);
		v = word(argv, argc, "vxlan-port");
		f->self.vxlan_port = htons(v ? atoi(v) : ALK_VXLAN_PORT);
		f->has_self = 1;
	} else if (!strcmp(argv[0], "conf")) {
		if (!(v = word(argv, argc, "underlay")))
			return -1;
		f->conf.underlay_ifindex = strtoul(v, NULL, 10);
		v = word(argv, argc, "direct-path");
		if (v && !strcmp(v, "on"))
			f->conf.flags |= ALK_AGENT_F_DIRECT_PATH;
		v = word(argv, argc, "dp-age");
		f->conf.dp_age_ms = v ? strtoul(v, NULL, 10) : 0;
		v = word(argv, argc, "ask");
		f->conf.ask_ms = v ? strtoul(v, NULL, 10) : 0;
		v = word(argv, argc, "mtu");
		f->conf.mtu = v ? strtoul(v, NULL, 10) : 1500;
		f->has_conf = 1;
	} else if (!strcmp(argv[0], "trust")) {
		if (argc != 2 || f->ntrusted == AGENT_FIXTURE_MAX ||
		    parse_ip(argv[1], &f->trusted[f->ntrusted++]))
			return -1;
	} else if (!strcmp(argv[0], "port")) {
		const char *ifindex = word(argv, argc, "ifindex"),
			   *vni = word(argv, argc, "vni"),
			   *ip = word(argv, argc, "ip"),
			   *mac = word(argv, argc, "mac");
		struct alk_port *p = &f->ports[f->nports];

		if (f->nports == AGENT_FIXTURE_MAX || !ifindex || !vni || !ip ||
		    !mac || parse_ip(ip, &p->ip) || parse_mac(mac, p->mac))
			return -1;
		p->vni = strtoul(vni, NULL, 10);
		f->port_ifindex[f->nports++] = strtoul(ifindex, NULL, 10);
	} else if (!strcmp(argv[0], "network")) {
		if (f->nnets == AGENT_FIXTURE_MAX ||
		    parse_network(argv, argc, &f->nets[f->nnets++]))
			return -1;
	} else if (!strcmp(argv[0], "dp")) {
		if (f->ndp == AGENT_FIXTURE_MAX ||
		    parse_dp(argv, argc, &f->dp[f->ndp]) || f->dp[f->ndp].none)
			return -1;
		f->ndp++;
	} else if (!strcmp(argv[0], "after")) {
		if (f->nafter == AGENT_FIXTURE_MAX ||
		    parse_dp(argv, argc, &f->after[f->nafter++]))
			return -1;
	} else if (!strcmp(argv[0], "clock") && argc == 2) {
		f->clock_ns = strtoull(argv[1], NULL, 10);
	} else if (!strcmp(argv[0], "hook") && argc >= 2) {
		f->ingress = !strcmp(argv[1], "ingress");
		if (!f->ingress && (strcmp(argv[1], "egress") || argc != 3))
			return -1;
		if (!f->ingress)
			f->hook_ifindex = strtoul(argv[2], NULL, 10);
	} else if (!strcmp(argv[0], "ifindex") && argc == 2) {
		f->ifindex = strtoll(argv[1], NULL, 10);
	} else {
		return -1;
	}
	return 0;
}

int agent_reason_underlay(int reason)
{
	return reason == ALK_R_agent_encap || reason == ALK_R_agent_direct ||
	       reason == ALK_R_agent_forward || reason == ALK_R_agent_return;
}

static const char *reason_name(int r)
{
	return r >= 0 && r < ALK_R_MAX ? alk_reason_names[r] : "(none)";
}

/* The cache entries the fixture names after the run. */
static int check_after(const struct agent_fixture *f,
		       const struct agent_backend *be,
		       const struct agent_run *run)
{
	int ok = 1;

	for (int i = 0; i < f->nafter; i++) {
		const struct agent_fixture_dp *want = &f->after[i];
		struct alk_dp_entry got;
		char ip[INET_ADDRSTRLEN];
		int found = be->dp_get(be->ctx, want->vni, want->ip, &got);

		inet_ntop(AF_INET, &want->ip, ip, sizeof(ip));
		if (found < 0 || found == want->none) {
			fprintf(stderr, "FAIL %s (%s): cache (%u, %s): %s\n",
				f->name, be->name, want->vni, ip,
				found < 0 ? "lookup failed" :
				found	  ? "an entry, expected none" :
					    "no entry");
			ok = 0;
			continue;
		}
		if (want->none)
			continue;
		int64_t rel[2] = { want->learned_ms, want->asked_ms };
		uint64_t val[2] = { got.learned_ns, got.asked_ns };
		const char *what[2] = { "learned", "asked" };

		if (got.host != want->host) {
			fprintf(stderr,
				"FAIL %s (%s): cache (%u, %s): host "
				"%08x, expected %08x\n",
				f->name, be->name, want->vni, ip,
				ntohl(got.host), ntohl(want->host));
			ok = 0;
		}
		for (int k = 0; k < 2; k++) {
			uint64_t lo = agent_fixture_time(run->now_lo, rel[k]);
			uint64_t hi = agent_fixture_time(run->now_hi, rel[k]);

			if (val[k] < lo || val[k] > hi) {
				fprintf(stderr,
					"FAIL %s (%s): cache (%u, %s): %s "
					"%llu, "
					"expected %llu..%llu\n",
					f->name, be->name, want->vni, ip,
					what[k], (unsigned long long)val[k],
					(unsigned long long)lo,
					(unsigned long long)hi);
				ok = 0;
			}
		}
	}
	return ok;
}

static int run_one(const struct agent_fixture *f,
		   const struct agent_backend *be, int verbose)
{
	static struct agent_run run;
	int ok = 1;

	memset(&run, 0, sizeof(run));
	run.ifindex = -1;
	if (be->run(be->ctx, f, &run)) {
		fprintf(stderr, "FAIL %s (%s): the run failed\n", f->name,
			be->name);
		return 1;
	}
	if (run.reason != f->reason) {
		fprintf(stderr, "FAIL %s (%s): reason %s, expected %s\n",
			f->name, be->name, reason_name(run.reason),
			reason_name(f->reason));
		return 1;
	}
	if (alk_reason_verdict(run.reason) != ALK_DROP) {
		uint8_t want[AGENT_FIXTURE_MAX_FRAME];
		uint32_t wlen = f->has_out ? f->out_len : f->in_len;

		memcpy(want, f->has_out ? f->out : f->in, wlen);
		if (be->arp_gateway_mac && agent_reason_underlay(f->reason) &&
		    wlen >= 12 && f->in_len >= 14 && f->in[12] == 0x08 &&
		    f->in[13] == 0x06)
			memcpy(want, be->arp_gateway_mac, 6);
		if (be->underlay_dst_mac && agent_reason_underlay(f->reason) &&
		    wlen >= 12) {
			memcpy(want, be->underlay_dst_mac, 6);
			memcpy(want + 6, be->underlay_src_mac, 6);
		}
		if (run.len != wlen || memcmp(run.frame, want, wlen)) {
			fprintf(stderr, "FAIL %s (%s): output frame differs\n",
				f->name, be->name);
			fixture_hexdump_diff(want, wlen, run.frame, run.len);
			ok = 0;
		}
	}
	if (f->ifindex >= 0 && run.ifindex >= 0 && run.ifindex != f->ifindex) {
		fprintf(stderr,
			"FAIL %s (%s): to ifindex %lld, expected %lld\n",
			f->name, be->name, (long long)run.ifindex,
			(long long)f->ifindex);
		ok = 0;
	}
	ok &= check_after(f, be, &run);
	if (ok && verbose)
		printf("ok   %s\n", f->name);
	return !ok;
}

int agent_fixtures_run(const char *path, const struct agent_backend *be,
		       int verbose, int *count)
{
	FILE *fp = fopen(path, "r");
	static struct agent_fixture f;
	char *line = NULL;
	size_t cap = 0;
	int lineno = 0, failures = 0, in_fixture = 0;

	*count = 0;
	if (!fp) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	while (getline(&line, &cap, fp) > 0) {
		char *p = line, *argv[64], *save;
		size_t n = strlen(p);
		int argc = 0;

		lineno++;
		while (n && (p[n - 1] == '\n' || p[n - 1] == '\r'))
			p[--n] = 0;
		if (!n || p[0] == '#')
			continue;
		if (!strncmp(p, "fixture ", 8)) {
			if (in_fixture)
				goto syntax;
			memset(&f, 0, sizeof(f));
			f.reason = -1;
			f.ifindex = -1;
			snprintf(f.name, sizeof(f.name), "%s", p + 8);
			f.line = lineno;
			in_fixture = 1;
			continue;
		}
		if (!in_fixture)
			goto syntax;
		if (!strncmp(p, "desc ", 5))
			continue;
		if (!strncmp(p, "in ", 3)) {
			if (fixture_hex_decode(p + 3, f.in, &f.in_len))
				goto syntax;
			continue;
		}
		if (!strncmp(p, "out ", 4)) {
			if (fixture_hex_decode(p + 4, f.out, &f.out_len))
				goto syntax;
			f.has_out = 1;
			continue;
		}
		if (!strncmp(p, "verdict ", 8)) {
			char v[16], r[64];

			if (sscanf(p + 8, "%15s %63s", v, r) != 2 ||
			    (f.reason = alk_reason_by_name(r)) < 0 ||
			    strcmp(v, alk_verdict_names[alk_reason_verdict(
					      f.reason)]))
				goto syntax;
			continue;
		}
		if (!strcmp(p, "end")) {
			if (f.reason < 0 || !f.in_len ||
			    f.has_out !=
				    (alk_reason_verdict(f.reason) == ALK_TX))
				goto syntax;
			failures += run_one(&f, be, verbose);
			(*count)++;
			in_fixture = 0;
			continue;
		}
		for (char *tok = strtok_r(p, " ", &save); tok && argc < 64;
		     tok = strtok_r(NULL, " ", &save))
			argv[argc++] = tok;
		if (!argc || parse_directive(&f, argv, argc))
			goto syntax;
	}
	free(line);
	fclose(fp);
	if (in_fixture) {
		fprintf(stderr, "%s: fixture '%s' has no end\n", path, f.name);
		return -1;
	}
	printf("%s agent runner: %d fixtures, %d passed, %d failed\n", be->name,
	       *count, *count - failures, failures);
	return failures;
syntax:
	fprintf(stderr, "%s:%d: bad fixture line: %s\n", path, lineno, line);
	free(line);
	fclose(fp);
	return -1;
}
