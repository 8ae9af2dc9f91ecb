/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <json-c/json.h>

#include "gateway.h"

/* Field 22 of /proc/PID/stat: when the process started. */
static unsigned long long start_time(pid_t pid)
{
	char path[64], line[1024], *p;
	unsigned long long t = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (fgets(line, sizeof(line), f) && (p = strrchr(line, ')'))) {
		/* after ") ": state is field 3; starttime is field 22 */
		if (sscanf(p + 2,
			   "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u "
			   "%*u %*d %*d %*d %*d %*d %*d %llu",
			   &t) != 1)
			t = 0;
	}
	fclose(f);
	return t;
}

int alk_gateway_connect(struct alk_gateway_conn *g, struct alk_error *err)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct ucred cred;
	socklen_t len = sizeof(cred);

	alk_gateway_close(g);
	if (strlen(g->path) >= sizeof(sa.sun_path))
		return alk_error_set(err, -1, -ALK_GATEWAY_GONE,
				     "socket path too long: %s", g->path);
	strcpy(sa.sun_path, g->path);
	g->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (g->fd < 0 || connect(g->fd, (struct sockaddr *)&sa, sizeof(sa))) {
		alk_error_set(err, -1, -ALK_GATEWAY_GONE,
			      "cannot connect to %s: %s", g->path,
			      strerror(errno));
		alk_gateway_close(g);
		return -ALK_GATEWAY_GONE;
	}
	g->pid = 0;
	g->start = 0;
	if (!getsockopt(g->fd, SOL_SOCKET, SO_PEERCRED, &cred, &len)) {
		g->pid = cred.pid;
		g->start = start_time(cred.pid);
	}
	return 0;
}

void alk_gateway_close(struct alk_gateway_conn *g)
{
	if (g->fd >= 0)
		close(g->fd);
	g->fd = -1;
	g->in.len = 0;
}

static int send_all(struct alk_gateway_conn *g, const char *p, size_t len)
{
	while (len) {
		ssize_t n = send(g->fd, p, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The next answer line, NUL-terminated in g->in; its length, or -1. */
static ssize_t recv_line(struct alk_gateway_conn *g)
{
	size_t scanned = 0;

	for (;;) {
		char *nl = g->in.len > scanned ?
				   memchr(g->in.data + scanned, '\n',
					  g->in.len - scanned) :
				   NULL;
		ssize_t n;

		if (nl) {
			*nl = '\0';
			return nl - g->in.data;
		}
		scanned = g->in.len;
		if (!alk_buf_reserve(&g->in, 1 << 20))
			return -1;
		n = recv(g->fd, g->in.data + g->in.len,
			 g->in.cap - g->in.len - 1, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		g->in.len += (size_t)n;
	}
}

int alk_gateway_call(struct alk_gateway_conn *g, const char *method,
		     const char *params, size_t len, struct json_object **resp,
		     struct json_object **result, struct alk_error *err)
{
	char head[160];
	int hlen;
	ssize_t line;
	struct json_object *e, *v;

	*resp = *result = NULL;
	if (g->fd < 0)
		return alk_error_set(err, -1, -ALK_GATEWAY_GONE,
				     "not connected to %s", g->path);
	hlen = snprintf(head, sizeof(head),
			"{\"jsonrpc\":\"2.0\",\"id\":%" PRId64
			",\"method\":\"%s\"%s",
			++g->next_id, method, params ? ",\"params\":" : "");
	if (send_all(g, head, (size_t)hlen) ||
	    (params && send_all(g, params, len)) || send_all(g, "}\n", 2) ||
	    (line = recv_line(g)) < 0) {
		alk_gateway_close(g);
		return alk_error_set(err, -1, -ALK_GATEWAY_GONE,
				     "the daemon at %s went away", g->path);
	}
	*resp = json_tokener_parse(g->in.data);
	memmove(g->in.data, g->in.data + line + 1,
		g->in.len - (size_t)line - 1);
	g->in.len -= (size_t)line + 1;
	if (!*resp) {
		alk_gateway_close(g);
		return alk_error_set(err, -1, -ALK_GATEWAY_GONE,
				     "the daemon's answer is not JSON");
	}
	if (json_object_object_get_ex(*resp, "error", &e)) {
		int code = json_object_object_get_ex(e, "code", &v) ?
				   json_object_get_int(v) :
				   -32603;
		int64_t index = -1;
		struct json_object *d;

		if (json_object_object_get_ex(e, "data", &d) &&
		    json_object_object_get_ex(d, "index", &v))
			index = json_object_get_int64(v);
		json_object_object_get_ex(e, "message", &v);
		alk_error_set(err, index, code, "%s",
			      v ? json_object_get_string(v) : "error");
		json_object_put(*resp);
		*resp = NULL;
		return code;
	}
	json_object_object_get_ex(*resp, "result", result);
	return 0;
}
