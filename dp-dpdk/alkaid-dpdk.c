/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * alkaid-dpdk: the gateway on DPDK.  The main lcore sets things up and
 * then runs the control plane (the control socket of ctl/server.h, the
 * state file); every other lcore is a worker that polls its RX queues and
 * never stops for the control plane.  The configuration file (config/)
 * is read before the EAL starts, since its dpdk section gives EAL options.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <syslog.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_pci.h>

#include "config/config.h"
#include "control.h"
#include "ctl/api.h"
#include "ctl/server.h"
#include "ports.h"
#include "tables/cmd.h"
#include "tables_dpdk.h"
#include "telemetry.h"
#include "worker.h"

static const char usage[] =
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
	"OPTIONS\n"
	"    -c, --config FILE\n"
	"        The configuration file (above).\n"
	"    -s, --socket PATH\n"
	"        The control socket, a Unix stream socket of mode 0660 (its\n"
	"        directory is made).  Default: the file's control.socket,\n"
	"        else " ALK_CTL_DEFAULT_SOCKET ".  A socket left by a dead\n"
	"        daemon is replaced; one a live daemon answers on is not.\n"
	"    --group NAME\n"
	"        Members of group NAME may use the socket too (it belongs to\n"
	"        the group); root and the daemon's own user always may.\n"
	"        Default: the file's control.group, else none.\n"
	"    --state FILE\n"
	"        Keep every table in FILE, in alkaidctl's batch-file grammar,\n"
	"        written atomically (a temporary file, fsync, rename) at most\n"
	"        a second after changes made through the socket, and at exit;\n"
	"        loaded at start when it exists, instead of the initial\n"
	"        tables.  Its directory is made when it is first written.\n"
	"        Default: the file's state-file, else none: the tables then\n"
	"        end with the process.\n"
	"    --gateway-ip ADDR\n"
	"        The gateway's underlay IPv4 address, to which hosts send\n"
	"        overlay frames.  Replaces the gateway of the state file\n"
	"        and of the configuration file, with --gateway-mac,\n"
	"        --geneve-port, --vxlan-port and underlay ARP on.  Without it\n"
	"        the gateway is theirs, or --batch's, or is set later with\n"
	"        'alkaidctl gateway set'; until then every frame is dropped.\n"
	"    --gateway-mac MAC\n"
	"        Source MAC of all the gateway sends, on every port.\n"
	"        Default: with --gateway-ip, each port's own MAC, whatever\n"
	"        MAC the gateway table holds; else the gateway table's MAC.\n"
	"        Unless each port sends with its own MAC, the ports go\n"
	"        promiscuous to receive the gateway's.\n"
	"    --geneve-port PORT, --vxlan-port PORT\n"
	"        UDP destination ports served (default 6081 and 4789); 0\n"
	"        turns that encapsulation off.  With --gateway-ip.\n"
	"    --batch FILE\n"
	"        Table commands applied before forwarding starts, one per\n"
	"        line in alkaidctl's words ('#' starts a comment):\n"
	"          gateway set ip A mac M [geneve-port P] [vxlan-port P]\n"
	"                      [underlay-arp on|off]\n"
	"          endpoint add vni N ip A mac M host A\n"
	"          network add vni N prefix A/L bouncers A[,A...]\n"
	"                      [router A] [dns A] [mtu N] [lease N]\n"
	"          vpc add vni N dividers A[,A...]\n"
	"          neighbor add ip A mac M\n"
	"        and the 'del' forms.  A bad line stops the daemon, naming\n"
	"        the line and what is wrong with it.\n"
	"    --endpoints N, --networks N, --vpcs N, --neighbors N\n"
	"        Table capacities (default: the file's table-sizes, else\n"
	"        1048576, 65536, 16384, 65536).  The DHCP index holds as many\n"
	"        entries as the endpoints.  16M endpoints take about 2 GB.\n"
	"    --network-tbl8s N\n"
	"        Second-level groups (1 KiB each) of each of the two network\n"
	"        LPMs (default: twice --networks).  Network adds beyond them\n"
	"        fail with 'No space left on device'.\n"
	"    --queues N\n"
	"        RX queues per port, spread by RSS on the outer IPv4 and UDP\n"
	"        headers (default: the file's queues of the port, else one\n"
	"        per worker), dealt to the workers in turn.  Each worker also\n"
	"        has one TX queue on every port.\n"
	"    --rxd N, --txd N\n"
	"        Descriptors per RX and TX queue (default: the file's rx-desc\n"
	"        and tx-desc of the port, else 1024).\n"
	"    --mbufs N\n"
	"        mbufs per NUMA socket (default: enough for all queues).\n"
	"        Devices that keep frames of their own, like net_pcap with\n"
	"        infinite_rx, need more.\n"
	"    --mtu N\n"
	"        Set the ports' MTU and size the mbufs for it (default: the\n"
	"        ports' own MTU, mbufs of 2 KiB).\n"
	"    --pair P:Q\n"
	"        Frames received on port P leave by port Q, and those from Q\n"
	"        by P (default: by the receiving port).  Repeatable.\n"
	"    -h, --help\n"
	"        This text.\n"
	"\n"
	"TELEMETRY\n"
	"    dpdk-telemetry.py -f PREFIX (the EAL --file-prefix; rte):\n"
	"      /alkaid/stats    packets by reason, over all workers\n"
	"      /alkaid/ports    rx, tx, missed, errors, drops per port\n"
	"      /alkaid/tables   count, capacity and memory per table\n"
	"\n"
	"SIGNALS\n"
	"    SIGINT, SIGTERM: close the control socket (writing the state\n"
	"    file if it is behind), stop the workers, close the ports and\n"
	"    exit 0.\n"
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

