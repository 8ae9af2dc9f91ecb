/* SPDX-License-Identifier: BSD-3-Clause */
/* ctl-unit SRCDIR: the control plane's tests.  SRCDIR is the source tree's
 * root, where the example config files are.  Their helpers, and their
 * suites in the order they run. */
#include <CUnit/Basic.h>
#include <stdio.h>
#include <stdlib.h>

#include "ctl_tests.h"
#include "tests/lib/cunit_main.h"

const char *ctl_test_srcdir = ".";

struct alk_tables *ctl_test_tables(void)
{
	struct alk_table_sizes s = {
		.endpoints = 64, .networks = 16, .vpcs = 16, .neighbors = 16
	};

	return alk_host_tables_create(&s);
}

void ctl_test_tmpdir(char dir[64])
{
	snprintf(dir, 64, "%s/ctl-unit.XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		exit(2);
	}
}

static int setup(int argc, char **argv)
{
	if (argc > 1)
		ctl_test_srcdir = argv[1];
	return 0;
}
TEST_SETUP(setup);

TEST_SUITE(ctl_api_register);
TEST_SUITE(ctl_rpc_register);
TEST_SUITE(ctl_state_register);
TEST_SUITE(ctl_config_register);
TEST_SUITE(ctl_rows_register);
TEST_SUITE(ctl_capture_register);
