/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The fast path of row batches (ctl/rows.c) against the general path:
 * what our encoders send is taken by the fast path; near misses are either
 * declined or answered exactly as json-c's path answers them, with the
 * same tables afterwards; and a line split over many reads (the session's
 * gathering) is answered the same as one read whole.
 */
#include <CUnit/Basic.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/api.h"
#include "ctl/rows.h"
#include "ctl/rpc.h"
#include "ctl_tests.h"

static void *block_alloc(void *ctx, size_t size)
{
	free(*(void **)ctx);
	return *(void **)ctx = malloc(size);
}

static int fast_takes(const char *line)
{
	void *block = NULL;
	struct alk_rows r;
	int rc = alk_rows_parse(line, strlen(line), &r, block_alloc, &block);

	free(block);
	return rc == 0;
}

/* Every entry of every table, as text: two table sets compare equal when
 * they hold the same. */
static void dump(struct alk_tables *t, struct alk_buf *b)
{
	for (int o = ALK_O_ENDPOINT; o < ALK_NOBJECTS; o++) {
		const struct alk_object *obj = alk_object(o);
		uint8_t keys[64 * ALK_MAX_KEY], vals[64 * ALK_MAX_VAL];
		int n = alk_table_list(t, obj->table, NULL, keys, vals, 64);

		for (int i = 0; i < n; i++) {
			alk_api_words(obj, ALK_PART_ALL,
				      keys + i * obj->key_size,
				      vals + i * obj->val_size, b);
			alk_buf_putc(b, '\n');
		}
	}
}

/* The line both ways, on fresh tables primed with prime (general path):
 * the fast path's answer (if it takes the line) and tables must be the
 * general path's.  Returns whether the fast path took it. */
static int both_ways(const char *prime, const char *line)
{
	struct alk_tables *tf = ctl_test_tables(), *tg = ctl_test_tables();
	struct alk_buf of = { 0 }, og = { 0 }, df = { 0 }, dg = { 0 };
	struct alk_rpc rf, rg;
	struct json_object *req;
	int took;

	alk_rpc_init(&rf, tf);
	alk_rpc_init(&rg, tg);
	if (prime) {
		req = json_tokener_parse(prime);
		CU_ASSERT_PTR_NOT_NULL_FATAL(req);
		alk_rpc_handle(&rf, req, &of);
		alk_rpc_handle(&rg, req, &og);
		json_object_put(req);
		CU_ASSERT_PTR_NULL(strstr(of.data, "\"error\""));
		of.len = og.len = 0;
	}
	took = alk_rpc_handle_line(&rf, line, strlen(line), &of);
	req = json_tokener_parse(line);
	if (req) {
		alk_rpc_handle(&rg, req, &og);
		json_object_put(req);
	}
	if (took) {
		CU_ASSERT_PTR_NOT_NULL(req);
		CU_ASSERT_EQUAL(of.len, og.len);
		CU_ASSERT(of.len == og.len &&
			  !memcmp(of.data, og.data, of.len));
		CU_ASSERT_EQUAL(rf.generation, rg.generation);
		dump(tf, &df);
		dump(tg, &dg);
		CU_ASSERT(df.len == dg.len &&
			  !memcmp(df.data, dg.data, df.len));
	}
	alk_buf_free(&of);
	alk_buf_free(&og);
	alk_buf_free(&df);
	alk_buf_free(&dg);
	alk_rpc_fini(&rf);
	alk_rpc_fini(&rg);
	tf->ops->close(tf);
	tg->ops->close(tg);
	return took;
}

#define HEAD "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":"
#define EP_FIELDS "\"params\":{\"fields\":[\"vni\",\"ip\",\"mac\",\"host\"],"
#define EP1 "[100,\"203.0.113.5\",\"0e:00:00:00:00:05\",\"198.18.0.12\"]"
#define EP2 "[100,\"203.0.113.6\",\"0e:00:00:00:00:06\",\"198.18.0.13\"]"