struct options {
	const char *gateway_ip;
	const char *gateway_mac;
	uint16_t geneve_port;
	uint16_t vxlan_port;
	const char *batch;
	struct alk_dpdk_table_config tables;
	unsigned int sizes_given; /* SIZE_* bits */
	uint16_t queues;	  /* 0: the file's, else one per worker */
	uint16_t rxd;		  /* 0: the file's, else 1024 */
	uint16_t txd;
	uint32_t mbufs;
	uint16_t mtu;
	uint16_t tx_port[RTE_MAX_ETHPORTS];
	const char *config; /* -c */
	const char *socket; /* NULL: the file's, else the default */
	const char *group;
	const char *state;
};

enum {
	SIZE_ENDPOINTS = 1,
	SIZE_NETWORKS = 2,
	SIZE_VPCS = 4,
	SIZE_NEIGHBORS = 8,
};

enum exit_code {
	EXIT_OK = 0,
	EXIT_FAIL = 1,
	EXIT_USAGE = 2,
};

#define DEFAULT_DESC 1024

enum {
	OPT_GATEWAY_IP = 256,
	OPT_GATEWAY_MAC,
	OPT_GENEVE_PORT,
	OPT_VXLAN_PORT,
	OPT_BATCH,
	OPT_ENDPOINTS,
	OPT_NETWORKS,
	OPT_VPCS,
	OPT_NEIGHBORS,
	OPT_TBL8S,
	OPT_QUEUES,
	OPT_RXD,
	OPT_TXD,
	OPT_MBUFS,
	OPT_MTU,
	OPT_PAIR,
	OPT_GROUP,
	OPT_STATE,
};

