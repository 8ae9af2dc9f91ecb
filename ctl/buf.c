/* SPDX-License-Identifier: BSD-3-Clause */
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static const char b64[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void alk_base64_encode(struct alk_buf *out, const void *data, size_t n)
{
	const uint8_t *p = data;
	char *d;

	if (!alk_buf_reserve(out, (n + 2) / 3 * 4))
		return;
	d = out->data + out->len;
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16;

		if (i + 1 < n)
			v |= (uint32_t)p[i + 1] << 8;
		if (i + 2 < n)
			v |= p[i + 2];
		*d++ = b64[v >> 18];
		*d++ = b64[(v >> 12) & 63];
		*d++ = i + 1 < n ? b64[(v >> 6) & 63] : '=';
		*d++ = i + 2 < n ? b64[v & 63] : '=';
	}
	out->len = (size_t)(d - out->data);
}

long alk_base64_decode(const char *src, size_t len, uint8_t *dst)
{
	uint32_t v = 0;
	long n = 0;
	int bits = 0;

	if (len % 4)
		return -1;
	for (size_t i = 0; i < len; i++) {
		const char *c;

		if (src[i] == '=') {
			if (i < len - 2)
				return -1;
			continue;
		}
		c = memchr(b64, src[i], 64);
		if (!c || !src[i])
			return -1;
		v = v << 6 | (uint32_t)(c - b64);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			dst[n++] = (uint8_t)(v >> bits);
		}
	}
	return n;
}
