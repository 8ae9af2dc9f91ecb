/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * alkaidctl capture: capture.start on the control socket, then every
 * capture.frame notification into a pcapng file, each frame's reason and
 * verdict in its comment, until COUNT frames, Ctrl-C or the daemon's end;
 * capture.stop says how many frames the data plane lost.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/reason_names.h"
#include "buf.h"
#include "capture.h"
#include "capture_cli.h"
#include "pcapng.h"

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

static void reasons_list(FILE *out)
{
	fputs("the reasons (core/verdict.h):", out);
	for (int r = 0; r < ALK_R_MAX; r++)
		fprintf(out, "%s%s", r % 6 ? " " : "\n  ", alk_reason_names[r]);
	fputc('\n', out);
}

void alk_capture_usage(FILE *out)
{
	fprintf(out,
		"Usage: alkaidctl capture [-i IF | -p PORT] [--reason "
		"NAME[,NAME...]]...\n"
		"                         [-c COUNT] [-s SNAPLEN] [-Q in|out] "
		"-w FILE\n"
		"  Record the frames the data plane handled into FILE (pcapng; "
		"'-':\n"
		"  standard output), each with the comment 'reason=NAME "
		"verdict=V'\n"
		"  (tshark -r FILE -V shows it as the packet comment).\n"
		"  -i IF          only this interface (alkaid-xdp); default: "
		"all\n"
		"  -p PORT        only this port (alkaid-dpdk); default: all\n"
		"  --reason NAMES only frames with these reasons (repeatable, "
		"or a\n"
		"                 comma list; 'alkaidctl capture --reason "
		"help')\n"
		"  -c COUNT       stop after COUNT frames; default: until "
		"Ctrl-C\n"
		"  -s SNAPLEN     bytes kept of each frame, 1-%d; default %d\n"
		"  -Q in|out      the frame as it arrived (in, before any "
		"rewrite)\n"
		"                 or as the data plane left it (out, the "
		"default)\n"
		"  --ingress      -Q in\n"
		"  At the end it says how many frames were captured and how "
		"many\n"
		"  the data plane had no room for (lost).\n",
		ALK_CAPTURE_SNAP_MAX, ALK_CAPTURE_SNAP_DEFAULT);
}

struct reader {
	int fd;
	struct alk_buf in;
	size_t off;
	struct json_tokener *tok;
};

/* The next whole line parsed, NULL if none is buffered yet. */
static struct json_object *next_line(struct reader *r, int *bad)
{
	char *start = r->in.data + r->off;
	char *nl = r->in.len > r->off ?
			   memchr(start, '\n', r->in.len - r->off) :
			   NULL;
	struct json_object *j;

	if (!nl)
		return NULL;
	json_tokener_reset(r->tok);
	j = json_tokener_parse_ex(r->tok, start, (int)(nl - start + 1));
	r->off = (size_t)(nl + 1 - r->in.data);
	*bad = !j;
	return j;
}

/* Read what is there: >0 bytes, 0 the daemon closed, -1 error. */
static ssize_t fill(struct reader *r)
{
	ssize_t n;

	if (r->off == r->in.len) {
		r->in.len = r->off = 0;
	} else if (r->off > 0) {
		memmove(r->in.data, r->in.data + r->off, r->in.len - r->off);
		r->in.len -= r->off;
		r->off = 0;
	}
	if (!alk_buf_reserve(&r->in, 256 * 1024))
		return -1;
	n = read(r->fd, r->in.data + r->in.len, r->in.cap - r->in.len);
	if (n > 0)
		r->in.len += (size_t)n;
	return n;
}

