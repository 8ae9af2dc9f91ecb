/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * alkaid-dpdk: the gateway on DPDK.  The main lcore sets things up and
 * then runs the control plane (the daemon skeleton's event loop: the
 * control socket of ctl/server.h, the state file, a tick that frees what
 * the workers no longer see); every other lcore is a worker that polls its
 * RX queues and never stops for the control plane.  The configuration
 * file (config/, and its dpdk section, config_dpdk.c) is read before the
 * EAL starts, since its dpdk section gives EAL options (eal_args.c).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/pidfd.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_pdump.h>

#include "capture.h"
#include "config_dpdk.h"
#include "ctl/api.h"
#include "tables/cmdfile.h"
#include "tables/schema.h"
#include "daemon/log.h"
#include "daemon/notify.h"
#include "daemon/options.h"
#include "daemon/reload.h"
#include "daemon/start.h"
#include "eal_args.h"
#include "ports.h"
#include "tables_dpdk.h"
#include "telemetry.h"
#include "worker.h"

#ifndef ALK_VERSION
#define ALK_VERSION "unknown"
#endif

#define die(...) alk_die(ALK_EXIT_FAIL, __VA_ARGS__)

#define DEFAULT_DESC 1024

/* Its own options; the common ones are in alk_opt. */
static struct {
	uint32_t geneve_port;
	uint32_t vxlan_port;
	const char *batch;
	uint32_t network_tbl8s; /* 0: twice the networks */
	uint32_t queues;	/* 0: the file's, else one per worker */
	uint32_t rxd;		/* 0: the file's, else 1024 */
	uint32_t txd;
	uint32_t mbufs;
	uint32_t mtu;
	uint32_t mbuf_size;
	bool takeover;
	uint16_t tx_port[RTE_MAX_ETHPORTS]; /* --pair; UINT16_MAX: itself */
} o = {
	.geneve_port = ALK_GENEVE_PORT,
	.vxlan_port = ALK_VXLAN_PORT,
};

static int parse_pair(const char *s)
{
	unsigned int p, q;
	char end;

	if (sscanf(s, "%u:%u%c", &p, &q, &end) != 2 || p >= RTE_MAX_ETHPORTS ||
	    q >= RTE_MAX_ETHPORTS)
		return alk_usage_error("--pair %s: P:Q with two port numbers "
				       "is needed",
				       s);
	o.tx_port[p] = q + 1;
	o.tx_port[q] = p + 1;
	return 0;
}

/* The port frames from port leave by. */
static uint16_t tx_port(uint16_t port)
{
	return o.tx_port[port] ? o.tx_port[port] - 1 : port;
}

