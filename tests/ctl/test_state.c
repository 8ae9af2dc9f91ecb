/* SPDX-License-Identifier: BSD-3-Clause */
/* The state file: every table out and back in through the table API, the
 * atomic write, and loading errors that name their line. */
#include <CUnit/Basic.h>
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/platform/host.h"
#include "ctl/api.h"
#include "ctl/state.h"
#include "tables/cmdfile.h"
#include "ctl_tests.h"

static struct alk_tables *bigger(void)
{
	struct alk_table_sizes s = { 1024, 16, 16, 16 };

	return alk_host_tables_create(&s);
}

static int run(struct alk_tables *t, const char *line)
{
	char copy[512], *argv[64];
	struct alk_error err;
	struct alk_cmd cmd;
	int argc;

	snprintf(copy, sizeof(copy), "%s", line);
	argc = alk_cmd_split(copy, argv, 64);
	if (alk_cmd_parse(argc, argv, &cmd, &err) ||
	    alk_cmd_apply(t, &cmd, &err)) {
		fprintf(stderr, "%s: %s\n", line, err.msg);
		return -1;
	}
	return 0;
}

/* Every entry of every table of a is in b, the same, and no more. */
static void same_tables(struct alk_tables *a, struct alk_tables *b)
{
	struct alk_gateway ga, gb;

	for (int tbl = 0; tbl < ALK_T_MAX; tbl++) {
		uint8_t keys[64 * ALK_MAX_KEY], vals[64 * ALK_MAX_VAL];
		uint8_t v[ALK_MAX_VAL], last[ALK_MAX_KEY];
		size_t ks = alk_table_key_size(tbl),
		       vs = alk_table_val_size(tbl);
		struct alk_table_info ia, ib;
		int n, first = 1;

		a->ops->info(a, tbl, &ia);
		b->ops->info(b, tbl, &ib);
		CU_ASSERT_EQUAL(ia.count, ib.count);
		while ((n = alk_table_list(a, tbl, first ? NULL : last, keys,
					   vals, 64)) > 0) {
			for (int i = 0; i < n; i++) {
				CU_ASSERT_EQUAL(
					alk_table_get(b, tbl, keys + i * ks, v),
					0);
				CU_ASSERT_EQUAL(memcmp(v, vals + i * vs, vs),
						0);
			}
			memcpy(last, keys + (n - 1) * ks, ks);
			first = 0;
		}
	}
	a->ops->gateway_get(a, &ga);
	b->ops->gateway_get(b, &gb);
	CU_ASSERT_EQUAL(memcmp(&ga, &gb, sizeof(ga)), 0);
}

static int leftovers(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	while ((e = readdir(d)))
		if (strstr(e->d_name, ".") && e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static void test_round_trip(void)
{
	struct alk_tables *a = bigger(), *b = bigger();
	char dir[64], path[128], line[256];
	struct alk_error err;

	ctl_test_tmpdir(dir);
	snprintf(path, sizeof(path), "%s/state", dir);
	CU_ASSERT_EQUAL(run(a,
			    "gateway set ip 198.18.0.1 mac "
			    "02:00:00:00:00:01 vxlan-port 0 underlay-arp on"),
			0);
	CU_ASSERT_EQUAL(run(a, "neighbor add ip 198.18.0.2 mac "
			       "02:00:00:00:00:02"),
			0);
	CU_ASSERT_EQUAL(run(a, "vpc add vni 9 dividers 198.18.0.2,198.18.0.3"),
			0);
	CU_ASSERT_EQUAL(run(a, "network add vni 9 prefix 203.0.113.0/24 "
			       "bouncers 198.18.0.2 router 203.0.113.1 dns "
			       "203.0.113.2 mtu 1450 lease 3600"),
			0);
	CU_ASSERT_EQUAL(run(a, "network add vni 9 prefix 198.51.100.0/25 "
			       "bouncers 198.18.0.2,198.18.0.4"),
			0);
	for (int i = 0; i < 300; i++) {
		snprintf(line, sizeof(line),
			 "endpoint add vni %d ip 203.0.113.%d mac "
			 "0e:00:00:00:%02x:%02x host 198.18.0.%d",
			 i % 3, i % 250 + 1, i >> 8, i & 255, i % 7 + 10);
		CU_ASSERT_EQUAL(run(a, line), 0);
	}
	CU_ASSERT_EQUAL(alk_state_save(a, path, &err), 0);
	CU_ASSERT_EQUAL(leftovers(dir), 0); /* the temporary is gone */
	CU_ASSERT_EQUAL(alk_cmdfile_load(b, path, &err), 0);
	same_tables(a, b);
	same_tables(b, a);
	/* saving again over the file: still one file */
	CU_ASSERT_EQUAL(alk_state_save(b, path, &err), 0);
	CU_ASSERT_EQUAL(leftovers(dir), 0);
	a->ops->close(a);
	b->ops->close(b);
	unlink(path);
	rmdir(dir);
}

static void test_save_failure(void)
{
	struct alk_tables *t = bigger();
	char dir[64], path[128];
	struct alk_error err;

	ctl_test_tmpdir(dir);
	/* the target is a directory: the rename fails, the temporary goes */
	snprintf(path, sizeof(path), "%s/sub", dir);
	CU_ASSERT_EQUAL(mkdir(path, 0755), 0);
	CU_ASSERT_EQUAL(run(t, "neighbor add ip 198.18.0.2 mac "
			       "02:00:00:00:00:02"),
			0);
	CU_ASSERT_NOT_EQUAL(alk_state_save(t, path, &err), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "rename"));
	CU_ASSERT_EQUAL(leftovers(dir), 0);
	rmdir(path);
	/* a missing directory is made; a file in the way is an error */
	snprintf(path, sizeof(path), "%s/new/dir/state", dir);
	CU_ASSERT_EQUAL(alk_state_save(t, path, &err), 0);
	CU_ASSERT_EQUAL(unlink(path), 0);
	snprintf(path, sizeof(path), "%s/new/dir", dir);
	CU_ASSERT_EQUAL(rmdir(path), 0);
	snprintf(path, sizeof(path), "%s/new", dir);
	CU_ASSERT_EQUAL(rmdir(path), 0);
	snprintf(path, sizeof(path), "/dev/null/state");
	CU_ASSERT_EQUAL(alk_state_save(t, path, &err), -ENOTDIR);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "cannot create"));
	t->ops->close(t);
	rmdir(dir);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs(text, f);
	fclose(f);
}

