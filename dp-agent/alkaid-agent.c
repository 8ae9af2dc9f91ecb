/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * alkaid-agent: the host transit agent.  Loads the agent's TC program
 * (agent.bpf.o) once for the host, its maps pinned by name under the pin
 * directory, attaches it at TC ingress of the underlay interface and of
 * every port (the host side of a local endpoint's veth), and stays in the
 * foreground to serve its tables (networks, ports, this host's identity)
 * on the control socket.
 *
 * Restarts never stop the data plane: the maps are pinned and the TC
 * filters outlive the process, so a new daemon finds the tables as the
 * old one left them and puts its program in the old one's place (same
 * handle and priority, BPF_TC_F_REPLACE) on every device in one step.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <libgen.h>
#include <limits.h>
#include <linux/magic.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "ctl/api.h"
#include "daemon/log.h"
#include "daemon/options.h"
#include "daemon/notify.h"
#include "daemon/reload.h"
#include "daemon/start.h"
#include "tables/schema.h"
#include "tables_agent.h"

#ifndef ALK_AGENT_OBJECT_DEFAULT
#define ALK_AGENT_OBJECT_DEFAULT "/usr/local/lib/alkaid/agent.bpf.o"
#endif
#ifndef ALK_VERSION
#define ALK_VERSION "unknown"
#endif

#define PIN_DIR_DEFAULT "/sys/fs/bpf/alkaid-agent"
#define TICK_MS 1000   /* the bouncers' next hops resolved, their MACs kept */
#define PORTS_TICKS 5  /* and every so many ticks, gone ports forgotten */
#define MAX_TRUSTED 64 /* --trust */

static struct agentd {
	const char *underlay;
	uint32_t underlay_ifindex;
	uint8_t mac[6];
	uint32_t mtu;
	__be32 ip;
	bool ip_given;
	bool direct_path;
	uint32_t dp_age_ms, ask_ms;
	const char *pin_dir;
	const char *bpf_object;
	__be32 trusted[MAX_TRUSTED];
	int ntrusted;
	unsigned int ticks;
	char object_path[PATH_MAX];
	struct alk_config cfg;
	struct bpf_object *obj;
	struct alk_tables *tables;
	struct alk_loop *loop;
	struct alk_ctl_server *srv;
	struct alk_metrics *metrics;
} agentd = {
	.direct_path = true,
	.dp_age_ms = 30000,
	.ask_ms = 100,
	.pin_dir = PIN_DIR_DEFAULT,
};

static int set_direct_path(const char *arg)
{
	if (!strcmp(arg, "on"))
		agentd.direct_path = true;
	else if (!strcmp(arg, "off"))
		agentd.direct_path = false;
	else
		return alk_usage_error("--direct-path is on or off, not '%s'",
				       arg);
	return 0;
}

/* ADDR[,ADDR...] */
static int add_trusted(const char *arg)
{
	char buf[256], *save = NULL;

	if (strlen(arg) >= sizeof(buf))
		return alk_usage_error("--trust: too long");
	strcpy(buf, arg);
	for (char *a = strtok_r(buf, ",", &save); a;
	     a = strtok_r(NULL, ",", &save)) {
		if (agentd.ntrusted == MAX_TRUSTED)
			return alk_usage_error("--trust: at most %d addresses",
					       MAX_TRUSTED);
		if (alk_parse_ipv4(a, &agentd.trusted[agentd.ntrusted]))
			return alk_usage_error("--trust: '%s' is not an IPv4 "
					       "address",
					       a);
		agentd.ntrusted++;
	}
	return 0;
}

static int set_underlay(const char *arg)
{
	if (!*arg || strlen(arg) >= IF_NAMESIZE)
		return alk_usage_error("'%s' is not an interface name", arg);
	agentd.underlay = arg;
	return 0;
}

/* The help is a page of text, laid out as it prints. */
/* clang-format off */
static const struct alk_opt own[] = {
	{ "underlay", 'u', "IFNAME", ALK_OPT_CALL, .call = set_underlay,
	  .help = "The underlay interface: tunnel frames leave and arrive\n"
		  "here.  Required." },
	{ "ip", 0, "ADDR", ALK_OPT_IPV4, &agentd.ip, &agentd.ip_given,
	  .help = "This host's underlay IPv4 address, the outer source of\n"
		  "every tunnel frame it sends.  Default: the first IPv4\n"
		  "address of the underlay interface." },
	{ "direct-path", 0, "on|off", ALK_OPT_CALL, .call = set_direct_path,
	  .help = "Ask gateways where destinations live, learn their answers\n"
		  "and send later frames straight to the destination's host.\n"
		  "Default on." },
	{ "dp-age", 0, "MS", ALK_OPT_NUMBER, &agentd.dp_age_ms, .min = 1,
	  .max = 86400000,
	  .help = "How long a learned location is used, in milliseconds\n"
		  "(default %lu).",
	  .help_arg = 30000 },
	{ "ask", 0, "MS", ALK_OPT_NUMBER, &agentd.ask_ms, .min = 1,
	  .max = 3600000,
	  .help = "Ask a gateway about one destination at most once in MS\n"
		  "milliseconds (default %lu).",
	  .help_arg = 100 },
	{ "trust", 0, "ADDR[,ADDR...]", ALK_OPT_CALL, .call = add_trusted,
	  .help = "Learn locations (direct path) from these gateways too,\n"
		  "besides the bouncers of the networks: dividers, the other\n"
		  "gateways of a fleet.  Repeat or separate with commas (up to\n"
		  "%lu).  Given at every start: it replaces the last start's.",
	  .help_arg = MAX_TRUSTED },
	{ "pin-dir", 0, "DIR", ALK_OPT_PATH, &agentd.pin_dir,
	  .help = "Where the program's maps are pinned, in a bpffs; made if\n"
		  "missing.  Default " PIN_DIR_DEFAULT "." },
	{ "bpf-object", 'o', "PATH", ALK_OPT_STRING, &agentd.bpf_object,
	  .help = "The compiled TC program.  Default: agent.bpf.o beside the\n"
		  "alkaid-agent binary when there is one (a build tree), else\n"
		  ALK_AGENT_OBJECT_DEFAULT "." },
	{ 0 },
};

static const char head[] =
"NAME\n"
"    alkaid-agent - the alkaid transit agent of a host\n"
"\n"
"SYNOPSIS\n"
"    alkaid-agent [OPTIONS] --underlay IFNAME\n"
"\n"
"DESCRIPTION\n"
"    Puts the traffic of this host's endpoints (VMs, containers, each\n"
"    behind a veth) into the overlay, and takes theirs out of it.  One TC\n"
"    program, loaded once for the host, runs at TC ingress (clsact) of the\n"
"    underlay interface and of the host side of every endpoint's veth (a\n"
"    port); all share its maps, and nothing runs inside an endpoint's\n"
"    namespace.\n"
"\n"
"    A frame an endpoint sends is delivered to its destination's port when\n"
"    that is on this host; else encapsulated (Geneve, or VXLAN for a\n"
"    network that says so) to the destination's host when the direct path\n"
"    has learned it, or to one of its network's bouncers, by flow.  Tunnel\n"
"    frames for a local endpoint are decapsulated and delivered to its\n"
"    port; the VNI is part of every key, so tenants never cross.\n"
"\n"
"    Its tables are programmed through the control socket (-s) with\n"
"    alkaidctl: 'network' (the bouncers of each tenant network) and 'port'\n"
"    (a local endpoint: its veth, VNI, address and MAC).  Adding a port\n"
"    attaches the program to its device; deleting it detaches.  'gateway'\n"
"    shows this host's underlay identity (address, MAC, UDP ports), which\n"
"    the agent writes at every start.  Gateways' objects (endpoint, vpc,\n"
"    neighbor) are not served.\n"
"\n"
"    The maps are pinned by name in the pin directory.  Started again, the\n"
"    agent finds them, with every network and port, and replaces the\n"
"    program on the underlay and every port in one step (the same TC\n"
"    handle and priority): traffic never stops.  Stopped by SIGTERM or\n"
"    SIGINT it exits and leaves the program attached, forwarding with the\n"
"    tables as they are.\n"
"\n"
"    Every second, and whenever networks change, the agent asks the\n"
"    kernel to resolve the underlay next hop of every bouncer and keeps\n"
"    its MAC for the program: an encapsulated ARP request cannot wait for\n"
"    the kernel's resolution the way an IPv4 frame can.  Every 5 seconds,\n"
"    ports whose device is gone are forgotten.\n"
"\n"
"CONFIGURATION FILE\n"
"    -c FILE (libconfig syntax, see config/README.md) may give the control\n"
"    socket, its group, a state file and initial tables (networks and\n"
"    ports); options given on the command line win, and this host's\n"
"    identity wins over a gateway section.  The tables are filled from it\n"
"    only when this start creates the maps.\n"
"\n";

static const char tail[] =
"SIGNALS\n"
"    SIGTERM, SIGINT  exit, leaving the program attached and the maps\n"
"                     pinned; the control socket is removed.\n"
"    SIGHUP           reload: read the configuration file (-c) again and\n"
"                     apply its initial-tables and initial-file as one\n"
"                     change, all of it or none (an error is logged with\n"
"                     its line; the agent goes on).  Rows the file no\n"
"                     longer has are kept.\n"
"\n"
"EXIT STATUS\n"
"    0  stopped by a signal (the data plane keeps running).\n"
"    1  failure: the underlay interface, bpffs, loading or attaching the\n"
"       program, or the control socket (another daemon answers on it).\n"
"    2  bad usage, or a configuration file with an error.\n"
"\n"
"NOTES\n"
"    The pin directory must be in a bpffs that outlives the daemon.\n"
"    ip netns exec gives its command a private /sys: run the agent in a\n"
"    namespace with --pin-dir in a bpffs mounted outside it.\n"
"\n"
"EXAMPLES\n"
"    The agent of a host whose underlay NIC is eth0:\n"
"        alkaid-agent --underlay eth0 -s /run/alkaid/agent.sock\n"
"\n"
"    An endpoint behind veth-web1, and its network's bouncers:\n"
"        alkaidctl -s /run/alkaid/agent.sock port add dev veth-web1 \\\n"
"            vni 100 ip 203.0.113.5 mac 0e:00:00:00:00:05\n"
"        alkaidctl -s /run/alkaid/agent.sock network add vni 100 \\\n"
"            prefix 203.0.113.0/24 bouncers 198.18.0.1,198.18.0.2\n"
"\n"
"    Upgrade without a gap (tables and attachments kept):\n"
"        kill -TERM $(pidof alkaid-agent)\n"
"        alkaid-agent --underlay eth0 -s /run/alkaid/agent.sock\n";
/* clang-format on */

static const struct alk_program prog = { "alkaid-agent", ALK_VERSION, head, own,
					 tail };

static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	if (level == LIBBPF_DEBUG && !alk_log_verbose())
		return 0;
	alk_vsay(fmt, ap);
	return 0;
}

