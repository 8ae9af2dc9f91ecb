#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# alkaid-sync against one real etcd on loopback and the in-memory gateway
# daemon (ctl-testd): the initial sync, changes in order, gateway groups,
# bad values reported by key, restarts of alkaid-sync (resume by revision),
# compaction past it and daemon restarts (resync by difference, counted
# exactly), the store unreachable.  Every step ends with the exact-equality
# check (alkaidctl -j listings against etcdctl get --prefix).
#
#   sync_test.sh ALKAIDCTL CTL_TESTD ALKAID_SYNC
set -u
FLEET_CTL=$1 FLEET_TESTD=$2 FLEET_SYNC=$3
ALKAIDCTL=$1
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/lib-fleet.sh"
lib_init sync
command -v etcd >/dev/null || { note "no etcd (tools/install-deps.sh)"; exit 77; }

logged() { grep -qF -- "$2" "$tmp/$1.log" || { echo "'$2' not in $1.log"; return 1; }; }

etcd_cluster e 1
E=$e_urls
ectl() { etcdctl --endpoints "$E" "$@"; }

# --- the initial sync, then changes ----------------------------------------
cat >"$tmp/base.batch" <<'B'
neighbor add ip 198.51.100.12 mac 02:00:00:00:00:12
vpc add vni 100 dividers 198.51.100.1,198.51.100.2
network add vni 100 prefix 198.18.0.0/15 router 198.18.0.1 bouncers 198.51.100.1
B
endpoints "$tmp/blue.batch" 1000 100 203.0.113.10
endpoints "$tmp/red.batch" 500 200 203.0.113.20
check "alkaidctl --etcd -b: shared rows" "$FLEET_CTL" --etcd "$E" -g all -b "$tmp/base.batch"
check "alkaidctl --etcd -b: group blue" "$FLEET_CTL" --etcd "$E" -g blue -b "$tmp/blue.batch"
check "alkaidctl --etcd -b: group red" "$FLEET_CTL" --etcd "$E" -g red -b "$tmp/red.batch"
check "the store: one key per row" eq "$(ectl get --prefix /alkaid/ --keys-only | grep -c .)" 1503
check "a row's key and value" eq "$(ectl get /alkaid/endpoint/blue/100/198.18.0.1 --print-value-only)" \
    '{"vni":100,"ip":"198.18.0.1","mac":"0e:00:64:00:00:01","host":"203.0.113.10"}'

gateway g1 "$E" '*'
mport=$(free_port)
FLEET_SYNC_ARGS="--metrics 127.0.0.1:$mport" gateway g2 "$E" endpoint/red network neighbor
check "g1 (every row) converges" converged g1 20
check "g2 (endpoints of red) converges" converged g2 20
check "g2 holds no endpoint of blue" eq "$("$FLEET_CTL" -s "$tmp/g2.sock" -j tables | python3 -c 'import json,sys; print(json.load(sys.stdin)["tables"]["endpoint"]["count"])')" 500

ectl put /alkaid/endpoint/blue/100/198.18.10.1 \
    '{"vni":100,"ip":"198.18.10.1","mac":"0e:00:64:00:0a:01","host":"203.0.113.11"}' >/dev/null
ectl del /alkaid/endpoint/blue/100/198.18.0.2 >/dev/null
ectl put /alkaid/endpoint/blue/100/198.18.0.3 \
    '{"vni":100,"ip":"198.18.0.3","mac":"0e:00:64:00:00:03","host":"203.0.113.12"}' >/dev/null
# the MAC of .2, now free, taken by another address: in order, it applies
ectl put /alkaid/endpoint/blue/100/198.18.10.2 \
    '{"vni":100,"ip":"198.18.10.2","mac":"0e:00:64:00:00:02","host":"203.0.113.11"}' >/dev/null
check "put, delete, update, a MAC moving: converged" converged g1 10
check "the group's changes skipped by g2" converged g2 5
check "g2 counted them skipped" test "$(status g2 skipped)" -ge 4

# --- a bad value: reported with its key, the rest applies --------------------
# one transaction: three rows at one revision, two of them bad
ectl txn <<'T' >/dev/null

put /alkaid/endpoint/blue/100/198.18.10.3 "not json"
put /alkaid/endpoint/blue/100/198.18.10.4 "{\"vni\":100,\"ip\":\"198.18.10.5\",\"mac\":\"0e:00:64:00:0a:04\",\"host\":\"203.0.113.11\"}"
put /alkaid/endpoint/blue/100/198.18.10.6 "{\"vni\":100,\"ip\":\"198.18.10.6\",\"mac\":\"0e:00:64:00:0a:06\",\"host\":\"203.0.113.11\"}"


T
check "the row after the bad ones applied" wait_for 5 "$FLEET_CTL" -s "$tmp/g1.sock" endpoint get vni 100 ip 198.18.10.6
check "not JSON: reported with its key" logged g1-s "/alkaid/endpoint/blue/100/198.18.10.3: the value is not JSON"
check "key and value apart: reported with its key" logged g1-s "/alkaid/endpoint/blue/100/198.18.10.4: the value's key fields differ"
check "counted undecodable" eq "$(status g1 undecodable)" 2
ectl del /alkaid/endpoint/blue/100/198.18.10.3 >/dev/null
ectl del /alkaid/endpoint/blue/100/198.18.10.4 >/dev/null
check "bad rows deleted: converged" converged g1 10

