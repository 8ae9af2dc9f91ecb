#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# notify_dpdk.sh ALKAID_DPDK ALKAIDCTL
#
# alkaid-dpdk as systemd's Type=notify sees it, on a net_null port without
# hugepages (EAL --file-prefix un<pid>), NOTIFY_SOCKET a datagram socket
# of this test (notify_listen.py):
#   - a daemon whose port cannot be probed exits 1 without READY=1;
#   - READY=1 arrives once the port is started and the worker launched,
#     with the file's tables listable at that moment, and a STATUS= that
#     names the port, the worker and the counts;
#   - SIGHUP: RELOADING=1, READY=1, a neighbor added to the file is in the
#     tables; a file with an error changes nothing; a changed port is
#     logged as needing a restart;
#   - SIGTERM: STOPPING=1.
# Exit 77 (skip) when not root.
set -euo pipefail

if [ $# -ne 2 ]; then
    echo "usage: $0 ALKAID_DPDK ALKAIDCTL" >&2
    exit 2
fi
alkaid=$1 ctl=$2
ALKAIDCTL=$ctl
listen=$(dirname "$0")/notify_listen.py
. "$(dirname "$0")/../lib/lib.sh"
lib_init notify-dpdk
need_root
sock=$tmp/un-dpdk.sock
notes=$tmp/notify.log
eal_args eal 256 "un$$"

# conf FILE PORT [NEIGHBOR-LINES]
conf() {
    cat >"$1" <<EOC
dpdk = { ports = ( "$2" ); workers = [ 1 ]; main-lcore = 0; };
control = { socket = "$sock"; };
table-sizes = { endpoints = 1024; networks = 64; vpcs = 64; neighbors = 64; };
gateway = { ip = "198.18.0.1"; mac = "02:00:00:00:00:01"; };
initial-tables = (
  "neighbor add ip 198.18.0.2 mac 02:00:00:00:00:02"${3:-}
);
EOC
}
count() { grep -c -- "$1" "$notes" || true; }
neighbors() { "$ctl" -s "$sock" neighbor list | sort; }

rm -f "$tmp/notify.sock"
background listener /usr/bin/python3 "$listen" "$tmp/notify.sock" "$notes" \
    "$ctl -s $sock neighbor list" >>"$tmp/listener.log" 2>&1
wait_for 10 grep -q listening "$notes" || fail "the listener did not start"

# --- a failed start never says READY=1 ------------------------------------
conf "$tmp/bad.conf" net_unnope0
rc=0
NOTIFY_SOCKET=$tmp/notify.sock "$alkaid" "${eal[@]}" -- -c "$tmp/bad.conf" \
    >"$tmp/bad.log" 2>&1 || rc=$?
[ "$rc" -eq 1 ] || fail "a port that cannot be probed: exit $rc, expected 1"
sleep 0.5
[ "$(count READY=1)" -eq 0 ] || fail "a daemon that failed sent READY=1"
step "a failed start (exit 1) sent no READY=1"

# --- READY=1 once the port and the worker run -----------------------------
conf "$tmp/gw.conf" net_null0
daemon_start gw --log serving --timeout 60 -- env NOTIFY_SOCKET="$tmp/notify.sock" \
    "$alkaid" "${eal[@]}" -- -c "$tmp/gw.conf" || fail "alkaid-dpdk did not start"
wait_for 10 grep -q "^check 1:" "$notes" || fail "no READY=1: $(cat "$notes")"
grep -q "^check 1: 0 .*198.18.0.2" "$notes" ||
    fail "at READY=1 the tables were not listable: $(grep '^check 1' "$notes")"
grep -q "^READY=1 STATUS=serving 1 port, 1 worker: 0 networks, 0 endpoints, 0 vpcs, 1 neighbor" "$notes" ||
    fail "READY=1 without the expected STATUS: $(grep READY "$notes")"
step "READY=1 with the tables listable: $(grep -o 'STATUS=serving[^|]*' "$notes" | head -1)"

# --- SIGHUP ---------------------------------------------------------------
conf "$tmp/gw.conf" net_null0 ',
  "neighbor add ip 198.18.0.3 mac 02:00:00:00:00:03"'
kill -HUP "$(daemon_pid gw)"
wait_for 10 grep -q "^check 2:" "$notes" || fail "no READY=1 after SIGHUP"
grep -q "^RELOADING=1" "$notes" || fail "no RELOADING=1"
neighbors | grep -q "198.18.0.3 " || fail "reload: the neighbor added is not there"
step "SIGHUP: RELOADING=1, READY=1, the neighbor added"

before=$(neighbors)
conf "$tmp/gw.conf" net_null0 ',
  "neighbor add ip 198.18.0.4 mac 02:00:00:00:00:04",
  "neighbor add ip 198.18.0.5 mac 02:00:00:00"'
kill -HUP "$(daemon_pid gw)"
wait_for 10 grep -q "^check 3:" "$notes" || fail "no READY=1 after the bad SIGHUP"
grep -q "error: reload: $tmp/gw.conf:[0-9]*: .*nothing changed" "$tmp/gw.log" ||
    fail "the bad file's reason and line are not logged"
[ "$(neighbors)" = "$before" ] || fail "a bad file changed the tables"
step "a file with an error: tables unchanged"

conf "$tmp/gw.conf" net_null1
kill -HUP "$(daemon_pid gw)"
wait_for 10 grep -q "^check 4:" "$notes" || fail "no READY=1 after the port SIGHUP"
grep -q "reload: dpdk.ports changed: needs a restart" "$tmp/gw.log" ||
    fail "a changed port is not said to need a restart"
step "a changed port: needs a restart (logged)"

daemon_stop gw || fail "alkaid-dpdk exited with $? on SIGTERM"
wait_for 5 grep -q "^STOPPING=1" "$notes" || fail "no STOPPING=1 on SIGTERM"
step "SIGTERM: STOPPING=1"
