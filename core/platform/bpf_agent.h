/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The host agent's tables on any BPF hook: BTF-defined maps pinned by name
 * (alkaid-agent picks the directory), the lookups of the agent's contract
 * (core/agent_platform.h) over them, the clock and the counters.  The TC
 * shim (tc.h) and the XDP shim (xdp_agent.h) include it and add what
 * depends on the hook: struct alk_ctx, growing and shrinking the frame.
 * Map sizes here are defaults; the loader sets the real ones before load.
 */
#ifndef ALKAID_PLATFORM_BPF_AGENT_H
#define ALKAID_PLATFORM_BPF_AGENT_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "../model.h"
#include "../proto.h"
#include "../verdict.h"
#include "bpf_shared.h"

struct alk_ctx;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct alk_agent_conf);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} alk_agent SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32); /* ifindex */
	__type(value, struct alk_port);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} alk_ports SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct alk_endpoint_key);
	__type(value, struct alk_local);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} alk_local_ip SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct alk_dhcp_key);
	__type(value, struct alk_local);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} alk_local_mac SEC(".maps");

/* The MACs of the gateways (the bouncers of the networks), kept by
 * alkaid-agent from the kernel's neighbor table.  TC: an encapsulated ARP
 * request is not IPv4 to the kernel, which cannot resolve its next hop
 * (bpf_redirect_neigh), so it goes out with the MAC found here. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct alk_neighbor_key);
	__type(value, struct alk_neighbor);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} alk_neighbors SEC(".maps");

/* Gateways trusted besides the bouncers of the networks. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, __be32);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} alk_trusted SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct alk_endpoint_key);
	__type(value, struct alk_dp_entry);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} alk_dp_cache SEC(".maps");

ALK_INLINE const struct alk_agent_conf *alk_plat_agent(struct alk_ctx *ctx)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&alk_agent, &zero);
}

ALK_INLINE int alk_plat_trusted(struct alk_ctx *ctx, __be32 ip)
{
	return bpf_map_lookup_elem(&alk_trusted, &ip) != 0;
}

ALK_INLINE const struct alk_port *alk_plat_port(struct alk_ctx *ctx,
						__u32 ifindex)
{
	return bpf_map_lookup_elem(&alk_ports, &ifindex);
}

ALK_INLINE const struct alk_local *alk_plat_local_ip(struct alk_ctx *ctx,
						     __u32 vni, __be32 ip)
{
	struct alk_endpoint_key k = { .vni = vni, .ip = ip };

	return bpf_map_lookup_elem(&alk_local_ip, &k);
}

ALK_INLINE const struct alk_local *
alk_plat_local_mac(struct alk_ctx *ctx, __u32 vni, const __u8 *mac)
{
	struct alk_dhcp_key k = { .vni = vni };

	__builtin_memcpy(k.mac, mac, 6);
	return bpf_map_lookup_elem(&alk_local_mac, &k);
}

ALK_INLINE struct alk_dp_entry *alk_plat_dp(struct alk_ctx *ctx, __u32 vni,
					    __be32 ip)
{
	struct alk_endpoint_key k = { .vni = vni, .ip = ip };

	return bpf_map_lookup_elem(&alk_dp_cache, &k);
}

ALK_INLINE void alk_plat_dp_put(struct alk_ctx *ctx, __u32 vni, __be32 ip,
				const struct alk_dp_entry *e)
{
	struct alk_endpoint_key k = { .vni = vni, .ip = ip };

	bpf_map_update_elem(&alk_dp_cache, &k, e, BPF_ANY);
}

ALK_INLINE __u64 alk_plat_now_ns(struct alk_ctx *ctx)
{
	return bpf_ktime_get_ns();
}

#endif
