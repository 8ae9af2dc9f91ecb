/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * alkaidctl: the command line over the control socket, in the manner of
 * ip(8) and bpftool(8).  add, del and set are parsed by the one command
 * grammar (tables/cmd.c), so what alkaidctl takes, batch files, the state
 * file and the fixtures all read the same way; the JSON shapes come from
 * ctl/api.c, shared with the server.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/reason_names.h"
#include "api.h"
#include "capture_cli.h"
#include "tables/cmdfile.h"
#include "sync/etcd.h"
#include "sync/fleet.h"

#ifndef ALK_VERSION
#define ALK_VERSION "unknown"
#endif

/* Exit codes, as --help states them. */
enum {
	EXIT_OK = 0,
	EXIT_REFUSED = 1, /* the daemon said no, or a batch line failed */
	EXIT_USAGE = 2,
	EXIT_CONN = 3, /* no daemon, or it broke the protocol */
};

static struct {
	const char *socket;
	int json, pretty, force;
	const char *batch;
	const char *etcd, *group, *prefix; /* -b into a fleet's store */
} opt;

static void __attribute__((format(printf, 1, 2))) complain(const char *fmt, ...)
{
	va_list ap;

	fputs("alkaidctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* --- the connection ---------------------------------------------------- */

struct conn {
	int fd;
	uint64_t next_id;
	struct alk_buf in;
	size_t in_off;
	struct json_tokener *tok;
};

static struct conn conn = { .fd = -1 };

static int conn_open(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	if (conn.fd >= 0)
		return 0;
	if (strlen(opt.socket) >= sizeof(sa.sun_path)) {
		complain("socket path too long: %s", opt.socket);
		return EXIT_USAGE;
	}
	strcpy(sa.sun_path, opt.socket);
	conn.fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (conn.fd < 0 ||
	    connect(conn.fd, (struct sockaddr *)&sa, sizeof(sa))) {
		complain("cannot connect to %s: %s%s", opt.socket,
			 strerror(errno),
			 errno == ENOENT || errno == ECONNREFUSED ?
				 " (is alkaid running? -s names another "
				 "socket)" :
				 "");
		if (conn.fd >= 0)
			close(conn.fd);
		conn.fd = -1;
		return EXIT_CONN;
	}
	conn.tok = json_tokener_new();
	return conn.tok ? 0 : EXIT_CONN;
}

static int conn_send(const struct alk_buf *b)
{
	size_t off = 0;

	if (b->nomem) {
		complain("out of memory");
		return EXIT_CONN;
	}
	while (off < b->len) {
		ssize_t n = send(conn.fd, b->data + off, b->len - off,
				 MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			complain("writing to %s: %s", opt.socket,
				 strerror(errno));
			return EXIT_CONN;
		}
		off += n;
	}
	return 0;
}

/* The next response line, parsed. */
static struct json_object *conn_recv(void)
{
	if (!alk_buf_reserve(&conn.in, 64 * 1024)) {
		complain("out of memory");
		return NULL;
	}
	for (;;) {
		char *start = conn.in.data + conn.in_off;
		char *nl =
			conn.in.len > conn.in_off ?
				memchr(start, '\n', conn.in.len - conn.in_off) :
				NULL;
		ssize_t n;

		if (nl) {
			struct json_object *j;

			json_tokener_reset(conn.tok);
			j = json_tokener_parse_ex(conn.tok, start,
						  nl - start + 1);
			conn.in_off = nl + 1 - conn.in.data;
			if (!j)
				complain("unreadable answer from the daemon");
			return j;
		}
		if (conn.in_off == conn.in.len) {
			conn.in.len = conn.in_off = 0;
		} else if (conn.in_off > conn.in.len / 2) {
			memmove(conn.in.data, start, conn.in.len - conn.in_off);
			conn.in.len -= conn.in_off;
			conn.in_off = 0;
		}
		if (!alk_buf_reserve(&conn.in, 64 * 1024)) {
			complain("out of memory");
			return NULL;
		}
		n = read(conn.fd, conn.in.data + conn.in.len,
			 conn.in.cap - conn.in.len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			complain("the daemon closed the connection%s%s",
				 n < 0 ? ": " : "",
				 n < 0 ? strerror(errno) : "");
			return NULL;
		}
		conn.in.len += n;
	}
}

static void request_begin(struct alk_buf *b, const char *object,
			  const char *method)
{
	alk_buf_printf(b,
		       "{\"jsonrpc\":\"2.0\",\"id\":%" PRIu64
		       ",\"method\":\"%s%s%s\",\"params\":",
		       ++conn.next_id, object, object[0] ? "." : "", method);
}

static void request_end(struct alk_buf *b)
{
	alk_buf_puts(b, "}\n");
}

/*
 * The answer to the request in flight: 0 and *result (owned by *resp,
 * which the caller puts); or EXIT_REFUSED with the daemon's message in msg
 * and the entry it names in *index (-1: none), for the caller to say; or
 * EXIT_CONN, already said.
 */
static int answer(struct json_object **resp, struct json_object **result,
		  int64_t *index, char *msg, size_t msg_size)
{
	struct json_object *err, *m, *data, *i;

	*resp = conn_recv();
	if (!*resp)
		return EXIT_CONN;
	if (json_object_object_get_ex(*resp, "result", result))
		return 0;
	if (!json_object_object_get_ex(*resp, "error", &err)) {
		complain("answer without result or error");
		return EXIT_CONN;
	}
	json_object_object_get_ex(err, "message", &m);
	snprintf(msg, msg_size, "%s",
		 m ? json_object_get_string(m) : "unknown error");
	*index = -1;
	if (json_object_object_get_ex(err, "data", &data) &&
	    json_object_object_get_ex(data, "index", &i))
		*index = json_object_get_int64(i);
	return EXIT_REFUSED;
}

/* "rows[3]: reason" or "entries[3].mac: reason" -> the reason (and the
 * field): where the caller knows better which entry that was. */
static const char *entry_reason(const char *msg)
{
	const char *end = strchr(msg, ']');

	if (!end || (strncmp(msg, "rows[", 5) && strncmp(msg, "entries[", 8)))
		return msg;
	end++;
	return *end == '.' ? end + 1 : end + strspn(end, ": ");
}

/* One request, one answer; errors are said here. */
static int call(struct alk_buf *req, struct json_object **resp,
		struct json_object **result)
{
	char msg[512];
	int64_t index;
	int rc = conn_open();

	if (!rc)
		rc = conn_send(req);
	if (rc)
		return rc;
	rc = answer(resp, result, &index, msg, sizeof(msg));
	/* one entry per command: "entries[0]" says nothing */
	if (rc == EXIT_REFUSED)
		complain("%s", entry_reason(msg));
	return rc;
}

static const char *json_text(struct json_object *j)
{
	return json_object_to_json_string_ext(
		j, (opt.pretty ? JSON_C_TO_STRING_PRETTY : 0) |
			   JSON_C_TO_STRING_NOSLASHESCAPE);
}

static void print_json(struct json_object *j)
{
	puts(json_text(j));
}

/* --- human output --------------------------------------------------- */

static void print_header(const struct alk_object *o)
{
	for (unsigned int i = 0; i < o->nfields; i++) {
		if (!o->fields[i].width) {
			puts(o->fields[i].header);
			return;
		}
		printf("%-*s  ", o->fields[i].width, o->fields[i].header);
	}
	putchar('\n');
}

static void print_row(const struct alk_object *o, const void *key,
		      const void *val, struct alk_buf *line)
{
	line->len = 0;
	for (unsigned int i = 0; i < o->nfields; i++) {
		size_t start = line->len;

		alk_api_field_text(&o->fields[i], key, val, line);
		if (!o->fields[i].width)
			break;
		do
			alk_buf_putc(line, ' ');
		while (line->len - start < o->fields[i].width + 2u);
	}
	alk_buf_putc(line, '\n');
	fwrite(line->data, 1, line->len, stdout);
}

/* An entry of a result back into structs, to print it. */
static int print_entry(const struct alk_object *o, struct json_object *j,
		       struct alk_buf *line)
{
	uint8_t key[ALK_MAX_KEY], val[ALK_MAX_VAL];
	struct alk_error err;

	if (alk_api_decode(o, j, ALK_PART_ALL, "result", -1,
			   o->key_size ? key : NULL, val, &err)) {
		complain("unexpected answer: %s", err.msg);
		return EXIT_CONN;
	}
	print_row(o, key, val, line);
	return 0;
}

/* --- commands ------------------------------------------------------- */

struct command {
	const char *object;
	const char *name;
	int (*run)(const struct alk_object *o, int argc, char **argv);
	const char *args; /* in usage lines, if not the schema's words */
};

static int usage_object(const char *object);

/* OBJECT COMMAND WORDS... through the grammar; a mistake is said here. */
static int parse_words(const struct alk_object *o, int argc, char **argv,
		       struct alk_cmd *cmd, const void **key, const void **val)
{
	struct alk_error err;

	if (alk_cmd_parse(argc, argv, cmd, &err)) {
		complain("%s (see 'alkaidctl %s help')", err.msg, o->name);
		return -EINVAL;
	}
	alk_cmd_parts(cmd, key, val);
	return 0;
}

/* The gateway as set: its flags left out of the words are left out of the
 * request, so that the daemon gives them its own default (alkaid-dpdk
 * answers underlay ARP unless told not to). */
static void gateway_request(const struct alk_object *o, int argc, char **argv,
			    const void *val, struct alk_buf *req)
{
	struct alk_buf enc = { 0 };
	struct json_object *j;

	alk_api_encode(o, ALK_PART_ALL, NULL, val, &enc);
	alk_buf_putc(&enc, 0);
	j = json_tokener_parse(enc.data);
	for (unsigned int i = 0; j && i < o->nfields; i++) {
		bool given = false;

		if (o->fields[i].kind != ALK_F_FLAG)
			continue;
		for (int a = 2; a < argc; a++)
			given |= !strcmp(argv[a], o->fields[i].word);
		if (!given)
			json_object_object_del(j, o->fields[i].name);
	}
	alk_buf_puts(req, j ? json_object_to_json_string_ext(
				      j, JSON_C_TO_STRING_PLAIN) :
			      enc.data);
	json_object_put(j);
	alk_buf_free(&enc);
}

/* add, del, set: the grammar parses, one entry is sent. */
static int run_change(const struct alk_object *o, int argc, char **argv)
{
	struct alk_buf req = { 0 };
	struct json_object *resp = NULL, *result;
	const void *key, *val;
	struct alk_cmd cmd;
	int rc;

	if (parse_words(o, argc, argv, &cmd, &key, &val))
		return EXIT_USAGE;
	request_begin(&req, o->name, argv[1]);
	if (cmd.object == ALK_O_GATEWAY) {
		gateway_request(o, argc, argv, val, &req);
	} else {
		alk_buf_puts(&req, "{\"entries\":[");
		alk_api_encode(
			o, cmd.op == ALK_OP_DEL ? ALK_PART_KEY : ALK_PART_ALL,
			key, val, &req);
		alk_buf_puts(&req, "]}");
	}
	request_end(&req);
	rc = call(&req, &resp, &result);
	if (!rc && opt.json)
		print_json(result);
	json_object_put(resp);
	alk_buf_free(&req);
	return rc;
}

static int run_get(const struct alk_object *o, int argc, char **argv)
{
	struct json_object *resp = NULL, *result;
	struct alk_buf req = { 0 }, line = { 0 };
	const void *key, *val;
	struct alk_cmd cmd;
	int rc;

	/* the key in the grammar's words, read as add and del read them */
	if (parse_words(o, argc, argv, &cmd, &key, &val))
		return EXIT_USAGE;
	request_begin(&req, o->name, "get");
	alk_api_encode(o, ALK_PART_KEY, key, NULL, &req);
	request_end(&req);
	rc = call(&req, &resp, &result);
	if (!rc && opt.json) {
		print_json(result);
	} else if (!rc) {
		print_header(o);
		rc = print_entry(o, result, &line);
	}
	json_object_put(resp);
	alk_buf_free(&req);
	alk_buf_free(&line);
	return rc;
}

/* Every page, printed as it comes: a million entries never sit in memory
 * at once, on either side. */
static int run_list(const struct alk_object *o, int argc, char **argv)
{
	struct alk_buf req = { 0 }, line = { 0 }, after = { 0 };
	size_t total = 0;
	int rc = 0;

	if (argc > 2) {
		complain("'%s list' takes no arguments", o->name);
		return EXIT_USAGE;
	}
	if (opt.json)
		fputs("[", stdout);
	else
		print_header(o);
	for (;;) {
		struct json_object *resp = NULL, *result, *entries, *next;
		size_t n;

		req.len = 0;
		request_begin(&req, o->name, "list");
		alk_buf_printf(&req, "{\"limit\":%u", ALK_CTL_LIST_MAX);
		if (after.len)
			alk_buf_printf(&req, ",\"after\":%.*s", (int)after.len,
				       after.data);
		alk_buf_putc(&req, '}');
		request_end(&req);
		rc = call(&req, &resp, &result);
		if (rc) {
			json_object_put(resp);
			break;
		}
		if (!json_object_object_get_ex(result, "entries", &entries) ||
		    !json_object_object_get_ex(result, "next", &next)) {
			complain("unexpected answer to %s.list", o->name);
			json_object_put(resp);
			rc = EXIT_CONN;
			break;
		}
		n = json_object_array_length(entries);
		for (size_t i = 0; i < n && !rc; i++) {
			struct json_object *e =
				json_object_array_get_idx(entries, i);

			if (opt.json) {
				fputs(total + i ? ",\n" : "\n", stdout);
				fputs(json_text(e), stdout);
			} else {
				rc = print_entry(o, e, &line);
			}
		}
		total += n;
		after.len = 0;
		if (next && !json_object_is_type(next, json_type_null))
			alk_buf_puts(&after,
				     json_object_to_json_string_ext(
					     next, JSON_C_TO_STRING_PLAIN));
		json_object_put(resp);
		if (rc || !after.len)
			break;
	}
	if (opt.json)
		puts(total ? "\n]" : "]");
	alk_buf_free(&req);
	alk_buf_free(&line);
	alk_buf_free(&after);
	return rc;
}

/* A method without parameters, its result to print. */
static int simple_call(const char *object, const char *method,
		       struct json_object **resp, struct json_object **result)
{
	struct alk_buf req = { 0 };
	int rc;

	request_begin(&req, object, method);
	alk_buf_puts(&req, "{}");
	request_end(&req);
	rc = call(&req, resp, result);
	alk_buf_free(&req);
	return rc;
}

/* The same, for a show command: with -j its result is printed here. */
static int show_call(const char *object, const char *method,
		     struct json_object **resp, struct json_object **result)
{
	int rc = simple_call(object, method, resp, result);

	if (!rc && opt.json)
		print_json(*result);
	return rc;
}

static int run_gateway_show(const struct alk_object *o, int argc, char **argv)
{
	struct json_object *resp = NULL, *result;
	struct alk_buf line = { 0 };
	int rc;

	if (argc > 2) {
		complain("'gateway %s' takes no arguments", argv[1]);
		return EXIT_USAGE;
	}
	rc = simple_call("gateway", "get", &resp, &result);
	if (!rc && opt.json) {
		print_json(result);
	} else if (!rc && json_object_is_type(result, json_type_null)) {
		puts("gateway not set");
	} else if (!rc) {
		print_header(o);
		rc = print_entry(o, result, &line);
	}
	json_object_put(resp);
	alk_buf_free(&line);
	return rc;
}

static uint64_t get_u64(struct json_object *j, const char *name)
{
	struct json_object *v;

	return json_object_object_get_ex(j, name, &v) ?
		       (uint64_t)json_object_get_int64(v) :
		       0;
}

static int run_stats_show(const struct alk_object *o, int argc, char **argv)
{
	struct json_object *resp = NULL, *result, *verdicts, *reasons;
	int all = 0, rc;

	if (argc == 3 && !strcmp(argv[2], "all"))
		all = 1;
	else if (argc > 2) {
		complain("'stats %s' takes only 'all'", argv[1]);
		return EXIT_USAGE;
	}
	rc = show_call("stats", "get", &resp, &result);
	if (rc || opt.json) {
		json_object_put(resp);
		return rc;
	}
	json_object_object_get_ex(result, "verdicts", &verdicts);
	json_object_object_get_ex(result, "reasons", &reasons);
	printf("%-8s  %s\n", "VERDICT", "PACKETS");
	for (int v = 0; v < 3; v++)
		printf("%-8s  %" PRIu64 "\n", alk_verdict_names[v],
		       get_u64(verdicts, alk_verdict_names[v]));
	printf("\n%-22s  %-7s  %s\n", "REASON", "VERDICT", "PACKETS");
	for (int r = 0; r < ALK_R_MAX; r++) {
		uint64_t n = get_u64(reasons, alk_reason_names[r]);

		if (n || all)
			printf("%-22s  %-7s  %" PRIu64 "\n",
			       alk_reason_names[r],
			       alk_verdict_names[alk_reason_verdict(r)], n);
	}
	json_object_put(resp);
	return 0;
}

static int run_stats_reset(const struct alk_object *o, int argc, char **argv)
{
	struct json_object *resp = NULL, *result;
	int rc;

	if (argc > 2) {
		complain("'stats reset' takes no arguments");
		return EXIT_USAGE;
	}
	rc = simple_call("stats", "reset", &resp, &result);
	json_object_put(resp);
	return rc;
}

static const char *human_bytes(uint64_t n, char *buf, size_t size)
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double x = n;
	int u = 0;

	while (x >= 1024 && u < 4) {
		x /= 1024;
		u++;
	}
	snprintf(buf, size, u ? "%.1f %s" : "%.0f %s", x, unit[u]);
	return buf;
}

static int run_tables(const struct alk_object *o, int argc, char **argv)
{
	struct json_object *resp = NULL, *result, *tables;
	int rc;

	if (argc > 2) {
		complain("'tables %s' takes no arguments", argv[1]);
		return EXIT_USAGE;
	}
	rc = show_call("tables", "info", &resp, &result);
	if (rc || opt.json) {
		json_object_put(resp);
		return rc;
	}
	json_object_object_get_ex(result, "tables", &tables);
	printf("%-9s  %10s  %10s  %5s  %10s\n", "TABLE", "COUNT", "CAPACITY",
	       "USE", "MEMORY");
	json_object_object_foreach (tables, name, t) {
		uint64_t count = get_u64(t, "count"),
			 cap = get_u64(t, "capacity");
		char mem[32];

		printf("%-9s  %10" PRIu64 "  %10" PRIu64 "  %4.0f%%  %10s\n",
		       name, count, cap, cap ? 100.0 * count / cap : 0.0,
		       human_bytes(get_u64(t, "memory"), mem, sizeof(mem)));
	}
	json_object_put(resp);
	return 0;
}

static int run_version(const struct alk_object *o, int argc, char **argv)
{
	struct json_object *resp = NULL, *result, *v, *b;
	int rc;

	rc = simple_call("", "version", &resp, &result);
	if (!rc && opt.json) {
		print_json(result);
	} else if (!rc) {
		json_object_object_get_ex(result, "version", &v);
		json_object_object_get_ex(result, "backend", &b);
		printf("alkaidctl %s\nalkaid %s (back end %s, protocol %" PRIu64
		       ")\n",
		       ALK_VERSION, json_object_get_string(v),
		       json_object_get_string(b), get_u64(result, "protocol"));
	}
	json_object_put(resp);
	return rc;
}

static int run_help(const struct alk_object *o, int argc, char **argv)
{
	return usage_object(argv[0]) ? EXIT_OK : EXIT_USAGE;
}

/* The first command of an object is what it does alone. */
static const struct command commands[] = {
	{ "gateway", "show", run_gateway_show },
	{ "gateway", "get", run_gateway_show },
	{ "gateway", "set", run_change },
	{ "endpoint", "list", run_list },
	{ "endpoint", "get", run_get },
	{ "endpoint", "add", run_change },
	{ "endpoint", "del", run_change },
	{ "network", "list", run_list },
	{ "network", "get", run_get },
	{ "network", "add", run_change },
	{ "network", "del", run_change },
	{ "vpc", "list", run_list },
	{ "vpc", "get", run_get },
	{ "vpc", "add", run_change },
	{ "vpc", "del", run_change },
	{ "neighbor", "list", run_list },
	{ "neighbor", "get", run_get },
	{ "neighbor", "add", run_change },
	{ "neighbor", "del", run_change },
	{ "port", "list", run_list },
	{ "port", "get", run_get },
	{ "port", "add", run_change },
	{ "port", "del", run_change },
	{ "stats", "show", run_stats_show, "[all]" },
	{ "stats", "reset", run_stats_reset },
	{ "tables", "show", run_tables },
	{ "version", "show", run_version },
};

static const struct command *find_command(const char *object, const char *name)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(commands[i].object, object) &&
		    (!name || !strcmp(commands[i].name, name)))
			return &commands[i];
	return NULL;
}

