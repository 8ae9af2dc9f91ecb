#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# bench/tables/run.sh --quick|--full BUILD: the control plane's direct
# references, one per real back end, as CSV rows.
#
# bench-tables-xdp and bench-tables-dpdk add N endpoints by calling the
# table API (alk_endpoints_add) directly, in batches of 1 (100000 of them
# at most, the last of N), 100 and 10000, into tables of capacity N:
#   tables,<xdp|dpdk>_direct_batch_<B>,N,adds_per_s,VALUE,,
# then, with the tables full, the memory per endpoint (endpoint table and
# DHCP index) and the total of every table against 2 GiB:
#   scale,xdp_kernel_bytes_per_endpoint,N,bytes,VALUE,,     (memlock)
#   scale,xdp_table_bytes_per_endpoint,N,bytes,VALUE,,      (alk_table_info)
#   scale,dpdk_heap_bytes_per_endpoint,N,bytes,VALUE,,      (rte_malloc stats)
#   scale,dpdk_table_bytes_per_endpoint,N,bytes,VALUE,,     (alk_table_info)
#   scale,<xdp|dpdk>_total_bytes,N,bytes,TOTAL,2147483648,TOTAL/2GiB
# These rows have no reference: they are the references bench/ctl/run.sh
# compares the control socket with.
#
#   --quick  N = 100000 (seconds)
#   --full   N = 1048576 and N = 10000000; fails (after every row) if the
#            tables of 10M endpoints take more than 2 GiB in a back end
#
# A back end that is not built is skipped (a message on stderr).  Needs
# root: the BPF maps are made by the kernel (never pinned, nothing
# attached; the DPDK EAL runs without hugepages or devices).
set -euo pipefail
usage() { sed -n '3,27p' "$0" | sed 's/^# \{0,1\}//'; }
case ${1:-} in
--quick) sizes="100000" ;;
--full) sizes="1048576 10000000" ;;
-h | --help) usage; exit 0 ;;
*) usage >&2; exit 2 ;;
esac
[ $# -eq 2 ] || { usage >&2; exit 2; }
build=$(realpath "$2")
if [ "$(id -u)" -ne 0 ]; then
    echo "bench/tables: needs root (BPF maps, DPDK EAL)" >&2
    exit 1
fi

status=0
check() { # check BACKEND ROWS: 10M endpoints within 2 GiB
    awk -F, -v be="$1" '
        $2 == be "_total_bytes" && $3 >= 10000000 {
            fit = $5 <= 2147483648
            printf "bench/tables: %s: tables of %d endpoints take %d bytes: %s 2 GiB\n",
                be, $3, $5, fit ? "fit in" : "DO NOT FIT in" > "/dev/stderr"
            if (!fit)
                bad = 1
        }
        END { exit bad }' "$2"
}

. "$(dirname "$(realpath "$0")")/../../tests/lib/lib.sh"
lib_init bench/tables
rows=$tmp/rows
for be in xdp dpdk; do
    tool=$build/bench/tables/bench-tables-$be
    if [ ! -x "$tool" ]; then
        echo "bench/tables: $be back end not built ($tool): skipped" >&2
        continue
    fi
    : >"$rows"
    for n in $sizes; do
        if ! "$tool" -n "$n" -s 100000 | grep -E '^(tables|scale),' >>"$rows"; then
            echo "bench/tables: $tool -n $n FAILED" >&2
            status=1
        fi
    done
    cat "$rows"
    check "$be" "$rows" || status=1
done
exit $status