static void test_encoders_take_fast_path(void)
{
	const struct alk_object *o = alk_object(ALK_O_ENDPOINT);
	struct alk_endpoint_key k = { 100, htonl(0xcb007105) };
	struct alk_endpoint v = { htonl(0xc612000c), { 0x0e, 0, 0, 0, 0, 5 } };
	struct alk_buf b = { 0 };

	alk_buf_puts(&b, HEAD "\"endpoint.add\",\"params\":{\"fields\":");
	alk_api_encode_fields(o, ALK_PART_ALL, &b);
	alk_buf_puts(&b, ",\"rows\":[");
	alk_api_encode_row(o, ALK_PART_ALL, &k, &v, &b);
	alk_buf_puts(&b, "]}}");
	alk_buf_putc(&b, 0);
	CU_ASSERT(fast_takes(b.data));
	CU_ASSERT(both_ways(NULL, b.data));
	alk_buf_free(&b);

	/* deletes by key, neighbors, an empty batch */
	CU_ASSERT(both_ways(HEAD "\"endpoint.add\"," EP_FIELDS "\"rows\":[" EP1
				 "," EP2 "]}}",
			    HEAD "\"endpoint.del\",\"params\":{\"fields\":"
				 "[\"ip\",\"vni\"],\"rows\":[[\"203.0.113.5\","
				 "100]]}}"));
	CU_ASSERT(both_ways(NULL,
			    HEAD "\"neighbor.add\",\"params\":{\"fields\":"
				 "[\"ip\",\"mac\"],\"rows\":[[\"198.18.0."
				 "12\",\"02:00:00:00:00:0c\"]]}}"));
	CU_ASSERT(both_ways(NULL, HEAD "\"endpoint.add\"," EP_FIELDS
				       "\"rows\":[]}}"));
}

static void test_table_errors_same_answer(void)
{
	/* refused by the table front end, not the decoder: the fast path
	 * answers, and must word it as the general path does */
	CU_ASSERT(both_ways(NULL, HEAD "\"endpoint.add\"," EP_FIELDS
				       "\"rows\":[" EP1 ",[100,\"203.0.113.7\","
				       "\"0e:00:00:00:00:05\",\"198.18.0.12\"]"
				       "]}}"));
	CU_ASSERT(both_ways(NULL, HEAD "\"endpoint.add\"," EP_FIELDS
				       "\"rows\":[[100,\"0.0.0.0\",\"0e:00:00:"
				       "00:00:05\",\"198.18.0.12\"]]}}"));
}

static void test_near_misses(void)
{
	static const char *const lines[] = {
		/* whitespace, other member orders, string ids */
		"{ "
		"\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"endpoint."
		"add\"," EP_FIELDS "\"rows\":[" EP1 "]}}",
		"{\"id\":7,\"jsonrpc\":\"2.0\",\"method\":\"endpoint."
		"add\"," EP_FIELDS "\"rows\":[" EP1 "]}}",
		"{\"jsonrpc\":\"2.0\",\"id\":\"x\",\"method\":\"endpoint."
		"add\"," EP_FIELDS "\"rows\":[" EP1 "]}}",
		HEAD "\"endpoint.add\"," EP_FIELDS "\"rows\":[ " EP1 "]}}",
		/* numbers JSON or we would not take */
		HEAD
		"\"endpoint.add\"," EP_FIELDS "\"rows\":[[0100,"
		"\"203.0.113.5\",\"0e:00:00:00:00:05\",\"198.18.0.12\"]]}}",
		HEAD
		"\"endpoint.add\"," EP_FIELDS "\"rows\":[[-0,"
		"\"203.0.113.5\",\"0e:00:00:00:00:05\",\"198.18.0.12\"]]}}",
		HEAD
		"\"endpoint.add\"," EP_FIELDS "\"rows\":[[1e2,"
		"\"203.0.113.5\",\"0e:00:00:00:00:05\",\"198.18.0.12\"]]}}",
		HEAD
		"\"endpoint.add\"," EP_FIELDS "\"rows\":[[16777216,"
		"\"203.0.113.5\",\"0e:00:00:00:00:05\",\"198.18.0.12\"]]}}",
		/* strings: escapes, non-ASCII, bad values, wrong types */
		HEAD "\"endpoint.add\"," EP_FIELDS "\"rows\":[[100,"
		     "\"203.0.113.\\u0035\",\"0e:00:00:00:00:05\",\"198.18.0."
		     "12\"]]}}",
		HEAD
		"\"endpoint.add\"," EP_FIELDS "\"rows\":[[100,"
		"\"203.0.113.05\",\"0e:00:00:00:00:05\",\"198.18.0.12\"]]}}",
		HEAD
		"\"endpoint.add\"," EP_FIELDS "\"rows\":[[100,"
		"\"203.0.113.5\",\"0e:00:00:00:00:0g\",\"198.18.0.12\"]]}}",
		HEAD
		"\"endpoint.add\"," EP_FIELDS "\"rows\":[[\"100\","
		"\"203.0.113.5\",\"0e:00:00:00:00:05\",\"198.18.0.12\"]]}}",
		HEAD "\"endpoint.add\"," EP_FIELDS "\"rows\":[[100,"
		     "\"203.0.113.5\",\"0e:00:00:00:00:05\",\"198.18.0."
		     "\xc3\xa9\"]]}}",
		/* shape: columns, rows, the end of the line */
		HEAD "\"endpoint.add\",\"params\":{\"fields\":[\"vni\",\"ip\","
		     "\"mac\"],\"rows\":[[100,\"203.0.113.5\",\"0e:00:00:00:00:"
		     "05\"]]}}",
		HEAD "\"endpoint.add\",\"params\":{\"fields\":[\"vni\",\"vni\","
		     "\"mac\",\"host\"],\"rows\":[" EP1 "]}}",
		HEAD "\"endpoint.add\"," EP_FIELDS "\"rows\":[[100,"
		     "\"203.0.113.5\",\"0e:00:00:00:00:05\"]]}}",
		HEAD "\"endpoint.add\"," EP_FIELDS "\"rows\":[" EP1 ",]}}",
		HEAD "\"endpoint.add\"," EP_FIELDS "\"rows\":[" EP1 "]}} ",
		HEAD "\"endpoint.add\"," EP_FIELDS "\"rows\":[" EP1 "]}}{}",
		HEAD "\"endpoint.get\"," EP_FIELDS "\"rows\":[" EP1 "]}}",
		HEAD "\"gateway.add\"," EP_FIELDS "\"rows\":[" EP1 "]}}",
		HEAD
		"\"network.add\",\"params\":{\"fields\":[\"vni\",\"prefix\","
		"\"bouncers\"],\"rows\":[[100,\"203.0.113.0/24\","
		"[\"198.18.0.1\"]]]}}",
	};

	for (size_t i = 0; i < sizeof(lines) / sizeof(*lines); i++) {
		if (fast_takes(lines[i]))
			fprintf(stderr, "fast path took near miss %zu\n", i);
		CU_ASSERT_FALSE(fast_takes(lines[i]));
		CU_ASSERT_FALSE(both_ways(NULL, lines[i]));
	}
	/* a prefix is decoded as the general path decodes it */
	CU_ASSERT(both_ways(NULL, HEAD "\"network.del\",\"params\":{\"fields\":"
				       "[\"vni\",\"prefix\"],\"rows\":[[100,"
				       "\"203.0.113.0/24\"]]}}"));
}

