/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench-first-bounce: how long after `alkaidctl endpoint add` returns does
 * the gateway bounce the first frame to the new endpoint?
 *
 * Run in the namespace of a host-side interface that faces a gateway.
 * For each of R repetitions it takes a tenant address that is not an
 * endpoint yet, sends Geneve frames to it through the gateway at a fixed
 * interval, and after a lead time runs
 *
 *     COMMAND [ARG...] endpoint add vni VNI ip ADDR mac MAC host HOST
 *
 * (posix_spawn, standard output to /dev/null) while it goes on sending
 * and receiving, until the first frame comes back bounced.  CLOCK_MONOTONIC
 * throughout:
 *
 *     spawn   just before the command is started;
 *     exit    when its exit is seen (taken in the SIGCHLD handler);
 *     bounce  when the kernel received the first bounced frame (outer
 *             destination HOST, inner destination ADDR, this repetition):
 *             the packet socket's software receive timestamp, so that it
 *             does not depend on when this process reads it;
 *     sent    per frame, just before it was sent (kept by sequence number,
 *             which the frame carries in its tenant payload).
 *
 * Figures, microseconds, p50 / p99 / max over the repetitions:
 *
 *     add_to_bounce    bounce - exit: what a script that runs `alkaidctl
 *                      endpoint add` and then sends would wait.  Negative
 *                      when the bounce arrived before the command's exit
 *                      was seen (the daemons write the table, then answer).
 *     ctl              exit - spawn: the command's own duration, the
 *                      reference.
 *     spawn_to_bounce  bounce - spawn.
 *     transit          bounce - sent of the bounced frame: the round trip
 *                      through the gateway.
 *     window           sent of the first bounced frame - the later of
 *                      sent of the frame before it and the moment the
 *                      command was running (posix_spawn returned): the
 *                      entry reached the data path in between, if transit
 *                      times are equal, so it is the resolution the
 *                      sending side had (--interval-us is only a target).
 *                      0 when the first bounced frame was sent before the
 *                      command: it waited in the gateway (see transit).
 *
 * Pacing (--pace): "sleep" (the default) sleeps to each send time with a
 * timer slack of 1 ns, "busy" spins on the clock.  Spinning gives the
 * shortest intervals but holds a CPU: on a machine of two, the command
 * and the daemon then wait for it, and the sender itself is preempted for
 * milliseconds at the moment that matters.  Behind time, the sender never
 * bursts to catch up.  --fifo PRIO makes the sender SCHED_FIFO (the
 * command is not: SCHED_RESET_ON_FORK), so that it wakes on time and sees
 * SIGCHLD at once; it then sleeps at least as long as it held the CPU
 * since the time it asked to wake at, so that it never takes more than
 * half a CPU.
 *
 * A repetition fails when the command fails, when a frame to ADDR is
 * bounced before the command was started, or when no bounced frame arrives
 * within --timeout-ms of the command's exit; the first failure ends the
 * run, with exit status 1.  See usage_text for the options and the output.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <sched.h>
#include <sys/prctl.h>
#include <signal.h>
#include <spawn.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tables/cmd.h"
#include "tests/lib/frames.h"
#include "tests/lib/pktsock.h"

#define PROG "bench-first-bounce"
#define INNER_LEN 64
/* inner Ethernet, IPv4, UDP */
#define PAYLOAD_OFF (FRAME_INNER_OFF + 14 + 20 + 8)
#define MAGIC 0x616c6b31u /* "alk1" */

extern char **environ;