static const struct option longopts[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "socket", required_argument, NULL, 's' },
	{ "group", required_argument, NULL, OPT_GROUP },
	{ "state", required_argument, NULL, OPT_STATE },
	{ "gateway-ip", required_argument, NULL, OPT_GATEWAY_IP },
	{ "gateway-mac", required_argument, NULL, OPT_GATEWAY_MAC },
	{ "geneve-port", required_argument, NULL, OPT_GENEVE_PORT },
	{ "vxlan-port", required_argument, NULL, OPT_VXLAN_PORT },
	{ "batch", required_argument, NULL, OPT_BATCH },
	{ "endpoints", required_argument, NULL, OPT_ENDPOINTS },
	{ "networks", required_argument, NULL, OPT_NETWORKS },
	{ "vpcs", required_argument, NULL, OPT_VPCS },
	{ "neighbors", required_argument, NULL, OPT_NEIGHBORS },
	{ "network-tbl8s", required_argument, NULL, OPT_TBL8S },
	{ "queues", required_argument, NULL, OPT_QUEUES },
	{ "rxd", required_argument, NULL, OPT_RXD },
	{ "txd", required_argument, NULL, OPT_TXD },
	{ "mbufs", required_argument, NULL, OPT_MBUFS },
	{ "mtu", required_argument, NULL, OPT_MTU },
	{ "pair", required_argument, NULL, OPT_PAIR },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static void die_with(int code, const char *fmt, ...) __rte_format_printf(2, 3)
	__attribute__((noreturn));

static void die_with(int code, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "alkaid-dpdk: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(code);
}

#define die(...) die_with(EXIT_FAIL, __VA_ARGS__)
#define bad_usage(...) die_with(EXIT_USAGE, __VA_ARGS__)

static uint32_t number(const char *opt, const char *s, uint32_t min,
		       uint32_t max)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end || end == s || *s == '-' || v < min || v > max)
		bad_usage("--%s %s: a number from %u to %u is needed", opt, s,
			  min, max);
	return v;
}

static void parse_pair(struct options *o, const char *s)
{
	unsigned int p, q;
	char end;

	if (sscanf(s, "%u:%u%c", &p, &q, &end) != 2 || p >= RTE_MAX_ETHPORTS ||
	    q >= RTE_MAX_ETHPORTS)
		bad_usage("--pair %s: P:Q with two port numbers is needed", s);
	o->tx_port[p] = q;
	o->tx_port[q] = p;
}

/* The daemon's options: what follows the '--', with argv[0] before. */
static void parse_options(int argc, char **argv, struct options *o)
{
	int c;

	alk_table_sizes_default(&o->tables.sizes);
	o->geneve_port = ALK_GENEVE_PORT;
	o->vxlan_port = ALK_VXLAN_PORT;
	for (int p = 0; p < RTE_MAX_ETHPORTS; p++)
		o->tx_port[p] = p;

	optind = 1;
	while ((c = getopt_long(argc, argv, "hc:s:", longopts, NULL)) != -1) {
		const char *name = "";

		for (const struct option *l = longopts; l->name; l++)
			if (l->val == c)
				name = l->name;
		switch (c) {
		case 'c':
			o->config = optarg;
			break;
		case 's':
			if (!*optarg)
				bad_usage("--socket wants a path");
			o->socket = optarg;
			break;
		case OPT_GROUP:
			o->group = optarg;
			break;
		case OPT_STATE:
			if (!*optarg)
				bad_usage("--state wants a path");
			o->state = optarg;
			break;
		case OPT_GATEWAY_IP:
			o->gateway_ip = optarg;
			break;
		case OPT_GATEWAY_MAC:
			o->gateway_mac = optarg;
			break;
		case OPT_GENEVE_PORT:
			o->geneve_port = number(name, optarg, 0, 65535);
			break;
		case OPT_VXLAN_PORT:
			o->vxlan_port = number(name, optarg, 0, 65535);
			break;
		case OPT_BATCH:
			o->batch = optarg;
			break;
		case OPT_ENDPOINTS:
			o->tables.sizes.endpoints =
				number(name, optarg, 1, 1u << 30);
			o->sizes_given |= SIZE_ENDPOINTS;
			break;
		case OPT_NETWORKS:
			o->tables.sizes.networks =
				number(name, optarg, 1, 1u << 21);
			o->sizes_given |= SIZE_NETWORKS;
			break;
		case OPT_VPCS:
			o->tables.sizes.vpcs =
				number(name, optarg, 1, 1u << 24);
			o->sizes_given |= SIZE_VPCS;
			break;
		case OPT_NEIGHBORS:
			o->tables.sizes.neighbors =
				number(name, optarg, 1, 1u << 24);
			o->sizes_given |= SIZE_NEIGHBORS;
			break;
		case OPT_TBL8S:
			o->tables.network_tbl8s =
				number(name, optarg, 1, 1u << 24);
			break;
		case OPT_QUEUES:
			o->queues = number(name, optarg, 1, 1024);
			break;
		case OPT_RXD:
			o->rxd = number(name, optarg, 32, 32768);
			break;
		case OPT_TXD:
			o->txd = number(name, optarg, 32, 32768);
			break;
		case OPT_MBUFS:
			o->mbufs = number(name, optarg, 1024, 1u << 28);
			break;
		case OPT_MTU:
			o->mtu = number(name, optarg, 68, 9600);
			break;
		case OPT_PAIR:
			parse_pair(o, optarg);
			break;
		case 'h':
			fputs(usage, stdout);
			exit(EXIT_SUCCESS);
		default:
			bad_usage("try --help");
		}
	}
	if (optind < argc)
		bad_usage("unexpected argument '%s'; try --help", argv[optind]);
}

