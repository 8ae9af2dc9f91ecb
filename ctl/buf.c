/* SPDX-License-Identifier: BSD-3-Clause */
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "buf.h"

bool alk_buf_reserve(struct alk_buf *b, size_t more)
{
	size_t cap = b->cap ? b->cap : 256;
	char *p;

	if (b->nomem)
		return false;
	if (b->cap - b->len >= more)
		return true;
	while (cap - b->len < more) {
		if (cap > SIZE_MAX / 2)
			goto fail;
		cap *= 2;
	}
	p = realloc(b->data, cap);
	if (!p)
		goto fail;
	b->data = p;
	b->cap = cap;
	return true;
fail:
	b->nomem = true;
	return false;
}

void alk_buf_free(struct alk_buf *b)
{
	free(b->data);
	*b = (struct alk_buf){ 0 };
}

void alk_buf_printf(struct alk_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(b->data ? b->data + b->len : NULL,
		      b->data ? b->cap - b->len : 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= b->cap - b->len) {
		if (!alk_buf_reserve(b, (size_t)n + 1))
			return;
		va_start(ap, fmt);
		vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
	}
	b->len += n;
}

/* json-c does the escaping; this is only on error and metadata paths. */
void alk_buf_json_string(struct alk_buf *b, const char *s)
{
	struct json_object *j = json_object_new_string(s);

	if (!j) {
		b->nomem = true;
		return;
	}
	alk_buf_puts(b, json_object_to_json_string_ext(
				j, JSON_C_TO_STRING_PLAIN |
					   JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(j);
}