static int run_argv(int argc, char **argv)
{
	const struct command *c;
	const struct alk_object *o;
	char *args[66];

	if (argc >= 2 && !strcmp(argv[1], "help"))
		return run_help(NULL, argc, argv);
	c = find_command(argv[0], argc >= 2 ? argv[1] : NULL);
	if (!c) {
		if (!find_command(argv[0], NULL))
			complain("unknown object '%s' (see 'alkaidctl --help')",
				 argv[0]);
		else
			complain("'%s' has no command '%s' (see 'alkaidctl %s "
				 "help')",
				 argv[0], argv[1], argv[0]);
		return EXIT_USAGE;
	}
	o = alk_object_by_name(argv[0], strlen(argv[0]));
	if (argc < 2) { /* the default command */
		args[0] = argv[0];
		args[1] = (char *)c->name;
		args[2] = NULL;
		return c->run(o, 2, args);
	}
	return c->run(o, argc, argv);
}

/* --- batch files ------------------------------------------------------- */

/*
 * A batch file is read and checked whole first (tables/cmdfile.h); then
 * each batch goes out as one request of rows, the next one encoded while
 * the daemon applies the one before; other commands run in order between
 * them, once everything sent before them is answered.
 */
struct batch {
	const struct alk_cmdfile *file;
	const struct alk_cmdfile_step *sent; /* in flight */
	struct alk_buf req[2];		     /* one in flight, one filling */
	int next;
	long first_unapplied; /* for the message when stopping */
	int failed;
};

