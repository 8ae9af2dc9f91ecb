#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The demo, from a fresh clone on Debian bookworm, as root: installs what is
# needed, builds, then runs a small lab: one alkaid gateway (XDP back end),
# two emulated hosts with kernel VXLAN and two endpoints each; an endpoint
# pings one on the other host through the gateway, and alkaidctl shows the
# tables and the counters moving.  Everything is removed at the end.
# With --installed it builds nothing and runs the installed packages
# (debian/; README.md "Packages"): their binaries and BPF objects, the
# gateway started as its systemd unit starts it, from a configuration
# file at the path the unit reads (tests/lab/lab.sh --installed).
#   tools/demo.sh [--backend xdp|dpdk] [--installed]
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" -ne 0 ]; then
    echo "demo: run as root (packages, XDP, network namespaces)" >&2
    exit 1
fi
case " $* " in
*" --installed "*) ;;
*)
    tools/install-deps.sh
    [ -d build ] || meson setup build >/dev/null
    ninja -C build
    ;;
esac
exec tests/lab/lab.sh --hosts 2 --endpoints 2 "$@" demo
