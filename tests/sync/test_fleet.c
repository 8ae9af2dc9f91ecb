/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The fleet's key layout and etcd's encodings (sync/fleet.c, sync/etcd.c):
 * every object's key written and parsed back (a network's prefix keeps its
 * '/'), keys that are not rows refused with a reason, a value checked
 * against its key, base64 against RFC 4648's vectors.
 */
#include <CUnit/Basic.h>
#include <string.h>

#include "ctl/api.h"
#include "sync/etcd.h"
#include "sync/fleet.h"
#include "tests/lib/cunit_main.h"

/* Parse the grammar's words of one command into key and value. */
static const struct alk_object *parse(const char *line, void *key, void *val)
{
	char text[256], *argv[32];
	struct alk_cmd cmd;
	struct alk_error err;
	const void *k, *v;
	int argc;

	snprintf(text, sizeof(text), "%s", line);
	argc = alk_cmd_split(text, argv, 32);
	CU_ASSERT_FATAL(argc > 0);
	CU_ASSERT_FATAL(alk_cmd_parse(argc, argv, &cmd, &err) == 0);
	alk_cmd_parts(&cmd, &k, &v);
	memcpy(key, k, alk_object(cmd.object)->key_size);
	memcpy(val, v, alk_object(cmd.object)->val_size);
	return alk_object(cmd.object);
}

static void test_round_trip(void)
{
	static const struct {
		const char *cmd, *key;
	} rows[] = {
		{ "endpoint add vni 100 ip 203.0.113.5 mac 0e:00:00:00:00:05 "
		  "host 198.18.0.12",
		  "/alkaid/endpoint/blue/100/203.0.113.5" },
		{ "network add vni 7 prefix 203.0.113.0/24 bouncers 198.18.0.1",
		  "/alkaid/network/blue/7/203.0.113.0/24" },
		{ "vpc add vni 16777215 dividers 198.18.0.1",
		  "/alkaid/vpc/blue/16777215" },
		{ "neighbor add ip 198.18.0.12 mac 02:00:00:00:00:12",
		  "/alkaid/neighbor/blue/198.18.0.12" },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		uint8_t key[ALK_MAX_KEY] = { 0 }, val[ALK_MAX_VAL] = { 0 };
		uint8_t k2[ALK_MAX_KEY], vk[ALK_MAX_KEY], v2[ALK_MAX_VAL];
		const struct alk_object *o = parse(rows[i].cmd, key, val), *o2;
		struct alk_buf b = { 0 }, json = { 0 };
		struct alk_error err;
		const char *group;
		size_t glen;

		alk_fleet_key(&b, ALK_FLEET_PREFIX, o, "blue", key);
		alk_buf_putc(&b, '\0');
		CU_ASSERT_STRING_EQUAL(b.data, rows[i].key);
		CU_ASSERT_EQUAL(alk_fleet_parse_key(b.data + strlen("/alkaid/"),
						    &o2, &group, &glen, k2,
						    &err),
				0);
		CU_ASSERT_PTR_EQUAL(o2, o);
		CU_ASSERT_EQUAL(glen, 4);
		CU_ASSERT_NSTRING_EQUAL(group, "blue", 4);
		CU_ASSERT_EQUAL(memcmp(k2, key, o->key_size), 0);
		/* the value is the socket's JSON object, and decodes back */
		alk_api_encode(o, ALK_PART_ALL, key, val, &json);
		alk_buf_putc(&json, '\0');
		CU_ASSERT_EQUAL(
			alk_fleet_decode(o, k2, json.data, vk, v2, &err), 0);
		CU_ASSERT_EQUAL(memcmp(v2, val, o->val_size), 0);
		alk_buf_free(&b);
		alk_buf_free(&json);
	}
}

static void test_refused(void)
{
	static const struct {
		const char *rel, *why;
	} bad[] = {
		{ "gateway/blue/x", "no table object" },
		{ "router/blue/1", "no table object" },
		{ "endpoint/b!ue/100/203.0.113.5", "bad group name" },
		{ "endpoint//100/203.0.113.5", "bad group name" },
		{ "endpoint/blue/100", "has no ip" },
		{ "endpoint/blue/100/203.0.113",
		  "ip '203.0.113' does not parse" },
		{ "endpoint/blue/16777216/203.0.113.5", "vni '16777216'" },
		{ "network/blue/100/203.0.113.0", "prefix '203.0.113.0'" },
		{ "vpc/blue", "the key has no vni" },
		{ "vpc/blue/", "the key has no vni" },
		{ "endpoint/blue/100/", "the key has no ip" },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint8_t key[ALK_MAX_KEY];
		const struct alk_object *o;
		const char *group;
		size_t glen;
		struct alk_error err = { 0 };

		CU_ASSERT_EQUAL(alk_fleet_parse_key(bad[i].rel, &o, &group,
						    &glen, key, &err),
				-EINVAL);
		if (!strstr(err.msg, bad[i].why))
			fprintf(stderr, "%s: '%s' lacks '%s'\n", bad[i].rel,
				err.msg, bad[i].why);
		CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, bad[i].why));
	}
}