/* Lines that change no table must be commands of alkaidctl's own. */
static int check_command(int argc, char **argv, struct alk_error *err)
{
	if (find_command(argv[0], argc >= 2 ? argv[1] : NULL))
		return 0;
	snprintf(err->msg, sizeof(err->msg), "unknown command '%s%s%s'",
		 argv[0], argc >= 2 ? " " : "", argc >= 2 ? argv[1] : "");
	return -EINVAL;
}

static void report_line(const char *name, long line, const char *reason)
{
	complain("%s:%ld: %s", name, line, reason);
}

static void step_request(const struct alk_cmdfile_step *s, struct alk_buf *b)
{
	const struct alk_object *o = alk_object(s->object);
	enum alk_part part = alk_cmd_part(s->op);

	b->len = 0;
	request_begin(b, o->name, alk_cmd_op_name(s->op));
	if (s->object == ALK_O_GATEWAY) {
		alk_api_encode(o, part, NULL, s->vals, b);
	} else {
		/* rows, not entries: the daemon parses them in two thirds
		 * the time */
		alk_buf_puts(b, "{\"fields\":");
		alk_api_encode_fields(o, part, b);
		alk_buf_puts(b, ",\"rows\":[");
		for (uint32_t i = 0; i < s->n; i++) {
			if (i)
				alk_buf_putc(b, ',');
			alk_api_encode_row(o, part, s->keys + i * o->key_size,
					   s->vals + i * o->val_size, b);
		}
		alk_buf_puts(b, "]}");
	}
	request_end(b);
}

