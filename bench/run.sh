#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Runs every benchmark and writes bench/results/: results.csv, summary.md
# and PNG plots.  Every figure comes with a reference measured in the same
# run, and the ratio between them (ARCHITECTURE.md, "Benchmarks").
#
#   bench/run.sh [--quick] [--build DIR]
#
#   --quick     seconds, small tables: proves the benchmarks still run (CI)
#   --build DIR the meson build directory (default: build)
#
# Each benchmark program prints CSV rows on stdout:
#   bench,case,endpoints,unit,value,ref_value,ratio
set -euo pipefail
cd "$(dirname "$0")/.."

mode=full
build=build
while [ $# -gt 0 ]; do
    case $1 in
    --quick) mode=quick ;;
    --build) build=$2; shift ;;
    -h | --help) sed -n '3,14p' "$0"; exit 0 ;;
    *) echo "bench: unknown option $1" >&2; exit 2 ;;
    esac
    shift
done

out=bench/results
mkdir -p "$out"
csv=$out/results.csv
echo "bench,case,endpoints,unit,value,ref_value,ratio" >"$csv"

run() { # run NAME COMMAND...: append its rows, keep going on failure
    local name=$1
    shift
    echo "bench: $name" >&2
    if ! "$@" >>"$csv"; then
        echo "bench: $name FAILED" >&2
        failed=1
    fi
}
failed=0

for b in bench/xdp/run.sh bench/dpdk/run.sh bench/ctl/run.sh bench/first/run.sh \
    bench/agent/run.sh \
    bench/fleet/run.sh; do
    [ -x "$b" ] && run "$(dirname "$b")" "$b" "--$mode" "$build"
done

# What ran where: figures are only comparable within one run.
{
    echo "# alkaid benchmarks ($mode mode)"
    echo
    echo "- date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "- commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
    echo "- CPU: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores"
    echo "- kernel: $(uname -r)"
    echo "- DPDK: $(pkg-config --modversion libdpdk 2>/dev/null || echo none)"
    echo "- libbpf: $(pkg-config --modversion libbpf 2>/dev/null || echo none)"
    echo
    echo "Every value has a reference measured in the same run; the ratio is"
    echo "value / reference (for costs lower is better, for rates higher)."
    echo
    echo "| bench | case | endpoints | unit | value | reference | ratio |"
    echo "|---|---|---:|---|---:|---:|---:|"
    tail -n +2 "$csv" | awk -F, '{printf "| %s | %s | %s | %s | %s | %s | %s |\n", $1,$2,$3,$4,$5,$6,$7}'
    echo
    echo "Targets (reported, never asserted; ARCHITECTURE.md, \"Benchmarks\"):"
    echo
    echo "| bench | case | endpoints | figure | target | measured | met |"
    echo "|---|---|---:|---|---:|---:|---|"
    # bench case endpoints column(5 value, 7 ratio) maximum
    awk -F, -v OFS=, '
        NR == FNR { if (FNR > 1) row[$1 "," $2 "," $3] = $0; next }
        {
            have = ($1 "," $2 "," $3) in row
            split(have ? row[$1 "," $2 "," $3] : "", f, ",")
            printf "| %s | %s | %s | %s | <= %s | %s | %s |\n", $1, $2, $3,
                $4 == 7 ? "ratio" : "value", $5, have ? f[$4] : "not measured",
                !have ? "" : (f[$4] + 0 <= $5 + 0 ? "yes" : "no")
        }' "$csv" - <<'TARGETS'
xdp,bounce_drawn,1000000,7,2.5
dpdk,bouncer_random_1m_replay_beyond_io,1048576,5,80
dpdk,bouncer_random_1m_replay_beyond_io_hugepages,1048576,5,80
dpdk,bouncer_random_1k_replay_beyond_io,1024,5,40
dpdk,bouncer_random_1k_replay_beyond_io_hugepages,1024,5,40
dpdk,bouncer_random_1k_instr_beyond_io,1024,5,250
dpdk,bouncer_random_1m_instr_beyond_io,1048576,5,250
agent,egress_geneve_64,,7,2
agent,egress_geneve_1400,,7,2
agent,egress_vxlan_64,,7,2
agent,egress_direct_64,,7,2
TARGETS
} >"$out/summary.md"

bench/plot.sh "$csv" "$out" || echo "bench: plots failed (gnuplot?)" >&2
cat "$out/summary.md"
exit $failed