/* clang-format off */
static const struct alk_opt own[] = {
	{ "geneve-port", 0, "PORT", ALK_OPT_NUMBER, &o.geneve_port,
	  .max = 65535,
	  .help = "UDP destination port of Geneve (default %lu); 0 turns\n"
		  "Geneve off.  With --gateway-ip.",
	  .help_arg = ALK_GENEVE_PORT },
	{ "vxlan-port", 0, "PORT", ALK_OPT_NUMBER, &o.vxlan_port,
	  .max = 65535,
	  .help = "UDP destination port of VXLAN (default %lu); 0 turns\n"
		  "VXLAN off.  With --gateway-ip.",
	  .help_arg = ALK_VXLAN_PORT },
	{ "batch", 0, "FILE", ALK_OPT_PATH, &o.batch,
	  .help = "Table commands applied before forwarding starts, one per\n"
		  "line in alkaidctl's words, read as the state file is (see\n"
		  "alkaidctl --help for the grammar; '#' starts a comment):\n"
		  "  gateway set ip A mac M [geneve-port P] [vxlan-port P]\n"
		  "              [underlay-arp on|off]\n"
		  "  endpoint add vni N ip A mac M host A\n"
		  "  network add vni N prefix A/L bouncers A[,A...]\n"
		  "              [router A] [dns A] [mtu N] [lease N]\n"
		  "  vpc add vni N dividers A[,A...]\n"
		  "  neighbor add ip A mac M\n"
		  "and the 'del' forms.  A bad line stops the daemon, naming\n"
		  "the line and what is wrong with it." },
	{ "network-tbl8s", 0, "N", ALK_OPT_NUMBER, &o.network_tbl8s,
	  .min = 1, .max = 1u << 24,
	  .help = "Second-level groups (1 KiB each) of each of the two network\n"
		  "LPMs (default: twice --networks).  Network adds beyond them\n"
		  "fail with 'No space left on device'." },
	{ "queues", 0, "N", ALK_OPT_NUMBER, &o.queues, .min = 1, .max = 1024,
	  .help = "RX queues per port, spread by RSS on the outer IPv4 and UDP\n"
		  "headers (default: the file's queues of the port, else one\n"
		  "per worker), dealt to the workers in turn.  Each worker also\n"
		  "has one TX queue on every port." },
	{ "rxd", 0, "N", ALK_OPT_NUMBER, &o.rxd, .min = 32, .max = 32768,
	  .help = "Descriptors per RX queue (default: the file's rx-desc of\n"
		  "the port, else %lu).",
	  .help_arg = DEFAULT_DESC },
	{ "txd", 0, "N", ALK_OPT_NUMBER, &o.txd, .min = 32, .max = 32768,
	  .help = "Descriptors per TX queue (default: the file's tx-desc of\n"
		  "the port, else %lu).",
	  .help_arg = DEFAULT_DESC },
	{ "mbufs", 0, "N", ALK_OPT_NUMBER, &o.mbufs, .min = 1024,
	  .max = 1u << 28,
	  .help = "mbufs per NUMA socket (default: enough for all queues).\n"
		  "Devices that keep frames of their own, like net_pcap with\n"
		  "infinite_rx, need more." },
	{ "mtu", 0, "N", ALK_OPT_NUMBER, &o.mtu, .min = 68, .max = 9600,
	  .help = "Set the ports' MTU, and without --mbuf-size size the mbufs\n"
		  "for it (default: the ports' own MTU, mbufs of 2 KiB).  A\n"
		  "device that refuses it is a warning that says what it\n"
		  "kept, not an exit: net_af_packet sets no MTU over 1500 (set\n"
		  "its interface's with ip link) and net_pcap none." },
	{ "mbuf-size", 0, "N", ALK_OPT_NUMBER, &o.mbuf_size, .min = 512,
	  .max = 65535 - RTE_PKTMBUF_HEADROOM,
	  .help = "Bytes of frame an mbuf holds (default: enough for --mtu,\n"
		  "else 2048).  A longer frame is received in segments where\n"
		  "the device can (RX scatter), and forwarded as it came;\n"
		  "devices that cannot (net_af_packet: its framesz) need\n"
		  "mbufs as large as their frames." },
	{ "takeover", 0, NULL, ALK_OPT_FLAG, &o.takeover,
	  .help = "Replace the daemon serving the control socket (-s) with\n"
		  "the least gap in forwarding: load the tables and start the\n"
		  "ports while it forwards, then stop it (SIGTERM), drop what\n"
		  "the ports queued meanwhile, forward as soon as its workers\n"
		  "have stopped, and only then serve the socket.  Only --vdev\n"
		  "ports that two processes can open (net_af_packet, ...);\n"
		  "another --file-prefix.  Changes made through the old\n"
		  "daemon after the new one read the state file are lost." },
	{ "pair", 0, "P:Q", ALK_OPT_CALL, .call = parse_pair,
	  .help = "Frames received on port P leave by port Q, and those from Q\n"
		  "by P (default: by the receiving port).  Repeatable." },
	{ 0 },
};

