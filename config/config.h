/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The daemons' start-up configuration, read with libconfig.  One file
 * format for every daemon: the sections common to all (control,
 * table-sizes, gateway, state-file, initial-tables, initial-file) are read
 * here; a daemon hands alk_config_load() readers for its own sections
 * (alkaid-xdp's xdp, alkaid-dpdk's dpdk), which use the alk_config_*()
 * helpers below so that their errors read like these.  The format is
 * documented in config/README.md and in the two example files.
 *
 * Loading checks what the file alone can tell before the daemon touches a
 * NIC: types, ranges, unknown settings (a misspelt name is an error, not a
 * default), the gateway and initial tables in the command grammar.  Every
 * error names the file, the line and the setting.  What the table API
 * would say of them (daemon/start.h) and filling tables are not done here:
 * this library needs tables/ and libconfig only.
 */
#ifndef ALKAID_CONFIG_H
#define ALKAID_CONFIG_H

#include <libconfig.h>
#include <stdbool.h>
#include <stdint.h>

#include "tables/cmd.h"
#include "tables/cmdfile.h"
#include "tables/tables.h"

/* The largest table the file or a command line may ask for: beyond it is
 * a typo, not a plan (2^28 endpoints is 3 GiB). */
#define ALK_TABLE_SIZE_MAX (1u << 28)

/* One loading in progress: what the helpers below report errors against. */
struct alk_config_reader;

/*
 * A top-level section a daemon reads itself.  read() gets the section
 * (a group) and arg; it returns 0, or the helpers' -EINVAL (error said)
 * or -ENOMEM.  A section without read() is accepted and skipped (a test
 * daemon reading a file written for a real one).
 */
struct alk_config_section {
	const char *name;
	/* NULL: optional; else the section is required, and a file without
	 * it is refused with this reason */
	const char *missing;
	int (*read)(struct alk_config_reader *r, const config_setting_t *group,
		    void *arg);
	void *arg;
};

struct alk_config {
	char *path;
	struct {
		char *socket;  /* NULL: ALK_CTL_DEFAULT_SOCKET */
		char *group;   /* NULL: root only */
		char *metrics; /* ADDR:PORT of /metrics; NULL: none */
	} control;
	struct alk_table_sizes sizes;
	bool has_gateway;
	struct alk_gateway gateway;
	int gateway_line;
	char *state_file;	    /* NULL: none */
	struct alk_cmdfile initial; /* initial-tables, checked */
	char *initial_file;	    /* NULL: none */
};

/* Defaults only: what a daemon runs with when given no file. */
void alk_config_init(struct alk_config *cfg);

/* Read and check path, with the daemon's sections (an array ended by a
 * row without a name; NULL: none).  On error returns -errno with err->msg
 * as "<file>:<line>: <setting>: <reason>" and nothing to free (the
 * sections' own data is theirs to free). */
int alk_config_load(const char *path, const struct alk_config_section *sections,
		    struct alk_config *cfg, struct alk_error *err);

void alk_config_free(struct alk_config *cfg);

/* A state file given on the command line replaces the file's, made
 * absolute as the file's must be.  0 or -errno. */
int alk_config_set_state_file(struct alk_config *cfg, const char *path);

/* ---- for section readers ---------------------------------------------- */

/* Refuse setting s: "<file>:<line>: <setting>: <reason>"; -EINVAL. */
int alk_config_bad(struct alk_config_reader *r, const config_setting_t *s,
		   const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Every member of group is one of names (NULL-terminated), or -EINVAL. */
int alk_config_only(struct alk_config_reader *r, const config_setting_t *group,
		    const char *const *names);

/* The member called name in *out, NULL if absent; -EINVAL if it is not of
 * type (CONFIG_TYPE_LIST also takes an array). */
int alk_config_member(struct alk_config_reader *r,
		      const config_setting_t *group, const char *name, int type,
		      config_setting_t **out);

/* A non-empty string member, strdup'ed into *out (freeing the old one). */
int alk_config_string(struct alk_config_reader *r,
		      const config_setting_t *group, const char *name,
		      char **out);

/* An integer setting from min to max. */
int alk_config_number(struct alk_config_reader *r, const config_setting_t *s,
		      long long min, long long max, long long *out);

/* An integer member from min to max; *out untouched when absent. */
int alk_config_u32(struct alk_config_reader *r, const config_setting_t *group,
		   const char *name, uint32_t min, uint32_t max, uint32_t *out);

/* A list (or array) of strings, each strdup'ed. */
int alk_config_strings(struct alk_config_reader *r,
		       const config_setting_t *list, char ***out,
		       unsigned int *n);

/* Free what alk_config_strings() made. */
void alk_config_strings_free(char **v, unsigned int n);

/* The line of s as the user sees it (see source_line() in config.c). */
int alk_config_line(struct alk_config_reader *r, const config_setting_t *s);

#endif
