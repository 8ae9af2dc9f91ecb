/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * trafficgen: a steady stream of overlay frames to a gateway, each with a
 * sequence number, and a check that every one comes back bounced.
 *
 * Sends VXLAN and Geneve frames in turn (or one of them) from IFNAME over
 * an AF_PACKET socket, at --rate frames per second, until SIGTERM or
 * SIGINT; then waits --drain-ms for the last answers and reports.  A frame
 * counts as received when it comes back exactly as the gateway's bouncer
 * must send it: outer source the gateway (IP and MAC), outer destination
 * the endpoint's host and --host-mac, TTL one less, valid outer IPv4
 * checksum, same ports and VNI, and the tenant frame untouched.
 *
 *   trafficgen -i IFNAME --gateway IP --gateway-mac MAC --src IP
 *              --host IP --vni N --inner-src IP --inner-dst IP
 *              [--rate N] [--proto vxlan|geneve|both] [--drain-ms N]
 *              [--payload N]
 *
 * --payload: bytes of the tenant frame's UDP payload, 16 (the default) to
 * 8922, which makes the largest frame 9014 bytes (MTU 9000).
 *
 * Prints "sent N received N lost N duplicate N bad N send-errors N" and
 * the lost sequence ranges; exits 0 only when every frame came back once.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "tables/cmd.h"
#include "tests/lib/frames.h"
#include "tests/lib/pktsock.h"

#define ETH_LEN 14
#define IP_LEN 20
#define UDP_LEN 8
#define MIN_PAYLOAD 16 /* the magic and the sequence number */
#define MAX_FRAME (ETH_LEN + 9000)
#define MAX_PAYLOAD (MAX_FRAME - FRAME_INNER_OFF - ETH_LEN - IP_LEN - UDP_LEN)
#define INNER_LEN(c) (ETH_LEN + IP_LEN + UDP_LEN + (c)->payload_len)
#define FRAME_LEN(c) (FRAME_INNER_OFF + INNER_LEN(c))
#define OUT_TTL 64
#define MAX_SEQ (1u << 24)

static const uint8_t magic[8] = { 'a', 'l', 'k', 'a', 'i', 'd', 's', 'q' };

struct config {
	const char *ifname;
	int ifindex;
	uint8_t mac[6], gw_mac[6], host_mac[6];
	__be32 gw, src, host, inner_src, inner_dst;
	uint32_t vni, rate, drain_ms, payload_len;
	int proto; /* 0 both, 1 vxlan, 2 geneve */
};

struct counts {
	uint64_t sent, received, duplicate, bad, send_errors;
};

static int is_geneve(const struct config *c, uint32_t seq)
{
	return c->proto == 2 || (c->proto == 0 && (seq & 1));
}

/* Frame seq: its tenant frame, which the gateway must carry untouched,
 * holds the sequence number after a magic. */
static void build(const struct config *c, uint32_t seq, uint8_t *f)
{
	struct frame_outer o = {
		.tunnel = is_geneve(c, seq) ? FRAME_GENEVE : FRAME_VXLAN,
		.vni = c->vni,
		.src_ip = ntohl(c->src),
		.dst_ip = ntohl(c->gw),
		.sport = 49152 + seq % 4096,
		.ip_id = seq,
	};
	struct frame_inner in = {
		.dst_mac = { 0x0e, 0, 0, 0, 0, 0x14 },
		.src_mac = { 0x0e, 0, 0, 0, 0, 0x0a },
		.src_ip = ntohl(c->inner_src),
		.dst_ip = ntohl(c->inner_dst),
		.sport = 10000 + seq % 1000, /* spread the flows */
		.dport = 20000,
		.ip_id = seq,
		.payload_len = c->payload_len,
	};
	uint8_t payload[MAX_PAYLOAD];
	uint64_t s = seq;

	memcpy(payload, magic, 8);
	for (int i = 0; i < 8; i++)
		payload[8 + i] = s >> (56 - 8 * i);
	for (uint32_t i = MIN_PAYLOAD; i < c->payload_len; i++)
		payload[i] = (uint8_t)(i * 7 + seq);
	in.payload = payload;
	memcpy(o.src_mac, c->mac, 6);
	memcpy(o.dst_mac, c->gw_mac, 6);
	frame_udp(f, &o, &in);
}

/*
 * 1: a correct bounce of *seq; 0: not ours (other traffic); -1: ours, but
 * wrong (*why says how).
 */
