/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * alkaid-xdp: loads the alkaid XDP program on interfaces, owns its tables
 * (BPF maps pinned under <pins>/<ifname>/, <pins> being <bpffs>/alkaid or
 * the configuration's xdp.pin-path) and stays in the foreground to serve
 * them on the control socket (ctl/server.h).
 *
 * Restarts never stop the data plane: the maps are pinned, so a new
 * daemon finds the tables as the old one left them, and the new program
 * takes the place of the old one in one step.  Through the libxdp
 * dispatcher that step is libxdp's (add the new program, then remove the
 * old one, each an atomic dispatcher swap); where the kernel cannot run the
 * dispatcher (it needs freplace programs, which some kernels forbid), libxdp
 * attaches the program directly and alkaid swaps it with the kernel's
 * XDP_FLAGS_REPLACE.  Stopping the daemon leaves the program attached.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <net/if.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/un.h>
#include <unistd.h>

#include <linux/ethtool.h>
#include <linux/if_link.h>
#include <linux/magic.h>
#include <linux/sockios.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>

#include "config/config.h"
#include "ctl/api.h"
#include "ctl/server.h"
#include "tables/cmd.h"
#include "tables_bpf.h"

#ifndef ALK_BPF_OBJECT_DEFAULT
#define ALK_BPF_OBJECT_DEFAULT "/usr/local/lib/alkaid/alkaid.bpf.o"
#endif
#ifndef ALK_VERSION
#define ALK_VERSION "unknown"
#endif

#define MAX_IFACES 32

enum exit_code {
	EXIT_OK = 0,
	EXIT_FAIL = 1,
	EXIT_USAGE = 2,
	EXIT_TABLES = 3, /* pinned tables differ from what was asked */
};

/* Bits of options.sizes_given: which sizes the command line gave. */
enum {
	SIZE_ENDPOINTS = 1,
	SIZE_NETWORKS = 2,
	SIZE_VPCS = 4,
	SIZE_NEIGHBORS = 8,
};

struct options {
	const char *ifnames[MAX_IFACES];
	int nifaces;
	enum xdp_attach_mode mode;
	int mode_given;
	const char *bpf_object;
	const char *bpffs;
	int bpffs_given;
	struct alk_table_sizes sizes;
	unsigned int sizes_given;
	int have_gw_ip, have_gw_mac;
	__be32 gw_ip;
	__u8 gw_mac[6];
	const char *config; /* -c */
	const char *socket; /* NULL: the file's, else the default */
	const char *group;
	const char *state;
	int detach;
	int verbose;
};

struct iface {
	const char *name;
	int ifindex;
	__u8 mac[6];
	char pin_dir[PATH_MAX];
	int lock_fd; /* held while this daemon serves the interface */
	int fresh;   /* no tables were pinned: this start created them */
	struct bpf_object *obj;
	struct xdp_program *xdp; /* when libxdp attached it */
	struct alk_tables *tables;
};

struct daemon;

/* One file descriptor the main loop waits on. */
struct loop_source {
	int fd;
	/* 0: go on; 1: leave the loop; < 0: leave it on an error */
	int (*ready)(struct daemon *d, struct loop_source *src,
		     uint32_t events);
};

struct daemon {
	struct options opt;
	struct alk_config cfg; /* the file's, or the defaults */
	char pins[PATH_MAX];   /* holds one directory of pins per interface */
	char bpffs[PATH_MAX];  /* the parent of xdp.pin-path */
	char object_path[PATH_MAX];
	struct iface ifaces[MAX_IFACES];
	int nifaces;
	/* the interfaces' tables as one: what the control socket programs */
	struct alk_tables *tables;
	struct alk_ctl_server *srv;
	int epfd;
	struct loop_source signals;
	struct loop_source control;
};

static const char *prog_name = "alkaid-xdp";

