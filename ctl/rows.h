/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The fast path of row batches (rows.c): a request line of one exact shape
 * decoded without a JSON tree, or left to the general path.
 */
#ifndef ALKAID_CTL_ROWS_H
#define ALKAID_CTL_ROWS_H

#include <stddef.h>
#include <stdint.h>

#include "api.h"

struct alk_rows {
	uint64_t id;
	enum alk_cmd_object object;
	enum alk_cmd_op op;
	enum alk_part part;
	void *keys, *vals; /* n of each, from alloc */
	uint32_t n;
};

/*
 * Decode line (without its newline).  0: r is filled, keys and values in
 * one block from alloc(ctx, size).  -1: not this shape, or some value does
 * not decode: the general path must take the line.
 */
int alk_rows_parse(const char *line, size_t len, struct alk_rows *r,
		   void *(*alloc)(void *ctx, size_t size), void *ctx);

#endif
