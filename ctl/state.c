/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api.h"
#include "state.h"

static int fail(struct alk_error *err, int64_t index, int rc, const char *fmt,
		...) __attribute__((format(printf, 4, 5)));

static int fail(struct alk_error *err, int64_t index, int rc, const char *fmt,
		...)
{
	va_list ap;

	err->index = index;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return rc;
}

int alk_state_apply(struct alk_tables *t, enum alk_cmd_object object,
		    enum alk_cmd_op op, const void *keys, const void *vals,
		    uint32_t n, struct alk_error *err)
{
	int add = op != ALK_OP_DEL;
	int rc;

	/* not every front-end path fills err: start from a clean one */
	err->index = -1;
	err->msg[0] = 0;
	switch (object) {
	case ALK_O_GATEWAY:
		rc = alk_gateway_set(t, vals, err);
		break;
	case ALK_O_ENDPOINT:
		rc = add ? alk_endpoints_add(t, keys, vals, n, err) :
			   alk_endpoints_del(t, keys, n, err);
		break;
	case ALK_O_NETWORK:
		rc = add ? alk_networks_add(t, keys, vals, n, err) :
			   alk_networks_del(t, keys, n, err);
		break;
	case ALK_O_VPC:
		rc = add ? alk_vpcs_add(t, keys, vals, n, err) :
			   alk_vpcs_del(t, keys, n, err);
		break;
	case ALK_O_NEIGHBOR:
		rc = add ? alk_neighbors_add(t, keys, vals, n, err) :
			   alk_neighbors_del(t, keys, n, err);
		break;
	default:
		rc = -EINVAL;
	}
	if (rc && !err->msg[0])
		snprintf(err->msg, sizeof(err->msg), "%s %s failed: %s",
			 alk_api_object(object)->name, add ? "add" : "del",
			 strerror(-rc));
	return rc;
}

int alk_state_batch_init(struct alk_state_batch *b, struct alk_tables *t,
			 const char *source, uint32_t max)
{
	*b = (struct alk_state_batch){ .t = t, .source = source, .max = max };
	b->keys = malloc((size_t)max * ALK_API_MAX_KEY);
	b->vals = malloc((size_t)max * ALK_API_MAX_VAL);
	b->lines = malloc((size_t)max * sizeof(*b->lines));
	if (!b->keys || !b->vals || !b->lines) {
		alk_state_batch_fini(b);
		return -ENOMEM;
	}
	return 0;
}

void alk_state_batch_fini(struct alk_state_batch *b)
{
	free(b->keys);
	free(b->vals);
	free(b->lines);
	b->keys = b->vals = NULL;
	b->lines = NULL;
}

int alk_state_batch_flush(struct alk_state_batch *b, struct alk_error *err)
{
	char reason[sizeof(err->msg)];
	uint32_t n = b->n;
	int rc;

	if (!n)
		return 0;
	b->n = 0;
	rc = alk_state_apply(b->t, b->object, b->op, b->keys, b->vals, n, err);
	if (!rc)
		return 0;
	memcpy(reason, err->msg, sizeof(reason));
	if (err->index >= 0 && err->index < n)
		return fail(err, b->lines[err->index], rc, "%s:%ld: %s",
			    b->source, b->lines[err->index], reason);
	/* the batch as a whole (a full table): name its lines */
	return fail(err, b->lines[0], rc, "%s:%ld-%ld: %s", b->source,
		    b->lines[0], b->lines[n - 1], reason);
}

int alk_state_batch_push(struct alk_state_batch *b, const struct alk_cmd *c,
			 long line, struct alk_error *err)
{
	const struct alk_api_object *o = alk_api_object(c->object);
	const void *key, *val;
	int rc;

	if (b->n &&
	    (b->object != c->object || b->op != c->op || b->n == b->max)) {
		rc = alk_state_batch_flush(b, err);
		if (rc)
			return rc;
	}
	b->object = c->object;
	b->op = c->op;
	b->lines[b->n] = line;
	alk_api_cmd_parts(c, &key, &val);
	if (key)
		memcpy(b->keys + (size_t)b->n * o->key_size, key, o->key_size);
	memcpy(b->vals + (size_t)b->n * o->val_size, val, o->val_size);
	b->n++;
	/* one gateway: nothing to batch it with */
	return c->object == ALK_O_GATEWAY ? alk_state_batch_flush(b, err) : 0;
}

