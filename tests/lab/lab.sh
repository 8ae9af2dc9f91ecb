#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The lab: real Linux stacks talk through an alkaid gateway.
#
#   tests/lab/lab.sh [--backend xdp|dpdk] [--hosts N] [--endpoints M]
#                    [--mtu N] [--build DIR] [--keep] [CHECK...]
#
# Builds the topology of topo.sh (N hosts with kernel VXLAN, M endpoints per
# host in each VNI; every underlay link at MTU N, default 1500, the hosts'
# VXLAN devices and endpoints at N - 50, which the networks' DHCP MTU
# option says too), starts the gateway daemon and programs it only through
# alkaidctl, then runs the checks (default: all):
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
#   demo      (not in the default set) pings across hosts and shows
#             alkaidctl stats and endpoint list before and after
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
checks=()
while [ $# -gt 0 ]; do
    case $1 in
    --backend) backend=$2; shift ;;
    --hosts) hosts=$2; shift ;;
    --endpoints) eps=$2; shift ;;
    --mtu) LAB_MTU=$2; shift ;;
    --build) build=$(cd "$2" && pwd); shift ;;
    --keep) keep=1 ;;
    -h | --help) sed -n '3,28p' "$0"; exit 0 ;;
    -*) echo "lab: unknown option $1" >&2; exit 2 ;;
    *) checks+=("$1") ;;
    esac
    shift
done
[ ${#checks[@]} -gt 0 ] || checks=(arp pingall mtu iperf dhcp geneve divider restart)

LAB=${LAB:-alk}
LAB_PASS_OBJ=$build/tools/xdp_pass.bpf.o
ALKAIDCTL=$build/ctl/alkaidctl
. "$top/tests/lib/lib.sh"
source "$here/topo.sh"
LIB_KEEP=$keep
lib_init "lab[$backend]"

sock() { echo "$tmp/gw$1.sock"; }
actl() { local g=$1; shift; "$ALKAIDCTL" -s "$(sock "$g")" "$@"; }

# --- the gateway, per back end -------------------------------------------
gw_start() { # gw_start G
    local g=$1 ns="$LAB-gw$1" eal
    case $backend in
    xdp)
        daemon_start "gw$g" --ctl "$(sock "$g")" --timeout 10 -- \
            ip netns exec "$ns" "$build/dp-xdp/alkaid-xdp" -i gw0 \
            --bpffs "$tmp/bpffs$g" --socket "$(sock "$g")" ||
            fail "gateway $g did not start"
        ;;
    dpdk)
        # the kernel must not answer for the gateway's address: alkaid does
        in_ns "$ns" ip addr flush dev gw0
        eal_args eal 1024 "$LAB-gw$g"
        daemon_start "gw$g" --ctl "$(sock "$g")" --timeout 10 -- \
            ip netns exec "$ns" "$build/dp-dpdk/alkaid-dpdk" -l 0-1 \
            "${eal[@]}" --vdev "net_af_packet0,iface=gw0" -- \
            --socket "$(sock "$g")" --state "$tmp/gw$g.state" \
            --endpoints 65536 --networks 1024 ||
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
    lab_host "$i" "$eps"
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
actl 1 -b "$tmp/tables" || fail "alkaidctl -b rejected the lab's tables"
step "topology: $hosts hosts x $eps endpoints x VNIs {$LAB_VNIS} up in $(($(date +%s) - t0))s"

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
    before=$(counter 1 bounce)
    out=$(in_ns "$a" ping -c 5 -i 0.2 -W 2 -s "$size" -M do "$b" 2>&1) ||
        fail "mtu: ping -s $size -M do from $a to $b: $(echo "$out" | tail -2)"
    after=$(counter 1 bounce)
    # each echo and its reply through the gateway
    [ $((after - before)) -ge 10 ] ||
        fail "mtu: the gateway bounced $((after - before)) frames, not 10"
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
    step "iperf: ok, TCP $(awk -v b="$bps" 'BEGIN { printf "%.2f", b / 1e9 }') Gbit/s through the gateway"
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
    # VXLAN too: a ping across hosts during the capture
    local a
    read -r a _ < <(ep_list "$first_vni" | sed -n 1p)
    in_ns "$a" ping -c 3 -i 0.2 "$(ep_ip 2 1 "$eps")" >/dev/null || true
    wait "$tpid" || true
    local n warn
    n=$(tshark -r "$cap" 2>/dev/null | wc -l)
    warn=$(tshark -r "$cap" -o ip.check_checksum:TRUE -o udp.check_checksum:TRUE \
        -z expert,warn -q 2>&1 | grep -iE "malformed|bad checksum|checksum.*incorrect" || true)
    [ "$n" -gt 0 ] || fail "geneve: nothing captured"
    [ -z "$warn" ] || fail "geneve: tshark warns: $warn"
    tshark -r "$cap" -Y geneve 2>/dev/null | grep -q . || fail "geneve: tshark saw no Geneve"
    tshark -r "$cap" -Y vxlan 2>/dev/null | grep -q . || fail "geneve: tshark saw no VXLAN"
    step "geneve: ok (scapy frames bounced; $n underlay frames decoded by tshark without warnings)"
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
    # host 1 now sends everything of the first VNI to gateway 2
    vxlan_remote 1 "$first_vni" "$(gw_ip 1)" "$(gw_ip 2)"
    local a before
    read -r a _ < <(ep_list "$first_vni" | sed -n 1p)
    in_ns "$a" ip neigh flush dev eth0
    before=$(counter 2 divide_network)
    in_ns "$a" ping -c 3 -i 0.2 -W 2 "$(ep_ip 2 1 "$eps")" >/dev/null ||
        fail "divider: ping through gateway 2 failed"
    [ "$(counter 2 divide_network)" -gt "$before" ] ||
        fail "divider: gateway 2 divided nothing"
    vxlan_remote 1 "$first_vni" "$(gw_ip 2)" "$(gw_ip 1)"
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
    step "restart: ok ($out; $after endpoints kept)"
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
}

for c in "${checks[@]}"; do
    declare -F "check_$c" >/dev/null || fail "unknown check '$c'"
    "check_$c"
done
step "all checks passed in $(($(date +%s) - t0))s"
