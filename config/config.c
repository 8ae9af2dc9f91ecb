/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <grp.h>
#include <libconfig.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"

struct alk_config_reader {
	const char *path;
	struct alk_config *cfg;
	struct alk_error *err;
	char *text;	/* the file, read when a line must be corrected */
	size_t *starts; /* offset of each line */
	int nlines;
};

static void read_lines(struct alk_config_reader *l)
{
	FILE *f = fopen(l->path, "re");
	size_t len = 0, cap = 0;
	int n = 0;

	l->nlines = -1; /* tried */
	if (!f || getdelim(&l->text, &cap, 0, f) < 0) {
		if (f)
			fclose(f);
		return;
	}
	fclose(f);
	len = strlen(l->text);
	for (size_t i = 0; i < len; i++)
		n += l->text[i] == '\n';
	l->starts = malloc((n + 2) * sizeof(*l->starts));
	if (!l->starts)
		return;
	l->starts[0] = 0;
	n = 1;
	for (size_t i = 0; i < len; i++)
		if (l->text[i] == '\n')
			l->starts[n++] = i + 1;
	l->nlines = n;
}

/*
 * libconfig gives a setting the line of the token after it: the last
 * element of a list closed on the next line gets that next line.  A string
 * is looked for on its own line, going up from there.
 */
static int source_line(struct alk_config_reader *l, const config_setting_t *s)
{
	int line = config_setting_source_line(s);
	const char *file = config_setting_source_file(s);
	char quoted[256];

	if (config_setting_type(s) != CONFIG_TYPE_STRING ||
	    (file && strcmp(file, l->path)) ||
	    snprintf(quoted, sizeof(quoted), "\"%s\"",
		     config_setting_get_string(s)) >= (int)sizeof(quoted))
		return line;
	if (!l->nlines)
		read_lines(l);
	for (int i = line < l->nlines ? line : l->nlines; i >= 1; i--) {
		size_t end = i < l->nlines ? l->starts[i] : strlen(l->text);
		char *p = l->text + l->starts[i - 1], saved = l->text[end];
		bool found;

		l->text[end] = 0;
		found = strstr(p, quoted);
		l->text[end] = saved;
		if (found)
			return i;
	}
	return line;
}

/* "table-sizes.endpoints", "dpdk.ports.[1].queues" */
static void setting_name(const config_setting_t *s, char *buf, size_t size)
{
	const config_setting_t *parent = config_setting_parent(s);
	size_t len;

	buf[0] = 0;
	if (!parent) /* the root */
		return;
	setting_name(parent, buf, size);
	len = strlen(buf);
	if (config_setting_name(s))
		snprintf(buf + len, size - len, "%s%s", len ? "." : "",
			 config_setting_name(s));
	else
		snprintf(buf + len, size - len, "[%d]",
			 config_setting_index(s));
}

int alk_config_bad(struct alk_config_reader *l, const config_setting_t *s,
		   const char *fmt, ...)
{
	char name[96], reason[128];
	const char *file = config_setting_source_file(s);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	setting_name(s, name, sizeof(name));
	l->err->index = source_line(l, s);
	if (!l->err->index) /* the root: the file as a whole */
		snprintf(l->err->msg, sizeof(l->err->msg), "%s: %s", l->path,
			 reason);
	else
		snprintf(l->err->msg, sizeof(l->err->msg), "%s:%ld: %s%s%s",
			 file ? file : l->path, (long)l->err->index, name,
			 name[0] ? ": " : "", reason);
	return -EINVAL;
}

/* Every member of group is one of names: a misspelt setting must not
 * silently leave its default in place. */
int alk_config_only(struct alk_config_reader *l, const config_setting_t *group,
		    const char *const *names)
{
	for (int i = 0; i < config_setting_length(group); i++) {
		const config_setting_t *s = config_setting_get_elem(group, i);
		const char *const *n;

		for (n = names; *n; n++)
			if (!strcmp(*n, config_setting_name(s)))
				break;
		if (!*n)
			return alk_config_bad(l, s, "unknown setting");
	}
	return 0;
}