/* The answer to the batch in flight. */
static int batch_wait(struct batch *b)
{
	const struct alk_cmdfile_step *s = b->sent;
	struct json_object *resp = NULL, *result;
	struct alk_error err;
	char msg[512];
	int64_t index;
	int rc;

	if (!s)
		return 0;
	b->sent = NULL;
	rc = answer(&resp, &result, &index, msg, sizeof(msg));
	json_object_put(resp);
	if (rc != EXIT_REFUSED)
		return rc;
	b->failed = 1;
	/* the file names lines, not the request's rows */
	alk_cmdfile_blame(b->file, s, index,
			  index >= 0 ? entry_reason(msg) : msg, &err);
	complain("%s", err.msg);
	if (!b->first_unapplied)
		b->first_unapplied = alk_cmdfile_step_line(s);
	return opt.force ? 0 : EXIT_REFUSED;
}

/* Send a batch once the one before it is answered: the daemon applies
 * one while the next is encoded here. */
static int batch_send(struct batch *b, const struct alk_cmdfile_step *s)
{
	struct alk_buf *req = &b->req[b->next];
	int rc;

	step_request(s, req);
	rc = batch_wait(b);
	if (rc)
		return rc;
	rc = conn_send(req);
	if (rc)
		return rc;
	b->sent = s;
	b->next ^= 1;
	return 0;
}

/* Another command: everything sent before it is answered first. */
static int batch_command(struct batch *b, const struct alk_cmdfile_step *s)
{
	int rc = batch_wait(b);

	if (rc)
		return rc;
	rc = run_argv(s->argc, s->argv);
	if (!rc)
		return 0;
	complain("%s:%ld: failed", b->file->name, s->line);
	b->failed = 1;
	if (!b->first_unapplied)
		b->first_unapplied = s->line;
	return opt.force ? 0 : rc;
}