static void say(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

#define fail(...) say("error: " __VA_ARGS__)

static const char *mode_name(enum xdp_attach_mode mode)
{
	switch (mode) {
	case XDP_MODE_NATIVE:
		return "native";
	case XDP_MODE_SKB:
		return "generic";
	case XDP_MODE_HW:
		return "offload";
	default:
		return "unspecified";
	}
}

static __u32 mode_flags(enum xdp_attach_mode mode)
{
	return mode == XDP_MODE_SKB ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE;
}

/* Offloading drivers (nfp) run hash and array maps only, and few helpers. */
#define HW_REFUSED                                                             \
	"XDP offload (hw) is not supported: alkaid's program needs an LPM "    \
	"trie, a per-CPU array and bpf_xdp_adjust_tail, which no offloading "  \
	"driver can run; use native, or skb (generic)"

/* The help is a page of text, laid out as it prints. */
/* clang-format off */
static void usage(FILE *out)
{
	fprintf(out,
"NAME\n"
"    alkaid-xdp - the alkaid overlay gateway on XDP\n"
"\n"
"SYNOPSIS\n"
"    alkaid-xdp [OPTIONS] -i IFNAME [-i IFNAME]...\n"
"    alkaid-xdp [OPTIONS] -c FILE\n"
"    alkaid-xdp --detach [--bpffs DIR] -i IFNAME [-i IFNAME]...\n"
"    alkaid-xdp --detach -c FILE\n"
"\n"
"DESCRIPTION\n"
"    Loads the alkaid XDP program on each interface: it answers ARP and\n"
"    DHCP for tenant endpoints and bounces or divides their Geneve (RFC 8926)\n"
"    and VXLAN (RFC 7348) frames towards the hosts where they live, sending\n"
"    them back out of the interface they came in on (XDP_TX).  Frames that\n"
"    are not overlay traffic for the gateway go to the kernel (XDP_PASS).\n"
"\n"
"    Each interface has its own tables (gateway, endpoints, networks, VPCs,\n"
"    neighbors, the DHCP index and per-reason counters), BPF maps pinned in\n"
"    PINS/IFNAME/, where PINS is DIR/alkaid for the bpffs DIR of --bpffs, or\n"
"    the xdp.pin-path of the configuration file.  The daemon stays in the\n"
"    foreground to serve them on its control socket.\n"
"\n"
"    The control socket (-s) is how the tables are programmed while the\n"
"    daemon runs: alkaidctl -s SOCKET speaks to it (JSON-RPC 2.0, one\n"
"    request per line; see alkaidctl --help).  With several interfaces it\n"
"    programs them as one gateway: every change goes to each interface's\n"
"    tables, reads come from the first interface, counters are summed.  An\n"
"    interface whose tables are created by this start gets a copy of those\n"
"    of the first interface that already had tables pinned.\n"
"\n"
"    Started again on an interface it already serves, alkaid-xdp reuses the\n"
"    pinned tables, so their entries survive, and replaces the running\n"
"    program atomically: no frame is dropped or passed to the kernel\n"
"    because of a restart.  Stopped by SIGTERM or SIGINT it exits and\n"
"    leaves the program attached; the data plane keeps forwarding with the\n"
"    tables as they are.  --detach removes the program and the tables.\n"
"    One daemon serves an interface at a time: a second one is refused.\n"
"\n"
"    The program is attached through libxdp, which shares the interface\n"
"    with other XDP programs through its dispatcher.  Kernels that do not\n"
"    allow the dispatcher's freplace programs get the program attached\n"
"    directly; alkaid then owns the interface's XDP hook and swaps its own\n"
"    program with XDP_FLAGS_REPLACE.\n"
"\n"
"CONFIGURATION FILE\n"
"    -c FILE gives the start-up configuration in libconfig syntax (see\n"
"    alkaid-xdp.conf, installed with alkaid, and config/README.md): the\n"
"    interfaces, the mode and xdp.pin-path (its xdp section, required),\n"
"    table sizes, the control socket and its group, the gateway, a state\n"
"    file and initial tables.  Options given on the command line win over\n"
"    the file.  A file with an error is refused before any interface is\n"
"    touched, with FILE:LINE: SETTING: REASON, and exit status 2.\n"
"\n"
"    The tables are filled from the file only when this start creates\n"
"    them (no tables were pinned for any interface): from the state file\n"
"    when it exists, else from initial-tables and initial-file.  On a\n"
"    restart the pinned tables already hold the live state and are left\n"
"    as they are.  The file's gateway is written at every start, and\n"
"    --gateway-ip after it.\n"
"\n"
"OPTIONS\n"
"    -i, --interface IFNAME\n"
"        Serve IFNAME.  Repeat for more interfaces (up to %d).  Required\n"
"        unless the configuration file lists xdp.interfaces; given here,\n"
"        they replace the file's.\n"
"\n"
"    -c, --config FILE\n"
"        Read the start-up configuration from FILE (see CONFIGURATION\n"
"        FILE above).\n"
"\n"
"    -m, --mode native|generic\n"
"        XDP mode.  native (default) runs in the driver, before the\n"
"        kernel allocates a socket buffer; generic (or skb) runs on every\n"
"        driver, after it, and is much slower.  Default: the file's\n"
"        xdp.mode, else native.  A restart must use the mode the running\n"
"        program has.  hw (offload to the NIC, xdp.mode = \"hw\") is\n"
"        refused: the program needs an LPM trie, a per-CPU array and\n"
"        bpf_xdp_adjust_tail, which no offloading driver can run.\n"
"\n"
"    -o, --bpf-object PATH\n"
"        The compiled XDP program.  Default: alkaid.bpf.o beside the\n"
"        alkaid-xdp binary when there is one (a build tree), else\n"
"        %s.\n"
"\n"
"    --bpffs DIR\n"
"        Where bpffs is, or is to be mounted if it is not there yet.\n"
"        The tables are pinned in DIR/alkaid/IFNAME/, libxdp keeps its\n"
"        state in DIR/xdp/.  Default: the parent of the file's\n"
"        xdp.pin-path, the tables then being pinned in\n"
"        PIN-PATH/IFNAME/ (pin-path = \"/sys/fs/bpf/alkaid\" is the\n"
"        default layout); else %s.  Given here, it wins over the file's\n"
"        xdp.pin-path.\n"
"\n"
"    --endpoints N\n"
"        Capacity of the endpoint table and of the DHCP index (one entry\n"
"        per endpoint).  Default %u.  Both are preallocated hash maps of\n"
"        about 90 bytes per entry each: 16M endpoints take 2.9 GB.\n"
"\n"
"    --networks N\n"
"        Capacity of the networks table (an LPM trie, allocated as\n"
"        entries are added).  Default %u.\n"
"\n"
"    --vpcs N\n"
"        Capacity of the VPC table.  Default %u.\n"
"\n"
"    --neighbors N\n"
"        Capacity of the neighbor table (underlay IP to MAC).  Default %u.\n"
"\n"
"        The defaults are the file's table-sizes when it gives them.\n"
"        Sizes are fixed when the tables are first created.  A restart\n"
"        must ask for the same ones (or leave the options out to get the\n"
"        defaults); to change them, --detach first, which empties the\n"
"        tables.  N may end in K (x1024) or M (x1048576).\n"
"\n"
"    --gateway-ip A\n"
"        The gateway's underlay IPv4 address: overlay frames must be sent\n"
"        to it.  Written to the gateway table at start-up, after the\n"
"        file's gateway, keeping the UDP ports and flags a previous run,\n"
"        the file or the control plane set.  Without it (and without a\n"
"        gateway in the file) the table is left as it is; while it holds\n"
"        no address every frame goes to the kernel.\n"
"\n"
"    --gateway-mac M\n"
"        The gateway's MAC (source of every frame it sends).  Default: the\n"
"        MAC of each interface.  Needs --gateway-ip.\n"
"\n"
"    -s, --socket PATH\n"
"        The control socket, a Unix stream socket of mode 0660 (its\n"
"        directory is created).  Default: the file's control.socket, else\n"
"        %s.  A socket left by a dead daemon is replaced; one on\n"
"        which a live daemon answers makes the start fail before any\n"
"        interface is touched.\n"
"\n"
"    --group NAME\n"
"        Members of group NAME may use the control socket too (it belongs\n"
"        to the group); root and the daemon's own user always may.\n"
"        Default: the file's control.group, else none.\n"
"\n"
"    --state FILE\n"
"        Keep every table in FILE, in alkaidctl's batch-file grammar:\n"
"        written atomically (a temporary file, fsync, rename) at most a\n"
"        second after changes made through the control socket, and at\n"
"        exit.  When this start creates the tables and FILE exists, it is\n"
"        loaded instead of the initial tables: tables kept that way\n"
"        survive a reboot, which the pins do not.  Its directory is\n"
"        made when it is first written.  Default: the file's\n"
"        state-file, else none.\n"
"\n"
"    --detach\n"
"        Remove alkaid's program from each interface (other programs on\n"
"        the libxdp dispatcher stay) and delete the pinned tables, then\n"
"        exit.  Also cleans up the pins of an interface that no longer\n"
"        exists.  With -c, the file's interfaces and pin-path.\n"
"\n"
"    -v, --verbose\n"
"        Print libbpf's and libxdp's debug messages.\n"
"\n"
"    -V, --version\n"
"        Print the version and exit.\n"
"\n"
"    -h, --help\n"
"        Print this help and exit.\n"
"\n"
"SIGNALS\n"
"    SIGTERM, SIGINT  exit, leaving the program attached and the tables\n"
"                     pinned; the state file is written if it is behind\n"
"                     and the control socket removed.\n"
"    SIGHUP           ignored (logged).\n"
"\n"
"EXIT STATUS\n"
"    0  stopped by a signal (the data plane keeps running), or --detach\n"
"       done.\n"
"    1  failure: an interface, the program, bpffs, loading or attaching,\n"
"       the control socket, or another alkaid-xdp already serves the\n"
"       interface.  Interfaces set up before the failing one keep running.\n"
"    2  bad usage, or a configuration file with an error.\n"
"    3  the tables pinned for an interface differ from those asked for\n"
"       (sizes, or their layout after an upgrade); nothing was changed.\n"
"\n"
"ENVIRONMENT\n"
"    LIBXDP_BPFFS is set to --bpffs for libxdp.  LIBXDP_OBJECT_PATH tells\n"
"    libxdp where its dispatcher object is, when not in its default place.\n"
"\n"
"NOTES\n"
"    Pins live as long as the bpffs they are in.  ip netns exec gives its\n"
"    command a private mount namespace in which /sys/fs/bpf is not the\n"
"    host's: a bpffs mounted there disappears, with the tables, when the\n"
"    daemon exits.  Run it in the namespace with --bpffs pointing at a\n"
"    bpffs mounted outside (ip netns exec keeps other mounts), or with\n"
"    nsenter --net, which keeps the host's mounts.\n"
"\n"
"EXAMPLES\n"
"    Serve eth1 natively with room for 16M endpoints:\n"
"        alkaid-xdp -i eth1 --endpoints 16M --gateway-ip 198.18.0.1\n"
"\n"
"    Start from a configuration file, on a socket of one's own, and\n"
"    program the gateway through it:\n"
"        alkaid-xdp -c /etc/alkaid/alkaid-xdp.conf -s /run/alkaid/gw.sock\n"
"        alkaidctl -s /run/alkaid/gw.sock endpoint add vni 100 \\\n"
"            ip 203.0.113.5 mac 0e:00:00:00:00:05 host 198.18.0.12\n"
"        alkaidctl -s /run/alkaid/gw.sock -j endpoint list\n"
"\n"
"    Upgrade without a gap (same sizes, tables kept):\n"
"        kill -TERM $(pidof alkaid-xdp)\n"
"        alkaid-xdp -i eth1 --endpoints 16M\n"
"\n"
"    Drivers without native XDP:\n"
"        alkaid-xdp -i eth1 --mode generic --gateway-ip 198.18.0.1\n"
"\n"
"    Remove everything from eth1:\n"
"        alkaid-xdp --detach -i eth1\n",
		MAX_IFACES, ALK_BPF_OBJECT_DEFAULT, ALK_BPFFS_DEFAULT,
		ALK_DEFAULT_ENDPOINTS, ALK_DEFAULT_NETWORKS, ALK_DEFAULT_VPCS,
		ALK_DEFAULT_NEIGHBORS, ALK_CTL_DEFAULT_SOCKET);
}
/* clang-format on */

/* ---- options ----------------------------------------------------------- */

static int parse_count(const char *s, uint32_t *out)
{
	unsigned long long v, unit = 1;
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -EINVAL;
	if (*end == 'K' || *end == 'k')
		unit = 1ull << 10, end++;
	else if (*end == 'M' || *end == 'm')
		unit = 1ull << 20, end++;
	/* the kernel's hash maps stop far below UINT32_MAX */
	if (*end || v == 0 || v > (1ull << 31) / unit)
		return -EINVAL;
	*out = v * unit;
	return 0;
}

enum long_only {
	OPT_BPFFS = 256,
	OPT_ENDPOINTS,
	OPT_NETWORKS,
	OPT_VPCS,
	OPT_NEIGHBORS,
	OPT_GW_IP,
	OPT_GW_MAC,
	OPT_GROUP,
	OPT_STATE,
	OPT_DETACH,
};

static const struct option long_options[] = {
	{ "interface", required_argument, NULL, 'i' },
	{ "config", required_argument, NULL, 'c' },
	{ "mode", required_argument, NULL, 'm' },
	{ "bpf-object", required_argument, NULL, 'o' },
	{ "bpffs", required_argument, NULL, OPT_BPFFS },
	{ "endpoints", required_argument, NULL, OPT_ENDPOINTS },
	{ "networks", required_argument, NULL, OPT_NETWORKS },
	{ "vpcs", required_argument, NULL, OPT_VPCS },
	{ "neighbors", required_argument, NULL, OPT_NEIGHBORS },
	{ "gateway-ip", required_argument, NULL, OPT_GW_IP },
	{ "gateway-mac", required_argument, NULL, OPT_GW_MAC },
	{ "socket", required_argument, NULL, 's' },
	{ "group", required_argument, NULL, OPT_GROUP },
	{ "state", required_argument, NULL, OPT_STATE },
	{ "detach", no_argument, NULL, OPT_DETACH },
	{ "verbose", no_argument, NULL, 'v' },
	{ "version", no_argument, NULL, 'V' },
	{ "help", no_argument, NULL, 'h' },
	{ 0 },
};

static int bad_usage(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '%s --help'.\n", prog_name);
	return -1;
}

/* IFNAME, unless it is not a name or one too many; -1: said why. */
static int add_iface(struct options *o, const char *name)
{
	if (strlen(name) >= IFNAMSIZ || !*name)
		return bad_usage("'%s' is not an interface name", name);
	if (o->nifaces == MAX_IFACES)
		return bad_usage("at most %d interfaces", MAX_IFACES);
	for (int i = 0; i < o->nifaces; i++)
		if (!strcmp(o->ifnames[i], name))
			return bad_usage("interface %s given twice", name);
	o->ifnames[o->nifaces++] = name;
	return 0;
}

/* 0: go on; 1: done (help, version); -1: bad usage, already said. */
static int parse_options(int argc, char **argv, struct options *o)
{
	const char *what;
	uint32_t *size;
	unsigned int bit;
	int c;

	memset(o, 0, sizeof(*o));
	o->mode = XDP_MODE_NATIVE;
	o->bpffs = ALK_BPFFS_DEFAULT;
	alk_table_sizes_default(&o->sizes);

	while ((c = getopt_long(argc, argv, "i:c:m:o:s:vVh", long_options,
				NULL)) != -1) {
		switch (c) {
		case 'i':
			if (add_iface(o, optarg))
				return -1;
			break;
		case 'c':
			o->config = optarg;
			break;
		case 'm':
			if (!strcmp(optarg, "native"))
				o->mode = XDP_MODE_NATIVE;
			else if (!strcmp(optarg, "generic") ||
				 !strcmp(optarg, "skb"))
				o->mode = XDP_MODE_SKB;
			else if (!strcmp(optarg, "hw"))
				return bad_usage("--mode hw: %s", HW_REFUSED);
			else
				return bad_usage("--mode is native or generic, "
						 "not '%s'",
						 optarg);
			o->mode_given = 1;
			break;
		case 'o':
			o->bpf_object = optarg;
			break;
		case OPT_BPFFS:
			o->bpffs = optarg;
			o->bpffs_given = 1;
			break;
		case OPT_ENDPOINTS:
			size = &o->sizes.endpoints;
			what = "--endpoints";
			bit = SIZE_ENDPOINTS;
			goto count;
		case OPT_NETWORKS:
			size = &o->sizes.networks;
			what = "--networks";
			bit = SIZE_NETWORKS;
			goto count;
		case OPT_VPCS:
			size = &o->sizes.vpcs;
			what = "--vpcs";
			bit = SIZE_VPCS;
			goto count;
		case OPT_NEIGHBORS:
			size = &o->sizes.neighbors;
			what = "--neighbors";
			bit = SIZE_NEIGHBORS;
		count:
			if (parse_count(optarg, size))
				return bad_usage(
					"%s wants a count from 1 to 2G "
					"(K and M suffixes allowed), "
					"not '%s'",
					what, optarg);
			o->sizes_given |= bit;
			break;
		case OPT_GW_IP:
			if (alk_parse_ipv4(optarg, &o->gw_ip))
				return bad_usage("--gateway-ip: '%s' is not an "
						 "IPv4 address",
						 optarg);
			o->have_gw_ip = 1;
			break;
		case OPT_GW_MAC:
			if (alk_parse_mac(optarg, o->gw_mac))
				return bad_usage(
					"--gateway-mac: '%s' is not a "
					"MAC address (aa:bb:cc:dd:ee:ff)",
					optarg);
			o->have_gw_mac = 1;
			break;
		case 's':
			if (!*optarg)
				return bad_usage("--socket wants a path");
			o->socket = optarg;
			break;
		case OPT_GROUP:
			o->group = optarg;
			break;
		case OPT_STATE:
			if (!*optarg)
				return bad_usage("--state wants a path");
			o->state = optarg;
			break;
		case OPT_DETACH:
			o->detach = 1;
			break;
		case 'v':
			o->verbose = 1;
			break;
		case 'V':
			printf("alkaid-xdp %s\n", ALK_VERSION);
			return 1;
		case 'h':
			usage(stdout);
			return 1;
		default:
			return bad_usage("bad option");
		}
	}
	if (optind < argc)
		return bad_usage("unexpected argument '%s'", argv[optind]);
	if (!o->nifaces && !o->config)
		return bad_usage("no interface: give at least one -i IFNAME, "
				 "or a configuration file (-c)");
	if (o->have_gw_mac && !o->have_gw_ip)
		return bad_usage("--gateway-mac needs --gateway-ip");
	return 0;
}

/* ---- the configuration file -------------------------------------------- */

/*
 * Load -c, and take from it what the command line did not give.  Returns
 * 0, or the exit status once said why (a file with an error is refused
 * with its "file:line: setting: reason").
 */
static int options_from_config(struct daemon *d)
{
	struct options *o = &d->opt;
	struct alk_config *cfg = &d->cfg;
	struct alk_error err = { 0 };
	int n;

	if (!o->config) {
		alk_config_init(cfg);
	} else if (alk_config_load(o->config, ALK_CONFIG_XDP, cfg, &err)) {
		say("%s", err.msg);
		return EXIT_USAGE;
	}
	if (!o->nifaces)
		for (unsigned int i = 0; i < cfg->xdp.ninterfaces; i++)
			if (add_iface(o, cfg->xdp.interfaces[i]))
				return EXIT_USAGE;
	if (!o->mode_given && cfg->xdp.present) {
		if (cfg->xdp.mode == ALK_XDP_HW) {
			say("%s: xdp.mode: %s", o->config, HW_REFUSED);
			return EXIT_USAGE;
		}
		o->mode = cfg->xdp.mode == ALK_XDP_SKB ? XDP_MODE_SKB :
							 XDP_MODE_NATIVE;
	}
	/* alk_config_init() leaves the defaults where the file is silent */
	if (!(o->sizes_given & SIZE_ENDPOINTS))
		o->sizes.endpoints = cfg->sizes.endpoints;
	if (!(o->sizes_given & SIZE_NETWORKS))
		o->sizes.networks = cfg->sizes.networks;
	if (!(o->sizes_given & SIZE_VPCS))
		o->sizes.vpcs = cfg->sizes.vpcs;
	if (!(o->sizes_given & SIZE_NEIGHBORS))
		o->sizes.neighbors = cfg->sizes.neighbors;

	/* pin-path holds the interfaces' directories, as <bpffs>/alkaid
	 * does; the bpffs (and libxdp's state) is its parent */
	if (o->bpffs_given || !cfg->xdp.pin_path) {
		n = snprintf(d->pins, sizeof(d->pins), "%s/alkaid", o->bpffs);
	} else {
		char *slash;

		n = snprintf(d->pins, sizeof(d->pins), "%s", cfg->xdp.pin_path);
		while (n > 1 && n < (int)sizeof(d->pins) &&
		       d->pins[n - 1] == '/')
			d->pins[--n] = 0;
		slash = strrchr(d->pins, '/');
		if (!slash || slash == d->pins) {
			say("%s: xdp.pin-path '%s': a directory in a bpffs is "
			    "needed, such as /sys/fs/bpf/alkaid",
			    o->config, cfg->xdp.pin_path);
			return EXIT_USAGE;
		}
		snprintf(d->bpffs, sizeof(d->bpffs), "%.*s",
			 (int)(slash - d->pins), d->pins);
		o->bpffs = d->bpffs;
	}
	if (n < 0 || n >= (int)sizeof(d->pins)) {
		bad_usage("the pin path is too long");
		return EXIT_USAGE;
	}

	if (!o->socket)
		o->socket = cfg->control.socket;
	if (!o->group)
		o->group = cfg->control.group;
	if (o->state && alk_config_set_state_file(cfg, o->state)) {
		fail("--state %s: %s", o->state, strerror(errno));
		return EXIT_FAIL;
	}
	if (!o->nifaces) {
		bad_usage("no interface: give at least one -i IFNAME, or "
			  "xdp.interfaces in %s",
			  o->config);
		return EXIT_USAGE;
	}
	return 0;
}

/* ---- system helpers ---------------------------------------------------- */

/*
 * libxdp probes the kernel by loading test programs, and libbpf warns when
 * a probe fails even though libxdp then falls back.  Without -v the
 * warnings of such a step are held back and shown only if it fails.
 */
static struct {
	int verbose;
	int holding;
	char held[16384];
	size_t len;
} lib_log;

static int lib_vprint(int warning, const char *fmt, va_list ap)
{
	size_t room = sizeof(lib_log.held) - lib_log.len;
	int n;

	if (lib_log.verbose)
		return vfprintf(stderr, fmt, ap);
	if (!warning)
		return 0;
	if (!lib_log.holding)
		return vfprintf(stderr, fmt, ap);
	n = vsnprintf(lib_log.held + lib_log.len, room, fmt, ap);
	if (n > 0)
		lib_log.len += (size_t)n < room ? (size_t)n : room - 1;
	return n;
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	return lib_vprint(level == LIBBPF_WARN, fmt, ap);
}

static int libxdp_print(enum libxdp_print_level level, const char *fmt,
			va_list ap)
{
	return lib_vprint(level == LIBXDP_WARN, fmt, ap);
}

static void lib_log_hold(void)
{
	lib_log.holding = 1;
	lib_log.len = 0;
}

/* Stop holding; show what was held if the step failed. */
static void lib_log_release(int failed)
{
	if (failed && lib_log.len)
		fputs(lib_log.held, stderr);
	lib_log.holding = 0;
	lib_log.len = 0;
}

static int mkdir_p(const char *path, mode_t mode)
{
	char buf[PATH_MAX];
	size_t len = strlen(path);

	if (len >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, path, len + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(buf, mode) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, mode) && errno != EEXIST)
		return -errno;
	return 0;
}

