# SPDX-License-Identifier: BSD-3-Clause
# The test library, sourced by every test, lab and benchmark script:
#
#   . "$(dirname "$0")/../lib/lib.sh"   (bench/: ../../tests/lib/lib.sh)
#   lib_init NAME
#
# lib_init makes $tmp and sets the exit trap.  Whatever a script creates
# (namespaces, daemons, mounts, EAL runtime directories, sysctls,
# hugepages) is registered as it is created, by the helpers below or by
# on_exit, and undone at exit in the reverse order, whatever the outcome:
# daemons stop before their namespace goes, the namespace before the
# bpffs it used is unmounted, $tmp last.  LIB_KEEP=1 keeps everything.
#
# One output format: "NAME: message" (step on stdout, note on stderr),
# "NAME: FAIL: message" (fail, on stderr, exit 1); on a failure the tails
# of $tmp/*.log (the daemons' output) follow.

LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LIB_NAME=test
_lib_undo=()
declare -A _lib_pid=()

# lib_init NAME: messages say NAME; $tmp is a fresh directory
lib_init() {
    LIB_NAME=$1
    trap _lib_exit EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    tmp=$(mktemp -d "${TMPDIR:-/tmp}/alkaid-${1//[^a-z0-9-]/-}.XXXXXX")
    on_exit rm -rf "$tmp"
    on_exit _lib_show_logs
}

step() { echo "$LIB_NAME: $*"; }
note() { echo "$LIB_NAME: $*" >&2; }
fail() {
    echo "$LIB_NAME: FAIL: $*" >&2
    exit 1
}

# need_root: exit 77 (meson's skip) unless root
need_root() {
    [ "$(id -u)" -eq 0 ] && return 0
    echo "$LIB_NAME: needs root (namespaces, XDP, DPDK): skipped"
    exit 77
}

# on_exit COMMAND [ARG...]: run COMMAND at exit, before what was
# registered earlier
on_exit() { _lib_undo+=("$(printf '%q ' "$@")"); }

