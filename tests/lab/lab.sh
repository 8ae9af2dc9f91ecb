#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The lab: real Linux stacks talk through an alkaid gateway.
#
#   tests/lab/lab.sh [--backend xdp|dpdk] [--hosts N] [--endpoints M]
#                    [--kind vxlan|agent|mixed] [--mtu N] [--etcd]
#                    [--build DIR | --installed (see installed.sh)]
#                    [--keep] [CHECK...]
#
# Builds the topology of topo.sh (N hosts, M endpoints per host in each
# VNI; the hosts run kernel VXLAN, alkaid-agent, or (mixed) alkaid-agent on
# odd hosts and kernel VXLAN on even ones, the agents then encapsulating in
# VXLAN; every underlay link at MTU N, default 1500, the hosts' VXLAN
# devices and endpoints at N - 50, which the networks' DHCP MTU option
# says too), starts the gateway daemon and programs it only through
# alkaidctl (the agents too), then runs the checks (default: all but demo;
# the agent checks with agents).  With --etcd the gateway's rows are
# written only into an etcd started on loopback (alkaidctl --etcd) and its
# alkaid-sync programs it (sync/README.md); restart then also restarts the
# daemon under alkaid-sync:
#
#   arp       endpoints resolve each other through the gateway's responder
#   pingall   every endpoint reaches every other of its VNI, none of another
#   mtu       pings of the endpoints' full MTU, don't fragment (ping -s
#             MTU-50-28 -M do), across hosts through the gateway
#   iperf     TCP between endpoints on different hosts, throughput reported
#   dhcp      an endpoint without address gets it (and router, DNS, the
#             network's MTU) by udhcpc from the gateway
#   geneve    Geneve frames crafted with scapy are bounced; tshark decodes
#             every captured underlay frame without warnings
#   divider   traffic sent to a second gateway holding only networks arrives
#   restart   the daemon is killed and restarted under a running ping
#   redis     redis-benchmark (SET, GET) between endpoints on two hosts
#   direct    (agents) after the first frames, a flow goes host to host:
#             the gateway bounces almost none of an iperf3 flow's frames
#   move      (agents, 3 hosts) an endpoint moves to another host under a
#             100 pps ping from a third: nothing lost
#   agentrestart (agents) an agent is killed and restarted under a
#             running ping: nothing lost
#   etcd      (--etcd) an endpoint deleted from etcd stops answering, put
#             back through etcd answers again within a second
#   capture   alkaidctl capture on gateway 1 during a pingall, and a Geneve
#             frame with a broken option: tshark reads the pcapng, every
#             frame has its reason comment, the broken one geneve_option
#   prometheus (kernel VXLAN hosts, when prometheus is installed) a real
#             Prometheus, in gateway 1's namespace, scrapes its /metrics
#             every second; after pings across hosts its query API gives
#             the bounce counter of alkaidctl stats
#   demo      (not in the default set) pings across hosts and shows
#             alkaidctl stats and endpoint list before and after, and an
#             excerpt of /metrics
#
# Everything is torn down on exit, also on failure (unless --keep).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)

backend=xdp
hosts=2
eps=2
build=$top/build
keep=0
kind=vxlan
etcd=0
installed=0
checks=()
while [ $# -gt 0 ]; do
    case $1 in
    --backend) backend=$2; shift ;;
    --hosts) hosts=$2; shift ;;
    --endpoints) eps=$2; shift ;;
    --mtu) LAB_MTU=$2; shift ;;
    --build) build=$(cd "$2" && pwd); shift ;;
    --installed) installed=1 ;;
    --keep) keep=1 ;;
    --kind) kind=$2; shift ;;
    --etcd) etcd=1 ;;
    -h | --help) sed -n '3,50p' "$0"; exit 0 ;;
    -*) echo "lab: unknown option $1" >&2; exit 2 ;;
    *) checks+=("$1") ;;
    esac
    shift
done
case $kind in
vxlan | agent | mixed) ;;
*) echo "lab: --kind is vxlan, agent or mixed, not '$kind'" >&2; exit 2 ;;
esac
if [ ${#checks[@]} -eq 0 ]; then
    checks=(arp pingall mtu iperf redis dhcp geneve capture divider restart)
    [ "$kind" != vxlan ] || ! command -v prometheus >/dev/null || checks+=(prometheus)
    [ "$kind" = vxlan ] || checks+=(direct agentrestart)
    [ "$kind" = vxlan ] || [ "$hosts" -lt 3 ] || checks+=(move)
    [ "$etcd" = 0 ] || checks+=(etcd)
fi

LAB=${LAB:-alk}
LAB_PASS_OBJ=$build/tools/xdp_pass.bpf.o
ALKAIDCTL=$build/ctl/alkaidctl
. "$top/tests/lib/lib.sh"
source "$here/topo.sh"
LIB_KEEP=$keep
lib_init "lab[$backend${kind/vxlan/}]"
[ "$installed" = 0 ] || source "$here/installed.sh"

sock() { echo "$tmp/gw$1.sock"; }
# each gateway serves /metrics on its namespace's loopback
metrics_addr=127.0.0.1:9464
actl() { local g=$1; shift; "$ALKAIDCTL" -s "$(sock "$g")" "$@"; }

# --- the gateway, per back end -------------------------------------------
gw_start() { # gw_start G
    local g=$1 ns="$LAB-gw$1" eal
    if [ "$installed" = 1 ]; then
        gw_start_installed "$g"
        return
    fi
    case $backend in
    xdp)
        daemon_start "gw$g" --ctl "$(sock "$g")" --timeout 10 -- \
            ip netns exec "$ns" "$build/dp-xdp/alkaid-xdp" -i gw0 \
            --bpffs "$tmp/bpffs$g" --socket "$(sock "$g")" \
            --metrics "$metrics_addr" ||
            fail "gateway $g did not start"
        ;;
    dpdk)
        # the kernel must not answer for the gateway's address: alkaid does
        in_ns "$ns" ip addr flush dev gw0
        eal_args eal 1024 "$LAB-gw$g"
        # jumbo frames: packet-socket frames and mbufs that hold them (the
        # device refuses the MTU itself: a warning)
        local vdev=net_af_packet0,iface=gw0 jumbo=()
        if [ "$LAB_MTU" -gt 1500 ]; then
            vdev+=,framesz=16384,blocksz=16384,framecnt=256
            jumbo=(--mtu "$LAB_MTU" --mbuf-size 16384 --mbufs 4096)
        fi
        daemon_start "gw$g" --ctl "$(sock "$g")" --timeout 10 -- \
            ip netns exec "$ns" "$build/dp-dpdk/alkaid-dpdk" -l 0-1 \
            "${eal[@]}" --vdev "$vdev" -- \
            --socket "$(sock "$g")" --state "$tmp/gw$g.state" \
            --metrics "$metrics_addr" --endpoints 65536 --networks 1024 "${jumbo[@]}" ||
            fail "gateway $g did not start"
        ;;
    esac
}