/* Read and check a batch file whole: 0, or the exit status once said
 * what is wrong and, for a line in error, that nothing_done. */
static int batch_read(struct alk_cmdfile *f, const char *path,
		      const struct alk_cmdfile_rules *rules,
		      const char *nothing_done)
{
	struct alk_error err;

	if (!alk_cmdfile_read(f, path, rules, &err))
		return 0;
	complain("%s", err.msg);
	if (err.index >= 0)
		complain("stopped: %s", nothing_done);
	alk_cmdfile_free(f);
	return err.index >= 0 ? EXIT_REFUSED : EXIT_USAGE;
}

static int run_batch(const char *path)
{
	struct alk_cmdfile_rules rules = {
		.check_other = check_command,
		.report = opt.force ? report_line : NULL,
	};
	struct alk_cmdfile f;
	struct batch b = { .file = &f };
	int rc = batch_read(&f, path, &rules,
			    "nothing was applied (a batch file is checked "
			    "whole before any of it is sent)");

	if (rc)
		return rc;
	rc = conn_open();
	for (size_t i = 0; !rc && i < f.nsteps; i++)
		rc = f.steps[i].n ? batch_send(&b, &f.steps[i]) :
				    batch_command(&b, &f.steps[i]);
	if (!rc)
		rc = batch_wait(&b);
	if (b.failed && !opt.force && b.first_unapplied)
		complain("stopped: the commands before line %ld were applied, "
			 "none from there on",
			 b.first_unapplied);
	if (!rc && (b.failed || f.bad_lines))
		rc = EXIT_REFUSED;
	alk_cmdfile_free(&f);
	alk_buf_free(&b.req[0]);
	alk_buf_free(&b.req[1]);
	return rc;
}

/* --- a batch file into a fleet's store (sync/README.md) ----------------- */

/* Rows of one etcd transaction: etcd's --max-txn-ops, 128 by default. */
static unsigned int txn_ops(void)
{
	const char *s = getenv("ALKAID_ETCD_TXN_OPS");
	unsigned long n = s ? strtoul(s, NULL, 10) : 0;

	return n ? (unsigned int)n : 128;
}

/* One transaction of puts or deletes; a key twice in one is refused by
 * etcd, so the caller ends a transaction before a key repeats. */
struct txn {
	struct alk_buf body;
	char **keys;
	unsigned int n, max;
	long first_line, last_line;
};

static int txn_send(struct alk_etcd *e, struct txn *t, const char *file)
{
	struct json_object *resp;
	struct alk_error err;
	int rc;

	if (!t->n)
		return 0;
	alk_buf_puts(&t->body, "]}");
	if (t->body.nomem) {
		complain("out of memory");
		return EXIT_CONN;
	}
	rc = alk_etcd_call(e, "/v3/kv/txn", t->body.data, t->body.len, &resp,
			   &err);
	json_object_put(resp);
	for (unsigned int i = 0; i < t->n; i++)
		free(t->keys[i]);
	t->n = 0;
	t->body.len = 0;
	if (rc) {
		complain("%s:%ld-%ld: %s", file, t->first_line, t->last_line,
			 err.msg);
		complain("stopped: the lines before %ld are in the store, "
			 "none from there on",
			 t->first_line);
		return rc == -ALK_ETCD_UNREACHABLE ? EXIT_CONN : EXIT_REFUSED;
	}
	return 0;
}

static int txn_add(struct alk_etcd *e, struct txn *t, const char *file,
		   const struct alk_object *o, enum alk_cmd_op op,
		   const void *key, const void *val, long line)
{
	struct alk_buf k = { 0 };
	int rc = 0;

	alk_fleet_key(&k, opt.prefix, o, opt.group, key);
	alk_buf_putc(&k, '\0');
	if (k.nomem) {
		complain("out of memory");
		return EXIT_CONN;
	}
	for (unsigned int i = 0; i < t->n && !rc; i++)
		if (!strcmp(t->keys[i], k.data))
			rc = txn_send(e, t, file);
	if (!rc && t->n == t->max)
		rc = txn_send(e, t, file);
	if (rc) {
		alk_buf_free(&k);
		return rc;
	}
	if (!t->n) {
		alk_buf_puts(&t->body, "{\"success\":[");
		t->first_line = line;
	} else {
		alk_buf_putc(&t->body, ',');
	}
	t->last_line = line;
	if (op == ALK_OP_DEL) {
		alk_buf_puts(&t->body, "{\"request_delete_range\":{\"key\":\"");
		alk_base64_encode(&t->body, k.data, k.len - 1);
		alk_buf_puts(&t->body, "\"}}");
	} else {
		struct alk_buf v = { 0 };

		alk_api_encode(o, ALK_PART_ALL, key, val, &v);
		alk_buf_puts(&t->body, "{\"request_put\":{\"key\":\"");
		alk_base64_encode(&t->body, k.data, k.len - 1);
		alk_buf_puts(&t->body, "\",\"value\":\"");
		alk_base64_encode(&t->body, v.data, v.len);
		alk_buf_puts(&t->body, "\"}}");
		alk_buf_free(&v);
	}
	t->keys[t->n++] = k.data; /* the buffer's, now the transaction's */
	return 0;
}

/*
 * alkaidctl --etcd URLS [-g GROUP] -b FILE: the rows of a batch file
 * written into the store, in order, each a key of the fleet's layout with
 * the same JSON value the control socket takes; the file is checked whole
 * first, as for a daemon.
 */
static int run_etcd_batch(const char *path)
{
	struct alk_cmdfile_rules rules = {
		.report = opt.force ? report_line : NULL,
	};
	struct txn t = { .max = txn_ops() };
	struct alk_etcd *e = NULL;
	struct alk_cmdfile f;
	struct alk_error err;
	int rc = batch_read(&f, path, &rules,
			    "nothing was written (a batch file is checked "
			    "whole first)");

	if (rc)
		return rc;
	for (size_t i = 0; i < f.nsteps; i++)
		if (f.steps[i].object == ALK_O_GATEWAY) {
			complain("%s:%ld: the gateway is each gateway's own "
				 "(its daemon's configuration), not the "
				 "fleet's: nothing was written",
				 f.name, alk_cmdfile_step_line(&f.steps[i]));
			alk_cmdfile_free(&f);
			return EXIT_REFUSED;
		}
	t.keys = calloc(t.max, sizeof(*t.keys));
	e = t.keys ? alk_etcd_open(opt.etcd, &err) : NULL;
	if (!e) {
		complain("%s", t.keys ? err.msg : "out of memory");
		rc = EXIT_CONN;
	}
	for (size_t i = 0; !rc && i < f.nsteps; i++) {
		const struct alk_cmdfile_step *s = &f.steps[i];
		const struct alk_object *o = alk_object(s->object);

		for (uint32_t j = 0; !rc && j < s->n; j++)
			rc = txn_add(e, &t, f.name, o, s->op,
				     s->keys + (size_t)j * o->key_size,
				     s->op == ALK_OP_DEL ?
					     NULL :
					     s->vals + (size_t)j * o->val_size,
				     s->lines[j]);
	}
	if (!rc)
		rc = txn_send(e, &t, f.name);
	if (!rc && f.bad_lines)
		rc = EXIT_REFUSED;
	for (unsigned int i = 0; i < t.n; i++)
		free(t.keys[i]);
	free(t.keys);
	alk_buf_free(&t.body);
	alk_etcd_close(e);
	alk_cmdfile_free(&f);
	return rc;
}