/* clang-format off */
static const char usage_text[] =
"NAME\n"
"    bench-first-bounce - time from `alkaidctl endpoint add` returning to\n"
"    the first frame bounced to the new endpoint\n"
"\n"
"SYNOPSIS\n"
"    bench-first-bounce -i IFNAME --gateway IP --gateway-mac MAC --src IP\n"
"        --host IP [--vni N] [--first-ip IP] [-r N] [--interval-us N]\n"
"        [--lead-ms N] [--timeout-ms N] [--pace sleep|busy] [--fifo PRIO]\n"
"        [--cpu N] [-v] -- COMMAND [ARG...]\n"
"\n"
"DESCRIPTION\n"
"    Sends Geneve frames from IFNAME (an AF_PACKET socket) to the gateway\n"
"    (outer source --src, destination --gateway and --gateway-mac), inner\n"
"    IPv4 to a tenant address that is not an endpoint yet, one every\n"
"    --interval-us.  After --lead-ms it runs\n"
"        COMMAND [ARG...] endpoint add vni VNI ip ADDR mac MAC host HOST\n"
"    (its standard output to /dev/null) and keeps sending until a frame\n"
"    comes back bounced: outer destination --host, inner destination\n"
"    ADDR.  It records when the command was started, when its exit was\n"
"    seen (SIGCHLD), when the kernel received the first bounced frame and\n"
"    when that frame and the one before it were sent, all on\n"
"    CLOCK_MONOTONIC.  Repetition k uses ADDR = --first-ip + k and MAC =\n"
"    0e:f1:KK:KK:KK:KK, so every endpoint is new; the gateway's neighbor\n"
"    table must map --host to IFNAME's MAC for the bounced frames to come\n"
"    back here.\n"
"\n"
"OUTPUT\n"
"    On standard output, microseconds, p50, p99 and max over the\n"
"    repetitions that bounced:\n"
"        interval_us 10.0 pace sleep\n"
"        repetitions 20 bounced 20 failed 0\n"
"        add_to_bounce_us p50 X p99 X max X\n"
"        ctl_us p50 X p99 X max X\n"
"        spawn_to_bounce_us p50 X p99 X max X\n"
"        transit_us p50 X p99 X max X\n"
"        window_us p50 X p99 X max X\n"
"    add_to_bounce    first bounce - command exit; negative when the\n"
"                     bounce arrived before the exit was seen\n"
"    ctl              command exit - command start: the reference\n"
"    spawn_to_bounce  first bounce - command start\n"
"    transit          first bounce - when it was sent\n"
"    window           when the first bounced frame was sent - the later\n"
"                     of when the frame before it was and when the\n"
"                     command was running: the resolution the sending\n"
"                     side had; 0 when that frame was sent before the\n"
"                     command and waited in the gateway\n"
"    With -v, a line per repetition on standard error.\n"
"\n"
"OPTIONS\n"
"    -i, --interface IFNAME   send and receive on IFNAME (required)\n"
"    --gateway IP             the gateway's underlay address (required)\n"
"    --gateway-mac MAC        its MAC (required)\n"
"    --src IP                 outer source address of the frames (required)\n"
"    --host IP                the new endpoints' host (required)\n"
"    --vni N                  the endpoints' VNI (default 7001)\n"
"    --first-ip IP            tenant address of repetition 0\n"
"                             (default 198.19.128.1)\n"
"    -r, --repetitions N      repetitions (default 20)\n"
"    --interval-us N          send interval, 1 to 1000 (default 10)\n"
"    --lead-ms N              frames sent before the command (default 2)\n"
"    --timeout-ms N           wait for a bounce after the command's exit\n"
"                             (default 1000)\n"
"    --pace sleep|busy        sleep to each send time (default; timer\n"
"                             slack 1 ns), or spin on the clock, which\n"
"                             holds a CPU the command and the daemon may\n"
"                             need; behind time, never a burst\n"
"    --fifo PRIO              run the sender (not COMMAND) SCHED_FIFO at\n"
"                             PRIO, 1 to 99, so that it wakes on time; it\n"
"                             then sleeps at least as long as it ran, to\n"
"                             hold at most half a CPU.  Needs --pace sleep\n"
"    --cpu N                  pin the sender to CPU N (COMMAND inherits)\n"
"    -v, --verbose            one line per repetition on standard error\n"
"    -h, --help               this text\n"
"\n"
"EXIT STATUS\n"
"    0 every repetition bounced; 1 a repetition failed (the command\n"
"    failed, an early bounce, or no bounce within --timeout-ms), which\n"
"    ends the run; 2 bad usage or set-up error.\n"
"\n"
"EXAMPLE\n"
"    ip netns exec gw bench-first-bounce -i h0 --gateway 198.18.0.1 \\\n"
"        --gateway-mac 02:00:00:00:00:01 --src 198.18.0.2 \\\n"
"        --host 198.18.0.3 -r 100 -- alkaidctl -s /tmp/gw.sock\n";
/* clang-format on */

struct config {
	const char *ifname;
	int ifindex;
	uint8_t mac[6], gw_mac[6];
	uint32_t gw, src, host, first_ip; /* host order */
	uint32_t vni, reps, interval_ns, lead_ms, timeout_ms;
	uint32_t fifo;
	int cpu, verbose, sleep;
	char **cmd;
	int cmd_len;
};

struct rep {
	int64_t add_to_bounce, ctl, spawn_to_bounce, transit, window;
};

