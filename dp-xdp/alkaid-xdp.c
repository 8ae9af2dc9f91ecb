/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * alkaid-xdp: loads the alkaid XDP program on interfaces, owns its tables
 * (BPF maps pinned under <pins>/<ifname>/, <pins> being <bpffs>/alkaid or
 * the configuration's xdp.pin-path) and stays in the foreground to serve
 * them on the control socket (ctl/server.h).
 *
 * Restarts never stop the data plane: the maps are pinned, so a new
 * daemon finds the tables as the old one left them, and the new program
 * takes the place of the old one in one step (attach.c).  Stopping the
 * daemon leaves the program attached.
 *
 * This file: the options (daemon/options.h's and its own), the xdp section
 * of the configuration merged with them, and the start-up order.
 */
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl/api.h"
#include "daemon/log.h"
#include "daemon/notify.h"
#include "daemon/options.h"
#include "daemon/reload.h"
#include "daemon/start.h"
#include "xdpd.h"

#ifndef ALK_BPF_OBJECT_DEFAULT
#define ALK_BPF_OBJECT_DEFAULT "/usr/local/lib/alkaid/alkaid.bpf.o"
#endif
#ifndef ALK_VERSION
#define ALK_VERSION "unknown"
#endif

static struct xdpd xdpd = {
	.mode = XDP_MODE_NATIVE,
	.bpffs = ALK_BPFFS_DEFAULT,
};

/* IFNAME, unless it is not a name or one too many; -1: said why. */
static int add_iface(const char *name)
{
	struct xdpd *d = &xdpd;

	if (strlen(name) >= IFNAMSIZ || !*name)
		return alk_usage_error("'%s' is not an interface name", name);
	if (d->nifnames == MAX_IFACES)
		return alk_usage_error("at most %d interfaces", MAX_IFACES);
	for (int i = 0; i < d->nifnames; i++)
		if (!strcmp(d->ifnames[i], name))
			return alk_usage_error("interface %s given twice",
					       name);
	d->ifnames[d->nifnames++] = name;
	return 0;
}

static int set_mode(const char *mode)
{
	if (!strcmp(mode, "native"))
		xdpd.mode = XDP_MODE_NATIVE;
	else if (!strcmp(mode, "generic") || !strcmp(mode, "skb"))
		xdpd.mode = XDP_MODE_SKB;
	else if (!strcmp(mode, "hw"))
		return alk_usage_error("--mode hw: %s", HW_REFUSED);
	else
		return alk_usage_error("--mode is native or generic, not '%s'",
				       mode);
	xdpd.mode_given = true;
	return 0;
}

/* The help is a page of text, laid out as it prints. */
/* clang-format off */
static const struct alk_opt own[] = {
	{ "interface", 'i', "IFNAME", ALK_OPT_CALL, .call = add_iface,
	  .help = "Serve IFNAME.  Repeat for more interfaces (up to %lu).\n"
		  "Required unless the configuration file lists\n"
		  "xdp.interfaces; given here, they replace the file's.",
	  .help_arg = MAX_IFACES },
	{ "mode", 'm', "native|generic", ALK_OPT_CALL, .call = set_mode,
	  .help = "XDP mode.  native (default) runs in the driver, before the\n"
		  "kernel allocates a socket buffer; generic (or skb) runs on\n"
		  "every driver, after it, and is much slower.  Default: the\n"
		  "file's xdp.mode, else native.  A restart must use the mode\n"
		  "the running program has.  hw (offload to the NIC, xdp.mode =\n"
		  "\"hw\") is refused: the program needs an LPM trie, a per-CPU\n"
		  "array and bpf_xdp_adjust_tail, which no offloading driver\n"
		  "can run." },
	{ "bpf-object", 'o', "PATH", ALK_OPT_STRING, &xdpd.bpf_object,
	  .help = "The compiled XDP program.  Default: alkaid.bpf.o beside the\n"
		  "alkaid-xdp binary when there is one (a build tree), else\n"
		  ALK_BPF_OBJECT_DEFAULT "." },
	{ "bpffs", 0, "DIR", ALK_OPT_STRING, &xdpd.bpffs, &xdpd.bpffs_given,
	  .help = "Where bpffs is, or is to be mounted if it is not there yet.\n"
		  "The tables are pinned in DIR/alkaid/IFNAME/, libxdp keeps its\n"
		  "state in DIR/xdp/.  Default: the parent of the file's\n"
		  "xdp.pin-path, the tables then being pinned in\n"
		  "PIN-PATH/IFNAME/ (pin-path = \"/sys/fs/bpf/alkaid\" is the\n"
		  "default layout); else " ALK_BPFFS_DEFAULT ".  Given here, it\n"
		  "wins over the file's xdp.pin-path." },
	{ "detach", 0, NULL, ALK_OPT_FLAG, &xdpd.detach,
	  .help = "Remove alkaid's program from each interface (other programs\n"
		  "on the libxdp dispatcher stay) and delete the pinned tables,\n"
		  "then exit.  Also cleans up the pins of an interface that no\n"
		  "longer exists.  With -c, the file's interfaces and pin-path." },
	{ 0 },
};

static const char head[] =
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
"\n";

static const char tail[] =
"SIGNALS\n"
"    SIGTERM, SIGINT  exit, leaving the program attached and the tables\n"
"                     pinned; the state file is written if it is behind\n"
"                     and the control socket removed.\n"
"    SIGHUP           reload: read the configuration file (-c) again and\n"
"                     apply its initial-tables, initial-file and gateway\n"
"                     as one change, all of it or none (an error is\n"
"                     logged with its line; the daemon goes on).  Rows\n"
"                     the file no longer has are kept.  Interfaces, mode,\n"
"                     pin path, table sizes and the socket need a restart.\n"
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
"        alkaid-xdp --detach -i eth1\n";

/* clang-format on */

static const struct alk_program prog = { "alkaid-xdp", ALK_VERSION, head, own,
					 tail };

/* SIGHUP reads the file's xdp section here, to say what needs a restart */
static struct alk_xdp_config reload_xcfg;

static bool strings_differ(char **a, unsigned int na, char **b, unsigned int nb)
{
	if (na != nb)
		return true;
	for (unsigned int i = 0; i < na; i++)
		if (strcmp(a[i], b[i]))
			return true;
	return false;
}

static void reload_check(void *arg, bool compare)
{
	const struct alk_xdp_config *old = &xdpd.xcfg, *now = arg;

	if (compare && strings_differ(old->interfaces, old->ninterfaces,
				      now->interfaces, now->ninterfaces))
		alk_say("reload: xdp.interfaces changed: needs a restart");
	if (compare && old->mode != now->mode)
		alk_say("reload: xdp.mode changed: needs a restart");
	if (compare &&
	    (!old->pin_path != !now->pin_path ||
	     (old->pin_path && strcmp(old->pin_path, now->pin_path))))
		alk_say("reload: xdp.pin-path changed: needs a restart");
	alk_xdp_config_free(arg);
	memset(arg, 0, sizeof(reload_xcfg));
}

/* "gw0, gw1": what STATUS= says the daemon serves */
static void iface_list(const struct xdpd *d, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = 0;
	for (int i = 0; i < d->nifaces && used < len; i++)
		used += snprintf(buf + used, len - used, "%s%s", i ? ", " : "",
				 d->ifaces[i].name);
}

/* SIGHUP reloads the file's tables; then READY=1: the program is
 * attached to every interface and the tables are filled. */
static void reload_start(struct xdpd *d)
{
	static const struct alk_config_section sections[] = {
		ALK_XDP_SECTION(&reload_xcfg),
		{ 0 },
	};
	static char serving[256];
	static struct alk_reload reload = {
		.sections = sections,
		.check = reload_check,
		.arg = &reload_xcfg,
		.what = serving,
	};

	iface_list(d, serving, sizeof(serving));
	reload.tables = d->tables;
	reload.cfg = &d->cfg;
	alk_loop_on_reload(d->loop, alk_daemon_reload_cb, &reload);
	alk_notify_ready(d->tables, serving);
}

/*
 * The xdp section, under what the command line gave: the interfaces, the
 * mode, and where the pins go.  0, or the exit status once said why.
 */
static int xdp_from_config(struct xdpd *d)
{
	const struct alk_xdp_config *x = &d->xcfg;
	const char *config = alk_opt.config;
	char *slash;
	int n;

	if (!d->nifnames)
		for (unsigned int i = 0; i < x->ninterfaces; i++)
			if (add_iface(x->interfaces[i]))
				return ALK_EXIT_USAGE;
	if (!d->mode_given && x->present) {
		if (x->mode == ALK_XDP_HW) {
			alk_say("%s: xdp.mode: %s", config, HW_REFUSED);
			return ALK_EXIT_USAGE;
		}
		d->mode =
			x->mode == ALK_XDP_SKB ? XDP_MODE_SKB : XDP_MODE_NATIVE;
	}

	/* pin-path holds the interfaces' directories, as <bpffs>/alkaid
	 * does; the bpffs (and libxdp's state) is its parent */
	if (d->bpffs_given || !x->pin_path) {
		n = snprintf(d->pins, sizeof(d->pins), "%s/alkaid", d->bpffs);
	} else {
		n = snprintf(d->pins, sizeof(d->pins), "%s", x->pin_path);
		while (n > 1 && n < (int)sizeof(d->pins) &&
		       d->pins[n - 1] == '/')
			d->pins[--n] = 0;
		slash = strrchr(d->pins, '/');
		if (!slash || slash == d->pins) {
			alk_say("%s: xdp.pin-path '%s': a directory in a bpffs "
				"is needed, such as /sys/fs/bpf/alkaid",
				config, x->pin_path);
			return ALK_EXIT_USAGE;
		}
		snprintf(d->bpffs_dir, sizeof(d->bpffs_dir), "%.*s",
			 (int)(slash - d->pins), d->pins);
		d->bpffs = d->bpffs_dir;
	}
	if (n < 0 || n >= (int)sizeof(d->pins)) {
		alk_usage_error("the pin path is too long");
		return ALK_EXIT_USAGE;
	}
	if (!d->nifnames) {
		alk_usage_error("no interface: give at least one -i IFNAME, or "
				"xdp.interfaces in %s",
				config);
		return ALK_EXIT_USAGE;
	}
	return 0;
}

/* Each interface by name: its index and MAC (not needed to detach). */
static int ifaces_find(struct xdpd *d)
{
	for (int i = 0; i < d->nifnames; i++) {
		struct iface *ifc = &d->ifaces[d->nifaces++];

		ifc->name = d->ifnames[i];
		ifc->lock_fd = -1;
		ifc->ifindex = if_nametoindex(ifc->name);
		if (d->detach)
			continue;
		if (!ifc->ifindex) {
			alk_fail("no interface named %s", ifc->name);
			return ALK_EXIT_FAIL;
		}
		if (iface_mac(ifc->name, ifc->mac)) {
			alk_fail("%s: cannot read its MAC address: %m",
				 ifc->name);
			return ALK_EXIT_FAIL;
		}
	}
	return 0;
}

static int detach_all(struct xdpd *d)
{
	int code = ALK_EXIT_OK;

	for (int i = 0; i < d->nifaces; i++) {
		int rc = iface_detach(d, &d->ifaces[i]);

		if (rc)
			code = rc;
	}
	return code;
}

/*
 * The interfaces are claimed (a restart waits for the old daemon to let
 * go) before the socket is checked (the old daemon's is then gone: a live
 * one is another daemon's), and both before any program is attached.
 */
static int start(struct xdpd *d)
{
	int code = 0;

	find_object(d);
	if (access(d->object_path, R_OK)) {
		alk_fail("cannot read the XDP program %s: %m (give its path "
			 "with --bpf-object)",
			 d->object_path);
		return ALK_EXIT_FAIL;
	}
	d->loop = alk_loop_create("exiting; the XDP program stays attached "
				  "and keeps forwarding");
	if (!d->loop) {
		alk_fail("cannot set up the event loop: %m");
		return ALK_EXIT_FAIL;
	}
	for (int i = 0; i < d->nifaces && !code; i++)
		code = iface_claim(d, &d->ifaces[i]);
	if (!code && alk_daemon_socket_taken()) {
		alk_fail("another daemon answers on the control socket %s: "
			 "give this one a socket of its own (-s)",
			 alk_opt.socket ?: ALK_CTL_DEFAULT_SOCKET);
		code = ALK_EXIT_FAIL;
	}
	for (int i = 0; i < d->nifaces && !code; i++)
		code = iface_start(d, &d->ifaces[i]);
	if (!code && serve_start(d))
		code = ALK_EXIT_FAIL;
	return code;
}

int main(int argc, char **argv)
{
	const struct alk_config_section sections[] = {
		ALK_XDP_SECTION(&xdpd.xcfg),
		{ 0 },
	};
	struct xdpd *d = &xdpd;
	int rc, code;

	rc = alk_options_parse(&prog, argc, argv);
	if (rc)
		return rc > 0 ? ALK_EXIT_OK : ALK_EXIT_USAGE;
	if (!d->nifnames && !alk_opt.config) {
		alk_usage_error("no interface: give at least one -i IFNAME, or "
				"a configuration file (-c)");
		return ALK_EXIT_USAGE;
	}
	code = alk_daemon_configure(sections, &d->cfg);
	if (!code)
		code = xdp_from_config(d);
	if (code)
		goto out;
	lib_log_init();
	/* libxdp keeps its dispatcher state in the same bpffs as our pins */
	setenv(XDP_BPFFS_ENVVAR, d->bpffs, 1);
	code = ifaces_find(d);
	if (!code && ensure_bpffs(d->bpffs))
		code = ALK_EXIT_FAIL;
	if (code)
		goto out;
	if (d->detach) {
		code = detach_all(d);
		goto out;
	}

	code = start(d);
	if (!code) {
		reload_start(d);
		alk_say("ready: %d interface%s, tables under %s, control "
			"socket "
			"%s%s%s; SIGTERM or SIGINT ends the daemon, not the "
			"data plane; SIGHUP reloads",
			d->nifaces, d->nifaces == 1 ? "" : "s", d->pins,
			alk_opt.socket ?: ALK_CTL_DEFAULT_SOCKET,
			d->cfg.state_file ? ", state file " : "",
			d->cfg.state_file ?: "");
		rc = alk_loop_run(d->loop);
		if (rc) {
			alk_fail("event loop: %s", strerror(-rc));
			code = ALK_EXIT_FAIL;
		}
	}
	serve_stop(d);
	for (int i = 0; i < d->nifaces; i++) {
		iface_close(&d->ifaces[i]);
		/* the directory of a claim that went no further: rmdir
		 * removes it only if empty, never tables */
		if (d->ifaces[i].pin_dir[0])
			rmdir(d->ifaces[i].pin_dir);
	}
	alk_loop_free(d->loop);
out:
	alk_config_free(&d->cfg);
	alk_xdp_config_free(&d->xcfg);
	return code;
}