gw_stop() { # gw_stop G [SIGNAL]
    local rc=0
    daemon_stop "gw$1" "${2:-TERM}" || rc=$?
    [ "$rc" -ne 124 ] || fail "gateway $1 (pid $(daemon_pid "gw$1")) does not stop"
}

gw_mac() { in_ns "$LAB-gw$1" cat /sys/class/net/gw0/address; }

# --- the agents --------------------------------------------------------------
# host_kind I: agent or vxlan
host_kind() {
    case $kind in
    vxlan) echo vxlan ;;
    agent) echo agent ;;
    mixed) [ $(($1 % 2)) = 1 ] && echo agent || echo vxlan ;;
    esac
}
agent_sock() { echo "$tmp/agent$1.sock"; }
agentctl() { local i=$1; shift; "$ALKAIDCTL" -s "$(agent_sock "$i")" "$@"; }
agent_start() { # agent_start I
    local i=$1
    daemon_start "agent$i" --ctl "$(agent_sock "$i")" --timeout 10 -- \
        ip netns exec "$LAB-h$i" "$build/dp-agent/alkaid-agent" \
        --underlay eth0 --socket "$(agent_sock "$i")" --metrics "$metrics_addr" \
        --pin-dir "$tmp/agentfs$i" --dp-age "${LAB_DP_AGE:-3000}" \
        --trust "$(gw_ip 1),$(gw_ip 2)" ||
        fail "agent $i did not start"
}
# frames that crossed the underlay between hosts: bounced by gateway 1, or
# sent host to host by the agents
tunnelled() {
    local n i
    n=$(counter 1 bounce)
    for i in $(seq 1 "$hosts"); do
        [ "$(host_kind "$i")" = agent ] || continue
        n=$((n + $(agent_counter "$i" agent_direct)))
    done
    echo "$n"
}
agent_counter() { agentctl "$1" -j stats | /usr/bin/python3 -c "import json,sys; print(json.load(sys.stdin)['reasons']['$2'])"; }
counter() { actl "$1" -j stats | /usr/bin/python3 -c "import json,sys; print(json.load(sys.stdin)['reasons']['$2'])"; }

# --- topology --------------------------------------------------------------
# The kernel's ARP table is one for all namespaces, limited by the initial
# namespace's thresholds: a pingall of N endpoints needs about N^2 entries.
neigh_need=$(( (hosts * eps) * (hosts * eps) * 2 + 4096 ))
if [ "$neigh_need" -gt "$(sysctl -n net.ipv4.neigh.default.gc_thresh3)" ]; then
    sysctl_set net.ipv4.neigh.default.gc_thresh1=$((neigh_need / 4)) \
        net.ipv4.neigh.default.gc_thresh2=$((neigh_need / 2)) \
        net.ipv4.neigh.default.gc_thresh3=$neigh_need
fi
t0=$(date +%s)
lab_down
# the daemons' pins, in a bpffs of the root mount namespace
[ "$backend" != xdp ] || { bpffs_mount "$tmp/bpffs1"; bpffs_mount "$tmp/bpffs2"; }
lab_underlay 2
for i in $(seq 1 "$hosts"); do
    if [ "$(host_kind "$i")" = agent ]; then
        lab_host_agent "$i" "$eps"
    else
        lab_host "$i" "$eps"
    fi
    for vni in $LAB_VNIS; do
        for j in $(seq 1 "$eps"); do
            # endpoint 1 of host 1 in the first VNI asks DHCP for its address
            if [ "$i" = 1 ] && [ "$j" = 1 ] && [ "$vni" = "${LAB_VNIS%% *}" ]; then
                continue
            fi
            lab_endpoint_addr "$i" "$j" "$eps" "$vni"
        done
    done
done
gw_start 1
lab_tables "$hosts" "$eps" "$(gw_mac 1)" >"$tmp/tables"
# no kernel answers ARP for a DPDK gateway's address: alkaid does
[ "$backend" = xdp ] || sed -i '1s/$/ underlay-arp on/' "$tmp/tables"
if [ "$etcd" = 1 ]; then
    # the gateway object is the gateway's own; every row goes through etcd
    FLEET_CTL=$ALKAIDCTL FLEET_SYNC=$build/sync/alkaid-sync
    . "$top/tests/sync/lib-fleet.sh"
    etcd_cluster labetcd 1 # free ports, its data in /dev/shm
    etcd_urls=$labetcd_urls
    grep '^gateway' "$tmp/tables" | actl 1 -b - || fail "gateway set refused"
    grep -v '^gateway' "$tmp/tables" >"$tmp/rows"
    "$ALKAIDCTL" --etcd "$etcd_urls" -g lab -b "$tmp/rows" ||
        fail "alkaidctl --etcd rejected the lab's rows"
    gateway_sync gw1 "$etcd_urls" '*'
    wait_for 20 converged gw1 0 "$etcd_urls" || fail "gw1 did not follow etcd"
