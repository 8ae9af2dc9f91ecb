#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# bench/dpdk/run.sh --quick|--full BUILD: the DPDK bouncer on one worker
# lcore against dpdk-testpmd, CSV on stdout (bench_dpdk.py): Geneve and
# VXLAN frames bounced, ARP requests answered, a row for each.
#   --full   net_pcap input against macswap: 1M endpoints, 64K distinct
#            frames, 3 rounds of 5 s; the Geneve bouncer on 1K endpoints;
#            the replay input (replay.c) against io and macswap, as many
#            distinct frames as endpoints (1M; 64K for 1K), 3 rounds of 5 s;
#            both inputs again on 2 MiB hugepages; instructions per frame
#            under callgrind, 100K frames, 1K and 1M endpoints
#   --quick  64K endpoints: net_pcap, 64K frames, 1 round of 1 s; replay,
#            Geneve only, 1 round of 1 s; callgrind, 1K endpoints, 20K frames
# Under callgrind also alkaid-dpdk-nocapture (ALK_NO_CAPTURE): the
# *_capture_off_* rows, what the capture's flag test costs while none runs.
set -euo pipefail
mode=$1
build=$(realpath "$2")
here=$(dirname "$(realpath "$0")")
alkaid=$build/dp-dpdk/alkaid-dpdk
gen=$build/bench/dpdk/dpdk-bench-gen
replay=$build/bench/dpdk/libalk-bench-replay.so
nocapture=$build/bench/dpdk/alkaid-dpdk-nocapture
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
bench() { /usr/bin/python3 "$here/bench_dpdk.py" --alkaid "$alkaid" --gen "$gen" "$@"; }
rep() { bench --input replay --replay "$replay" "$@"; }
huge() { sed 's/^dpdk,\([^,]*\),/dpdk,\1_hugepages,/'; }
bench --frames 65536 "$@"
# The bouncer on a table that fits in cache, 1K endpoints: the full mode.
if [ "$mode" != --quick ]; then
    bench --frames 65536 "$@" --endpoints 1024 --cases geneve
fi
# The cheaper input against testpmd io and macswap (cycles per frame), and
# instructions per frame under callgrind: deterministic, for CI to track.
if [ "$mode" = --quick ]; then
    rep --frames 65536 "$@" --cases geneve
    rep --frames 65536 --endpoints 1024 --cases geneve --memory 1024 \
        --callgrind 20000 --alkaid-nocapture "$nocapture"
else
    rep --frames 1048576 "$@"
    rep --frames 65536 "$@" --endpoints 1024 --cases geneve
    for n in 1024 1048576; do
        rep --frames 65536 --endpoints $n --cases geneve --callgrind 100000 \
            --alkaid-nocapture "$nocapture"
    done
fi
# The same on hugepages (fewer TLB misses, for both), when the machine
# lets us reserve them (given back at exit): the full mode only.
if [ "$mode" != --quick ]; then
    if hugepages 1536; then
        bench --frames 65536 --huge "$@" | huge
        rep --frames 1048576 --huge "$@" --cases geneve | huge
        rep --frames 65536 --huge "$@" --endpoints 1024 --cases geneve | huge
    else
        echo "bench/dpdk: no 2 MiB hugepages to be had; hugepage rows skipped" >&2
    fi
fi
