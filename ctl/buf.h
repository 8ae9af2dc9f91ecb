/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A growable byte buffer: request and response lines are built in one, and
 * each client's unsent output waits in one.  Appends never fail silently:
 * on allocation failure the buffer is marked and the caller checks once.
 */
#ifndef ALKAID_CTL_BUF_H
#define ALKAID_CTL_BUF_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include <string.h>

struct alk_buf {
	char *data;
	size_t len, cap;
	bool nomem; /* an append failed; contents are incomplete */
};

bool alk_buf_reserve(struct alk_buf *b, size_t more);
void alk_buf_free(struct alk_buf *b);
void alk_buf_printf(struct alk_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* s as a JSON string, quoted and escaped (messages may quote user input). */
void alk_buf_json_string(struct alk_buf *b, const char *s);

/* base64 (RFC 4648, padded): n bytes of data appended to out; src
 * decoded into dst (room for 3 * len / 4 bytes), its length, or -1 if
 * malformed (a length not a multiple of 4, a character outside the
 * alphabet, padding before the end). */
void alk_base64_encode(struct alk_buf *out, const void *data, size_t n);
long alk_base64_decode(const char *src, size_t len, uint8_t *dst);

static inline void alk_buf_put(struct alk_buf *b, const void *p, size_t n)
{
	if (!n)
		return;
	if (b->cap - b->len < n && !alk_buf_reserve(b, n))
		return;
	memcpy(b->data + b->len, p, n);
	b->len += n;
}

static inline void alk_buf_puts(struct alk_buf *b, const char *s)
{
	alk_buf_put(b, s, strlen(s));
}

static inline void alk_buf_putc(struct alk_buf *b, char c)
{
	alk_buf_put(b, &c, 1);
}

#endif