static const char head[] =
	"NAME\n"
	"    alkaid-dpdk - overlay gateway on DPDK: Geneve and VXLAN\n"
	"    bouncer and divider, ARP and DHCP responder\n"
	"\n"
	"SYNOPSIS\n"
	"    alkaid-dpdk [EAL options] -- --gateway-ip ADDR [options]\n"
	"    alkaid-dpdk [EAL options] -- -c FILE [options]\n"
	"\n"
	"DESCRIPTION\n"
	"    Serves every port the EAL probes: PCI devices (-a) and virtual\n"
	"    ones (--vdev).  The main lcore runs the control plane and never\n"
	"    touches a packet; every other lcore of -l is a worker that polls\n"
	"    its share of the RX queues in bursts of 32, run to completion.\n"
	"    A frame the gateway answers or forwards leaves by the port it\n"
	"    came in on (see --pair); any other frame is counted under its\n"
	"    reason and dropped, there being no kernel to pass it to.  The\n"
	"    gateway answers ARP for its own underlay address on every port.\n"
	"\n"
	"    Two lcores at least: one main, one worker.  Without hugepages\n"
	"    (tests): --no-huge --no-shconf --no-pci -m 1024.\n"
	"\n"
	"    The main lcore serves the control socket (-s): alkaidctl -s\n"
	"    SOCKET programs the tables through it while the workers forward\n"
	"    (JSON-RPC 2.0, one request per line; see alkaidctl --help).  The\n"
	"    tables live in the process's memory: a state file (--state)\n"
	"    keeps them, written after changes and at exit, and loaded by the\n"
	"    next start.\n"
	"\n"
	"    The daemon's own options come after the '--' (before it, -c is\n"
	"    the EAL's core mask and -s its service core mask).\n"
	"\n"
	"CONFIGURATION FILE\n"
	"    -c FILE gives the start-up configuration in libconfig syntax\n"
	"    (see alkaid-dpdk.conf and config/README.md): the dpdk section\n"
	"    (required) with the ports, the worker lcores, the main lcore and\n"
	"    more EAL arguments; table sizes, the control socket and its\n"
	"    group, the gateway, the state file and initial tables.  A file\n"
	"    with an error is refused before the EAL starts, with\n"
	"    FILE:LINE: SETTING: REASON, and exit status 2.  Options given on\n"
	"    the command line win over the file.\n"
	"\n"
	"    The dpdk section becomes EAL arguments, each part only when the\n"
	"    command line gives no EAL option of its kind:\n"
	"      workers, main-lcore  -l MAIN,WORKER,... --main-lcore MAIN,\n"
	"                           unless -l, -c, --lcores or --main-lcore\n"
	"                           is given; without main-lcore, MAIN is\n"
	"                           the lowest lcore that is not a worker\n"
	"      ports                -a DEVICE for a PCI address, else --vdev\n"
	"                           DEVICE, unless -a, -b or --vdev is given\n"
	"      eal-args             as they are, unless any other EAL option\n"
	"                           is given (then those replace them)\n"
	"    A port's queues, rx-desc and tx-desc apply to the port of that\n"
	"    device, unless --queues, --rxd or --txd is given.\n"
	"\n"
	"    At start the tables are filled in this order: the state file if\n"
	"    it exists, else the file's initial-tables and initial-file; the\n"
	"    file's gateway; --gateway-ip; --batch.\n"
	"\n"
	"GATEWAY\n"
	"    --gateway-ip replaces the gateway of the state file and of the\n"
	"    configuration file, with --geneve-port, --vxlan-port and underlay\n"
	"    ARP on.  Without --gateway-mac each port sends with its own MAC\n"
	"    (the table keeps the first port's); otherwise, and without\n"
	"    --gateway-ip, the ports go promiscuous to receive the gateway's\n"
	"    MAC, whatever the file, the state file or alkaidctl set.  Until\n"
	"    the gateway has an address every frame is dropped.\n"
	"\n"
	"TABLE SIZES\n"
	"    The tables live in the process's memory, sized at every start:\n"
	"    16M endpoints take about 2 GB (the endpoint table and the DHCP\n"
	"    index).  A size beyond what the back end can hold (rte_lpm6 for\n"
	"    the networks, 2M entries) fails at start.\n"
	"\n";