/* --- help ------------------------------------------------------------- */

/*
 * The table objects' usage lines, field lines, JSON shapes and examples
 * are written from the schema (tables/schema.c), so that they list exactly
 * the words the grammar takes.  What is said here by hand is only what the
 * schema does not know: alkaidctl's own options and commands.
 */

#define HELP_WIDTH 78

/* Words put on lines of at most HELP_WIDTH columns; continuation lines
 * start at column indent. */
struct wrap {
	FILE *out;
	int col, indent;
	const char *cont; /* ends a line that goes on (" \\"), or NULL */
};

static void wrap_put(struct wrap *w, const char *atom, size_t len)
{
	int cont = w->cont ? strlen(w->cont) : 0;

	if (w->col > w->indent && w->col + 1 + (int)len + cont > HELP_WIDTH) {
		fprintf(w->out, "%s\n%*s", w->cont ? w->cont : "", w->indent,
			"");
		w->col = w->indent;
	} else if (w->col > w->indent) {
		fputc(' ', w->out);
		w->col++;
	}
	fwrite(atom, 1, len, w->out);
	w->col += len;
}

/* Prose: each word an atom. */
static void wrap_text(struct wrap *w, const char *text)
{
	while (*text) {
		size_t len = strcspn(text, " ");

		if (len)
			wrap_put(w, text, len);
		text += len + strspn(text + len, " ");
	}
}

/* "vni VNI ip ADDR [router ADDR] ...": the words of a part, the required
 * ones first, optional ones in brackets, each pair one atom. */
static void wrap_fields(struct wrap *w, const struct alk_object *o,
			enum alk_part part)
{
	for (int optional = 0; optional < 2; optional++) {
		for (unsigned int i = 0; i < alk_part_fields(o, part); i++) {
			const struct alk_field *f = &o->fields[i];
			char atom[64];
			int len;

			if (f->optional != optional)
				continue;
			len = snprintf(atom, sizeof(atom),
				       optional ? "[%s %s]" : "%s %s", f->word,
				       f->meta);
			wrap_put(w, atom, len);
		}
	}
}

/*
 * The schema's example of an object, as a command's words (those given,
 * after OBJECT COMMAND) or as JSON, and a newline.
 */
static void print_example(FILE *out, const struct alk_object *o,
			  enum alk_cmd_op op, bool json)
{
	enum alk_part part = alk_cmd_part(op);
	char *argv[2 + 2 * ALK_FIELDS_MAX];
	struct alk_buf b = { 0 };
	const void *key, *val;
	struct alk_error err;
	struct alk_cmd cmd;
	int argc = 2;

	argv[0] = (char *)o->name;
	argv[1] = (char *)alk_cmd_op_name(op);
	for (int optional = 0; optional < 2; optional++) {
		for (unsigned int i = 0; i < alk_part_fields(o, part); i++) {
			if (!o->fields[i].example ||
			    o->fields[i].optional != optional)
				continue;
			argv[argc++] = (char *)o->fields[i].word;
			argv[argc++] = (char *)o->fields[i].example;
		}
	}
	if (json) {
		if (!alk_cmd_parse(argc, argv, &cmd, &err)) {
			alk_cmd_parts(&cmd, &key, &val);
			alk_api_encode(o, part, key, val, &b);
		}
		fprintf(out, "  %.*s\n", (int)b.len, b.data ? b.data : "");
		alk_buf_free(&b);
		return;
	}
	/* alkaidctl OBJECT COMMAND WORDS, as a shell line that goes on */
	struct wrap w = { out, 0, 6, " \\" };

	w.col = fprintf(out, "  alkaidctl %s %s", argv[0], argv[1]);
	for (int i = 2; i < argc; i += 2) {
		char atom[64];
		int len = snprintf(atom, sizeof(atom), "%s %s", argv[i],
				   argv[i + 1]);

		wrap_put(&w, atom, len);
	}
	fputc('\n', out);
}

/* What a command of alkaidctl's takes after OBJECT COMMAND. */
static void wrap_command(struct wrap *w, const struct command *c,
			 const struct alk_object *o)
{
	wrap_put(w, c->name, strlen(c->name));
	if (o && c->run == run_change)
		wrap_fields(w, o,
			    !strcmp(c->name, "del") ? ALK_PART_KEY :
						      ALK_PART_ALL);
	else if (o && c->run == run_get)
		wrap_fields(w, o, ALK_PART_KEY);
	else if (c->args)
		wrap_text(w, c->args);
}

/* "show | set ip ADDR mac MAC ...": an object's commands; aliases (a
 * command that runs what the one before it runs) left out. */
static void wrap_commands(struct wrap *w, const char *object)
{
	const struct alk_object *o = alk_object_by_name(object, strlen(object));
	const struct command *prev = NULL;

	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		const struct command *c = &commands[i];

		if (strcmp(c->object, object) ||
		    (prev && prev->run == c->run && c->run != run_change))
			continue;
		if (prev)
			wrap_put(w, "|", 1);
		wrap_command(w, c, o);
		prev = c;
	}
}