else
    actl 1 -b "$tmp/tables" || fail "alkaidctl -b rejected the lab's tables"
fi
for i in $(seq 1 "$hosts"); do
    [ "$(host_kind "$i")" = agent ] || continue
    bpffs_mount "$tmp/agentfs$i"
    agent_start "$i"
    lab_agent_tables "$i" "$eps" 1 "$([ "$kind" = mixed ] && echo on || echo off)" >"$tmp/agent$i.tables"
    agentctl "$i" -b "$tmp/agent$i.tables" || fail "agent $i rejected its tables"
done
step "topology: $hosts $kind hosts x $eps endpoints x VNIs {$LAB_VNIS} up in $(($(date +%s) - t0))s"

# --- checks ------------------------------------------------------------------
first_vni=${LAB_VNIS%% *}
ep_list() { # endpoints with a static address in VNI: "ns ip"
    local vni=$1 i j
    for i in $(seq 1 "$hosts"); do
        for j in $(seq 1 "$eps"); do
            [ "$i" = 1 ] && [ "$j" = 1 ] && [ "$vni" = "$first_vni" ] && continue
            echo "$(ep_ns "$i" "$j" "$vni") $(ep_ip "$i" "$j" "$eps")"
        done
    done
}

check_arp() {
    local before after a b
    before=$(counter 1 arp_reply)
    read -r a _ < <(ep_list "$first_vni" | sed -n 1p)
    read -r _ b < <(ep_list "$first_vni" | tail -1)
    in_ns "$a" ping -c 1 -W 2 "$b" >/dev/null || fail "arp: $a cannot reach $b"
    after=$(counter 1 arp_reply)
    [ "$after" -gt "$before" ] || fail "arp: the gateway answered no ARP"
    # the MAC learnt is the endpoint's own, from the gateway's tables
    local mac
    mac=$(in_ns "$a" ip neigh show "$b" | awk '{for (i = 1; i < NF; i++) if ($i == "lladdr") print $(i + 1)}')
    grep -q "ip $b mac $mac " "$tmp/tables" ||
        fail "arp: $a learnt $b at $mac, not the endpoint's MAC"
    step "arp: ok (gateway answered $((after - before)) requests)"
}

in_echos() { in_ns "$1" awk '/^Icmp:/ { if (n++) print $9 }' /proc/net/snmp; }

# fping from every endpoint of a VNI to all the others, a host's
# endpoints in parallel; prints "pairs failures".
# A DPDK gateway polls on both of this machine's cores, which the lab's
# kernels need too: give its replies time, and ping from fewer at once.
if [ "$backend" = dpdk ]; then
    ping_timeout=1000 ping_parallel=2
else
    ping_timeout=300 ping_parallel=8
fi

