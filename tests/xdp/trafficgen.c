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
 *
 * Prints "sent N received N lost N duplicate N bad N send-errors N" and
 * the lost sequence ranges; exits 0 only when every frame came back once.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "tables/cmd.h"

#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING 23
#endif

#define ETH_LEN 14
#define IP_LEN 20
#define UDP_LEN 8
#define TUN_LEN 8
#define PAYLOAD_LEN 16
#define INNER_LEN (ETH_LEN + IP_LEN + UDP_LEN + PAYLOAD_LEN)
#define FRAME_LEN (ETH_LEN + IP_LEN + UDP_LEN + TUN_LEN + INNER_LEN)
#define OUT_TTL 64
#define MAX_SEQ (1u << 24)

static const uint8_t magic[8] = { 'a', 'l', 'k', 'a', 'i', 'd', 's', 'q' };

struct config {
	const char *ifname;
	int ifindex;
	uint8_t mac[6], gw_mac[6], host_mac[6];
	__be32 gw, src, host, inner_src, inner_dst;
	uint32_t vni, rate, drain_ms;
	int proto; /* 0 both, 1 vxlan, 2 geneve */
};

struct counts {
	uint64_t sent, received, duplicate, bad, send_errors;
};

static uint16_t csum16(const void *data, size_t len)
{
	const uint8_t *p = data;
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v;
}

static void ipv4(uint8_t *p, uint16_t total, uint16_t id, uint8_t ttl,
		 __be32 src, __be32 dst)
{
	memset(p, 0, IP_LEN);
	p[0] = 0x45;
	put16(p + 2, total);
	put16(p + 4, id);
	p[8] = ttl;
	p[9] = 17; /* UDP */
	memcpy(p + 12, &src, 4);
	memcpy(p + 16, &dst, 4);
	put16(p + 10, csum16(p, IP_LEN));
}

static int is_geneve(const struct config *c, uint32_t seq)
{
	return c->proto == 2 || (c->proto == 0 && (seq & 1));
}

/* The tenant frame: what the gateway must carry untouched. */
static void inner_frame(const struct config *c, uint32_t seq, uint8_t *p)
{
	static const uint8_t dst[6] = { 0x0e, 0, 0, 0, 0, 0x14 };
	static const uint8_t src[6] = { 0x0e, 0, 0, 0, 0, 0x0a };
	uint8_t *udp = p + ETH_LEN + IP_LEN, *pl = udp + UDP_LEN;
	uint64_t s = seq;

	memcpy(p, dst, 6);
	memcpy(p + 6, src, 6);
	put16(p + 12, ETH_P_IP);
	ipv4(p + ETH_LEN, IP_LEN + UDP_LEN + PAYLOAD_LEN, seq, 64, c->inner_src,
	     c->inner_dst);
	put16(udp, 10000 + seq % 1000); /* spread the flows */
	put16(udp + 2, 20000);
	put16(udp + 4, UDP_LEN + PAYLOAD_LEN);
	put16(udp + 6, 0);
	memcpy(pl, magic, 8);
	for (int i = 0; i < 8; i++)
		pl[8 + i] = s >> (56 - 8 * i);
}

static void build(const struct config *c, uint32_t seq, uint8_t *f)
{
	uint8_t *ip = f + ETH_LEN, *udp = ip + IP_LEN, *tun = udp + UDP_LEN;

	memcpy(f, c->gw_mac, 6);
	memcpy(f + 6, c->mac, 6);
	put16(f + 12, ETH_P_IP);
	ipv4(ip, FRAME_LEN - ETH_LEN, seq, OUT_TTL, c->src, c->gw);
	put16(udp, 49152 + seq % 4096);
	put16(udp + 2, is_geneve(c, seq) ? 6081 : 4789);
	put16(udp + 4, FRAME_LEN - ETH_LEN - IP_LEN);
	put16(udp + 6, 0); /* no checksum: the tunnel's choice, RFC 7348 */
	memset(tun, 0, TUN_LEN);
	if (is_geneve(c, seq))
		put16(tun + 2, 0x6558); /* Transparent Ethernet Bridging */
	else
		tun[0] = 0x08; /* VNI present */
	tun[4] = c->vni >> 16;
	tun[5] = c->vni >> 8;
	tun[6] = c->vni;
	inner_frame(c, seq, tun + TUN_LEN);
}

/*
 * 1: a correct bounce of *seq; 0: not ours (other traffic); -1: ours, but
 * wrong (*why says how).
 */
static int check(const struct config *c, const uint8_t *f, ssize_t len,
		 uint32_t *seq, const char **why)
{
	const uint8_t *ip = f + ETH_LEN, *udp = ip + IP_LEN,
		      *tun = udp + UDP_LEN, *inner = tun + TUN_LEN;
	uint8_t want[INNER_LEN];
	uint64_t s = 0;

	if (len < ETH_LEN + IP_LEN + UDP_LEN || f[12] != 0x08 || f[13] != 0 ||
	    ip[9] != 17 || memcmp(ip + 16, &c->host, 4))
		return 0;
	*why = "length";
	if (len != FRAME_LEN)
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
	if (csum16(ip, IP_LEN))
		return -1;
	*why = "UDP ports";
	if ((uint64_t)(udp[0] << 8 | udp[1]) != 49152 + s % 4096 ||
	    (udp[2] << 8 | udp[3]) != (is_geneve(c, s) ? 6081 : 4789))
		return -1;
	*why = "VNI";
	if ((uint32_t)(tun[4] << 16 | tun[5] << 8 | tun[6]) != c->vni)
		return -1;
	*why = "tenant frame changed";
	inner_frame(c, s, want);
	if (memcmp(inner, want, INNER_LEN))
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
	uint8_t f[2048];

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
	struct sockaddr_ll sll = { .sll_family = AF_PACKET,
				   .sll_protocol = htons(ETH_P_IP) };
	struct ifreq ifr = { 0 };
	int fd, one = 1, buf = 32 << 20;

	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_IP));
	if (fd < 0) {
		perror("trafficgen: AF_PACKET socket");
		return -1;
	}
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", c->ifname);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr)) {
		fprintf(stderr, "trafficgen: %s: %s\n", c->ifname,
			strerror(errno));
		close(fd);
		return -1;
	}
	memcpy(c->mac, ifr.ifr_hwaddr.sa_data, 6);
	sll.sll_ifindex = c->ifindex;
	/* our own frames are not answers; a full receive buffer would look
	 * like loss at the gateway */
	if (setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one,
		       sizeof(one)) ||
	    (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof(buf)) &&
	     setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf))) ||
	    bind(fd, (struct sockaddr *)&sll, sizeof(sll))) {
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
	uint8_t *seen = calloc(MAX_SEQ, 1), frame[FRAME_LEN];
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
			if (sendto(fd, frame, FRAME_LEN, 0,
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
		"[--drain-ms N]\n");
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
		{ 0 },
	};
	struct config c = { .rate = 10000, .drain_ms = 500 };
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
