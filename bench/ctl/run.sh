#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# bench/ctl/run.sh --quick|--full BUILD: control-plane throughput, CSV rows.
#
# 1. The references: bench/tables/run.sh adds N endpoints by calling the
#    table API directly, into each real back end (its rows are passed on,
#    with the memory per endpoint at N).
# 2. The same adds over the control socket of the real daemons: alkaid-xdp
#    (on a veth of a private namespace) and alkaid-dpdk (on net_null, the
#    worker polling on its own lcore), each started with room for N.
#    bench-ctl --socket sends requests encoded before the clock starts,
#    pipelined, in batches of 1, 100 and 10000 (rows), then single adds
#    one at a time (p50, p99):
#      ctl,B_socket_batch_S,N,adds_per_s,VALUE,DIRECT,VALUE/DIRECT
#      ctl,B_single_add_p50|p99,N,us,VALUE,DIRECT_MEAN,VALUE/DIRECT_MEAN
#    where DIRECT is the table API's rate for the same batch size and back
#    end, and DIRECT_MEAN its mean time per single add.
# 3. alkaidctl -b FILE of N "endpoint add" lines (the client's parsing and
#    encoding included, N <= 1M), against the socket rate in batches of
#    10000:  ctl,B_alkaidctl_batch_file,N,adds_per_s,...
# 4. bench-ctl's in-memory run (socket against direct in one process
#    pair): ctl,host_*.
#
#   --quick  N = 100000
#   --full   N = 1048576 and 10000000
set -euo pipefail
mode=$1
build=$(realpath "$2")
here=$(dirname "$(realpath "$0")")
case $mode in
--quick) sizes="100000" lat=10000 ;;
--full) sizes="1048576 10000000" lat=100000 ;;
*) echo "usage: $0 --quick|--full BUILD" >&2; exit 2 ;;
esac
. "$here/../../tests/lib/lib.sh"
lib_init bench/ctl
ns=alk-bctl-$$
ALKAIDCTL=$build/ctl/alkaidctl
ctl=$ALKAIDCTL
status=0

# 1. direct references (and memory rows)
"$here/../tables/run.sh" "$mode" "$build" >"$tmp/direct.csv" || status=1
cat "$tmp/direct.csv"
direct() { # direct BACKEND BATCH N: adds/s of the table API, or empty
    awk -F, -v c="$1_direct_batch_$2" -v n="$3" \
        '$2 == c && $3 == n { print $5 }' "$tmp/direct.csv"
}

# the XDP daemon's namespace (a veth pair, b0 its interface) and bpffs
if [ -x "$build/dp-xdp/alkaid-xdp" ]; then
    bpffs_mount "$tmp/bpffs"
    netns_add "$ns"
    veth "$ns" b0 "$ns" b1
fi

start_xdp() { # start_xdp N
    daemon_start xdp --ctl "$tmp/xdp.sock" -- ip netns exec "$ns" \
        "$build/dp-xdp/alkaid-xdp" -i b0 --bpffs "$tmp/bpffs" \
        -s "$tmp/xdp.sock" --endpoints "$1"
}

# the daemon's maps and memory go with it
stop_xdp() {
    daemon_stop xdp
    ip netns exec "$ns" "$build/dp-xdp/alkaid-xdp" --detach -i b0 \
        --bpffs "$tmp/bpffs" >/dev/null 2>&1 || true
}

start_dpdk() { # start_dpdk N: memory for the tables, 256 bytes per endpoint
    local eal
    eal_args eal $((1024 + $1 / 4096)) "alk-bctl-$$"
    daemon_start dpdk --ctl "$tmp/dpdk.sock" -- "$build/dp-dpdk/alkaid-dpdk" \
        -l 0-1 "${eal[@]}" --vdev net_null0 -- \
        -s "$tmp/dpdk.sock" --endpoints "$1" --networks 1024
}

stop_dpdk() { daemon_stop dpdk; }

# N "endpoint add" lines for alkaidctl -b, after a gateway and a neighbor
batch_file() {
    /usr/bin/python3 - "$1" >"$tmp/endpoints.batch" <<'PY'
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
}

socket_rows() { # socket_rows BACKEND N SOCKET
    local be=$1 n=$2 out=$tmp/$1-$2.out d1
    if ! "$build/bench/ctl/bench-ctl" --socket "$3" -n "$n" --latency "$lat" >"$out"; then
        echo "bench/ctl: bench-ctl into $be ($n) FAILED" >&2
        tail -5 "$tmp/$be.log" >&2
        status=1
        return
    fi
    for b in 1 100 10000; do
        awk -v be="$be" -v b="$b" -v d="$(direct "$be" "$b" "$n")" '
            $1 == "socket" && $2 == b {
                printf "ctl,%s_socket_batch_%s,%d,adds_per_s,%s,%s,%s\n", be, b,
                    $3, $4, d, d ? sprintf("%.3f", $4 / d) : "" }' "$out"
    done
    d1=$(direct "$be" 1 "$n")
    awk -v be="$be" -v n="$n" -v d1="$d1" '
        $1 == "single" {
            m = d1 ? 1e6 / d1 : 0
            printf "ctl,%s_single_add_p50,%d,us,%s,%s,%s\n", be, n, $4,
                m ? sprintf("%.2f", m) : "", m ? sprintf("%.1f", $4 / m) : ""
            printf "ctl,%s_single_add_p99,%d,us,%s,%s,%s\n", be, n, $6,
                m ? sprintf("%.2f", m) : "", m ? sprintf("%.1f", $6 / m) : "" }' "$out"
}

file_row() { # file_row BACKEND N SOCKET: alkaidctl -b, client included
    local t0 t1 sock_rate
    t0=$(date +%s.%N)
    if ! "$ctl" -s "$3" -b "$tmp/endpoints.batch" >/dev/null; then
        echo "bench/ctl: alkaidctl -b into $1 FAILED" >&2
        status=1
        return
    fi
    t1=$(date +%s.%N)
    sock_rate=$(awk '$1 == "socket" && $2 == 10000 { print $4 }' "$tmp/$1-$2.out")
    awk -v a="$t0" -v b="$t1" -v n="$2" -v be="$1" -v s="${sock_rate:-0}" 'BEGIN {
        r = n / (b - a)
        printf "ctl,%s_alkaidctl_batch_file,%d,adds_per_s,%.0f,%s,%s\n", be, n, r,
            s ? s : "", s ? sprintf("%.3f", r / s) : "" }'
}

for n in $sizes; do
    [ "$n" -le 1048576 ] && batch_file "$n"
    for be in xdp dpdk; do
        [ -x "$build/dp-$be/alkaid-$be" ] || continue
        if "start_$be" "$n"; then
            socket_rows "$be" "$n" "$tmp/$be.sock"
            [ "$n" -le 1048576 ] && file_row "$be" "$n" "$tmp/$be.sock"
        else
            status=1
        fi
        "stop_$be" || true
    done
done

# 4. the in-memory back end: socket against direct, one process pair
if [ -x "$build/bench/ctl/bench-ctl" ]; then
    n=$(set -- $sizes; echo "$1")
    "$build/bench/ctl/bench-ctl" $([ "$mode" = --quick ] && echo --quick) -n "$n" >"$tmp/bench-ctl.out"
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
fi
exit $status