int alk_make_parent_dirs(const char *path, unsigned int mode)
{
	char *p = strdup(path), *s;
	int rc = 0;

	if (!p)
		return -ENOMEM;
	for (s = strchr(p + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = 0;
		if (mkdir(p, mode) && errno != EEXIST) {
			rc = -errno;
			break;
		}
		*s = '/';
	}
	free(p);
	return rc;
}

/* --- the state file ------------------------------------------------- */

static int save_table(FILE *f, struct alk_tables *t,
		      const struct alk_api_object *o, struct alk_buf *line)
{
	enum { PAGE = 4096 };
	uint8_t *keys = malloc((size_t)PAGE * o->key_size);
	uint8_t *vals = malloc((size_t)PAGE * o->val_size);
	uint8_t after[ALK_API_MAX_KEY];
	int n, rc = 0, first = 1;

	if (!keys || !vals) {
		rc = -ENOMEM;
		goto out;
	}
	line->len = 0;
	while ((n = alk_table_list(t, o->table, first ? NULL : after, keys,
				   vals, PAGE)) > 0) {
		for (int i = 0; i < n; i++) {
			alk_buf_puts(line, o->name);
			alk_buf_puts(line, " add ");
			alk_api_words(o, ALK_API_ALL, keys + i * o->key_size,
				      vals + i * o->val_size, line);
			alk_buf_putc(line, '\n');
		}
		/* a page at a time: one write call per 4096 lines */
		if (line->nomem) {
			rc = -ENOMEM;
			goto out;
		}
		fwrite(line->data, 1, line->len, f);
		line->len = 0;
		memcpy(after, keys + (n - 1) * o->key_size, o->key_size);
		first = 0;
		if (n < PAGE)
			break;
	}
	if (n < 0)
		rc = n;
out:
	free(keys);
	free(vals);
	return rc;
}

static int fsync_dir(const char *path)
{
	char *copy = strdup(path);
	int fd, rc = 0;

	if (!copy)
		return -ENOMEM;
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(copy);
	if (fd < 0)
		return -errno;
	if (fsync(fd))
		rc = -errno;
	close(fd);
	return rc;
}

int alk_state_save(struct alk_tables *t, const char *path,
		   struct alk_error *err)
{
	/* dependencies first: a reader sees neighbors before their users */
	static const enum alk_cmd_object order[] = { ALK_O_NEIGHBOR, ALK_O_VPC,
						     ALK_O_NETWORK,
						     ALK_O_ENDPOINT };
	struct alk_buf line = { 0 };
	struct alk_gateway gw;
	size_t plen = strlen(path);
	char *tmp = malloc(plen + 8);
	FILE *f = NULL;
	int fd, rc = 0;

	if (!tmp)
		return fail(err, -1, -ENOMEM, "out of memory");
	memcpy(tmp, path, plen);
	memcpy(tmp + plen, ".XXXXXX", 8);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0 && errno == ENOENT && !alk_make_parent_dirs(path, 0750)) {
		memcpy(tmp + plen, ".XXXXXX", 8);
		fd = mkostemp(tmp, O_CLOEXEC);
	}
	if (fd < 0) {
		rc = fail(err, -1, -errno, "%s: cannot create %s: %s", path,
			  tmp, strerror(errno));
		free(tmp);
		return rc;
	}
	fchmod(fd, 0640);
	f = fdopen(fd, "w");
	if (!f) {
		rc = fail(err, -1, -errno, "%s: %s", tmp, strerror(errno));
		close(fd);
		goto fail;
	}
	setvbuf(f, NULL, _IOFBF, 1 << 20);
	fprintf(f, "# alkaid state: every table, in alkaidctl's command "
		   "grammar.\n# Written by the daemon; loaded at its start.\n");
	if (t->ops->gateway_get(t, &gw) == 0 && gw.ip) {
		line.len = 0;
		alk_api_words(alk_api_object(ALK_O_GATEWAY), ALK_API_ALL, NULL,
			      &gw, &line);
		fprintf(f, "gateway set %.*s\n", (int)line.len, line.data);
	}
	for (unsigned int i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		rc = save_table(f, t, alk_api_object(order[i]), &line);
		if (rc) {
			fail(err, -1, rc, "%s: reading the %s table: %s", path,
			     alk_api_object(order[i])->name, strerror(-rc));
			goto fail;
		}
	}
	if (fflush(f) || ferror(f) || fsync(fileno(f))) {
		rc = fail(err, -1, -errno, "%s: writing %s: %s", path, tmp,
			  strerror(errno));
		goto fail;
	}
	if (fclose(f)) {
		f = NULL;
		rc = fail(err, -1, -errno, "%s: writing %s: %s", path, tmp,
			  strerror(errno));
		goto fail;
	}
	f = NULL;
	if (rename(tmp, path)) {
		rc = fail(err, -1, -errno, "%s: rename: %s", path,
			  strerror(errno));
		goto fail;
	}
	rc = fsync_dir(path);
	if (rc)
		fail(err, -1, rc, "%s: fsync of its directory: %s", path,
		     strerror(-rc));
	free(tmp);
	alk_buf_free(&line);
	return rc;
fail:
	if (f)
		fclose(f);
	unlink(tmp);
	free(tmp);
	alk_buf_free(&line);
	return rc;
}

int alk_state_load(struct alk_tables *t, const char *path,
		   struct alk_error *err)
{
	struct alk_state_batch b;
	char *line = NULL, *argv[64];
	size_t cap = 0;
	long lineno = 0;
	FILE *f;
	int rc;

	f = fopen(path, "re");
	if (!f)
		return fail(err, -1, -errno, "%s: %s", path, strerror(errno));
	rc = alk_state_batch_init(&b, t, path, ALK_STATE_BATCH);
	if (rc) {
		fclose(f);
		return fail(err, -1, rc, "out of memory");
	}
	while (getline(&line, &cap, f) >= 0) {
		struct alk_cmd cmd;
		int argc = alk_api_line_words(line, argv, 64);

		lineno++;
		if (!argc)
			continue;
		if (argc < 0) {
			rc = fail(err, lineno, -EINVAL,
				  "%s:%ld: too many words", path, lineno);
			break;
		}
		rc = alk_cmd_parse(argc, argv, &cmd, err);
		if (rc) {
			char reason[sizeof(err->msg)];

			/* what came before the bad line is applied, as
			 * alkaidctl -b does; unless it fails itself */
			memcpy(reason, err->msg, sizeof(reason));
			rc = alk_state_batch_flush(&b, err);
			if (!rc)
				rc = fail(err, lineno, -EINVAL, "%s:%ld: %s",
					  path, lineno, reason);
			break;
		}
		rc = alk_state_batch_push(&b, &cmd, lineno, err);
		if (rc)
			break;
	}
	if (!rc && ferror(f))
		rc = fail(err, -1, -EIO, "%s: read error", path);
	if (!rc)
		rc = alk_state_batch_flush(&b, err);
	alk_state_batch_fini(&b);
	free(line);
	fclose(f);
	return rc;
}
