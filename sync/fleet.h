/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The fleet's key layout in etcd (sync/README.md): one key per table row,
 *
 *   PREFIX OBJECT "/" GROUP "/" KEY
 *
 * KEY the row's key fields in their grammar words, joined by '/'
 * (endpoint "100/203.0.113.5", network "100/203.0.113.0/24", vpc "100",
 * neighbor "198.18.0.12"), and the value the row's JSON object as the
 * control socket takes it (ctl/README.md, Objects).  The gateway object
 * is each gateway's own and has no key.
 */
#ifndef ALKAID_SYNC_FLEET_H
#define ALKAID_SYNC_FLEET_H

#include <stddef.h>

#include "ctl/buf.h"
#include "tables/schema.h"

#define ALK_FLEET_PREFIX "/alkaid/"
#define ALK_FLEET_GROUP "default"
#define ALK_FLEET_GROUP_MAX 64

/* A group name: 1-64 of [A-Za-z0-9_.-]. */
bool alk_fleet_group_ok(const char *s, size_t len);

/* The key of a row, appended (not NUL-terminated). */
void alk_fleet_key(struct alk_buf *b, const char *prefix,
		   const struct alk_object *o, const char *group,
		   const void *key);

/* A row's key, from the part of an etcd key after the prefix: its object,
 * its group (not NUL-terminated) and the key's fields in key.  0, or
 * -EINVAL with the reason. */
int alk_fleet_parse_key(const char *rel, const struct alk_object **o,
			const char **group, size_t *glen, void *key,
			struct alk_error *err);

/* A value (JSON text): the row, checked against the key it is stored
 * under.  0, or -EINVAL with the reason. */
int alk_fleet_decode(const struct alk_object *o, const void *key,
		     const char *value, void *vkey, void *vval,
		     struct alk_error *err);

#endif
