/* SPDX-License-Identifier: BSD-3-Clause */
/* The JSON shapes: decoding, encoding, the grammar's words, and what each
 * malformed entry is told. */
#include <CUnit/Basic.h>
#include <arpa/inet.h>
#include <json-c/json.h>
#include <string.h>

#include "ctl/api.h"
#include "ctl_tests.h"

/* Decode text as `part` of object o; returns the decoder's result. */
static int decode(enum alk_cmd_object obj, enum alk_part part, const char *text,
		  int64_t index, void *key, void *val, struct alk_error *err)
{
	struct json_object *j = json_tokener_parse(text);
	int rc;

	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	rc = alk_api_decode(alk_object(obj), j, part, "entries", index, key,
			    val, err);
	json_object_put(j);
	return rc;
}

/* The message the decoder gives text, as a string to compare. */
static const char *why(enum alk_cmd_object obj, enum alk_part part,
		       const char *text, int64_t index)
{
	static struct alk_error err;
	uint8_t key[ALK_MAX_KEY], val[ALK_MAX_VAL];

	if (decode(obj, part, text, index, key, val, &err) == 0)
		return "(accepted)";
	return err.msg;
}

static void test_endpoint_decode(void)
{
	struct alk_endpoint_key k;
	struct alk_endpoint v;
	struct alk_error err;

	CU_ASSERT_EQUAL(decode(ALK_O_ENDPOINT, ALK_PART_ALL,
			       "{\"vni\":100,\"ip\":\"203.0.113.5\","
			       "\"mac\":\"0e:00:00:00:00:05\","
			       "\"host\":\"198.18.0.12\"}",
			       0, &k, &v, &err),
			0);
	CU_ASSERT_EQUAL(k.vni, 100);
	CU_ASSERT_EQUAL(k.ip, inet_addr("203.0.113.5"));
	CU_ASSERT_EQUAL(v.host, inet_addr("198.18.0.12"));
	CU_ASSERT_EQUAL(memcmp(v.mac, "\x0e\0\0\0\0\x05", 6), 0);
	/* upper-case hex is a MAC too */
	CU_ASSERT_EQUAL(decode(ALK_O_ENDPOINT, ALK_PART_ALL,
			       "{\"vni\":1,\"ip\":\"203.0.113.5\","
			       "\"mac\":\"0E:AB:00:00:00:05\","
			       "\"host\":\"198.18.0.12\"}",
			       0, &k, &v, &err),
			0);
	CU_ASSERT_EQUAL(v.mac[1], 0xab);
}

