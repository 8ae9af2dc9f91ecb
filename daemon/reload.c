/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "options.h"
#include "log.h"
#include "notify.h"
#include "reload.h"
#include "start.h"

/* What one applied batch replaced: the old value of each of its keys, or
 * that the key was absent. */
struct undo {
	const struct alk_object *o;
	enum alk_cmd_op op;
	uint32_t n;
	const uint8_t *keys; /* the step's */
	uint8_t *old;
	uint8_t *found;
};

struct journal {
	struct undo *steps;
	size_t n, cap;
	bool has_gw;
	struct alk_gateway gw;
};

/* Keep what step s is about to replace in t. */
static int journal_step(struct journal *j, struct alk_tables *t,
			const struct alk_cmdfile_step *s)
{
	const struct alk_object *o = alk_object(s->object);
	struct undo *u;
	int rc = 0;

	if (j->n == j->cap) {
		size_t cap = j->cap ? 2 * j->cap : 16;
		struct undo *steps = realloc(j->steps, cap * sizeof(*steps));

		if (!steps)
			return -ENOMEM;
		j->steps = steps;
		j->cap = cap;
	}
	u = &j->steps[j->n];
	*u = (struct undo){ o, s->op, s->n, s->keys };
	u->old = calloc(s->n, o->val_size);
	u->found = calloc(s->n, 1);
	if (!u->old || !u->found) {
		rc = -ENOMEM;
	} else if (s->object == ALK_O_NETWORK) {
		/* alk_table_get() masks the prefix as the front end will */
		for (uint32_t i = 0; i < s->n; i++)
			u->found[i] = !alk_table_get(t, o->table,
						     s->keys + i * o->key_size,
						     u->old + i * o->val_size);
	} else {
		rc = alk_table_lookup_bulk(t, o->table, s->keys, s->n, u->old,
					   u->found);
	}
	if (rc) {
		free(u->old);
		free(u->found);
		return rc;
	}
	j->n++;
	return 0;
}

/* Put back what u's batch replaced: the keys it added deleted, the old
 * values of those it replaced or deleted added again. */
static int undo_step(struct alk_tables *t, const struct undo *u)
{
	const struct alk_object *o = u->o;
	uint8_t *keys = malloc((size_t)u->n * o->key_size + 1);
	uint8_t *vals = malloc((size_t)u->n * o->val_size + 1);
	struct alk_error err = { 0 };
	uint32_t m = 0;
	int rc = keys && vals ? 0 : -ENOMEM;

	for (uint32_t i = 0; !rc && u->op == ALK_OP_ADD && i < u->n; i++)
		if (!u->found[i])
			memcpy(keys + m++ * o->key_size,
			       u->keys + i * o->key_size, o->key_size);
	if (!rc && m)
		rc = alk_cmd_apply_n(t, o->object, ALK_OP_DEL, keys, NULL, m,
				     &err);
	m = 0;
	for (uint32_t i = 0; !rc && i < u->n; i++) {
		if (!u->found[i])
			continue;
		memcpy(keys + m * o->key_size, u->keys + i * o->key_size,
		       o->key_size);
		memcpy(vals + m * o->val_size, u->old + i * o->val_size,
		       o->val_size);
		m++;
	}
	if (!rc && m)
		rc = alk_cmd_apply_n(t, o->object, ALK_OP_ADD, keys, vals, m,
				     &err);
	if (rc)
		alk_fail("reload: putting back the %s table: %s", o->name,
			 rc == -ENOMEM ? "out of memory" : err.msg);
	free(keys);
	free(vals);
	return rc;
}

static void journal_undo(struct journal *j, struct alk_tables *t)
{
	struct alk_error err = { 0 };

	for (size_t i = j->n; i-- > 0;)
		undo_step(t, &j->steps[i]);
	if (j->has_gw && alk_gateway_set(t, &j->gw, &err))
		alk_fail("reload: putting back the gateway: %s", err.msg);
}

static void journal_free(struct journal *j)
{
	for (size_t i = 0; i < j->n; i++) {
		free(j->steps[i].old);
		free(j->steps[i].found);
	}
	free(j->steps);
}

/* Before each step of a file is applied (alk_cmdfile_apply_each()): what
 * it will replace, into the journal. */
static int journal_before(void *arg, struct alk_tables *t,
			  const struct alk_cmdfile *f,
			  const struct alk_cmdfile_step *s,
			  struct alk_error *err)
{
	struct journal *j = arg;
	int rc;

