#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Lab topology: network namespaces joined by veth, sourced by the lab
# scripts after tests/lib/lib.sh, whose helpers make the namespaces and
# links and remove them at exit.  Everything is named with the prefix $LAB
# (default "alk"), so that lab_down can find and remove what a run kept
# (--keep) or a killed one left.
#
#   underlay   "$LAB-ul": one bridge (br0), 198.18.0.0/16
#   gateways   "$LAB-gw1", "$LAB-gw2": gw0, 198.18.0.1 and 198.18.0.2
#   hosts      "$LAB-h<i>": eth0 = 198.18.1.<i> (i = 1..), either kernel
#              VXLAN per VNI (remote = gateway, learning off) on a bridge
#              per VNI (lab_host), or alkaid-agent with every endpoint's
#              veth a port of it (lab_host_agent)
#   endpoints  "$LAB-h<i>-v<vni>-e<j>": eth0 = 198.19.0.<(i-1)*M + j>/16,
#              the same addresses in every VNI
#
# Every underlay link has the MTU $LAB_MTU (default 1500); the hosts'
# VXLAN devices, their bridges and the endpoints' links 50 bytes less (the
# VXLAN overhead), which is also the MTU the networks' DHCP option gives.
#
# Addresses come only from 198.18.0.0/15 (RFC 2544 benchmarking space).

LAB=${LAB:-alk}
LAB_VNIS=${LAB_VNIS:-"100 200"}
LAB_MTU=${LAB_MTU:-1500}
lab_ep_mtu() { echo $((LAB_MTU - 50)); }

ul() { ip netns exec "$LAB-ul" "$@"; }
in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

host_ip() { echo "198.18.1.$1"; }
gw_ip() { echo "198.18.0.$1"; }
# endpoint j (1..M) of host i: one /16 across the hosts, same in every VNI
ep_ip() { local i=$1 j=$2 m=$3 n=$(( ($1 - 1) * $3 + $2 )); echo "198.19.$((n / 250)).$((n % 250 + 1))"; }
ep_mac() { printf '0e:%02x:%02x:%02x:00:%02x\n' $(( $3 / 100 )) $(( $3 % 100 )) "$1" "$2"; }
ep_ns() { echo "$LAB-h$1-v$3-e$2"; }

# What a failed --keep run left (what this run makes goes at its exit)
lab_down() {
    local ns
    for ns in $(ip netns list | awk '{print $1}' | grep "^$LAB-" || true); do
        netns_del "$ns"
    done
}

# lab_link_mtu NS_A DEV_A NS_B DEV_B MTU: both ends of a veth
lab_link_mtu() {
    ip -n "$1" link set "$2" mtu "$5"
    ip -n "$3" link set "$4" mtu "$5"
}

# Build the underlay and G gateways (G = 1 or 2), each with gw0 on the
# underlay bridge.  The bridge side of each gateway's veth gets an XDP
# program that passes: XDP_TX on a veth reaches only a peer with XDP.
lab_underlay() {
    local gateways=$1 g
    netns_add "$LAB-ul"
    bridge_add "$LAB-ul" br0
    ip -n "$LAB-ul" link set br0 mtu "$LAB_MTU"
    for g in $(seq 1 "$gateways"); do
        netns_add "$LAB-gw$g"
        switch_port "$LAB-ul" "$LAB-gw$g" gw0 gw$g
        lab_link_mtu "$LAB-ul" gw$g "$LAB-gw$g" gw0 "$LAB_MTU"
        ip -n "$LAB-gw$g" addr add "$(gw_ip "$g")/16" dev gw0
        xdp_pass "$LAB-ul" gw$g "$LAB_PASS_OBJ"
    done
}