pingall_vni() {
    local vni=$1 targets i pids=()
    targets=$(ep_list "$vni" | awk '{print $2}')
    for i in $(seq 1 "$hosts"); do
        (
            while read -r ns ip; do
                case $ns in "$LAB-h$i-"*) ;; *) continue ;; esac
                # shellcheck disable=SC2046
                if ! in_ns "$ns" fping -u -r 3 -t "$ping_timeout" -i 1 $(echo "$targets" | grep -vx "$ip") \
                    >>"$tmp/fping-$vni-$i.err" 2>&1; then
                    echo "$ns" >>"$tmp/fping-failed"
                    echo "from $ns" >>"$tmp/fping-$vni-$i.err"
                fi
            done < <(ep_list "$vni")
        ) &
        pids+=($!)
        # a few hosts at a time: the machine has few cores (and a bare
        # wait would wait for the gateway too)
        [ $((i % ping_parallel)) -ne 0 ] || { wait "${pids[@]}" || true; pids=(); }
    done
    [ ${#pids[@]} -eq 0 ] || wait "${pids[@]}" || true
}

check_pingall() {
    local vni other n pairs=0 t0
    t0=$(date +%s)
    rm -f "$tmp/fping-failed"
    for vni in $LAB_VNIS; do
        # the same addresses live in the other VNIs: none may hear a ping
        declare -A echos=()
        for other in $LAB_VNIS; do
            [ "$other" = "$vni" ] && continue
            while read -r ns _; do echos[$ns]=$(in_echos "$ns"); done < <(ep_list "$other")
        done
        pingall_vni "$vni"
        n=$(ep_list "$vni" | wc -l)
        pairs=$((pairs + n * (n - 1)))
        for ns in "${!echos[@]}"; do
            [ "$(in_echos "$ns")" = "${echos[$ns]}" ] ||
                fail "pingall: $ns in another VNI heard pings for VNI $vni"
        done
        unset echos
    done
    if [ -s "$tmp/fping-failed" ]; then
        head -50 "$tmp"/fping-*.err >&2
        fail "pingall: $(wc -l <"$tmp/fping-failed") endpoints could not reach all their peers"
    fi
    if grep -qs duplicate "$tmp"/fping-*.err; then
        fail "pingall: duplicated replies"
    fi
    step "pingall: ok ($pairs pairs in $(($(date +%s) - t0))s, no duplicates, no leak across VNIs)"
}

check_mtu() {
    [ "$hosts" -ge 2 ] || { step "mtu: skipped (one host)"; return 0; }
    local a b size before after out
    read -r a _ < <(ep_list "$first_vni" | sed -n 1p)
    b=$(ep_ip 2 1 "$eps")
    size=$(($(lab_ep_mtu) - 28))
    before=$(tunnelled)
    out=$(in_ns "$a" ping -c 5 -i 0.2 -W 2 -s "$size" -M do "$b" 2>&1) ||
        fail "mtu: ping -s $size -M do from $a to $b: $(echo "$out" | tail -2)"
    after=$(tunnelled)
    # each echo and its reply through the gateway (or host to host)
    [ $((after - before)) -ge 10 ] ||
        fail "mtu: $((after - before)) frames bounced or sent direct, not 10"
    # one more byte does not fit: nothing was fragmented on the way
    in_ns "$a" ping -c 1 -W 1 -s $((size + 1)) -M do "$b" >/dev/null 2>&1 &&
        fail "mtu: ping -s $((size + 1)) -M do got through an MTU of $(lab_ep_mtu)"
    step "mtu: ok (ping -s $size -M do across hosts: $((size + 28))-byte packets in $((size + 28 + 64))-byte underlay frames, underlay MTU $LAB_MTU)"
}

check_iperf() {
    [ "$hosts" -ge 2 ] || { step "iperf: skipped (one host)"; return 0; }
    local srv cli sip
    read -r cli _ < <(ep_list "$first_vni" | sed -n 1p)
    srv=$(ep_ns 2 1 "$first_vni")
    sip=$(ep_ip 2 1 "$eps")
    in_ns "$srv" iperf3 -s -1 -D -p 5201 --logfile "$tmp/iperf-s.log"
    sleep 0.3
    in_ns "$cli" iperf3 -c "$sip" -p 5201 -t 3 -J >"$tmp/iperf.json" ||
        fail "iperf: TCP from $cli to $sip failed"
    local bps
    bps=$(/usr/bin/python3 -c "import json; print(int(json.load(open('$tmp/iperf.json'))['end']['sum_received']['bits_per_second']))")
    [ "$bps" -gt 0 ] || fail "iperf: nothing received"
    step "iperf: ok, TCP $(awk -v b="$bps" 'BEGIN { printf "%.2f", b / 1e9 }') Gbit/s between hosts"
}

check_dhcp() {
    local ns out
    ns=$(ep_ns 1 1 "$first_vni")
    cat >"$tmp/udhcpc.sh" <<'SH'
#!/bin/sh
[ "$1" = bound ] || exit 0
echo "ip=$ip subnet=$subnet router=$router dns=$dns mtu=$mtu lease=$lease"
SH
    chmod +x "$tmp/udhcpc.sh"
    out=$(in_ns "$ns" udhcpc -i eth0 -n -q -f -t 3 -T 1 -s "$tmp/udhcpc.sh" 2>&1) ||
        fail "dhcp: udhcpc got no lease: $out"
    local want="ip=$(ep_ip 1 1 "$eps") subnet=255.255.0.0 router=198.19.255.1 dns=198.19.255.2 mtu=$(lab_ep_mtu) lease=3600"
    echo "$out" | grep -qF "$want" || fail "dhcp: got '$out', want '$want'"
    step "dhcp: ok ($want)"
}

check_geneve() {
    [ "$hosts" -ge 2 ] || { step "geneve: skipped (one host)"; return 0; }
    local cap="$tmp/underlay.pcap"
    ul timeout 8 tshark -q -i br0 -w "$cap" -f "udp port 6081 or udp port 4789" 2>/dev/null &
    local tpid=$!
    sleep 1.5
    in_ns "$LAB-h1" /usr/bin/python3 "$here/geneve.py" \
        --gateway "$(gw_ip 1)" --gateway-mac "$(gw_mac 1)" \
        --src "$(host_ip 1)" --dst-host "$(host_ip 2)" \
        --vni "$first_vni" --inner-src "$(ep_ip 1 2 "$eps")" \
        --inner-dst "$(ep_ip 2 1 "$eps")" --peer-ns "$LAB-h2" ||
        fail "geneve: frames were not bounced"
    # the hosts' own tunnels too: a ping across hosts during the capture
    # (agents: with its ARP asking for, and answered with, a location)
    # (agents: the endpoint that took its address by DHCP, which no one
    # has pinged, so that host 2's agent knows nothing of it yet)
    local a b
    read -r a _ < <(ep_list "$first_vni" | sed -n 1p)
    b=$(ep_ip 2 1 "$eps")
    if [ "$kind" = agent ]; then
        a=$(ep_ns 2 1 "$first_vni") b=$(ep_ip 1 1 "$eps")
    fi
    in_ns "$a" ip neigh flush dev eth0
    in_ns "$a" ping -c 3 -i 0.2 "$b" >/dev/null || true
    wait "$tpid" || true
    local n warn
    n=$(tshark -r "$cap" 2>/dev/null | wc -l)
    warn=$(tshark -r "$cap" -o ip.check_checksum:TRUE -o udp.check_checksum:TRUE \
        -z expert,warn -q 2>&1 | grep -iE "malformed|bad checksum|checksum.*incorrect" || true)
    [ "$n" -gt 0 ] || fail "geneve: nothing captured"
    [ -z "$warn" ] || fail "geneve: tshark warns: $warn"
    tshark -r "$cap" -Y geneve 2>/dev/null | grep -q . || fail "geneve: tshark saw no Geneve"
    if [ "$kind" != agent ]; then
        tshark -r "$cap" -Y vxlan 2>/dev/null | grep -q . || fail "geneve: tshark saw no VXLAN"
    fi
    if [ "$kind" = agent ]; then
        # the agents' direct-path options, asked (type 1) and answered (2)
        local opts
        opts=$(tshark -r "$cap" -Y "geneve.option.class == 0xffa1" -T fields \
            -e geneve.option.type 2>/dev/null | tr ',' '\n' | sort -u | tr '\n' ' ')
        case $opts in *1*2*) ;; *) fail "geneve: no want and location options seen (types: $opts)" ;; esac
    fi
    step "geneve: ok (scapy frames bounced; $n underlay frames decoded by tshark without warnings)"
}