static int same_mount_ns_as_init(void)
{
	char self[64] = "", init[64] = "";

	if (readlink("/proc/self/ns/mnt", self, sizeof(self) - 1) < 0 ||
	    readlink("/proc/1/ns/mnt", init, sizeof(init) - 1) < 0)
		return 1; /* cannot tell: do not warn */
	return !strcmp(self, init);
}

static int ensure_bpffs(const char *path)
{
	struct statfs st;
	int err;

	if (!statfs(path, &st) && st.f_type == BPF_FS_MAGIC)
		return 0;
	err = mkdir_p(path, 0755);
	if (err) {
		fail("cannot create %s for bpffs: %s", path, strerror(-err));
		return err;
	}
	/* a directory just made inside a bpffs (a pin-path's parent) */
	if (!statfs(path, &st) && st.f_type == BPF_FS_MAGIC)
		return 0;
	if (mount("bpf", path, "bpf", 0, "mode=0700")) {
		err = -errno;
		fail("%s is not a bpffs and mounting one there failed: %s",
		     path, strerror(-err));
		return err;
	}
	say("mounted bpffs at %s", path);
	if (!same_mount_ns_as_init())
		say("warning: this process has its own mount namespace (ip "
		    "netns exec?): the bpffs just mounted, and the tables "
		    "pinned in it, vanish when alkaid-xdp exits; see NOTES in "
		    "--help");
	return 0;
}