static volatile sig_atomic_t child_done;
static volatile uint64_t child_exit_ns;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* clock_gettime is async-signal-safe: the exit is timed here, not when
 * the loop next looks */
static void on_sigchld(int sig)
{
	(void)sig;
	if (!child_done) {
		child_exit_ns = now_ns();
		child_done = 1;
	}
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

static int open_socket(struct config *c)
{
	int fd = pkt_socket(PROG, c->ifname, c->ifindex, c->mac), one = 1;

	if (fd >= 0 &&
	    setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one))) {
		perror(PROG ": socket set-up");
		close(fd);
		return -1;
	}
	return fd;
}

/* Drops whatever is queued (answers to an earlier repetition). */
static void drain(int fd)
{
	uint8_t f[2048];

	while (recv(fd, f, sizeof(f), MSG_DONTWAIT) >= 0)
		;
}

/* A bounce of repetition `rep`: outer destination the host, inner
 * destination addr, our payload (magic, repetition, sequence number). */
static int bounced(const struct config *c, const uint8_t *f, ssize_t len,
		   uint32_t rep, uint32_t addr)
{
	const uint8_t *iip = f + FRAME_INNER_OFF + 14, *pl = f + PAYLOAD_OFF;

	return len >= PAYLOAD_OFF + 12 && f[12] == 0x08 && f[13] == 0 &&
	       f[23] == 17 && get32(f + 30) == c->host &&
	       (f[36] << 8 | f[37]) == 6081 && get32(iip + 16) == addr &&
	       get32(pl) == MAGIC && get32(pl + 4) == rep;
}

/*
 * Reads what is queued.  1 when a bounce of this repetition is among it,
 * with its sequence number and *at, when the kernel received it (its
 * software receive timestamp, CLOCK_REALTIME, moved to CLOCK_MONOTONIC):
 * not when this process got round to reading it.
 */
static int receive(const struct config *c, int fd, uint32_t rep, uint32_t addr,
		   uint64_t *at, uint32_t *seq)
{
	union {
		char buf[CMSG_SPACE(sizeof(struct timespec))];
		struct cmsghdr align;
	} ctl;
	uint8_t f[2048];
	struct iovec iov = { f, sizeof(f) };

	for (;;) {
		struct msghdr m = { .msg_iov = &iov,
				    .msg_iovlen = 1,
				    .msg_control = ctl.buf,
				    .msg_controllen = sizeof(ctl.buf) };
		ssize_t n = recvmsg(fd, &m, MSG_DONTWAIT);
		struct timespec ts = { 0 }, rt;
		uint64_t mono, rx;

		if (n < 0)
			return 0;
		if (!bounced(c, f, n, rep, addr))
			continue;
		*seq = get32(f + PAYLOAD_OFF + 8);
		mono = now_ns();
		clock_gettime(CLOCK_REALTIME, &rt);
		for (struct cmsghdr *cm = CMSG_FIRSTHDR(&m); cm;
		     cm = CMSG_NXTHDR(&m, cm))
			if (cm->cmsg_level == SOL_SOCKET &&
			    cm->cmsg_type == SCM_TIMESTAMPNS)
				memcpy(&ts, CMSG_DATA(cm), sizeof(ts));
		rx = (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
		*at = mono;
		if (ts.tv_sec) {
			uint64_t now_rt = (uint64_t)rt.tv_sec * 1000000000ull +
					  rt.tv_nsec;

			if (rx <= now_rt && now_rt - rx < mono)
				*at = mono - (now_rt - rx);
		}
		return 1;
	}
}

/* posix_spawn of COMMAND ... endpoint add ...; 0 on failure */
static pid_t spawn(const struct config *c, uint32_t rep, uint32_t addr)
{
	char vni[16], ip[INET_ADDRSTRLEN], mac[24], host[INET_ADDRSTRLEN];
	char *argv[c->cmd_len + 12];
	posix_spawn_file_actions_t fa;
	uint32_t a = htonl(addr), h = htonl(c->host);
	pid_t pid;
	int n = 0, rc;

	snprintf(vni, sizeof(vni), "%u", c->vni);
	inet_ntop(AF_INET, &a, ip, sizeof(ip));
	inet_ntop(AF_INET, &h, host, sizeof(host));
	snprintf(mac, sizeof(mac), "0e:f1:%02x:%02x:%02x:%02x", rep >> 24,
		 (rep >> 16) & 0xff, (rep >> 8) & 0xff, rep & 0xff);
	for (int i = 0; i < c->cmd_len; i++)
		argv[n++] = c->cmd[i];
	argv[n++] = "endpoint";
	argv[n++] = "add";
	argv[n++] = "vni";
	argv[n++] = vni;
	argv[n++] = "ip";
	argv[n++] = ip;
	argv[n++] = "mac";
	argv[n++] = mac;
	argv[n++] = "host";
	argv[n++] = host;
	argv[n] = NULL;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null",
					 O_WRONLY, 0);
	rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc) {
		fprintf(stderr, PROG ": %s: %s\n", argv[0], strerror(rc));
		return 0;
	}
	return pid;
}

