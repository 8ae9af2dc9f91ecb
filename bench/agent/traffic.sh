#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# bench/agent/traffic.sh --quick|--full BUILD: iperf3 and redis-benchmark
# between endpoints on two alkaid-agent hosts, CSV on stdout.
#
# Reference (same run): "direct", the two hosts tunnelling straight to each
# other with no gateway (each agent's network points at the other host,
# the endpoints' ARP entries set by hand).  Measured against it: through
# the gateway (alkaid-xdp) with the direct path off, and on.  With it on,
# also the share of an iperf3 flow's frames the gateway still carries after
# the flow's first second.
set -euo pipefail
mode=${1:---quick}
build=$(cd "${2:-build}" && pwd)
top=$(cd "$(dirname "$0")/../.." && pwd)
for x in dp-agent/alkaid-agent dp-xdp/alkaid-xdp ctl/alkaidctl; do
    [ -x "$build/$x" ] || { echo "bench/agent: $build/$x not built" >&2; exit 0; }
done
if [ "$mode" = --quick ]; then
    secs=2 requests=5000 rounds=1
else
    secs=5 requests=50000 rounds=3
fi

LAB=abn
LAB_VNIS=100
LAB_PASS_OBJ=$build/tools/xdp_pass.bpf.o
ALKAIDCTL=$build/ctl/alkaidctl
. "$top/tests/lib/lib.sh"
source "$top/tests/lab/topo.sh"
lib_init bench/agent
need_root

exec 3>&1 1>&2 # rows on 3, everything else on stderr
row() { echo "$1" >&3; }

actl() { "$ALKAIDCTL" -s "$tmp/gw1.sock" "$@"; }
agentctl() { local i=$1; shift; "$ALKAIDCTL" -s "$tmp/agent$i.sock" "$@"; }
counter() { # counter SOCKET REASON
    "$ALKAIDCTL" -s "$1" -j stats | /usr/bin/python3 -c \
        "import json,sys; print(json.load(sys.stdin)['reasons']['$2'])"
}
agent_start() { # agent_start I on|off
    daemon_start "agent$1" --ctl "$tmp/agent$1.sock" --timeout 10 -- \
        ip netns exec "$LAB-h$1" "$build/dp-agent/alkaid-agent" \
        --underlay eth0 --socket "$tmp/agent$1.sock" \
        --pin-dir "$tmp/agentfs$1" --direct-path "$2" >/dev/null ||
        fail "agent $1 did not start"
}
ep() { ep_ns "$1" 1 100; }
epip() { ep_ip "$1" 1 1; }

# --- two agent hosts, one endpoint each, one gateway --------------------
lab_down
bpffs_mount "$tmp/gwfs"
lab_underlay 1
daemon_start gw1 --ctl "$tmp/gw1.sock" --timeout 10 -- \
    ip netns exec "$LAB-gw1" "$build/dp-xdp/alkaid-xdp" -i gw0 \
    --bpffs "$tmp/gwfs" --socket "$tmp/gw1.sock" >/dev/null ||
    fail "the gateway did not start"
for i in 1 2; do
    lab_host_agent "$i" 1
    lab_endpoint_addr "$i" 1 1 100
    bpffs_mount "$tmp/agentfs$i"
done
lab_tables 2 1 "$(in_ns "$LAB-gw1" cat /sys/class/net/gw0/address)" >"$tmp/tables"
actl -b "$tmp/tables" >/dev/null || fail "the gateway refused the tables"

# setup MODE: direct | off | on
setup() {
    local m=$1 i peer
    for i in 1 2; do
        daemon_stop "agent$i" >/dev/null 2>&1 || true
        agent_start "$i" "$([ "$m" = on ] && echo on || echo off)"
        peer=$((3 - i))
        if [ "$m" = direct ]; then
            lab_agent_tables "$i" 1 1 off | sed "s/bouncers [0-9.]*/bouncers $(host_ip "$peer")/" >"$tmp/a$i"
            in_ns "$(ep "$i")" ip neigh replace "$(epip "$peer")" \
                lladdr "$(ep_mac "$peer" 1 100)" dev eth0 nud permanent
        else
            lab_agent_tables "$i" 1 1 off >"$tmp/a$i"
            in_ns "$(ep "$i")" ip neigh flush dev eth0
        fi
        agentctl "$i" -b "$tmp/a$i" >/dev/null || fail "agent $i refused its tables"
    done
    in_ns "$(ep 1)" ping -c 3 -i 0.2 -W 1 "$(epip 2)" >/dev/null ||
        fail "$m: the endpoints cannot reach each other"
}

