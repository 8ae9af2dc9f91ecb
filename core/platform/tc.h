/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TC platform: the host agent's core (core/agent.h) over a __sk_buff, its
 * tables in the BTF-defined maps of bpf_agent.h.  One program, attached to
 * the underlay interface and to the host side of every endpoint's veth;
 * the maps are shared by all of them.
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
#include "bpf_agent.h" /* the maps and the table lookups */

/* uapi headers older than the running kernel (bookworm's are 6.1) */
#ifndef BPF_F_ADJ_ROOM_DECAP_L3_IPV4
#define BPF_F_ADJ_ROOM_DECAP_L3_IPV4 (1ULL << 7)
#endif
#ifndef BPF_F_ADJ_ROOM_ENCAP_L2_ETH
#define BPF_F_ADJ_ROOM_ENCAP_L2_ETH (1ULL << 6)
#endif

struct alk_ctx {
	struct __sk_buff *skb;
};

/*
 * Grow the frame by len bytes at its head (the inner frame, Ethernet header
 * included, then starts at offset len).  bpf_skb_adjust_room() opens room
 * after the Ethernet header only, so the header is copied to the end of
 * the room first; the flags say what the room holds (an outer IPv4, UDP
 * and an inner Ethernet header), so that GSO segments the frame as a
 * UDP tunnel and the inner checksum is finished where it should be.
 */
/* gso_size: the segments' payload, which bpf_skb_adjust_room() lowers
 * by the room it makes, so that each segment still fits the MTU */
ALK_INLINE int alk_plat_segmented(struct alk_ctx *ctx)
{
	return ctx->skb->gso_size != 0;
}

ALK_INLINE int alk_plat_push(struct alk_ctx *ctx, struct alk_pkt *pkt,
			     __u32 len)
{
	struct __sk_buff *skb = ctx->skb;
	__u64 flags = BPF_F_ADJ_ROOM_ENCAP_L3_IPV4 |
		      BPF_F_ADJ_ROOM_ENCAP_L4_UDP |
		      BPF_F_ADJ_ROOM_ENCAP_L2_ETH |
		      BPF_F_ADJ_ROOM_ENCAP_L2(sizeof(struct alk_eth));
	struct alk_eth eth;

	/* adjust_room takes IPv4 and IPv6 frames only; an ARP request
	 * (never GSO, never offloaded) grows at the head as it is */
	if (skb->protocol != alk_htons(ALK_ETH_P_IPV4)) {
		if (bpf_skb_change_head(skb, len, 0))
			return -1;
		goto linear;
	}
	if (bpf_skb_load_bytes(skb, 0, &eth, sizeof(eth)))
		return -1;
	if (bpf_skb_adjust_room(skb, len, BPF_ADJ_ROOM_MAC, flags)) {
		/* A frame the kernel still takes for a tunnel's (it came in
		 * encapsulated and leaves again: a moved endpoint's, a
		 * gateway's return) is refused: unless it is GSO it needs
		 * none of that state, and grows at the head as it is. */
		if (skb->gso_size || bpf_skb_change_head(skb, len, 0))
			return -1;
		goto linear;
	}
	if (bpf_skb_store_bytes(skb, len, &eth, sizeof(eth), 0))
		return -1;
linear:
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

#include "../agent_platform.h"

/* The Geneve option walk out of line, as a global function: the verifier
 * checks it once, instead of the rest of the program once for each place
 * the walk can end. */
int alk_tc_location(struct __sk_buff *skb, __u64 opt_off, __u64 opt_len);
#define ALK_PLAT_GENEVE_LOCATION(ctx, pkt, opt, opt_end)                       \
	alk_tc_location((ctx)->skb, (__u64)((opt) - (pkt)->data),              \
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