static int send_line(int fd, const char *line, size_t len)
{
	size_t off = 0;

	while (off < len) {
		ssize_t n = write(fd, line + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		off += (size_t)n;
	}
	return 0;
}

static const char *member(struct json_object *j, const char *name)
{
	struct json_object *v;

	return json_object_object_get_ex(j, name, &v) ?
		       json_object_get_string(v) :
		       NULL;
}

/* A frame notification into the file; 1 written, 0 skipped, -1 error. */
static int write_frame(struct alk_pcapng *w, struct json_object *params)
{
	static uint8_t data[ALK_CAPTURE_SNAP_MAX + 4];
	const char *iface = member(params, "iface"),
		   *reason = member(params, "reason"),
		   *verdict = member(params, "verdict"),
		   *dir = member(params, "direction"),
		   *b64 = member(params, "data");
	struct json_object *v;
	uint64_t ts = 0, len = 0;
	enum alk_pcapng_dir d = ALK_PCAPNG_DIR_UNKNOWN;
	char comment[128];
	long n;

	if (!iface || !reason || !verdict || !dir || !b64 ||
	    strlen(b64) > (ALK_CAPTURE_SNAP_MAX + 2) / 3 * 4)
		return 0;
	n = alk_base64_decode(b64, strlen(b64), data);
	if (n < 0)
		return 0;
	if (json_object_object_get_ex(params, "ts", &v))
		ts = (uint64_t)json_object_get_int64(v);
	if (json_object_object_get_ex(params, "len", &v))
		len = (uint64_t)json_object_get_int64(v);
	if (!strcmp(dir, "in"))
		d = ALK_PCAPNG_DIR_IN;
	else if (!strcmp(verdict, "tx"))
		d = ALK_PCAPNG_DIR_OUT;
	snprintf(comment, sizeof(comment), "reason=%s verdict=%s", reason,
		 verdict);
	if (alk_pcapng_frame(w, iface, ts, data, (uint32_t)n, (uint32_t)len, d,
			     comment))
		return -1;
	return 1;
}

int alk_capture_main(int argc, char **argv, int (*connect_fd)(void))
{
	static const struct option longopts[] = {
		{ "reason", required_argument, NULL, 'r' },
		{ "ingress", no_argument, NULL, 'I' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct alk_buf req = { 0 };
	struct reader r = { .fd = -1 };
	struct alk_pcapng w;
	struct sigaction sa = { .sa_handler = on_signal };
	const char *iface = NULL, *file = NULL;
	long port = -1, snaplen = ALK_CAPTURE_SNAP_DEFAULT;
	uint64_t count = 0, written = 0, frames = 0, lost = 0;
	uint64_t reasons[ALK_CAPTURE_WORDS] = { 0 };
	int ingress = 0, nreasons = 0, c, rc = 2, stopping = 0, done = 0;
	FILE *out = NULL;
	char *end;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+i:p:c:s:w:Q:h", longopts,
				NULL)) != -1) {
		switch (c) {
		case 'i':
			iface = optarg;
			break;
		case 'p':
			port = strtol(optarg, &end, 10);
			if (*end || port < 0 || port > 65535) {
				fprintf(stderr,
					"alkaidctl: -p: '%s' is no port "
					"number\n",
					optarg);
				return 2;
			}
			break;
		case 'c':
			count = strtoull(optarg, &end, 10);
			if (*end || !count) {
				fprintf(stderr,
					"alkaidctl: -c: '%s' is not a "
					"count (1 or more)\n",
					optarg);
				return 2;
			}
			break;
		case 's':
			snaplen = strtol(optarg, &end, 10);
			if (*end || snaplen < 1 ||
			    snaplen > ALK_CAPTURE_SNAP_MAX) {
				fprintf(stderr,
					"alkaidctl: -s: '%s' out of "
					"range (1-%d)\n",
					optarg, ALK_CAPTURE_SNAP_MAX);
				return 2;
			}
			break;
		case 'w':
			file = optarg;
			break;
		case 'Q':
			if (strcmp(optarg, "in") && strcmp(optarg, "out")) {
				fprintf(stderr,
					"alkaidctl: -Q: 'in' or 'out'\n");
				return 2;
			}
			ingress = !strcmp(optarg, "in");
			break;
		case 'I':
			ingress = 1;
			break;
		case 'r':
			if (!strcmp(optarg, "help")) {
				reasons_list(stdout);
				return 0;
			}
			for (const char *p = optarg; *p;) {
				size_t n = strcspn(p, ",");

				if (alk_capture_reason_add(p, n, reasons)) {
					fprintf(stderr,
						"alkaidctl: --reason: "
						"no reason '%.*s'; ",
						(int)n, p);
					reasons_list(stderr);
					return 2;
				}
				nreasons++;
				p += n + (p[n] == ',');
			}
			break;
		case 'h':
			alk_capture_usage(stdout);
			return 0;
		default:
			alk_capture_usage(stderr);
			return 2;
		}
	}
	if (optind != argc || !file) {
		fprintf(stderr, "alkaidctl: capture %s\n",
			optind != argc ?
				"takes no arguments beyond its options" :
				"needs -w FILE");
		alk_capture_usage(stderr);
		return 2;
	}
	if (iface && port >= 0) {
		fprintf(stderr, "alkaidctl: capture: -i or -p, not both\n");
		return 2;
	}

	alk_buf_puts(&req, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":"
			   "\"capture.start\",\"params\":{");
	alk_buf_printf(&req, "\"snaplen\":%ld,\"direction\":\"%s\"", snaplen,
		       ingress ? "in" : "out");
	if (iface) {
		alk_buf_puts(&req, ",\"iface\":");
		alk_buf_json_string(&req, iface);
	}
	if (port >= 0)
		alk_buf_printf(&req, ",\"port\":%ld", port);
	if (nreasons) {
		int n = 0;

		alk_buf_puts(&req, ",\"reasons\":[");
		for (int i = 0; i < ALK_R_MAX; i++)
			if (alk_capture_takes(reasons, (unsigned int)i))
				alk_buf_printf(&req, "%s\"%s\"", n++ ? "," : "",
					       alk_reason_names[i]);
		alk_buf_putc(&req, ']');
	}
	alk_buf_puts(&req, "}}\n");

	r.fd = connect_fd();
	if (r.fd < 0) {
		alk_buf_free(&req);
		return -r.fd;
	}
	r.tok = json_tokener_new();
	out = !strcmp(file, "-") ? stdout : fopen(file, "wb");
	if (!out) {
		fprintf(stderr, "alkaidctl: %s: %s\n", file, strerror(errno));
		goto done;
	}
	if (alk_pcapng_open(&w, out, (uint32_t)snaplen, "alkaidctl capture"))
		goto write_failed;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGPIPE, &(struct sigaction){ .sa_handler = SIG_IGN }, NULL);
	if (req.nomem || send_line(r.fd, req.data, req.len))
		goto conn_failed;

	rc = 0;
	while (!done) {
		struct pollfd p = { .fd = r.fd, .events = POLLIN };
		struct json_object *j;
		int bad = 0;

		if ((interrupted || (count && written >= count)) && !stopping) {
			stopping = 1;
			static const char stop[] =
				"{\"jsonrpc\":\"2.0\",\"id\":2,"
				"\"method\":\"capture.stop\"}\n";

			if (send_line(r.fd, stop, sizeof(stop) - 1))
				goto conn_failed;
		}
		while (!done && (j = next_line(&r, &bad))) {
			const char *method = member(j, "method");
			struct json_object *v, *id;

			if (method && !strcmp(method, "capture.frame") &&
			    json_object_object_get_ex(j, "params", &v)) {
				if (!count || written < count) {
					int k = write_frame(&w, v);

					if (k < 0) {
						json_object_put(j);
						goto write_failed;
					}
					written += (uint64_t)k;
				}
			} else if (json_object_object_get_ex(j, "error", &v)) {
				fprintf(stderr, "alkaidctl: capture: %s\n",
					member(v, "message"));
				rc = 1;
				done = 1;
			} else if (json_object_object_get_ex(j, "id", &id) &&
				   json_object_get_int(id) == 1) {
				fprintf(stderr,
					"alkaidctl: capturing into %s "
					"(Ctrl-C stops)\n",
					file);
			} else if (json_object_object_get_ex(j, "id", &id) &&
				   json_object_get_int(id) == 2 &&
				   json_object_object_get_ex(j, "result", &v)) {
				struct json_object *x;

				if (json_object_object_get_ex(v, "frames", &x))
					frames =
						(uint64_t)json_object_get_int64(
							x);
				if (json_object_object_get_ex(v, "lost", &x))
					lost = (uint64_t)json_object_get_int64(
						x);
				done = 1;
			}
			json_object_put(j);
			if (count && written >= count && !stopping)
				break;
		}
		if (bad) {
			fprintf(stderr, "alkaidctl: unreadable line from the "
					"daemon\n");
			rc = 3;
			break;
		}
		if (done || (count && written >= count && !stopping))
			continue;
		if (poll(&p, 1, stopping ? 2000 : -1) < 0) {
			if (errno == EINTR)
				continue;
			goto conn_failed;
		}
		if (stopping && !(p.revents & (POLLIN | POLLHUP))) {
			fprintf(stderr, "alkaidctl: the daemon did not answer "
					"capture.stop\n");
			break;
		}
		ssize_t n = fill(&r);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			fprintf(stderr, "alkaidctl: the daemon closed the "
					"connection\n");
			rc = 3;
			break;
		}
	}
	if (fflush(out))
		goto write_failed;
	if (rc != 1)
		fprintf(stderr,
			"%" PRIu64 " frames captured, %" PRIu64
			" lost (the data plane's ring or this client behind)"
			"\n",
			written, lost);
	(void)frames;
	goto done;
write_failed:
	fprintf(stderr, "alkaidctl: writing %s: %s\n", file, strerror(errno));
	rc = 1;
	goto done;
conn_failed:
	fprintf(stderr, "alkaidctl: the connection broke: %s\n",
		strerror(errno));
	rc = 3;
done:
	if (out && out != stdout)
		fclose(out);
	if (r.tok)
		json_tokener_free(r.tok);
	close(r.fd);
	alk_buf_free(&r.in);
	alk_buf_free(&req);
	return rc;
}
