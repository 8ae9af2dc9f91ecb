/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control server over real Unix sockets, in one thread: the test is the
 * client and pumps the server (alk_ctl_server_process) while it waits, as a
 * daemon's loop would.  Every method, batch errors, paging, malformed
 * requests, pipelining, partial input, the size limit, slow and vanished
 * clients, peer credentials and the state file.
 */
#include <CUnit/Basic.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/platform/host.h"
#include "core/reason_names.h"
#include "ctl/api.h"
#include "ctl/server.h"
#include "ctl_tests.h"

struct fx {
	char dir[64], path[128];
	struct alk_tables *t;
	struct alk_ctl_server *srv;
};

struct client {
	int fd;
	struct alk_buf in;
	size_t off;
};

static struct fx fx;

static void fx_up(const struct alk_ctl_options *opt)
{
	struct alk_error err;

	ctl_test_tmpdir(fx.dir);
	snprintf(fx.path, sizeof(fx.path), "%s/run/alkaid/ctl.sock", fx.dir);
	fx.t = ctl_test_tables();
	fx.srv = alk_ctl_server_create(fx.path, NULL, fx.t, opt, &err);
	if (!fx.srv)
		fprintf(stderr, "server: %s\n", err.msg);
	CU_ASSERT_PTR_NOT_NULL_FATAL(fx.srv);
}

static void fx_down(void)
{
	char cmd[128];

	alk_ctl_server_destroy(fx.srv);
	fx.t->ops->close(fx.t);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", fx.dir);
	CU_ASSERT_EQUAL(system(cmd), 0);
}

static void pump(void)
{
	for (int i = 0; i < 8; i++)
		CU_ASSERT_EQUAL(alk_ctl_server_process(fx.srv), 0);
}

static struct client cl_open(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct client c = { .fd = socket(AF_UNIX, SOCK_STREAM, 0) };

	strcpy(sa.sun_path, fx.path);
	CU_ASSERT_EQUAL_FATAL(connect(c.fd, (struct sockaddr *)&sa, sizeof(sa)),
			      0);
	pump();
	return c;
}

static void cl_close(struct client *c)
{
	close(c->fd);
	alk_buf_free(&c->in);
	pump();
}

