/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <systemd/sd-daemon.h>

#include "log.h"
#include "notify.h"

/* The tables t serves (the DHCP index is the endpoints'), with counts. */
static void table_counts(struct alk_tables *t, char *buf, size_t len)
{
	static const enum alk_table shown[] = { ALK_T_NETWORK, ALK_T_ENDPOINT,
						ALK_T_VPC, ALK_T_NEIGHBOR,
						ALK_T_PORT };
	size_t used = 0;

	buf[0] = 0;
	for (size_t i = 0; i < sizeof(shown) / sizeof(shown[0]); i++) {
		struct alk_table_info info;
		int n;

		if (!alk_tables_serves(t, shown[i]) ||
		    t->ops->info(t, shown[i], &info))
			continue;
		n = snprintf(buf + used, len - used, "%s%llu %s%s",
			     used ? ", " : "", (unsigned long long)info.count,
			     alk_table_name(shown[i]),
			     info.count == 1 ? "" : "s");
		if (n < 0 || (size_t)n >= len - used)
			break;
		used += n;
	}
}

static void notify(const char *state)
{
	int rc = sd_notify(0, state);

	if (rc < 0)
		alk_debug("sd_notify: %s", strerror(-rc));
}

void alk_notify_status(const char *fmt, ...)
{
	char state[512];
	va_list ap;

	strcpy(state, "STATUS=");
	va_start(ap, fmt);
	vsnprintf(state + 7, sizeof(state) - 7, fmt, ap);
	va_end(ap);
	notify(state);
}

void alk_notify_ready(struct alk_tables *t, const char *what)
{
	char counts[256], state[512];

	table_counts(t, counts, sizeof(counts));
	snprintf(state, sizeof(state), "READY=1\nSTATUS=serving %s: %s", what,
		 counts);
	notify(state);
}

void alk_notify_reloading(void)
{
	struct timespec now;
	char state[96];

	/* MONOTONIC_USEC lets Type=notify-reload units use it as well */
	clock_gettime(CLOCK_MONOTONIC, &now);
	snprintf(state, sizeof(state),
		 "RELOADING=1\nSTATUS=reloading the configuration\n"
		 "MONOTONIC_USEC=%llu",
		 (unsigned long long)now.tv_sec * 1000000 +
			 (unsigned long long)now.tv_nsec / 1000);
	notify(state);
}

void alk_notify_stopping(void)
{
	notify("STOPPING=1\nSTATUS=stopping");
}