check_capture() {
    local file=$tmp/lab.pcapng before after n c bounced broken lost
    before=$(counter 1 bounce)
    daemon_start capture --log "capturing into" -- \
        "$ALKAIDCTL" -s "$(sock 1)" capture -w "$file" ||
        fail "capture: alkaidctl capture did not start"
    check_pingall
    in_ns "$LAB-h1" /usr/bin/python3 "$top/tests/ctl/capture_frames.py" \
        --src "$(host_ip 1)" --gateway "$(gw_ip 1)" eth0 "$(gw_mac 1)" \
        broken_option
    sleep 0.5
    daemon_stop capture INT || fail "capture: alkaidctl exited with $? on SIGINT"
    after=$(counter 1 bounce)
    lost=$(sed -n 's/.* captured, \([0-9]*\) lost.*/\1/p' "$tmp/capture.log")
    n=$(tshark -r "$file" -T fields -e frame.number 2>/dev/null | wc -l)
    tshark -r "$file" -T fields -e frame.comment 2>/dev/null >"$tmp/lab-comments"
    c=$(grep -cE '^reason=[a-z_]+ verdict=(tx|pass|drop)$' "$tmp/lab-comments" || true)
    bounced=$(grep -c '^reason=bounce verdict=tx$' "$tmp/lab-comments" || true)
    broken=$(grep -c '^reason=geneve_option verdict=drop$' "$tmp/lab-comments" || true)
    [ "$n" -gt 0 ] && [ "$n" = "$c" ] ||
        fail "capture: $n frames, $c with a reason comment"
    [ "$broken" = 1 ] || fail "capture: $broken frames of reason geneve_option, sent 1"
    [ "$lost" = 0 ] || fail "capture: $lost frames lost"
    # every bounce of the gateway while the capture ran, and no more (agent
    # hosts that learned their peers' hosts earlier send pingall direct,
    # not through the gateway: none to see then)
    { [ "$bounced" -gt 0 ] || [ "$kind" != vxlan ]; } &&
        [ "$bounced" -le $((after - before)) ] &&
        [ "$bounced" -ge $((after - before - 10)) ] ||
        fail "capture: $bounced bounces captured, the counter moved by $((after - before))"
    step "capture: ok ($n frames during pingall, each with its reason; $bounced bounces of $((after - before)) counted; the broken option as geneve_option)"
}

# Point host I's VXLAN device of VNI from one remote to another (the
# all-zeros FDB entry of 'remote' can be appended and deleted, not replaced).
vxlan_remote() {
    local i=$1 vni=$2 from=$3 to=$4
    in_ns "$LAB-h$i" bridge fdb append 00:00:00:00:00:00 dev "vx$vni" dst "$to" via eth0
    in_ns "$LAB-h$i" bridge fdb del 00:00:00:00:00:00 dev "vx$vni" dst "$from" via eth0
    [ "$(in_ns "$LAB-h$i" bridge fdb show dev "vx$vni" | grep -c '^00:00:00:00:00:00')" = 1 ] ||
        fail "host $i: VXLAN $vni does not have exactly one remote"
}

check_divider() {
    [ "$hosts" -ge 2 ] || { step "divider: skipped (one host)"; return 0; }
    # gateway 2 holds only networks and VPCs, all pointing at gateway 1
    gw_start 2
    {
        echo "gateway set ip $(gw_ip 2) mac $(gw_mac 2)$([ "$backend" = xdp ] || echo " underlay-arp on")"
        echo "neighbor add ip $(gw_ip 1) mac $(gw_mac 1)"
        for vni in $LAB_VNIS; do
            echo "network add vni $vni prefix 198.19.0.0/16 bouncers $(gw_ip 1)"
            echo "vpc add vni $vni dividers $(gw_ip 2)"
        done
    } >"$tmp/tables2"
    actl 2 -b "$tmp/tables2" || fail "divider: gateway 2 refused its tables"
    # host 1 now sends everything of the first VNI to gateway 2 (an
    # agent's ARP always goes to its bouncer, even for a destination its
    # direct-path cache knows)
    local vx
    vx=$([ "$kind" = mixed ] && echo on || echo off)
    if [ "$(host_kind 1)" = agent ]; then
        agentctl 1 network add vni "$first_vni" prefix 198.19.0.0/16 bouncers "$(gw_ip 2)" vxlan "$vx" ||
            fail "divider: agent 1 refused its network"
    else
        vxlan_remote 1 "$first_vni" "$(gw_ip 1)" "$(gw_ip 2)"
    fi
    local a before
    read -r a _ < <(ep_list "$first_vni" | sed -n 1p)
    in_ns "$a" ip neigh flush dev eth0
    before=$(counter 2 divide_network)
    in_ns "$a" ping -c 3 -i 0.2 -W 2 "$(ep_ip 2 1 "$eps")" >/dev/null ||
        fail "divider: ping through gateway 2 failed"
    [ "$(counter 2 divide_network)" -gt "$before" ] ||
        fail "divider: gateway 2 divided nothing"
    if [ "$(host_kind 1)" = agent ]; then
        agentctl 1 network add vni "$first_vni" prefix 198.19.0.0/16 bouncers "$(gw_ip 1)" vxlan "$vx" ||
            fail "divider: agent 1 refused its network"
    else
        vxlan_remote 1 "$first_vni" "$(gw_ip 2)" "$(gw_ip 1)"
    fi
    step "divider: ok (ARP and ping from host 1 through gateway 2 to gateway 1)"
}

endpoint_count() {
    actl 1 -j tables | /usr/bin/python3 -c \
        "import json,sys; print(json.load(sys.stdin)['tables']['endpoint']['count'])"
}