/* Send all of it, pumping the server whenever the socket is full. */
static void cl_send(struct client *c, const char *data, size_t len)
{
	size_t off = 0;

	while (off < len) {
		ssize_t n = send(c->fd, data + off, len - off,
				 MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n > 0)
			off += n;
		else if (errno == EAGAIN)
			pump();
		else
			CU_FAIL_FATAL("send");
	}
	pump();
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The next line from the server (without its newline), or NULL at EOF or
 * after two seconds of silence. */
static char *cl_line(struct client *c)
{
	double deadline = now() + 2;

	alk_buf_reserve(&c->in, 65536);
	for (;;) {
		char *start = c->in.data + c->off, *nl = NULL;
		ssize_t n;

		if (c->in.len > c->off)
			nl = memchr(start, '\n', c->in.len - c->off);
		if (nl) {
			*nl = 0;
			c->off = nl + 1 - c->in.data;
			return start;
		}
		if (now() > deadline)
			return NULL;
		pump();
		alk_buf_reserve(&c->in, 65536);
		n = recv(c->fd, c->in.data + c->in.len, c->in.cap - c->in.len,
			 MSG_DONTWAIT);
		if (n == 0)
			return NULL;
		if (n > 0)
			c->in.len += n;
	}
}

/* Whether the server closed the connection (EOF, nothing before it). */
static int cl_closed(struct client *c)
{
	char b;

	for (int i = 0; i < 100; i++) {
		ssize_t n;

		pump();
		n = recv(c->fd, &b, 1, MSG_DONTWAIT);
		if (n == 0 || (n < 0 && errno == ECONNRESET))
			return 1;
		if (n > 0)
			return 0;
		usleep(1000);
	}
	return 0;
}

/* One request line, its answer parsed (the caller puts it). */
static struct json_object *cl_call(struct client *c, const char *req)
{
	char *line;

	cl_send(c, req, strlen(req));
	cl_send(c, "\n", 1);
	line = cl_line(c);
	CU_ASSERT_PTR_NOT_NULL_FATAL(line);
	return json_tokener_parse(line);
}

static struct json_object *get(struct json_object *j, const char *path)
{
	char name[64];
	const char *dot;

	while (j && *path) {
		dot = strchr(path, '.');
		snprintf(name, sizeof(name), "%.*s",
			 (int)(dot ? dot - path : (long)strlen(path)), path);
		if (json_object_is_type(j, json_type_array))
			j = json_object_array_get_idx(j, atoi(name));
		else if (!json_object_object_get_ex(j, name, &j))
			return NULL;
		path = dot ? dot + 1 : path + strlen(path);
	}
	return j;
}

static int64_t get_int(struct json_object *j, const char *path)
{
	return json_object_get_int64(get(j, path));
}

static const char *get_str(struct json_object *j, const char *path)
{
	const char *s = json_object_get_string(get(j, path));

	return s ? s : "(none)";
}

#define REQ(method, params)                                                    \
	"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"" method                   \
	"\",\"params\":" params "}"

/* An answer that must be a success. */
static struct json_object *ok(struct client *c, const char *req)
{
	struct json_object *r = cl_call(c, req);

	if (!get(r, "result"))
		fprintf(stderr, "\nunexpected: %s\n",
			json_object_to_json_string(r));
	CU_ASSERT_PTR_NOT_NULL(get(r, "result"));
	return r;
}

/* An answer that must be an error with this code and message. */
static void fails(struct client *c, const char *req, int code, const char *msg)
{
	struct json_object *r = cl_call(c, req);

	if (get_int(r, "error.code") != code ||
	    strcmp(get_str(r, "error.message"), msg))
		fprintf(stderr, "\nfor %s\n got %s\n", req,
			json_object_to_json_string(r));
	CU_ASSERT_EQUAL(get_int(r, "error.code"), code);
	CU_ASSERT_STRING_EQUAL(get_str(r, "error.message"), msg);
	json_object_put(r);
}

static uint64_t table_count(enum alk_table tbl)
{
	struct alk_table_info info;

	fx.t->ops->info(fx.t, tbl, &info);
	return info.count;
}

#define EP(vni, ip, mac, host)                                                 \
	"{\"vni\":" #vni ",\"ip\":\"" ip "\",\"mac\":\"" mac                   \
	"\",\"host\":\"" host "\"}"

static void test_methods(void)
{
	struct json_object *r;
	struct client c;

	fx_up(NULL);
	c = cl_open();

	r = ok(&c, REQ("version", "{}"));
	CU_ASSERT_EQUAL(get_int(r, "result.protocol"), ALK_CTL_PROTOCOL);
	CU_ASSERT_STRING_EQUAL(get_str(r, "result.backend"), "host");
	json_object_put(r);

	/* no gateway yet: a null result */
	r = cl_call(&c, REQ("gateway.get", "null"));
	CU_ASSERT_TRUE(json_object_object_get_ex(r, "result", NULL));
	CU_ASSERT_TRUE(json_object_is_type(get(r, "result"), json_type_null));
	json_object_put(r);
	json_object_put(ok(&c, REQ("gateway.set",
				   "{\"ip\":\"198.18.0.1\",\"mac\":"
				   "\"02:00:00:00:00:01\",\"vxlan_port\":0}")));
	r = ok(&c, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"gateway.get\"}");
	CU_ASSERT_STRING_EQUAL(get_str(r, "result.ip"), "198.18.0.1");
	CU_ASSERT_EQUAL(get_int(r, "result.vxlan_port"), 0);
	CU_ASSERT_EQUAL(get_int(r, "result.geneve_port"), 6081);
	CU_ASSERT_EQUAL(get_int(r, "id"), 2);
	json_object_put(r);

	r = ok(&c, REQ("endpoint.add",
		       "{\"entries\":[" EP(
			       100, "203.0.113.5", "0e:00:00:00:00:05",
			       "198.18.0.12") "," EP(100, "203.0.113.6",
						     "0e:00:00:00:00:06",
						     "198.18.0.12") "]}"));
	CU_ASSERT_EQUAL(get_int(r, "result.count"), 2);
	json_object_put(r);
	CU_ASSERT_EQUAL(table_count(ALK_T_ENDPOINT), 2);
	CU_ASSERT_EQUAL(table_count(ALK_T_DHCP), 2);
	r = ok(&c, REQ("endpoint.get", "{\"vni\":100,\"ip\":\"203.0.113.6\"}"));
	CU_ASSERT_STRING_EQUAL(get_str(r, "result.mac"), "0e:00:00:00:00:06");
	CU_ASSERT_STRING_EQUAL(get_str(r, "result.host"), "198.18.0.12");
	json_object_put(r);
	fails(&c, REQ("endpoint.get", "{\"vni\":100,\"ip\":\"203.0.113.7\"}"),
	      ALK_RPC_NOT_FOUND, "endpoint vni 100 ip 203.0.113.7 not found");
	r = ok(&c, REQ("endpoint.del",
		       "{\"entries\":[{\"vni\":100,\"ip\":\"203.0.113.5\"}]}"));
	CU_ASSERT_EQUAL(get_int(r, "result.count"), 1);
	json_object_put(r);
	CU_ASSERT_EQUAL(table_count(ALK_T_ENDPOINT), 1);
	CU_ASSERT_EQUAL(table_count(ALK_T_DHCP), 1);

	json_object_put(ok(&c, REQ("network.add",
				   "{\"entries\":[{\"vni\":100,\"prefix\":"
				   "\"203.0.113.0/24\",\"bouncers\":"
				   "[\"198.18.0.1\",\"198.18.0.2\"],\"router\":"
				   "\"203.0.113.1\",\"mtu\":1450,\"lease\":"
				   "3600}]}")));
	r = ok(&c, REQ("network.get",
		       "{\"vni\":100,\"prefix\":\"203.0.113.0/24\"}"));
	CU_ASSERT_STRING_EQUAL(get_str(r, "result.bouncers.1"), "198.18.0.2");
	CU_ASSERT_TRUE(
		json_object_is_type(get(r, "result.dns"), json_type_null));
	CU_ASSERT_EQUAL(get_int(r, "result.mtu"), 1450);
	json_object_put(r);
	json_object_put(
		ok(&c, REQ("vpc.add", "{\"entries\":[{\"vni\":100,\"dividers\":"
				      "[\"198.18.0.3\"]}]}")));
	r = ok(&c, REQ("vpc.list", "{}"));
	CU_ASSERT_EQUAL(get_int(r, "result.entries.0.vni"), 100);
	CU_ASSERT_TRUE(
		json_object_is_type(get(r, "result.next"), json_type_null));
	json_object_put(r);
	json_object_put(ok(&c, REQ("neighbor.add",
				   "{\"entries\":[{\"ip\":\"198.18.0.12\","
				   "\"mac\":\"02:00:00:00:00:12\"}]}")));
	r = ok(&c, REQ("neighbor.get", "{\"ip\":\"198.18.0.12\"}"));
	CU_ASSERT_STRING_EQUAL(get_str(r, "result.mac"), "02:00:00:00:00:12");
	json_object_put(r);
	json_object_put(
		ok(&c, REQ("neighbor.del",
			   "{\"entries\":[{\"ip\":\"198.18.0.12\"}]}")));
	CU_ASSERT_EQUAL(table_count(ALK_T_NEIGHBOR), 0);

	r = ok(&c, REQ("tables.info", "{}"));
	CU_ASSERT_EQUAL(get_int(r, "result.tables.endpoint.count"), 1);
	CU_ASSERT_EQUAL(get_int(r, "result.tables.endpoint.capacity"), 64);
	CU_ASSERT_EQUAL(get_int(r, "result.tables.network.count"), 1);
	CU_ASSERT_TRUE(get_int(r, "result.tables.dhcp.memory") > 0);
	json_object_put(r);

	/* counters by reason name, summed by verdict */
	for (int i = 0; i < 3; i++)
		alk_host_count(fx.t, ALK_R_bounce);
	alk_host_count(fx.t, ALK_R_neighbor_miss);
	r = ok(&c, REQ("stats.get", "{}"));
	CU_ASSERT_EQUAL(get_int(r, "result.reasons.bounce"), 3);
	CU_ASSERT_EQUAL(get_int(r, "result.reasons.neighbor_miss"), 1);
	CU_ASSERT_EQUAL(get_int(r, "result.verdicts.tx"), 3);
	CU_ASSERT_EQUAL(get_int(r, "result.verdicts.drop"), 1);
	CU_ASSERT_EQUAL(json_object_object_length(get(r, "result.reasons")),
			ALK_R_MAX);
	json_object_put(r);
	json_object_put(ok(&c, REQ("stats.reset", "{}")));
	r = ok(&c, REQ("stats.get", "{}"));
	CU_ASSERT_EQUAL(get_int(r, "result.reasons.bounce"), 0);
	json_object_put(r);

	cl_close(&c);
	fx_down();
}

static void test_batch_errors(void)
{
	struct json_object *r;
	struct client c;

	fx_up(NULL);
	c = cl_open();
	/* the decoder: entry 3 of 4; nothing applied */
	r = cl_call(
		&c,
		REQ("endpoint.add",
		    "{\"entries\":[" EP(1, "203.0.113.1", "0e:00:00:00:00:01", "198.18.0.12") "," EP(
			    1, "203.0.113.2", "0e:00:00:00:00:02",
			    "198.18.0.12") "," EP(1, "203.0.113.3",
						  "0e:00:00:00:00:03",
						  "198.18.0.12") "," EP(16777216,
									"203.0."
									"113.4",
									"0e:00:"
									"00:00:"
									"00:04",
									"198."
									"18.0."
									"12") "]}"));
	CU_ASSERT_EQUAL(get_int(r, "error.code"), ALK_RPC_INVALID_PARAMS);
	CU_ASSERT_STRING_EQUAL(get_str(r, "error.message"),
			       "entries[3]: vni 16777216 out of range "
			       "(0-16777215)");
	CU_ASSERT_EQUAL(get_int(r, "error.data.index"), 3);
	json_object_put(r);
	CU_ASSERT_EQUAL(table_count(ALK_T_ENDPOINT), 0);

	/* the table API front end: entry 1 */
	r = cl_call(&c, REQ("endpoint.add",
			    "{\"entries\":[" EP(
				    1, "203.0.113.1", "0e:00:00:00:00:01",
				    "198.18.0.12") "," EP(1, "203.0.113.2",
							  "0e:00:00:00:00:02",
							  "0.0.0.0") "]}"));
	CU_ASSERT_EQUAL(get_int(r, "error.code"), ALK_RPC_INVALID_PARAMS);
	CU_ASSERT_STRING_EQUAL(get_str(r, "error.message"),
			       "entries[1]: host 0.0.0.0 is not a unicast "
			       "address");
	CU_ASSERT_EQUAL(get_int(r, "error.data.index"), 1);
	json_object_put(r);
	CU_ASSERT_EQUAL(table_count(ALK_T_ENDPOINT), 0);

	/* a MAC owned by another endpoint: a conflict */
	json_object_put(ok(&c, REQ("endpoint.add",
				   "{\"entries\":[" EP(1, "203.0.113.1",
						       "0e:00:00:00:00:01",
						       "198.18.0.12") "]}")));
	fails(&c,
	      REQ("endpoint.add",
		  "{\"entries\":[" EP(1, "203.0.113.9", "0e:00:00:00:00:01",
				      "198.18.0.12") "]}"),
	      ALK_RPC_CONFLICT,
	      "entries[0]: mac already belongs to endpoint 203.0.113.1 in "
	      "vni 1");
	/* more than the table holds: the batch as a whole */
	{
		struct alk_buf b = { 0 };
		struct json_object *r2;

		alk_buf_puts(&b, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":"
				 "\"endpoint.add\",\"params\":{\"entries\":[");
		for (int i = 0; i < 70; i++)
			alk_buf_printf(&b,
				       "%s{\"vni\":2,\"ip\":\"198.51.100.%d\","
				       "\"mac\":\"0e:00:00:00:01:%02x\","
				       "\"host\":\"198.18.0.12\"}",
				       i ? "," : "", i + 1, i);
		alk_buf_puts(&b, "]}}");
		alk_buf_putc(&b, 0);
		r2 = cl_call(&c, b.data);
		CU_ASSERT_EQUAL(get_int(r2, "error.code"), ALK_RPC_NO_SPACE);
		CU_ASSERT_PTR_NOT_NULL(
			strstr(get_str(r2, "error.message"), "table full"));
		CU_ASSERT_PTR_NULL(get(r2, "error.data"));
		json_object_put(r2);
		alk_buf_free(&b);
	}
	CU_ASSERT_EQUAL(table_count(ALK_T_ENDPOINT), 1);
	fails(&c,
	      REQ("network.add", "{\"entries\":[{\"vni\":1,\"prefix\":"
				 "\"203.0.113.1/24\",\"bouncers\":"
				 "[\"198.18.0.1\"]}]}"),
	      ALK_RPC_INVALID_PARAMS,
	      "entries[0]: prefix 203.0.113.1/24 has host bits set");
	fails(&c, REQ("vpc.add", "{\"entries\":[{\"vni\":1,\"dividers\":[]}]}"),
	      ALK_RPC_INVALID_PARAMS,
	      "entries[0]: dividers: between 1 and 8 needed, got 0");
	fails(&c, REQ("gateway.set", "{\"ip\":\"198.18.0.1\"}"),
	      ALK_RPC_INVALID_PARAMS, "params: missing 'mac'");
	fails(&c,
	      REQ("gateway.set", "{\"ip\":\"224.0.0.1\",\"mac\":"
				 "\"02:00:00:00:00:01\"}"),
	      ALK_RPC_INVALID_PARAMS, "ip 224.0.0.1 is not a unicast address");
	cl_close(&c);
	fx_down();
}

/* The row form of a batch: the same entries, checked the same way. */
static void test_rows(void)
{
	struct json_object *r;
	struct client c;

	fx_up(NULL);
	c = cl_open();
	r = ok(&c, REQ("endpoint.add",
		       "{\"fields\":[\"host\",\"vni\",\"ip\",\"mac\"],\"rows\":"
		       "[[\"198.18.0.12\",100,\"203.0.113.5\",\"0e:00:00:00:00:"
		       "05\"],"
		       "[\"198.18.0.13\",100,\"203.0.113.6\",\"0e:00:00:00:00:"
		       "06\"]]}"));
	CU_ASSERT_EQUAL(get_int(r, "result.count"), 2);
	json_object_put(r);
	r = ok(&c, REQ("endpoint.get", "{\"vni\":100,\"ip\":\"203.0.113.6\"}"));
	CU_ASSERT_STRING_EQUAL(get_str(r, "result.host"), "198.18.0.13");
	json_object_put(r);
	/* optional fields may be left out of the columns */
	json_object_put(
		ok(&c, REQ("network.add",
			   "{\"fields\":[\"vni\",\"prefix\",\"bouncers\"],"
			   "\"rows\":[[1,\"203.0.113.0/24\","
			   "[\"198.18.0.1\"]]]}")));
	fails(&c,
	      REQ("endpoint.add",
		  "{\"fields\":[\"vni\",\"colour\"],\"rows\":[]}"),
	      ALK_RPC_INVALID_PARAMS,
	      "params.fields[1]: unknown member 'colour'");
	fails(&c,
	      REQ("endpoint.add",
		  "{\"fields\":[\"vni\",\"ip\",\"mac\"],\"rows\":[]}"),
	      ALK_RPC_INVALID_PARAMS, "params.fields: missing 'host'");
	fails(&c,
	      REQ("endpoint.add",
		  "{\"fields\":[\"vni\",\"ip\",\"vni\"],\"rows\":[]}"),
	      ALK_RPC_INVALID_PARAMS, "params.fields[2]: 'vni' given twice");
	fails(&c,
	      REQ("endpoint.del",
		  "{\"fields\":[\"vni\",\"ip\",\"mac\"],\"rows\":[]}"),
	      ALK_RPC_INVALID_PARAMS,
	      "params.fields[2]: 'mac' is not part of the key");
	fails(&c,
	      REQ("endpoint.del", "{\"fields\":[\"vni\",\"ip\"],\"rows\":"
				  "[[1,\"203.0.113.5\"],[1]]}"),
	      ALK_RPC_INVALID_PARAMS,
	      "rows[1]: expected an array of 2 values, one per field");
	fails(&c,
	      REQ("endpoint.add",
		  "{\"fields\":[\"vni\",\"ip\",\"mac\",\"host\"],\"rows\":"
		  "[[1,\"203.0.113.7\",\"0e:00:00:00:00:07\",\"198.18.0.12\"],"
		  "[1,\"203.0.113.8\",\"0e:00:00:00:00:08\",\"0.0.0.0\"]]}"),
	      ALK_RPC_INVALID_PARAMS,
	      "rows[1]: host 0.0.0.0 is not a unicast address");
	fails(&c,
	      REQ("endpoint.add",
		  "{\"fields\":[\"vni\",\"ip\",\"mac\",\"host\"],\"rows\":"
		  "[[1,\"203.0.113.7\",\"0e:00:00\",\"198.18.0.12\"]]}"),
	      ALK_RPC_INVALID_PARAMS,
	      "rows[0].mac: '0e:00:00' is not a MAC address "
	      "(xx:xx:xx:xx:xx:xx)");
	fails(&c, REQ("endpoint.add", "{\"entries\":[],\"rows\":[]}"),
	      ALK_RPC_INVALID_PARAMS,
	      "params: either 'entries', or 'fields' and 'rows'");
	fails(&c, REQ("endpoint.add", "{\"rows\":[]}"), ALK_RPC_INVALID_PARAMS,
	      "params: either 'entries', or 'fields' and 'rows'");
	CU_ASSERT_EQUAL(table_count(ALK_T_ENDPOINT), 2);
	r = ok(&c, REQ("endpoint.del", "{\"fields\":[\"ip\",\"vni\"],\"rows\":"
				       "[[\"203.0.113.5\",100]]}"));
	json_object_put(r);
	CU_ASSERT_EQUAL(table_count(ALK_T_ENDPOINT), 1);
	cl_close(&c);
	fx_down();
}

static void test_paging(void)
{
	struct alk_buf b = { 0 };
	struct json_object *r;
	char seen[51] = { 0 }, req[512], after[256] = "null";
	int total = 0, pages = 0;
	struct client c;

	fx_up(NULL);
	c = cl_open();
	alk_buf_puts(&b, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":"
			 "\"endpoint.add\",\"params\":{\"entries\":[");
	for (int i = 1; i <= 50; i++)
		alk_buf_printf(&b,
			       "%s{\"vni\":7,\"ip\":\"198.51.100.%d\",\"mac\":"
			       "\"0e:00:00:00:00:%02x\",\"host\":"
			       "\"198.18.0.12\"}",
			       i > 1 ? "," : "", i, i);
	alk_buf_puts(&b, "]}}");
	alk_buf_putc(&b, 0);
	json_object_put(ok(&c, b.data));
	alk_buf_free(&b);

	for (;;) {
		struct json_object *entries, *next;

		snprintf(req, sizeof(req),
			 REQ("endpoint.list", "{\"limit\":7,\"after\":%s}"),
			 after);
		r = ok(&c, req);
		entries = get(r, "result.entries");
		next = get(r, "result.next");
		pages++;
		for (size_t i = 0; i < json_object_array_length(entries); i++) {
			const char *ip = get_str(
				json_object_array_get_idx(entries, i), "ip");
			int last = atoi(strrchr(ip, '.') + 1);

			CU_ASSERT_FALSE(seen[last]);
			seen[last] = 1;
			total++;
		}
		if (json_object_is_type(next, json_type_null)) {
			json_object_put(r);
			break;
		}
		CU_ASSERT_EQUAL(json_object_array_length(entries), 7);
		/* next is the last entry's key */
		CU_ASSERT_STRING_EQUAL(
			get_str(next, "ip"),
			get_str(json_object_array_get_idx(entries, 6), "ip"));
		snprintf(after, sizeof(after), "%s",
			 json_object_to_json_string(next));
		json_object_put(r);
	}
	CU_ASSERT_EQUAL(total, 50);
	CU_ASSERT_EQUAL(pages, 8); /* 7 * 7 + 1 */

	/* exactly full last page: next is null, not an empty page after */
	r = ok(&c, REQ("endpoint.list", "{\"limit\":50}"));
	CU_ASSERT_EQUAL(json_object_array_length(get(r, "result.entries")), 50);
	CU_ASSERT_TRUE(
		json_object_is_type(get(r, "result.next"), json_type_null));
	json_object_put(r);
	r = ok(&c, REQ("endpoint.list", "null"));
	CU_ASSERT_EQUAL(json_object_array_length(get(r, "result.entries")), 50);
	json_object_put(r);

	fails(&c, REQ("endpoint.list", "{\"limit\":0}"), ALK_RPC_INVALID_PARAMS,
	      "params.limit: 0 out of range (1-10000)");
	fails(&c, REQ("endpoint.list", "{\"limit\":\"7\"}"),
	      ALK_RPC_INVALID_PARAMS, "params.limit: expected an integer");
	fails(&c, REQ("endpoint.list", "{\"after\":{\"vni\":7}}"),
	      ALK_RPC_INVALID_PARAMS, "params.after: missing 'ip'");
	fails(&c, REQ("endpoint.list", "{\"after\":[]}"),
	      ALK_RPC_INVALID_PARAMS,
	      "params.after: expected an object or null");
	cl_close(&c);
	fx_down();
}

static const char notifications[] =
	"{\"jsonrpc\":\"2.0\",\"method\":\"neighbor.add\",\"params\":"
	"{\"entries\":[{\"ip\":\"198.18.0.9\",\"mac\":\"02:00:00:00:00:09\"}]}}"
	"\n"
	"{\"jsonrpc\":\"2.0\",\"method\":\"no.such\"}\n"
	"{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"version\"}\n";

static void test_bad_requests(void)
{
	struct json_object *r;
	struct client c;
	char *line;

	fx_up(NULL);
	c = cl_open();
	fails(&c, "{\"jsonrpc\":\"2.0\",\"id\":1,", ALK_RPC_PARSE_ERROR,
	      "parse error: the line ends inside the JSON value");
	fails(&c, "{\"jsonrpc\":\"2.0\" x}", ALK_RPC_PARSE_ERROR,
	      "parse error: object value separator ',' expected at byte 17");
	fails(&c, "[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"version\"}]",
	      ALK_RPC_INVALID_REQUEST,
	      "batch arrays are not supported: send one request per line "
	      "(they may be pipelined)");
	fails(&c, "42", ALK_RPC_INVALID_REQUEST, "a request is a JSON object");
	/* valid JSON that is no request object is an invalid request, not a
	 * parse error: null too, which json-c hands back as NULL */
	fails(&c, "null", ALK_RPC_INVALID_REQUEST,
	      "a request is a JSON object");
	fails(&c, "  null  ", ALK_RPC_INVALID_REQUEST,
	      "a request is a JSON object");
	fails(&c, "-1.5e3", ALK_RPC_INVALID_REQUEST,
	      "a request is a JSON object");
	fails(&c, "\"version\"", ALK_RPC_INVALID_REQUEST,
	      "a request is a JSON object");
	fails(&c, "true", ALK_RPC_INVALID_REQUEST,
	      "a request is a JSON object");
	fails(&c, "nul", ALK_RPC_PARSE_ERROR,
	      "parse error: null expected at byte 3");
	fails(&c, "{\"id\":1,\"method\":\"version\"}", ALK_RPC_INVALID_REQUEST,
	      "missing 'jsonrpc': \"2.0\"");
	fails(&c, "{\"jsonrpc\":\"1.0\",\"id\":1,\"method\":\"version\"}",
	      ALK_RPC_INVALID_REQUEST, "'jsonrpc' must be \"2.0\"");
	fails(&c,
	      "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"version\",\"x\":1}",
	      ALK_RPC_INVALID_REQUEST, "unknown member 'x' in the request");
	fails(&c, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":7}",
	      ALK_RPC_INVALID_REQUEST, "'method' must be a string");
	fails(&c, REQ("endpoint.frob", "{}"), ALK_RPC_METHOD_NOT_FOUND,
	      "no method 'endpoint.frob'");
	fails(&c, REQ("endpoint.add", "[]"), ALK_RPC_INVALID_PARAMS,
	      "params: expected an object");
	fails(&c, REQ("endpoint.add", "{}"), ALK_RPC_INVALID_PARAMS,
	      "params: either 'entries', or 'fields' and 'rows'");
	fails(&c, REQ("endpoint.add", "{\"entries\":{}}"),
	      ALK_RPC_INVALID_PARAMS, "params.entries: expected an array");
	fails(&c, REQ("endpoint.add", "{\"entries\":[],\"force\":true}"),
	      ALK_RPC_INVALID_PARAMS, "params: unknown member 'force'");
	fails(&c, REQ("endpoint.get", "{}"), ALK_RPC_INVALID_PARAMS,
	      "params: missing 'vni'");
	fails(&c, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"endpoint.get\"}",
	      ALK_RPC_INVALID_PARAMS,
	      "params: 'endpoint.get' needs the endpoint key");
	fails(&c, REQ("version", "{\"verbose\":true}"), ALK_RPC_INVALID_PARAMS,
	      "params: 'version' takes no parameters");
	fails(&c, "\"\xff\"", ALK_RPC_PARSE_ERROR,
	      "parse error: invalid utf-8 string at byte 1");
	/* a NUL byte is an error, not the end of the request */
	cl_send(&c, "{\"a\":\"x\0y\"}\n", 12);
	line = cl_line(&c);
	CU_ASSERT_PTR_NOT_NULL_FATAL(line);
	CU_ASSERT_PTR_NOT_NULL(strstr(line, "parse error: unexpected end of "
					    "data"));

	/* the id comes back as it was sent; a bad one comes back null */
	r = cl_call(&c, "{\"jsonrpc\":\"2.0\",\"id\":\"a/\\\"b\","
			"\"method\":\"version\"}");
	CU_ASSERT_STRING_EQUAL(get_str(r, "id"), "a/\"b");
	json_object_put(r);
	r = cl_call(&c, "{\"jsonrpc\":\"2.0\",\"id\":{},\"method\":"
			"\"version\"}");
	CU_ASSERT_EQUAL(get_int(r, "error.code"), ALK_RPC_INVALID_REQUEST);
	CU_ASSERT_TRUE(json_object_is_type(get(r, "id"), json_type_null));
	json_object_put(r);

	/* a notification (no id) is applied and not answered: the next
	 * line read is the answer to the request after it */
	cl_send(&c, notifications, strlen(notifications));
	line = cl_line(&c);
	CU_ASSERT_PTR_NOT_NULL_FATAL(line);
	r = json_tokener_parse(line);
	CU_ASSERT_EQUAL(get_int(r, "id"), 5);
	json_object_put(r);
	CU_ASSERT_EQUAL(table_count(ALK_T_NEIGHBOR), 1);

	/* blank lines and CRLF are fine; the connection survived it all */
	r = cl_call(&c, "\r\n\n  {\"jsonrpc\":\"2.0\",\"id\":9,\"method\":"
			"\"version\"}\r");
	CU_ASSERT_EQUAL(get_int(r, "id"), 9);
	json_object_put(r);
	cl_close(&c);
	fx_down();
}

/* Many requests in one write; one request in many. */
static void test_pipelined_and_partial(void)
{
	struct alk_buf b = { 0 };
	const char *req = "{\"jsonrpc\":\"2.0\",\"id\":77,\"method\":"
			  "\"endpoint.add\",\"params\":{\"entries\":[" EP(
				  3, "203.0.113.3", "0e:00:00:00:00:03",
				  "198.18.0.12") "]}}\n";
	struct client c;

	fx_up(NULL);
	c = cl_open();
	for (int i = 0; i < 200; i++)
		alk_buf_printf(&b,
			       "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":"
			       "\"version\"}\n",
			       i);
	cl_send(&c, b.data, b.len);
	for (int i = 0; i < 200; i++) {
		char *line = cl_line(&c);
		struct json_object *r;

		CU_ASSERT_PTR_NOT_NULL_FATAL(line);
		r = json_tokener_parse(line);
		CU_ASSERT_EQUAL(get_int(r, "id"), i);
		json_object_put(r);
	}
	alk_buf_free(&b);

	/* a byte at a time, the server running between bytes */
	for (size_t i = 0; req[i]; i++)
		cl_send(&c, req + i, 1);
	{
		char *line = cl_line(&c);
		struct json_object *r;

		CU_ASSERT_PTR_NOT_NULL_FATAL(line);
		r = json_tokener_parse(line);
		CU_ASSERT_EQUAL(get_int(r, "id"), 77);
		CU_ASSERT_EQUAL(get_int(r, "result.count"), 1);
		json_object_put(r);
	}
	CU_ASSERT_EQUAL(table_count(ALK_T_ENDPOINT), 1);
	cl_close(&c);
	fx_down();
}

/* Past the limit: an error, then the connection is closed; others live. */
static void test_size_limit(void)
{
	size_t len = ALK_CTL_MAX_REQUEST + 1024;
	char *big = malloc(len);
	struct client c, d;
	struct json_object *r;
	char *line;

	fx_up(NULL);
	c = cl_open();
	d = cl_open();
	/* a string that never ends: 16 MiB and more of it */
	memset(big, 'a', len);
	memcpy(big, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"", 34);
	cl_send(&c, big, len);
	line = cl_line(&c);
	CU_ASSERT_PTR_NOT_NULL_FATAL(line);
	r = json_tokener_parse(line);
	if (get_int(r, "error.code") != ALK_RPC_TOO_LARGE)
		fprintf(stderr, "\ngot %.300s\n", line);
	CU_ASSERT_EQUAL(get_int(r, "error.code"), ALK_RPC_TOO_LARGE);
	CU_ASSERT_STRING_EQUAL(get_str(r, "error.message"),
			       "request longer than 16777216 bytes: closing");
	json_object_put(r);
	CU_ASSERT_TRUE(cl_closed(&c));
	r = ok(&d, REQ("version", "{}"));
	json_object_put(r);

	/* garbage over the limit too: not a parse error and more reading,
	 * the limit's answer and the close */
	c = cl_open();
	memset(big, 'x', len);
	cl_send(&c, big, len);
	line = cl_line(&c);
	CU_ASSERT_PTR_NOT_NULL_FATAL(line);
	r = json_tokener_parse(line);
	if (get_int(r, "error.code") != ALK_RPC_TOO_LARGE)
		fprintf(stderr, "\ngot %.300s\n", line);
	CU_ASSERT_EQUAL(get_int(r, "error.code"), ALK_RPC_TOO_LARGE);
	json_object_put(r);
	CU_ASSERT_TRUE(cl_closed(&c));
	cl_close(&c);
	/* a bad line under the limit is answered at its end, once, and
	 * the connection goes on */
	c = cl_open();
	memset(big, 'x', 1 << 20);
	cl_send(&c, big, 1 << 20);
	cl_send(&c, "\n", 1);
	line = cl_line(&c);
	CU_ASSERT_PTR_NOT_NULL_FATAL(line);
	r = json_tokener_parse(line);
	CU_ASSERT_EQUAL(get_int(r, "error.code"), ALK_RPC_PARSE_ERROR);
	CU_ASSERT_PTR_NOT_NULL(
		strstr(get_str(r, "error.message"), "at byte 0"));
	json_object_put(r);
	r = ok(&c, REQ("version", "{}"));
	json_object_put(r);

	/* just under the limit is served: a long (ignored) id string */
	{
		struct client e = cl_open();
		size_t n = ALK_CTL_MAX_REQUEST - 100;

		memset(big, 'b', n);
		memcpy(big,
		       "{\"jsonrpc\":\"2.0\",\"method\":\"version\","
		       "\"id\":\"",
		       42);
		memcpy(big + n - 3, "\"}\n", 3);
		cl_send(&e, big, n);
		line = cl_line(&e);
		CU_ASSERT_PTR_NOT_NULL_FATAL(line);
		r = json_tokener_parse(line);
		if (!get(r, "result"))
			fprintf(stderr, "\n%.200s\n", line);
		CU_ASSERT_STRING_EQUAL(get_str(r, "result.backend"), "host");
		json_object_put(r);
		cl_close(&e);
	}
	free(big);
	cl_close(&c);
	cl_close(&d);
	fx_down();
}

/*
 * A client that asks and does not read: the server stops reading it once
 * max_output is pending, keeps serving the others, and answers everything
 * in order once it reads.  A client that vanishes with answers pending is
 * dropped without harm.
 */
static void test_slow_and_vanished(void)
{
	struct alk_ctl_options opt = { .max_output = 16384 };
	struct alk_buf b = { 0 };
	struct client slow, other, gone;
	size_t sent = 0;
	int n = 20000;

	fx_up(&opt);
	slow = cl_open();
	other = cl_open();
	for (int i = 0; i < n; i++)
		alk_buf_printf(&b,
			       "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":"
			       "\"stats.get\"}\n",
			       i);
	/* send what the socket takes without the client reading */
	for (int k = 0; k < 200 && sent < b.len; k++) {
		ssize_t m = send(slow.fd, b.data + sent, b.len - sent,
				 MSG_DONTWAIT);

		if (m > 0)
			sent += m;
		pump();
	}
	/* 1 MB of requests, 27 MB of answers (1.3 KB each): more than the
	 * socket buffers and the cap hold, so the server stopped reading */
	CU_ASSERT_TRUE(sent < b.len);
	json_object_put(ok(&other, REQ("version", "{}")));
	/* now read: every answer arrives, in order */
	for (int i = 0; i < n; i++) {
		char *line;
		struct json_object *r;

		if (sent < b.len) {
			ssize_t m = send(slow.fd, b.data + sent, b.len - sent,
					 MSG_DONTWAIT);

			if (m > 0)
				sent += m;
		}
		line = cl_line(&slow);
		CU_ASSERT_PTR_NOT_NULL_FATAL(line);
		r = json_tokener_parse(line);
		CU_ASSERT_EQUAL(get_int(r, "id"), i);
		json_object_put(r);
	}
	alk_buf_free(&b);

	/* asks for much, leaves without reading, and half a request */
	gone = cl_open();
	for (int i = 0; i < 100; i++)
		alk_buf_printf(&b,
			       "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":"
			       "\"stats.get\"}\n",
			       i);
	alk_buf_puts(&b, "{\"jsonrpc\":\"2.0\",\"id\":");
	send(gone.fd, b.data, b.len, MSG_DONTWAIT);
	pump();
	cl_close(&gone);
	pump();
	json_object_put(ok(&other, REQ("version", "{}")));
	alk_buf_free(&b);
	cl_close(&slow);
	cl_close(&other);
	fx_down();
}

/* A peer that stops writing still gets its answers, then the end. */
static void test_half_close(void)
{
	struct client c;
	struct json_object *r;
	char *line;

	fx_up(NULL);
	c = cl_open();
	cl_send(&c, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"version\"}\n",
		44);
	cl_send(&c, "{\"jsonrpc\":\"2.0\",\"id\":2,", 24);
	shutdown(c.fd, SHUT_WR);
	line = cl_line(&c);
	CU_ASSERT_PTR_NOT_NULL_FATAL(line);
	r = json_tokener_parse(line);
	CU_ASSERT_EQUAL(get_int(r, "id"), 1);
	json_object_put(r);
	line = cl_line(&c);
	CU_ASSERT_PTR_NOT_NULL_FATAL(line);
	r = json_tokener_parse(line);
	CU_ASSERT_STRING_EQUAL(get_str(r, "error.message"),
			       "parse error: the connection ended inside a "
			       "request");
	json_object_put(r);
	CU_ASSERT_TRUE(cl_closed(&c));
	cl_close(&c);
	fx_down();
}

static void test_peer_rule(void)
{
	const unsigned int groups[] = { 20, 600 };

	CU_ASSERT_TRUE(alk_ctl_peer_allowed(0, 0, NULL, 0, 999, 0, 0));
	CU_ASSERT_TRUE(alk_ctl_peer_allowed(999, 100, NULL, 0, 999, 0, 0));
	CU_ASSERT_FALSE(alk_ctl_peer_allowed(1000, 100, NULL, 0, 0, 0, 0));
	/* without a group, membership of gid 0 grants nothing */
	CU_ASSERT_FALSE(alk_ctl_peer_allowed(1000, 0, NULL, 0, 0, 0, 0));
	CU_ASSERT_TRUE(alk_ctl_peer_allowed(1000, 600, NULL, 0, 0, 1, 600));
	CU_ASSERT_TRUE(alk_ctl_peer_allowed(1000, 100, groups, 2, 0, 1, 600));
	CU_ASSERT_FALSE(alk_ctl_peer_allowed(1000, 100, groups, 2, 0, 1, 601));
}

/* As root: a process of another user is refused by SO_PEERCRED even when
 * the socket's mode would let it connect. */
static void test_peer_refused(void)
{
	pid_t pid;
	int status = -1;

	if (geteuid() != 0) {
		fprintf(stderr, "(not root: skipped) ");
		return;
	}
	fx_up(NULL);
	CU_ASSERT_EQUAL(chmod(fx.path, 0666), 0);
	for (char *p = strchr(fx.path + 1, '/'); p; p = strchr(p + 1, '/')) {
		*p = 0;
		chmod(fx.path, 0755);
		*p = '/';
	}
	pid = fork();
	if (pid == 0) {
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		char buf[512] = { 0 };
		int fd;

		if (setgid(65534) || setuid(65534))
			_exit(3);
		fd = socket(AF_UNIX, SOCK_STREAM, 0);
		strcpy(sa.sun_path, fx.path);
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
			_exit(4);
		if (recv(fd, buf, sizeof(buf) - 1, 0) <= 0)
			_exit(5);
		_exit(strstr(buf, "-32004") &&
				      strstr(buf, "permission denied") ?
			      0 :
			      6);
	}
	for (int i = 0; i < 2000; i++) {
		pump();
		if (waitpid(pid, &status, WNOHANG) == pid)
			break;
		usleep(1000);
	}
	CU_ASSERT_TRUE(WIFEXITED(status));
	CU_ASSERT_EQUAL(WEXITSTATUS(status), 0);
	fx_down();
}

static void test_socket_lifecycle(void)
{
	struct alk_ctl_server *second;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct alk_error err;
	struct stat st;
	int fd;

	fx_up(NULL);
	/* the directory was made; the socket is 0660 */
	CU_ASSERT_EQUAL(stat(fx.path, &st), 0);
	CU_ASSERT_TRUE(S_ISSOCK(st.st_mode));
	CU_ASSERT_EQUAL(st.st_mode & 0777, 0660);
	/* a live daemon's socket is not taken over */
	second = alk_ctl_server_create(fx.path, NULL, fx.t, NULL, &err);
	CU_ASSERT_PTR_NULL(second);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "another daemon"));
	alk_ctl_server_destroy(fx.srv);
	CU_ASSERT_NOT_EQUAL(stat(fx.path, &st), 0); /* unlinked */

	/* a stale socket (its daemon died) is replaced */
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	strcpy(sa.sun_path, fx.path);
	CU_ASSERT_EQUAL(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd);
	fx.srv = alk_ctl_server_create(fx.path, NULL, fx.t, NULL, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(fx.srv);
	{
		struct client c = cl_open();

		json_object_put(ok(&c, REQ("version", "{}")));
		cl_close(&c);
	}
	/* no such group: refused up front */
	second = alk_ctl_server_create("/tmp/x.sock", "no-such-group-here",
				       fx.t, NULL, &err);
	CU_ASSERT_PTR_NULL(second);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "no-such-group-here"));
	fx_down();
}

