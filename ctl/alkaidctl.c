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

/* Entries per request in batch mode. */
#define BATCH_MAX 10000

static struct {
	const char *socket;
	int json, pretty, force;
	const char *batch;
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
	int min_args; /* after OBJECT COMMAND */
};

static int usage_object(const char *object);

/* add, del, set: the grammar parses, one entry is sent. */
static int run_change(const struct alk_object *o, int argc, char **argv)
{
	struct alk_buf req = { 0 };
	struct json_object *resp = NULL, *result;
	const void *key, *val;
	struct alk_error err;
	struct alk_cmd cmd;
	int rc;

	if (alk_cmd_parse(argc, argv, &cmd, &err)) {
		complain("%s (see 'alkaidctl %s help')", err.msg, o->name);
		return EXIT_USAGE;
	}
	alk_cmd_parts(&cmd, &key, &val);
	request_begin(&req, o->name, argv[1]);
	if (cmd.object == ALK_O_GATEWAY) {
		alk_api_encode(o, ALK_PART_ALL, key, val, &req);
	} else {
		alk_buf_puts(&req, "{\"entries\":[");
		alk_api_encode(o,
			       cmd.op == ALK_OP_DEL ? ALK_PART_KEY : ALK_PART_ALL,
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

/* "vni 100 ip 203.0.113.5" -> the key, through the JSON decoder so that it
 * is checked exactly as the server checks it. */
static int parse_key(const struct alk_object *o, int argc, char **argv,
		     const char *what, uint8_t *key)
{
	struct json_object *j = json_object_new_object();
	struct alk_error err;
	int rc = 0;

	for (int i = 0; i < argc && !rc; i += 2) {
		const struct alk_field *f = NULL;
		struct json_object *v;
		char *end;

		for (unsigned int k = 0; k < o->nkey; k++)
			if (!strcmp(argv[i], o->fields[k].word))
				f = &o->fields[k];
		if (!f) {
			complain("'%s %s' takes no '%s'", o->name, what,
				 argv[i]);
			rc = EXIT_USAGE;
		} else if (i + 1 >= argc) {
			complain("'%s' needs a value", argv[i]);
			rc = EXIT_USAGE;
		} else {
			if (f->kind == ALK_F_VNI) {
				unsigned long long x;

				errno = 0;
				x = strtoull(argv[i + 1], &end, 10);
				if (errno || *end || argv[i + 1][0] < '0' ||
				    argv[i + 1][0] > '9' || x > INT64_MAX) {
					complain("bad %s '%s'", argv[i],
						 argv[i + 1]);
					rc = EXIT_USAGE;
					break;
				}
				v = json_object_new_int64(x);
			} else {
				v = json_object_new_string(argv[i + 1]);
			}
			json_object_object_add(j, f->name, v);
		}
	}
	if (!rc &&
	    alk_api_decode(o, j, ALK_PART_KEY, "key", -1, key, NULL, &err)) {
		complain("%s (see 'alkaidctl %s help')", err.msg, o->name);
		rc = EXIT_USAGE;
	}
	json_object_put(j);
	return rc;
}

static int run_get(const struct alk_object *o, int argc, char **argv)
{
	struct json_object *resp = NULL, *result;
	struct alk_buf req = { 0 }, line = { 0 };
	uint8_t key[ALK_MAX_KEY];
	int rc = parse_key(o, argc - 2, argv + 2, argv[1], key);

	if (rc)
		return rc;
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

static int run_gateway_show(const struct alk_object *o, int argc,
			    char **argv)
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
	rc = simple_call("stats", "get", &resp, &result);
	if (rc || opt.json) {
		if (!rc)
			print_json(result);
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

static int run_stats_reset(const struct alk_object *o, int argc,
			   char **argv)
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
	rc = simple_call("tables", "info", &resp, &result);
	if (rc || opt.json) {
		if (!rc)
			print_json(result);
		json_object_put(resp);
		return rc;
	}
	json_object_object_get_ex(result, "tables", &tables);
	printf("%-9s  %10s  %10s  %5s  %10s\n", "TABLE", "COUNT", "CAPACITY",
	       "USE", "MEMORY");
	json_object_object_foreach(tables, name, t)
	{
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
	{ "stats", "show", run_stats_show },
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

/* Entries of consecutive add or del lines of one object, as one request. */
struct group {
	enum alk_cmd_object object;
	enum alk_cmd_op op;
	uint32_t n;
	long *lines;
	struct alk_buf req;
};

struct batch {
	const char *name;
	struct group groups[2];
	struct group *cur, *sent; /* filling; waiting for its answer */
	long first_unapplied;	  /* for the message when stopping */
	int failed;
};

static void group_begin(struct group *g, const struct alk_cmd *c)
{
	const struct alk_object *o = alk_object(c->object);

	g->object = c->object;
	g->op = c->op;
	g->n = 0;
	g->req.len = 0;
	request_begin(&g->req, o->name, c->op == ALK_OP_ADD ? "add" : "del");
	/* rows, not entries: the daemon parses them in two thirds the time */
	alk_buf_puts(&g->req, "{\"fields\":");
	alk_api_encode_fields(
		o, c->op == ALK_OP_DEL ? ALK_PART_KEY : ALK_PART_ALL, &g->req);
	alk_buf_puts(&g->req, ",\"rows\":[");
}

/* The answer to the group in flight. */
static int batch_wait(struct batch *b)
{
	struct group *g = b->sent;
	struct json_object *resp = NULL, *result;
	char msg[512];
	int64_t index;
	int rc;

	if (!g)
		return 0;
	b->sent = NULL;
	rc = answer(&resp, &result, &index, msg, sizeof(msg));
	json_object_put(resp);
	if (rc != EXIT_REFUSED)
		return rc;
	b->failed = 1;
	if (index >= 0 && index < g->n) {
		/* the file names lines, not the request's rows */
		complain("%s:%ld: %s", b->name, g->lines[index],
			 entry_reason(msg));
	} else {
		complain("%s:%ld-%ld: %s", b->name, g->lines[0],
			 g->lines[g->n - 1], msg);
	}
	if (!b->first_unapplied)
		b->first_unapplied = g->lines[0];
	return opt.force ? 0 : EXIT_REFUSED;
}

/* Send the group being filled, after the answer to the previous one: the
 * daemon applies one while the next is being parsed here. */
static int batch_send(struct batch *b)
{
	struct group *g = b->cur;
	int rc = batch_wait(b);

	if (rc || !g->n)
		return rc;
	alk_buf_puts(&g->req, "]}");
	request_end(&g->req);
	rc = conn_send(&g->req);
	if (rc)
		return rc;
	b->sent = g;
	b->cur = g == &b->groups[0] ? &b->groups[1] : &b->groups[0];
	b->cur->n = 0;
	return 0;
}

/* A line that cannot be sent.  Unless -f, the request in flight is
 * answered first, so that the line named as the stop is exact. */
static int line_failed(struct batch *b, long lineno, const char *why)
{
	int rc;

	complain("%s:%ld: %s", b->name, lineno, why);
	b->failed = 1;
	if (opt.force)
		return 0;
	rc = batch_wait(b);
	if (!b->first_unapplied)
		b->first_unapplied = b->cur->n ? b->cur->lines[0] : lineno;
	return rc ? rc : EXIT_REFUSED;
}

static int batch_line(struct batch *b, long lineno, int argc, char **argv)
{
	const struct alk_object *o;
	struct group *g = b->cur;
	const void *key, *val;
	struct alk_error err;
	struct alk_cmd cmd;
	int rc;

	if (argc < 0)
		return line_failed(b, lineno, "too many words");
	if (argc < 2 || (strcmp(argv[1], "add") && strcmp(argv[1], "del")) ||
	    !alk_object_by_name(argv[0], strlen(argv[0]))) {
		/* not batched: everything sent so far is answered first */
		rc = batch_send(b);
		if (!rc)
			rc = batch_wait(b);
		if (rc)
			return rc;
		rc = run_argv(argc, argv);
		if (rc) {
			complain("%s:%ld: failed", b->name, lineno);
			b->failed = 1;
			if (!b->first_unapplied)
				b->first_unapplied = lineno;
		}
		return opt.force ? 0 : rc;
	}
	if (alk_cmd_parse(argc, argv, &cmd, &err))
		return line_failed(b, lineno, err.msg);
	if (g->n &&
	    (g->object != cmd.object || g->op != cmd.op || g->n == BATCH_MAX)) {
		rc = batch_send(b);
		if (rc)
			return rc;
		g = b->cur;
	}
	if (!g->n)
		group_begin(g, &cmd);
	o = alk_object(cmd.object);
	alk_cmd_parts(&cmd, &key, &val);
	if (g->n)
		alk_buf_putc(&g->req, ',');
	alk_api_encode_row(o, cmd.op == ALK_OP_DEL ? ALK_PART_KEY : ALK_PART_ALL,
			   key, val, &g->req);
	g->lines[g->n++] = lineno;
	return 0;
}

static int run_batch(const char *path)
{
	struct batch b = { .name = strcmp(path, "-") ? path : "<stdin>" };
	FILE *f = strcmp(path, "-") ? fopen(path, "re") : stdin;
	char *line = NULL, *argv[66];
	size_t cap = 0;
	long lineno = 0;
	int rc = 0;

	if (!f) {
		complain("%s: %s", path, strerror(errno));
		return EXIT_USAGE;
	}
	for (int i = 0; i < 2; i++) {
		b.groups[i].lines = malloc(BATCH_MAX * sizeof(long));
		if (!b.groups[i].lines) {
			complain("out of memory");
			rc = EXIT_CONN;
		}
	}
	b.cur = &b.groups[0];
	if (!rc)
		rc = conn_open();
	while (!rc && getline(&line, &cap, f) >= 0) {
		int argc = alk_cmd_split(line, argv, 64);

		lineno++;
		if (!argc)
			continue;
		if (argc > 0)
			argv[argc] = NULL;
		rc = batch_line(&b, lineno, argc, argv);
	}
	if (!rc)
		rc = batch_send(&b);
	if (!rc)
		rc = batch_wait(&b);
	if (b.failed && !opt.force && b.first_unapplied)
		complain("stopped: the commands before line %ld were applied, "
			 "none from there on",
			 b.first_unapplied);
	if (!rc && b.failed)
		rc = EXIT_REFUSED;
	if (f != stdin)
		fclose(f);
	free(line);
	for (int i = 0; i < 2; i++) {
		free(b.groups[i].lines);
		alk_buf_free(&b.groups[i].req);
	}
	return rc;
}

/* --- help ------------------------------------------------------------- */

static const char usage_text[] =
	"Usage: alkaidctl [OPTIONS] OBJECT [COMMAND [ARGUMENTS]]\n"
	"       alkaidctl [OPTIONS] -b FILE\n"
	"\n"
	"Programs and inspects a running alkaid gateway (alkaid-xdp or\n"
	"alkaid-dpdk) through its control socket.  Either daemon answers the\n"
	"same commands.\n"
	"\n"
	"Objects and commands (the first command is the default):\n"
	"  gateway  show | set ip ADDR mac MAC [geneve-port PORT]\n"
	"                      [vxlan-port PORT] [underlay-arp on|off]\n"
	"  endpoint list | get vni VNI ip ADDR\n"
	"           | add vni VNI ip ADDR mac MAC host ADDR\n"
	"           | del vni VNI ip ADDR\n"
	"  network  list | get vni VNI prefix ADDR/LEN\n"
	"           | add vni VNI prefix ADDR/LEN bouncers ADDR[,ADDR...]\n"
	"                 [router ADDR] [dns ADDR] [mtu BYTES] [lease "
	"SECONDS]\n"
	"           | del vni VNI prefix ADDR/LEN\n"
	"  vpc      list | get vni VNI | add vni VNI dividers ADDR[,ADDR...]\n"
	"           | del vni VNI\n"
	"  neighbor list | get ip ADDR | add ip ADDR mac MAC | del ip ADDR\n"
	"  stats    show [all] | reset\n"
	"  tables   show\n"
	"  version  show\n"
	"  OBJECT help      what OBJECT's fields mean, with examples\n"
	"\n"
	"Options:\n"
	"  -s, --socket PATH  the daemon's control socket (default: "
	"$ALKAID_SOCKET,\n"
	"                     else " ALK_CTL_DEFAULT_SOCKET ")\n"
	"  -j, --json         print results as JSON, one document per "
	"command\n"
	"  -p, --pretty       print indented JSON (implies -j)\n"
	"  -b, --batch FILE   run the commands in FILE ('-': standard input),\n"
	"                     one per line, without the word 'alkaidctl'\n"
	"  -f, --force        with -b, report failing lines and go on\n"
	"  -h, --help         this text\n"
	"  -V, --version      the version of alkaidctl\n"
	"\n"
	"Batch files:\n"
	"  Blank lines and lines starting with '#' are skipped.  Consecutive\n"
	"  'add' (or 'del') lines of one object go to the daemon as one "
	"request\n"
	"  of up to 10000 entries, which it applies whole or not at all; "
	"other\n"
	"  commands run in order between them.  An error names the file and\n"
	"  line; without -f, alkaidctl stops there, and says from which line "
	"on\n"
	"  nothing was applied.  The daemon's state file is such a file.\n"
	"\n"
	"Exit status:\n"
	"  0  success\n"
	"  1  the daemon refused a command (bad entry, not found, table "
	"full),\n"
	"     or a line of a batch file failed\n"
	"  2  usage error: unknown command or word, malformed value\n"
	"  3  no connection to the daemon, or an unreadable answer\n"
	"\n"
	"Examples:\n"
	"  alkaidctl gateway set ip 198.18.0.1 mac 02:00:00:00:00:01\n"
	"  alkaidctl neighbor add ip 198.18.0.12 mac 02:00:00:00:00:12\n"
	"  alkaidctl network add vni 100 prefix 203.0.113.0/24 bouncers "
	"198.18.0.1 \\\n"
	"      router 203.0.113.1 dns 203.0.113.2 mtu 1450 lease 3600\n"
	"  alkaidctl endpoint add vni 100 ip 203.0.113.5 mac "
	"0e:00:00:00:00:05 \\\n"
	"      host 198.18.0.12\n"
	"  alkaidctl -j endpoint list\n"
	"  alkaidctl -b endpoints.batch\n";

static const struct {
	const char *object, *text;
} object_help[] = {
	{ "gateway",
	  "Usage: alkaidctl gateway { show | set ip ADDR mac MAC\n"
	  "                           [geneve-port PORT] [vxlan-port PORT]\n"
	  "                           [underlay-arp on|off] }\n"
	  "\n"
	  "The gateway's own identity on the underlay: overlay packets are\n"
	  "addressed to it, and it is the source of everything it sends.\n"
	  "\n"
	  "  ip ADDR              the gateway's underlay IPv4 address\n"
	  "  mac MAC              its MAC, the source of every frame it sends\n"
	  "  geneve-port PORT     UDP port of Geneve (default 6081; 0: off)\n"
	  "  vxlan-port PORT      UDP port of VXLAN (default 4789; 0: off)\n"
	  "  underlay-arp on|off  answer ARP for ADDR itself (alkaid-dpdk;\n"
	  "                       with XDP the kernel does; default off)\n"
	  "\n"
	  "set replaces the whole gateway: options left out take their\n"
	  "defaults.  JSON: "
	  "{\"ip\":\"198.18.0.1\",\"mac\":\"02:00:00:00:00:01\",\n"
	  "\"geneve_port\":6081,\"vxlan_port\":4789,\"underlay_arp\":false}\n"
	  "\n"
	  "Example:\n"
	  "  alkaidctl gateway set ip 198.18.0.1 mac 02:00:00:00:00:01 "
	  "vxlan-port 0\n" },
	{ "endpoint",
	  "Usage: alkaidctl endpoint { list | get vni VNI ip ADDR\n"
	  "                            | add vni VNI ip ADDR mac MAC host "
	  "ADDR\n"
	  "                            | del vni VNI ip ADDR }\n"
	  "\n"
	  "A tenant endpoint (VM, container) and the host it lives on.  "
	  "Frames\n"
	  "to (VNI, ADDR) are bounced to the host; ARP for ADDR is answered "
	  "with\n"
	  "MAC; DHCP from MAC in VNI is answered with ADDR and the options of\n"
	  "the network ADDR is in.\n"
	  "\n"
	  "  vni VNI    virtual network identifier, 0-16777215 (key)\n"
	  "  ip ADDR    the endpoint's overlay IPv4 address (key)\n"
	  "  mac MAC    its MAC: unicast, and one endpoint's per VNI\n"
	  "  host ADDR  underlay IPv4 address of its host; the host's MAC "
	  "comes\n"
	  "             from the neighbor table\n"
	  "\n"
	  "add replaces an existing endpoint of the same key; del of an "
	  "absent\n"
	  "one is not an error.  JSON: {\"vni\":100,\"ip\":\"203.0.113.5\",\n"
	  "\"mac\":\"0e:00:00:00:00:05\",\"host\":\"198.18.0.12\"}\n"
	  "\n"
	  "Examples:\n"
	  "  alkaidctl endpoint add vni 100 ip 203.0.113.5 mac "
	  "0e:00:00:00:00:05 \\\n"
	  "      host 198.18.0.12\n"
	  "  alkaidctl endpoint get vni 100 ip 203.0.113.5\n"
	  "  alkaidctl endpoint del vni 100 ip 203.0.113.5\n" },
	{ "network",
	  "Usage: alkaidctl network { list | get vni VNI prefix ADDR/LEN\n"
	  "                           | add vni VNI prefix ADDR/LEN\n"
	  "                                 bouncers ADDR[,ADDR...] [router "
	  "ADDR]\n"
	  "                                 [dns ADDR] [mtu BYTES] [lease "
	  "SECONDS]\n"
	  "                           | del vni VNI prefix ADDR/LEN }\n"
	  "\n"
	  "A tenant network (subnet): the bouncers that hold its endpoints, "
	  "and\n"
	  "the options DHCP hands out in it.  Frames to an address of the\n"
	  "network whose endpoint this gateway does not hold are divided "
	  "among\n"
	  "the bouncers by flow hash; the longest matching prefix wins.\n"
	  "\n"
	  "  vni VNI            0-16777215 (key)\n"
	  "  prefix ADDR/LEN    the network, host bits zero (key)\n"
	  "  bouncers LIST      1 to 8 underlay IPv4 addresses, "
	  "comma-separated\n"
	  "  router ADDR        DHCP router and server identifier (option 3)\n"
	  "  dns ADDR           DHCP name server (option 6)\n"
	  "  mtu BYTES          DHCP interface MTU (option 26), at least 68\n"
	  "  lease SECONDS      DHCP lease time (option 51; 0: the default)\n"
	  "\n"
	  "JSON: {\"vni\":100,\"prefix\":\"203.0.113.0/24\",\"router\":"
	  "\"203.0.113.1\",\n"
	  "\"dns\":null,\"mtu\":1450,\"lease\":3600,\"bouncers\":"
	  "[\"198.18.0.1\"]}\n"
	  "(router and dns are null when not set; mtu 0 is not sent)\n"
	  "\n"
	  "Example:\n"
	  "  alkaidctl network add vni 100 prefix 203.0.113.0/24 \\\n"
	  "      bouncers 198.18.0.1,198.18.0.2 router 203.0.113.1 "
	  "dns 203.0.113.2 \\\n"
	  "      mtu 1450 lease 3600\n" },
	{ "vpc",
	  "Usage: alkaidctl vpc { list | get vni VNI\n"
	  "                       | add vni VNI dividers ADDR[,ADDR...]\n"
	  "                       | del vni VNI }\n"
	  "\n"
	  "A tenant VPC: the dividers that know its networks.  Frames in VNI\n"
	  "that match no network are sent to one of them by flow hash.\n"
	  "\n"
	  "  vni VNI        0-16777215 (key)\n"
	  "  dividers LIST  1 to 8 underlay IPv4 addresses, comma-separated\n"
	  "\n"
	  "JSON: {\"vni\":100,\"dividers\":[\"198.18.0.1\",\"198.18.0.2\"]}\n"
	  "\n"
	  "Example:\n"
	  "  alkaidctl vpc add vni 100 dividers 198.18.0.1,198.18.0.2\n" },
	{ "neighbor",
	  "Usage: alkaidctl neighbor { list | get ip ADDR | add ip ADDR mac "
	  "MAC\n"
	  "                            | del ip ADDR }\n"
	  "\n"
	  "Underlay next hops: the MAC of each host, bouncer and divider the\n"
	  "gateway sends to.  A host that changes its MAC is one update here,\n"
	  "not one per endpoint.\n"
	  "\n"
	  "  ip ADDR  underlay IPv4 address (key)\n"
	  "  mac MAC  its MAC (unicast)\n"
	  "\n"
	  "JSON: {\"ip\":\"198.18.0.12\",\"mac\":\"02:00:00:00:00:12\"}\n"
	  "\n"
	  "Example:\n"
	  "  alkaidctl neighbor add ip 198.18.0.12 mac 02:00:00:00:00:12\n" },
	{ "stats",
	  "Usage: alkaidctl stats { show [all] | reset }\n"
	  "\n"
	  "Packet counters, summed over every CPU or worker: one per reason,\n"
	  "and each reason implies a verdict (tx: sent back out; pass: to the\n"
	  "kernel, or a counted drop with DPDK; drop).  show prints the\n"
	  "verdicts and the reasons that are not zero; 'all' prints every\n"
	  "reason.  reset sets every counter to zero.\n"
	  "\n"
	  "JSON: {\"verdicts\":{\"tx\":N,\"pass\":N,\"drop\":N},\n"
	  "\"reasons\":{\"bounce\":N,...}}\n" },
	{ "tables",
	  "Usage: alkaidctl tables [show]\n"
	  "\n"
	  "Entries in use, capacity and memory of every table, including the\n"
	  "DHCP index ((vni, mac) -> endpoint) the daemon keeps itself.\n"
	  "\n"
	  "JSON: {\"backend\":NAME,\"tables\":{\"endpoint\":{\"count\":N,\n"
	  "\"capacity\":N,\"memory\":BYTES},...}}\n" },
	{ "version",
	  "Usage: alkaidctl version [show]\n"
	  "\n"
	  "The versions of alkaidctl and of the daemon, its table back end\n"
	  "and its protocol version.\n" },
};

static int usage_object(const char *object)
{
	for (size_t i = 0; i < sizeof(object_help) / sizeof(object_help[0]);
	     i++) {
		if (!strcmp(object_help[i].object, object)) {
			fputs(object_help[i].text, stdout);
			return 1;
		}
	}
	complain("unknown object '%s' (see 'alkaidctl --help')", object);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "batch", required_argument, NULL, 'b' },
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 },
	};
	int c, rc;

	opt.socket = getenv("ALKAID_SOCKET");
	if (!opt.socket || !*opt.socket)
		opt.socket = ALK_CTL_DEFAULT_SOCKET;
	while ((c = getopt_long(argc, argv, "+s:jpb:fhV", longopts, NULL)) !=
	       -1) {
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
		case 'h':
			fputs(usage_text, stdout);
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
	if (opt.batch)
		rc = run_batch(opt.batch);
	else if (!argc) {
		fputs(usage_text, stderr);
		rc = EXIT_USAGE;
	} else if (!strcmp(argv[0], "help")) {
		fputs(usage_text, stdout);
		rc = EXIT_OK;
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
