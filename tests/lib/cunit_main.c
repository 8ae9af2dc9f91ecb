/* SPDX-License-Identifier: BSD-3-Clause */
/* The main of every CUnit test program: its suites registered themselves
 * (cunit_main.h).  Exit status 0 when every test passed, 1 when one
 * failed, 2 when CUnit could not start, or what the setup says. */
#include <CUnit/Basic.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "tests/lib/cunit_main.h"

#define MAX_SUITES 32

static void (*suites[MAX_SUITES])(void);
static unsigned int nsuites;
static int (*setup)(int argc, char **argv);
static void (*teardown)(void);

void test_register_suite(void (*add)(void))
{
	if (nsuites == MAX_SUITES) {
		fprintf(stderr, "cunit_main: more than %d suites\n",
			MAX_SUITES);
		abort();
	}
	suites[nsuites++] = add;
}

void test_register_setup(int (*f)(int argc, char **argv))
{
	setup = f;
}

void test_register_teardown(void (*f)(void))
{
	teardown = f;
}

int main(int argc, char **argv)
{
	unsigned int failed;
	int rc;

	/* a vanished peer must not kill a test: servers use MSG_NOSIGNAL,
	 * test clients do not all */
	signal(SIGPIPE, SIG_IGN);
	if (setup) {
		rc = setup(argc, argv);
		if (rc)
			return rc;
	}
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	for (unsigned int i = 0; i < nsuites; i++)
		suites[i]();
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed() +
		 CU_get_number_of_suites_failed();
	CU_cleanup_registry();
	if (teardown)
		teardown();
	return failed ? 1 : 0;
}
