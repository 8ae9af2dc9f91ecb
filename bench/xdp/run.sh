#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# bench/xdp/run.sh --quick|--full BUILD: XDP per-path cost, CSV on stdout.
set -euo pipefail
mode=$1
build=$2
exe=$build/bench/xdp/xdp-paths
[ -x "$exe" ] || { echo "bench/xdp: $exe not built (-Ddataplane=dpdk?)" >&2; exit 0; }
if [ "$mode" = --quick ]; then
    "$exe" --quick "$build/bench/xdp"
else
    "$exe" "$build/bench/xdp"
fi
