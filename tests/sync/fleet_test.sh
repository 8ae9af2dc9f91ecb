#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# A fleet: a 3-member etcd cluster on loopback and 4 gateways (ctl-testd
# and alkaid-sync each) in groups, every step ending with the exact-equality
# check of every gateway against its share of the store.
#
#   fleet_test.sh ALKAIDCTL CTL_TESTD ALKAID_SYNC scale|chaos
#
# scale: 100K endpoints converge on all four; alkaid-sync killed (-9) in
#   the middle of its initial sync and of a large batch of changes; one
#   etcd member killed (-9) under writes.
# chaos: a gateway cut from etcd for 30 s while writes go on, then healed;
#   cut again, etcd compacted past its revision, healed; a gateway daemon
#   restarted under writes.
set -u
FLEET_CTL=$1 FLEET_TESTD=$2 FLEET_SYNC=$3 mode=${4:-scale}
ALKAIDCTL=$1
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/lib-fleet.sh"
lib_init "fleet-$mode"
command -v etcd >/dev/null || { note "no etcd (tools/install-deps.sh)"; exit 77; }
export ALKAID_ETCD_TXN_OPS=1000

all_converged() { # all_converged WHAT
    for g in g1 g2 g3 g4; do check "$1: $g converged" converged "$g" 60 "$E"; done
}

etcd_cluster e 3
E=$e_urls
ectl() { etcdctl --endpoints "$E" "$@"; }
put() { "$FLEET_CTL" --etcd "$E" -g "$1" -b "$2"; }

if [ "$mode" = scale ]; then
    per=50000
else
    per=5000
fi
cat >"$tmp/base.batch" <<'B'
neighbor add ip 198.51.100.12 mac 02:00:00:00:00:12
neighbor add ip 198.51.100.13 mac 02:00:00:00:00:13
vpc add vni 100 dividers 198.51.100.1,198.51.100.2
vpc add vni 200 dividers 198.51.100.1,198.51.100.2
network add vni 100 prefix 198.18.0.0/15 router 198.18.0.1 bouncers 198.51.100.3,198.51.100.4
network add vni 200 prefix 198.18.0.0/15 router 198.18.0.1 bouncers 198.51.100.5,198.51.100.6
B
endpoints "$tmp/blue.batch" $per 100 203.0.113.10
endpoints "$tmp/red.batch" $per 200 203.0.113.20
t0=$(date +%s.%N)
check "rows written into the cluster" eval 'put all "$tmp/base.batch" && put blue "$tmp/blue.batch" && put red "$tmp/red.batch"'
step "$((2 * per)) endpoints written in $(echo "$(date +%s.%N) - $t0" | bc) s"

# g1 every row, g2 a divider, g3 and g4 the bouncers of blue and red; each
# talks to another member first
u() { # u I: the members' URLs, member I first
    local a
    IFS=, read -ra a <<<"$E"
    echo "${a[$1]},${a[$(((${1} + 1) % 3))]},${a[$(((${1} + 2) % 3))]}"
}
gateway_daemon g1
gateway_daemon g2
gateway_daemon g3
gateway_daemon g4
gateway_sync g1 "$(u 0)" '*'
gateway_sync g2 "$(u 1)" vpc,network,neighbor
gateway_sync g3 "$(u 2)" endpoint/blue,network,neighbor

if [ "$mode" = scale ]; then
    # --- kill -9 in the middle of the initial sync ---------------------------
    # requests of 500 rows: 100 of them, so that the kill lands among them
    FLEET_SYNC_ARGS="--batch 500" gateway_sync g4 "$(u 0)" endpoint/red,network,neighbor
    count4() { "$FLEET_CTL" -s "$tmp/g4.sock" tables | awk '$1 == "endpoint" { print $2 }'; }
    for i in $(seq 1000); do
        [ "$(count4)" -gt 0 ] && break
        sleep 0.01
    done
    daemon_stop g4-s KILL
    have=$(count4)
    check "g4 killed in the middle of its initial sync" test "$have" -gt 0 -a "$have" -lt $per
    step "g4's alkaid-sync killed with $have of $per endpoints applied"
    gateway_sync g4 "$(u 0)" endpoint/red,network,neighbor
    all_converged "initial sync"
    check "g4 restarted: what it had was left unchanged" \
        test "$(status g4 resync_unchanged)" -ge "$have"

    # --- kill -9 in the middle of a large batch of changes -----------------------
    endpoints "$tmp/blue2.batch" $per 100 203.0.113.11 # every host moves
    put blue "$tmp/blue2.batch" &
    writer=$!
    for i in $(seq 50); do
        [ "$(status g3 puts 2>/dev/null || echo 0)" -gt $((per + per / 10)) ] && break
        sleep 0.1
    done
    daemon_stop g3-s KILL
    wait $writer
    step "g3's alkaid-sync killed at $(cat "$tmp/g3.rev" | head -1)"
    gateway_sync g3 "$(u 2)" endpoint/blue,network,neighbor
    all_converged "alkaid-sync killed mid-batch"
    check "g3 resumed from its revision file" grep -q "resume from the revision file" "$tmp/g3-s.log"

    # --- kill -9 one etcd member under writes ---------------------------------------
    for r in 1 2 3 4 5 6; do
        endpoints "$tmp/w$r.batch" 2000 $((100 + r % 2 * 100)) 203.0.113.$((30 + r))
    done
    (for r in 1 2 3 4 5 6; do
        put "$([ $((r % 2)) = 1 ] && echo red || echo blue)" "$tmp/w$r.batch" || exit 1
    done) &
    writer=$!
    sleep 0.5
    daemon_stop e2 KILL
    step "etcd member e2 killed under writes"
    wait $writer
    check "the writer went on through the other members" test $? -eq 0
    all_converged "an etcd member killed"
    etcd_restart e2
    check "e2 back: g2 (whose first member it is) still converged" converged g2 30 "$E"
