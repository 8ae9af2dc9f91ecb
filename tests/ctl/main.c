/* SPDX-License-Identifier: BSD-3-Clause */
/* ctl-unit SRCDIR: the control plane's tests.  SRCDIR is the source tree's
 * root, where the example config files are. */
#include <CUnit/Basic.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "ctl_tests.h"

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

int main(int argc, char **argv)
{
	unsigned int failed;

	if (argc > 1)
		ctl_test_srcdir = argv[1];
	/* a vanished peer must not kill the test: the server uses
	 * MSG_NOSIGNAL, the test clients do not all */
	signal(SIGPIPE, SIG_IGN);
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	ctl_api_register();
	ctl_rpc_register();
	ctl_state_register();
	ctl_config_register();
	ctl_rows_register();
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	return failed ? 1 : 0;
}