/* The underlay interface: index, MAC, and its first IPv4 address unless
 * --ip.  0, or the exit status once said why. */
static int underlay_find(struct agentd *d)
{
	struct ifreq ifr = { 0 };
	struct ifaddrs *ifa, *i;
	int fd, rc = 0;

	d->underlay_ifindex = if_nametoindex(d->underlay);
	if (!d->underlay_ifindex) {
		alk_fail("no interface named %s", d->underlay);
		return ALK_EXIT_FAIL;
	}
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", d->underlay);
	if (fd < 0 || ioctl(fd, SIOCGIFHWADDR, &ifr)) {
		alk_fail("%s: cannot read its MAC address: %m", d->underlay);
		rc = ALK_EXIT_FAIL;
	} else {
		memcpy(d->mac, ifr.ifr_hwaddr.sa_data, 6);
	}
	if (!rc && ioctl(fd, SIOCGIFMTU, &ifr)) {
		alk_fail("%s: cannot read its MTU: %m", d->underlay);
		rc = ALK_EXIT_FAIL;
	} else if (!rc) {
		d->mtu = ifr.ifr_mtu;
	}
	if (fd >= 0)
		close(fd);
	if (rc || d->ip_given)
		return rc;
	if (getifaddrs(&ifa)) {
		alk_fail("cannot list the interfaces' addresses: %m");
		return ALK_EXIT_FAIL;
	}
	for (i = ifa; i; i = i->ifa_next)
		if (i->ifa_addr && i->ifa_addr->sa_family == AF_INET &&
		    !strcmp(i->ifa_name, d->underlay)) {
			d->ip = ((struct sockaddr_in *)i->ifa_addr)
					->sin_addr.s_addr;
			break;
		}
	freeifaddrs(ifa);
	if (!d->ip) {
		alk_fail("%s has no IPv4 address: give this host's with --ip",
			 d->underlay);
		return ALK_EXIT_FAIL;
	}
	return 0;
}

