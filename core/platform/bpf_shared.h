/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What every BPF program of alkaid keeps alike (the gateway's XDP program
 * and the host agent's): its own underlay identity, the networks' trie and
 * a counter per reason, as BTF-defined maps pinned by name, and their
 * lookups.  A shim includes it before defining struct alk_ctx; the maps'
 * names are what the userspace back ends find them by.
 */
#ifndef ALKAID_PLATFORM_BPF_SHARED_H
#define ALKAID_PLATFORM_BPF_SHARED_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "../model.h"
#include "../proto.h"
#include "../verdict.h"

struct alk_ctx;

/* the gateway's, or the agent's host's, identity on the underlay */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct alk_gateway);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} alk_gateway SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 65536);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct alk_network_lpm_key);
	__type(value, struct alk_network);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} alk_networks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, ALK_R_MAX);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} alk_stats SEC(".maps");

ALK_INLINE const struct alk_gateway *alk_plat_gateway(struct alk_ctx *ctx)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&alk_gateway, &zero);
}

/* longest prefix of (vni, ip) */
ALK_INLINE const struct alk_network *alk_plat_network(struct alk_ctx *ctx,
						      __u32 vni, __be32 ip)
{
	struct alk_network_lpm_key k = {
		.prefixlen = 64,
		.vni = alk_htonl(vni),
		.ip = ip,
	};

	return bpf_map_lookup_elem(&alk_networks, &k);
}

ALK_INLINE void alk_plat_count(struct alk_ctx *ctx, enum alk_reason r)
{
	__u32 idx = r;
	__u64 *cnt = bpf_map_lookup_elem(&alk_stats, &idx);

	if (cnt)
		*cnt += 1;
}

#endif
