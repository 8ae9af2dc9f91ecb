/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmdfile.h"

#define MAX_WORDS 64

static struct alk_cmdfile_step *new_step(struct alk_cmdfile *f)
{
	if (f->nsteps == f->cap) {
		size_t cap = f->cap ? 2 * f->cap : 16;
		struct alk_cmdfile_step *s =
			realloc(f->steps, cap * sizeof(*s));

		if (!s)
			return NULL;
		f->steps = s;
		f->cap = cap;
	}
	memset(&f->steps[f->nsteps], 0, sizeof(f->steps[0]));
	return &f->steps[f->nsteps++];
}

/* Room for one more entry in a batch.  Its capacity is its count rounded
 * up to a power of two: it doubles when the count reaches one. */
static int batch_room(struct alk_cmdfile_step *s, const struct alk_object *o)
{
	size_t vs = s->op == ALK_OP_DEL ? 0 : o->val_size;
	uint32_t n = s->n ? 2 * s->n : 1;
	uint8_t *k, *v;
	long *l;

	if (s->n & (s->n - 1))
		return 0;
	/* one byte more: the gateway's keys and del's values are empty */
	k = realloc(s->keys, n * (size_t)o->key_size + 1);
	if (k)
		s->keys = k;
	v = k ? realloc(s->vals, n * vs + 1) : NULL;
	if (v)
		s->vals = v;
	l = v ? realloc(s->lines, n * sizeof(long)) : NULL;
	if (l)
		s->lines = l;
	return l ? 0 : -ENOMEM;
}

/* The batch a command joins: the last one if it is of the same object and
 * operation and has room, else a new one.  The gateway is never batched. */
static struct alk_cmdfile_step *batch_for(struct alk_cmdfile *f,
					  const struct alk_cmd *c)
{
	const struct alk_object *o = alk_object(c->object);
	struct alk_cmdfile_step *s =
		f->nsteps ? &f->steps[f->nsteps - 1] : NULL;

	if (!s || !s->n || s->object != c->object || s->op != c->op ||
	    s->n == ALK_CMDFILE_BATCH || c->object == ALK_O_GATEWAY) {
		s = new_step(f);
		if (!s)
			return NULL;
		s->object = c->object;
		s->op = c->op;
	}
	return batch_room(s, o) ? NULL : s;
}

static int push_change(struct alk_cmdfile *f, const struct alk_cmd *c,
		       long line)
{
	const struct alk_object *o = alk_object(c->object);
	struct alk_cmdfile_step *s = batch_for(f, c);
	const void *key, *val;

	if (!s)
		return -ENOMEM;
	alk_cmd_parts(c, &key, &val);
	if (key)
		memcpy(s->keys + (size_t)s->n * o->key_size, key, o->key_size);
	if (c->op != ALK_OP_DEL)
		memcpy(s->vals + (size_t)s->n * o->val_size, val, o->val_size);
	s->lines[s->n++] = line;
	f->entries++;
	return 0;
}

static int push_other(struct alk_cmdfile *f, int argc, char **argv, long line)
{
	struct alk_cmdfile_step *s = new_step(f);
	size_t size = (argc + 1) * sizeof(char *);
	char *p;

	for (int i = 0; i < argc; i++)
		size += strlen(argv[i]) + 1;
	if (!s || !(s->argv = malloc(size)))
		return -ENOMEM;
	/* the words live in the same block, after the pointers */
	p = (char *)(s->argv + argc + 1);
	for (int i = 0; i < argc; i++) {
		s->argv[i] = strcpy(p, argv[i]);
		p += strlen(p) + 1;
	}
	s->argv[argc] = NULL;
	s->argc = argc;
	s->line = line;
	return 0;
}

static bool is_change(int argc, char **argv)
{
	return argc >= 2 && alk_object_by_name(argv[0], strlen(argv[0])) &&
	       (!strcmp(argv[1], "add") || !strcmp(argv[1], "del") ||
		!strcmp(argv[1], "set"));
}

void alk_cmdfile_init(struct alk_cmdfile *f, const char *name)
{
	memset(f, 0, sizeof(*f));
	f->name = name;
}

void alk_cmdfile_free(struct alk_cmdfile *f)
{
	for (size_t i = 0; i < f->nsteps; i++) {
		free(f->steps[i].keys);
		free(f->steps[i].vals);
		free(f->steps[i].lines);
		free(f->steps[i].argv);
	}
	free(f->steps);
	alk_cmdfile_init(f, f->name);
}

int alk_cmdfile_line(struct alk_cmdfile *f, char *text, long line,
		     const struct alk_cmdfile_rules *rules,
		     struct alk_error *err)
{
	char *argv[MAX_WORDS + 1];
	struct alk_cmd cmd;
	int argc = alk_cmd_split(text, argv, MAX_WORDS);

	if (!argc)
		return 1;
	if (argc < 0)
		return alk_error_set(err, line, -EINVAL, "too many words");
	argv[argc] = NULL;
	if (is_change(argc, argv)) {
		if (alk_cmd_parse(argc, argv, &cmd, err))
			return -EINVAL;
		return push_change(f, &cmd, line);
	}
	if (!rules || !rules->check_other)
		return alk_error_set(
			err, line, -EINVAL,
			"'%s%s%s' is not a table change (add, del or set)",
			argv[0], argc > 1 ? " " : "", argc > 1 ? argv[1] : "");
	if (rules->check_other(argc, argv, err))
		return -EINVAL;
	return push_other(f, argc, argv, line);
}

int alk_cmdfile_read(struct alk_cmdfile *f, const char *path,
		     const struct alk_cmdfile_rules *rules,
		     struct alk_error *err)
{
	bool in = !strcmp(path, "-");
	FILE *fp = in ? stdin : fopen(path, "re");
	char *text = NULL;
	size_t cap = 0;
	long line = 0;
	int rc = 0;