else
    gateway_sync g4 "http://127.0.0.1:$(free_port)" endpoint/red,network,neighbor
    daemon_stop g4-s
    # g4 reaches etcd through a proxy, the link that is cut
    proxy_port=$(free_port)
    member1=${E%%,*}
    proxy() {
        background proxy setsid socat TCP-LISTEN:"$proxy_port",bind=127.0.0.1,reuseaddr,fork \
            TCP:"${member1#http://}" 2>>"$tmp/proxy.log"
        wait_for 5 bash -c "echo >/dev/tcp/127.0.0.1/$proxy_port"
    }
    cut() { # the proxy and every connection through it
        kill -KILL -- "-$(daemon_pid proxy)" 2>/dev/null
        daemon_stop proxy KILL
    }
    proxy
    gateway_sync g4 "http://127.0.0.1:$proxy_port" endpoint/red,network,neighbor
    all_converged "initial sync"

    # --- cut for 30 s while writes go on, healed --------------------------------------
    cut
    step "g4 cut from etcd"
    for r in $(seq 1 10); do
        endpoints "$tmp/w$r.batch" 500 200 203.0.113.$((40 + r))
        put red "$tmp/w$r.batch"
        ectl del /alkaid/endpoint/red/200/198.18.0.$r >/dev/null
        sleep 2.7
    done
    check "cut: g4 said the store is unreachable" \
        grep -q "retrying, the daemon keeps its tables" "$tmp/g4-s.log"
    check "cut: g4 kept its tables" eq "$("$FLEET_CTL" -s "$tmp/g4.sock" -j tables | python3 -c 'import json,sys; print(json.load(sys.stdin)["tables"]["endpoint"]["count"])')" $per
    proxy
    step "healed after 30 s"
    all_converged "cut and healed"
    check "healed: resumed, no resync" eq "$(status g4 resyncs)" 1

    # --- cut, compacted past its revision, healed --------------------------------------
    rows0=$("$FLEET_DIR/converge.py" --ctl "$FLEET_CTL" --socket "$tmp/g4.sock" \
        --etcd "$E" endpoint/red network neighbor | awk '{print $2}')
    cut
    endpoints "$tmp/c.batch" 1000 200 203.0.113.60
    put red "$tmp/c.batch"
    ectl del --prefix /alkaid/endpoint/red/200/198.18.1. >/dev/null
    rev=$(etcdctl --endpoints "$member1" endpoint status -w json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["Status"]["header"]["revision"])')
    ectl compact "$rev" >/dev/null
    counts() { echo "$(status g4 resync_added) $(status g4 resync_updated) $(status g4 resync_deleted) $(status g4 resync_unchanged)"; }
    read -r a0 u0 d0 s0 < <(counts)
    proxy
    all_converged "compacted past a cut gateway"
    check "compacted: counted" eq "$(status g4 compacted)" 1
    check "compacted: resynced by difference" eq "$(status g4 resyncs)" 2
    # of the 1000 rows written, 256 deleted after, one (198.18.0.10) new
    read -r a1 u1 d1 s1 < <(counts)
    check "compacted: only what changed: 1 added, 743 updated, 256 deleted" \
        eq "$((a1 - a0)) $((u1 - u0)) $((d1 - d0))" "1 743 256"
    check "compacted: every other row left alone" eq $((s1 - s0)) $((rows0 - 743 - 256))

    # --- a daemon restarted under writes --------------------------------------------
    endpoints "$tmp/d.batch" 3000 100 203.0.113.70
    put blue "$tmp/d.batch" &
    writer=$!
    daemon_stop g3-d
    sleep 1
    gateway_daemon g3
    wait $writer
    all_converged "a daemon restarted under writes"
    check "g3 resynced by difference" grep -q "daemon .* resync by difference" "$tmp/g3-s.log"
fi

for g in g1 g2 g3 g4; do
    step "$g: $(cat "$tmp/$g.status")"
done
echo "1..$n"
[ "$failed" -eq 0 ] || fail "$failed of $n failed"
step "passed $n"