static int iface_mac(const char *name, __u8 mac[6])
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), err = 0;

	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr))
		err = -errno;
	else
		memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	close(fd);
	return err;
}

static void iface_driver(const char *name, char *buf, size_t len)
{
	struct ethtool_drvinfo info = { .cmd = ETHTOOL_GDRVINFO };
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	snprintf(buf, len, "unknown");
	if (fd < 0)
		return;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	ifr.ifr_data = (void *)&info;
	if (!ioctl(fd, SIOCETHTOOL, &ifr))
		snprintf(buf, len, "%s", info.driver);
	close(fd);
}

/* --bpf-object, else beside the binary (a build tree), else installed. */
static void find_object(struct daemon *d)
{
	char exe[PATH_MAX];
	ssize_t n;

	if (d->opt.bpf_object) {
		snprintf(d->object_path, sizeof(d->object_path), "%s",
			 d->opt.bpf_object);
		return;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = 0;
		snprintf(d->object_path, sizeof(d->object_path),
			 "%s/alkaid.bpf.o", dirname(exe));
		if (!access(d->object_path, R_OK))
			return;
	}
	snprintf(d->object_path, sizeof(d->object_path), "%s",
		 ALK_BPF_OBJECT_DEFAULT);
}

/* ---- attaching --------------------------------------------------------- */