static void test_decode_errors(void)
{
	const enum alk_cmd_object E = ALK_O_ENDPOINT;

	CU_ASSERT_STRING_EQUAL(
		why(E, ALK_PART_ALL,
		    "{\"vni\":16777216,\"ip\":\"203.0.113.5\",\"mac\":"
		    "\"0e:00:00:00:00:05\",\"host\":\"198.18.0.12\"}",
		    3),
		"entries[3]: vni 16777216 out of range (0-16777215)");
	CU_ASSERT_STRING_EQUAL(
		why(E, ALK_PART_ALL,
		    "{\"vni\":1,\"ip\":\"203.0.113.5\",\"mac\":\"0e:00:00:00:"
		    "00\",\"host\":\"198.18.0.12\"}",
		    0),
		"entries[0].mac: '0e:00:00:00:00' is not a MAC address "
		"(xx:xx:xx:xx:xx:xx)");
	CU_ASSERT_STRING_EQUAL(why(E, ALK_PART_ALL,
				   "{\"vni\":1,\"ip\":\"203.0.113.5\",\"mac\":"
				   "\"0e:00:00:00:00:05\"}",
				   1),
			       "entries[1]: missing 'host'");
	CU_ASSERT_STRING_EQUAL(
		why(E, ALK_PART_ALL,
		    "{\"vni\":1,\"ip\":\"203.0.113.5\",\"color\":\"red\"}", 2),
		"entries[2]: unknown member 'color'");
	CU_ASSERT_STRING_EQUAL(why(E, ALK_PART_KEY,
				   "{\"vni\":1,\"ip\":\"203.0.113.5\",\"mac\":"
				   "\"0e:00:00:00:00:05\"}",
				   0),
			       "entries[0]: 'mac' is not part of the key");
	CU_ASSERT_STRING_EQUAL(why(E, ALK_PART_KEY,
				   "{\"vni\":\"1\",\"ip\":\"203.0.113.5\"}", 0),
			       "entries[0].vni: expected an integer");
	CU_ASSERT_STRING_EQUAL(
		why(E, ALK_PART_KEY, "{\"vni\":1.5,\"ip\":\"203.0.113.5\"}", 0),
		"entries[0].vni: expected an integer");
	CU_ASSERT_STRING_EQUAL(
		why(E, ALK_PART_KEY, "{\"vni\":-1,\"ip\":\"203.0.113.5\"}", 0),
		"entries[0]: vni -1 out of range (0-16777215)");
	/* a NUL inside the string is not the end of the address */
	CU_ASSERT_STRING_EQUAL(
		why(E, ALK_PART_KEY,
		    "{\"vni\":1,\"ip\":\"203.0.113.5\\u0000junk\"}", 0),
		"entries[0].ip: '203.0.113.5' is not an IPv4 address");
	CU_ASSERT_STRING_EQUAL(why(E, ALK_PART_KEY, "[1,2]", 7),
			       "entries[7]: expected an object");
	CU_ASSERT_STRING_EQUAL(why(E, ALK_PART_KEY, "{\"vni\":1}", 0),
			       "entries[0]: missing 'ip'");

	CU_ASSERT_STRING_EQUAL(
		why(ALK_O_NETWORK, ALK_PART_KEY,
		    "{\"vni\":1,\"prefix\":\"203.0.113.0/33\"}", 0),
		"entries[0].prefix: '203.0.113.0/33' is not an IPv4 prefix "
		"(a.b.c.d/len)");
	CU_ASSERT_STRING_EQUAL(
		why(ALK_O_NETWORK, ALK_PART_KEY,
		    "{\"vni\":1,\"prefix\":\"203.0.113.0\"}", 0),
		"entries[0].prefix: '203.0.113.0' is not an IPv4 prefix "
		"(a.b.c.d/len)");
	CU_ASSERT_STRING_EQUAL(
		why(ALK_O_VPC, ALK_PART_ALL,
		    "{\"vni\":1,\"dividers\":[\"198.18.0.1\",\"x\"]}", 4),
		"entries[4].dividers[1]: not an IPv4 address");
	CU_ASSERT_STRING_EQUAL(
		why(ALK_O_VPC, ALK_PART_ALL,
		    "{\"vni\":1,\"dividers\":[\"198.18.0.1\",\"198.18.0.1\","
		    "\"198.18.0.1\",\"198.18.0.1\",\"198.18.0.1\","
		    "\"198.18.0.1\",\"198.18.0.1\",\"198.18.0.1\","
		    "\"198.18.0.1\"]}",
		    0),
		"entries[0].dividers: at most 8 addresses, got 9");
	CU_ASSERT_STRING_EQUAL(
		why(ALK_O_VPC, ALK_PART_ALL,
		    "{\"vni\":1,\"dividers\":\"198.18.0.1\"}", 0),
		"entries[0].dividers: expected an array of IPv4 addresses");
	CU_ASSERT_STRING_EQUAL(
		why(ALK_O_NETWORK, ALK_PART_ALL,
		    "{\"vni\":1,\"prefix\":\"203.0.113.0/24\",\"bouncers\":"
		    "[\"198.18.0.1\"],\"mtu\":65536}",
		    0),
		"entries[0]: mtu 65536 out of range (0-65535)");
	CU_ASSERT_STRING_EQUAL(
		why(ALK_O_GATEWAY, ALK_PART_ALL,
		    "{\"ip\":\"198.18.0.1\",\"mac\":\"02:00:00:00:00:01\","
		    "\"underlay_arp\":1}",
		    -1),
		"entries.underlay_arp: expected true or false");
}

/* Every object: decode(encode(x)) == x, and the grammar reads the words
 * the state file is written in back into the same structs. */