/* A long batch in small reads (gathered) and in one: the same answers,
 * and the request after it on the same connection is not lost. */
static void test_gathered(void)
{
	struct alk_buf req = { 0 }, one = { 0 }, many = { 0 };
	struct alk_tables *t1 = ctl_test_tables(), *t2 = ctl_test_tables();
	struct alk_session s1, s2;
	struct alk_rpc r1, r2;

	alk_buf_puts(&req, HEAD "\"endpoint.add\"," EP_FIELDS "\"rows\":[");
	for (int i = 0; i < 40; i++)
		alk_buf_printf(&req,
			       "%s[100,\"203.0.113.%d\",\"0e:00:00:00:00:"
			       "%02x\",\"198.18.0.12\"]",
			       i ? "," : "", i + 1, i + 1);
	alk_buf_puts(&req, "]}}\n{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":"
			   "\"version\"}\n");
	CU_ASSERT_EQUAL_FATAL(alk_session_init(&s1, 0), 0);
	CU_ASSERT_EQUAL_FATAL(alk_session_init(&s2, 0), 0);
	alk_rpc_init(&r1, t1);
	alk_rpc_init(&r2, t2);
	alk_session_feed(&s1, &r1, req.data, req.len, &one, SIZE_MAX);
	for (size_t off = 0; off < req.len; off += 100) {
		size_t n = req.len - off < 100 ? req.len - off : 100;

		CU_ASSERT_EQUAL(alk_session_feed(&s2, &r2, req.data + off, n,
						 &many, SIZE_MAX),
				n);
	}
	alk_buf_putc(&one, 0);
	alk_buf_putc(&many, 0);
	CU_ASSERT_STRING_EQUAL(one.data, many.data);
	CU_ASSERT_PTR_NOT_NULL(strstr(one.data, "{\"count\":40}"));
	CU_ASSERT_PTR_NOT_NULL(strstr(one.data, "\"id\":8,\"result\""));

	/* cut short by the end of the input: answered at the end */
	many.len = 0;
	alk_session_feed(&s2, &r2, req.data, 300, &many, SIZE_MAX);
	CU_ASSERT_EQUAL(many.len, 0);
	alk_session_eof(&s2, &r2, &many);
	alk_buf_putc(&many, 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(many.data, "connection ended inside"));

	alk_session_fini(&s1);
	alk_session_fini(&s2);
	alk_rpc_fini(&r1);
	alk_rpc_fini(&r2);
	t1->ops->close(t1);
	t2->ops->close(t2);
	alk_buf_free(&req);
	alk_buf_free(&one);
	alk_buf_free(&many);
}

