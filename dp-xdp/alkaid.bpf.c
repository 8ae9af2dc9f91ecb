// SPDX-License-Identifier: (GPL-2.0-only OR BSD-3-Clause)
/* The alkaid XDP program: the core, compiled for XDP (alkaid_xdp.h). */
#include "alkaid_xdp.h"

/* Multi-buffer aware (xdp.frags): drivers attach it at any MTU, veth and
 * many NICs refuse a program without it above about 3.5 KB.  The core
 * reads the linear part only (core/platform/xdp.h). */
SEC("xdp.frags")
int alkaid_xdp(struct xdp_md *xdp)
{
	return alk_xdp_run(xdp);
}

char _license[] SEC("license") = "Dual BSD/GPL";
