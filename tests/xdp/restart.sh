#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# restart.sh ALKAID_XDP XDP_TABLES TRAFFICGEN XDP_PASS_OBJ
#
# alkaid-xdp is stopped (SIGTERM) and started again RESTARTS times (default
# 3) under a steady stream of VXLAN and Geneve frames.  Every frame must
# come back bounced, exactly once and exactly as the bouncer rewrites it;
# the bounce counter must count each frame once; the tables must hold what
# they held before; each restart must have replaced the program; a second
# daemon, and a start with other table sizes, must be refused without
# touching anything (one endpoint more than the pinned capacity too);
# --detach must remove the program and the pins.  ENDPOINTS (default
# 65536) is the endpoint table's capacity, FILL (default 1000) the
# endpoints added to the three named ones: ENDPOINTS=1048576 FILL=1048573
# runs it with the table full.  MTU (default 1500) is the veth's MTU and
# PAYLOAD (default 16) the frames' tenant payload: MTU=9000 PAYLOAD=8922
# sends 9014-byte frames, which the program takes in fragments.
#
#   namespace gw:   gw0 (02:a1:ca:1d:01:00)  alkaid-xdp, native XDP,
#                   gateway 198.18.0.1
#   namespace peer: pe0 (02:a1:ca:1d:02:00)  XDP_PASS attached, trafficgen
#                   on AF_PACKET; it is both the host 198.18.0.2 that
#                   sends and the host 198.18.0.3 of the destination
#
# Everything it makes (two namespaces, a private bpffs, a temporary
# directory) goes on exit, whatever the outcome.  Exit 77 (skip) when not
# root.
set -euo pipefail

if [ $# -ne 4 ]; then
    echo "usage: $0 ALKAID_XDP XDP_TABLES TRAFFICGEN XDP_PASS_OBJ" >&2
    exit 2
fi
alkaid=$1 tables=$2 TRAFFICGEN=$3 pass_obj=$4
RESTARTS=${RESTARTS:-3}
RATE=${RATE:-10000}
ENDPOINTS=${ENDPOINTS:-65536} # the endpoint table's capacity
FILL=${FILL:-1000}            # endpoints added to the three named ones
MTU=${MTU:-1500}
PAYLOAD=${PAYLOAD:-16}
. "$(dirname "$0")/../lib/lib.sh"
lib_init restart
need_root
sizes=(--endpoints "$ENDPOINTS" --networks 1K --vpcs 1K --neighbors 1K)
bpffs=$tmp/bpffs
pins=$bpffs/alkaid/gw0
sock=$tmp/alkaid.sock # not the default socket: a test must not take it

attached_id() { xdp_prog_id "$ns_gw" gw0; }

# start_daemon N ARGS...: start alkaid-xdp, wait until it says it is ready
start_daemon() {
    local n=$1
    shift
    daemon_start "daemon.$n" --log "ready:" -- ip netns exec "$ns_gw" \
        "$alkaid" -i gw0 --bpffs "$bpffs" "${sizes[@]}" -s "$sock" "$@" ||
        fail "alkaid-xdp (start $n) did not start"
    daemon=daemon.$n
}

stop_daemon() {
    daemon_stop "$daemon" || fail "alkaid-xdp exited with $? on SIGTERM"
}

# --- a private bpffs, the two namespaces, a veth between them -----------
# ip netns exec hides the host's /sys/fs/bpf, but not this mount
bpffs_mount "$bpffs"
gw_peer alkrst$$ 1 "$pass_obj"
ip -n "$ns_gw" link set gw0 mtu "$MTU"
ip -n "$ns_peer" link set pe0 mtu "$MTU"

# --- first start and the tables -----------------------------------------
start_daemon 0 --gateway-ip 198.18.0.1
[ -e "$pins/alk_endpoints" ] || fail "no tables pinned in $pins"
{
    echo "neighbor add ip 198.18.0.3 mac $peer_mac"
    echo "neighbor add ip 198.18.3.1 mac 02:00:00:03:00:01"
    echo "endpoint add vni 100 ip 198.19.0.20 mac 0e:00:00:00:00:14 host 198.18.0.3"
    echo "endpoint add vni 100 ip 198.19.0.10 mac 0e:00:00:00:00:0a host 198.18.0.2"
    echo "endpoint add vni 101 ip 192.0.2.10 mac 0e:00:00:00:01:0a host 198.18.0.3"
    echo "network add vni 100 prefix 198.19.0.0/24 bouncers 198.18.0.1 router 198.19.0.1 dns 198.19.0.2 mtu 1450 lease 3600"
    echo "network add vni 101 prefix 192.0.2.0/26 bouncers 198.18.0.1"
    echo "vpc add vni 100 dividers 198.18.3.1,198.18.3.2"
    awk -v n="$FILL" 'BEGIN {
        for (i = 0; i < n; i++)
            printf "endpoint add vni %d ip 198.19.%d.%d mac 0e:00:c8:%02x:%02x:%02x host 198.18.0.3\n",
                200 + int(i / 65536), int(i / 256) % 256, i % 256,
                int(i / 65536), int(i / 256) % 256, i % 256 }'
} >"$tmp/tables.cmd"
"$tables" "$pins" apply <"$tmp/tables.cmd" >"$tmp/apply.log" 2>&1 ||
    fail "filling the tables through the pins: $(cat "$tmp/apply.log")"
