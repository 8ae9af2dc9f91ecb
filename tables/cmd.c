/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The command grammar, derived from the schema: OBJECT OP, then pairs of
 * WORD VALUE, each word a field of the object (the key's fields only for
 * del and get), each value in the field's text form (tables/schema.c).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"

int alk_cmd_split(char *line, char **argv, int max)
{
	int argc = 0;
	char *save, *tok;

	for (tok = strtok_r(line, " \t\r\n", &save); tok && *tok != '#';
	     tok = strtok_r(NULL, " \t\r\n", &save)) {
		if (argc == max)
			return -1;
		argv[argc++] = tok;
	}
	return argc;
}

static const char *const op_names[] = {
	[ALK_OP_SET] = "set",
	[ALK_OP_ADD] = "add",
	[ALK_OP_DEL] = "del",
	[ALK_OP_GET] = "get",
};

const char *alk_cmd_op_name(enum alk_cmd_op op)
{
	return op_names[op];
}

/* The gateway is set; tables are added to, deleted from, looked up. */
static int find_op(const struct alk_object *o, const char *name,
		   enum alk_cmd_op *op)
{
	for (unsigned int i = 0; i < sizeof(op_names) / sizeof(op_names[0]);
	     i++) {
		if (strcmp(name, op_names[i]) ||
		    (o->object == ALK_O_GATEWAY) != (i == ALK_OP_SET))
			continue;
		*op = i;
		return 0;
	}
	return -1;
}

void alk_cmd_parts(const struct alk_cmd *c, const void **key, const void **val)
{
	switch (c->object) {
	case ALK_O_GATEWAY:
		*key = NULL;
		*val = &c->gateway;
		return;
	case ALK_O_ENDPOINT:
		*key = &c->endpoint.key;
		*val = &c->endpoint.val;
		return;
	case ALK_O_NETWORK:
		*key = &c->network.key;
		*val = &c->network.val;
		return;
	case ALK_O_VPC:
		*key = &c->vpc.key;
		*val = &c->vpc.val;
		return;
	case ALK_O_NEIGHBOR:
		*key = &c->neighbor.key;
		*val = &c->neighbor.val;
		return;
	case ALK_O_PORT:
		*key = &c->port.key;
		*val = &c->port.val;
		return;
	}
}

int alk_cmd_parse(int argc, char **argv, struct alk_cmd *cmd,
		  struct alk_error *err)
{
	const struct alk_object *o;
	const void *ckey, *cval;
	void *key, *val;
	enum alk_part part;
	unsigned int nf;
	uint32_t seen = 0;

	memset(cmd, 0, sizeof(*cmd));
	if (argc < 2)
		return alk_error_set(err, -1, -EINVAL,
				     "expected OBJECT COMMAND");
	o = alk_object_by_name(argv[0], strlen(argv[0]));
	if (!o || find_op(o, argv[1], &cmd->op))
		return alk_error_set(err, -1, -EINVAL,
				     "unknown command '%s %s'", argv[0],
				     argv[1]);
	cmd->object = o->object;
	part = alk_cmd_part(cmd->op);
	nf = alk_part_fields(o, part);
	alk_cmd_parts(cmd, &ckey, &cval);
	key = (void *)ckey;
	val = (void *)cval;
	alk_object_start(o, part, key, val);

	for (int i = 2; i < argc; i += 2) {
		const char *word = argv[i];
		int f = alk_field_by_word(o, nf, word);

		if (f < 0)
			return alk_error_set(err, -1, -EINVAL,
					     "'%s %s' takes no '%s'", argv[0],
					     argv[1], word);
		if (seen & (1u << f))
			return alk_error_set(err, -1, -EINVAL,
					     "'%s' given twice", word);
		if (i + 1 >= argc)
			return alk_error_set(err, -1, -EINVAL,
					     "'%s' needs a value", word);
		seen |= 1u << f;
		if (alk_field_parse(&o->fields[f], argv[i + 1], key, val))
			return alk_error_set(err, -1, -EINVAL, "bad %s '%s'",
					     word, argv[i + 1]);
	}
	for (unsigned int f = 0; f < nf; f++)
		if (!(seen & (1u << f)) &&
		    (part == ALK_PART_KEY || !o->fields[f].optional))
			return alk_error_set(err, -1, -EINVAL,
					     "'%s %s' needs '%s'", argv[0],
					     argv[1], o->fields[f].word);
	return 0;
}

int alk_cmd_apply_n(struct alk_tables *t, enum alk_cmd_object object,
		    enum alk_cmd_op op, const void *keys, const void *vals,
		    uint32_t n, struct alk_error *err)
{
	int add = op != ALK_OP_DEL;
	int rc;

	/* not every front-end path fills err: start from a clean one */
	err->index = -1;
	err->msg[0] = 0;
	if (op == ALK_OP_GET) {
		rc = -EINVAL;
	} else {
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
		case ALK_O_PORT:
			rc = add ? alk_ports_add(t, keys, vals, n, err) :
				   alk_ports_del(t, keys, n, err);
			break;
		default:
			rc = -EINVAL;
		}
	}
	if (rc && !err->msg[0])
		snprintf(err->msg, sizeof(err->msg), "%s %s failed: %s",
			 alk_object(object) ? alk_object(object)->name : "?",
			 op_names[op], strerror(-rc));
	return rc;
}

int alk_cmd_apply(struct alk_tables *t, const struct alk_cmd *c,
		  struct alk_error *err)
{
	const void *key, *val;

	alk_cmd_parts(c, &key, &val);
	return alk_cmd_apply_n(t, c->object, c->op, key, val, 1, err);
}
