/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * alkaid-dpdk: the gateway on DPDK.  The main lcore sets things up and
 * then runs the control plane; every other lcore is a worker that polls
 * its RX queues and never stops for the control plane.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_log.h>

#include "batch.h"
#include "control.h"
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
	"    (tests): --no-huge --no-shconf -m 1024.\n"
	"\n"
	"OPTIONS\n"
	"    --gateway-ip ADDR\n"
	"        The gateway's underlay IPv4 address, to which hosts send\n"
	"        overlay frames.  Required unless --batch sets the gateway.\n"
	"    --gateway-mac MAC\n"
	"        Source MAC of all the gateway sends, on every port; ports\n"
	"        go promiscuous to receive it.  Default: each port's own.\n"
	"    --geneve-port PORT, --vxlan-port PORT\n"
	"        UDP destination ports served (default 6081 and 4789); 0\n"
	"        turns that encapsulation off.\n"
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
	"        Table capacities (default 1048576, 65536, 16384, 65536).\n"
	"        The DHCP index holds as many entries as the endpoints.\n"
	"        16M endpoints take about 2 GB.\n"
	"    --network-tbl8s N\n"
	"        Second-level groups (1 KiB each) of each of the two network\n"
	"        LPMs (default: twice --networks).  Network adds beyond them\n"
	"        fail with 'No space left on device'.\n"
	"    --queues N\n"
	"        RX queues per port, spread by RSS on the outer IPv4 and UDP\n"
	"        headers (default: one per worker), dealt to the workers in\n"
	"        turn.  Each worker also has one TX queue on every port.\n"
	"    --rxd N, --txd N\n"
	"        Descriptors per RX and TX queue (default 1024).\n"
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
	"    SIGINT, SIGTERM: stop the workers, close the ports, exit 0.\n"
	"\n"
	"EXAMPLE\n"
	"    alkaid-dpdk -l 0-2 -a 0000:3b:00.0 -- \\\n"
	"        --gateway-ip 198.51.100.1 --batch /etc/alkaid/tables.batch\n";

struct options {
	const char *gateway_ip;
	const char *gateway_mac;
	uint16_t geneve_port;
	uint16_t vxlan_port;
	const char *batch;
	struct alk_dpdk_table_config tables;
	uint16_t queues;
	uint16_t rxd;
	uint16_t txd;
	uint32_t mbufs;
	uint16_t mtu;
	uint16_t tx_port[RTE_MAX_ETHPORTS];
};

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
};

static const struct option longopts[] = {
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

static void die(const char *fmt, ...) __rte_format_printf(1, 2)
	__attribute__((noreturn));

static void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "alkaid-dpdk: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(EXIT_FAILURE);
}

static uint32_t number(const char *opt, const char *s, uint32_t min,
		       uint32_t max)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end || end == s || *s == '-' || v < min || v > max)
		die("--%s %s: a number from %u to %u is needed", opt, s, min,
		    max);
	return v;
}

static void parse_pair(struct options *o, const char *s)
{
	unsigned int p, q;
	char end;

	if (sscanf(s, "%u:%u%c", &p, &q, &end) != 2 || p >= RTE_MAX_ETHPORTS ||
	    q >= RTE_MAX_ETHPORTS)
		die("--pair %s: P:Q with two port numbers is needed", s);
	o->tx_port[p] = q;
	o->tx_port[q] = p;
}