/* The pin directory, in a bpffs. */
static int pin_dir_make(const char *dir)
{
	char parent[PATH_MAX];
	struct statfs st;

	snprintf(parent, sizeof(parent), "%s", dir);
	if (mkdir(dir, 0700) && errno != EEXIST) {
		alk_fail("cannot make the pin directory %s: %m", dir);
		return ALK_EXIT_FAIL;
	}
	if (statfs(dir, &st) || st.f_type != BPF_FS_MAGIC) {
		alk_fail("%s is not in a bpffs (mount one on %s)", dir,
			 dirname(parent));
		return ALK_EXIT_FAIL;
	}
	return 0;
}

static void find_object(struct agentd *d)
{
	alk_daemon_find_object(d->object_path, sizeof(d->object_path),
			       d->bpf_object, "agent.bpf.o",
			       ALK_AGENT_OBJECT_DEFAULT);
}

/* The program loaded with its maps pinned by name (reused when pinned):
 * returns its descriptor, or -errno once said why.  *fresh: the maps
 * were made by this start. */
static int program_load(struct agentd *d, bool *fresh)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = d->pin_dir);
	struct bpf_program *p;
	char path[PATH_MAX];
	int rc;

	snprintf(path, sizeof(path), "%s/alk_ports", d->pin_dir);
	*fresh = access(path, F_OK) != 0;
	d->obj = bpf_object__open_file(d->object_path, &opts);
	if (!d->obj) {
		rc = -errno;
		alk_fail("cannot open %s: %s (give its path with "
			 "--bpf-object)",
			 d->object_path, strerror(-rc));
		return rc;
	}
	rc = bpf_object__load(d->obj);
	if (rc) {
		alk_fail("cannot load %s: %s", d->object_path, strerror(-rc));
		return rc;
	}
	p = bpf_object__find_program_by_name(d->obj, ALK_AGENT_PROG_NAME);
	if (!p) {
		alk_fail("%s has no program %s", d->object_path,
			 ALK_AGENT_PROG_NAME);
		return -ENOENT;
	}
	return bpf_program__fd(p);
}