static void attach_error(struct daemon *d, struct iface *ifc, int err)
{
	char driver[32];

	if (err == -EOPNOTSUPP && d->opt.mode == XDP_MODE_NATIVE) {
		iface_driver(ifc->name, driver, sizeof(driver));
		fail("%s: driver '%s' does not support XDP in native mode; "
		     "run with --mode generic (works with every driver, but "
		     "much slower)",
		     ifc->name, driver);
		return;
	}
	fail("%s: attaching the XDP program in %s mode failed: %s", ifc->name,
	     mode_name(d->opt.mode), strerror(-err));
	if (err == -EBUSY || err == -EEXIST)
		say("%s: another XDP program holds the interface; see "
		    "'xdp-loader status %s' or 'ip link show dev %s'",
		    ifc->name, ifc->name, ifc->name);
}

/* The id of the first program called alkaid_xdp on mp, or 0. */
static __u32 find_alkaid(struct xdp_multiprog *mp)
{
	struct xdp_program *p;

	if (xdp_multiprog__is_legacy(mp)) {
		p = xdp_multiprog__main_prog(mp);
		return p && !strcmp(xdp_program__name(p), ALK_BPF_PROG_NAME) ?
			       xdp_program__id(p) :
			       0;
	}
	for (p = xdp_multiprog__next_prog(NULL, mp); p;
	     p = xdp_multiprog__next_prog(p, mp))
		if (!strcmp(xdp_program__name(p), ALK_BPF_PROG_NAME))
			return xdp_program__id(p);
	return 0;
}

/* libxdp loads the object itself: as a dispatcher component (freplace)
 * when the kernel allows it, else as a plain XDP program. */
static int attach_libxdp(struct daemon *d, struct iface *ifc)
{
	DECLARE_LIBXDP_OPTS(xdp_program_opts, xo, .obj = ifc->obj,
			    .prog_name = ALK_BPF_PROG_NAME);
	int err;

	ifc->xdp = xdp_program__create(&xo);
	if (!ifc->xdp) {
		err = -errno;
		fail("%s: %s: %s", ifc->name, d->object_path, strerror(-err));
		return err;
	}
	lib_log_hold();
	err = xdp_program__attach(ifc->xdp, ifc->ifindex, d->opt.mode, 0);
	lib_log_release(err);
	if (err)
		attach_error(d, ifc, err);
	return err;
}

/* Swap a directly attached alkaid for the new one in one netlink call. */
static int replace_direct(struct daemon *d, struct iface *ifc, __u32 old_id)
{
	LIBBPF_OPTS(bpf_xdp_attach_opts, opts);
	struct bpf_program *prog;
	int err, old_fd;

	prog = bpf_object__find_program_by_name(ifc->obj, ALK_BPF_PROG_NAME);
	if (!prog) {
		fail("%s: no program %s in %s", ifc->name, ALK_BPF_PROG_NAME,
		     d->object_path);
		return -ENOENT;
	}
	bpf_program__set_type(prog, BPF_PROG_TYPE_XDP);
	err = bpf_object__load(ifc->obj);
	if (err) {
		fail("%s: loading %s failed: %s (libbpf's messages above "
		     "say why)",
		     ifc->name, d->object_path, strerror(-err));
		return err;
	}
	old_fd = bpf_prog_get_fd_by_id(old_id);
	if (old_fd < 0) {
		fail("%s: the running program (id %u) went away: %s; start "
		     "again",
		     ifc->name, old_id, strerror(-old_fd));
		return old_fd;
	}
	/* the kernel swaps only if old_id is still the one attached */
	opts.old_prog_fd = old_fd;
	err = bpf_xdp_attach(ifc->ifindex, bpf_program__fd(prog),
			     XDP_FLAGS_REPLACE | mode_flags(d->opt.mode),
			     &opts);
	close(old_fd);
	if (err)
		attach_error(d, ifc, err);
	return err;
}

/* Remove the program with id old_id from the dispatcher of ifc. */
static int dispatcher_remove(struct daemon *d, struct iface *ifc, __u32 old_id)
{
	struct xdp_multiprog *mp =
		xdp_multiprog__get_from_ifindex(ifc->ifindex);
	struct xdp_program *p;
	int err = -ENOENT;

	if (libxdp_get_error(mp))
		return (int)libxdp_get_error(mp);
	for (p = xdp_multiprog__next_prog(NULL, mp); p;
	     p = xdp_multiprog__next_prog(p, mp)) {
		if (xdp_program__id(p) != old_id)
			continue;
		err = xdp_program__detach(p, ifc->ifindex,
					  xdp_multiprog__attach_mode(mp), 0);
		break;
	}
	xdp_multiprog__close(mp);
	return err;
}

/*
 * Attach ifc->obj to the interface: first start, or replacement of a
 * running alkaid.  *replaced gets the id of the program replaced (0: none).
 */
static int attach(struct daemon *d, struct iface *ifc, __u32 *replaced)
{
	struct xdp_multiprog *mp =
		xdp_multiprog__get_from_ifindex(ifc->ifindex);
	long state = libxdp_get_error(mp);
	enum xdp_attach_mode mode;
	int legacy, err;
	__u32 old_id;

	*replaced = 0;
	if (state == -ENOENT || (!state && !mp))
		return attach_libxdp(d, ifc);
	if (state) {
		fail("%s: cannot read the interface's XDP state: %s", ifc->name,
		     strerror((int)-state));
		return (int)state;
	}
	mode = xdp_multiprog__attach_mode(mp);
	legacy = xdp_multiprog__is_legacy(mp);
	old_id = find_alkaid(mp);
	if (legacy && !old_id) {
		struct xdp_program *p = xdp_multiprog__main_prog(mp);

		fail("%s: XDP program '%s' (id %u) is attached without the "
		     "libxdp dispatcher, so alkaid cannot share the interface "
		     "with it; remove it first (ip link set dev %s xdp off)",
		     ifc->name, p ? xdp_program__name(p) : "?",
		     p ? xdp_program__id(p) : 0, ifc->name);
		xdp_multiprog__close(mp);
		return -EBUSY;
	}
	xdp_multiprog__close(mp);
	if (mode != d->opt.mode) {
		fail("%s: %s is attached in %s mode; the kernel cannot run "
		     "both modes at once, so a gapless restart must keep it: "
		     "start with --mode %s, or --detach first",
		     ifc->name, old_id ? "alkaid" : "the XDP dispatcher",
		     mode_name(mode), mode_name(mode));
		return -EINVAL;
	}
	if (legacy) {
		err = replace_direct(d, ifc, old_id);
	} else {
		/* two atomic dispatcher swaps: [old] -> [old, new] -> [new];
		 * XDP_TX ends the chain, so each frame meets one alkaid */
		err = attach_libxdp(d, ifc);
		if (!err && old_id) {
			err = dispatcher_remove(d, ifc, old_id);
			if (err) {
				fail("%s: the new program runs, but removing "
				     "the old one (id %u) failed: %s; remove "
				     "it with xdp-loader unload -i %u %s",
				     ifc->name, old_id, strerror(-err), old_id,
				     ifc->name);
				return err;
			}
		}
	}
	if (!err)
		*replaced = old_id;
	return err;
}