#define RING 65536 /* send times kept, by sequence number */

static int run_rep(const struct config *c, int fd, uint32_t rep,
		   uint64_t *sent_at, struct rep *r)
{
	struct sockaddr_ll to = { .sll_family = AF_PACKET,
				  .sll_ifindex = c->ifindex,
				  .sll_halen = 6 };
	struct frame_outer o = {
		.tunnel = FRAME_GENEVE,
		.vni = c->vni,
		.src_ip = c->src,
		.dst_ip = c->gw,
		.sport = 49152 + rep % 4096,
	};
	uint32_t addr = c->first_ip + rep, seq = 0, first = 0;
	uint32_t seq_spawn = 0, seq_exit = 0;
	uint64_t next, woke, spawn_at, deadline = 0, t_spawn = 0, t_bounce = 0;
	uint64_t t_spawned = 0, lo;
	uint8_t frame[256];
	struct in_addr ia = { htonl(addr) };
	pid_t pid = 0;
	int status, exit_seen = 0;
	uint32_t len;

	memcpy(o.src_mac, c->mac, 6);
	memcpy(o.dst_mac, c->gw_mac, 6);
	memcpy(to.sll_addr, c->gw_mac, 6);
	len = frame_ipv4(frame, &o, c->src, addr, INNER_LEN);
	put32(frame + PAYLOAD_OFF, MAGIC);
	put32(frame + PAYLOAD_OFF + 4, rep);
	drain(fd);
	child_done = 0;
	next = woke = now_ns();
	spawn_at = next + c->lead_ms * 1000000ull;
	for (;;) {
		uint64_t now = now_ns();

		if (now >= next) {
			put32(frame + PAYLOAD_OFF + 8, seq);
			if (sendto(fd, frame, len, 0, (struct sockaddr *)&to,
				   sizeof(to)) < 0) {
				if (errno != ENOBUFS && errno != EAGAIN) {
					perror(PROG ": sendto");
					return 2;
				}
			} else {
				sent_at[seq % RING] = now;
				seq++;
			}
			next += c->interval_ns;
			if (next < now) /* after a stall: on at the interval */
				next = now + c->interval_ns;
		}
		if (receive(c, fd, rep, addr, &t_bounce, &first))
			break;
		if (!pid && now >= spawn_at) {
			seq_spawn = seq;
			t_spawn = now_ns();
			pid = spawn(c, rep, addr);
			if (!pid)
				return 2;
			/* the command runs: the table cannot change before */
			t_spawned = woke = now_ns();
		}
		if (child_done && !exit_seen) {
			exit_seen = 1;
			seq_exit = seq;
			deadline = child_exit_ns + c->timeout_ms * 1000000ull;
		}
		if (deadline && now >= deadline)
			break;
		if (c->sleep) {
			uint64_t t = now_ns(), held = t > woke ? t - woke : 0;
			struct timespec ts;

			/* never a busy loop: behind time, the sender falls
			 * back rather than take the CPU from the command and
			 * the daemon.  Real-time, it sleeps at least as long
			 * as it held the CPU since the time it asked to wake
			 * at (its wake-up latency and its work): never more
			 * than half a CPU. */
			held = c->fifo ? held : c->interval_ns / 2;
			if (next < t + held)
				next = t + held;
			woke = next;
			ts.tv_sec = next / 1000000000ull;
			ts.tv_nsec = next % 1000000000ull;

			/* SIGCHLD cuts it short */
			clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts,
					NULL);
		}
	}
	if (!pid) {
		fprintf(stderr,
			PROG ": repetition %u: a frame to %s bounced before "
			     "the command ran (already an endpoint?)\n",
			rep, inet_ntoa(ia));
		return 1;
	}
	/* the bounce may come before the exit, which the handler times */
	if (waitpid(pid, &status, 0) != pid) {
		perror(PROG ": waitpid");
		return 2;
	}
	while (!child_done)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr,
			PROG ": repetition %u: the command failed (status "
			     "0x%x)\n",
			rep, status);
		return 1;
	}
	if (!t_bounce) {
		fprintf(stderr,
			PROG ": repetition %u: no frame to %s came back "
			     "bounced within %u ms of the command's exit (%u "
			     "frames sent)\n",
			rep, inet_ntoa(ia), c->timeout_ms, seq);
		return 1;
	}
	if (first >= seq || seq - first >= RING - 1) {
		fprintf(stderr,
			PROG ": repetition %u: bounced frame #%u, but %u were "
			     "sent\n",
			rep, first, seq);
		return 1;
	}
	r->add_to_bounce = (int64_t)(t_bounce - child_exit_ns);
	r->ctl = (int64_t)(child_exit_ns - t_spawn);
	r->spawn_to_bounce = (int64_t)(t_bounce - t_spawn);
	r->transit = (int64_t)(t_bounce - sent_at[first % RING]);
	/* the entry reached the data path after the later of the command's
	 * start and the last frame not bounced; before the first bounced
	 * frame was sent, if transit times are equal.  A frame sent before
	 * the command that comes back bounced waited in the gateway: no
	 * bound from the sending side (0). */
	lo = first ? sent_at[(first - 1) % RING] : 0;
	lo = lo > t_spawned ? lo : t_spawned;
	r->window = sent_at[first % RING] > lo ?
			    (int64_t)(sent_at[first % RING] - lo) :
			    0;
	if (c->verbose)
		fprintf(stderr,
			"rep %u %s: frames sent %u before the command, %u "
			"by its exit, first bounced #%u; add_to_bounce %.1f "
			"ctl %.1f transit %.1f window %.1f us\n",
			rep, inet_ntoa(ia), seq_spawn,
			exit_seen ? seq_exit : seq, first,
			r->add_to_bounce / 1e3, r->ctl / 1e3, r->transit / 1e3,
			r->window / 1e3);
	return 0;
}