/* The trusted set as --trust gives it: the others removed, then these. */
static int trusted_write(int fd, const struct agentd *d)
{
	__be32 k, cur, gone[256];
	const void *prev = NULL;
	uint32_t one = 1;
	int n = 0;

	while (n < 256 && !bpf_map_get_next_key(fd, prev, &k)) {
		gone[n++] = k;
		cur = k;
		prev = &cur;
	}
	for (int i = 0; i < n; i++) {
		int keep = 0;

		for (int j = 0; j < d->ntrusted && !keep; j++)
			keep = d->trusted[j] == gone[i];
		if (!keep && bpf_map_delete_elem(fd, &gone[i]))
			return -1;
	}
	for (int i = 0; i < d->ntrusted; i++)
		if (bpf_map_update_elem(fd, &d->trusted[i], &one, BPF_ANY))
			return -1;
	return 0;
}

/* This host's identity and the agent's settings, written at every start
 * (the options say what they are). */
static int settings_write(struct agentd *d)
{
	struct alk_agent_conf conf = {
		.underlay_ifindex = d->underlay_ifindex,
		.flags = d->direct_path ? ALK_AGENT_F_DIRECT_PATH : 0,
		.dp_age_ms = d->dp_age_ms,
		.ask_ms = d->ask_ms,
		.mtu = d->mtu,
	};
	struct bpf_map *m = bpf_object__find_map_by_name(d->obj, "alk_agent");
	struct bpf_map *tm =
		bpf_object__find_map_by_name(d->obj, "alk_trusted");
	struct alk_error err = { 0 };
	struct alk_gateway gw;
	uint32_t zero = 0;
	char a[INET_ADDRSTRLEN];

	alk_gateway_defaults(&gw);
	gw.ip = d->ip;
	memcpy(gw.mac, d->mac, 6);
	if (alk_gateway_set(d->tables, &gw, &err)) {
		alk_fail("this host's identity (%s): %s",
			 inet_ntop(AF_INET, &d->ip, a, sizeof(a)), err.msg);
		return -EINVAL;
	}
	if (!m || bpf_map_update_elem(bpf_map__fd(m), &zero, &conf, BPF_ANY)) {
		alk_fail("cannot write the agent's settings: %m");
		return -EIO;
	}
	if (!tm || trusted_write(bpf_map__fd(tm), d)) {
		alk_fail("cannot write the trusted gateways: %m");
		return -EIO;
	}
	return 0;
}