/* ---- interfaces -------------------------------------------------------- */

/* --gateway-ip: after the file's gateway, which it overrides. */
static int gateway_setup(struct daemon *d, struct iface *ifc)
{
	struct alk_error aerr = { 0 };
	struct alk_gateway gw;
	int err;

	if (!d->opt.have_gw_ip)
		return 0;
	err = ifc->tables->ops->gateway_get(ifc->tables, &gw);
	if (err)
		memset(&gw, 0, sizeof(gw));
	if (!gw.ip) {
		gw.geneve_port = htons(ALK_GENEVE_PORT);
		gw.vxlan_port = htons(ALK_VXLAN_PORT);
		gw.flags = 0;
	}
	gw.ip = d->opt.gw_ip;
	memcpy(gw.mac, d->opt.have_gw_mac ? d->opt.gw_mac : ifc->mac, 6);
	err = alk_gateway_set(ifc->tables, &gw, &aerr);
	if (err)
		fail("%s: gateway: %s", ifc->name, aerr.msg);
	return err;
}

static void report_program(struct daemon *d, struct iface *ifc, __u32 replaced,
			   int reused)
{
	struct bpf_program *prog =
		bpf_object__find_program_by_name(ifc->obj, ALK_BPF_PROG_NAME);
	struct bpf_prog_info info = { 0 };
	__u32 len = sizeof(info);
	struct xdp_multiprog *mp;
	const char *how = "directly (without the libxdp dispatcher)";
	char from[48] = "";

	if (!prog || bpf_obj_get_info_by_fd(bpf_program__fd(prog), &info, &len))
		memset(&info, 0, sizeof(info));
	mp = xdp_multiprog__get_from_ifindex(ifc->ifindex);
	if (!libxdp_get_error(mp) && mp && !xdp_multiprog__is_legacy(mp))
		how = "through the libxdp dispatcher";
	xdp_multiprog__close(mp);
	if (replaced)
		snprintf(from, sizeof(from), ", replacing id %u", replaced);
	say("%s: %s id %u (%u insns xlated, %u bytes jited) attached in %s "
	    "mode %s%s; tables %s in %s",
	    ifc->name, ALK_BPF_PROG_NAME, info.id, info.xlated_prog_len / 8,
	    info.jited_prog_len, mode_name(d->opt.mode), how, from,
	    reused ? "reused" : "created", ifc->pin_dir);
}

/*
 * One daemon per interface: a second one would fight the first over the
 * program and the tables.  The lock is on the pin directory, so it holds
 * across mount and network namespaces.  A restart waits a few seconds for
 * the old daemon to finish exiting.
 */
static int iface_lock(struct iface *ifc, int wait_ms)
{
	int fd = open(ifc->pin_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0) {
		if (errno == ENOENT)
			return 0; /* nothing pinned, nothing to guard */
		fail("%s: cannot open %s: %s", ifc->name, ifc->pin_dir,
		     strerror(errno));
		return -errno;
	}
	for (int waited = 0;; waited += 100) {
		if (!flock(fd, LOCK_EX | LOCK_NB)) {
			ifc->lock_fd = fd;
			return 0;
		}
		if (errno != EWOULDBLOCK || waited >= wait_ms)
			break;
		usleep(100 * 1000);
	}
	fail("%s: another alkaid-xdp is serving it (it holds the lock on "
	     "%s); stop that one first",
	     ifc->name, ifc->pin_dir);
	close(fd);
	return -EBUSY;
}

/* PINS/IFNAME */
static int iface_pin_dir(struct daemon *d, struct iface *ifc)
{
	int n = snprintf(ifc->pin_dir, sizeof(ifc->pin_dir), "%s/%s", d->pins,
			 ifc->name);

	return n < 0 || (size_t)n >= sizeof(ifc->pin_dir) ? -ENAMETOOLONG : 0;
}

/* The pin directory, and this daemon's hold on the interface. */
static int iface_claim(struct daemon *d, struct iface *ifc)
{
	int err = iface_pin_dir(d, ifc);

	if (!err)
		err = mkdir_p(ifc->pin_dir, 0700);
	if (err) {
		fail("%s: cannot create %s: %s", ifc->name, ifc->pin_dir,
		     strerror(-err));
		return EXIT_FAIL;
	}
	return iface_lock(ifc, 5000) ? EXIT_FAIL : EXIT_OK;
}

static int iface_start(struct daemon *d, struct iface *ifc)
{
	LIBBPF_OPTS(bpf_object_open_opts, oo);
	struct alk_table_sizes pinned;
	struct alk_error aerr = { 0 };
	__u32 replaced = 0;
	int npinned, err;

	/* maps are declared LIBBPF_PIN_BY_NAME: libbpf reuses the pins in
	 * this directory, or creates the maps and pins them there */
	oo.pin_root_path = ifc->pin_dir;
	ifc->obj = bpf_object__open_file(d->object_path, &oo);
	if (!ifc->obj) {
		fail("cannot open the XDP program %s: %s", d->object_path,
		     strerror(errno));
		return EXIT_FAIL;
	}
	err = alk_bpf_set_sizes(ifc->obj, &d->opt.sizes);
	if (err) {
		fail("%s: cannot size the tables: %s", d->object_path,
		     strerror(-err));
		return EXIT_FAIL;
	}
	npinned = alk_bpf_check_pinned(ifc->obj, ifc->pin_dir, &pinned, &aerr);
	if (npinned == -EEXIST) {
		fail("%s: %s", ifc->name, aerr.msg);
		say("%s: the tables pinned by an earlier alkaid-xdp are kept "
		    "as they are.  Start with the sizes they have (--endpoints "
		    "%u --networks %u --vpcs %u --neighbors %u), or run "
		    "'alkaid-xdp --detach -i %s%s%s%s%s' first, which removes "
		    "the program and the tables (traffic stops until the next "
		    "start)",
		    ifc->name, pinned.endpoints, pinned.networks, pinned.vpcs,
		    pinned.neighbors, ifc->name, d->opt.config ? " -c " : "",
		    d->opt.config ? d->opt.config : "",
		    d->opt.bpffs_given ? " --bpffs " : "",
		    d->opt.bpffs_given ? d->opt.bpffs : "");
		return EXIT_TABLES;
	}
	if (npinned < 0) {
		fail("%s: %s", ifc->name, aerr.msg);
		return EXIT_FAIL;
	}
	ifc->fresh = npinned == 0;

	err = attach(d, ifc, &replaced);
	if (err)
		goto undo;
	ifc->tables = alk_bpf_tables_from_object(ifc->obj, &aerr);
	if (!ifc->tables) {
		fail("%s: %s", ifc->name, aerr.msg);
		return EXIT_FAIL;
	}
	report_program(d, ifc, replaced, npinned > 0);
	return EXIT_OK;
undo:
	/* a first start that failed leaves nothing behind */
	if (!npinned)
		alk_bpf_unpin(ifc->pin_dir);
	return EXIT_FAIL;
}

