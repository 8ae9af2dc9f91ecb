#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Every lab, on every back end that is built: the full checks on a small
# topology of kernel VXLAN hosts (also at MTU 9000: XDP multi-buffer,
# DPDK chained mbufs), of alkaid-agent hosts, and of both, then the scale
# run (32 hosts x 8 endpoints, pingall).  The kernel VXLAN labs' default
# checks include prometheus (a real Prometheus scraping the gateway) when
# prometheus is installed.
#   tests/lab/run.sh [--quick] [--build DIR]   (--quick: no scale run)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$here/../../build
quick=0
while [ $# -gt 0 ]; do
    case $1 in
    --quick) quick=1 ;;
    --build) build=$2; shift ;;
    *) echo "lab: unknown option $1" >&2; exit 2 ;;
    esac
    shift
done
rc=0
for backend in xdp dpdk; do
    case $backend in
    xdp) [ -x "$build/dp-xdp/alkaid-xdp" ] || continue ;;
    dpdk) [ -x "$build/dp-dpdk/alkaid-dpdk" ] || continue ;;
    esac
    start=$(date +%s)
    "$here/lab.sh" --backend "$backend" --build "$build" --hosts 2 --endpoints 2 || rc=1
    echo "lab[$backend]: small lab took $(($(date +%s) - start))s"
    start=$(date +%s)
    "$here/lab.sh" --backend "$backend" --build "$build" --hosts 2 --endpoints 2 --mtu 9000 || rc=1
    echo "lab[$backend]: small lab at MTU 9000 took $(($(date +%s) - start))s"
    if [ -x "$build/dp-agent/alkaid-agent" ]; then
        start=$(date +%s)
        "$here/lab.sh" --backend "$backend" --build "$build" --kind agent --hosts 3 --endpoints 2 || rc=1
        echo "lab[$backend]: agent lab (3 agent hosts) took $(($(date +%s) - start))s"
        start=$(date +%s)
        "$here/lab.sh" --backend "$backend" --build "$build" --kind mixed --hosts 2 --endpoints 2 \
            arp pingall mtu iperf redis dhcp geneve || rc=1
        echo "lab[$backend]: mixed lab (agent and kernel VXLAN hosts) took $(($(date +%s) - start))s"
        start=$(date +%s)
        "$here/lab.sh" --backend "$backend" --build "$build" --kind agent --hosts 2 --endpoints 2 \
            --mtu 9000 arp pingall mtu iperf direct || rc=1
        echo "lab[$backend]: agent lab at MTU 9000 took $(($(date +%s) - start))s"
    fi
    if [ -x "$build/sync/alkaid-sync" ] && command -v etcd >/dev/null; then
        start=$(date +%s)
        "$here/lab.sh" --backend "$backend" --build "$build" --etcd --hosts 2 --endpoints 2 \
            pingall restart etcd || rc=1
        echo "lab[$backend]: etcd lab (rows only through etcd) took $(($(date +%s) - start))s"
    fi
    if [ "$quick" -eq 0 ]; then
        start=$(date +%s)
        "$here/lab.sh" --backend "$backend" --build "$build" --hosts 32 --endpoints 8 pingall || rc=1
        echo "lab[$backend]: scale lab (32 x 8) took $(($(date +%s) - start))s"
    fi
done
exit $rc
