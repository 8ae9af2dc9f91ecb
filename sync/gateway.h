/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * alkaid-sync's side of the daemon's control socket: one connection,
 * requests sent one at a time, and who answers (the daemon's pid and start
 * time, from SO_PEERCRED and /proc), so that a restarted daemon is told
 * from the one that acknowledged a revision.
 */
#ifndef ALKAID_SYNC_GATEWAY_H
#define ALKAID_SYNC_GATEWAY_H

#include <stdint.h>
#include <sys/types.h>

#include "ctl/buf.h"
#include "tables/tables.h"

struct json_object;

struct alk_gateway_conn {
	const char *path;
	int fd;
	struct alk_buf in;
	int64_t next_id;
	/* the daemon: pid and start time (clock ticks after boot) */
	pid_t pid;
	unsigned long long start;
};

/* -ALK_GATEWAY_GONE: no connection (apart from etcd.h's and JSON-RPC's) */
#define ALK_GATEWAY_GONE 100

int alk_gateway_connect(struct alk_gateway_conn *g, struct alk_error *err);
void alk_gateway_close(struct alk_gateway_conn *g);

/*
 * Call method with params (JSON text, or NULL).  0 and *result (owned by
 * *resp, free it with json_object_put), or: -ALK_GATEWAY_GONE (the
 * connection is closed), or the JSON-RPC error code (negative) with err
 * (err->index: data.index, or -1).
 */
int alk_gateway_call(struct alk_gateway_conn *g, const char *method,
		     const char *params, size_t len, struct json_object **resp,
		     struct json_object **result, struct alk_error *err);

#endif