/* --help answers without starting the EAL (which wants hugepages). */
static void early_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help")) {
			fputs(usage, stdout);
			exit(EXIT_SUCCESS);
		}
	}
}

/* ---- the configuration file -------------------------------------------- */

/*
 * Load -c (refused with "file:line: setting: reason", exit 2), and take
 * from it what the command line did not give, but for what becomes EAL
 * arguments (eal_args()) and port settings (port_conf()).
 */
static void options_from_config(struct options *o, struct alk_config *cfg)
{
	struct alk_error err = { 0 };

	if (!o->config)
		alk_config_init(cfg);
	else if (alk_config_load(o->config, ALK_CONFIG_DPDK, cfg, &err))
		die_with(EXIT_USAGE, "%s", err.msg);
	if (!(o->sizes_given & SIZE_ENDPOINTS))
		o->tables.sizes.endpoints = cfg->sizes.endpoints;
	if (!(o->sizes_given & SIZE_NETWORKS))
		o->tables.sizes.networks = cfg->sizes.networks;
	if (!(o->sizes_given & SIZE_VPCS))
		o->tables.sizes.vpcs = cfg->sizes.vpcs;
	if (!(o->sizes_given & SIZE_NEIGHBORS))
		o->tables.sizes.neighbors = cfg->sizes.neighbors;
	if (!o->socket)
		o->socket = cfg->control.socket;
	if (!o->group)
		o->group = cfg->control.group;
	if (o->state && alk_config_set_state_file(cfg, o->state))
		die("--state %s: %s", o->state, strerror(errno));
}

/* EAL options on the command line, by what they choose. */
static const char *const lcore_options[] = { "-l", "-c", "--lcores",
					     "--main-lcore", NULL };
static const char *const device_options[] = { "-a",	 "-b",	   "--allow",
					      "--block", "--vdev", NULL };

/* Whether arg is one of names: "-l", "-l0-3", "--vdev", "--vdev=x". */
static bool is_option(const char *arg, const char *const *names)
{
	for (const char *const *n = names; *n; n++) {
		size_t len = strlen(*n);

		if (strncmp(arg, *n, len))
			continue;
		if ((*n)[1] != '-' || !arg[len] || arg[len] == '=')
			return true;
	}
	return false;
}

/* The part of a device string before its arguments. */
static void device_name(const char *device, char *name, size_t len)
{
	snprintf(name, len, "%.*s", (int)strcspn(device, ","), device);
}

static bool is_pci(const char *device)
{
	struct rte_pci_addr addr;
	char name[RTE_ETH_NAME_MAX_LEN];

	device_name(device, name, sizeof(name));
	return rte_pci_addr_parse(name, &addr) == 0;
}