static int on_tick(struct alk_loop *loop, int fd, uint32_t events, void *arg)
{
	struct agentd *d = arg;
	int n = ++d->ticks % PORTS_TICKS ?
			0 :
			alk_agent_ports_forget_gone(d->tables);

	(void)loop;
	(void)fd;
	(void)events;
	if (n > 0)
		alk_say("%d port%s forgotten: their device is gone", n,
			n == 1 ? "" : "s");
	n = alk_agent_resolve_bouncers(d->tables);
	if (n < 0)
		alk_debug("resolving the bouncers' neighbors: %s",
			  strerror(-n));
	return 0;
}

/* The metrics' ports: the underlay interface, then every port's device,
 * as the kernel counts them. */
static int metrics_ports(void *arg, struct alk_metrics_port *p, int max)
{
	struct agentd *d = arg;
	struct alk_port_key keys[2], *prev = NULL;
	int n = 0;

	if (max && !alk_metrics_netdev(d->underlay, &p[n]))
		n++;
	for (int i = 0; n < max; i ^= 1) {
		char dev[ALK_IFNAMSIZ + 1] = { 0 };

		if (d->tables->ops->next_key(d->tables, ALK_T_PORT, prev,
					     &keys[i]))
			break;
		memcpy(dev, keys[i].dev, ALK_IFNAMSIZ);
		if (!alk_metrics_netdev(dev, &p[n]))
			n++;
		prev = &keys[i];
	}
	return n;
}

