/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Table commands in alkaidctl's words, shared by alkaidctl, command files
 * (batch files, the state file, initial tables) and the golden-packet
 * fixtures:
 *
 *   OBJECT add WORD VALUE ...     endpoint, network, vpc, neighbor, port
 *   OBJECT del KEY-WORD VALUE ... likewise, the key's words only
 *   OBJECT get KEY-WORD VALUE ... likewise (alkaidctl only)
 *   gateway set WORD VALUE ...
 *
 * The words, what each takes and which are required all come from the
 * schema (tables/schema.h): `alkaidctl OBJECT help` lists them.
 */
#ifndef ALKAID_TABLES_CMD_H
#define ALKAID_TABLES_CMD_H

#include "tables/schema.h"
#include "tables/tables.h"

enum alk_cmd_op {
	ALK_OP_SET, /* the gateway */
	ALK_OP_ADD,
	ALK_OP_DEL,
	ALK_OP_GET, /* a key to look up: never applied */
};

struct alk_cmd {
	enum alk_cmd_object object;
	enum alk_cmd_op op;
	union {
		struct alk_gateway gateway;
		struct {
			struct alk_endpoint_key key;
			struct alk_endpoint val;
		} endpoint;
		struct {
			struct alk_network_key key;
			struct alk_network val;
		} network;
		struct {
			struct alk_vpc_key key;
			struct alk_vpc val;
		} vpc;
		struct {
			struct alk_neighbor_key key;
			struct alk_neighbor val;
		} neighbor;
		struct {
			struct alk_port_key key;
			struct alk_port val;
		} port;
	};
};

/* Parse argv[0..argc) into cmd.  On error returns -EINVAL with a message
 * naming the offending word in err->msg. */
int alk_cmd_parse(int argc, char **argv, struct alk_cmd *cmd,
		  struct alk_error *err);

/* Split a line into words in place (at most max); returns the count, or -1
 * when there are more.  A word starting with '#' begins a comment that
 * runs to the end of the line. */
int alk_cmd_split(char *line, char **argv, int max);

/* "add", "del", ... */
const char *alk_cmd_op_name(enum alk_cmd_op op);

/* Where a command keeps its key (NULL for the gateway) and value. */
void alk_cmd_parts(const struct alk_cmd *c, const void **key, const void **val);

/* The part of the object a command carries: the key for del and get. */
static inline enum alk_part alk_cmd_part(enum alk_cmd_op op)
{
	return op == ALK_OP_DEL || op == ALK_OP_GET ? ALK_PART_KEY :
						      ALK_PART_ALL;
}

/* Apply n entries of one object and operation through the table API (the
 * gateway: set, n = 1); every error fills err. */
int alk_cmd_apply_n(struct alk_tables *t, enum alk_cmd_object object,
		    enum alk_cmd_op op, const void *keys, const void *vals,
		    uint32_t n, struct alk_error *err);

/* Apply one command. */
int alk_cmd_apply(struct alk_tables *t, const struct alk_cmd *cmd,
		  struct alk_error *err);

#endif
