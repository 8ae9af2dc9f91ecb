#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# bench/first/run.sh --quick|--full BUILD: time from `alkaidctl endpoint add`
# returning to the first frame bounced to the new endpoint, CSV rows.
#
# For each back end a private namespace holds a veth pair: the gateway on
# g0 (alkaid-xdp with its own bpffs, or alkaid-dpdk on net_af_packet),
# the host on h0 (for XDP, with an XDP_PASS program: XDP_TX on a veth
# reaches a peer only when the peer runs one).  bench-first-bounce sends
# Geneve frames from h0, one every $interval us, to a tenant address that
# is not an endpoint yet, runs `alkaidctl endpoint add` for it, and times
# the first bounced frame (kernel receive timestamp) against the command's
# exit; R repetitions (20 quick, 1000 full), a new endpoint each.  The
# sender sleeps between frames as a SCHED_FIFO task holding at most half a
# CPU: spinning would take the CPU that alkaidctl and the daemon need on
# a machine of two (bench-first-bounce --help).
#
# Rows, microseconds; the reference is alkaidctl's own duration (start to
# seen exit) in the same repetitions:
#   first,B_add_to_bounce_{p50,p99,max}: first bounce - alkaidctl's exit,
#       negative when the bounce came back before the exit was seen.
#   first,B_spawn_to_bounce_p50: first bounce - alkaidctl's start.
#   first,B_window_p99: the gap between the sending of the first bounced
#       frame and of the one before it: the resolution actually had;
#       reference: the interval asked for.
# Diagnostics (every repetition in quick mode, transit times) go to
# stderr.  A back end whose daemon was not built is skipped; no bounce, or
# a failed alkaidctl, makes the exit status 1.
set -euo pipefail
mode=${1:-}
case $mode in
--quick) reps=20 ;;
--full) reps=1000 ;;
*) echo "usage: $0 --quick|--full BUILD" >&2; exit 2 ;;
esac
[ -d "${2:-}" ] || { echo "usage: $0 --quick|--full BUILD" >&2; exit 2; }
build=$(realpath "$2")
interval=10 # us between frames: the resolution aimed at
tool=$build/bench/first/bench-first-bounce
ctl=$build/ctl/alkaidctl
xdp=$build/dp-xdp/alkaid-xdp
dpdk=$build/dp-dpdk/alkaid-dpdk
pass_obj=$build/tools/xdp_pass.bpf.o

gw_ip=198.18.0.1
src_ip=198.18.0.2
host_ip=198.18.0.3
gw_mac=02:00:c6:12:00:01
host_mac=02:00:c6:12:00:03

. "$(dirname "$(realpath "$0")")/../../tests/lib/lib.sh"
lib_init bench/first
tag=$$
failed=0

# netns NAME: a namespace with a veth pair g0 (gateway) / h0 (host)
netns() {
    netns_add "$1"
    veth "$1" g0 "$1" h0 $gw_mac $host_mac
}

# idlest_cpu: the CPU with the most idle time over half a second
idlest_cpu() {
    local a b
    a=$(grep '^cpu[0-9]' /proc/stat)
    sleep 0.5
    b=$(grep '^cpu[0-9]' /proc/stat)
    paste -d ' ' <(echo "$a") <(echo "$b") | awk '{
        n = NF / 2; idle = $(n + 5) - $5 + $(n + 6) - $6
        if (NR == 1 || idle > best) { best = idle; cpu = substr($1, 4) } }
        END { print cpu }'
}

# measure B NS SOCK [TOOL OPTIONS]: program the neighbor, run the tool,
# print the rows
measure() {
    local b=$1 ns=$2 sock=$3 rc=0
    shift 3
    "$ctl" -s "$sock" neighbor add ip $host_ip mac $host_mac >/dev/null
    # in the background: a signal to this script is handled at once, not
    # when the run ends (the exit trap stops it)
    background "$b-tool" ip netns exec "$ns" "$tool" -i h0 --gateway $gw_ip \
        --gateway-mac $gw_mac --src $src_ip --host $host_ip -r "$reps" \
        --interval-us $interval --pace sleep --fifo 10 -v "$@" -- \
        "$ctl" -s "$sock" >"$tmp/$b.out" 2>"$tmp/$b.err"
    daemon_wait "$b-tool" || rc=$?
    if [ "$mode" = --quick ]; then cat "$tmp/$b.err" >&2; else tail -n 5 "$tmp/$b.err" >&2; fi
    sed "s/^/bench\/first: $b: /" "$tmp/$b.out" >&2
    if [ "$rc" -ne 0 ]; then
        note "$b: FAILED (bench-first-bounce exit $rc)"
        "$ctl" -s "$sock" stats >&2 || true
        failed=1
        return 0
    fi
    awk -v b="$b" -v iv="$interval" '
        function row(c, v, r) {
            printf "first,%s_%s,,us,%.1f,%.1f,%.2f\n", b, c, v, r, r ? v / r : 0 }
        $1 ~ /_us$/ { name = substr($1, 1, length($1) - 3)
                      p50[name] = $3; p99[name] = $5; max[name] = $7 }
        END {
            row("add_to_bounce_p50", p50["add_to_bounce"], p50["ctl"])
            row("add_to_bounce_p99", p99["add_to_bounce"], p99["ctl"])
            row("add_to_bounce_max", max["add_to_bounce"], max["ctl"])
            row("spawn_to_bounce_p50", p50["spawn_to_bounce"], p50["ctl"])
            row("window_p99", p99["window"], iv)
        }' "$tmp/$b.out"
}

if [ ! -x "$tool" ] && { [ -x "$xdp" ] || [ -x "$dpdk" ]; }; then
    note "$tool not built"
    exit 1
fi

# --- XDP: alkaid-xdp on g0, native mode, a private bpffs ---------------
if [ -x "$xdp" ]; then
    [ -f "$pass_obj" ] || { note "no XDP_PASS program ($pass_obj)"; exit 1; }
    ns=alk-first-x-$tag
    netns "$ns"
    xdp_pass "$ns" h0 "$pass_obj"
    bpffs_mount "$tmp/bpffs"
    daemon_start xdp --log "ready:" -- ip netns exec "$ns" "$xdp" -i g0 \
        --bpffs "$tmp/bpffs" -s "$tmp/xdp.sock" --gateway-ip $gw_ip \
        --endpoints 1048576 || exit 1
    measure xdp "$ns" "$tmp/xdp.sock"
else
    note "xdp: $xdp not built, skipped"
fi

# --- DPDK: alkaid-dpdk on net_af_packet over g0 ------------------------
# The worker polls without rest: it gets the CPU that was idlest over half
# a second (on a shared machine another poller may hold the other one),
# the control plane (main lcore) the other.
if [ -x "$dpdk" ]; then
    ns=alk-first-d-$tag
    netns "$ns"
    worker=$(idlest_cpu)
    main=$(( worker == 0 ? 1 : 0 ))
    note "dpdk: worker on CPU $worker, control plane on CPU $main"
    eal_args eal 1024 "alk-first-$tag"
    daemon_start dpdk --log serving -- ip netns exec "$ns" "$dpdk" \
        -l "$main,$worker" --main-lcore "$main" "${eal[@]}" \
        --vdev net_af_packet0,iface=g0 -- \
        --gateway-ip $gw_ip -s "$tmp/dpdk.sock" --endpoints 1048576 \
        --networks 64 --network-tbl8s 64 --vpcs 64 --neighbors 64 || exit 1
    measure dpdk "$ns" "$tmp/dpdk.sock"
else
    note "dpdk: $dpdk not built, skipped"
fi
exit $failed