# --- alkaid-sync killed and restarted: resumes from its revision -----------------
daemon_stop g1-s KILL
endpoints "$tmp/more.batch" 300 300 203.0.113.30
"$FLEET_CTL" --etcd "$E" -g blue -b "$tmp/more.batch"
ectl del --prefix /alkaid/endpoint/blue/100/198.18.0.1 >/dev/null # .1, .10-.19, .100-.199
gateway_sync g1 "$E" '*'
check "restarted: resumes from the revision file" wait_for 10 logged g1-s "resume from the revision file"
check "restarted: converged" converged g1 20
check "restarted: no resync" eq "$(status g1 resyncs)" 0

# --- compaction past a stopped alkaid-sync: resync by difference --------------------
daemon_stop g1-s KILL
total=$("$FLEET_CTL" -s "$tmp/g1.sock" -j tables | python3 -c 'import json,sys; print(sum(t["count"] for k,t in json.load(sys.stdin)["tables"].items() if k in ("endpoint","network","vpc","neighbor")))')
endpoints "$tmp/c-add.batch" 20 400 203.0.113.40
"$FLEET_CTL" --etcd "$E" -g blue -b "$tmp/c-add.batch"
ectl del --prefix /alkaid/endpoint/red/200/198.18.1.1 >/dev/null # .1.1, .1.10-19, .1.100-199: 111
for i in 3 4 5 6 7 8; do # 6 updates: another host
    ectl put /alkaid/endpoint/blue/100/198.18.0.$i \
        "{\"vni\":100,\"ip\":\"198.18.0.$i\",\"mac\":\"0e:00:64:00:00:0$i\",\"host\":\"203.0.113.99\"}" >/dev/null
done
rev=$(ectl endpoint status -w json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["Status"]["header"]["revision"])')
ectl compact "$rev" >/dev/null
gateway_sync g1 "$E" '*'
check "compacted past: converged" converged g1 20
check "compacted past: counted" eq "$(status g1 compacted)" 1
check "by difference: 20 added" eq "$(status g1 resync_added)" 20
check "by difference: 6 updated" eq "$(status g1 resync_updated)" 6
check "by difference: 111 deleted" eq "$(status g1 resync_deleted)" 111
check "by difference: the rest untouched" eq "$(status g1 resync_unchanged)" $((total - 111 - 6))

# --- the daemon restarted: its state file, then the difference -----------------
daemon_stop g1-d
ectl del /alkaid/endpoint/blue/100/198.18.0.20 >/dev/null
gateway_daemon g1
check "daemon restarted: resync by difference" wait_for 10 logged g1-s "resync by difference at revision"
check "daemon restarted: converged" converged g1 20
daemon_stop g1-d KILL
"$FLEET_CTL" --etcd "$E" -g blue -b "$tmp/c-add.batch" # the same: nothing changes
ectl del /alkaid/endpoint/blue/100/198.18.0.21 >/dev/null
gateway_daemon g1
check "daemon killed and restarted: converged" converged g1 20

# --- the store unreachable: tables kept, retried, caught up ---------------------
before=$("$FLEET_CTL" -s "$tmp/g1.sock" -j endpoint list | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
daemon_stop e1 KILL
check "store gone: said so" wait_for 10 logged g1-s "etcd watch ended"
sleep 2
check "store gone: the tables kept" eq "$("$FLEET_CTL" -s "$tmp/g1.sock" -j endpoint list | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" "$before"
check "store gone: counted" test "$(status g1 store_errors)" -ge 1
etcd_restart e1
ectl del /alkaid/endpoint/blue/100/198.18.0.22 >/dev/null
check "store back: converged" converged g1 20
check "g2 too" converged g2 20

# --- g2's /metrics: its status file's figures ---------------------------------
# metric NAME{LABELS}: its value on g2's page
metric() {
    curl -sf "http://127.0.0.1:$mport/metrics" | awk -v k="$1" '$1 == k { print $2 }'
}
same() { [ "$(metric "$1")" = "$(status g2 "$2")" ]; }
check "bad --metrics: usage error" eq "$("$FLEET_SYNC" --etcd "$E" --share '*' -s x \
    --revision-file x --metrics 127.0.0.1 >/dev/null 2>&1; echo $?)" 2
check "g2's /metrics: promtool check metrics" sh -c \
    "curl -sf http://127.0.0.1:$mport/metrics | promtool check metrics"
check "g2's /metrics: the revision of its status file" wait_for 5 same alkaid_sync_revision revision
check "g2's /metrics: puts" same 'alkaid_sync_events_total{result="put"}' puts
check "g2's /metrics: skipped" same 'alkaid_sync_events_total{result="skipped"}' skipped
check "g2's /metrics: store errors" same 'alkaid_sync_errors_total{kind="store"}' store_errors
check "g2's /metrics: watching" eq "$(metric 'alkaid_sync_state{state="watching"}')" 1
check "g2's /metrics: build info" eq "$(metric "alkaid_build_info{version=\"$("$FLEET_CTL" -s "$tmp/g2.sock" -j version | python3 -c 'import json,sys; print(json.load(sys.stdin)["version"])')\",dataplane=\"none\"}")" 1

echo "1..$n"
[ "$failed" -eq 0 ] || fail "$failed of $n failed"
step "passed $n"