static int check(const struct config *c, const uint8_t *f, ssize_t len,
		 uint32_t *seq, const char **why)
{
	const uint8_t *ip = f + ETH_LEN, *udp = ip + IP_LEN,
		      *tun = udp + UDP_LEN, *inner = f + FRAME_INNER_OFF;
	uint8_t want[MAX_FRAME];
	uint64_t s = 0;

	if (len < ETH_LEN + IP_LEN + UDP_LEN || f[12] != 0x08 || f[13] != 0 ||
	    ip[9] != 17 || memcmp(ip + 16, &c->host, 4))
		return 0;
	*why = "length";
	if (len != FRAME_LEN(c))
		return -1;
	if (memcmp(inner + ETH_LEN + IP_LEN + UDP_LEN, magic, 8))
		return 0;
	for (int i = 0; i < 8; i++)
		s = s << 8 | inner[ETH_LEN + IP_LEN + UDP_LEN + 8 + i];
	*seq = s;
	*why = "sequence number out of range";
	if (s >= MAX_SEQ)
		return -1;
	*why = "outer Ethernet addresses";
	if (memcmp(f, c->host_mac, 6) || memcmp(f + 6, c->gw_mac, 6))
		return -1;
	*why = "outer IPv4 source or TTL";
	if (memcmp(ip + 12, &c->gw, 4) || ip[8] != OUT_TTL - 1)
		return -1;
	*why = "outer IPv4 checksum";
	if (frame_csum(ip, IP_LEN))
		return -1;
	*why = "UDP ports";
	if ((uint64_t)(udp[0] << 8 | udp[1]) != 49152 + s % 4096 ||
	    (udp[2] << 8 | udp[3]) != (is_geneve(c, s) ? 6081 : 4789))
		return -1;
	*why = "VNI";
	if ((uint32_t)(tun[4] << 16 | tun[5] << 8 | tun[6]) != c->vni)
		return -1;
	*why = "tenant frame changed";
	build(c, s, want);
	if (memcmp(inner, want + FRAME_INNER_OFF, INNER_LEN(c)))
		return -1;
	return 1;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static void receive(const struct config *c, int fd, uint8_t *seen,
		    struct counts *n)
{
	static uint8_t f[MAX_FRAME + 1];

	for (;;) {
		ssize_t len = recv(fd, f, sizeof(f), MSG_DONTWAIT);
		const char *why = "";
		uint32_t seq = 0;
		int rc;

		if (len < 0)
			return;
		rc = check(c, f, len, &seq, &why);
		if (rc == 0)
			continue;
		if (rc < 0 || seq >= n->sent) {
			if (n->bad++ < 5)
				fprintf(stderr,
					"trafficgen: bad frame (seq %u): %s\n",
					seq, rc < 0 ? why : "never sent");
			continue;
		}
		if (seen[seq]) {
			n->duplicate++;
			continue;
		}
		seen[seq] = 1;
		n->received++;
	}
}

static void report_lost(const struct config *c, const uint8_t *seen,
			uint64_t sent)
{
	int ranges = 0;

	for (uint64_t s = 0; s < sent && ranges < 10; s++) {
		uint64_t e = s;

		if (seen[s])
			continue;
		while (e + 1 < sent && !seen[e + 1])
			e++;
		printf("lost %llu-%llu (%llu frames, at %.3f s)\n",
		       (unsigned long long)s, (unsigned long long)e,
		       (unsigned long long)(e - s + 1), (double)s / c->rate);
		ranges++;
		s = e;
	}
}

static int open_socket(struct config *c)
{
	int fd = pkt_socket("trafficgen", c->ifname, c->ifindex, c->mac);
	int buf = 32 << 20;

	/* a full receive buffer would look like loss at the gateway */
	if (fd >= 0 &&
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof(buf)) &&
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf))) {
		perror("trafficgen: socket setup");
		close(fd);
		return -1;
	}
	return fd;
}

static int run(struct config *c)
{
	struct sockaddr_ll to = { .sll_family = AF_PACKET, .sll_halen = 6 };
	uint64_t interval = 1000000000ull / c->rate, next, stop_at = 0;
	uint8_t *seen = calloc(MAX_SEQ, 1), frame[MAX_FRAME];
	struct counts n = { 0 };
	struct pollfd pfd[2];
	sigset_t mask;
	int fd, sfd, sending = 1;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	fd = open_socket(c);
	if (!seen || sfd < 0 || fd < 0)
		return 1;
	to.sll_ifindex = c->ifindex;
	memcpy(to.sll_addr, c->gw_mac, 6);
	pfd[0] = (struct pollfd){ .fd = fd, .events = POLLIN };
	pfd[1] = (struct pollfd){ .fd = sfd, .events = POLLIN };

	next = now_ns();
	for (;;) {
		uint64_t now = now_ns(), wait;
		struct timespec ts;

		while (sending && now >= next) {
			if (n.sent == MAX_SEQ) {
				sending = 0;
				stop_at = now + c->drain_ms * 1000000ull;
				break;
			}
			build(c, n.sent, frame);
			if (sendto(fd, frame, FRAME_LEN(c), 0,
				   (struct sockaddr *)&to, sizeof(to)) < 0) {
				if (n.send_errors++ < 5)
					perror("trafficgen: sendto");
			} else {
				n.sent++;
			}
			next += interval;
			/* after a stall, go on at the rate, not in a burst */
			if (now > next + 100 * interval)
				next = now + interval;
		}
		receive(c, fd, seen, &n);
		if (!sending && now >= stop_at)
			break;
		wait = sending ? (next > now ? next - now : 0) :
				 (stop_at > now ? stop_at - now : 0);
		ts.tv_sec = wait / 1000000000ull;
		ts.tv_nsec = wait % 1000000000ull;
		if (ppoll(pfd, 2, &ts, NULL) > 0 && (pfd[1].revents & POLLIN)) {
			struct signalfd_siginfo si;

			if (read(sfd, &si, sizeof(si)) == sizeof(si) &&
			    sending) {
				sending = 0;
				stop_at = now_ns() + c->drain_ms * 1000000ull;
			}
		}
	}
	receive(c, fd, seen, &n);
	printf("sent %llu received %llu lost %llu duplicate %llu bad %llu "
	       "send-errors %llu\n",
	       (unsigned long long)n.sent, (unsigned long long)n.received,
	       (unsigned long long)(n.sent - n.received),
	       (unsigned long long)n.duplicate, (unsigned long long)n.bad,
	       (unsigned long long)n.send_errors);
	report_lost(c, seen, n.sent);
	fflush(stdout);
	if (!n.sent || n.received != n.sent || n.duplicate || n.bad ||
	    n.send_errors)
		return 1;
	return 0;
}

