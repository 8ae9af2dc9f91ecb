# SPDX-License-Identifier: BSD-3-Clause
# The fleet tests' helpers (sourced after tests/lib/lib.sh): etcd members
# on loopback with their own data directories (in /dev/shm: etcd fsyncs
# every write, and the tests measure alkaid, not the disk) and free ports,
# gateways (ctl-testd and alkaid-sync), the exact-equality check, and
# endpoint batch files, TAP checks.
#
#   FLEET_CTL, FLEET_TESTD, FLEET_SYNC: the programs (set by the caller)

FLEET_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# TAP lines: check DESC COMMAND... runs COMMAND, prints "ok N - DESC" (and
# its last line of output) or "not ok" with the output; $n checks ran,
# $failed failed.  eq A B: whether A is B, saying both when not.
n=0
failed=0
check() { # check DESC COMMAND...
    n=$((n + 1))
    if out=$("${@:2}" 2>&1); then
        echo "ok $n - $1${out:+: ${out##*$'\n'}}"
    else
        failed=$((failed + 1))
        echo "not ok $n - $1"
        echo "$out" | sed 's/^/#   /' | head -20
    fi
}
eq() { [ "$1" = "$2" ] || { echo "got '$1', wanted '$2'"; return 1; }; }

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# etcd_cluster NAME N: N members NAME1..NAMEN; $NAME_urls their client URLs
# (comma-separated), etcd_url[NAMEi] each one's, etcd_args[NAMEi] its
# command line (to start it again)
declare -A etcd_url=() etcd_args=()
etcd_cluster() {
    local name=$1 n=$2 i cluster= cport pport urls= data
    local -a peers=()
    for ((i = 1; i <= n; i++)); do
        pport=$(free_port)
        peers[i]=$pport
        cluster+="$name$i=http://127.0.0.1:$pport,"
    done
    for ((i = 1; i <= n; i++)); do
        cport=$(free_port)
        data=$(mktemp -d /dev/shm/alkaid-fleet-etcd.XXXXXX)
        on_exit rm -rf "$data"
        etcd_url[$name$i]=http://127.0.0.1:$cport
        urls+="http://127.0.0.1:$cport,"
        etcd_args[$name$i]="--name $name$i --data-dir $data \
--listen-client-urls http://127.0.0.1:$cport \
--advertise-client-urls http://127.0.0.1:$cport \
--listen-peer-urls http://127.0.0.1:${peers[i]} \
--initial-advertise-peer-urls http://127.0.0.1:${peers[i]} \
--initial-cluster ${cluster%,} --initial-cluster-state new \
--initial-cluster-token $name-$$ --max-txn-ops 10000 \
--max-request-bytes 33554432 --quota-backend-bytes 8589934592 \
--log-level warn"
        # shellcheck disable=SC2086
        background "$name$i" etcd ${etcd_args[$name$i]} >>"$tmp/$name$i.log" 2>&1
    done
    printf -v "${name}_urls" '%s' "${urls%,}"
    for ((i = 1; i <= n; i++)); do
        wait_for 30 etcdctl --endpoints "${etcd_url[$name$i]}" endpoint health ||
            fail "etcd $name$i did not become healthy"
    done
}

# etcd_restart MEMBER: start a member again, on its data
etcd_restart() {
    # shellcheck disable=SC2086
    background "$1" etcd ${etcd_args[$1]} >>"$tmp/$1.log" 2>&1
    wait_for 30 etcdctl --endpoints "${etcd_url[$1]}" endpoint health ||
        fail "etcd $1 did not come back"
}

# gateway NAME ETCD_URLS SHARE...: a ctl-testd (socket $tmp/NAME.sock) and
# its alkaid-sync (revision file $tmp/NAME.rev, status $tmp/NAME.status)
gateway() {
    local name=$1 urls=$2
    shift 2
    gateway_daemon "$name"
    gateway_sync "$name" "$urls" "$@"
}

gateway_daemon() {
    daemon_start "$1-d" --log ready --timeout 10 -- \
        "$FLEET_TESTD" -s "$tmp/$1.sock" -S "$tmp/$1.state" -n 2000000 ||
        fail "ctl-testd $1 did not start"
}

# (FLEET_SYNC_ARGS: more options, e.g. --batch 500)
declare -A gw_share=() gw_urls=()
gateway_sync() {
    local name=$1 urls=$2 a=()
    shift 2
    gw_share[$name]="$*"
    gw_urls[$name]=$urls
    for s in "$@"; do a+=(--share "$s"); done
    background "$name-s" "$FLEET_SYNC" --etcd "$urls" -s "$tmp/$name.sock" \
        --revision-file "$tmp/$name.rev" --status "$tmp/$name.status" \
        "${a[@]}" ${FLEET_SYNC_ARGS:-} >>"$tmp/$name-s.log" 2>&1
}

# converged NAME SECONDS [ETCD_URL]: the gateway holds exactly its share
converged() {
    local name=$1 secs=$2 url=${3:-${gw_urls[$1]}}
    local -a share
    set -f # '*' is a share, not a glob
    read -ra share <<<"${gw_share[$name]}"
    set +f
    "$FLEET_DIR/converge.py" --ctl "$FLEET_CTL" --socket "$tmp/$name.sock" \
        --etcd "$url" --wait "$secs" "${share[@]}"
}

# status NAME FIELD: a counter of the gateway's alkaid-sync
status() {
    python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' \
        "$tmp/$1.status" "$2"
}

# endpoints FILE N [VNI0] [HOST] [OP]: N endpoint lines, 65536 per VNI from
# VNI0, addresses 198.18.0.1 on, MACs 0e:VV:VV:00:JJ:JJ
endpoints() {
    awk -v n="$2" -v v0="${3:-100}" -v host="${4:-203.0.113.10}" -v op="${5:-add}" 'BEGIN {
        for (i = 0; i < n; i++) {
            v = v0 + int(i / 65536); j = i % 65536 + 1
            if (op == "del")
                printf "endpoint del vni %d ip 198.%d.%d.%d\n", v,
                    18 + int(j / 65536), int(j / 256) % 256, j % 256
            else
                printf "endpoint add vni %d ip 198.%d.%d.%d mac 0e:%02x:%02x:00:%02x:%02x host %s\n",
                    v, 18 + int(j / 65536), int(j / 256) % 256, j % 256,
                    int(v / 256) % 256, v % 256, int(j / 256) % 256, j % 256, host
        }
    }' >"$1"
}