static const char tail[] =
	"TELEMETRY\n"
	"    dpdk-telemetry.py -f PREFIX (the EAL --file-prefix; rte):\n"
	"      /alkaid/stats    packets by reason, over all workers\n"
	"      /alkaid/ports    rx, tx, missed, errors, drops per port\n"
	"      /alkaid/tables   count, capacity and memory per table\n"
	"\n"
	"SIGNALS\n"
	"    SIGINT, SIGTERM: stop the workers, close the control socket\n"
	"    (writing the state file if it is behind), close the ports and\n"
	"    exit 0.  SIGHUP: read the configuration file (-c) again and\n"
	"    apply its initial-tables, initial-file and gateway as one\n"
	"    change, all of it or none (an error is logged with its line;\n"
	"    the daemon goes on).  Rows the file no longer has are kept.\n"
	"    The dpdk section, table sizes and the socket need a restart.\n"
	"\n"
	"EXIT STATUS\n"
	"    0  stopped by a signal.\n"
	"    1  failure: the EAL, a port, the tables, the state file, the\n"
	"       control socket.\n"
	"    2  bad usage, or a configuration file with an error.\n"
	"\n"
	"EXAMPLES\n"
	"    alkaid-dpdk -l 0-2 -a 0000:3b:00.0 -- \\\n"
	"        --gateway-ip 198.51.100.1 --batch /etc/alkaid/tables.batch\n"
	"\n"
	"    Ports, lcores, socket, gateway and state file from a file, then\n"
	"    an endpoint through the socket:\n"
	"        alkaid-dpdk -- -c /etc/alkaid/alkaid-dpdk.conf\n"
	"        alkaidctl endpoint add vni 100 ip 203.0.113.5 \\\n"
	"            mac 0e:00:00:00:00:05 host 198.18.0.12\n"
	"\n"
	"    The same without hugepages, on a socket and state file of its\n"
	"    own (these EAL options replace the file's eal-args):\n"
	"        alkaid-dpdk --no-huge --no-shconf --no-pci -m 512 \\\n"
	"            --file-prefix t1 -- -c alkaid-dpdk.conf \\\n"
	"            -s /tmp/t1.sock --state /tmp/t1.state\n";

/* clang-format on */

static const struct alk_program prog = { "alkaid-dpdk", ALK_VERSION, head, own,
					 tail };

/* SIGHUP reads the file's dpdk section here, to say what needs a
 * restart */
static struct alk_dpdk_config reload_dcfg;
static struct alk_dpdk_config *running_dcfg;

static bool ports_differ(const struct alk_dpdk_config *a,
			 const struct alk_dpdk_config *b)
{
	if (a->nports != b->nports)
		return true;
	for (unsigned int i = 0; i < a->nports; i++)
		if (strcmp(a->ports[i].device, b->ports[i].device) ||
		    a->ports[i].queues != b->ports[i].queues ||
		    a->ports[i].rx_desc != b->ports[i].rx_desc ||
		    a->ports[i].tx_desc != b->ports[i].tx_desc)
			return true;
	return false;
}

static void reload_check(void *arg, bool compare)
{
	const struct alk_dpdk_config *old = running_dcfg, *now = arg;

	if (compare && ports_differ(old, now))
		alk_say("reload: dpdk.ports changed: needs a restart");
	if (compare && (old->nworkers != now->nworkers ||
			memcmp(old->workers, now->workers,
			       old->nworkers * sizeof(*old->workers)) ||
			old->main_lcore != now->main_lcore))
		alk_say("reload: dpdk.workers or dpdk.main-lcore changed: "
			"needs a restart");
	alk_dpdk_config_free(arg);
	memset(arg, 0, sizeof(reload_dcfg));
}

/* SIGHUP reloads the file's tables; then READY=1: the ports are started,
 * the workers launched and the tables loaded. */
static void reload_start(struct alk_loop *loop, struct alk_tables *tables,
			 const struct alk_config *cfg,
			 struct alk_dpdk_config *dcfg, unsigned int nports,
			 unsigned int nworkers)
{
	static const struct alk_config_section sections[] = {
		ALK_DPDK_SECTION(&reload_dcfg),
		{ 0 },
	};
	static char serving[96];
	static struct alk_reload reload = {
		.sections = sections,
		.check = reload_check,
		.arg = &reload_dcfg,
		.what = serving,
	};

	snprintf(serving, sizeof(serving), "%u port%s, %u worker%s", nports,
		 nports == 1 ? "" : "s", nworkers, nworkers == 1 ? "" : "s");
	running_dcfg = dcfg;
	reload.tables = tables;
	reload.cfg = cfg;
	alk_loop_on_reload(loop, alk_daemon_reload_cb, &reload);
	alk_notify_ready(tables, serving);
}

/* --help answers without starting the EAL (which wants hugepages). */
static void early_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help")) {
			alk_options_help(&prog, stdout);
			exit(EXIT_SUCCESS);
		}
	}
}

/*
 * EAL options up to the '--', the daemon's after it; the daemon's are read
 * first, since the file they name gives EAL options.  Returns the index of
 * the '--' (argc if none).
 */