static const char *type_name(int type)
{
	switch (type) {
	case CONFIG_TYPE_GROUP:
		return "a group { ... }";
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		return "an integer";
	case CONFIG_TYPE_FLOAT:
		return "a number";
	case CONFIG_TYPE_STRING:
		return "a string";
	case CONFIG_TYPE_BOOL:
		return "true or false";
	case CONFIG_TYPE_ARRAY:
		return "an array [ ... ]";
	case CONFIG_TYPE_LIST:
		return "a list ( ... )";
	}
	return "?";
}

/* The member called name, of the type wanted, or NULL if absent. */
int alk_config_member(struct alk_config_reader *l,
		      const config_setting_t *group, const char *name, int type,
		      config_setting_t **out)
{
	config_setting_t *s = config_setting_get_member(group, name);
	int t;

	*out = s;
	if (!s)
		return 0;
	t = config_setting_type(s);
	if (t == CONFIG_TYPE_INT64)
		t = CONFIG_TYPE_INT;
	/* a list of strings may be written as an array or a list */
	if (type == CONFIG_TYPE_LIST && t == CONFIG_TYPE_ARRAY)
		t = CONFIG_TYPE_LIST;
	if (t != type)
		return alk_config_bad(l, s, "expected %s", type_name(type));
	return 0;
}

int alk_config_string(struct alk_config_reader *l,
		      const config_setting_t *group, const char *name,
		      char **out)
{
	config_setting_t *s;
	int rc = alk_config_member(l, group, name, CONFIG_TYPE_STRING, &s);

	if (rc || !s)
		return rc;
	if (!*config_setting_get_string(s))
		return alk_config_bad(l, s, "empty");
	free(*out);
	*out = strdup(config_setting_get_string(s));
	return *out ? 0 : -ENOMEM;
}

int alk_config_number(struct alk_config_reader *l, const config_setting_t *s,
		      long long min, long long max, long long *out)
{
	long long v;
	int t = config_setting_type(s);

	if (t != CONFIG_TYPE_INT && t != CONFIG_TYPE_INT64)
		return alk_config_bad(l, s, "expected an integer");
	v = config_setting_get_int64(s);
	if (v < min || v > max)
		return alk_config_bad(l, s, "%lld out of range (%lld-%lld)", v,
				      min, max);
	*out = v;
	return 0;
}

int alk_config_u32(struct alk_config_reader *l, const config_setting_t *group,
		   const char *name, uint32_t min, uint32_t max, uint32_t *out)
{
	config_setting_t *s = config_setting_get_member(group, name);
	long long v;
	int rc;

	if (!s)
		return 0;
	rc = alk_config_number(l, s, min, max, &v);
	if (!rc)
		*out = v;
	return rc;
}

/* A list (or array) of strings. */
int alk_config_strings(struct alk_config_reader *l,
		       const config_setting_t *list, char ***out,
		       unsigned int *n)
{
	int len = config_setting_length(list);

	*out = calloc(len ? len : 1, sizeof(char *));
	if (!*out)
		return -ENOMEM;
	for (int i = 0; i < len; i++) {
		const config_setting_t *s = config_setting_get_elem(list, i);

		if (config_setting_type(s) != CONFIG_TYPE_STRING)
			return alk_config_bad(l, s, "expected a string");
		(*out)[i] = strdup(config_setting_get_string(s));
		if (!(*out)[i])
			return -ENOMEM;
		*n = i + 1;
	}
	return 0;
}

