/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef ALKAID_TESTS_UNIT_H
#define ALKAID_TESTS_UNIT_H
void unit_core_register(void);
void unit_tables_register(void);
#endif