static int parse_options(int argc, char **argv)
{
	int sep, rc;

	for (sep = 1; sep < argc && strcmp(argv[sep], "--"); sep++) {
		/* --version, -V before any '--' are the daemon's: the EAL
		 * has none (its -v only logs the version at start) */
		if (!strcmp(argv[sep], "--version") ||
		    !strcmp(argv[sep], "-V")) {
			char *v[] = { argv[0], argv[sep], NULL };

			rc = alk_options_parse(&prog, 2, v);
			exit(rc > 0 ? EXIT_SUCCESS : ALK_EXIT_USAGE);
		}
		if (!strcmp(argv[sep], "--config") ||
		    !strcmp(argv[sep], "--socket") ||
		    !strcmp(argv[sep], "--state") ||
		    !strcmp(argv[sep], "--group") ||
		    (!strcmp(argv[sep], "-c") && sep + 1 < argc &&
		     !access(argv[sep + 1], F_OK)))
			alk_die(ALK_EXIT_USAGE,
				"%s: the daemon's options go after '--' "
				"(before it, the EAL's: -c is its core mask); "
				"try --help",
				argv[sep]);
	}
	if (sep < argc) {
		argv[sep] = argv[0];
		rc = alk_options_parse(&prog, argc - sep, argv + sep);
	} else {
		rc = alk_options_parse(&prog, 1, argv);
	}
	if (rc)
		exit(rc > 0 ? EXIT_SUCCESS : ALK_EXIT_USAGE);
	return sep;
}

/* --gateway-ip over what the files gave: the table's MAC the first
 * port's, and each port sends with its own, unless --gateway-mac. */
static void gateway(struct alk_tables *t)
{
	struct alk_gateway base;
	struct alk_error err = { 0 };
	struct rte_ether_addr mac = { 0 };
	uint16_t port;

	alk_gateway_defaults(&base);
	base.geneve_port = htons(o.geneve_port);
	base.vxlan_port = htons(o.vxlan_port);
	/* no kernel behind the port: ARP for us is ours to answer */
	base.flags |= ALK_GW_F_UNDERLAY_ARP;

	if (!alk_opt.gw_ip_given)
		return;
	if (!alk_opt.gw_mac_given) {
		RTE_ETH_FOREACH_DEV (port) {
			if (rte_eth_macaddr_get(port, &mac))
				die("port %u: no MAC address", port);
			alk_dpdk_tables_port_mac(t, port, &mac);
		}
		rte_eth_macaddr_get(rte_eth_find_next(0), &mac);
	}
	if (alk_daemon_gateway(t, &base, false, mac.addr_bytes, &err))
		die("gateway: %s", err.msg);
}

/* The state file or the initial tables, and the file's gateway. */
static void tables_load(struct alk_tables *t, const struct alk_config *cfg)
{
	if (alk_daemon_tables_start(cfg, t, true))
		exit(ALK_EXIT_FAIL);
}

/* Then, once the ports are there, the command line's gateway (their MACs)
 * and batch. */
static void tables_fill(struct alk_tables *t, const struct alk_config *cfg)
{
	struct alk_error err = { 0 };

	gateway(t);
	if (o.batch) {
		if (alk_cmdfile_load(t, o.batch, &err))
			die("%s", err.msg);
		alk_say("%s: table commands applied", o.batch);
	}
	alk_daemon_gateway_check(t, "is dropped");
	if (!cfg->state_file)
		alk_say("warning: no state file (--state, or state-file in the "
			"configuration file): the tables end with the "
			"process");
}

/* Once a second: what the workers no longer see is freed even when no
 * write comes to trigger it. */
static int on_tick(struct alk_loop *loop, int fd, uint32_t events, void *tables)
{
	alk_dpdk_tables_reclaim(tables);
	return 0;
}

/*
 * --takeover.  The new daemon opens and starts its ports while the old one
 * forwards on them (two processes can open a --vdev such as net_af_packet;
 * a PCI device is held by one process at a time, so those cannot be taken
 * over), then stops the old one and starts forwarding as soon as the old
 * one's workers have stopped, which it says by closing its control socket.
 */
static pid_t old_daemon;

static void takeover_check_ports(char **argv, int argc)
{
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--allow") ||
		    !strncmp(argv[i], "--allow=", 8) ||
		    !strncmp(argv[i], "-a", 2))
			alk_die(ALK_EXIT_USAGE,
				"--takeover: %s: only --vdev ports can be "
				"taken over (a PCI device is held by one "
				"process at a time)",
				argv[i]);
}

