/* SPDX-License-Identifier: BSD-3-Clause */
/* Capture's shapes on the wire, shared by the server and alkaidctl. */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "capture.h"
#include "core/reason_names.h"

_Static_assert(ALK_R_MAX <= 64 * ALK_CAPTURE_WORDS,
	       "a capture's reason bitmap has a bit per reason");

int alk_capture_reason_add(const char *name, size_t len, uint64_t *reasons)
{
	char buf[64];
	int r;

	if (!len || len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, name, len);
	buf[len] = 0;
	r = alk_reason_by_name(buf);
	if (r < 0)
		return -EINVAL;
	reasons[r / 64] |= 1ull << (r % 64);
	return 0;
}

static const char b64[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void alk_base64_encode(struct alk_buf *out, const uint8_t *p, size_t n)
{
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

void alk_capture_frame_encode(struct alk_buf *out,
			      const struct alk_capture_frame *f)
{
	unsigned int r = f->reason < ALK_R_MAX ? f->reason : 0;

	alk_buf_printf(out,
		       "{\"jsonrpc\":\"2.0\",\"method\":\"capture.frame\","
		       "\"params\":{\"ts\":%" PRIu64 ",\"iface\":",
		       f->ts_ns);
	alk_buf_json_string(out, f->iface);
	alk_buf_printf(out,
		       ",\"reason\":\"%s\",\"verdict\":\"%s\",\"direction\":"
		       "\"%s\",\"len\":%" PRIu32 ",\"data\":\"",
		       alk_reason_names[r],
		       alk_verdict_names[alk_reason_verdict(r)],
		       f->ingress ? "in" : "out", f->len);
	alk_base64_encode(out, f->data, f->caplen);
	alk_buf_puts(out, "\"}}\n");
}