static void round_trip(enum alk_cmd_object obj, const char *json,
		       const char *words)
{
	const struct alk_object *o = alk_object(obj);
	uint8_t key[ALK_MAX_KEY], val[ALK_MAX_VAL];
	uint8_t key2[ALK_MAX_KEY], val2[ALK_MAX_VAL];
	struct alk_buf b = { 0 };
	struct alk_error err;
	struct alk_cmd cmd;
	const void *ck, *cv;
	char line[512], *argv[64];
	int argc;

	CU_ASSERT_EQUAL_FATAL(decode(obj, ALK_PART_ALL, json, 0,
				     o->key_size ? key : NULL, val, &err),
			      0);
	alk_api_encode(o, ALK_PART_ALL, key, val, &b);
	alk_buf_putc(&b, 0);
	CU_ASSERT_STRING_EQUAL(b.data, json);
	CU_ASSERT_EQUAL(decode(obj, ALK_PART_ALL, b.data, 0,
			       o->key_size ? key2 : NULL, val2, &err),
			0);
	CU_ASSERT_EQUAL(memcmp(key, key2, o->key_size), 0);
	CU_ASSERT_EQUAL(memcmp(val, val2, o->val_size), 0);

	b.len = 0;
	alk_api_words(o, ALK_PART_ALL, key, val, &b);
	alk_buf_putc(&b, 0);
	CU_ASSERT_STRING_EQUAL(b.data, words);
	snprintf(line, sizeof(line), "%s %s %s", o->name,
		 obj == ALK_O_GATEWAY ? "set" : "add", b.data);
	argc = alk_cmd_split(line, argv, 64);
	CU_ASSERT_EQUAL_FATAL(alk_cmd_parse(argc, argv, &cmd, &err), 0);
	alk_cmd_parts(&cmd, &ck, &cv);
	if (o->key_size)
		CU_ASSERT_EQUAL(memcmp(ck, key, o->key_size), 0);
	/* the front end fills the network's plen copy; the grammar too */
	CU_ASSERT_EQUAL(memcmp(cv, val, o->val_size), 0);
	alk_buf_free(&b);
}

static void test_round_trips(void)
{
	round_trip(ALK_O_ENDPOINT,
		   "{\"vni\":100,\"ip\":\"203.0.113.5\",\"mac\":"
		   "\"0e:00:00:00:00:05\",\"host\":\"198.18.0.12\"}",
		   "vni 100 ip 203.0.113.5 mac 0e:00:00:00:00:05 host "
		   "198.18.0.12");
	round_trip(ALK_O_VPC,
		   "{\"vni\":16777215,\"dividers\":[\"198.18.0.1\","
		   "\"198.19.255.254\"]}",
		   "vni 16777215 dividers 198.18.0.1,198.19.255.254");
	round_trip(ALK_O_NEIGHBOR,
		   "{\"ip\":\"198.18.0.12\",\"mac\":\"02:00:00:00:00:12\"}",
		   "ip 198.18.0.12 mac 02:00:00:00:00:12");
	round_trip(ALK_O_GATEWAY,
		   "{\"ip\":\"198.18.0.1\",\"mac\":\"02:00:00:00:00:01\","
		   "\"geneve_port\":0,\"vxlan_port\":8472,"
		   "\"underlay_arp\":true,\"direct_path\":false,"
		   "\"direct_path_rate\":0,\"direct_path_burst\":7}",
		   "ip 198.18.0.1 mac 02:00:00:00:00:01 geneve-port 0 "
		   "vxlan-port 8472 underlay-arp on direct-path off "
		   "direct-path-rate 0 direct-path-burst 7");
}