static void test_load_errors(void)
{
	struct alk_tables *t = bigger();
	char dir[64], path[128], want[256];
	struct alk_endpoint_key k = { .vni = 1 };
	struct alk_endpoint v;
	struct alk_error err;

	ctl_test_tmpdir(dir);
	snprintf(path, sizeof(path), "%s/batch", dir);
	CU_ASSERT_EQUAL(alk_cmdfile_load(t, path, &err), -ENOENT);

	/* a grammar error on line 4: the file is checked whole before any
	 * of it is applied, so line 2 is not applied either */
	write_file(
		path,
		"# comment\n"
		"endpoint add vni 1 ip 203.0.113.1 mac 0e:00:00:00:00:01 host "
		"198.18.0.9\n"
		"\n"
		"endpoint add vni 1 ip 203.0.113.2 mac zz host 198.18.0.9\n");
	CU_ASSERT_EQUAL(alk_cmdfile_load(t, path, &err), -EINVAL);
	snprintf(want, sizeof(want), "%s:4: bad mac 'zz'", path);
	CU_ASSERT_STRING_EQUAL(err.msg, want);
	CU_ASSERT_EQUAL(err.index, 4);
	k.ip = inet_addr("203.0.113.1");
	CU_ASSERT_EQUAL(alk_table_get(t, ALK_T_ENDPOINT, &k, &v), -ENOENT);

	/* the table API's error, mapped from its entry to its line */
	write_file(path, "endpoint add vni 1 ip 203.0.113.3 mac "
			 "0e:00:00:00:00:03 host 198.18.0.9\n"
			 "endpoint add vni 1 ip 203.0.113.4 mac "
			 "0e:00:00:00:00:04 host 198.18.0.9\n"
			 "endpoint add vni 1 ip 203.0.113.5 mac "
			 "0e:00:00:00:00:05 host 0.0.0.0\n");
	CU_ASSERT_EQUAL(alk_cmdfile_load(t, path, &err), -EINVAL);
	snprintf(want, sizeof(want),
		 "%s:3: host 0.0.0.0 is not a unicast address", path);
	CU_ASSERT_STRING_EQUAL(err.msg, want);
	/* one batch: none of its lines applied */
	k.ip = inet_addr("203.0.113.3");
	CU_ASSERT_EQUAL(alk_table_get(t, ALK_T_ENDPOINT, &k, &v), -ENOENT);

	/* a whole batch refused: its lines are named */
	{
		FILE *f = fopen(path, "w");

		for (int i = 0; i < 1100; i++)
			fprintf(f,
				"endpoint add vni 2 ip 198.51.%d.%d mac "
				"0e:00:00:01:%02x:%02x host 198.18.0.9\n",
				i >> 8, i & 255, i >> 8, i & 255);
		fclose(f);
	}
	CU_ASSERT_EQUAL(alk_cmdfile_load(t, path, &err), -ENOSPC);
	snprintf(want, sizeof(want), "%s:1-1100: endpoint table full", path);
	CU_ASSERT_EQUAL(strncmp(err.msg, want, strlen(want)), 0);
	t->ops->close(t);
	unlink(path);
	rmdir(dir);
}