static void iface_close(struct iface *ifc)
{
	/* closing descriptors does not detach: the kernel (or libxdp's
	 * pinned links) keeps the program on the interface */
	if (ifc->tables)
		ifc->tables->ops->close(ifc->tables);
	xdp_program__close(ifc->xdp);
	bpf_object__close(ifc->obj);
	if (ifc->lock_fd >= 0)
		close(ifc->lock_fd);
	ifc->lock_fd = -1;
	ifc->tables = NULL;
	ifc->xdp = NULL;
	ifc->obj = NULL;
}

static int iface_detach(struct daemon *d, struct iface *ifc)
{
	struct xdp_multiprog *mp;
	struct xdp_program *p;
	int err = 0, removed = 0;
	long state;

	if (iface_pin_dir(d, ifc)) {
		fail("%s: the pin path is too long", ifc->name);
		return EXIT_FAIL;
	}
	if (iface_lock(ifc, 0))
		return EXIT_FAIL;
	if (!ifc->ifindex) {
		say("%s: no such interface; removing its pins only", ifc->name);
		goto unpin;
	}
	mp = xdp_multiprog__get_from_ifindex(ifc->ifindex);
	state = libxdp_get_error(mp);
	if (state == -ENOENT || (!state && !mp)) {
		say("%s: no XDP program attached", ifc->name);
		goto unpin;
	}
	if (state) {
		fail("%s: cannot read the interface's XDP state: %s", ifc->name,
		     strerror((int)-state));
		return EXIT_FAIL;
	}
	if (xdp_multiprog__is_legacy(mp)) {
		p = xdp_multiprog__main_prog(mp);
		if (find_alkaid(mp)) {
			err = xdp_multiprog__detach(mp);
			removed += !err;
		} else {
			say("%s: XDP program '%s' is not alkaid's; left in "
			    "place",
			    ifc->name, p ? xdp_program__name(p) : "?");
		}
	} else {
		enum xdp_attach_mode mode = xdp_multiprog__attach_mode(mp);

		/* only ours: other programs on the dispatcher stay */
		for (p = xdp_multiprog__next_prog(NULL, mp); p && !err;
		     p = xdp_multiprog__next_prog(p, mp)) {
			if (strcmp(xdp_program__name(p), ALK_BPF_PROG_NAME))
				continue;
			err = xdp_program__detach(p, ifc->ifindex, mode, 0);
			removed += !err;
		}
	}
	xdp_multiprog__close(mp);
	if (err) {
		fail("%s: detaching failed: %s", ifc->name, strerror(-err));
		return EXIT_FAIL;
	}
	if (removed)
		say("%s: alkaid detached", ifc->name);
unpin:
	err = alk_bpf_unpin(ifc->pin_dir);
	if (err) {
		fail("%s: removing the pins in %s failed: %s", ifc->name,
		     ifc->pin_dir, strerror(-err));
		return EXIT_FAIL;
	}
	say("%s: tables in %s removed", ifc->name, ifc->pin_dir);
	return EXIT_OK;
}

/* ---- the main loop ----------------------------------------------------- */

static int loop_add(struct daemon *d, struct loop_source *src, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = src };

	return epoll_ctl(d->epfd, EPOLL_CTL_ADD, src->fd, &ev) ? -errno : 0;
}

static int on_signal(struct daemon *d, struct loop_source *src, uint32_t events)
{
	struct signalfd_siginfo si;

	if (read(src->fd, &si, sizeof(si)) != sizeof(si))
		return errno == EAGAIN ? 0 : -errno;
	if (si.ssi_signo == SIGHUP) {
		say("SIGHUP ignored: nothing to reload");
		return 0;
	}
	say("%s: exiting; the XDP program stays attached and keeps "
	    "forwarding",
	    strsignal(si.ssi_signo));
	return 1;
}

static int loop_init(struct daemon *d)
{
	sigset_t mask;
	int err;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	/* signals arrive as loop events, never in the middle of a syscall */
	if (sigprocmask(SIG_BLOCK, &mask, NULL))
		return -errno;
	signal(SIGPIPE, SIG_IGN); /* control clients may hang up */
	d->signals.fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	d->signals.ready = on_signal;
	d->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (d->signals.fd < 0 || d->epfd < 0)
		return -errno;
	err = loop_add(d, &d->signals, EPOLLIN);
	return err;
}

/* ---- the control socket ------------------------------------------------ */

static void control_log(int prio, const char *msg)
{
	say("control socket: %s", msg);
}

static int on_control(struct daemon *d, struct loop_source *src,
		      uint32_t events)
{
	int rc = alk_ctl_server_process(d->srv);

	if (rc)
		fail("control socket: %s", strerror(-rc));
	return rc;
}

/* Whether a live daemon answers on path.  Asked before any interface is
 * touched; the server itself replaces only a dead daemon's socket. */
static int socket_taken(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, rc;

	if (strlen(path) >= sizeof(sa.sun_path))
		return 0; /* the server will say why */
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	rc = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	close(fd);
	return rc == 0;
}

/* Every table of from (not the counters) into to, just created. */
static int tables_copy(struct alk_tables *to, struct alk_tables *from)
{
	const uint32_t chunk = 1024;
	struct alk_gateway gw;
	int rc = 0;

	for (int tbl = 0; tbl < ALK_T_MAX && !rc; tbl++) {
		size_t ks = alk_table_key_size(tbl);
		uint8_t *keys = malloc(chunk * ks), *last = malloc(ks);
		uint8_t *vals = malloc(chunk * alk_table_val_size(tbl));
		int n = 0;

		rc = keys && vals && last ? 0 : -ENOMEM;
		while (!rc) {
			n = alk_table_list(from, tbl, n ? last : NULL, keys,
					   vals, chunk);
			if (n <= 0) {
				rc = n;
				break;
			}
			rc = to->ops->update(to, tbl, keys, vals, n);
			if ((uint32_t)n < chunk)
				break;
			memcpy(last, keys + (n - 1) * ks, ks);
		}
		free(keys);
		free(vals);
		free(last);
	}
	if (!rc && !from->ops->gateway_get(from, &gw))
		rc = to->ops->gateway_set(to, &gw);
	return rc;
}

/*
 * The interfaces' tables become one (alk_fanout_tables_create), filled
 * from the file if this start created them, and served on the socket.
 * The loop watches the server's descriptor.
 */