# lab_host I M: host I with M endpoints in each of $LAB_VNIS
lab_host() {
    local i=$1 m=$2 ns="$LAB-h$1" vni j e
    netns_add "$ns"
    switch_port "$LAB-ul" "$ns" eth0 h$i
    lab_link_mtu "$LAB-ul" h$i "$ns" eth0 "$LAB_MTU"
    # veth TX checksum offload leaves the inner checksum to a later stage
    # that native XDP on the gateway does not run: host_addr computes it
    host_addr "$ns" eth0 "$(host_ip "$i")/16"
    for vni in $LAB_VNIS; do
        bridge_add "$ns" br$vni
        vxlan_add "$ns" vx$vni "$vni" "$(gw_ip 1)" "$(host_ip "$i")" dev eth0
        ip -n "$ns" link set vx$vni mtu "$(lab_ep_mtu)"
        ip -n "$ns" link set br$vni mtu "$(lab_ep_mtu)"
        ip -n "$ns" link set vx$vni master br$vni
        # The host knows its own endpoints (static entries below) and sends
        # everything else to the gateway.  Learning on vx would let the
        # gateway's ARP replies for a local endpoint move that endpoint's
        # MAC onto vx, cutting it off from its neighbours.
        in_ns "$ns" bridge link set dev vx$vni learning off
        ip -n "$ns" link set vx$vni up
        for j in $(seq 1 "$m"); do
            e=$(ep_ns "$i" "$j" "$vni")
            netns_add "$e"
            veth "$e" eth0 "$ns" e$vni-$j "$(ep_mac "$i" "$j" "$vni")"
            # VXLAN's 50 bytes of overhead on the underlay's MTU
            lab_link_mtu "$ns" e$vni-$j "$e" eth0 "$(lab_ep_mtu)"
            ip -n "$ns" link set e$vni-$j master br$vni
            in_ns "$ns" bridge fdb add "$(ep_mac "$i" "$j" "$vni")" \
                dev e$vni-$j master static
            in_ns "$e" ethtool -K eth0 tx off >/dev/null
        done
    done
}

# lab_host_agent I M: host I for alkaid-agent, M endpoints in each of
# $LAB_VNIS on veths e<vni>-<j> (the agent's ports).  The endpoints keep
# their TX offloads: the agent keeps TSO and checksum state right; the
# host's underlay veth computes what is left (host_addr), as the kernel's
# own tunnels need on this underlay.
lab_host_agent() {
    local i=$1 m=$2 ns="$LAB-h$1" vni j e
    netns_add "$ns"
    switch_port "$LAB-ul" "$ns" eth0 h$i
    lab_link_mtu "$LAB-ul" h$i "$ns" eth0 "$LAB_MTU"
    host_addr "$ns" eth0 "$(host_ip "$i")/16"
    for vni in $LAB_VNIS; do
        for j in $(seq 1 "$m"); do
            e=$(ep_ns "$i" "$j" "$vni")
            netns_add "$e"
            veth "$e" eth0 "$ns" e$vni-$j "$(ep_mac "$i" "$j" "$vni")"
            lab_link_mtu "$ns" e$vni-$j "$e" eth0 "$(lab_ep_mtu)"
        done
    done
}

# The agent's tables for host I (alkaidctl -b format): its networks (to
# the bouncer G; VXLAN when the VNI's other hosts are kernel VXLAN) and a
# port per endpoint.
lab_agent_tables() {
    local i=$1 m=$2 g=$3 vxlan=$4 vni j
    for vni in $LAB_VNIS; do
        echo "network add vni $vni prefix 198.19.0.0/16 bouncers $(gw_ip "$g") vxlan $vxlan"
        for j in $(seq 1 "$m"); do
            echo "port add dev e$vni-$j vni $vni ip $(ep_ip "$i" "$j" "$m") mac $(ep_mac "$i" "$j" "$vni")"
        done
    done
}

# Give endpoint its address (unless it is to get it by DHCP).
lab_endpoint_addr() {
    local i=$1 j=$2 m=$3 vni=$4
    in_ns "$(ep_ns "$i" "$j" "$vni")" ip addr add "$(ep_ip "$i" "$j" "$m")/16" dev eth0
}

# The table commands that describe the lab (alkaidctl -b format).
lab_tables() {
    local hosts=$1 m=$2 gw_mac=$3 i j vni
    echo "gateway set ip $(gw_ip 1) mac $gw_mac"
    for i in $(seq 1 "$hosts"); do
        echo "neighbor add ip $(host_ip "$i") mac $(in_ns "$LAB-h$i" cat /sys/class/net/eth0/address)"
    done
    for vni in $LAB_VNIS; do
        echo "network add vni $vni prefix 198.19.0.0/16 bouncers $(gw_ip 1) router 198.19.255.1 dns 198.19.255.2 mtu $(lab_ep_mtu) lease 3600"
        echo "vpc add vni $vni dividers $(gw_ip 1)"
        for i in $(seq 1 "$hosts"); do
            for j in $(seq 1 "$m"); do
                echo "endpoint add vni $vni ip $(ep_ip "$i" "$j" "$m") mac $(ep_mac "$i" "$j" "$vni") host $(host_ip "$i")"
            done
        done
    done
}