static void parse_options(int argc, char **argv, struct options *o)
{
	int c;

	alk_table_sizes_default(&o->tables.sizes);
	o->geneve_port = ALK_GENEVE_PORT;
	o->vxlan_port = ALK_VXLAN_PORT;
	o->rxd = 1024;
	o->txd = 1024;
	for (int p = 0; p < RTE_MAX_ETHPORTS; p++)
		o->tx_port[p] = p;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		const char *name = "";

		for (const struct option *l = longopts; l->name; l++)
			if (l->val == c)
				name = l->name;
		switch (c) {
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
			break;
		case OPT_NETWORKS:
			o->tables.sizes.networks =
				number(name, optarg, 1, 1u << 21);
			break;
		case OPT_VPCS:
			o->tables.sizes.vpcs =
				number(name, optarg, 1, 1u << 24);
			break;
		case OPT_NEIGHBORS:
			o->tables.sizes.neighbors =
				number(name, optarg, 1, 1u << 24);
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
			die("try --help");
		}
	}
	if (optind < argc)
		die("unexpected argument '%s'; try --help", argv[optind]);
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
		die("--gateway-ip %s: not an IPv4 address", o->gateway_ip);
	if (o->gateway_mac) {
		if (alk_parse_mac(o->gateway_mac, gw.mac))
			die("--gateway-mac %s: not a MAC address "
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

/* Enough mbufs for every descriptor and every worker's bursts in flight. */
static uint32_t mbufs_needed(const struct options *o, uint16_t nports,
			     uint16_t nrxq, unsigned int nworkers)
{
	uint32_t n = nports * (nrxq * o->rxd + nworkers * o->txd) +
		     nworkers * ALK_BURST * (nports + 2) +
		     rte_lcore_count() * 256 + 1024;

	return RTE_MAX(n, 8191u);
}

int main(int argc, char **argv)
{
	static bool quit;
	struct alk_worker *workers[RTE_MAX_LCORE] = { 0 };
	struct rte_mempool *pools[RTE_MAX_NUMA_NODES] = { 0 };
	struct alk_port_conf pc = { 0 };
	struct options o = { 0 };
	struct alk_control *ctl;
	struct alk_tables *tables;
	unsigned int nworkers, lcore, k = 0;
	uint16_t nports, port;
	char err[256];
	int rc;

	early_help(argc, argv);
	if (alk_control_block_signals())
		die("cannot block signals");
	rc = rte_eal_init(argc, argv);
	if (rc < 0)
		die("EAL: %s", rte_strerror(rte_errno));
	argv[rc] = argv[0];
	parse_options(argc - rc, argv + rc, &o);

	nworkers = rte_lcore_count() - 1;
	if (!nworkers)
		die("no worker lcore: the main lcore %u runs the control plane "
		    "and never touches packets; give at least two lcores (-l "
		    "0,1)",
		    rte_get_main_lcore());
	nports = rte_eth_dev_count_avail();
	if (!nports)
		die("no ports: give PCI devices (-a) or virtual ones (--vdev)");
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
	if (o.gateway_ip)
		gateway_init(tables, &o);
	if (o.batch) {
		long n = alk_batch_apply(tables, o.batch, err, sizeof(err));

		if (n < 0)
			die("%s", err);
		RTE_LOG(INFO, USER1, "%s: %ld table commands applied\n",
			o.batch, n);
	}
	{
		struct alk_gateway gw;

		if (tables->ops->gateway_get(tables, &gw))
			die("no gateway: give --gateway-ip, or 'gateway set' "
			    "in --batch");
	}

	pc.nb_rxq = o.queues ? o.queues : nworkers;
	pc.nb_txq = nworkers;
	pc.nb_rxd = o.rxd;
	pc.nb_txd = o.txd;
	pc.mtu = o.mtu;
	pc.promisc = o.gateway_mac != NULL;
	RTE_ETH_FOREACH_DEV(port)
	{
		int socket = rte_eth_dev_socket_id(port);
		unsigned int node = socket < 0 ? 0 : (unsigned int)socket;

		if (!pools[node]) {
			char name[RTE_MEMPOOL_NAMESIZE];

			snprintf(name, sizeof(name), "alk_mbufs_%u", node);
			pools[node] = alk_mbuf_pool(
				name,
				o.mbufs ? o.mbufs :
					  mbufs_needed(&o, nports, pc.nb_rxq,
						       nworkers),
				alk_mbuf_data_room(o.mtu), socket);
			if (!pools[node])
				die("mbuf pool on socket %d: %s", socket,
				    rte_strerror(rte_errno));
		}
		if (alk_port_start(port, &pc, pools[node], err, sizeof(err)))
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
		for (uint16_t q = 0; q < pc.nb_rxq; q++, k++)
			if (alk_worker_add_rxq(workers[k % nworkers], port, q,
					       o.tx_port[port]))
				die("too many RX queues for lcore %u",
				    workers[k % nworkers]->lcore);
	}
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
	/*
	 * The control socket (ctl/server.h) plugs in here; it needs only the
	 * tables, and its callbacks run on this lcore between the loop's own
	 * and may write the tables at any time (the workers do not stop):
	 *
	 *   srv = alk_ctl_server_create(path, group, tables, &opt, &err);
	 *   alk_control_watch(ctl, alk_ctl_server_fd(srv), EPOLLIN,
	 *                     on_ctl, srv);  on_ctl: alk_ctl_server_process()
	 *   ... and alk_ctl_server_destroy(srv) after alk_control_run().
	 */

	for (unsigned int w = 0; w < nworkers; w++)
		rte_eal_remote_launch(alk_worker_loop, workers[w],
				      workers[w]->lcore);
	printf("alkaid-dpdk: %u port(s), %u RX queue(s) each, %u worker(s); "
	       "serving\n",
	       nports, pc.nb_rxq, nworkers);
	fflush(stdout);

	rc = alk_control_run(ctl);

	__atomic_store_n(&quit, true, __ATOMIC_RELAXED);
	rte_eal_mp_wait_lcore();
	RTE_ETH_FOREACH_DEV(port)
	alk_port_stop(port);
	alk_control_free(ctl);
	for (unsigned int w = 0; w < nworkers; w++)
		alk_worker_free(workers[w]);
	tables->ops->close(tables);
	rte_eal_cleanup();
	return rc ? EXIT_FAILURE : EXIT_SUCCESS;
}
