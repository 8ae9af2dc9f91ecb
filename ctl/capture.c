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
