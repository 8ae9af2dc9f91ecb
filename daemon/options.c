/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "ctl/api.h"
#include "log.h"
#include "options.h"
#include "tables/cmd.h"

struct alk_options alk_opt;

/* clang-format off */
static const char sizes_note[] =
"The defaults are the configuration file's table-sizes when\n"
"it gives them.  N is a count from 1 to %uM: decimal digits,\n"
"optionally followed by K, M or G, powers of 1024 (16M is\n"
"16777216).  The configuration file has the same limit.";

/* The rows every daemon has, in the order --help lists them after the
 * daemon's own. */
static const struct alk_opt common[] = {
	{ "config", 'c', "FILE", ALK_OPT_PATH, &alk_opt.config,
	  .help = "Read the start-up configuration from FILE (see\n"
		  "CONFIGURATION FILE above).  Options given on the command\n"
		  "line win over the file." },
	{ "socket", 's', "PATH", ALK_OPT_PATH, &alk_opt.socket,
	  .help = "The control socket, a Unix stream socket of mode 0660 (its\n"
		  "directory is created).  Default: the file's control.socket,\n"
		  "else " ALK_CTL_DEFAULT_SOCKET ".  A socket left by a dead\n"
		  "daemon is replaced; one on which a live daemon answers is\n"
		  "not." },
	{ "group", 0, "NAME", ALK_OPT_STRING, &alk_opt.group,
	  .help = "Members of group NAME may use the control socket too (it\n"
		  "belongs to the group); root and the daemon's own user\n"
		  "always may.  Default: the file's control.group, else none." },
	{ "state", 0, "FILE", ALK_OPT_PATH, &alk_opt.state,
	  .help = "Keep every table in FILE, in alkaidctl's batch-file grammar:\n"
		  "written atomically (a temporary file, fsync, rename) at most\n"
		  "a second after changes made through the control socket, and\n"
		  "at exit.  When the daemon creates its tables and FILE exists,\n"
		  "it is loaded instead of the initial tables.  Its directory is\n"
		  "made when it is first written.  Default: the file's\n"
		  "state-file, else none." },
	{ "metrics", 0, "ADDR:PORT", ALK_OPT_STRING, &alk_opt.metrics,
	  .help = "Serve Prometheus metrics (OpenMetrics text) over HTTP at\n"
		  "http://ADDR:PORT/metrics: frames by reason and verdict,\n"
		  "ports, tables, control requests, the build.  ADDR is an\n"
		  "IPv4 address or [IPv6].  Default: the file's\n"
		  "control.metrics, else none (off)." },
	{ "endpoints", 0, "N", ALK_OPT_COUNT, &alk_opt.sizes.endpoints,
	  &alk_opt.sizes_given.endpoints,
	  .help = "Capacity of the endpoint table and of the DHCP index (one\n"
		  "entry per endpoint).  Default %lu.",
	  .help_arg = ALK_DEFAULT_ENDPOINTS },
	{ "networks", 0, "N", ALK_OPT_COUNT, &alk_opt.sizes.networks,
	  &alk_opt.sizes_given.networks,
	  .help = "Capacity of the networks table.  Default %lu.",
	  .help_arg = ALK_DEFAULT_NETWORKS },
	{ "vpcs", 0, "N", ALK_OPT_COUNT, &alk_opt.sizes.vpcs,
	  &alk_opt.sizes_given.vpcs,
	  .help = "Capacity of the VPC table.  Default %lu.",
	  .help_arg = ALK_DEFAULT_VPCS },
	{ "neighbors", 0, "N", ALK_OPT_COUNT, &alk_opt.sizes.neighbors,
	  &alk_opt.sizes_given.neighbors,
	  .help = "Capacity of the neighbor table (underlay IP to MAC).\n"
		  "Default %lu.\n\n%s",
	  .help_arg = ALK_DEFAULT_NEIGHBORS },
	{ "gateway-ip", 0, "A", ALK_OPT_IPV4, &alk_opt.gw_ip,
	  &alk_opt.gw_ip_given,
	  .help = "The gateway's underlay IPv4 address, to which hosts send\n"
		  "overlay frames.  Written to the gateway table at start-up,\n"
		  "after the state file's and the configuration file's gateway\n"
		  "(see GATEWAY above).  Without it (and without a gateway in\n"
		  "the file) the table keeps what it holds." },
	{ "gateway-mac", 0, "M", ALK_OPT_MAC, alk_opt.gw_mac,
	  &alk_opt.gw_mac_given,
	  .help = "The gateway's MAC, the source of every frame it sends.\n"
		  "Default: the MAC of each interface or port.  Needs\n"
		  "--gateway-ip." },
	{ "verbose", 'v', NULL, ALK_OPT_FLAG, &alk_opt.verbose,
	  .help = "Print the libraries' debug messages too." },
	{ "version", 'V', NULL, ALK_OPT_VERSION,
	  .help = "Print the version and exit." },
	{ "help", 'h', NULL, ALK_OPT_HELP,
	  .help = "Print this help and exit." },
	{ 0 },
};
/* clang-format on */

/* Decimal only: a leading 0 is not octal, as "010" is ten everywhere. */
static int parse_decimal(const char *s, bool suffixes, uint32_t min,
			 uint32_t max, uint32_t *out)
{
	unsigned long long v, unit = 1;
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -EINVAL;
	switch (suffixes ? *end : 0) {
	case 'G':
	case 'g':
		unit <<= 10;
		/* fall through */
	case 'M':
	case 'm':
		unit <<= 10;
		/* fall through */
	case 'K':
	case 'k':
		unit <<= 10;
		end++;
	}
	if (*end || v > max / unit || v * unit < min)
		return -EINVAL;
	*out = v * unit;
	return 0;
}

