#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# bench/dpdk/run.sh --quick|--full BUILD: the DPDK bouncer on one worker
# lcore against dpdk-testpmd macswap, CSV on stdout (bench_dpdk.py): Geneve
# and VXLAN frames bounced, ARP requests answered, a row for each.
#   --full   1M endpoints, 64K distinct frames, 3 rounds of 5 s; then the
#            Geneve bouncer on 1K endpoints, and all on 2 MiB hugepages
#   --quick  64K endpoints, 64K frames, 1 round of 1 s
set -euo pipefail
mode=$1
build=$(realpath "$2")
here=$(dirname "$(realpath "$0")")
alkaid=$build/dp-dpdk/alkaid-dpdk
gen=$build/bench/dpdk/dpdk-bench-gen
if [ ! -x "$alkaid" ] || [ ! -x "$gen" ]; then
    echo "bench/dpdk: $alkaid or $gen not built (-Ddataplane=xdp?)" >&2
    exit 0
fi
if [ "$(id -u)" != 0 ]; then
    echo "bench/dpdk: needs root (DPDK telemetry and memory); skipped" >&2
    exit 0
fi
. "$here/../../tests/lib/lib.sh"
lib_init bench/dpdk
if [ "$mode" = --quick ]; then
    set -- --endpoints 65536 --rounds 1 --seconds 1 --warmup 0.5
else
    set -- --endpoints 1048576 --rounds 3 --seconds 5 --warmup 2
fi
/usr/bin/python3 "$here/bench_dpdk.py" --alkaid "$alkaid" --gen "$gen" \
    --frames 65536 "$@"
# The bouncer on a table that fits in cache, 1K endpoints: the full mode.
if [ "$mode" != --quick ]; then
    /usr/bin/python3 "$here/bench_dpdk.py" --alkaid "$alkaid" --gen "$gen" \
        --frames 65536 "$@" --endpoints 1024 --cases geneve
fi
# The same on hugepages (fewer TLB misses, for both), when the machine
# lets us reserve them (given back at exit): the full mode only.
if [ "$mode" != --quick ]; then
    if hugepages 1536; then
        /usr/bin/python3 "$here/bench_dpdk.py" --alkaid "$alkaid" --gen "$gen" \
            --frames 65536 --huge "$@" | sed 's/^dpdk,\([^,]*\),/dpdk,\1_hugepages,/'
    else
        echo "bench/dpdk: no 2 MiB hugepages to be had; hugepage rows skipped" >&2
    fi
fi