/* Changes reach the state file after state_delay_ms, and at the end. */
static void test_state_hook(void)
{
	struct alk_ctl_options opt = { .state_delay_ms = 20 };
	char state[160], buf[4096] = { 0 };
	struct alk_error err;
	struct client c;
	struct stat st;
	FILE *f;

	fx_up(NULL);
	fx_down();
	ctl_test_tmpdir(fx.dir);
	snprintf(state, sizeof(state), "%s/state", fx.dir);
	snprintf(fx.path, sizeof(fx.path), "%s/sock", fx.dir);
	opt.state_file = state;
	fx.t = ctl_test_tables();
	fx.srv = alk_ctl_server_create(fx.path, NULL, fx.t, &opt, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(fx.srv);
	c = cl_open();
	json_object_put(ok(&c, REQ("endpoint.add",
				   "{\"entries\":[" EP(5, "203.0.113.5",
						       "0e:00:00:00:00:05",
						       "198.18.0.12") "]}")));
	CU_ASSERT_NOT_EQUAL(stat(state, &st), 0); /* not yet */
	for (int i = 0; i < 200 && stat(state, &st); i++) {
		usleep(1000);
		pump();
	}
	f = fopen(state, "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_TRUE(fread(buf, 1, sizeof(buf) - 1, f) > 0);
	fclose(f);
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "\nendpoint add vni 5 ip "
					   "203.0.113.5 mac 0e:00:00:00:00:05 "
					   "host 198.18.0.12\n"));
	CU_ASSERT_EQUAL(st.st_mode & 0777, 0640);
	/* a change just before the end is saved by destroy */
	json_object_put(ok(&c, REQ("neighbor.add",
				   "{\"entries\":[{\"ip\":\"198.18.0.12\","
				   "\"mac\":\"02:00:00:00:00:12\"}]}")));
	cl_close(&c);
	alk_ctl_server_destroy(fx.srv);
	fx.srv = NULL;
	f = fopen(state, "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	memset(buf, 0, sizeof(buf));
	CU_ASSERT_TRUE(fread(buf, 1, sizeof(buf) - 1, f) > 0);
	fclose(f);
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "neighbor add ip 198.18.0.12"));
	fx_down();
}