"$tables" "$pins" list | sort >"$tmp/before.txt"
entries=$(grep -vc '^gateway' "$tmp/before.txt" || true)
# the endpoints and their DHCP index entries, 2 networks, 1 VPC, 2 neighbors
want=$((2 * (FILL + 3) + 5))
[ "$entries" -eq "$want" ] ||
    fail "tables hold $entries entries, $want expected"
grep -q "^gateway set ip 198.18.0.1 mac $gw_mac " "$tmp/before.txt" ||
    fail "gateway not set from --gateway-ip and gw0's MAC"
"$tables" "$pins" reset-stats

# --- the stream, and the restarts under it ------------------------------
stream_start trafficgen "$ns_peer" pe0 "$gw_mac" "$peer_mac" "$RATE" "$PAYLOAD"
sleep 1
ids=$(attached_id)
for i in $(seq "$RESTARTS"); do
    old=$(attached_id)
    stop_daemon
    [ "$(attached_id)" = "$old" ] ||
        fail "SIGTERM detached the program (id now '$(attached_id)')"
    sleep 0.5 # the data plane forwards with no daemon at all
    start_daemon "$i"
    new=$(attached_id)
    [ -n "$new" ] && [ "$new" != "$old" ] ||
        fail "restart $i did not replace the program (id $old, now '$new')"
    ids="$ids -> $new"
    sleep 0.5
done

# a second daemon for a served interface is refused and changes nothing
rc=0
gw "$alkaid" -i gw0 --bpffs "$bpffs" "${sizes[@]}" -s "$tmp/second.sock" \
    >"$tmp/second.log" 2>&1 ||
    rc=$?
[ "$rc" -eq 1 ] || fail "second daemon on gw0: exit $rc, expected 1"
grep -q "another alkaid-xdp" "$tmp/second.log" ||
    fail "second daemon: $(cat "$tmp/second.log")"
[ "$(attached_id)" = "$new" ] || fail "a refused start changed the program"

# with none running, a start with other sizes is refused (exit 3), says
# what to do, and changes nothing; then the right one starts
stop_daemon
rc=0
gw "$alkaid" -i gw0 --bpffs "$bpffs" --endpoints $((ENDPOINTS + 1)) -s "$sock" \
    >"$tmp/refused.log" 2>&1 || rc=$?
[ "$rc" -eq 3 ] || fail "start with other sizes: exit $rc, expected 3"
grep -q -- "--detach" "$tmp/refused.log" ||
    fail "refusal does not say what to do: $(cat "$tmp/refused.log")"
[ "$(attached_id)" = "$new" ] || fail "a refused start changed the program"
start_daemon last
ids="$ids -> $(attached_id)"
sleep 1

rc=0
stream_stop trafficgen || rc=$?
cat "$tmp/trafficgen.log"
[ "$rc" -eq 0 ] || fail "trafficgen: not every frame came back bounced once"
sent=$(awk '$1 == "sent" { print $2 }' "$tmp/trafficgen.log")
received=$(awk '$1 == "sent" { print $4 }' "$tmp/trafficgen.log")

# --- counters and tables after the restarts -----------------------------
"$tables" "$pins" stats >"$tmp/stats.txt"
bounce=$(awk '$1 == "bounce" { print $2 }' "$tmp/stats.txt")
[ "${bounce:-0}" -eq "$sent" ] ||
    fail "bounce counter ${bounce:-0}, frames sent $sent: $(cat "$tmp/stats.txt")"
"$tables" "$pins" list | sort >"$tmp/after.txt"
diff -u "$tmp/before.txt" "$tmp/after.txt" >"$tmp/tables-diff.log" ||
    fail "the tables changed across the restarts"

# --- --detach removes the program and the pins --------------------------
stop_daemon
gw "$alkaid" --detach -i gw0 --bpffs "$bpffs" >"$tmp/detach.log" 2>&1 ||
    fail "--detach failed"
[ -z "$(attached_id)" ] || fail "--detach left program $(attached_id) attached"
[ ! -e "$pins" ] || fail "--detach left $pins"

echo "xdp-restart: $((RESTARTS + 1)) restarts (program ids $ids), sent $sent," \
    "received $received, bounce counter $bounce, tables intact" \
    "($entries entries)"
