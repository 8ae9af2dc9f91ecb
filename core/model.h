/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The table data model: fixed-size keys and values shared by the XDP
 * program, the DPDK workers and the control plane.  Every field is in the
 * byte order noted; IPv4 addresses are always network order (__be32), VNIs
 * are host order (24 significant bits).
 */
#ifndef ALKAID_CORE_MODEL_H
#define ALKAID_CORE_MODEL_H

#include <linux/types.h>

#ifndef ALK_MAX_HOPS
#define ALK_MAX_HOPS 8 /* bouncers per network, dividers per VPC */
#endif

#define ALK_VNI_MAX 0xffffffu
#define ALK_GENEVE_PORT 6081
#define ALK_VXLAN_PORT 4789

enum alk_table {
	ALK_T_ENDPOINT,
	ALK_T_NETWORK,
	ALK_T_VPC,
	ALK_T_NEIGHBOR,
	ALK_T_DHCP, /* (vni, mac) -> ip, kept by the table layer */
	ALK_T_PORT, /* the host agent's: device name -> local endpoint */
	ALK_T_MAX,
};

/* gateway: one entry, the gateway's own underlay identity */
#define ALK_GW_F_UNDERLAY_ARP 0x1 /* answer ARP for gateway.ip (DPDK) */
#define ALK_GW_F_DIRECT_PATH 0x2  /* answer want options (on by default) */

/* Direct path: frames returned to their asker, per CPU (lcore) */
#define ALK_DP_RATE 1000 /* a second */
#define ALK_DP_BURST 64

struct alk_gateway {
	__be32 ip;
	__u8 mac[6];
	__be16 geneve_port; /* network order; 0 disables Geneve */
	__be16 vxlan_port;  /* network order; 0 disables VXLAN */
	__u16 flags;
	__u32 dp_rate;	/* direct-path returns a second per CPU; 0: none */
	__u32 dp_burst; /* and how many at once */
};

/* A CPU's (lcore's) token bucket for direct-path returns, kept by the
 * platform (core/platform.h), as a GCRA: one time stamp. */
struct alk_dp_bucket {
	__u64 tat_ns; /* when the bucket is full again; 0: full */
};

/* endpoints: (vni, ip) -> where the endpoint lives */
struct alk_endpoint_key {
	__u32 vni;
	__be32 ip;
};

struct alk_endpoint {
	__be32 host; /* underlay address of the endpoint's host */
	__u8 mac[6]; /* the endpoint's own MAC (ARP replies, DHCP index) */
	__u16 flags;
};

/* networks: longest prefix of (vni, ip) -> bouncers and DHCP options */
struct alk_network_key {
	__u32 vni;
	__be32 prefix; /* host bits zero */
	__u32 plen;    /* 0..32 */
};

struct alk_network {
	__be32 router; /* DHCP option 3 and server identifier; 0: none */
	__be32 dns;    /* DHCP option 6; 0: none */
	__u32 lease;   /* seconds, DHCP option 51 */
	__u16 mtu;     /* DHCP option 26; 0: none */
	__u8 plen;     /* copy of the key's prefix length (option 1) */
	__u8 nbouncers;
	__be32 bouncers[ALK_MAX_HOPS];
	__u16 flags; /* ALK_NET_F_* */
	__u16 pad;   /* always zero */
};

#define ALK_NET_F_VXLAN 0x1 /* host agents encapsulate in VXLAN */

/* The network key as tries see it (BPF LPM trie, DPDK LPM6): 64 bits of
 * big-endian vni:ip, of which 32 + plen are significant. */
struct alk_network_lpm_key {
	__u32 prefixlen; /* 32 + plen */
	__be32 vni;
	__be32 ip;
};

/* vpcs: vni -> dividers */
struct alk_vpc_key {
	__u32 vni;
};

struct alk_vpc {
	__u32 ndividers;
	__be32 dividers[ALK_MAX_HOPS];
};

/* neighbors: underlay ip -> next-hop MAC */
struct alk_neighbor_key {
	__be32 ip;
};

struct alk_neighbor {
	__u8 mac[6];
	__u16 flags;
};

/* DHCP index: (vni, endpoint MAC) -> endpoint ip */
struct alk_dhcp_key {
	__u32 vni;
	__u8 mac[6];
	__u16 pad; /* always zero */
};

struct alk_dhcp {
	__be32 ip;
};

/*
 * The host agent (alkaid-agent).  A port is the host side of a local
 * endpoint's veth: the control plane names it (alk_port_key), the BPF
 * program knows it by ifindex.  The agent's back end keeps two indexes of
 * the ports for the data path: (vni, ip) and (vni, mac) to alk_local.
 */
#define ALK_IFNAMSIZ 16

struct alk_port_key {
	char dev[ALK_IFNAMSIZ]; /* NUL-padded */
};

struct alk_port {
	__u32 vni;
	__be32 ip;   /* the endpoint's address */
	__u8 mac[6]; /* the endpoint's MAC (its side of the veth) */
	__u16 flags;
};

struct alk_local {
	__u32 ifindex; /* the port: where frames for the endpoint go */
	__u8 mac[6];
	__u16 flags;
};

/* The two index entries of port p at ifindex: (vni, ip) and (vni, mac),
 * both to the same alk_local. */
static inline void alk_port_indexes(__u32 ifindex, const struct alk_port *p,
				    struct alk_endpoint_key *ik,
				    struct alk_dhcp_key *mk,
				    struct alk_local *l)
{
	__builtin_memset(ik, 0, sizeof(*ik));
	__builtin_memset(mk, 0, sizeof(*mk));
	__builtin_memset(l, 0, sizeof(*l));
	ik->vni = p->vni;
	ik->ip = p->ip;
	mk->vni = p->vni;
	__builtin_memcpy(mk->mac, p->mac, 6);
	l->ifindex = ifindex;
	__builtin_memcpy(l->mac, p->mac, 6);
}

/* The agent's settings: one entry, written by the daemon. */
#define ALK_AGENT_F_DIRECT_PATH 0x1 /* ask gateways, learn, send direct */

struct alk_agent_conf {
	__u32 underlay_ifindex; /* tunnel frames go out and come in here */
	__u32 flags;
	__u32 dp_age_ms; /* a learned location is used this long */
	__u32 ask_ms;	 /* one want per destination per this long */
	__u32 mtu; /* the underlay's: a want is asked only where it fits */
	__u32 pad; /* always zero */
};

/* The direct-path cache: (vni, ip) -> the host it lives on. */
struct alk_dp_entry {
	__be32 host;	  /* 0: asked, no answer yet */
	__u32 pad;	  /* always zero */
	__u64 learned_ns; /* bpf_ktime_get_ns() of the answer */
	__u64 asked_ns;	  /* of the last want sent */
};

#endif