static int usage(void)
{
	fprintf(stderr,
		"usage: trafficgen -i IFNAME --gateway IP --gateway-mac MAC "
		"--src IP --host IP\n"
		"                  --host-mac MAC --vni N --inner-src IP "
		"--inner-dst IP\n"
		"                  [--rate N] [--proto vxlan|geneve|both] "
		"[--drain-ms N]\n"
		"                  [--payload N]\n");
	return 2;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "interface", required_argument, NULL, 'i' },
		{ "gateway", required_argument, NULL, 'g' },
		{ "gateway-mac", required_argument, NULL, 'G' },
		{ "src", required_argument, NULL, 's' },
		{ "host", required_argument, NULL, 'h' },
		{ "host-mac", required_argument, NULL, 'H' },
		{ "vni", required_argument, NULL, 'n' },
		{ "inner-src", required_argument, NULL, 'a' },
		{ "inner-dst", required_argument, NULL, 'b' },
		{ "rate", required_argument, NULL, 'r' },
		{ "proto", required_argument, NULL, 'p' },
		{ "drain-ms", required_argument, NULL, 'd' },
		{ "payload", required_argument, NULL, 'l' },
		{ 0 },
	};
	struct config c = { .rate = 10000,
			    .drain_ms = 500,
			    .payload_len = MIN_PAYLOAD };
	int o, bad = 0, have_gw_mac = 0, have_host_mac = 0;

	while ((o = getopt_long(argc, argv, "i:", opts, NULL)) != -1) {
		switch (o) {
		case 'i':
			c.ifname = optarg;
			break;
		case 'g':
			bad |= alk_parse_ipv4(optarg, &c.gw);
			break;
		case 'G':
			bad |= alk_parse_mac(optarg, c.gw_mac);
			have_gw_mac = 1;
			break;
		case 's':
			bad |= alk_parse_ipv4(optarg, &c.src);
			break;
		case 'h':
			bad |= alk_parse_ipv4(optarg, &c.host);
			break;
		case 'H':
			bad |= alk_parse_mac(optarg, c.host_mac);
			have_host_mac = 1;
			break;
		case 'n':
			c.vni = strtoul(optarg, NULL, 0);
			break;
		case 'a':
			bad |= alk_parse_ipv4(optarg, &c.inner_src);
			break;
		case 'b':
			bad |= alk_parse_ipv4(optarg, &c.inner_dst);
			break;
		case 'r':
			c.rate = strtoul(optarg, NULL, 0);
			break;
		case 'p':
			c.proto = !strcmp(optarg, "vxlan")  ? 1 :
				  !strcmp(optarg, "geneve") ? 2 :
				  !strcmp(optarg, "both")   ? 0 :
							      -1;
			bad |= c.proto < 0;
			break;
		case 'd':
			c.drain_ms = strtoul(optarg, NULL, 0);
			break;
		case 'l':
			c.payload_len = strtoul(optarg, NULL, 0);
			bad |= c.payload_len < MIN_PAYLOAD ||
			       c.payload_len > MAX_PAYLOAD;
			break;
		default:
			return usage();
		}
	}
	if (bad || !c.ifname || !c.gw || !c.src || !c.host || !c.inner_src ||
	    !c.inner_dst || !c.rate || c.rate > 1000000 ||
	    c.vni > ALK_VNI_MAX || !have_gw_mac || !have_host_mac)
		return usage();
	c.ifindex = if_nametoindex(c.ifname);
	if (!c.ifindex) {
		fprintf(stderr, "trafficgen: no interface %s\n", c.ifname);
		return 1;
	}
	return run(&c);
}