static int load_control(struct alk_config_reader *l,
			const config_setting_t *root)
{
	static const char *const names[] = { "socket", "group", "metrics",
					     NULL };
	config_setting_t *g, *s;
	int rc = alk_config_member(l, root, "control", CONFIG_TYPE_GROUP, &g);

	if (rc || !g)
		return rc;
	rc = alk_config_only(l, g, names);
	if (!rc)
		rc = alk_config_string(l, g, "socket", &l->cfg->control.socket);
	if (!rc)
		rc = alk_config_string(l, g, "group", &l->cfg->control.group);
	if (!rc) /* checked with the option's, by the daemon */
		rc = alk_config_string(l, g, "metrics",
				       &l->cfg->control.metrics);
	if (rc)
		return rc;
	s = config_setting_get_member(g, "socket");
	if (s && l->cfg->control.socket[0] != '/')
		return alk_config_bad(l, s, "not an absolute path");
	s = config_setting_get_member(g, "group");
	if (s && !getgrnam(l->cfg->control.group))
		return alk_config_bad(l, s, "no group '%s' on this system",
				      l->cfg->control.group);
	return 0;
}

static int load_sizes(struct alk_config_reader *l, const config_setting_t *root)
{
	static const char *const names[] = { "endpoints", "networks", "vpcs",
					     "neighbors", NULL };
	struct alk_table_sizes *z = &l->cfg->sizes;
	config_setting_t *g;
	int rc = alk_config_member(l, root, "table-sizes", CONFIG_TYPE_GROUP,
				   &g);

	if (rc || !g)
		return rc;
	rc = alk_config_only(l, g, names);
	if (!rc)
		rc = alk_config_u32(l, g, "endpoints", 1, ALK_TABLE_SIZE_MAX,
				    &z->endpoints);
	if (!rc)
		rc = alk_config_u32(l, g, "networks", 1, ALK_TABLE_SIZE_MAX,
				    &z->networks);
	if (!rc)
		rc = alk_config_u32(l, g, "vpcs", 1, ALK_TABLE_SIZE_MAX,
				    &z->vpcs);
	if (!rc)
		rc = alk_config_u32(l, g, "neighbors", 1, ALK_TABLE_SIZE_MAX,
				    &z->neighbors);
	return rc;
}

/* A group of grammar words ("ip", "mac", ...) as one command, so that the
 * file's gateway reads exactly like 'alkaidctl gateway set'. */
static int load_gateway(struct alk_config_reader *l,
			const config_setting_t *root)
{
	char *argv[2 + 2 * 8], values[8][64];
	struct alk_error perr;
	struct alk_cmd cmd;
	config_setting_t *g;
	int argc = 2, rc;

	rc = alk_config_member(l, root, "gateway", CONFIG_TYPE_GROUP, &g);
	if (rc || !g)
		return rc;
	if (config_setting_length(g) > 8)
		return alk_config_bad(l, g, "too many settings");
	argv[0] = "gateway";
	argv[1] = "set";
	for (int i = 0; i < config_setting_length(g); i++) {
		config_setting_t *s = config_setting_get_elem(g, i);
		char *v = values[i];

		argv[argc++] = (char *)config_setting_name(s);
		switch (config_setting_type(s)) {
		case CONFIG_TYPE_STRING:
			if (strlen(config_setting_get_string(s)) >=
			    sizeof(values[i]))
				return alk_config_bad(l, s, "too long");
			strcpy(v, config_setting_get_string(s));
			break;
		case CONFIG_TYPE_INT:
		case CONFIG_TYPE_INT64:
			snprintf(v, sizeof(values[i]), "%lld",
				 config_setting_get_int64(s));
			break;
		case CONFIG_TYPE_BOOL:
			strcpy(v, config_setting_get_bool(s) ? "on" : "off");
			break;
		default:
			return alk_config_bad(
				l, s,
				"expected a string, a number or a "
				"boolean");
		}
		argv[argc++] = v;
		/* the grammar names a word; find the setting it came from */
		if (alk_cmd_parse(argc, argv, &cmd, &perr) &&
		    !strstr(perr.msg, "needs '"))
			return alk_config_bad(l, s, "%s", perr.msg);
	}
	if (alk_cmd_parse(argc, argv, &cmd, &perr))
		return alk_config_bad(l, g, "%s", perr.msg);
	l->cfg->has_gateway = true;
	l->cfg->gateway = cmd.gateway;
	l->cfg->gateway_line = config_setting_source_line(g);
	return 0;
}

