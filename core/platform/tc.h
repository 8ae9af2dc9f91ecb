/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TC platform: the host agent's core (core/agent.h) over a __sk_buff, its
 * tables in BTF-defined maps pinned by name (alkaid-agent picks the
 * directory).  One program, attached to the underlay interface and to the
 * host side of every endpoint's veth; the maps are shared by all of them.
 * Map sizes here are defaults; the loader sets the real ones before load.
 *
 * The core reads headers from the linear part of the skb ([data,
 * data_end)); the shim pulls the headers it needs into it first.  Room for
 * an outer header is made with bpf_skb_adjust_room() and the encapsulation
 * flags, so that the kernel keeps GSO and checksum-offload state right: a
 * TSO frame leaves as one and is segmented (its inner checksums finished)
 * by the underlay device, or by the stack when the device cannot.
 */
#ifndef ALKAID_PLATFORM_TC_H
#define ALKAID_PLATFORM_TC_H

#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

#include "../model.h"
#include "../proto.h"
#include "../verdict.h"

/* uapi headers older than the running kernel (bookworm's are 6.1) */
#ifndef BPF_F_ADJ_ROOM_DECAP_L3_IPV4
#define BPF_F_ADJ_ROOM_DECAP_L3_IPV4 (1ULL << 7)
#endif
#ifndef BPF_F_ADJ_ROOM_ENCAP_L2_ETH
#define BPF_F_ADJ_ROOM_ENCAP_L2_ETH (1ULL << 6)
#endif

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct alk_gateway); /* this host on the underlay */
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} alk_gateway SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct alk_agent_conf);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} alk_agent SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 65536);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct alk_network_lpm_key);
	__type(value, struct alk_network);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} alk_networks SEC(".maps");

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

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct alk_endpoint_key);
	__type(value, struct alk_dp_entry);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} alk_dp_cache SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, ALK_R_MAX);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} alk_stats SEC(".maps");

struct alk_ctx {
	struct __sk_buff *skb;
};

ALK_INLINE const struct alk_gateway *alk_plat_gateway(struct alk_ctx *ctx)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&alk_gateway, &zero);
}

ALK_INLINE const struct alk_agent_conf *alk_plat_agent(struct alk_ctx *ctx)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&alk_agent, &zero);
}

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

/*
 * Grow the frame by len bytes at its head (the inner frame, Ethernet header
 * included, then starts at offset len).  bpf_skb_adjust_room() opens room
 * after the Ethernet header only, so the header is copied to the end of
 * the room first; the flags say what the room holds (an outer IPv4, UDP
 * and an inner Ethernet header), so that GSO segments the frame as a
 * UDP tunnel and the inner checksum is finished where it should be.
 */
ALK_INLINE int alk_plat_push(struct alk_ctx *ctx, struct alk_pkt *pkt,
			     __u32 len)
{
	struct __sk_buff *skb = ctx->skb;
	__u64 flags = BPF_F_ADJ_ROOM_ENCAP_L3_IPV4 |
		      BPF_F_ADJ_ROOM_ENCAP_L4_UDP |
		      BPF_F_ADJ_ROOM_ENCAP_L2_ETH |
		      BPF_F_ADJ_ROOM_ENCAP_L2(sizeof(struct alk_eth));
	struct alk_eth eth;

	/* bpf_skb_adjust_room() takes IP frames only (-ENOTSUPP): an ARP
	 * request's room is made in front of it (it has no GSO state) */
	if (skb->protocol == alk_htons(ALK_ETH_P_ARP)) {
		if (bpf_skb_change_head(skb, len, 0) ||
		    bpf_skb_pull_data(skb, len + sizeof(eth)))
			return -1;
		pkt->data = (__u8 *)(long)skb->data;
		pkt->end = (__u8 *)(long)skb->data_end;
		return 0;
	}
	if (bpf_skb_load_bytes(skb, 0, &eth, sizeof(eth)))
		return -1;
	if (bpf_skb_adjust_room(skb, len, BPF_ADJ_ROOM_MAC, flags))
		return -1;
	if (bpf_skb_store_bytes(skb, len, &eth, sizeof(eth), 0))
		return -1;
	/* the headers must be in the linear part to be written */
	if (bpf_skb_pull_data(skb, len + sizeof(eth)))
		return -1;
	pkt->data = (__u8 *)(long)skb->data;
	pkt->end = (__u8 *)(long)skb->data_end;
	return 0;
}

/* Shrink the frame by len bytes at its head: the inner Ethernet header at
 * len is copied over the outer one, and the rest removed after it. */
ALK_INLINE int alk_plat_pull(struct alk_ctx *ctx, struct alk_pkt *pkt,
			     __u32 len)
{
	struct __sk_buff *skb = ctx->skb;
	struct alk_eth eth;

	if (bpf_skb_load_bytes(skb, len, &eth, sizeof(eth)) ||
	    bpf_skb_store_bytes(skb, 0, &eth, sizeof(eth), 0))
		return -1;
	if (bpf_skb_adjust_room(skb, -(__s32)len, BPF_ADJ_ROOM_MAC,
				BPF_F_ADJ_ROOM_DECAP_L3_IPV4))
		return -1;
	pkt->data = (__u8 *)(long)skb->data;
	pkt->end = (__u8 *)(long)skb->data_end;
	return 0;
}

ALK_INLINE void alk_plat_count(struct alk_ctx *ctx, enum alk_reason r)
{
	__u32 idx = r;
	__u64 *cnt = bpf_map_lookup_elem(&alk_stats, &idx);

	if (cnt)
		*cnt += 1;
}

#include "../agent_platform.h"

/* The Geneve option walk out of line, as a global function: the verifier
 * checks it once, instead of the rest of the program once for each place
 * the walk can end. */
int alk_tc_location(struct __sk_buff *skb, __u64 opt_off, __u64 opt_len);
#define ALK_PLAT_GENEVE_LOCATION(ctx, pkt, opt, opt_end)                       \
	alk_tc_location((ctx)->skb, (__u64)((opt) - (pkt)->data),             \
			(__u64)((opt_end) - (opt)))

#include "../agent.h"

/* (64-bit arguments: the verifier knows nothing of a global function's
 * arguments, and a 32-bit bound would not hold for the whole register) */
__attribute__((noinline)) int alk_tc_location(struct __sk_buff *skb,
					      __u64 opt_off, __u64 opt_len)
{
	const __u8 *data, *end;

	if (!skb || opt_off > 512 || opt_len > 252)
		return -1;
	data = (const __u8 *)(long)skb->data;
	end = (const __u8 *)(long)skb->data_end;
	return alk_agent_location(data + opt_off, data + opt_off + opt_len,
				  end);
}

#endif
