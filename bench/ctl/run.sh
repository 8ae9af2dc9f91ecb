#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# bench/ctl/run.sh --quick|--full BUILD: control-plane throughput, CSV rows.
#
# 1. bench-ctl: endpoint adds over the socket into the in-memory back end
#    (batches of 1, 100, 10000; single-add p50/p99), against the table API
#    called directly, in the same run.
# 2. The real back ends: alkaidctl -b loads N endpoints (batches of up to
#    10000, rows) into alkaid-xdp (on a veth of a private namespace) and
#    alkaid-dpdk (on net_null).  Their reference is still bench-ctl's
#    direct table-API rate into the in-memory back end: a direct reference
#    per back end is yet to come.  Also the memory each back end reports
#    per endpoint (endpoint table plus DHCP index, at capacity N).
set -euo pipefail
mode=$1
build=$(realpath "$2")
here=$(dirname "$(realpath "$0")")
n=$([ "$mode" = --quick ] && echo 100000 || echo 1048576)
tmp=$(mktemp -d /tmp/alk-bench-ctl.XXXXXX)
cleanup() {
    [ -f "$tmp/xdp.pid" ] && kill "$(cat "$tmp/xdp.pid")" 2>/dev/null
    [ -f "$tmp/dpdk.pid" ] && kill "$(cat "$tmp/dpdk.pid")" 2>/dev/null
    sleep 0.5
    if ip netns list | grep -q "^alk-bctl-$$"; then
        ip netns exec "alk-bctl-$$" "$build/dp-xdp/alkaid-xdp" --detach -i b0 \
            --bpffs "$tmp/bpffs" >/dev/null 2>&1 || true
        ip netns del "alk-bctl-$$"
    fi
    umount "$tmp/bpffs" 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT

ctl=$build/ctl/alkaidctl
# 1. in-memory back end, socket against direct
if [ -x "$build/ctl/bench-ctl" ]; then
    "$build/ctl/bench-ctl" $([ "$mode" = --quick ] && echo --quick) -n "$n" >"$tmp/bench-ctl.out"
    awk -v n="$n" '
        /^(1|100|10000) / && NF >= 4 && $2 != "rows" {
            printf "ctl,host_batch_%s,%d,adds_per_s,%s,%s,%s\n", $1, n, $3, $2, $4 }
        /^(100|10000) +rows/ {
            printf "ctl,host_batch_%s_rows,%d,adds_per_s,%s,%s,%s\n", $1, n, $4, $3, $5 }
        /^single add/ {
            gsub(/,|;/, "")
            for (i = 1; i <= NF; i++) {
                if ($i == "socket") { sp50 = $(i + 2); sp99 = $(i + 5) }
                if ($i == "direct") { dp50 = $(i + 2); dp99 = $(i + 5) }
            }
            printf "ctl,host_single_add_p50,,us,%s,%s,%.1f\n", sp50, dp50, sp50 / dp50
            printf "ctl,host_single_add_p99,,us,%s,%s,%.1f\n", sp99, dp99, sp99 / dp99
        }' "$tmp/bench-ctl.out"
    direct=$(awk '/^10000 +rows/ { print $3 }' "$tmp/bench-ctl.out")
fi
direct=${direct:-0}

# the batch file both daemons load
/usr/bin/python3 - "$n" >"$tmp/endpoints.batch" <<'PY'
import sys
n = int(sys.argv[1])
w = sys.stdout.write
w("gateway set ip 198.18.0.1 mac 02:00:00:00:00:01\n")
w("neighbor add ip 198.18.1.1 mac 02:00:00:00:00:11\n")
for i in range(n):
    ip = i % 65536
    w("endpoint add vni %d ip 198.19.%d.%d mac 0e:00:00:%02x:%02x:%02x host 198.18.1.1\n"
      % (1000 + i // 65536, ip >> 8, ip & 255, (i >> 16) & 255, (i >> 8) & 255, i & 255))
PY

load() { # load NAME SOCKET: rows for one daemon
    local name=$1 sock=$2 t0 t1 rate mem
    t0=$(date +%s.%N)
    "$ctl" -s "$sock" -b "$tmp/endpoints.batch" >/dev/null
    t1=$(date +%s.%N)
    rate=$(awk -v a="$t0" -v b="$t1" -v n="$n" 'BEGIN { printf "%.0f", n / (b - a) }')
    awk -v r="$rate" -v d="$direct" -v n="$n" -v name="$name" 'BEGIN {
        printf "ctl,%s_batched_adds,%d,adds_per_s,%s,%s,%.3f\n", name, n, r, d, d ? r / d : 0 }'
    mem=$("$ctl" -s "$sock" -j tables | /usr/bin/python3 -c '
import json, sys
t = json.load(sys.stdin)["tables"]
print(t["endpoint"]["memory"] + t["dhcp"]["memory"], t["endpoint"]["capacity"])')
    set -- $mem
    echo "scale,${name}_bytes_per_endpoint,$2,bytes,$(($1 / $2)),,"
}

wait_sock() {
    for _ in $(seq 100); do
        "$ctl" -s "$1" version >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    echo "bench/ctl: daemon on $1 did not start" >&2
    return 1
}

if [ -x "$build/dp-xdp/alkaid-xdp" ]; then
    ns=alk-bctl-$$
    ip netns add "$ns"
    ip -n "$ns" link add b0 type veth peer name b1
    ip -n "$ns" link set b0 up
    ip -n "$ns" link set b1 up
    mkdir -p "$tmp/bpffs"
    mount -t bpf bpf "$tmp/bpffs"
    ip netns exec "$ns" "$build/dp-xdp/alkaid-xdp" -i b0 --bpffs "$tmp/bpffs" \
        -s "$tmp/xdp.sock" --endpoints "$n" >"$tmp/xdp.log" 2>&1 &
    echo $! >"$tmp/xdp.pid"
    wait_sock "$tmp/xdp.sock" && load xdp "$tmp/xdp.sock"
fi
if [ -x "$build/dp-dpdk/alkaid-dpdk" ]; then
    "$build/dp-dpdk/alkaid-dpdk" -l 0-1 --no-huge --no-shconf --no-pci -m 2048 \
        --file-prefix "alk-bctl-$$" --vdev net_null0 -- -s "$tmp/dpdk.sock" \
        --endpoints "$n" --networks 1024 >"$tmp/dpdk.log" 2>&1 &
    echo $! >"$tmp/dpdk.pid"
    wait_sock "$tmp/dpdk.sock" && load dpdk "$tmp/dpdk.sock"
fi
