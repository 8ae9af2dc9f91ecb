/* SPDX-License-Identifier: BSD-3-Clause */
/* Capture's pieces without a daemon: base64, reason names, the pcapng
 * writer's blocks read back. */
#include <CUnit/Basic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/reason_names.h"
#include "ctl/capture.h"
#include "ctl/pcapng.h"
#include "ctl_tests.h"

static void test_base64(void)
{
	uint8_t in[70], out[72];
	struct alk_buf b = { 0 };

	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)(i * 37 + 11);
	for (size_t n = 0; n <= sizeof(in); n++) {
		b.len = 0;
		alk_base64_encode(&b, in, n);
		CU_ASSERT_EQUAL(b.len, (n + 2) / 3 * 4);
		CU_ASSERT_EQUAL(alk_base64_decode(b.data, b.len, out), (long)n);
		CU_ASSERT_EQUAL(memcmp(in, out, n), 0);
	}
	b.len = 0;
	alk_base64_encode(&b, (const uint8_t *)"any carnal pleas", 16);
	CU_ASSERT_NSTRING_EQUAL(b.data, "YW55IGNhcm5hbCBwbGVhcw==", b.len);
	CU_ASSERT_EQUAL(alk_base64_decode("YW5", 3, out), -1);
	CU_ASSERT_EQUAL(alk_base64_decode("YW5*", 4, out), -1);
	CU_ASSERT_EQUAL(alk_base64_decode("Y=5z", 4, out), -1);
	alk_buf_free(&b);
}

static void test_reasons(void)
{
	uint64_t r[ALK_CAPTURE_WORDS] = { 0 };

	CU_ASSERT_EQUAL(alk_capture_reason_add("bounce,x", 6, r), 0);
	CU_ASSERT_EQUAL(alk_capture_reason_add("headers_not_linear", 18, r), 0);
	CU_ASSERT_EQUAL(alk_capture_reason_add("bounc", 5, r), -EINVAL);
	CU_ASSERT_EQUAL(alk_capture_reason_add("", 0, r), -EINVAL);
	for (unsigned int i = 0; i < ALK_R_MAX; i++)
		CU_ASSERT_EQUAL(alk_capture_takes(r, i),
				i == ALK_R_bounce ||
					i == ALK_R_headers_not_linear);
	CU_ASSERT(!alk_capture_takes(r, 64 * ALK_CAPTURE_WORDS));
}

static uint32_t u32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

/* The blocks of a file: type, and the body, checked for their lengths. */
static void test_pcapng(void)
{
	static const uint8_t frame[61] = { 1, 2, 3 };
	static const uint32_t want[] = { 0x0A0D0D0A, 1, 6, 6, 1, 6 };
	struct alk_pcapng w;
	uint8_t buf[4096];
	size_t len, off = 0;
	FILE *f = tmpfile();
	int nblocks = 0, epb = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL(alk_pcapng_open(&w, f, 64, "test"), 0);
	CU_ASSERT_EQUAL(alk_pcapng_frame(&w, "gw0", 5000000001ull, frame, 61,
					 61, ALK_PCAPNG_DIR_OUT,
					 "reason=bounce verdict=tx"),
			0);
	CU_ASSERT_EQUAL(alk_pcapng_frame(&w, "gw0", 5000000002ull, frame, 7, 61,
					 ALK_PCAPNG_DIR_UNKNOWN,
					 "reason=table_miss verdict=drop"),
			0);
	CU_ASSERT_EQUAL(alk_pcapng_frame(&w, "net_af_packet0", 1, frame, 1, 1,
					 ALK_PCAPNG_DIR_IN, "x"),
			0);
	fflush(f);
	rewind(f);
	len = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	CU_ASSERT_EQUAL(u32(buf + 8), 0x1A2B3C4D);
	while (off + 12 <= len) {
		uint32_t type = u32(buf + off), total = u32(buf + off + 4);

		CU_ASSERT_EQUAL_FATAL(total % 4, 0);
		CU_ASSERT_FATAL(off + total <= len);
		CU_ASSERT_EQUAL(u32(buf + off + total - 4), total);
		CU_ASSERT_FATAL(nblocks < 6);
		CU_ASSERT_EQUAL(type, want[nblocks]);
		if (type == 6) {
			const uint8_t *b = buf + off + 8;
			uint32_t cap = u32(b + 12);

			CU_ASSERT_EQUAL(u32(b), epb == 2 ? 1u : 0u);
			CU_ASSERT_EQUAL(cap, epb == 0 ? 61u :
					     epb == 1 ? 7u :
							1u);
			CU_ASSERT_EQUAL(u32(b + 16), epb == 2 ? 1u : 61u);
			if (epb == 0) {
				CU_ASSERT_EQUAL(u32(b + 4), 1u); /* ts high */
				CU_ASSERT_EQUAL(u32(b + 8), 705032705u);
				/* the comment option follows the padded data */
				CU_ASSERT_EQUAL(b[20 + 64], 1);
				CU_ASSERT_EQUAL(b[22 + 64], 24);
				CU_ASSERT_NSTRING_EQUAL(
					b + 24 + 64, "reason=bounce verdict=tx",
					24);
			}
			epb++;
		}
		nblocks++;
		off += total;
	}
	CU_ASSERT_EQUAL(off, len);
	CU_ASSERT_EQUAL(nblocks, 6);
}

void ctl_capture_register(void)
{
	CU_pSuite s = CU_add_suite("capture", NULL, NULL);

	CU_add_test(s, "base64", test_base64);
	CU_add_test(s, "reason names", test_reasons);
	CU_add_test(s, "pcapng blocks", test_pcapng);
}