static void usage(FILE *out)
{
	const char *last = "";

	fputs("Usage: alkaidctl [OPTIONS] OBJECT [COMMAND [ARGUMENTS]]\n"
	      "       alkaidctl [OPTIONS] -b FILE\n"
	      "       alkaidctl --etcd URLS [-g GROUP] [--prefix P] -b FILE\n"
	      "\n"
	      "Programs and inspects a running alkaid gateway (alkaid-xdp or\n"
	      "alkaid-dpdk) or host agent (alkaid-agent) through its control "
	      "socket.\n"
	      "Both gateways answer the same commands; the agent serves "
	      "gateway,\n"
	      "network and port (and stats, tables, version), the gateways "
	      "all but\n"
	      "port.\n"
	      "\n"
	      "Objects and commands (the first command is the default):\n",
	      out);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		struct wrap w = { out, 11, 11 };

		if (!strcmp(commands[i].object, last))
			continue;
		last = commands[i].object;
		fprintf(out, "  %-8s ", last);
		wrap_commands(&w, last);
		fputc('\n', out);
	}
	fputs("  capture  [-i IF|-p PORT] [--reason NAME...] [-c N] [-s LEN] "
	      "[-Q in|out] -w FILE\n"
	      "           frames with their reasons into a pcapng file "
	      "('capture --help')\n",
	      out);
	fputs("  OBJECT help      what OBJECT's fields mean, with examples\n"
	      "\n"
	      "Options:\n"
	      "  -s, --socket PATH  the daemon's control socket (default: "
	      "$ALKAID_SOCKET,\n"
	      "                     else " ALK_CTL_DEFAULT_SOCKET ")\n"
	      "  -j, --json         print results as JSON, one document per "
	      "command\n"
	      "  -p, --pretty       print indented JSON (implies -j)\n"
	      "  -b, --batch FILE   run the commands in FILE ('-': standard "
	      "input),\n"
	      "                     one per line, without the word "
	      "'alkaidctl'\n"
	      "  -f, --force        with -b, report failing lines and go on\n"
	      "  -e, --etcd URLS    with -b, write the rows into a fleet's "
	      "etcd instead\n"
	      "                     (http://HOST:PORT,...: the members; "
	      "sync/README.md)\n"
	      "  -g, --group GROUP  with --etcd, the rows' gateway group "
	      "(default\n"
	      "                     " ALK_FLEET_GROUP ")\n"
	      "  -P, --prefix P     with --etcd, the fleet's key prefix "
	      "(default\n"
	      "                     " ALK_FLEET_PREFIX ")\n"
	      "  -h, --help         this text\n"
	      "  -V, --version      the version of alkaidctl\n"
	      "\n"
	      "Batch files:\n"
	      "  Blank lines are skipped, and a word starting with '#' begins "
	      "a comment\n"
	      "  that runs to the end of its line.  The file is read and "
	      "checked whole\n"
	      "  before any of it is sent: a line that does not parse sends "
	      "nothing.\n"
	      "  Consecutive 'add' (or 'del') lines of one object go to the "
	      "daemon as\n"
	      "  one request of up to 10000 entries, which it applies whole "
	      "or not at\n"
	      "  all; other commands run in order between them.  An error "
	      "names the\n"
	      "  file and line; without -f, alkaidctl stops there, and says "
	      "from which\n"
	      "  line on nothing was applied.  The daemon's state file is "
	      "such a file.\n"
	      "\n"
	      "Exit status:\n"
	      "  0  success\n"
	      "  1  the daemon refused a command (bad entry, not found, table "
	      "full),\n"
	      "     or a line of a batch file failed\n"
	      "  2  usage error: unknown command or word, malformed value\n"
	      "  3  no connection to the daemon, or an unreadable answer\n"
	      "\n"
	      "Examples:\n",
	      out);
	for (int o = 0; o < ALK_NOBJECTS; o++) {
		const struct alk_object *obj = alk_object(o);

		print_example(out, obj,
			      o == ALK_O_GATEWAY ? ALK_OP_SET : ALK_OP_ADD,
			      false);
	}
	fputs("  alkaidctl -j endpoint list\n"
	      "  alkaidctl -b endpoints.batch\n",
	      out);
}

/* The non-table objects' help, which no schema describes. */
static const struct {
	const char *object, *text;
} object_help[] = {
	{ "stats",
	  "Packet counters, summed over every CPU or worker: one per reason,\n"
	  "and each reason implies a verdict (tx: sent back out; pass: to the\n"
	  "kernel, or a counted drop with DPDK; drop).  show prints the\n"
	  "verdicts and the reasons that are not zero; 'all' prints every\n"
	  "reason.  reset sets every counter to zero.\n"
	  "\n"
	  "JSON: {\"verdicts\":{\"tx\":N,\"pass\":N,\"drop\":N},\n"
	  "\"reasons\":{\"bounce\":N,...}}\n" },
	{ "tables",
	  "Entries in use, capacity and memory of every table, including the\n"
	  "DHCP index ((vni, mac) -> endpoint) the daemon keeps itself.\n"
	  "\n"
	  "JSON: {\"backend\":NAME,\"tables\":{\"endpoint\":{\"count\":N,\n"
	  "\"capacity\":N,\"memory\":BYTES},...}}\n" },
	{ "version",
	  "The versions of alkaidctl and of the daemon, its table back end\n"
	  "and its protocol version.\n" },
};

/* A table object's help: usage, what it is, its fields, its JSON shape,
 * examples; all but the prose from the schema. */
static void object_usage(const struct alk_object *o)
{
	struct wrap w = { stdout, 0, 0 };
	char lead[64];
	int width = 0;

	w.col = snprintf(lead, sizeof(lead), "Usage: alkaidctl %s {", o->name);
	w.indent = w.col - 1;
	fputs(lead, stdout);
	wrap_commands(&w, o->name);
	wrap_put(&w, "}", 1);
	puts("\n");
	w = (struct wrap){ stdout, 0, 0 };
	wrap_text(&w, o->about);
	puts("\n");
	for (unsigned int i = 0; i < o->nfields; i++) {
		int len = strlen(o->fields[i].word) +
			  strlen(o->fields[i].meta) + 1;

		width = len > width ? len : width;
	}
	for (unsigned int i = 0; i < o->nfields; i++) {
		const struct alk_field *f = &o->fields[i];

		w = (struct wrap){ stdout, 0, width + 4 };
		w.col = printf("  %s %-*s  ", f->word,
			       width - (int)strlen(f->word) - 1, f->meta);
		wrap_text(&w, f->help);
		putchar('\n');
	}
	putchar('\n');
	w = (struct wrap){ stdout, 0, 0 };
	if (o->notes) {
		wrap_text(&w, o->notes);
		putchar('\n');
	}
	puts("JSON:");
	if (o->object == ALK_O_GATEWAY) {
		print_example(stdout, o, ALK_OP_SET, true);
		puts("\nExample:");
		print_example(stdout, o, ALK_OP_SET, false);
		return;
	}
	print_example(stdout, o, ALK_OP_ADD, true);
	puts("\nExamples:");
	print_example(stdout, o, ALK_OP_ADD, false);
	print_example(stdout, o, ALK_OP_GET, false);
	print_example(stdout, o, ALK_OP_DEL, false);
}