/* initial-tables: a command file in a list, one string per line. */
static int load_initial(struct alk_config_reader *l,
			const config_setting_t *root)
{
	struct alk_cmdfile *f = &l->cfg->initial;
	config_setting_t *list;
	int rc = alk_config_member(l, root, "initial-tables", CONFIG_TYPE_LIST,
				   &list);

	if (rc || !list)
		return rc;
	for (int i = 0; i < config_setting_length(list); i++) {
		config_setting_t *s = config_setting_get_elem(list, i);
		struct alk_error perr;
		char *copy;

		if (config_setting_type(s) != CONFIG_TYPE_STRING)
			return alk_config_bad(l, s,
					      "expected a command string");
		copy = strdup(config_setting_get_string(s));
		if (!copy)
			return -ENOMEM;
		rc = alk_cmdfile_line(f, copy, source_line(l, s), NULL, &perr);
		free(copy);
		if (rc == 1) /* a list element is a command, never a blank */
			return alk_config_bad(l, s, "expected OBJECT COMMAND");
		if (rc == -EINVAL)
			return alk_config_bad(l, s, "%s", perr.msg);
		if (rc)
			return rc;
	}
	return 0;
}

/*
 * The state file: absolute (the daemon may change directory); its
 * directory is made when it is first saved.  The initial file: readable
 * now, its path relative to the config file's directory.
 */
static int load_files(struct alk_config_reader *l, const config_setting_t *root)
{
	struct alk_config *cfg = l->cfg;
	config_setting_t *s;
	int rc = alk_config_string(l, root, "state-file", &cfg->state_file);

	if (!rc && (s = config_setting_get_member(root, "state-file")) &&
	    cfg->state_file[0] != '/')
		return alk_config_bad(l, s, "not an absolute path");
	if (!rc)
		rc = alk_config_string(l, root, "initial-file",
				       &cfg->initial_file);
	if (rc || !(s = config_setting_get_member(root, "initial-file")))
		return rc;
	if (cfg->initial_file[0] != '/') {
		char *dir = strdup(l->path), *full;

		if (!dir || asprintf(&full, "%s/%s", dirname(dir),
				     cfg->initial_file) < 0) {
			free(dir);
			return -ENOMEM;
		}
		free(dir);
		free(cfg->initial_file);
		cfg->initial_file = full;
	}
	if (access(cfg->initial_file, R_OK))
		return alk_config_bad(l, s, "cannot read %s: %s",
				      cfg->initial_file, strerror(errno));
	return 0;
}

void alk_config_init(struct alk_config *cfg)
{
	*cfg = (struct alk_config){ 0 };
	alk_table_sizes_default(&cfg->sizes);
}

int alk_config_line(struct alk_config_reader *l, const config_setting_t *s)
{
	return source_line(l, s);
}

/* Every top-level name is common or one of the daemon's sections.  A
 * required section is looked for first: a file written for another daemon
 * is refused for what it lacks, not for what it has. */
static int check_names(struct alk_config_reader *l,
		       const config_setting_t *root,
		       const struct alk_config_section *sections)
{
	static const char *const common[] = {
		"control",	  "table-sizes",  "gateway", "state-file",
		"initial-tables", "initial-file", NULL,
	};
	const char *names[sizeof(common) / sizeof(common[0]) + 16];
	const struct alk_config_section *sec;
	unsigned int n = 0;

	for (const char *const *c = common; *c; c++)
		names[n++] = *c;
	for (sec = sections; sec && sec->name; sec++) {
		if (n + 1 == sizeof(names) / sizeof(names[0]))
			return -E2BIG;
		names[n++] = sec->name;
		if (sec->missing && !config_setting_get_member(root, sec->name))
			return alk_config_bad(l, root, "no '%s' section: %s",
					      sec->name, sec->missing);
	}
	names[n] = NULL;
	return alk_config_only(l, root, names);
}