# XDP: the program keeps forwarding while its daemon is away, so a ping
# running across the restart loses nothing and the pinned tables stay.
# DPDK: the tables come back from the state file and forwarding resumes
# within a second of the daemon being up.
check_restart() {
    local a b out loss before after
    read -r a _ < <(ep_list "$first_vni" | sed -n 1p)
    b=$(ep_ip "$hosts" "$eps" "$eps")
    before=$(endpoint_count)
    if [ "$backend" = xdp ]; then
        in_ns "$a" ping -c 300 -i 0.01 -W 1 "$b" >"$tmp/ping.out" 2>&1 &
        local ppid=$!
        sleep 0.5
        gw_stop 1 KILL
        gw_start 1
        wait "$ppid" || true
        out=$(grep -E "packets transmitted" "$tmp/ping.out")
        loss=$(echo "$out" | sed -n 's/.* \([0-9.]*\)% packet loss.*/\1/p')
        [ "$loss" = 0 ] || fail "restart: packets lost across the restart: $out"
        case $out in *duplicates*) fail "restart: duplicated replies: $out" ;; esac
    else
        # the daemon writes its state file within a second of a change;
        # a kill before that would lose the change, as it would anywhere
        for _ in $(seq 30); do
            [ -s "$tmp/gw1.state" ] && break
            sleep 0.1
        done
        [ -s "$tmp/gw1.state" ] || fail "restart: no state file written"
        gw_stop 1 KILL
        local t0 tup t1
        t0=$(date +%s.%N)
        gw_start 1
        tup=$(date +%s.%N)
        in_ns "$a" ping -c 1 -W 1 "$b" >/dev/null ||
            fail "restart: no forwarding within 1 s of the daemon being up"
        t1=$(date +%s.%N)
        out=$(awk -v a="$t0" -v u="$tup" -v b="$t1" 'BEGIN {
            printf "started in %.2fs, forwarding %.3fs after that", u - a, b - u }')
    fi
    after=$(endpoint_count)
    [ "$after" = "$before" ] || fail "restart: $before endpoints before, $after after"
    if [ "$etcd" = 1 ]; then
        wait_for 10 converged gw1 0 "$etcd_urls" || fail "restart: gw1 no longer follows etcd"
        [ "$(grep -c 'resync by difference at' "$tmp/gw1-s.log")" -ge 2 ] ||
            fail "restart: alkaid-sync did not resync the restarted daemon"
    fi
    step "restart: ok ($out; $after endpoints kept)"
}

# The gateway follows etcd: an endpoint's row deleted from the store is
# gone from the gateway (its pings fail), put back it answers again.
check_etcd() {
    [ "$etcd" = 1 ] || fail "etcd: needs --etcd"
    local a b vni=$first_vni row t0 t1
    read -r a _ < <(ep_list "$vni" | sed -n 1p)
    b=$(ep_ip "$hosts" "$eps" "$eps")
    row=$(grep " vni $vni ip $b " "$tmp/rows")
    in_ns "$a" ping -c 1 -W 1 "$b" >/dev/null || fail "etcd: no ping before"
    etcdctl --endpoints "$etcd_urls" del "/alkaid/endpoint/lab/$vni/$b" >/dev/null
    wait_for 5 bash -c "! '$ALKAIDCTL' -s '$(sock 1)' endpoint get vni $vni ip $b" ||
        fail "etcd: the deleted endpoint stays in the gateway"
    ! in_ns "$a" ping -c 2 -i 0.2 -W 1 "$b" >/dev/null ||
        fail "etcd: the deleted endpoint still answers"
    t0=$(date +%s.%N)
    echo "$row" | "$ALKAIDCTL" --etcd "$etcd_urls" -g lab -b - ||
        fail "etcd: the row was not written back"
    in_ns "$a" ping -c 1 -w 2 "$b" >/dev/null || fail "etcd: no ping after the put"
    t1=$(date +%s.%N)
    step "etcd: ok (deleted, gone, put back, answering $(echo "($t1 - $t0) * 1000 / 1" | bc) ms after the put)"
}

check_redis() {
    [ "$hosts" -ge 2 ] || { step "redis: skipped (one host)"; return 0; }
    local srv cli sip
    read -r cli _ < <(ep_list "$first_vni" | sed -n 1p)
    srv=$(ep_ns 2 1 "$first_vni")
    sip=$(ep_ip 2 1 "$eps")
    daemon_start redis --log "Ready to accept" --timeout 10 -- \
        ip netns exec "$srv" redis-server --bind "$sip" --port 6379 \
        --save "" --appendonly no --protected-mode no ||
        fail "redis: the server did not start"
    in_ns "$cli" redis-benchmark -h "$sip" -p 6379 -t set,get -n 20000 -c 20 -q \
        >"$tmp/redis.out" 2>&1 || fail "redis: redis-benchmark failed: $(tail -3 "$tmp/redis.out")"
    daemon_stop redis >/dev/null || true
    local set get
    set=$(tr '\r' '\n' <"$tmp/redis.out" | sed -n 's/^SET: \([0-9.]*\) requests per second.*/\1/p' | tail -1)
    get=$(tr '\r' '\n' <"$tmp/redis.out" | sed -n 's/^GET: \([0-9.]*\) requests per second.*/\1/p' | tail -1)
    [ -n "$set" ] && [ -n "$get" ] || fail "redis: no figures: $(cat "$tmp/redis.out")"
    step "redis: ok (SET $set/s, GET $get/s between hosts 1 and 2)"
}

# An iperf3 flow between agent hosts: after its first frames (ARP and the
# first of the flow, asked and answered), the gateway bounces next to
# nothing of it.
check_direct() {
    [ "$kind" = agent ] && [ "$hosts" -ge 2 ] || { step "direct: skipped (needs 2 agent hosts)"; return 0; }
    local cli srv sip b0 b1 d0 d1 r0 r1
    cli=$(ep_ns 1 2 "$first_vni")
    srv=$(ep_ns 2 2 "$first_vni")
    sip=$(ep_ip 2 2 "$eps")
    b0=$(counter 1 bounce); r0=$(counter 1 direct_path_return)
    d0=$(agent_counter 1 agent_direct)
    in_ns "$srv" iperf3 -s -1 -D -p 5202 --logfile "$tmp/iperf-d.log"
    sleep 0.3
    in_ns "$cli" iperf3 -c "$sip" -p 5202 -t 2 -J >"$tmp/iperf-d.json" ||
        fail "direct: iperf3 from $cli to $sip failed"
    b1=$(counter 1 bounce); r1=$(counter 1 direct_path_return)
    d1=$(agent_counter 1 agent_direct)
    [ $((d1 - d0)) -gt 100 ] || fail "direct: agent 1 sent $((d1 - d0)) frames direct"
    # TSO kept: the agent encapsulates the endpoint's 64 KB frames whole
    # (segmented after it), so it handles far fewer frames than the wire
    local sent per
    sent=$(/usr/bin/python3 -c "import json; print(int(json.load(open('$tmp/iperf-d.json'))['end']['sum_sent']['bytes']))")
    per=$((sent / (d1 - d0)))
    [ "$per" -gt $((2 * LAB_MTU)) ] ||
        fail "direct: $per bytes per frame sent direct: TSO lost (MTU $LAB_MTU)"
    [ $((b1 - b0)) -le $(((d1 - d0) / 100)) ] ||
        fail "direct: the gateway bounced $((b1 - b0)) frames against $((d1 - d0)) sent direct"
    step "direct: ok ($((d1 - d0)) frames host to host, $per bytes each (TSO kept); the gateway bounced $((b1 - b0)), returned $((r1 - r0)))"
}