	if (s->object == ALK_O_GATEWAY) {
		if (!j->has_gw)
			j->has_gw = !t->ops->gateway_get(t, &j->gw);
		return 0;
	}
	rc = journal_step(j, t, s);
	if (rc)
		return alk_error_set(err, -1, rc, "%s: out of memory", f->name);
	return 0;
}

/* Every batch of f into t, each journaled first. */
static int apply_file(struct journal *j, struct alk_tables *t,
		      const struct alk_cmdfile *f, struct alk_error *err)
{
	return alk_cmdfile_apply_each(f, t, journal_before, j, err);
}

/* initial-tables, initial-file, then the gateway (the order of a first
 * start), all or none. */
static int apply(struct alk_tables *t, const struct alk_config *cfg,
		 bool gateway, struct alk_error *err)
{
	struct journal j = { 0 };
	struct alk_cmdfile file = { 0 };
	char reason[sizeof(err->msg)];
	int rc;

	if (cfg->initial_file) {
		rc = alk_cmdfile_read(&file, cfg->initial_file, NULL, err);
		if (rc) {
			alk_cmdfile_free(&file);
			return rc;
		}
	}
	rc = apply_file(&j, t, &cfg->initial, err);
	if (!rc && cfg->initial_file)
		rc = apply_file(&j, t, &file, err);
	if (!rc && gateway && cfg->has_gateway && !alk_opt.gw_ip_given) {
		j.has_gw = j.has_gw || !t->ops->gateway_get(t, &j.gw);
		rc = alk_gateway_set(t, &cfg->gateway, err);
		if (rc) {
			memcpy(reason, err->msg, sizeof(reason));
			snprintf(err->msg, sizeof(err->msg),
				 "%s:%d: gateway: %s", cfg->path,
				 cfg->gateway_line, reason);
		}
	}
	if (rc)
		journal_undo(&j, t);
	journal_free(&j);
	alk_cmdfile_free(&file);
	return rc;
}

static bool differ(const char *a, const char *b)
{
	return (a || b) && (!a || !b || strcmp(a, b));
}

/* The settings a running daemon cannot take. */
static void restart_check(const struct alk_config *old,
			  const struct alk_config *now)
{
#define SIZE(f)                                                                \
	if (old->sizes.f != now->sizes.f)                                      \
		alk_say("reload: table-sizes." #f " changed (%u to %u): "      \
			"needs a restart",                                     \
			old->sizes.f, now->sizes.f);
	SIZE(endpoints)
	SIZE(networks)
	SIZE(vpcs)
	SIZE(neighbors)
#undef SIZE
	if (differ(old->control.socket, now->control.socket))
		alk_say("reload: control.socket changed: needs a restart");
	if (differ(old->control.group, now->control.group))
		alk_say("reload: control.group changed: needs a restart");
	if (differ(old->control.metrics, now->control.metrics))
		alk_say("reload: control.metrics changed: needs a restart");
	if (!alk_opt.state && differ(old->state_file, now->state_file))
		alk_say("reload: state-file changed: needs a restart");
}

int alk_daemon_reload(const struct alk_reload *r)
{
	struct alk_error err = { 0 };
	struct alk_config cfg;
	int rc;

	if (!alk_opt.config) {
		alk_say("SIGHUP: no configuration file (-c) to reload");
		return 0;
	}
	alk_say("SIGHUP: reloading %s", alk_opt.config);
	rc = alk_daemon_config_load(alk_opt.config, r->sections, &cfg, &err);
	if (rc) {
		if (r->check)
			r->check(r->arg, false);
		alk_fail("reload: %s; nothing changed", err.msg);
		return rc;
	}
	if (r->check)
		r->check(r->arg, true);
	restart_check(r->cfg, &cfg);
	rc = apply(r->tables, &cfg, !r->keep_gateway, &err);
	if (rc)
		alk_fail("reload: %s; nothing changed", err.msg);
	else
		alk_say("reload: %zu table entr%s applied%s from %s",
			cfg.initial.entries,
			cfg.initial.entries == 1 ? "y" : "ies",
			cfg.initial_file ? " (and the initial file's)" : "",
			alk_opt.config);
	alk_config_free(&cfg);
	return rc;
}

int alk_daemon_reload_cb(struct alk_loop *loop, int fd, uint32_t events,
			 void *arg)
{
	const struct alk_reload *r = arg;

	alk_notify_reloading();
	alk_daemon_reload(r);
	alk_notify_ready(r->tables, r->what);
	return 0;
}
