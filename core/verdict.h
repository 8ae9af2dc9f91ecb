/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Verdicts and reasons.  Every packet ends with exactly one reason, and each
 * reason has exactly one counter; the reason implies the verdict.  The list
 * is an X-macro so that the back ends and the control plane print the same
 * names the core counts.
 */
#ifndef ALKAID_CORE_VERDICT_H
#define ALKAID_CORE_VERDICT_H

enum alk_verdict {
	ALK_TX,	  /* send back out of the port it came in on */
	ALK_PASS, /* not ours: kernel (XDP) or counted drop (DPDK) */
	ALK_DROP,
};

/* X(name, verdict) */
#define ALK_REASONS(X)                                                         \
	/* transmitted */                                                      \
	X(bounce, ALK_TX)	  /* endpoint hit, sent to its host */         \
	X(divide_network, ALK_TX) /* network hit, sent to a bouncer */         \
	X(divide_vpc, ALK_TX)	  /* vpc hit, sent to a divider */             \
	X(arp_reply, ALK_TX)	  /* overlay ARP answered */                   \
	X(dhcp_offer, ALK_TX)                                                  \
	X(dhcp_ack, ALK_TX)                                                    \
	X(dhcp_nak, ALK_TX)                                                    \
	X(underlay_arp_reply, ALK_TX) /* ARP for the gateway itself */         \
	X(direct_path_return, ALK_TX) /* back to the asker, with a location */ \
	/* transmitted by a host agent (core/agent.h) */                       \
	X(agent_encap, ALK_TX)	 /* to a bouncer of the network */             \
	X(agent_direct, ALK_TX)	 /* to the destination's host (direct path) */ \
	X(agent_local, ALK_TX)	 /* to an endpoint on this host */             \
	X(agent_deliver, ALK_TX) /* decapsulated to a local endpoint */        \
	X(agent_forward, ALK_TX) /* endpoint moved away: on to a bouncer */    \
	X(agent_return, ALK_TX)	 /* a gateway's return, sent on direct */      \
	/* passed: not an overlay packet for this gateway */                   \
	X(not_ipv4, ALK_PASS)                                                  \
	X(underlay_arp, ALK_PASS)                                              \
	X(not_for_us, ALK_PASS)                                                \
	X(not_udp, ALK_PASS)                                                   \
	X(not_tunnel_port, ALK_PASS)                                           \
	X(outer_fragment, ALK_PASS)                                            \
	/* dropped: malformed, layer by layer */                               \
	X(malformed_eth, ALK_DROP)                                             \
	X(malformed_vlan, ALK_DROP)                                            \
	X(malformed_ipv4, ALK_DROP)                                            \
	X(malformed_udp, ALK_DROP)                                             \
	X(malformed_geneve, ALK_DROP)                                          \
	X(geneve_version, ALK_DROP)                                            \
	X(geneve_control, ALK_DROP)                                            \
	X(geneve_protocol, ALK_DROP)                                           \
	X(geneve_option, ALK_DROP)                                             \
	X(malformed_want, ALK_DROP) /* direct-path want of the wrong length */ \
	X(malformed_vxlan, ALK_DROP)                                           \
	X(vxlan_flags, ALK_DROP)                                               \
	X(malformed_inner_eth, ALK_DROP)                                       \
	X(inner_not_ipv4, ALK_DROP)                                            \
	X(malformed_inner_ipv4, ALK_DROP)                                      \
	X(malformed_arp, ALK_DROP)                                             \
	X(arp_not_request, ALK_DROP)                                           \
	X(malformed_dhcp, ALK_DROP)                                            \
	/* dropped: forwarding */                                              \
	X(ttl_expired, ALK_DROP)                                               \
	X(unknown_vni, ALK_DROP)   /* no network, no vpc */                    \
	X(no_route, ALK_DROP)	   /* empty hop set, or divider is self */     \
	X(table_miss, ALK_DROP)	   /* our own network, unknown endpoint */     \
	X(loop, ALK_DROP)	   /* would be sent to ourselves */            \
	X(neighbor_miss, ALK_DROP) /* no MAC for the next hop */               \
	/* dropped: DHCP */                                                    \
	X(dhcp_unknown_client, ALK_DROP)                                       \
	X(dhcp_no_network, ALK_DROP)                                           \
	X(dhcp_other_server, ALK_DROP)                                         \
	X(dhcp_bad_type, ALK_DROP)                                             \
	X(dhcp_release, ALK_DROP)                                              \
	X(dhcp_decline, ALK_DROP)                                              \
	/* dropped: platform */                                                \
	X(resize_failed, ALK_DROP)                                             \
	X(underlay_arp_other, ALK_DROP)                                        \
	X(table_busy, ALK_DROP) /* the writer kept changing a bucket */        \
	X(headers_not_linear, ALK_DROP) /* past the linear part */             \
	/* dropped by a host agent */                                          \
	X(agent_unknown_port, ALK_DROP) /* no endpoint bound to the port */    \
	X(agent_spoofed, ALK_DROP)	/* source MAC or IP not the port's */  \
	X(agent_not_unicast, ALK_DROP)	/* broadcast other than ARP, DHCP */   \
	X(agent_no_network, ALK_DROP)	/* no network, no bouncer */           \
	X(agent_not_local, ALK_DROP) /* from a gateway, endpoint not here */   \
	X(agent_untrusted, ALK_DROP) /* a location not from a gateway */

#define ALK_REASON_ENUM(name, verdict) ALK_R_##name,
enum alk_reason { ALK_REASONS(ALK_REASON_ENUM) ALK_R_MAX };
#undef ALK_REASON_ENUM

/* Not a reason: the core has not decided yet and carries on. */
#define ALK_R_CONTINUE ALK_R_MAX

/* The verdict of a reason: transmitted reasons come first, then passed. */
#define ALK_FIRST_PASS ALK_R_not_ipv4
#define ALK_FIRST_DROP ALK_R_malformed_eth

static inline __attribute__((always_inline)) enum alk_verdict
alk_reason_verdict(enum alk_reason r)
{
	if (r < ALK_FIRST_PASS)
		return ALK_TX;
	if (r < ALK_FIRST_DROP)
		return ALK_PASS;
	return ALK_DROP;
}

#endif