static int start(struct agentd *d)
{
	struct alk_metrics_source src;
	struct alk_error err = { 0 };
	bool fresh;
	int prog_fd, rc;

	find_object(d);
	if (access(d->object_path, R_OK)) {
		alk_fail("cannot read the TC program %s: %m (give its path "
			 "with --bpf-object)",
			 d->object_path);
		return ALK_EXIT_FAIL;
	}
	if (alk_daemon_socket_taken()) {
		alk_fail("another daemon answers on the control socket %s: "
			 "give this one a socket of its own (-s)",
			 alk_opt.socket ?: ALK_CTL_DEFAULT_SOCKET);
		return ALK_EXIT_FAIL;
	}
	rc = pin_dir_make(d->pin_dir);
	if (rc)
		return rc;
	d->loop = alk_loop_create("exiting; the TC program stays attached "
				  "and keeps forwarding");
	if (!d->loop) {
		alk_fail("cannot set up the event loop: %m");
		return ALK_EXIT_FAIL;
	}
	prog_fd = program_load(d, &fresh);
	if (prog_fd < 0)
		return ALK_EXIT_FAIL;
	d->tables = alk_agent_tables_create(d->obj, prog_fd,
					    d->underlay_ifindex, &err);
	if (!d->tables) {
		alk_fail("tables: %s", err.msg);
		return ALK_EXIT_FAIL;
	}
	/* the file's tables and gateway first: the options win over it */
	if (alk_daemon_tables_start(&d->cfg, d->tables, fresh))
		return ALK_EXIT_FAIL;
	if (settings_write(d))
		return ALK_EXIT_FAIL;
	/* the ports first: the underlay's frames are delivered to them */
	rc = alk_agent_ports_attach(d->tables);
	if (rc < 0) {
		alk_fail("attaching the program to the ports: %s",
			 strerror(-rc));
		return ALK_EXIT_FAIL;
	}
	if (rc)
		alk_say("%d port%s found pinned, program replaced", rc,
			rc == 1 ? "" : "s");
	rc = alk_agent_tc_attach(d->underlay_ifindex, prog_fd);
	if (rc) {
		alk_fail("%s: cannot attach the program at TC ingress: %s",
			 d->underlay, strerror(-rc));
		return ALK_EXIT_FAIL;
	}
	alk_agent_resolve_bouncers(d->tables);
	if (alk_loop_timer(d->loop, TICK_MS, on_tick, d)) {
		alk_fail("cannot set up a timer: %m");
		return ALK_EXIT_FAIL;
	}
	d->srv = alk_daemon_control_start(d->loop, d->tables, &d->cfg);
	if (!d->srv)
		return ALK_EXIT_FAIL;
	src = (struct alk_metrics_source){ d->tables,
					   alk_ctl_server_counters(d->srv),
					   metrics_ports, d };
	return alk_daemon_metrics_start(d->loop, &src, &d->metrics) ?
		       ALK_EXIT_FAIL :
		       0;
}

/* SIGHUP: the file's tables, never its gateway (this host's identity) */
static void reload_start(struct agentd *d)
{
	static const struct alk_config_section none[] = { { 0 } };
	static struct alk_reload reload = {
		.sections = none,
		.keep_gateway = true,
	};

	reload.tables = d->tables;
	reload.cfg = &d->cfg;
	reload.what = d->underlay;
	alk_loop_on_reload(d->loop, alk_daemon_reload_cb, &reload);
	/* the program attached to the underlay and the ports */
	alk_notify_ready(d->tables, d->underlay);
}

int main(int argc, char **argv)
{
	const struct alk_config_section sections[] = { { 0 } };
	struct agentd *d = &agentd;
	char a[INET_ADDRSTRLEN];
	int rc, code;

	rc = alk_options_parse(&prog, argc, argv);
	if (rc)
		return rc > 0 ? ALK_EXIT_OK : ALK_EXIT_USAGE;
	if (!d->underlay) {
		alk_usage_error(
			"no underlay interface: give --underlay IFNAME");
		return ALK_EXIT_USAGE;
	}
	code = alk_daemon_configure(sections, &d->cfg);
	if (code)
		goto out;
	libbpf_set_print(libbpf_print);
	code = underlay_find(d);
	if (!code)
		code = start(d);
	if (!code) {
		reload_start(d);
		alk_say("ready: underlay %s (%s), direct path %s, maps under "
			"%s, control socket %s; SIGTERM or SIGINT ends the "
			"daemon, not the data plane",
			d->underlay, inet_ntop(AF_INET, &d->ip, a, sizeof(a)),
			d->direct_path ? "on" : "off", d->pin_dir,
			alk_opt.socket ?: ALK_CTL_DEFAULT_SOCKET);
		rc = alk_loop_run(d->loop);
		if (rc) {
			alk_fail("event loop: %s", strerror(-rc));
			code = ALK_EXIT_FAIL;
		}
	}
	alk_metrics_stop(d->metrics);
	alk_ctl_server_destroy(d->srv);
	if (d->tables)
		d->tables->ops->close(d->tables);
	/* the TC filters hold the program: it stays attached */
	bpf_object__close(d->obj);
	alk_loop_free(d->loop);
out:
	alk_config_free(&d->cfg);
	return code;
}