static int lowest_non_worker(const struct alk_config *cfg)
{
	for (unsigned int id = 0;; id++) {
		unsigned int w = 0;

		while (w < cfg->dpdk.nworkers && cfg->dpdk.workers[w] != id)
			w++;
		if (w == cfg->dpdk.nworkers)
			return id;
	}
}

/*
 * The EAL's argument vector: the command line's EAL options (argv[1] to
 * argv[argc - 1]), preceded by what the dpdk section gives and the
 * command line does not (see CONFIGURATION FILE in the help).
 */
static char **eal_args(const struct alk_config *cfg, int argc, char **argv,
		       int *eal_argc)
{
	bool lcores = false, devices = false, others = false;
	char **v, list[4096];
	int n = 0, len = 0;

	for (int i = 1; i < argc; i++) {
		if (is_option(argv[i], lcore_options))
			lcores = true;
		else if (is_option(argv[i], device_options))
			devices = true;
		else if (argv[i][0] == '-')
			others = true;
	}
	v = calloc(argc + 4 + 2 * cfg->dpdk.nports + cfg->dpdk.neal_args + 1,
		   sizeof(*v));
	if (!v)
		die("out of memory");
	v[n++] = argv[0];
	if (cfg->dpdk.present && !lcores) {
		int main_lcore = cfg->dpdk.main_lcore >= 0 ?
					 cfg->dpdk.main_lcore :
					 lowest_non_worker(cfg);

		len = snprintf(list, sizeof(list), "%d", main_lcore);
		for (unsigned int w = 0; w < cfg->dpdk.nworkers; w++)
			len += snprintf(list + len, sizeof(list) - len, ",%u",
					cfg->dpdk.workers[w]);
		v[n++] = "-l";
		v[n++] = strdup(list);
		snprintf(list, sizeof(list), "%d", main_lcore);
		v[n++] = "--main-lcore";
		v[n++] = strdup(list);
		if (!v[n - 1] || !v[n - 3])
			die("out of memory");
	}
	for (unsigned int p = 0;
	     cfg->dpdk.present && !devices && p < cfg->dpdk.nports; p++) {
		v[n++] = is_pci(cfg->dpdk.ports[p].device) ? "-a" : "--vdev";
		v[n++] = cfg->dpdk.ports[p].device;
	}
	for (unsigned int i = 0;
	     cfg->dpdk.present && !others && i < cfg->dpdk.neal_args; i++)
		v[n++] = cfg->dpdk.eal_args[i];
	for (int i = 1; i < argc; i++)
		v[n++] = argv[i];
	*eal_argc = n;
	return v;
}

/* The dpdk section's settings of the port, if it names its device. */
static const struct alk_config_port *config_port(const struct alk_config *cfg,
						 uint16_t port)
{
	char want[RTE_ETH_NAME_MAX_LEN], name[RTE_ETH_NAME_MAX_LEN];

	if (rte_eth_dev_get_name_by_port(port, name))
		return NULL;
	for (unsigned int p = 0; p < cfg->dpdk.nports; p++) {
		const char *device = cfg->dpdk.ports[p].device;
		struct rte_pci_addr addr;

		device_name(device, want, sizeof(want));
		/* "03:00.0" is the port "0000:03:00.0" */
		if (!rte_pci_addr_parse(want, &addr))
			rte_pci_device_name(&addr, want, sizeof(want));
		if (!strcmp(want, name))
			return &cfg->dpdk.ports[p];
	}
	return NULL;
}

/* ---- the tables and the gateway ---------------------------------------- */