/* A connected socket handed over rather than accepted. */
static void test_attach(void)
{
	struct client c;
	int sv[2];

	fx_up(NULL);
	CU_ASSERT_EQUAL_FATAL(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	CU_ASSERT_EQUAL(alk_ctl_server_attach(fx.srv, sv[1]), 0);
	c = (struct client){ .fd = sv[0] };
	json_object_put(ok(&c, REQ("version", "{}")));
	cl_close(&c);
	fx_down();
}

/* --- capture: a fake data plane behind the server --------------------- */

static struct {
	int starts, stops;
	struct alk_capture_req req;
} fake;

static int fake_start(void *arg, const struct alk_capture_req *req,
		      struct alk_error *err)
{
	fake.starts++;
	fake.req = *req;
	return 0;
}

static void fake_stop(void *arg, uint64_t *lost)
{
	fake.stops++;
	*lost = 7;
}

static void test_capture(void)
{
	static const uint8_t frame[5] = { 0xde, 0xad, 0xbe, 0xef, 0x01 };
	const struct alk_capture_ops ops = { fake_start, fake_stop, NULL };
	struct alk_capture_frame f = {
		.ts_ns = 1764780000123456789ull,
		.iface = "port 3",
		.reason = ALK_R_geneve_option,
		.ingress = true,
		.len = 60,
		.caplen = sizeof(frame),
		.data = frame,
	};
	struct client a, b;
	struct json_object *j;
	uint8_t back[8];
	const char *data;

	memset(&fake, 0, sizeof(fake));
	fx_up(&(struct alk_ctl_options){ .capture = &ops });
	a = cl_open();
	b = cl_open();
	CU_ASSERT_EQUAL(alk_ctl_capture_frame(fx.srv, &f), -ENOENT);
	fails(&a,
	      REQ("capture.start", "{\"reasons\":[\"bounce\",\"nonsense\"]}"),
	      ALK_RPC_INVALID_PARAMS,
	      "params.reasons[1]: no reason 'nonsense' (see core/verdict.h)");
	fails(&a, REQ("capture.start", "{\"snaplen\":4096}"),
	      ALK_RPC_INVALID_PARAMS,
	      "params.snaplen: 4096 out of range (1-2048)");
	CU_ASSERT_EQUAL(fake.starts, 0);
	j = ok(&a, REQ("capture.start",
		       "{\"port\":3,\"reasons\":[\"bounce\",\"geneve_"
		       "option\"],\"snaplen\":64,\"direction\":\"in\"}"));
	CU_ASSERT_EQUAL(get_int(j, "result.snaplen"), 64);
	json_object_put(j);
	CU_ASSERT_EQUAL(fake.starts, 1);
	CU_ASSERT_EQUAL(fake.req.port, 3);
	CU_ASSERT_EQUAL(fake.req.snaplen, 64);
	CU_ASSERT(fake.req.ingress);
	CU_ASSERT(alk_capture_takes(fake.req.reasons, ALK_R_bounce));
	CU_ASSERT(alk_capture_takes(fake.req.reasons, ALK_R_geneve_option));
	CU_ASSERT(!alk_capture_takes(fake.req.reasons, ALK_R_table_miss));
	/* one at a time */
	fails(&b, REQ("capture.start", "{}"), ALK_RPC_BUSY,
	      "a capture is running already (one at a time)");
	/* a frame goes to the capture's client, as a notification */
	CU_ASSERT_EQUAL(alk_ctl_capture_frame(fx.srv, &f), 0);
	pump();
	data = cl_line(&a);
	CU_ASSERT_PTR_NOT_NULL_FATAL(data);
	j = json_tokener_parse(data);
	CU_ASSERT_STRING_EQUAL(get_str(j, "method"), "capture.frame");
	CU_ASSERT_PTR_NULL(get(j, "id"));
	CU_ASSERT_STRING_EQUAL(get_str(j, "params.reason"), "geneve_option");
	CU_ASSERT_STRING_EQUAL(get_str(j, "params.verdict"), "drop");
	CU_ASSERT_STRING_EQUAL(get_str(j, "params.direction"), "in");
	CU_ASSERT_STRING_EQUAL(get_str(j, "params.iface"), "port 3");
	CU_ASSERT_EQUAL(get_int(j, "params.len"), 60);
	CU_ASSERT_EQUAL((uint64_t)get_int(j, "params.ts"), f.ts_ns);
	data = get_str(j, "params.data");
	CU_ASSERT_EQUAL(alk_base64_decode(data, strlen(data), back),
			(long)sizeof(frame));
	CU_ASSERT_EQUAL(memcmp(back, frame, sizeof(frame)), 0);
	json_object_put(j);
	/* only its own client stops it */
	j = ok(&b, REQ("capture.stop", "{}"));
	CU_ASSERT_EQUAL(get_int(j, "result.frames"), 0);
	json_object_put(j);
	CU_ASSERT_EQUAL(fake.stops, 0);
	j = ok(&a, REQ("capture.stop", "{}"));
	CU_ASSERT_EQUAL(get_int(j, "result.frames"), 1);
	CU_ASSERT_EQUAL(get_int(j, "result.lost"), 7);
	json_object_put(j);
	CU_ASSERT_EQUAL(fake.stops, 1);
	CU_ASSERT_EQUAL(alk_ctl_capture_frame(fx.srv, &f), -ENOENT);
	/* the next client may capture; its going away stops it */
	json_object_put(ok(&b, REQ("capture.start", "{}")));
	CU_ASSERT_EQUAL(fake.req.port, -1);
	CU_ASSERT(alk_capture_takes(fake.req.reasons, ALK_R_table_miss));
	cl_close(&b);
	CU_ASSERT_EQUAL(fake.stops, 2);
	cl_close(&a);
	fx_down();
}

/* A client that does not read: frames beyond max_output are lost, and
 * counted as such with the data plane's own. */
static void test_capture_lag(void)
{
	static uint8_t frame[1024];
	const struct alk_capture_ops ops = { fake_start, fake_stop, NULL };
	struct alk_capture_frame f = {
		.iface = "gw0",
		.reason = ALK_R_bounce,
		.len = sizeof(frame),
		.caplen = sizeof(frame),
		.data = frame,
	};
	struct client c;
	struct json_object *j;
	int sent = 0, lost = 0;

	memset(&fake, 0, sizeof(fake));
	fx_up(&(struct alk_ctl_options){ .capture = &ops,
					 .max_output = 64 * 1024 });
	c = cl_open();
	json_object_put(ok(&c, REQ("capture.start", "{}")));
	for (int i = 0; i < 2000; i++) {
		int rc = alk_ctl_capture_frame(fx.srv, &f);

		CU_ASSERT(rc == 0 || rc == -ENOBUFS);
		sent += rc == 0;
		lost += rc == -ENOBUFS;
	}
	/* what the socket took, plus at most max_output waiting */
	CU_ASSERT(lost > 0);
	CU_ASSERT(sent < 2000);
	/* the frames sent all arrive, then the stop's answer */
	cl_send(&c, REQ("capture.stop", "{}") "\n",
		strlen(REQ("capture.stop", "{}")) + 1);
	for (int i = 0; i < sent; i++) {
		const char *line = cl_line(&c);

		CU_ASSERT_PTR_NOT_NULL_FATAL(line);
		CU_ASSERT_PTR_NOT_NULL(strstr(line, "\"capture.frame\""));
	}
	j = json_tokener_parse(cl_line(&c));
	CU_ASSERT_EQUAL(get_int(j, "result.frames"), sent);
	CU_ASSERT_EQUAL(get_int(j, "result.lost"), lost + 7);
	json_object_put(j);
	cl_close(&c);
	fx_down();
}

static void test_no_capture(void)
{
	struct client c;

	fx_up(NULL);
	c = cl_open();
	fails(&c, REQ("capture.start", "{}"), ALK_RPC_METHOD_NOT_FOUND,
	      "this daemon (host) cannot capture");
	cl_close(&c);
	fx_down();
}

void ctl_rpc_register(void)
{
	CU_pSuite s = CU_add_suite("ctl server", NULL, NULL);

	CU_add_test(s, "every method", test_methods);
	CU_add_test(s, "batch errors name the entry", test_batch_errors);
	CU_add_test(s, "batches as rows", test_rows);
	CU_add_test(s, "list pages", test_paging);
	CU_add_test(s, "bad requests are told why", test_bad_requests);
	CU_add_test(s, "pipelined and partial input",
		    test_pipelined_and_partial);
	CU_add_test(s, "request size limit", test_size_limit);
	CU_add_test(s, "slow and vanished clients", test_slow_and_vanished);
	CU_add_test(s, "half-closed client", test_half_close);
	CU_add_test(s, "peer rule", test_peer_rule);
	CU_add_test(s, "other users refused (root only)", test_peer_refused);
	CU_add_test(s, "socket: mode, stale, live", test_socket_lifecycle);
	CU_add_test(s, "state file hook", test_state_hook);
	CU_add_test(s, "attached connection", test_attach);
	CU_add_test(s, "capture: start, frames, stop, one at a time",
		    test_capture);
	CU_add_test(s, "capture: a client that lags loses frames, counted",
		    test_capture_lag);
	CU_add_test(s, "capture: a daemon without it", test_no_capture);
}
