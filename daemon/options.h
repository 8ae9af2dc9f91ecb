/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The daemons' command line: one table of the options every daemon takes
 * (the configuration file, the control socket and its group, the state
 * file, table sizes, the gateway, -v, -V, -h), which each daemon extends
 * with rows of its own.  One parser reads both tables; --help prints the
 * daemon's text around both tables' rows, so that a common option is
 * described once, the same way in every daemon.
 *
 *   static const struct alk_opt own[] = {
 *           { "interface", 'i', "IFNAME", ALK_OPT_CALL, .call = add_iface,
 *             .help = "Serve IFNAME ..." },
 *           { 0 },
 *   };
 *   static const struct alk_program prog = { "alkaid-xdp", ALK_VERSION,
 *                                            head, own, tail };
 *   rc = alk_options_parse(&prog, argc, argv);   values in alk_opt
 *
 * Table sizes take a count: decimal digits, optionally followed by K, M or
 * G, powers of 1024 (16M is 16777216), from 1 to ALK_TABLE_SIZE_MAX, the
 * configuration file's limit.
 */
#ifndef ALKAID_DAEMON_OPTIONS_H
#define ALKAID_DAEMON_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "tables/tables.h"

enum alk_opt_kind {
	ALK_OPT_FLAG,	 /* bool *out = true */
	ALK_OPT_STRING,	 /* const char **out */
	ALK_OPT_PATH,	 /* const char **out, not empty */
	ALK_OPT_COUNT,	 /* uint32_t *out: a table size (see above) */
	ALK_OPT_NUMBER,	 /* uint32_t *out: decimal, from min to max */
	ALK_OPT_IPV4,	 /* __be32 *out */
	ALK_OPT_MAC,	 /* uint8_t out[6] */
	ALK_OPT_CALL,	 /* call(arg): 0, or -1 once said why */
	ALK_OPT_HELP,	 /* print --help, done */
	ALK_OPT_VERSION, /* print the version, done */
};

struct alk_opt {
	const char *name; /* --name; NULL: a short option only */
	int key;	  /* -k; 0: a long option only */
	const char *arg;  /* its argument in --help; NULL: it takes none */
	enum alk_opt_kind kind;
	void *out;
	bool *given;	   /* set true when the option is given; may be NULL */
	uint32_t min, max; /* ALK_OPT_NUMBER */
	int (*call)(const char *arg);
	/* lines of --help (indented when printed); a printf format given
	 * help_arg, so that a default is written once, where it is defined */
	const char *help;
	unsigned long help_arg;
};

/* What the common options gave; the daemons read them here. */
struct alk_options {
	const char *config; /* -c */
	const char *socket; /* after merging: NULL is the default socket */
	const char *group;
	const char *state;
	const char *metrics; /* ADDR:PORT; after merging: NULL is none */
	struct alk_table_sizes sizes;
	struct {
		bool endpoints, networks, vpcs, neighbors;
	} sizes_given;
	bool gw_ip_given, gw_mac_given;
	uint32_t gw_ip; /* network order */
	uint8_t gw_mac[6];
	bool verbose;
};

extern struct alk_options alk_opt;

struct alk_program {
	const char *name;
	const char *version;
	const char *head; /* --help before OPTIONS: NAME, SYNOPSIS, ... */
	const struct alk_opt *options; /* its own, ended by { 0 } */
	const char *tail; /* after them: SIGNALS, EXIT STATUS, EXAMPLES */
};

/*
 * Parse argv[1..argc) with the common rows and the program's (argv[0] is
 * not read).  Returns 0 to go on, 1 when done (--help, --version printed),
 * -1 on bad usage (said, with a pointer to --help).
 */
int alk_options_parse(const struct alk_program *prog, int argc, char **argv);

/* The whole --help page. */
void alk_options_help(const struct alk_program *prog, FILE *out);

/* A count as table sizes take it, from min to max; 0 or -EINVAL. */
int alk_parse_count(const char *s, uint32_t min, uint32_t max, uint32_t *out);

#endif
