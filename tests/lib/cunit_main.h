/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One main for the CUnit test programs (cunit_main.c).  Each suite
 * registers itself where it is defined, as DPDK's REGISTER_TEST_COMMAND
 * does:
 *
 *	static void core_suite(void)
 *	{
 *		CU_pSuite s = CU_add_suite("core", NULL, NULL);
 *		CU_add_test(s, "...", test_x);
 *	}
 *	TEST_SUITE(core_suite);
 *
 * A program that needs something before its suites (its arguments, the
 * EAL) names it with TEST_SETUP, and what undoes it with TEST_TEARDOWN.
 * Suites run in the order they register: source files in link order, and
 * in a file top to bottom.
 */
#ifndef ALKAID_TESTS_CUNIT_MAIN_H
#define ALKAID_TESTS_CUNIT_MAIN_H

/* Adds the suite (CU_add_suite and its tests) once the registry exists. */
void test_register_suite(void (*add)(void));
/* setup(argc, argv) returns 0 to run the suites, or the exit status. */
void test_register_setup(int (*setup)(int argc, char **argv));
void test_register_teardown(void (*teardown)(void));

#define TEST_CONSTRUCTOR(f, reg)                                               \
	static void __attribute__((constructor)) f##_register(void)            \
	{                                                                      \
		reg(f);                                                        \
	}

#define TEST_SUITE(f) TEST_CONSTRUCTOR(f, test_register_suite)
#define TEST_SETUP(f) TEST_CONSTRUCTOR(f, test_register_setup)
#define TEST_TEARDOWN(f) TEST_CONSTRUCTOR(f, test_register_teardown)

#endif