static int read_sections(struct alk_config_reader *l,
			 const config_setting_t *root,
			 const struct alk_config_section *sections)
{
	config_setting_t *g;
	int rc = 0;

	for (; !rc && sections && sections->name; sections++) {
		rc = alk_config_member(l, root, sections->name,
				       CONFIG_TYPE_GROUP, &g);
		if (!rc && g && sections->read)
			rc = sections->read(l, g, sections->arg);
	}
	return rc;
}

int alk_config_load(const char *path, const struct alk_config_section *sections,
		    struct alk_config *cfg, struct alk_error *err)
{
	struct alk_config_reader l = { .path = path, .cfg = cfg, .err = err };
	config_setting_t *root;
	char *dir = strdup(path);
	config_t cf;
	int rc;

	alk_config_init(cfg);
	cfg->path = strdup(path);
	cfg->initial.name = cfg->path; /* its errors name the file */
	if (!dir || !cfg->path) {
		free(dir);
		free(cfg->path);
		err->index = -1;
		snprintf(err->msg, sizeof(err->msg), "out of memory");
		return -ENOMEM;
	}
	config_init(&cf);
	/* @include "x" is relative to the including file's directory */
	config_set_include_dir(&cf, dirname(dir));
	if (!config_read_file(&cf, path)) {
		err->index = config_error_line(&cf);
		if (config_error_type(&cf) == CONFIG_ERR_FILE_IO)
			snprintf(err->msg, sizeof(err->msg), "%s: %s", path,
				 errno ? strerror(errno) : "cannot read");
		else
			snprintf(err->msg, sizeof(err->msg), "%s:%d: %s",
				 config_error_file(&cf) ?: path,
				 config_error_line(&cf),
				 config_error_text(&cf));
		rc = -EINVAL;
		goto out;
	}
	root = config_root_setting(&cf);
	rc = check_names(&l, root, sections);
	if (!rc)
		rc = load_control(&l, root);
	if (!rc)
		rc = load_sizes(&l, root);
	if (!rc)
		rc = read_sections(&l, root, sections);
	if (!rc)
		rc = load_files(&l, root);
	if (!rc)
		rc = load_gateway(&l, root);
	if (!rc)
		rc = load_initial(&l, root);
	if (rc == -ENOMEM || rc == -E2BIG) {
		err->index = -1;
		snprintf(err->msg, sizeof(err->msg), "%s: %s", path,
			 rc == -ENOMEM ? "out of memory" : "too many sections");
	}
out:
	config_destroy(&cf);
	free(dir);
	free(l.text);
	free(l.starts);
	if (rc)
		alk_config_free(cfg);
	return rc;
}

void alk_config_strings_free(char **v, unsigned int n)
{
	for (unsigned int i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

void alk_config_free(struct alk_config *cfg)
{
	free(cfg->path);
	free(cfg->control.socket);
	free(cfg->control.metrics);
	free(cfg->control.group);
	free(cfg->state_file);
	alk_cmdfile_free(&cfg->initial);
	free(cfg->initial_file);
	alk_config_init(cfg);
}

int alk_config_set_state_file(struct alk_config *cfg, const char *path)
{
	char cwd[PATH_MAX];
	char *abs = NULL;

	if (path[0] == '/')
		abs = strdup(path);
	else if (getcwd(cwd, sizeof(cwd)) &&
		 asprintf(&abs, "%s/%s", cwd, path) < 0)
		abs = NULL;
	if (!abs)
		return -errno;
	free(cfg->state_file);
	cfg->state_file = abs;
	return 0;
}