/* The network's plen copy is the front end's to fill: compare without. */
static void test_network_shape(void)
{
	const struct alk_object *o = alk_object(ALK_O_NETWORK);
	struct alk_network_key k;
	struct alk_network v;
	struct alk_buf b = { 0 };
	struct alk_error err;

	CU_ASSERT_EQUAL_FATAL(
		decode(ALK_O_NETWORK, ALK_PART_ALL,
		       "{\"vni\":100,\"prefix\":\"203.0.113.0/"
		       "24\",\"bouncers\":"
		       "[\"198.18.0.1\",\"198.18.0.2\"],\"router\":"
		       "\"203.0.113.1\",\"dns\":null,\"mtu\":1450,"
		       "\"lease\":3600}",
		       0, &k, &v, &err),
		0);
	CU_ASSERT_EQUAL(k.plen, 24);
	CU_ASSERT_EQUAL(k.prefix, inet_addr("203.0.113.0"));
	CU_ASSERT_EQUAL(v.nbouncers, 2);
	CU_ASSERT_EQUAL(v.bouncers[1], inet_addr("198.18.0.2"));
	CU_ASSERT_EQUAL(v.dns, 0);
	CU_ASSERT_EQUAL(v.mtu, 1450);
	alk_api_encode(o, ALK_PART_ALL, &k, &v, &b);
	alk_buf_putc(&b, 0);
	CU_ASSERT_STRING_EQUAL(b.data,
			       "{\"vni\":100,\"prefix\":\"203.0.113.0/24\","
			       "\"router\":\"203.0.113.1\",\"dns\":null,"
			       "\"mtu\":1450,\"lease\":3600,\"vxlan\":false,"
			       "\"bouncers\":[\"198.18.0.1\",\"198.18.0.2\"]}");
	/* unset options are left out of the words and shown as "-" */
	b.len = 0;
	alk_api_words(o, ALK_PART_ALL, &k, &v, &b);
	alk_buf_putc(&b, 0);
	CU_ASSERT_STRING_EQUAL(
		b.data, "vni 100 prefix 203.0.113.0/24 router "
			"203.0.113.1 mtu 1450 lease 3600 vxlan off bouncers "
			"198.18.0.1,198.18.0.2");
	b.len = 0;
	alk_api_field_text(&o->fields[3], &k, &v, &b); /* dns */
	CU_ASSERT_EQUAL(b.len, 1);
	CU_ASSERT_EQUAL(b.data[0], '-');
	/* the key alone */
	b.len = 0;
	alk_api_encode(o, ALK_PART_KEY, &k, NULL, &b);
	alk_buf_putc(&b, 0);
	CU_ASSERT_STRING_EQUAL(b.data,
			       "{\"vni\":100,\"prefix\":\"203.0.113.0/24\"}");
	alk_buf_free(&b);
}

static void test_gateway_defaults(void)
{
	struct alk_gateway gw;
	struct alk_error err;

	CU_ASSERT_EQUAL(decode(ALK_O_GATEWAY, ALK_PART_ALL,
			       "{\"ip\":\"198.18.0.1\",\"mac\":"
			       "\"02:00:00:00:00:01\"}",
			       -1, NULL, &gw, &err),
			0);
	CU_ASSERT_EQUAL(ntohs(gw.geneve_port), ALK_GENEVE_PORT);
	CU_ASSERT_EQUAL(ntohs(gw.vxlan_port), ALK_VXLAN_PORT);
	CU_ASSERT_EQUAL(gw.flags, ALK_GW_F_DIRECT_PATH);
	CU_ASSERT_EQUAL(gw.dp_rate, ALK_DP_RATE);
	CU_ASSERT_EQUAL(gw.dp_burst, ALK_DP_BURST);
}

static void test_buf(void)
{
	struct alk_buf b = { 0 };

	for (int i = 0; i < 10000; i++)
		alk_buf_printf(&b, "%d,", i);
	CU_ASSERT_FALSE(b.nomem);
	CU_ASSERT_EQUAL(memcmp(b.data + b.len - 5, "9999,", 5), 0);
	b.len = 0;
	alk_buf_json_string(&b, "a \"quoted\"\n/ line");
	alk_buf_putc(&b, 0);
	CU_ASSERT_STRING_EQUAL(b.data, "\"a \\\"quoted\\\"\\n/ line\"");
	alk_buf_free(&b);
}

void ctl_api_register(void)
{
	CU_pSuite s = CU_add_suite("ctl api", NULL, NULL);

	CU_add_test(s, "endpoint decoded", test_endpoint_decode);
	CU_add_test(s, "each bad entry is told why", test_decode_errors);
	CU_add_test(s, "JSON and grammar round trips", test_round_trips);
	CU_add_test(s, "network shape", test_network_shape);
	CU_add_test(s, "gateway defaults", test_gateway_defaults);
	CU_add_test(s, "buffers", test_buf);
}