_lib_exit() {
    _lib_rc=$?
    local i
    trap - EXIT
    set +e
    if [ "${LIB_KEEP:-0}" = 1 ]; then
        note "kept (LIB_KEEP=1): $tmp and what the run made"
        exit "$_lib_rc"
    fi
    for ((i = ${#_lib_undo[@]} - 1; i >= 0; i--)); do
        eval "${_lib_undo[i]}"
    done
    exit "$_lib_rc"
}

_lib_show_logs() {
    local f
    [ "$_lib_rc" -ne 0 ] && [ "$_lib_rc" -ne 77 ] || return 0
    for f in "$tmp"/*.log; do
        [ -s "$f" ] || continue
        echo "--- ${f##*/}" >&2
        tail -n 30 "$f" >&2
    done
}

# wait_for SECONDS COMMAND...: until COMMAND succeeds (output dropped)
wait_for() {
    local i tries=$(($1 * 10))
    shift
    for ((i = 0; i < tries; i++)); do
        "$@" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    return 1
}

# json_ok FILE PYTHON-EXPR: FILE is JSON and EXPR of it (j) is true
json_ok() {
    python3 -c 'import json, sys
j = json.load(open(sys.argv[1]))
sys.exit(0 if eval(sys.argv[2]) else 1)' "$1" "$2"
}

# --- namespaces, links, emulated hosts ------------------------------------

# netns_add NS: a namespace with lo up and no IPv6 (no chatter in the
# counters), deleted at exit
netns_add() {
    ip netns add "$1"
    on_exit netns_del "$1"
    ip netns exec "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
        net.ipv6.conf.default.disable_ipv6=1
    ip -n "$1" link set lo up
}

# netns_del NS: a process left in a namespace keeps it (and its veth)
# alive: end them first
netns_del() {
    ip netns pids "$1" 2>/dev/null | xargs -r kill -KILL 2>/dev/null
    ip netns del "$1" 2>/dev/null
    return 0
}

# veth NS_A DEV_A NS_B DEV_B [MAC_A [MAC_B]]: a veth pair, both ends up
veth() {
    ip link add "$2" netns "$1" ${5:+address "$5"} type veth \
        peer name "$4" netns "$3" ${6:+address "$6"}
    ip -n "$1" link set "$2" up
    ip -n "$3" link set "$4" up
}

# bridge_add NS BRIDGE: a bridge, up
bridge_add() {
    ip -n "$1" link add "$2" type bridge
    ip -n "$1" link set "$2" up
}

# switch_port SW NS DEV PORT [MAC]: DEV in NS wired to PORT of SW's br0
switch_port() {
    veth "$2" "$3" "$1" "$4" "${5:-}"
    ip -n "$1" link set "$4" master br0
}

# host_addr NS DEV ADDR/LEN: an emulated host's address on DEV, up.  Its
# frames leave through a veth to XDP or a packet socket, not a NIC: TX
# checksum offload off, so that every checksum is in the frame.
host_addr() {
    ip netns exec "$1" ethtool -K "$2" tx off >/dev/null
    ip -n "$1" addr add "$3" dev "$2"
    ip -n "$1" link set "$2" up
}

# vxlan_add NS DEV VNI REMOTE LOCAL [VXLAN-OPTION...]: a kernel VXLAN
# device (port 4789) that sends everything it does not know to REMOTE
vxlan_add() {
    local ns=$1 dev=$2 vni=$3 remote=$4 local=$5
    shift 5
    ip -n "$ns" link add "$dev" type vxlan id "$vni" remote "$remote" \
        local "$local" dstport 4789 nolearning "$@"
}

# xdp_pass NS DEV OBJECT: XDP_TX on a veth reaches the peer only when the
# peer runs an XDP program: this one passes everything, at any MTU
xdp_pass() { ip -n "$1" link set dev "$2" xdpdrv obj "$3" sec xdp.frags; }

# xdp_prog_id NS DEV: the id of the XDP program attached to DEV, or empty
xdp_prog_id() {
    ip -n "$1" -d link show dev "$2" |
        sed -n 's/.*prog\/xdp id \([0-9]*\).*/\1/p'
}

# bpffs_mount DIR: a bpffs of the root mount namespace, unmounted at exit
# (ip netns exec gives a daemon a private /sys, whose bpffs would die
# with it)
bpffs_mount() {
    mkdir -p "$1"
    mountpoint -q "$1" && return 0
    mount -t bpf bpf "$1"
    on_exit umount "$1"
}

# sysctl_set KEY=VALUE...: set, and put the old values back at exit
sysctl_set() {
    local kv
    for kv; do
        on_exit sysctl -qw "${kv%%=*}=$(sysctl -n "${kv%%=*}")"
    done
    sysctl -qw "$@"
}

# --- daemons -----------------------------------------------------------------

# daemon_start NAME (--log WORD | --ctl SOCKET) [--timeout S] -- CMD...
# CMD in the background, its output appended to $tmp/NAME.log, ready when
# WORD appears in the output or alkaidctl ($ALKAIDCTL) gets an answer on
# SOCKET, within S seconds (30); status 1, after saying why, if it exits
# or is not ready by then.  Stopped at exit.  Start it with ip netns exec,
# never through a function: $! must be the daemon.  It is a child of the
# script: wait for other background work by its pids, never a bare wait.
daemon_start() {
    local name=$1 how= what= secs=30 i log=$tmp/$1.log from
    shift
    while [ "$1" != -- ]; do
        case $1 in
        --log | --ctl) how=$1 what=$2; shift ;;
        --timeout) secs=$2; shift ;;
        *) fail "daemon_start: unknown option $1" ;;
        esac
        shift
    done
    shift
    : >>"$log"
    from=$(($(stat -c %s "$log") + 1))
    background "$name" "$@" >>"$log" 2>&1
    for ((i = 0; i < secs * 10; i++)); do
        case $how in
        --log) tail -c +"$from" "$log" | grep -q -- "$what" && return 0 ;;
        --ctl)
            [ -S "$what" ] &&
                "$ALKAIDCTL" -s "$what" version >/dev/null 2>&1 &&
                return 0
            ;;
        esac
        kill -0 "${_lib_pid[$name]}" 2>/dev/null || break
        sleep 0.1
    done
    note "$name did not start within $secs s: $*"
    tail -c +"$from" "$log" | tail -n 30 >&2
    return 1
}