static void gateway_init(struct alk_tables *t, const struct options *o)
{
	struct alk_gateway gw = {
		.geneve_port = htons(o->geneve_port),
		.vxlan_port = htons(o->vxlan_port),
		/* no kernel behind the port: ARP for us is ours to answer */
		.flags = ALK_GW_F_UNDERLAY_ARP,
	};
	struct alk_error err = { 0 };
	struct rte_ether_addr mac;
	uint16_t port;

	if (alk_parse_ipv4(o->gateway_ip, &gw.ip))
		bad_usage("--gateway-ip %s: not an IPv4 address",
			  o->gateway_ip);
	if (o->gateway_mac) {
		if (alk_parse_mac(o->gateway_mac, gw.mac))
			bad_usage("--gateway-mac %s: not a MAC address "
				  "(aa:bb:cc:dd:ee:ff)",
				  o->gateway_mac);
	} else {
		RTE_ETH_FOREACH_DEV(port)
		{
			if (rte_eth_macaddr_get(port, &mac))
				die("port %u: no MAC address", port);
			alk_dpdk_tables_port_mac(t, port, &mac);
		}
		/* the table keeps one MAC; each port sends with its own */
		rte_eth_macaddr_get(rte_eth_find_next(0), &mac);
		memcpy(gw.mac, mac.addr_bytes, 6);
	}
	if (alk_gateway_set(t, &gw, &err))
		die("gateway: %s", err.msg);
}

/* The state file or the initial tables, the file's gateway, then the
 * command line's gateway and batch. */
static void tables_fill(struct alk_tables *t, const struct alk_config *cfg,
			const struct options *o)
{
	struct alk_error err = { 0 };
	struct alk_gateway gw;

	if (cfg->state_file && !access(cfg->state_file, F_OK))
		RTE_LOG(INFO, USER1, "loading the state file %s\n",
			cfg->state_file);
	else if (cfg->initial.entries || cfg->initial_file)
		RTE_LOG(INFO, USER1, "applying the initial tables of %s\n",
			cfg->path);
	if (alk_config_apply(cfg, t, &err))
		die("%s", err.msg);
	if (o->gateway_ip)
		gateway_init(t, o);
	if (o->batch) {
		if (alk_cmdfile_load(t, o->batch, &err))
			die("%s", err.msg);
		RTE_LOG(INFO, USER1, "%s: applied\n", o->batch);
	}
	if (t->ops->gateway_get(t, &gw) || !gw.ip)
		RTE_LOG(WARNING, USER1,
			"no gateway yet: every frame is dropped until one is "
			"set (--gateway-ip, gateway in the configuration "
			"file, or alkaidctl gateway set)\n");
	if (!cfg->state_file)
		RTE_LOG(WARNING, USER1,
			"no state file (--state, or state-file in the "
			"configuration file): the tables end with the "
			"process\n");
}

/* ---- the control socket ------------------------------------------------ */

static bool control_failed;

static void control_log(int prio, const char *msg)
{
	if (prio <= LOG_ERR)
		RTE_LOG(ERR, USER1, "control socket: %s\n", msg);
	else if (prio == LOG_WARNING)
		RTE_LOG(WARNING, USER1, "control socket: %s\n", msg);
	else
		RTE_LOG(INFO, USER1, "control socket: %s\n", msg);
}

/* On the main lcore, between the loop's other callbacks; the workers
 * never stop for what it writes. */
static void on_control_socket(struct alk_control *ctl, int fd, uint32_t events,
			      void *arg)
{
	int rc = alk_ctl_server_process(arg);

	if (rc) {
		RTE_LOG(ERR, USER1, "control socket: %s; stopping\n",
			strerror(-rc));
		control_failed = true;
		alk_control_stop(ctl);
	}
}

/* ---- start-up ---------------------------------------------------------- */

/* Enough mbufs for every descriptor and every worker's bursts in flight. */
static uint32_t mbufs_needed(const struct alk_port_conf *pc,
			     unsigned int nworkers)
{
	uint32_t n = nworkers * ALK_BURST * 2 + rte_lcore_count() * 256 + 1024;
	uint16_t port;

	RTE_ETH_FOREACH_DEV(port)
	n += pc[port].nb_rxq * pc[port].nb_rxd +
	     nworkers * (pc[port].nb_txd + ALK_BURST);
	return RTE_MAX(n, 8191u);
}

