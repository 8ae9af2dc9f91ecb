/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * EAL for tests: the arguments of tests/lib/eal-args (no hugepages, no
 * shared files, no PCI device touched; test_eal_args.h is made from it) and a
 * file prefix of its own, so that tests run side by side and beside a
 * daemon.
 */
#ifndef ALKAID_TESTS_EAL_H
#define ALKAID_TESTS_EAL_H

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>

#include "test_eal_args.h"

/* Returns 0, or -1 after printing why. */
static inline int test_eal_init(const char *name, const char *lcores,
				const char *memory_mb)
{
	char prefix[64];
	char *argv[] = {
		(char *)name,	   "-l",   (char *)lcores,
		ALK_TEST_EAL_ARGS, "-m",   (char *)memory_mb,
		"--file-prefix",   prefix, "--log-level",
		"*:warning",	   NULL,
	};

	snprintf(prefix, sizeof(prefix), "%s-%d", name, (int)getpid());
	if (rte_eal_init(sizeof(argv) / sizeof(argv[0]) - 1, argv) < 0) {
		fprintf(stderr, "%s: EAL: %s\n", name, rte_strerror(rte_errno));
		return -1;
	}
	return 0;
}

/* rte_eal_cleanup(), and the runtime directory (telemetry sockets) the
 * EAL leaves behind under its file prefix. */
static inline void test_eal_cleanup(void)
{
	char dir[PATH_MAX], path[PATH_MAX + 256];
	struct dirent *e;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s", rte_eal_get_runtime_dir());
	rte_eal_cleanup();
	d = opendir(dir);
	if (!d)
		return;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

#endif
