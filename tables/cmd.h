/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Table commands in alkaidctl's words, shared by alkaidctl, its batch
 * files and the golden-packet fixtures:
 *
 *   gateway set ip A mac M [geneve-port P] [vxlan-port P] [underlay-arp on|off]
 *   endpoint add vni N ip A mac M host A
 *   endpoint del vni N ip A
 *   network add vni N prefix A/L bouncers A[,A...] [router A] [dns A]
 *               [mtu N] [lease N]
 *   network del vni N prefix A/L
 *   vpc add vni N dividers A[,A...]
 *   vpc del vni N
 *   neighbor add ip A mac M
 *   neighbor del ip A
 */
#ifndef ALKAID_TABLES_CMD_H
#define ALKAID_TABLES_CMD_H

#include "tables.h"

enum alk_cmd_object {
	ALK_O_GATEWAY,
	ALK_O_ENDPOINT,
	ALK_O_NETWORK,
	ALK_O_VPC,
	ALK_O_NEIGHBOR,
};

enum alk_cmd_op {
	ALK_OP_SET,
	ALK_OP_ADD,
	ALK_OP_DEL,
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
	};
};

/* Parse argv[0..argc) into cmd.  On error returns -EINVAL with a message
 * naming the offending word in err->msg. */
int alk_cmd_parse(int argc, char **argv, struct alk_cmd *cmd,
		  struct alk_error *err);

/* Split a line into words in place (at most max); returns the count, or -1
 * when there are more. */
int alk_cmd_split(char *line, char **argv, int max);

/* Apply one command through the table API. */
int alk_cmd_apply(struct alk_tables *t, const struct alk_cmd *cmd,
		  struct alk_error *err);

int alk_parse_ipv4(const char *s, __be32 *ip);
int alk_parse_mac(const char *s, __u8 mac[6]);

#endif