# background NAME CMD...: CMD in the background (with the caller's
# redirections), stopped at exit unless it ended before
background() {
    local name=$1
    shift
    "$@" &
    _lib_pid[$name]=$!
    on_exit _lib_daemon_kill "$name"
}

# daemon_wait NAME: until it ends by itself; its exit status
daemon_wait() {
    local pid=${_lib_pid[$1]:-}
    unset "_lib_pid[$1]"
    wait "$pid"
}

# daemon_pid NAME
daemon_pid() { echo "${_lib_pid[$1]:-}"; }

# daemon_stop NAME [SIGNAL]: signal it (TERM), wait up to 10 s for its
# exit; returns its exit status (124 when it did not stop)
daemon_stop() {
    local pid=${_lib_pid[$1]:-} rc=0 i
    [ -n "$pid" ] || return 0
    # a daemon killed on purpose: no job notice, and no status to wait for
    if [ "${2:-}" = KILL ]; then
        disown "$pid" 2>/dev/null
        rc=137
    fi
    kill -"${2:-TERM}" "$pid" 2>/dev/null
    for ((i = 0; i < 100; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -0 "$pid" 2>/dev/null && return 124
    unset "_lib_pid[$1]"
    [ "$rc" -ne 0 ] || wait "$pid" || rc=$?
    return $rc
}

_lib_daemon_kill() {
    daemon_stop "$1" || daemon_stop "$1" KILL
    return 0
}

# --- DPDK ---------------------------------------------------------------------

# eal_args VAR MB PREFIX: VAR (an array) becomes the EAL arguments of tests
# and benchmarks (tests/lib/eal-args: no hugepages, no shared files, no
# PCI), -m MB and --file-prefix PREFIX, whose runtime directory is
# removed at exit.  Lcores and devices are the caller's.
eal_args() {
    local -n _eal=$1
    mapfile -t _eal < <(sed -e '/^#/d' -e '/^$/d' "$LIB_DIR/eal-args")
    _eal+=(-m "$2" --file-prefix "$3")
    on_exit rm -rf "/var/run/dpdk/$3"
}

# hugepages N: N free 2 MiB hugepages on a mounted hugetlbfs, or status 1;
# what it reserves and mounts is given back at exit
hugepages() {
    local had
    had=$(cat /proc/sys/vm/nr_hugepages)
    if [ "$had" -lt "$1" ] && echo "$1" >/proc/sys/vm/nr_hugepages 2>/dev/null; then
        on_exit sh -c "echo $had >/proc/sys/vm/nr_hugepages"
    fi
    mkdir -p /dev/hugepages
    if ! mountpoint -q /dev/hugepages &&
        mount -t hugetlbfs nodev /dev/hugepages 2>/dev/null; then
        on_exit umount /dev/hugepages
    fi
    mountpoint -q /dev/hugepages &&
        [ "$(awk '/HugePages_Free/ {print $2}' /proc/meminfo)" -ge "$1" ]
}

# --- the XDP tests' gateway and peer ------------------------------------------

# gw_peer TAG COUNT PASS_OBJ: namespaces $ns_gw (TAG-gw) and $ns_peer
# (TAG-peer) joined by COUNT veth pairs gwI - peI, I from 0, with the MACs
# $gw_mac and $peer_mac plus I (in the last byte), and XDP_PASS (PASS_OBJ)
# on the peers
gw_peer() {
    local i
    gw_mac=02:a1:ca:1d:01:00
    peer_mac=02:a1:ca:1d:02:00
    ns_gw=$1-gw
    ns_peer=$1-peer
    netns_add "$ns_gw"
    netns_add "$ns_peer"
    for ((i = 0; i < $2; i++)); do
        veth "$ns_gw" gw$i "$ns_peer" pe$i "$(mac_plus "$gw_mac" $i)" \
            "$(mac_plus "$peer_mac" $i)"
        xdp_pass "$ns_peer" pe$i "$3"
    done
}

# gw CMD...: CMD in the gateway's namespace
gw() { ip netns exec "$ns_gw" "$@"; }

mac_plus() { printf '%s:%02x\n' "${1%:*}" $((0x${1##*:} + $2)); }

# stream_start NAME NS DEV GW_MAC PEER_MAC RATE [PAYLOAD]: trafficgen ($TRAFFICGEN)
# on DEV in NS, the host 198.18.0.2 that sends and the host 198.18.0.3
# (PEER_MAC) that receives: VXLAN and Geneve frames of VNI 100, 198.19.0.10
# to 198.19.0.20, RATE a second, through the gateway 198.18.0.1 (GW_MAC);
# PAYLOAD (optional 7th argument) bytes of tenant UDP payload (16 to 8922).
# stream_stop NAME: its status is 0 when every frame came back bounced,
# once; $tmp/NAME.log has "sent N received N ...".
stream_start() {
    background "$1" ip netns exec "$2" "$TRAFFICGEN" -i "$3" \
        --gateway 198.18.0.1 --gateway-mac "$4" --src 198.18.0.2 \
        --host 198.18.0.3 --host-mac "$5" --vni 100 \
        --inner-src 198.19.0.10 --inner-dst 198.19.0.20 --rate "$6" \
        ${7:+--payload "$7"} --proto both >"$tmp/$1.log" 2>&1
}

stream_stop() { daemon_stop "$1"; }

# --- two kernel VXLAN hosts on a switch ---------------------------------------

# vxlan_hosts TAG: three namespaces on the bridge br0 of $sw (TAG-sw),
# which holds gw0 ($gw_mac), for a gateway ($gw_ip) on a packet socket;
# ${host_ns[ha]} and ${host_ns[hb]} (TAG-ha, TAG-hb) are hosts whose kernel
# VXLAN device vx0 (VNI 100) sends to the gateway, each with one endpoint:
#   ha  ha0 02:00:5e:00:00:a1 198.18.0.1/24  vx0 02:00:5e:00:01:a1 192.0.2.1/24
#   hb  hb0 02:00:5e:00:00:b1 198.18.0.2/24  vx0 02:00:5e:00:01:b1 192.0.2.2/24
# (the arrays under_ip, under_mac, ep_ip and ep_mac, by ha and hb)
declare -A host_ns=()
declare -A under_ip=([ha]=198.18.0.1 [hb]=198.18.0.2)
declare -A under_mac=([ha]=02:00:5e:00:00:a1 [hb]=02:00:5e:00:00:b1)
declare -A ep_ip=([ha]=192.0.2.1 [hb]=192.0.2.2)
declare -A ep_mac=([ha]=02:00:5e:00:01:a1 [hb]=02:00:5e:00:01:b1)
vxlan_hosts() {
    local h ns
    gw_ip=198.18.0.254
    gw_mac=02:00:5e:00:00:fe
    sw=$1-sw
    netns_add "$sw"
    bridge_add "$sw" br0
    switch_port "$sw" "$sw" gw0 gwp "$gw_mac"
    for h in ha hb; do
        ns=$1-$h
        host_ns[$h]=$ns
        netns_add "$ns"
        switch_port "$sw" "$ns" "${h}0" "${h}p" "${under_mac[$h]}"
        host_addr "$ns" "${h}0" "${under_ip[$h]}/24"
        vxlan_add "$ns" vx0 100 "$gw_ip" "${under_ip[$h]}"
        ip -n "$ns" link set vx0 address "${ep_mac[$h]}"
        host_addr "$ns" vx0 "${ep_ip[$h]}/24"
    done
}

# batch_endpoints SOCKET VNI HOST N: alkaidctl -b of N endpoints
# 203.0.113.1... of VNI on HOST, MACs 0e:00:00:VV:00:II (VV the VNI's low
# byte), from $tmp/endpoints.batch
batch_endpoints() {
    local i
    for ((i = 1; i <= $4; i++)); do
        printf 'endpoint add vni %d ip 203.0.113.%d mac 0e:00:00:%02x:00:%02x host %s\n' \
            "$2" "$i" $(($2 & 255)) "$i" "$3"
    done >"$tmp/endpoints.batch"
    "$ALKAIDCTL" -s "$1" -b "$tmp/endpoints.batch" >"$tmp/batch.log" 2>&1 ||
        fail "alkaidctl -b: $(cat "$tmp/batch.log")"
}
