/* SPDX-License-Identifier: BSD-3-Clause */
/* alkaidctl capture (capture_cli.c). */
#ifndef ALKAID_CTL_CAPTURE_CLI_H
#define ALKAID_CTL_CAPTURE_CLI_H

#include <stdio.h>

/* argv[0] is "capture"; connect_fd() returns a connected socket, or minus
 * alkaidctl's exit status having said why.  Returns the exit status. */
int alk_capture_main(int argc, char **argv, int (*connect_fd)(void));
void alk_capture_usage(FILE *out);

#endif
