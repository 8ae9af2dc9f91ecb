#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# bench/fleet/run.sh --quick|--full BUILD: gateways following etcd, CSV rows
# (bench,case,endpoints,unit,value,ref_value,ratio).  One etcd member on
# loopback (data in /dev/shm), gateways of the in-memory back end
# (ctl-testd) each with its alkaid-sync.  Reported, never asserted.
#
# 1. fleet,initial_sync,N,s: N endpoints from etcd into one empty gateway
#    (alkaid-sync started until its resync is done), against alkaidctl -b
#    of the same rows into another (reference).  Also the rows' write into
#    etcd with alkaidctl --etcd (fleet,store_write,N,puts_per_s).
# 2. fleet,provision_p50|p99,K,ms: one endpoint put into etcd until all 4
#    gateways have it, over K endpoints one at a time, against the put's
#    own latency by the same client (bench/fleet/latency.py).
# 3. fleet,sustained_4_gateways,M,puts_per_s: M endpoint puts (alkaidctl
#    --etcd, transactions of 128) until all 4 gateways have the last,
#    against the same client's put rate into a prefix no gateway watches.
# 4. fleet,resync_by_revision|resync_by_difference,N,s: the N-endpoint
#    gateway's alkaid-sync restarted after 1% of the rows changed, without
#    and after a compaction, until it is caught up; against the initial
#    sync.
#
#   --quick  N = 20000, K = 100, M = 10000
#   --full   N = 1000000, K = 1000, M = 100000
set -euo pipefail
mode=$1
build=$(realpath "$2")
here=$(dirname "$(realpath "$0")")
case $mode in
--quick) N=20000 K=100 M=10000 ;;
--full) N=1000000 K=1000 M=100000 ;;
*) echo "usage: $0 --quick|--full BUILD" >&2; exit 2 ;;
esac
. "$here/../../tests/lib/lib.sh"
FLEET_CTL=$build/ctl/alkaidctl
FLEET_TESTD=$build/tests/ctl/ctl-testd
FLEET_SYNC=$build/sync/alkaid-sync
ALKAIDCTL=$FLEET_CTL
. "$here/../../tests/sync/lib-fleet.sh"
lib_init bench/fleet
command -v etcd >/dev/null || { note "no etcd: skipped"; exit 0; }

now() { date +%s.%N; }
since() { echo "$(now) - $1" | bc -l; }
ratio() { echo "scale=3; $1 / $2" | bc -l; }
row() { printf 'fleet,%s,%s,%s,%.3f,%.3f,%.3f\n' "$1" "$2" "$3" "$4" "$5" "$(ratio "$4" "$5")"; }
revision() {
    etcdctl --endpoints "$E" endpoint status -w json |
        python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["Status"]["header"]["revision"])'
}
# caught_up NAME REV: its alkaid-sync has applied up to REV
caught_up() {
    wait_for 600 python3 -c 'import json,sys; s = json.load(open(sys.argv[1]))
sys.exit(0 if s["state"] == "watching" and s["revision"] >= int(sys.argv[2]) else 1)' \
        "$tmp/$1.status" "$2"
}

etcd_cluster e 1
E=$e_urls

# --- 1. initial sync against alkaidctl -b ---------------------------------------
endpoints "$tmp/n.batch" "$N" 100 203.0.113.10
t0=$(now)
"$FLEET_CTL" --etcd "$E" -g blue -b "$tmp/n.batch"
w=$(since "$t0")
gateway_daemon ref
t0=$(now)
"$FLEET_CTL" -s "$tmp/ref.sock" -b "$tmp/n.batch"
ref=$(since "$t0")
daemon_stop ref-d
printf 'fleet,store_write,%s,puts_per_s,%.0f,,\n' "$N" "$(echo "$N / $w" | bc -l)"
rev=$(revision)
gateway_daemon g1
t0=$(now)
gateway_sync g1 "$E" endpoint
caught_up g1 "$rev" || fail "g1 did not catch up"
initial=$(since "$t0")
row initial_sync "$N" s "$initial" "$ref"

# --- 2. provisioning latency, 4 gateways ------------------------------------------
for g in g2 g3 g4; do
    gateway_daemon "$g"
    gateway_sync "$g" "$E" endpoint/prov
done
for g in g2 g3 g4; do caught_up "$g" "$rev"; done
read -r _ p50 p99 put50 put99 < <(python3 "$here/latency.py" "$E" /alkaid/ prov "$K" \
    "$tmp/g1.sock" "$tmp/g2.sock" "$tmp/g3.sock" "$tmp/g4.sock")
row provision_p50 "$K" ms "$p50" "$put50"
row provision_p99 "$K" ms "$p99" "$put99"

# --- 3. sustained puts into 4 gateways, against the store alone ---------------------
endpoints "$tmp/m.batch" "$M" 300 203.0.113.30
t0=$(now)
"$FLEET_CTL" --etcd "$E" --prefix /bench-reference/ -g prov -b "$tmp/m.batch"
alone=$(echo "$M / $(since "$t0")" | bc -l)
t0=$(now)
"$FLEET_CTL" --etcd "$E" -g prov -b "$tmp/m.batch"
rev=$(revision)
for g in g1 g2 g3 g4; do caught_up "$g" "$rev"; done
through=$(echo "$M / $(since "$t0")" | bc -l)
row sustained_4_gateways "$M" puts_per_s "$through" "$alone"

# --- 4. resync after a restart: by revision, by difference ----------------------------
endpoints "$tmp/c.batch" $((N / 100)) 100 203.0.113.11 # 1% of the rows move
for how in revision difference; do
    daemon_stop g1-s KILL || true
    "$FLEET_CTL" --etcd "$E" -g blue -b "$tmp/c.batch"
    rev=$(revision)
    [ "$how" = difference ] && etcdctl --endpoints "$E" compact "$rev" >/dev/null
    t0=$(now)
    gateway_sync g1 "$E" endpoint
    caught_up g1 "$rev" || fail "g1 did not catch up ($how)"
    row "resync_by_$how" "$N" s "$(since "$t0")" "$initial"
    endpoints "$tmp/c.batch" $((N / 100)) 100 203.0.113.12 # and move again
done