# Endpoint 1 of host 2 moves to host 1 while endpoint 1 of host 3 pings
# it at 100 pps: the new place first (port, then the gateway's table),
# then the old one goes.  Frames sent to the old host meanwhile are
# passed on to a bouncer by its agent.
check_move() {
    [ "$kind" = agent ] && [ "$hosts" -ge 3 ] || { step "move: skipped (needs 3 agent hosts)"; return 0; }
    local vni=$first_vni ip mac old new pinger out loss
    ip=$(ep_ip 2 1 "$eps")
    mac=$(ep_mac 2 1 "$vni")
    old=$(ep_ns 2 1 "$vni")
    new="$LAB-moved"
    pinger=$(ep_ns 3 1 "$vni")
    in_ns "$pinger" ping -c 400 -i 0.01 "$ip" >/dev/null 2>&1 || true
    in_ns "$pinger" ping -c 600 -i 0.01 -W 1 "$ip" >"$tmp/move.out" 2>&1 &
    local ppid=$!
    sleep 1
    netns_add "$new"
    veth "$new" eth0 "$LAB-h1" mv0 "$mac"
    lab_link_mtu "$LAB-h1" mv0 "$new" eth0 "$(lab_ep_mtu)"
    ip -n "$new" addr add "$ip/16" dev eth0
    agentctl 1 port add dev mv0 vni "$vni" ip "$ip" mac "$mac" || fail "move: agent 1 refused the port"
    actl 1 endpoint add vni "$vni" ip "$ip" mac "$mac" host "$(host_ip 1)" ||
        fail "move: the gateway refused the endpoint's new host"
    sleep 0.5
    agentctl 2 port del dev "e$vni-1" || fail "move: agent 2 refused to drop the port"
    netns_del "$old"
    wait "$ppid" || true
    out=$(grep -E "packets transmitted" "$tmp/move.out")
    loss=$(echo "$out" | sed -n 's/.* \([0-9.]*\)% packet loss.*/\1/p')
    [ "$loss" = 0 ] || fail "move: packets lost while the endpoint moved: $out"
    # the pinger's host learnt the old place; once its entry has aged out
    # it asks again and sends to the new host: the old one forwards no more
    local fwd age_s
    age_s=$(( (${LAB_DP_AGE:-3000} + 999) / 1000 + 1 ))
    sleep "$age_s"
    in_ns "$pinger" ping -c 20 -i 0.05 -W 1 "$ip" >/dev/null || fail "move: no answer after the caches aged"
    fwd=$(agent_counter 2 agent_forward)
    in_ns "$pinger" ping -c 20 -i 0.05 -W 1 "$ip" >/dev/null || fail "move: no answer after the caches aged"
    [ "$(agent_counter 2 agent_forward)" = "$fwd" ] ||
        fail "move: the old host still forwards after ${age_s}s (age ${LAB_DP_AGE:-3000} ms)"
    step "move: ok ($out; forwarded by the old host: $fwd, none after the caches aged)"
}

# The agent's program and maps outlive it: a ping across a kill -9 and a
# restart of the sending host's agent loses nothing.
check_agentrestart() {
    [ "$(host_kind 1)" = agent ] && [ "$hosts" -ge 2 ] || { step "agentrestart: skipped"; return 0; }
    local a b out loss
    read -r a _ < <(ep_list "$first_vni" | sed -n 1p)
    b=$(ep_ip 2 1 "$eps")
    in_ns "$a" ping -c 300 -i 0.01 -W 1 "$b" >"$tmp/aping.out" 2>&1 &
    local ppid=$!
    sleep 0.5
    daemon_stop agent1 KILL >/dev/null || true
    agent_start 1
    wait "$ppid" || true
    out=$(grep -E "packets transmitted" "$tmp/aping.out")
    loss=$(echo "$out" | sed -n 's/.* \([0-9.]*\)% packet loss.*/\1/p')
    [ "$loss" = 0 ] || fail "agentrestart: packets lost across the restart: $out"
    agentctl 1 -j port list >"$tmp/ports.json" || fail "agentrestart: the agent does not answer"
    [ "$(/usr/bin/python3 -c "import json; d=json.load(open('$tmp/ports.json')); print(len(d if isinstance(d, list) else d.get('ports', d.get('rows', []))))")" -gt 0 ] ||
        fail "agentrestart: the ports are gone"
    step "agentrestart: ok ($out; ports kept)"
}