static int cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* nearest-rank percentile of n sorted values, in microseconds */
static double pct(const int64_t *v, uint32_t n, double q)
{
	uint32_t k = (uint32_t)(q * n + 0.999999);

	return v[k ? k - 1 : 0] / 1e3;
}

static void summary(const char *name, const struct rep *reps, uint32_t n,
		    size_t off)
{
	int64_t v[n];

	for (uint32_t i = 0; i < n; i++)
		v[i] = *(const int64_t *)((const char *)&reps[i] + off);
	qsort(v, n, sizeof(v[0]), cmp64);
	printf("%s_us p50 %.1f p99 %.1f max %.1f\n", name, pct(v, n, 0.5),
	       pct(v, n, 0.99), v[n - 1] / 1e3);
}

static int usage(int rc)
{
	fputs(usage_text, rc ? stderr : stdout);
	return rc;
}

static int parse_ip(const char *s, uint32_t *ip)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		return -1;
	*ip = ntohl(a.s_addr);
	return 0;
}

static int parse_u32(const char *s, uint32_t lo, uint32_t hi, uint32_t *v)
{
	char *end;
	unsigned long x;

	errno = 0;
	x = strtoul(s, &end, 10);
	if (errno || end == s || *end || x < lo || x > hi)
		return -1;
	*v = x;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "interface", required_argument, NULL, 'i' },
		{ "gateway", required_argument, NULL, 'g' },
		{ "gateway-mac", required_argument, NULL, 'G' },
		{ "src", required_argument, NULL, 's' },
		{ "host", required_argument, NULL, 'H' },
		{ "vni", required_argument, NULL, 'n' },
		{ "first-ip", required_argument, NULL, 'f' },
		{ "repetitions", required_argument, NULL, 'r' },
		{ "interval-us", required_argument, NULL, 'I' },
		{ "lead-ms", required_argument, NULL, 'l' },
		{ "timeout-ms", required_argument, NULL, 't' },
		{ "cpu", required_argument, NULL, 'c' },
		{ "pace", required_argument, NULL, 'p' },
		{ "fifo", required_argument, NULL, 'F' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct config c = { .vni = 7001,
			    .first_ip = 0xc6138001u,
			    .sleep = 1,
			    .reps = 20,
			    .interval_ns = 10000,
			    .lead_ms = 2,
			    .timeout_ms = 1000,
			    .cpu = -1 };
	struct sigaction sa = { .sa_handler = on_sigchld,
				.sa_flags = SA_NOCLDSTOP | SA_RESTART };
	uint32_t us = 10, cpu, ok = 0, failed = 0;
	int o, bad = 0, have_mac = 0, fd, rc = 0;
	uint64_t *sent_at;
	struct rep *reps;

	while ((o = getopt_long(argc, argv, "+i:r:vh", opts, NULL)) != -1) {
		switch (o) {
		case 'i':
			c.ifname = optarg;
			break;
		case 'g':
			bad |= parse_ip(optarg, &c.gw);
			break;
		case 'G':
			bad |= alk_parse_mac(optarg, c.gw_mac) != 0;
			have_mac = 1;
			break;
		case 's':
			bad |= parse_ip(optarg, &c.src);
			break;
		case 'H':
			bad |= parse_ip(optarg, &c.host);
			break;
		case 'n':
			bad |= parse_u32(optarg, 0, 0xffffff, &c.vni);
			break;
		case 'f':
			bad |= parse_ip(optarg, &c.first_ip);
			break;
		case 'r':
			bad |= parse_u32(optarg, 1, 1000000, &c.reps);
			break;
		case 'I':
			bad |= parse_u32(optarg, 1, 1000, &us);
			c.interval_ns = us * 1000;
			break;
		case 'l':
			bad |= parse_u32(optarg, 0, 10000, &c.lead_ms);
			break;
		case 't':
			bad |= parse_u32(optarg, 1, 600000, &c.timeout_ms);
			break;
		case 'c':
			bad |= parse_u32(optarg, 0, CPU_SETSIZE - 1, &cpu);
			c.cpu = cpu;
			break;
		case 'p':
			c.sleep = !strcmp(optarg, "sleep");
			bad |= !c.sleep && strcmp(optarg, "busy");
			break;
		case 'F':
			bad |= parse_u32(optarg, 1, 99, &c.fifo);
			break;
		case 'v':
			c.verbose = 1;
			break;
		case 'h':
			return usage(0);
		default:
			return usage(2);
		}
	}
	if (bad || !c.ifname || !c.gw || !c.src || !c.host || !have_mac ||
	    optind >= argc || (c.fifo && !c.sleep)) {
		fprintf(stderr, PROG ": %s\n",
			bad		   ? "a malformed value" :
			c.fifo && !c.sleep ? "--fifo needs --pace sleep" :
			optind >= argc	   ? "no COMMAND after --" :
					 "-i, --gateway, --gateway-mac, --src "
					 "and --host are required");
		return usage(2);
	}
	c.cmd = argv + optind;
	c.cmd_len = argc - optind;
	c.ifindex = if_nametoindex(c.ifname);
	if (!c.ifindex) {
		fprintf(stderr, PROG ": no interface %s\n", c.ifname);
		return 2;
	}
	if (c.cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(c.cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set)) {
			perror(PROG ": --cpu");
			return 2;
		}
	}
	/* real-time, but not COMMAND: it runs as a user would run it */
	if (c.fifo) {
		struct sched_param sp = { .sched_priority = c.fifo };

		if (sched_setscheduler(0, SCHED_FIFO | SCHED_RESET_ON_FORK,
				       &sp)) {
			perror(PROG ": --fifo");
			return 2;
		}
	}
	/* sleeps of a few microseconds must not be rounded up by 50 */
	if (c.sleep)
		prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGCHLD, &sa, NULL);
	sent_at = calloc(RING, sizeof(*sent_at));
	reps = calloc(c.reps, sizeof(*reps));
	fd = open_socket(&c);
	if (!sent_at || !reps || fd < 0)
		return 2;
	for (uint32_t i = 0; i < c.reps; i++) {
		int r = run_rep(&c, fd, i, sent_at, &reps[ok]);

		if (r == 2)
			return 2;
		if (r) { /* the rest would fail alike: fail fast */
			failed++;
			rc = 1;
			break;
		} else {
			ok++;
		}
	}
	printf("interval_us %.1f pace %s\n", c.interval_ns / 1e3,
	       c.sleep ? "sleep" : "busy");
	printf("repetitions %u bounced %u failed %u\n", c.reps, ok, failed);
	if (ok) {
		summary("add_to_bounce", reps, ok,
			offsetof(struct rep, add_to_bounce));
		summary("ctl", reps, ok, offsetof(struct rep, ctl));
		summary("spawn_to_bounce", reps, ok,
			offsetof(struct rep, spawn_to_bounce));
		summary("transit", reps, ok, offsetof(struct rep, transit));
		summary("window", reps, ok, offsetof(struct rep, window));
	}
	fflush(stdout);
	return rc;
}