/* The daemon to replace: the one answering on the control socket. */
static void takeover_find(void)
{
	const char *sock = alk_opt.socket ?: ALK_CTL_DEFAULT_SOCKET;

	old_daemon = alk_ctl_socket_pid(sock);
	if (old_daemon <= 0 || old_daemon == getpid())
		die("--takeover: no daemon answers on %s", sock);
	alk_say("taking over from process %d (%s)", (int)old_daemon, sock);
}

/* Stop it; return once its workers have stopped (it has removed its
 * socket) or it has exited. */
static void takeover_stop(void)
{
	const char *sock = alk_opt.socket ?: ALK_CTL_DEFAULT_SOCKET;
	struct pollfd p = { .fd = pidfd_open(old_daemon, 0), .events = POLLIN };
	int ms;

	if (p.fd < 0)
		die("--takeover: process %d: %m", (int)old_daemon);
	if (kill(old_daemon, SIGTERM))
		die("--takeover: SIGTERM to process %d: %m", (int)old_daemon);
	/* it stops its workers, then removes the socket: a millisecond's
	 * polling, for a minute at most (a state file to save first) */
	for (ms = 0; ms < 60000; ms++)
		if (poll(&p, 1, 1) || access(sock, F_OK))
			break;
	close(p.fd);
	if (ms == 60000)
		die("--takeover: process %d did not stop", (int)old_daemon);
}

/* Frames queued on the ports while the old daemon forwarded them: it did
 * (a packet socket gets its copy of each). */
static void takeover_drain(void)
{
	struct rte_mbuf *m[ALK_BURST];
	struct rte_eth_dev_info info;
	uint16_t port, n;

	RTE_ETH_FOREACH_DEV (port) {
		if (rte_eth_dev_info_get(port, &info))
			continue;
		for (uint16_t q = 0; q < info.nb_rx_queues; q++)
			while ((n = rte_eth_rx_burst(port, q, m, ALK_BURST)))
				rte_pktmbuf_free_bulk(m, n);
	}
}

/* Enough mbufs for every descriptor and every worker's bursts in flight. */
static uint32_t mbufs_needed(const struct alk_port_conf *pc,
			     unsigned int nworkers)
{
	uint32_t n = nworkers * ALK_BURST * 2 + rte_lcore_count() * 256 + 1024;
	uint16_t port;

	RTE_ETH_FOREACH_DEV (port)
		n += pc[port].nb_rxq * pc[port].nb_rxd +
		     nworkers * (pc[port].nb_txd + ALK_BURST);
	return RTE_MAX(n, 8191u);
}

/* Queues and rings of a port: the command line's, else the file's. */
static void port_conf(struct alk_port_conf *pc, uint16_t port,
		      const struct alk_dpdk_config *dcfg, unsigned int nworkers)
{
	const struct alk_config_port *cp = config_port(dcfg, port);

	pc->nb_rxq = o.queues	      ? o.queues :
		     cp && cp->queues ? cp->queues :
					nworkers;
	pc->nb_txq = nworkers;
	pc->nb_rxd = o.rxd	       ? o.rxd :
		     cp && cp->rx_desc ? cp->rx_desc :
					 DEFAULT_DESC;
	pc->nb_txd = o.txd	       ? o.txd :
		     cp && cp->tx_desc ? cp->tx_desc :
					 DEFAULT_DESC;
	pc->mtu = o.mtu;
	/* each port sends with its own MAC only with --gateway-ip alone;
	 * else the gateway's MAC (any the control socket sets) must come
	 * in on every port */
	pc->promisc = !(alk_opt.gw_ip_given && !alk_opt.gw_mac_given);
}

/* The metrics' ports (daemon/metrics.h), read on the main lcore. */
static int metrics_ports(void *arg, struct alk_metrics_port *p, int max)
{
	uint16_t port;
	int n = 0;

	RTE_ETH_FOREACH_DEV (port) {
		struct rte_eth_stats st;

		if (n == max || rte_eth_stats_get(port, &st))
			continue;
		if (rte_eth_dev_get_name_by_port(port, p[n].name))
			snprintf(p[n].name, sizeof(p[n].name), "%u", port);
		p[n].rx_packets = st.ipackets;
		p[n].rx_bytes = st.ibytes;
		p[n].rx_dropped = st.imissed + st.rx_nombuf;
		p[n].rx_errors = st.ierrors;
		p[n].tx_packets = st.opackets;
		p[n].tx_bytes = st.obytes;
		p[n].tx_dropped = alk_telemetry_tx_dropped(port);
		p[n].tx_errors = st.oerrors;
		n++;
	}
	return n;
}

