#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Installs what alkaid needs to build, test and benchmark, from Debian
# bookworm packages only.  Run as root; safe to run again.
set -euo pipefail

packages=(
    # build
    gcc clang llvm meson ninja-build pkg-config gcc-multilib linux-libc-dev
    # hygiene checks (tools/check-format.sh, tools/check-headers.sh)
    clang-format git
    # XDP back end
    libbpf-dev libxdp-dev xdp-tools bpftool
    # DPDK back end (dpdk-dev brings dpdk-testpmd and dpdk-telemetry.py)
    libdpdk-dev dpdk dpdk-dev libnuma-dev libpcap-dev
    librte-net-null23 librte-net-pcap23 librte-net-ring23 librte-net-memif23
    librte-net-af-packet23 librte-net-af-xdp23 librte-net-tap23
    librte-mempool-ring23
    # control plane and tests
    libconfig-dev libjson-c-dev libcunit1-dev libclang-rt-14-dev
    # fleets (sync/): etcd's JSON gateway through libcurl; etcd for tests
    libcurl4-openssl-dev etcd-server etcd-client
    # labs: real peers
    iproute2 ethtool iputils-ping iperf3 tshark python3-scapy udhcpc
    tcpdump socat xxd fping redis-server redis-tools
    # benchmarks
    gnuplot-nox linux-perf
    # appliance: /metrics over HTTP (libmicrohttpd), readiness for systemd
    # (sd_notify), man pages (scdoc), Prometheus and promtool for the scrape
    # test, bash completion, and what builds and checks the Debian packages
    libmicrohttpd-dev libsystemd-dev scdoc prometheus bash-completion
    debhelper dpkg-dev fakeroot lintian
    # a strict OpenMetrics parser for the metrics test (the Prometheus
    # project's Python client; promtool reads the text format only)
    python3-prometheus-client
)

if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: run as root (apt-get install)" >&2
    exit 1
fi

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
        missing+=("$p")
done
if [ "${#missing[@]}" -eq 0 ]; then
    echo "install-deps: all ${#packages[@]} packages present"
    exit 0
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer for it
echo "wireshark-common wireshark-common/install-setuid boolean false" |
    debconf-set-selections
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