/* Queues and rings of a port: the command line's, else the file's. */
static void port_conf(struct alk_port_conf *pc, uint16_t port,
		      const struct options *o, const struct alk_config *cfg,
		      unsigned int nworkers)
{
	const struct alk_config_port *cp = config_port(cfg, port);

	pc->nb_rxq = o->queues	      ? o->queues :
		     cp && cp->queues ? cp->queues :
					nworkers;
	pc->nb_txq = nworkers;
	pc->nb_rxd = o->rxd	       ? o->rxd :
		     cp && cp->rx_desc ? cp->rx_desc :
					 DEFAULT_DESC;
	pc->nb_txd = o->txd	       ? o->txd :
		     cp && cp->tx_desc ? cp->tx_desc :
					 DEFAULT_DESC;
	pc->mtu = o->mtu;
	/* each port sends with its own MAC only with --gateway-ip alone;
	 * else the gateway's MAC (any the control socket sets) must come
	 * in on every port */
	pc->promisc = !(o->gateway_ip && !o->gateway_mac);
}

int main(int argc, char **argv)
{
	static bool quit;
	struct alk_worker *workers[RTE_MAX_LCORE] = { 0 };
	struct rte_mempool *pools[RTE_MAX_NUMA_NODES] = { 0 };
	static struct alk_port_conf pc[RTE_MAX_ETHPORTS];
	struct alk_ctl_options copt = { .log = control_log };
	struct options o = { 0 };
	struct alk_config cfg;
	struct alk_error aerr = { 0 };
	struct alk_ctl_server *srv;
	struct alk_control *ctl;
	struct alk_tables *tables;
	unsigned int nworkers, lcore, k = 0, nrxq = 0;
	uint16_t nports, port;
	char err[256], **eal_argv;
	int rc, sep, eal_argc;

	early_help(argc, argv);
	/* EAL options up to the '--', the daemon's after it; the daemon's
	 * are read first, since the file they name gives EAL options */
	for (sep = 1; sep < argc && strcmp(argv[sep], "--"); sep++) {
		if (!strcmp(argv[sep], "--config") ||
		    !strcmp(argv[sep], "--socket") ||
		    !strcmp(argv[sep], "--state") ||
		    !strcmp(argv[sep], "--group") ||
		    (!strcmp(argv[sep], "-c") && sep + 1 < argc &&
		     !access(argv[sep + 1], F_OK)))
			bad_usage("%s: the daemon's options go after '--' "
				  "(before it, the EAL's: -c is its core "
				  "mask); try --help",
				  argv[sep]);
	}
	if (sep < argc) {
		argv[sep] = argv[0];
		parse_options(argc - sep, argv + sep, &o);
	} else {
		parse_options(1, argv, &o);
	}
	options_from_config(&o, &cfg);
	eal_argv = eal_args(&cfg, sep, argv, &eal_argc);

	if (alk_control_block_signals())
		die("cannot block signals");
	rc = rte_eal_init(eal_argc, eal_argv);
	if (rc < 0)
		die("EAL: %s", rte_strerror(rte_errno));
	if (rc + 1 < eal_argc && !rte_eal_cleanup())
		bad_usage("unexpected EAL argument '%s'; try --help",
			  eal_argv[rc + 1]);

	nworkers = rte_lcore_count() - 1;
	if (!nworkers)
		die("no worker lcore: the main lcore %u runs the control plane "
		    "and never touches packets; give at least two lcores (-l "
		    "0,1)",
		    rte_get_main_lcore());
	nports = rte_eth_dev_count_avail();
	if (!nports)
		die("no ports: give PCI devices (-a) or virtual ones (--vdev), "
		    "or dpdk.ports in the configuration file");
	RTE_ETH_FOREACH_DEV(port)
	if (!rte_eth_dev_is_valid_port(o.tx_port[port]))
		die("--pair: port %u has no peer port %u", port,
		    o.tx_port[port]);

	o.tables.max_readers = nworkers;
	o.tables.socket = (int)rte_socket_id();
	tables = alk_dpdk_tables_create(&o.tables);
	if (!tables)
		die("tables (%u endpoints): %s; more memory (-m) or smaller "
		    "tables",
		    o.tables.sizes.endpoints, rte_strerror(rte_errno));
	tables_fill(tables, &cfg, &o);

	RTE_ETH_FOREACH_DEV(port)
	port_conf(&pc[port], port, &o, &cfg, nworkers);
	RTE_ETH_FOREACH_DEV(port)
	{
		int socket = rte_eth_dev_socket_id(port);
		unsigned int node = socket < 0 ? 0 : (unsigned int)socket;

		if (!pools[node]) {
			char name[RTE_MEMPOOL_NAMESIZE];

			snprintf(name, sizeof(name), "alk_mbufs_%u", node);
			pools[node] = alk_mbuf_pool(
				name,
				o.mbufs ? o.mbufs : mbufs_needed(pc, nworkers),
				alk_mbuf_data_room(o.mtu), socket);
			if (!pools[node])
				die("mbuf pool on socket %d: %s", socket,
				    rte_strerror(rte_errno));
		}
		if (alk_port_start(port, &pc[port], pools[node], err,
				   sizeof(err)))
			die("%s", err);
	}

	RTE_LCORE_FOREACH_WORKER(lcore)
	{
		workers[k] = alk_worker_create(lcore, tables, k, k, &quit);
		if (!workers[k])
			die("worker on lcore %u: out of memory", lcore);
		k++;
	}
	/* deal the RX queues to the workers in turn */
	k = 0;
	RTE_ETH_FOREACH_DEV(port)
	{
		for (uint16_t q = 0; q < pc[port].nb_rxq; q++, k++)
			if (alk_worker_add_rxq(workers[k % nworkers], port, q,
					       o.tx_port[port]))
				die("too many RX queues for lcore %u",
				    workers[k % nworkers]->lcore);
	}
	nrxq = k;
	if (k < nworkers)
		RTE_LOG(WARNING, USER1,
			"%u RX queues for %u workers: %u will idle "
			"(--queues)\n",
			k, nworkers, nworkers - k);
	if (alk_telemetry_init(tables, workers, nworkers))
		RTE_LOG(WARNING, USER1, "telemetry commands not registered\n");

	ctl = alk_control_create(tables);
	if (!ctl)
		die("control loop: %s", strerror(errno));
	/* the server's callbacks run on this lcore, between the loop's own,
	 * and write the tables while the workers go on */
	copt.state_file = cfg.state_file;
	srv = alk_ctl_server_create(o.socket, o.group, tables, &copt, &aerr);
	if (!srv)
		die("control socket: %s", aerr.msg);
	rc = alk_control_watch(ctl, alk_ctl_server_fd(srv), EPOLLIN,
			       on_control_socket, srv);
	if (rc)
		die("control socket: %s", strerror(-rc));

	for (unsigned int w = 0; w < nworkers; w++)
		rte_eal_remote_launch(alk_worker_loop, workers[w],
				      workers[w]->lcore);
	printf("alkaid-dpdk: %u port(s), %u RX queue(s), %u worker(s); "
	       "control socket %s%s%s; serving\n",
	       nports, nrxq, nworkers,
	       o.socket ? o.socket : ALK_CTL_DEFAULT_SOCKET,
	       cfg.state_file ? ", state file " : "",
	       cfg.state_file ? cfg.state_file : "");
	fflush(stdout);

	rc = alk_control_run(ctl);

	/* saves the state file if it is behind, removes the socket */
	alk_ctl_server_destroy(srv);
	__atomic_store_n(&quit, true, __ATOMIC_RELAXED);
	rte_eal_mp_wait_lcore();
	RTE_ETH_FOREACH_DEV(port)
	alk_port_stop(port);
	alk_control_free(ctl);
	for (unsigned int w = 0; w < nworkers; w++)
		alk_worker_free(workers[w]);
	tables->ops->close(tables);
	rte_eal_cleanup();
	alk_config_free(&cfg);
	return rc || control_failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