check_demo() {
    local a b
    read -r a _ < <(ep_list "$first_vni" | sed -n 1p)
    b=$(ep_ip "$hosts" "$eps" "$eps")
    echo
    echo "== the gateway's tables (alkaidctl endpoint list)"
    actl 1 endpoint list
    echo
    echo "== counters before (alkaidctl stats)"
    actl 1 stats
    echo
    echo "== $a pings $b on another host, through the gateway"
    in_ns "$a" ping -c 5 -i 0.2 "$b" || fail "demo: ping failed"
    echo
    echo "== counters after: ARP answered by the gateway, frames bounced"
    actl 1 stats
    echo
    echo "== the same for Prometheus: curl http://$metrics_addr/metrics (an excerpt)"
    in_ns "$LAB-gw1" curl -s "http://$metrics_addr/metrics" |
        grep -E '^# TYPE|reason="(bounce|arp_reply|not_for_us)"|^alkaid_port_(rx|tx)_packets|table_(entries|capacity)\{table="endpoint"|^alkaid_control_requests|^alkaid_build_info|^# EOF' |
        grep -vE '^# TYPE alkaid_(port_.x_(bytes|dropped|errors)|table_memory|control_errors)'
    echo
}

# prom_query EXPR: the value of EXPR's first sample from Prometheus's
# query API (in gateway 1's namespace), or "none"
prom_query() {
    in_ns "$LAB-gw1" curl -s --max-time 5 "http://$prom_addr/api/v1/query" \
        --data-urlencode "query=$1" | /usr/bin/python3 -c 'import json, sys
r = json.load(sys.stdin)["data"]["result"]
print(r[0]["value"][1] if r else "none")' 2>/dev/null || echo none
}
prom_is() { [ "$(prom_query "$1")" = "$2" ]; }

check_prometheus() {
    command -v prometheus >/dev/null || { step "prometheus: skipped (not installed)"; return 0; }
    [ "$hosts" -ge 2 ] || { step "prometheus: skipped (one host)"; return 0; }
    local a b before after seen page=$tmp/metrics.txt
    prom_addr=127.0.0.1:9090
    in_ns "$LAB-gw1" curl -sf "http://$metrics_addr/metrics" >"$page" ||
        fail "prometheus: no /metrics at $metrics_addr in $LAB-gw1"
    promtool check metrics <"$page" >"$tmp/promtool.log" 2>&1 ||
        fail "prometheus: promtool check metrics: $(cat "$tmp/promtool.log")"
    mkdir -p "$tmp/prom"
    printf '%s\n' 'global:' '  scrape_interval: 1s' '  evaluation_interval: 1s' \
        'scrape_configs:' '  - job_name: alkaid' '    static_configs:' \
        "      - targets: ['$metrics_addr']" >"$tmp/prom/prometheus.yml"
    daemon_start prom --log "Server is ready to receive web requests" --timeout 60 -- \
        ip netns exec "$LAB-gw1" prometheus --config.file="$tmp/prom/prometheus.yml" \
        --storage.tsdb.path="$tmp/prom/data" --web.listen-address="$prom_addr" ||
        fail "prometheus did not start"
    wait_for 30 prom_is 'up{job="alkaid"}' 1 ||
        fail "prometheus: the gateway's target is not up: $(prom_query 'up{job="alkaid"}')"
    prom_is "count(alkaid_build_info{dataplane=\"$backend\"})" 1 ||
        fail "prometheus: no alkaid_build_info of the $backend data plane"
    read -r a _ < <(ep_list "$first_vni" | sed -n 1p)
    b=$(ep_ip 2 1 "$eps")
    before=$(counter 1 bounce)
    in_ns "$a" ping -c 20 -i 0.05 -W 1 "$b" >/dev/null || fail "prometheus: $a cannot reach $b"
    after=$(counter 1 bounce)
    # (agents send most frames host to host, not through the gateway)
    [ "$kind" != vxlan ] || [ $((after - before)) -ge 40 ] ||
        fail "prometheus: $((after - before)) frames bounced by 20 echoes and replies"
    # a scrape after the traffic: Prometheus's value is alkaidctl's
    wait_for 15 prom_is 'alkaid_packets_total{reason="bounce"}' "$after" ||
        fail "prometheus: alkaid_packets_total{reason=\"bounce\"} is $(prom_query 'alkaid_packets_total{reason="bounce"}'), alkaidctl stats says $after"
    seen=$(prom_query 'sum(alkaid_port_rx_packets_total)')
    [ "$seen" != none ] && [ "$seen" -gt 0 ] ||
        fail "prometheus: no frames received on the gateway's ports ($seen)"
    prom_is 'alkaid_table_entries{table="endpoint"}' "$(endpoint_count)" ||
        fail "prometheus: endpoint entries $(prom_query 'alkaid_table_entries{table="endpoint"}'), alkaidctl $(endpoint_count)"
    daemon_stop prom || true
    # an agent's /metrics: its own counters, its underlay and ports
    local h aseen agent_note=
    for h in $(seq 1 "$hosts"); do
        [ "$(host_kind "$h")" = agent ] || continue
        in_ns "$LAB-h$h" curl -sf "http://$metrics_addr/metrics" >"$page" ||
            fail "prometheus: no /metrics from agent $h"
        promtool check metrics <"$page" >"$tmp/promtool.log" 2>&1 ||
            fail "prometheus: agent $h: promtool check metrics: $(cat "$tmp/promtool.log")"
        aseen=$(awk '$1 == "alkaid_packets_total{reason=\"agent_encap\",verdict=\"tx\"}" { print $2 }' "$page")
        [ "$aseen" = "$(agent_counter "$h" agent_encap)" ] && [ "$aseen" -gt 0 ] ||
            fail "prometheus: agent $h: agent_encap $aseen in /metrics, $(agent_counter "$h" agent_encap) in alkaidctl stats"
        grep -q '^alkaid_port_tx_packets_total{port="eth0"} [1-9]' "$page" ||
            fail "prometheus: agent $h: no frames sent on its underlay eth0 in /metrics"
        agent_note=", agents' /metrics agree with their alkaidctl stats"
        break
    done
    step "prometheus: ok (bounce counter $after in Prometheus and in alkaidctl stats after the traffic, $seen frames received on the ports, $(endpoint_count) endpoints$agent_note)"
}

for c in "${checks[@]}"; do
    declare -F "check_$c" >/dev/null || fail "unknown check '$c'"
    "check_$c"
done
step "all checks passed in $(($(date +%s) - t0))s"