static int control_start(struct daemon *d)
{
	struct alk_ctl_options copt = {
		.state_file = d->cfg.state_file,
		.log = control_log,
	};
	struct alk_tables *members[MAX_IFACES];
	struct alk_error err = { 0 };
	struct alk_config gateway_only;
	struct alk_gateway gw;
	int from = -1, rc;

	for (int i = 0; i < d->nifaces; i++) {
		members[i] = d->ifaces[i].tables;
		if (from < 0 && !d->ifaces[i].fresh)
			from = i;
	}
	/* an interface added to a running gateway must answer like the
	 * others from its first frame: it gets their tables */
	for (int i = 0; from >= 0 && i < d->nifaces; i++) {
		if (!d->ifaces[i].fresh)
			continue;
		rc = tables_copy(members[i], members[from]);
		if (rc) {
			fail("%s: copying the tables of %s: %s",
			     d->ifaces[i].name, d->ifaces[from].name,
			     strerror(-rc));
			return rc;
		}
		say("%s: tables copied from %s", d->ifaces[i].name,
		    d->ifaces[from].name);
	}
	/* reads come from the first interface's maps: a copy in memory
	 * spares the control plane a syscall per lookup */
	rc = alk_bpf_tables_mirror(members[0], &err);
	if (rc) {
		fail("%s: %s", d->ifaces[0].name, err.msg);
		return rc;
	}
	d->tables = alk_fanout_tables_create(members, d->nifaces);
	if (!d->tables) {
		fail("out of memory");
		return -ENOMEM;
	}

	/* Pinned tables hold the live state: the file's initial tables (or
	 * its state file) would roll it back, its gateway does not. */
	if (from < 0) {
		if (d->cfg.state_file && !access(d->cfg.state_file, F_OK))
			say("tables created: loading the state file %s",
			    d->cfg.state_file);
		else if (d->cfg.initial.entries || d->cfg.initial_file)
			say("tables created: applying the initial tables of %s",
			    d->cfg.path);
		rc = alk_config_apply(&d->cfg, d->tables, &err);
	} else {
		gateway_only = d->cfg;
		gateway_only.state_file = NULL;
		alk_cmdfile_init(&gateway_only.initial, d->cfg.path);
		gateway_only.initial_file = NULL;
		rc = alk_config_apply(&gateway_only, d->tables, &err);
	}
	if (rc) {
		fail("%s", err.msg);
		return rc;
	}
	for (int i = 0; i < d->nifaces; i++) {
		rc = gateway_setup(d, &d->ifaces[i]);
		if (rc)
			return rc;
	}
	if (d->tables->ops->gateway_get(d->tables, &gw) || !gw.ip)
		say("the gateway table holds no address yet: every frame goes "
		    "to the kernel until one is set (--gateway-ip, gateway in "
		    "the configuration file, or alkaidctl gateway set)");

	d->srv = alk_ctl_server_create(d->opt.socket, d->opt.group, d->tables,
				       &copt, &err);
	if (!d->srv) {
		fail("control socket: %s", err.msg);
		return -EINVAL;
	}
	d->control.fd = alk_ctl_server_fd(d->srv);
	d->control.ready = on_control;
	rc = loop_add(d, &d->control, EPOLLIN);
	if (rc)
		fail("control socket: %s", strerror(-rc));
	return rc;
}

static int loop_run(struct daemon *d)
{
	struct epoll_event ev[16];

	for (;;) {
		int n = epoll_wait(d->epfd, ev, 16, -1);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (int i = 0; i < n; i++) {
			struct loop_source *src = ev[i].data.ptr;
			int rc = src->ready(d, src, ev[i].events);

			if (rc)
				return rc > 0 ? 0 : rc;
		}
	}
}

int main(int argc, char **argv)
{
	static struct daemon d;
	const char *socket_path;
	int rc, code = EXIT_OK;

	rc = parse_options(argc, argv, &d.opt);
	if (rc)
		return rc > 0 ? EXIT_OK : EXIT_USAGE;
	code = options_from_config(&d);
	if (code)
		goto out;
	lib_log.verbose = d.opt.verbose;
	libbpf_set_print(libbpf_print);
	libxdp_set_print(libxdp_print);
	/* libxdp keeps its dispatcher state in the same bpffs as our pins */
	setenv(XDP_BPFFS_ENVVAR, d.opt.bpffs, 1);

	for (int i = 0; i < d.opt.nifaces; i++) {
		struct iface *ifc = &d.ifaces[d.nifaces++];

		ifc->name = d.opt.ifnames[i];
		ifc->lock_fd = -1;
		ifc->ifindex = if_nametoindex(ifc->name);
		if (!ifc->ifindex && !d.opt.detach) {
			fail("no interface named %s", ifc->name);
			code = EXIT_FAIL;
			goto out;
		}
		if (ifc->ifindex && iface_mac(ifc->name, ifc->mac) &&
		    !d.opt.detach) {
			fail("%s: cannot read its MAC address: %s", ifc->name,
			     strerror(errno));
			code = EXIT_FAIL;
			goto out;
		}
	}
	if (ensure_bpffs(d.opt.bpffs)) {
		code = EXIT_FAIL;
		goto out;
	}

	if (d.opt.detach) {
		for (int i = 0; i < d.nifaces; i++) {
			rc = iface_detach(&d, &d.ifaces[i]);
			if (rc)
				code = rc;
		}
		goto out;
	}

	find_object(&d);
	if (access(d.object_path, R_OK)) {
		fail("cannot read the XDP program %s: %s (give its path with "
		     "--bpf-object)",
		     d.object_path, strerror(errno));
		code = EXIT_FAIL;
		goto out;
	}
	rc = loop_init(&d);
	if (rc) {
		fail("cannot set up the event loop: %s", strerror(-rc));
		code = EXIT_FAIL;
		goto out;
	}
	for (int i = 0; i < d.nifaces && !code; i++)
		code = iface_claim(&d, &d.ifaces[i]);
	/* once the interfaces are ours (a restart waited for the old daemon
	 * to let go, and of its socket), a live socket is another daemon's */
	socket_path = d.opt.socket ? d.opt.socket : ALK_CTL_DEFAULT_SOCKET;
	if (!code && socket_taken(socket_path)) {
		fail("another daemon answers on the control socket %s: give "
		     "this one a socket of its own (-s)",
		     socket_path);
		code = EXIT_FAIL;
	}
	for (int i = 0; i < d.nifaces && !code; i++)
		code = iface_start(&d, &d.ifaces[i]);
	if (!code && control_start(&d))
		code = EXIT_FAIL;
	if (!code) {
		say("ready: %d interface%s, tables under %s, control socket "
		    "%s%s%s; SIGTERM or SIGINT ends the daemon, not the data "
		    "plane",
		    d.nifaces, d.nifaces == 1 ? "" : "s", d.pins, socket_path,
		    d.cfg.state_file ? ", state file " : "",
		    d.cfg.state_file ? d.cfg.state_file : "");
		rc = loop_run(&d);
		if (rc) {
			fail("event loop: %s", strerror(-rc));
			code = EXIT_FAIL;
		}
	}
	/* saves the state file if it is behind, removes the socket */
	alk_ctl_server_destroy(d.srv);
	if (d.tables && d.tables != d.ifaces[0].tables)
		d.tables->ops->close(d.tables); /* the fan-out only */
	for (int i = 0; i < d.nifaces; i++) {
		iface_close(&d.ifaces[i]);
		/* the directory of a claim that went no further: rmdir
		 * removes it only if empty, never tables */
		if (d.ifaces[i].pin_dir[0])
			rmdir(d.ifaces[i].pin_dir);
	}
out:
	alk_config_free(&d.cfg);
	return code;
}
