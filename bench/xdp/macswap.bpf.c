// SPDX-License-Identifier: (GPL-2.0-only OR BSD-3-Clause)
/* The reference: swap the Ethernet addresses and send the frame back, the
 * least an XDP forwarder does.  Built twice: plain, and behind the same
 * fresh-frame restore as the alkaid benchmark program (-DBENCH_RESTORE). */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "bench.bpf.h"

SEC("xdp")
int macswap(struct xdp_md *xdp)
{
	__u8 *data, *end, tmp[6];

#ifdef BENCH_RESTORE
	if (bench_restore(xdp))
		return XDP_ABORTED;
#endif
	data = (__u8 *)(long)xdp->data;
	end = (__u8 *)(long)xdp->data_end;
	if (data + 14 > end)
		return XDP_DROP;
	__builtin_memcpy(tmp, data, 6);
	__builtin_memcpy(data, data + 6, 6);
	__builtin_memcpy(data + 6, tmp, 6);
	return XDP_TX;
}

char _license[] SEC("license") = "Dual BSD/GPL";