static void test_value_against_key(void)
{
	uint8_t key[ALK_MAX_KEY], vk[ALK_MAX_KEY], v[ALK_MAX_VAL];
	const struct alk_object *o;
	const char *group;
	size_t glen;
	struct alk_error err;

	CU_ASSERT_FATAL(alk_fleet_parse_key("endpoint/g/100/203.0.113.5", &o,
					    &group, &glen, key, &err) == 0);
	CU_ASSERT_EQUAL(alk_fleet_decode(o, key,
					 "{\"vni\":100,\"ip\":\"203.0.113.5\","
					 "\"mac\":\"0e:00:00:00:00:05\","
					 "\"host\":\"198.18.0.12\"}",
					 vk, v, &err),
			0);
	CU_ASSERT_EQUAL(alk_fleet_decode(o, key,
					 "{\"vni\":101,\"ip\":\"203.0.113.5\","
					 "\"mac\":\"0e:00:00:00:00:05\","
					 "\"host\":\"198.18.0.12\"}",
					 vk, v, &err),
			-EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "differ from the key's"));
	CU_ASSERT_EQUAL(alk_fleet_decode(o, key, "{\"vni\":100", vk, v, &err),
			-EINVAL);
	CU_ASSERT_STRING_EQUAL(err.msg, "the value is not JSON");
	CU_ASSERT_EQUAL(alk_fleet_decode(o, key,
					 "{\"vni\":100,\"ip\":\"203.0.113.5\","
					 "\"mac\":\"0e:zz:00:00:00:05\","
					 "\"host\":\"198.18.0.12\"}",
					 vk, v, &err),
			-EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "value.mac"));
}

static void test_base64(void)
{
	/* RFC 4648, section 10 */
	static const char *const vec[][2] = {
		{ "", "" },
		{ "f", "Zg==" },
		{ "fo", "Zm8=" },
		{ "foo", "Zm9v" },
		{ "foob", "Zm9vYg==" },
		{ "fooba", "Zm9vYmE=" },
		{ "foobar", "Zm9vYmFy" },
	};

	for (size_t i = 0; i < sizeof(vec) / sizeof(vec[0]); i++) {
		struct alk_buf b = { 0 };
		uint8_t out[16];
		long n;

		alk_base64_encode(&b, vec[i][0], strlen(vec[i][0]));
		CU_ASSERT_EQUAL(b.len, strlen(vec[i][1]));
		CU_ASSERT(!b.len || !memcmp(b.data, vec[i][1], b.len));
		n = alk_base64_decode(vec[i][1], strlen(vec[i][1]), out);
		CU_ASSERT_EQUAL(n, (long)strlen(vec[i][0]));
		CU_ASSERT(n <= 0 || !memcmp(out, vec[i][0], (size_t)n));
		alk_buf_free(&b);
	}
	CU_ASSERT_EQUAL(alk_base64_decode("Zm9v!", 5, (uint8_t[8]){ 0 }), -1);
}

static void test_prefix_end(void)
{
	struct alk_buf b = { 0 };

	alk_etcd_prefix_end("/alkaid/endpoint/blue/", &b);
	alk_buf_putc(&b, '\0');
	CU_ASSERT_STRING_EQUAL(b.data, "/alkaid/endpoint/blue0");
	alk_buf_free(&b);
}

static void fleet_suite(void)
{
	CU_pSuite s = CU_add_suite("fleet", NULL, NULL);

	CU_add_test(s, "every object's key written and parsed back",
		    test_round_trip);
	CU_add_test(s, "keys that are not rows refused, with a reason",
		    test_refused);
	CU_add_test(s, "a value checked against its key",
		    test_value_against_key);
	CU_add_test(s, "base64: RFC 4648's vectors", test_base64);
	CU_add_test(s, "a prefix's range end", test_prefix_end);
}
TEST_SUITE(fleet_suite);