/* Consecutive commands are batched, but their order still holds. */
static void test_order(void)
{
	struct alk_tables *t = bigger();
	char dir[64], path[128];
	struct alk_endpoint_key k = { .vni = 1 };
	struct alk_endpoint v;
	struct alk_error err;

	ctl_test_tmpdir(dir);
	snprintf(path, sizeof(path), "%s/batch", dir);
	write_file(path, "endpoint add vni 1 ip 203.0.113.1 mac "
			 "0e:00:00:00:00:01 host 198.18.0.9\n"
			 "endpoint add vni 1 ip 203.0.113.2 mac "
			 "0e:00:00:00:00:02 host 198.18.0.9\n"
			 "endpoint del vni 1 ip 203.0.113.1\n"
			 "endpoint add vni 1 ip 203.0.113.3 mac "
			 "0e:00:00:00:00:01 host 198.18.0.9\n"
			 "endpoint del vni 1 ip 203.0.113.2\n"
			 "endpoint add vni 1 ip 203.0.113.2 mac "
			 "0e:00:00:00:00:22 host 198.18.0.7\n"
			 "gateway set ip 198.18.0.1 mac 02:00:00:00:00:01\n");
	CU_ASSERT_EQUAL(alk_cmdfile_load(t, path, &err), 0);
	k.ip = inet_addr("203.0.113.1");
	CU_ASSERT_EQUAL(alk_table_get(t, ALK_T_ENDPOINT, &k, &v), -ENOENT);
	k.ip = inet_addr("203.0.113.3");
	CU_ASSERT_EQUAL(alk_table_get(t, ALK_T_ENDPOINT, &k, &v), 0);
	k.ip = inet_addr("203.0.113.2");
	CU_ASSERT_EQUAL(alk_table_get(t, ALK_T_ENDPOINT, &k, &v), 0);
	CU_ASSERT_EQUAL(v.mac[5], 0x22);
	CU_ASSERT_PTR_NOT_NULL(alk_host_gateway(t));
	t->ops->close(t);
	unlink(path);
	rmdir(dir);
}

/* One reader for every command file: its rules are the same for the
 * state file, a daemon's --batch and initial files, and alkaidctl -b. */
static void test_file_rules(void)
{
	struct alk_tables *t = bigger();
	char dir[64], path[128], want[256];
	struct alk_endpoint_key k = { .vni = 10 };
	struct alk_endpoint v;
	struct alk_error err;

	ctl_test_tmpdir(dir);
	snprintf(path, sizeof(path), "%s/batch", dir);
	/* a comment after a command, one indented, one alone */
	write_file(path, "# endpoints\n"
			 "endpoint add vni 010 ip 203.0.113.1 mac "
			 "0e:00:00:00:00:01 host 198.18.0.9 # the first\n"
			 "   # indented\n"
			 "endpoint add vni 10 ip 203.0.113.2 mac "
			 "0e:00:00:00:00:02 host 198.18.0.9#\n");
	CU_ASSERT_EQUAL(alk_cmdfile_load(t, path, &err), -EINVAL);
	snprintf(want, sizeof(want), "%s:4: bad host '198.18.0.9#'", path);
	CU_ASSERT_STRING_EQUAL(err.msg, want);
	k.ip = inet_addr("203.0.113.1");
	CU_ASSERT_EQUAL(alk_table_get(t, ALK_T_ENDPOINT, &k, &v), -ENOENT);
	write_file(path, "# endpoints\n"
			 "endpoint add vni 010 ip 203.0.113.1 mac "
			 "0e:00:00:00:00:01 host 198.18.0.9 # the first\n"
			 "   # indented\n"
			 "endpoint add vni 10 ip 203.0.113.2 mac "
			 "0e:00:00:00:00:02 host 198.18.0.9 #\n");
	CU_ASSERT_EQUAL(alk_cmdfile_load(t, path, &err), 0);
	/* decimal: 010 is VNI 10 */
	CU_ASSERT_EQUAL(alk_table_get(t, ALK_T_ENDPOINT, &k, &v), 0);
	k.ip = inet_addr("203.0.113.2");
	CU_ASSERT_EQUAL(alk_table_get(t, ALK_T_ENDPOINT, &k, &v), 0);

	/* a daemon's file holds table changes only */
	write_file(path, "endpoint get vni 10 ip 203.0.113.2\n");
	CU_ASSERT_EQUAL(alk_cmdfile_load(t, path, &err), -EINVAL);
	snprintf(want, sizeof(want),
		 "%s:1: 'endpoint get' is not a table change (add, del or "
		 "set)",
		 path);
	CU_ASSERT_STRING_EQUAL(err.msg, want);
	t->ops->close(t);
	unlink(path);
	rmdir(dir);
}

void ctl_state_register(void)
{
	CU_pSuite s = CU_add_suite("ctl state file", NULL, NULL);

	CU_add_test(s, "every table out and back", test_round_trip);
	CU_add_test(s, "a failed save leaves nothing", test_save_failure);
	CU_add_test(s, "load errors name the line", test_load_errors);
	CU_add_test(s, "batches keep the order", test_order);
	CU_add_test(s, "one set of rules for command files", test_file_rules);
}