iperf() { # prints Gbit/s
    in_ns "$(ep 2)" iperf3 -s -1 -D -p 5201
    sleep 0.3
    in_ns "$(ep 1)" iperf3 -c "$(epip 2)" -p 5201 -t "$secs" -J >"$tmp/iperf.json" ||
        fail "iperf3 failed"
    /usr/bin/python3 -c "import json; print('%.3f' % (json.load(open('$tmp/iperf.json'))['end']['sum_received']['bits_per_second'] / 1e9))"
}

redis() { # prints "set get" requests/s
    daemon_start redis --log "Ready to accept" --timeout 10 -- \
        ip netns exec "$(ep 2)" redis-server --bind "$(epip 2)" --port 6379 \
        --save "" --appendonly no --protected-mode no >/dev/null ||
        fail "redis-server did not start"
    in_ns "$(ep 1)" redis-benchmark -h "$(epip 2)" -t set,get -n "$requests" -c 20 -q \
        >"$tmp/redis.out" 2>&1 || fail "redis-benchmark failed"
    daemon_stop redis >/dev/null || true
    tr '\r' '\n' <"$tmp/redis.out" | awk '/^SET:/ { s = $2 } /^GET:/ { g = $2 } END { print s, g }'
}

# The modes take turns, round after round, and each figure is the median
# of its rounds: the machine's other load drifts, and a mode measured
# while it is high must not stand alone.
declare -A gbps set get
for r in $(seq 1 "$rounds"); do
    for m in direct off on; do
        setup "$m"
        g=$(iperf)
        read -r s1 g1 < <(redis)
        gbps[$m]+=" $g" set[$m]+=" $s1" get[$m]+=" $g1"
        note "round $r, $m: iperf3 $g Gbit/s, redis SET $s1/s GET $g1/s"
    done
done
median() { tr ' ' '\n' | sed '/^$/d' | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
for m in direct off on; do
    gbps[$m]=$(echo "${gbps[$m]}" | median)
    set[$m]=$(echo "${set[$m]}" | median)
    get[$m]=$(echo "${get[$m]}" | median)
done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", (b > 0 ? a / b : 0) }'; }
for m in off on; do
    row "agent,iperf3_dp_$m,2,Gbit/s,${gbps[$m]},${gbps[direct]},$(ratio "${gbps[$m]}" "${gbps[direct]}")"
    row "agent,redis_set_dp_$m,2,req/s,${set[$m]},${set[direct]},$(ratio "${set[$m]}" "${set[direct]}")"
    row "agent,redis_get_dp_$m,2,req/s,${get[$m]},${get[direct]},$(ratio "${get[$m]}" "${get[direct]}")"
done

# The share of a flow's frames through the gateway, direct path on, after
# its first second (the first frames ask and are answered).
setup on
in_ns "$(ep 2)" iperf3 -s -1 -D -p 5202
sleep 0.3
in_ns "$(ep 1)" iperf3 -c "$(epip 2)" -p 5202 -t $((secs + 1)) >/dev/null &
ipid=$!
sleep 1
g0=$(( $(counter "$tmp/gw1.sock" bounce) + $(counter "$tmp/gw1.sock" direct_path_return) ))
d0=$(( $(counter "$tmp/agent1.sock" agent_direct) + $(counter "$tmp/agent2.sock" agent_direct) ))
wait "$ipid" || fail "iperf3 (share) failed"
g1=$(( $(counter "$tmp/gw1.sock" bounce) + $(counter "$tmp/gw1.sock" direct_path_return) ))
d1=$(( $(counter "$tmp/agent1.sock" agent_direct) + $(counter "$tmp/agent2.sock" agent_direct) ))
g=$((g1 - g0)) d=$((d1 - d0))
share=$(awk -v g="$g" -v d="$d" 'BEGIN { printf "%.5f", (g + d > 0 ? g / (g + d) : 0) }')
note "share through the gateway after 1 s: $g of $((g + d)) frames"
row "agent,gateway_share_dp_on,2,fraction,$share,0.01,$(ratio "$share" 0.01)"