int alk_parse_count(const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
	return parse_decimal(s, true, min, max, out);
}

/* "--name" or "-k", for messages. */
static const char *opt_name(const struct alk_opt *o, char *buf, size_t len)
{
	if (o->name)
		snprintf(buf, len, "--%s", o->name);
	else
		snprintf(buf, len, "-%c", o->key);
	return buf;
}

/* 0, or -1 once said why. */
static int take(const struct alk_opt *o, const char *arg)
{
	char name[32];

	opt_name(o, name, sizeof(name));
	if (o->given)
		*o->given = true;
	switch (o->kind) {
	case ALK_OPT_FLAG:
		if (o->out)
			*(bool *)o->out = true;
		return 0;
	case ALK_OPT_PATH:
		if (!*arg)
			return alk_usage_error("%s wants a path", name);
		/* fall through */
	case ALK_OPT_STRING:
		*(const char **)o->out = arg;
		return 0;
	case ALK_OPT_COUNT:
		if (alk_parse_count(arg, 1, ALK_TABLE_SIZE_MAX, o->out))
			return alk_usage_error(
				"%s wants a count from 1 to 256M "
				"(K, M and G suffixes allowed), "
				"not '%s'",
				name, arg);
		return 0;
	case ALK_OPT_NUMBER:
		if (parse_decimal(arg, false, o->min, o->max, o->out))
			return alk_usage_error(
				"%s wants a number from %u to %u, "
				"not '%s'",
				name, o->min, o->max, arg);
		return 0;
	case ALK_OPT_IPV4:
		if (alk_parse_ipv4(arg, o->out))
			return alk_usage_error(
				"%s: '%s' is not an IPv4 address", name, arg);
		return 0;
	case ALK_OPT_MAC:
		if (alk_parse_mac(arg, o->out))
			return alk_usage_error("%s: '%s' is not a MAC address "
					       "(aa:bb:cc:dd:ee:ff)",
					       name, arg);
		return 0;
	case ALK_OPT_CALL:
		return o->call(arg);
	case ALK_OPT_HELP:
	case ALK_OPT_VERSION:
		break; /* done by the parser */
	}
	return -1;
}

#define MAX_ROWS 64

/* Both tables as one: own rows first, then the common ones. */
static int rows(const struct alk_program *prog, const struct alk_opt **all)
{
	int n = 0;

	for (const struct alk_opt *o = prog->options; o && (o->name || o->key);
	     o++)
		if (n < MAX_ROWS)
			all[n++] = o;
	for (const struct alk_opt *o = common; o->name; o++)
		if (n < MAX_ROWS)
			all[n++] = o;
	return n;
}

int alk_options_parse(const struct alk_program *prog, int argc, char **argv)
{
	const struct alk_opt *all[MAX_ROWS];
	struct option longs[MAX_ROWS + 1] = { 0 };
	char shorts[2 * MAX_ROWS + 1] = "";
	int n = rows(prog, all), nl = 0, ns = 0, c;

	alk_log_init(prog->name);
	alk_table_sizes_default(&alk_opt.sizes);
	for (int i = 0; i < n; i++) {
		int has_arg = all[i]->arg ? required_argument : no_argument;

		if (all[i]->name)
			longs[nl++] = (struct option){ all[i]->name, has_arg,
						       NULL, 256 + i };
		if (all[i]->key) {
			shorts[ns++] = all[i]->key;
			if (has_arg)
				shorts[ns++] = ':';
		}
	}
	optind = 1;
	while ((c = getopt_long(argc, argv, shorts, longs, NULL)) != -1) {
		const struct alk_opt *o = NULL;

		if (c >= 256)
			o = all[c - 256];
		for (int i = 0; !o && c != '?' && i < n; i++)
			if (all[i]->key == c)
				o = all[i];
		if (!o)
			return alk_usage_error("bad option");
		if (o->kind == ALK_OPT_HELP) {
			alk_options_help(prog, stdout);
			return 1;
		}
		if (o->kind == ALK_OPT_VERSION) {
			printf("%s %s\n", prog->name, prog->version);
			return 1;
		}
		if (take(o, optarg))
			return -1;
	}
	if (optind < argc)
		return alk_usage_error("unexpected argument '%s'",
				       argv[optind]);
	if (alk_opt.gw_mac_given && !alk_opt.gw_ip_given)
		return alk_usage_error("--gateway-mac needs --gateway-ip");
	alk_log_set_verbose(alk_opt.verbose);
	return 0;
}

static void print_row(const struct alk_opt *o, FILE *out)
{
	char text[2048], note[sizeof(sizes_note) + 16], *line, *next;

	fputs("    ", out);
	if (o->key)
		fprintf(out, "-%c%s", o->key, o->name ? ", " : "");
	if (o->name)
		fprintf(out, "--%s", o->name);
	fprintf(out, "%s%s\n", o->arg ? " " : "", o->arg ? o->arg : "");
	/* only the sizes' last row prints the note they share */
	snprintf(note, sizeof(note), sizes_note, ALK_TABLE_SIZE_MAX >> 20);
	snprintf(text, sizeof(text), o->help, o->help_arg, note);
	for (line = text; line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		fprintf(out, "%s%s\n", *line ? "        " : "", line);
	}
	fputc('\n', out);
}

void alk_options_help(const struct alk_program *prog, FILE *out)
{
	const struct alk_opt *all[MAX_ROWS];
	int n = rows(prog, all);

	fputs(prog->head, out);
	fputs("OPTIONS\n", out);
	for (int i = 0; i < n; i++)
		print_row(all[i], out);
	fputs(prog->tail, out);
}
