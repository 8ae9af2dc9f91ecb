/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef ALKAID_TESTS_CTL_H
#define ALKAID_TESTS_CTL_H

#include "tables/tables.h"

void ctl_api_register(void);
void ctl_rpc_register(void);
void ctl_state_register(void);
void ctl_config_register(void);
void ctl_rows_register(void);
void ctl_capture_register(void);

/* Small in-memory tables. */
struct alk_tables *ctl_test_tables(void);

/* A fresh temporary directory (removed by the caller), and the source
 * tree's root (for the example config files), from the command line. */
void ctl_test_tmpdir(char dir[64]);
extern const char *ctl_test_srcdir;

#endif