/* One request line answered as the server would: the fast path, else
 * json-c's. */
static const char *answer(struct alk_rpc *rpc, const char *line,
			  struct alk_buf *out)
{
	struct json_object *req;

	out->len = 0;
	if (!alk_rpc_handle_line(rpc, line, strlen(line), out)) {
		req = json_tokener_parse(line);
		CU_ASSERT_PTR_NOT_NULL_FATAL(req);
		alk_rpc_handle(rpc, req, out);
		json_object_put(req);
	}
	alk_buf_putc(out, 0);
	return out->data;
}

#define PORT_ADD                                                               \
	HEAD "\"port.add\",\"params\":{\"entries\":[{\"dev\":\"veth-a\","      \
	     "\"vni\":100,\"ip\":\"203.0.113.5\",\"mac\":"                     \
	     "\"0e:00:00:00:00:05\"}]}}"
#define TABLES_INFO HEAD "\"tables.info\"}"

/* A daemon offers only the tables it serves: a gateway no ports, the host
 * agent networks and ports only, by either path. */
static void test_served_tables(void)
{
	struct alk_tables *gw = ctl_test_tables(), *ag = ctl_test_tables();
	struct alk_buf out = { 0 };
	struct alk_rpc rpc;
	const char *a;

	alk_rpc_init(&rpc, gw);
	a = answer(&rpc, PORT_ADD, &out);
	CU_ASSERT_PTR_NOT_NULL(strstr(a, "\"code\":-32601"));
	CU_ASSERT_PTR_NOT_NULL(
		strstr(a, "no method 'port.add': this daemon (host) has no "
			  "port table"));
	a = answer(&rpc, TABLES_INFO, &out);
	CU_ASSERT_PTR_NOT_NULL(strstr(a, "\"endpoint\":"));
	CU_ASSERT_PTR_NULL(strstr(a, "\"port\":"));
	alk_rpc_fini(&rpc);

	ag->serves = ALK_TABLES_AGENT;
	alk_rpc_init(&rpc, ag);
	a = answer(&rpc, PORT_ADD, &out);
	CU_ASSERT_PTR_NOT_NULL(strstr(a, "\"result\""));
	a = answer(&rpc,
		   HEAD "\"endpoint.add\"," EP_FIELDS "\"rows\":[" EP1 "]}}",
		   &out);
	CU_ASSERT_PTR_NOT_NULL(
		strstr(a, "no method 'endpoint.add': this daemon (host) has "
			  "no endpoint table"));
	a = answer(&rpc, HEAD "\"vpc.list\"}", &out);
	CU_ASSERT_PTR_NOT_NULL(strstr(a, "\"code\":-32601"));
	a = answer(&rpc, TABLES_INFO, &out);
	CU_ASSERT_PTR_NOT_NULL(strstr(a, "\"tables\":{\"network\":{"));
	CU_ASSERT_PTR_NOT_NULL(strstr(a, "\"port\":{\"count\":1,"));
	CU_ASSERT_PTR_NULL(strstr(a, "\"endpoint\""));
	a = answer(&rpc, HEAD "\"gateway.get\"}", &out);
	CU_ASSERT_PTR_NOT_NULL(strstr(a, "\"result\""));
	alk_rpc_fini(&rpc);
	alk_buf_free(&out);
	gw->ops->close(gw);
	ag->ops->close(ag);
}

void ctl_rows_register(void)
{
	CU_pSuite s = CU_add_suite("ctl rows fast path", NULL, NULL);

	CU_add_test(s, "our encoders take it", test_encoders_take_fast_path);
	CU_add_test(s, "table errors answered the same",
		    test_table_errors_same_answer);
	CU_add_test(s, "near misses go the general way", test_near_misses);
	CU_add_test(s, "gathered lines", test_gathered);
	CU_add_test(s, "only the tables a daemon serves", test_served_tables);
}
