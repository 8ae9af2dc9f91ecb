#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# plot.sh CSV OUTDIR: one PNG per unit (ns/packet, Mpps, adds/s, ...),
# bars per case and table size, value beside its reference; and one PNG
# of the ratios per benchmark (ratio_xdp.png, ratio_dpdk.png, ...).
set -euo pipefail
csv=$1
out=$2
command -v gnuplot >/dev/null || { echo "plot: no gnuplot" >&2; exit 1; }
# bars PNG TITLE PLOT: a histogram, PLOT the gnuplot plot arguments
bars() {
    gnuplot <<GP
set terminal pngcairo size 1200,600 noenhanced
set output "$1"
set title "$2"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set xtics rotate by -35 scale 0
set grid ytics
set key top left
plot $3
GP
}

for unit in $(tail -n +2 "$csv" | cut -d, -f4 | sort -u); do
    data=$(mktemp)
    tail -n +2 "$csv" | awk -F, -v u="$unit" '$4 == u {
        printf "\"%s/%s %s\" %s %s\n", $1, $2, ($3 == "" ? "" : $3), $5, ($6 == "" ? 0 : $6) }' >"$data"
    [ -s "$data" ] &&
        bars "$out/$unit.png" "$unit (value and same-run reference)" \
            "\"$data\" using 2:xtic(1) title \"alkaid\", \"\" using 3 title \"reference\""
    rm -f "$data"
done

# The ratios, one PNG per benchmark: how close each case is to its
# reference (for costs lower is better, for rates higher).
for bench in $(tail -n +2 "$csv" | cut -d, -f1 | sort -u); do
    data=$(mktemp)
    tail -n +2 "$csv" | awk -F, -v b="$bench" '$1 == b && $7 != "" {
        printf "\"%s %s\" %s\n", $2, $3, $7 }' >"$data"
    [ -s "$data" ] &&
        bars "$out/ratio_$bench.png" "$bench: value / same-run reference" \
            "\"$data\" using 2:xtic(1) notitle"
    rm -f "$data"
done