static int usage_object(const char *name)
{
	const struct alk_object *o = alk_object_by_name(name, strlen(name));
	struct wrap w = { stdout, 0, 0 };

	if (o) {
		object_usage(o);
		return 1;
	}
	for (size_t i = 0; i < sizeof(object_help) / sizeof(object_help[0]);
	     i++) {
		if (!strcmp(object_help[i].object, name)) {
			w.col = printf("Usage: alkaidctl %s {", name);
			w.indent = w.col - 1;
			wrap_commands(&w, name);
			printf(" }\n\n%s", object_help[i].text);
			return 1;
		}
	}
	complain("unknown object '%s' (see 'alkaidctl --help')", name);
	return 0;
}

/* The connection, handed over to the capture, which closes it. */
static int capture_connect(void)
{
	int rc = conn_open(), fd;

	if (rc)
		return -rc;
	fd = conn.fd;
	conn.fd = -1;
	return fd;
}

/*
 * alkaidctl --complete [WORD...]: the words that may follow WORDS (an
 * object, its command, field words and values already typed), one a
 * line, for the shell's completion (completions/alkaidctl), so that it
 * never lists words of its own that go stale.  Options are the script's.
 */
static int complete(int argc, char **argv)
{
	const struct alk_object *o;
	const struct command *c;
	enum alk_part part;
	unsigned int n;

	if (!argc) {
		for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]);
		     i++)
			if (!i ||
			    strcmp(commands[i].object, commands[i - 1].object))
				puts(commands[i].object);
		puts("capture");
		puts("help");
		return EXIT_OK;
	}
	if (!strcmp(argv[0], "capture")) {
		/* its options; after --reason, the reasons */
		if (!strcmp(argv[argc - 1], "--reason"))
			for (int r = 0; r < ALK_R_MAX; r++)
				puts(alk_reason_names[r]);
		else
			puts("-i\n-p\n--reason\n-c\n-s\n-Q\n--ingress\n-w");
		return EXIT_OK;
	}
	if (!find_command(argv[0], NULL))
		return EXIT_OK;
	if (argc == 1) {
		for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]);
		     i++)
			if (!strcmp(commands[i].object, argv[0]))
				puts(commands[i].name);
		puts("help");
		return EXIT_OK;
	}
	c = find_command(argv[0], argv[1]);
	if (!c)
		return EXIT_OK;
	if (c->args) {
		/* "[all]": the words it takes, once */
		if (argc == 2)
			printf("%.*s\n", (int)strcspn(c->args + 1, "]"),
			       c->args + 1);
		return EXIT_OK;
	}
	o = alk_object_by_name(argv[0], strlen(argv[0]));
	if (!o || c->run == run_list)
		return EXIT_OK;
	part = alk_cmd_part(!strcmp(argv[1], "add") || !strcmp(argv[1], "set") ?
				    ALK_OP_ADD :
				    ALK_OP_DEL);
	n = alk_part_fields(o, part);
	/* after a field's word, its value: on/off for flags, else free */
	if (argc % 2 == 1) {
		for (unsigned int i = 0; i < n; i++)
			if (!strcmp(o->fields[i].word, argv[argc - 1]) &&
			    o->fields[i].kind == ALK_F_FLAG)
				puts("on\noff");
		return EXIT_OK;
	}
	for (unsigned int i = 0; i < n; i++) {
		bool given = false;

		for (int k = 2; k < argc; k += 2)
			given |= !strcmp(argv[k], o->fields[i].word);
		if (!given)
			puts(o->fields[i].word);
	}
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "batch", required_argument, NULL, 'b' },
		{ "force", no_argument, NULL, 'f' },
		{ "etcd", required_argument, NULL, 'e' },
		{ "group", required_argument, NULL, 'g' },
		{ "prefix", required_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 },
	};
	int c, rc;

	if (argc >= 2 && !strcmp(argv[1], "--complete"))
		return complete(argc - 2, argv + 2);
	opt.socket = getenv("ALKAID_SOCKET");
	if (!opt.socket || !*opt.socket)
		opt.socket = ALK_CTL_DEFAULT_SOCKET;
	while ((c = getopt_long(argc, argv, "+s:jpb:fe:g:P:hV", longopts,
				NULL)) != -1) {
		switch (c) {
		case 's':
			opt.socket = optarg;
			break;
		case 'j':
			opt.json = 1;
			break;
		case 'p':
			opt.json = opt.pretty = 1;
			break;
		case 'b':
			opt.batch = optarg;
			break;
		case 'f':
			opt.force = 1;
			break;
		case 'e':
			opt.etcd = optarg;
			break;
		case 'g':
			opt.group = optarg;
			break;
		case 'P':
			opt.prefix = optarg;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		case 'V':
			printf("alkaidctl %s\n", ALK_VERSION);
			return EXIT_OK;
		default:
			fputs("Try 'alkaidctl --help'.\n", stderr);
			return EXIT_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if (opt.batch && argc) {
		complain("-b takes no command after it");
		return EXIT_USAGE;
	}
	if (!opt.group)
		opt.group = ALK_FLEET_GROUP;
	if (!opt.prefix)
		opt.prefix = ALK_FLEET_PREFIX;
	if (opt.etcd && !opt.batch) {
		complain("--etcd writes a batch file: it takes -b FILE");
		return EXIT_USAGE;
	}
	if (!alk_fleet_group_ok(opt.group, strlen(opt.group)) ||
	    opt.prefix[0] != '/' || opt.prefix[strlen(opt.prefix) - 1] != '/') {
		complain("-g: 1-64 of A-Z a-z 0-9 _ . -; --prefix: starts and "
			 "ends with '/'");
		return EXIT_USAGE;
	}
	if (opt.etcd)
		rc = run_etcd_batch(opt.batch);
	else if (opt.batch)
		rc = run_batch(opt.batch);
	else if (!argc) {
		usage(stderr);
		rc = EXIT_USAGE;
	} else if (!strcmp(argv[0], "help")) {
		usage(stdout);
		rc = EXIT_OK;
	} else if (!strcmp(argv[0], "capture")) {
		rc = alk_capture_main(argc, argv, capture_connect);
	} else {
		rc = run_argv(argc, argv);
	}
	if (conn.fd >= 0)
		close(conn.fd);
	if (conn.tok)
		json_tokener_free(conn.tok);
	alk_buf_free(&conn.in);
	return rc;
}
