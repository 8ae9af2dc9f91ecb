/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * XDP platform: the core over an xdp_md, its tables in BTF-defined maps.
 * Map sizes here are defaults; the loader sets the real ones before load.
 * The endpoints and the DHCP index are flat tables (core/flat.h): arrays of
 * 64-byte buckets, bucket 0 the head, mmapped by alkaid-xdp, which writes
 * them in place.
 */
#ifndef ALKAID_PLATFORM_XDP_H
#define ALKAID_PLATFORM_XDP_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "../flat.h"
#include "../model.h"
#include "../proto.h"
#include "../verdict.h"
#include "bpf_shared.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 466035); /* alk_flat_bytes(1M) / 64 */
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct alk_ep_bucket);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} alk_endpoints SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, struct alk_vpc_key);
	__type(value, struct alk_vpc);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} alk_vpcs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, struct alk_neighbor_key);
	__type(value, struct alk_neighbor);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} alk_neighbors SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 466035);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct alk_dhcp_bucket);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} alk_dhcp_index SEC(".maps");

/* The direct path's token bucket of each CPU: state of this program
 * only, not pinned. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct alk_dp_bucket);
} alk_dp_buckets SEC(".maps");

struct alk_ctx {
	struct xdp_md *xdp;
};

ALK_INLINE const void *alk_plat_bucket(struct alk_ctx *ctx, enum alk_table tbl,
				       __u32 idx)
{
	if (tbl == ALK_T_ENDPOINT)
		return bpf_map_lookup_elem(&alk_endpoints, &idx);
	return bpf_map_lookup_elem(&alk_dhcp_index, &idx);
}

ALK_INLINE const struct alk_vpc *alk_plat_vpc(struct alk_ctx *ctx, __u32 vni)
{
	struct alk_vpc_key k = { .vni = vni };

	return bpf_map_lookup_elem(&alk_vpcs, &k);
}

ALK_INLINE const struct alk_neighbor *alk_plat_neighbor(struct alk_ctx *ctx,
							__be32 ip)
{
	struct alk_neighbor_key k = { .ip = ip };

	return bpf_map_lookup_elem(&alk_neighbors, &k);
}

/* The frame of a multi-buffer (xdp.frags) program: data_end ends the
 * linear part, bpf_xdp_get_buff_len() counts the fragments too. */
ALK_INLINE void alk_xdp_pkt(struct xdp_md *xdp, struct alk_pkt *pkt)
{
	pkt->data = (__u8 *)(long)xdp->data;
	pkt->end = (__u8 *)(long)xdp->data_end;
	pkt->nonlinear = (__u32)bpf_xdp_get_buff_len(xdp) -
			 (__u32)(pkt->end - pkt->data);
}

/* On a frame in fragments adjust_tail grows or shrinks the last fragment
 * (shrinking may free fragments and then cut the linear part). */
ALK_INLINE int alk_plat_resize(struct alk_ctx *ctx, struct alk_pkt *pkt,
			       int delta)
{
	struct xdp_md *xdp = ctx->xdp;

	if (bpf_xdp_adjust_tail(xdp, delta))
		return -1;
	alk_xdp_pkt(xdp, pkt);
	return 0;
}

ALK_INLINE struct alk_dp_bucket *alk_plat_dp_bucket(struct alk_ctx *ctx)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&alk_dp_buckets, &zero);
}

ALK_INLINE __u64 alk_plat_now_ns(struct alk_ctx *ctx)
{
	return bpf_ktime_get_ns();
}

/* The contract, declared after the definitions: a signature that differs
 * from it fails to compile here (platform.h says why in this order). */
#include "../platform.h"

/*
 * The flat-table lookups out of line, as global functions: the verifier
 * checks each once, on its own, instead of walking its loop again for
 * every path that reaches a lookup (the DHCP options' walk alone leaves
 * hundreds).  The XDP bucket lookup needs no context.
 */
int alk_xdp_endpoint(const struct alk_endpoint_key *k,
		     struct alk_endpoint *out);
int alk_xdp_dhcp(const struct alk_dhcp_key *k, struct alk_dhcp *out);
#define ALK_PLAT_FLAT_ENDPOINT(ctx, k, out) alk_xdp_endpoint(k, out)
#define ALK_PLAT_FLAT_DHCP(ctx, k, out) alk_xdp_dhcp(k, out)

#include "../lookup.h"

__attribute__((noinline)) int alk_xdp_endpoint(const struct alk_endpoint_key *k,
					       struct alk_endpoint *out)
{
	if (!k || !out)
		return ALK_FLAT_ABSENT;
	return alk_flat_endpoint_walk(0, k, out);
}

__attribute__((noinline)) int alk_xdp_dhcp(const struct alk_dhcp_key *k,
					   struct alk_dhcp *out)
{
	if (!k || !out)
		return ALK_FLAT_ABSENT;
	return alk_flat_dhcp_walk(0, k, out);
}

#endif