int main(int argc, char **argv)
{
	static bool quit;
	struct alk_worker *workers[RTE_MAX_LCORE] = { 0 };
	struct rte_mempool *pools[RTE_MAX_NUMA_NODES] = { 0 };
	static struct alk_port_conf pc[RTE_MAX_ETHPORTS];
	static struct alk_dpdk_config dcfg;
	const struct alk_config_section sections[] = {
		ALK_DPDK_SECTION(&dcfg),
		{ 0 },
	};
	struct alk_dpdk_table_config tc = { 0 };
	struct alk_config cfg;
	struct alk_ctl_server *srv;
	struct alk_dpdk_capture *capture;
	struct alk_metrics *metrics;
	struct alk_loop *loop;
	struct alk_tables *tables;
	unsigned int nworkers, lcore, k = 0, nrxq = 0;
	uint16_t nports, port;
	char err[256], **eal_argv;
	int rc, sep, eal_argc;

	alk_log_init(prog.name);
	/* no kernel behind the ports: ARP for the gateway is ours to answer,
	 * whichever way the gateway is set */
	alk_gateway_default_flags(ALK_GW_F_UNDERLAY_ARP);
	early_help(argc, argv);
	sep = parse_options(argc, argv);
	rc = alk_daemon_configure(sections, &cfg);
	if (rc)
		return rc;
	eal_argv = eal_args(&dcfg, sep, argv, &eal_argc);
	if (o.takeover) {
		takeover_check_ports(eal_argv, eal_argc);
		takeover_find();
	}

	/* the lcores the EAL creates inherit the mask: signals come to the
	 * main lcore's loop only */
	if (alk_loop_block_signals())
		die("cannot block signals");
	rc = rte_eal_init(eal_argc, eal_argv);
	if (rc < 0)
		die("EAL: %s", rte_strerror(rte_errno));
	if (rc + 1 < eal_argc && !rte_eal_cleanup())
		alk_die(ALK_EXIT_USAGE,
			"unexpected EAL argument '%s'; try --help",
			eal_argv[rc + 1]);
	if (alk_opt.verbose)
		rte_log_set_global_level(RTE_LOG_DEBUG);
	/* dpdk-dumpcap (a secondary process) asks for the ports' frames */
	if (rte_pdump_init())
		alk_say("warning: packet capture (rte_pdump): %s; dpdk-dumpcap "
			"will not capture",
			rte_strerror(rte_errno));

	nworkers = rte_lcore_count() - 1;
	if (!nworkers)
		die("no worker lcore: the main lcore %u runs the control plane "
		    "and never touches packets; give at least two lcores (-l "
		    "0,1)",
		    rte_get_main_lcore());

	tc.sizes = alk_opt.sizes;
	tc.network_tbl8s = o.network_tbl8s;
	tc.max_readers = nworkers;
	tc.socket = (int)rte_socket_id();
	tables = alk_dpdk_tables_create(&tc);
	if (!tables)
		die("tables (%u endpoints): %s; more memory (-m) or smaller "
		    "tables",
		    tc.sizes.endpoints, rte_strerror(rte_errno));
	/* the long part of a start (a million endpoints: a second or
	 * more), done before the ports are taken */
	tables_load(tables, &cfg);

	nports = rte_eth_dev_count_avail();
	if (!nports)
		die("no ports: give PCI devices (-a) or virtual ones (--vdev), "
		    "or dpdk.ports in the configuration file");
	RTE_ETH_FOREACH_DEV (port)
		if (!rte_eth_dev_is_valid_port(tx_port(port)))
			die("--pair: port %u has no peer port %u", port,
			    tx_port(port));

	tables_fill(tables, &cfg);
	RTE_ETH_FOREACH_DEV (port)
		port_conf(&pc[port], port, &dcfg, nworkers);
	RTE_ETH_FOREACH_DEV (port) {
		int socket = rte_eth_dev_socket_id(port);
		unsigned int node = socket < 0 ? 0 : (unsigned int)socket;

		if (!pools[node]) {
			char name[RTE_MEMPOOL_NAMESIZE];

			snprintf(name, sizeof(name), "alk_mbufs_%u", node);
			pools[node] = alk_mbuf_pool(
				name,
				o.mbufs ? o.mbufs : mbufs_needed(pc, nworkers),
				alk_mbuf_data_room(o.mtu, o.mbuf_size), socket);
			if (!pools[node])
				die("mbuf pool on socket %d: %s", socket,
				    rte_strerror(rte_errno));
		}
		rc = alk_port_start(port, &pc[port], pools[node], err,
				    sizeof(err));
		if (rc < 0)
			die("%s", err);
		if (rc > 0)
			alk_say("warning: %s", err);
	}

	RTE_LCORE_FOREACH_WORKER (lcore) {
		workers[k] = alk_worker_create(lcore, tables, k, k, &quit);
		if (!workers[k])
			die("worker on lcore %u: out of memory", lcore);
		k++;
	}
	/* deal the RX queues to the workers in turn */
	k = 0;
	RTE_ETH_FOREACH_DEV (port) {
		for (uint16_t q = 0; q < pc[port].nb_rxq; q++, k++)
			if (alk_worker_add_rxq(workers[k % nworkers], port, q,
					       tx_port(port)))
				die("too many RX queues for lcore %u",
				    workers[k % nworkers]->lcore);
	}
	nrxq = k;
	if (k < nworkers)
		alk_say("warning: %u RX queues for %u workers: %u will idle "
			"(--queues)",
			k, nworkers, nworkers - k);
	if (alk_telemetry_init(tables, workers, nworkers))
		alk_say("warning: telemetry commands not registered");

	if (o.takeover) {
		takeover_stop();
		takeover_drain();
	}
	loop = alk_loop_create("stopping");
	if (!loop || alk_loop_timer(loop, 1000, on_tick, tables))
		die("control loop: %m");
	capture = alk_dpdk_capture_create(loop);
	if (!capture)
		die("capture: out of memory");
	for (unsigned int w = 0; w < nworkers; w++)
		workers[w]->capture = capture;
	/* forwarding first, the control socket after: a restart's gap
	 * does not wait for the socket */
	for (unsigned int w = 0; w < nworkers; w++)
		rte_eal_remote_launch(alk_worker_loop, workers[w],
				      workers[w]->lcore);
	/* the server's callbacks run on this lcore, between the loop's own,
	 * and write the tables while the workers go on */
	srv = alk_daemon_control_start_capture(loop, tables, &cfg,
					       alk_dpdk_capture_ops());
	if (!srv)
		exit(ALK_EXIT_FAIL);
	alk_dpdk_capture_serve(srv);
	/* /metrics on this lcore too: the workers never serve it */
	if (alk_daemon_metrics_start(
		    loop,
		    &(struct alk_metrics_source){ tables,
						  alk_ctl_server_counters(srv),
						  metrics_ports },
		    &metrics))
		exit(ALK_EXIT_FAIL);
	alk_say("%u port(s), %u RX queue(s), %u worker(s); control socket "
		"%s%s%s; serving",
		nports, nrxq, nworkers,
		alk_opt.socket ?: ALK_CTL_DEFAULT_SOCKET,
		cfg.state_file ? ", state file " : "", cfg.state_file ?: "");
	reload_start(loop, tables, &cfg, &dcfg, nports, nworkers);

	rc = alk_loop_run(loop);

	/* the workers first: a --takeover waits for the socket to close */
	__atomic_store_n(&quit, true, __ATOMIC_RELAXED);
	rte_eal_mp_wait_lcore();
	alk_metrics_stop(metrics);
	/* saves the state file if it is behind, removes the socket */
	alk_ctl_server_destroy(srv);
	RTE_ETH_FOREACH_DEV (port)
		alk_port_stop(port);
	alk_loop_free(loop);
	for (unsigned int w = 0; w < nworkers; w++)
		alk_worker_free(workers[w]);
	tables->ops->close(tables);
	rte_pdump_uninit();
	rte_eal_cleanup();
	alk_config_free(&cfg);
	alk_dpdk_config_free(&dcfg);
	return rc ? ALK_EXIT_FAIL : ALK_EXIT_OK;
}