	alk_cmdfile_init(f, in ? "<stdin>" : path);
	if (!fp)
		return alk_error_set(err, -1, -errno, "%s: %s", path,
				     strerror(errno));
	while (getline(&text, &cap, fp) >= 0) {
		line++;
		rc = alk_cmdfile_line(f, text, line, rules, err);
		if (rc == 1) {
			rc = 0;
		} else if (rc == -EINVAL) {
			char reason[sizeof(err->msg)];

			memcpy(reason, err->msg, sizeof(reason));
			if (rules && rules->report) {
				rules->report(f->name, line, reason);
				f->bad_lines++;
				rc = 0;
				continue;
			}
			rc = alk_error_set(err, line, rc, "%s:%ld: %s", f->name,
					   line, reason);
		} else if (rc) {
			rc = alk_error_set(err, line, rc, "%s:%ld: %s", f->name,
					   line, strerror(-rc));
		}
		if (rc)
			break;
	}
	if (!rc && ferror(fp))
		rc = alk_error_set(err, -1, -EIO, "%s: read error", f->name);
	free(text);
	if (!in)
		fclose(fp);
	return rc;
}

long alk_cmdfile_step_line(const struct alk_cmdfile_step *s)
{
	return s->n ? s->lines[0] : s->line;
}

void alk_cmdfile_blame(const struct alk_cmdfile *f,
		       const struct alk_cmdfile_step *s, int64_t index,
		       const char *reason, struct alk_error *err)
{
	long first = alk_cmdfile_step_line(s);
	char why[sizeof(err->msg)];

	/* reason may be err->msg itself */
	snprintf(why, sizeof(why), "%s", reason);
	if (index >= 0 && index < s->n) {
		err->index = s->lines[index];
		snprintf(err->msg, sizeof(err->msg), "%s:%ld: %s", f->name,
			 s->lines[index], why);
	} else if (s->n > 1) {
		err->index = first;
		snprintf(err->msg, sizeof(err->msg), "%s:%ld-%ld: %s", f->name,
			 first, s->lines[s->n - 1], why);
	} else {
		err->index = first;
		snprintf(err->msg, sizeof(err->msg), "%s:%ld: %s", f->name,
			 first, why);
	}
}

int alk_cmdfile_apply_each(const struct alk_cmdfile *f, struct alk_tables *t,
			   alk_cmdfile_step_fn before, void *arg,
			   struct alk_error *err)
{
	for (size_t i = 0; i < f->nsteps; i++) {
		const struct alk_cmdfile_step *s = &f->steps[i];
		int rc;

		if (!s->n)
			continue;
		if (before) {
			rc = before(arg, t, f, s, err);
			if (rc)
				return rc;
		}
		rc = alk_cmd_apply_n(t, s->object, s->op,
				     s->object == ALK_O_GATEWAY ? NULL :
								  s->keys,
				     s->vals, s->n, err);
		if (rc) {
			alk_cmdfile_blame(f, s, err->index, err->msg, err);
			return rc;
		}
	}
	return 0;
}

int alk_cmdfile_apply(const struct alk_cmdfile *f, struct alk_tables *t,
		      struct alk_error *err)
{
	return alk_cmdfile_apply_each(f, t, NULL, NULL, err);
}

int alk_cmdfile_load(struct alk_tables *t, const char *path,
		     struct alk_error *err)
{
	struct alk_cmdfile f;
	int rc = alk_cmdfile_read(&f, path, NULL, err);

	if (!rc)
		rc = alk_cmdfile_apply(&f, t, err);
	alk_cmdfile_free(&f);
	return rc;
}

struct write_ctx {
	const struct alk_object *o;
	FILE *out;
};

/* A page of one table's entries, as "OBJECT add WORDS" lines. */
static int write_page(void *arg, const void *keys, const void *vals, uint32_t n)
{
	const struct write_ctx *w = arg;
	const struct alk_object *o = w->o;
	size_t name = strlen(o->name);
	char line[ALK_WORDS_MAX + 32];

	memcpy(line, o->name, name);
	memcpy(line + name, " add ", 5);
	for (uint32_t i = 0; i < n; i++) {
		size_t len = name + 5;

		len += alk_object_words(o, ALK_PART_ALL,
					(const uint8_t *)keys + i * o->key_size,
					(const uint8_t *)vals + i * o->val_size,
					line + len);
		line[len++] = '\n';
		fwrite(line, 1, len, w->out);
	}
	return 0;
}

int alk_cmdfile_write(struct alk_tables *t, FILE *out, struct alk_error *err)
{
	/* dependencies first: a reader sees neighbors before their users */
	static const enum alk_cmd_object order[] = { ALK_O_NEIGHBOR, ALK_O_VPC,
						     ALK_O_NETWORK,
						     ALK_O_ENDPOINT,
						     ALK_O_PORT };
	const struct alk_object *gwo = alk_object(ALK_O_GATEWAY);
	char words[ALK_WORDS_MAX];
	struct alk_gateway gw;

	if (t->ops->gateway_get(t, &gw) == 0 && gw.ip)
		fprintf(out, "gateway set %.*s\n",
			(int)alk_object_words(gwo, ALK_PART_ALL, NULL, &gw,
					      words),
			words);
	for (unsigned int i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		struct write_ctx w = { alk_object(order[i]), out };
		int rc;

		if (!alk_tables_serves(t, w.o->table))
			continue;
		rc = alk_table_walk(t, w.o->table, 4096, write_page, &w);

		if (rc)
			return alk_error_set(err, -1, rc,
					     "reading the %s table: %s",
					     w.o->name, strerror(-rc));
	}
	return 0;
}
