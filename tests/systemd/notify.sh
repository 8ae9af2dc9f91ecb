#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# notify.sh ALKAID_XDP ALKAIDCTL XDP_PASS_OBJ
#
# alkaid-xdp as systemd's Type=notify sees it, and its SIGHUP reload, on a
# veth in a namespace (un<pid>-gw), with NOTIFY_SOCKET a datagram socket
# this test listens on (notify_listen.py):
#   - READY=1 arrives once, and at that moment the XDP program is attached
#     to the interface and the file's tables are listable; STATUS= names
#     the interface and the counts;
#   - SIGHUP: RELOADING=1 then READY=1; an endpoint added to the file is
#     in the tables, one removed from it stays (reload adds and updates);
#     a changed table size is logged as needing a restart;
#   - a file with an error, and a file whose rows the live tables refuse
#     (after a first part that they took), change nothing: the reason is
#     logged with its line and the daemon goes on;
#   - SIGTERM: STOPPING=1;
#   - a daemon that fails to start (no such interface) never sends
#     READY=1.
# Exit 77 (skip) when not root.
set -euo pipefail

if [ $# -ne 3 ]; then
    echo "usage: $0 ALKAID_XDP ALKAIDCTL XDP_PASS_OBJ" >&2
    exit 2
fi
alkaid=$1 ctl=$2 pass_obj=$3
ALKAIDCTL=$ctl
listen=$(dirname "$0")/notify_listen.py
. "$(dirname "$0")/../lib/lib.sh"
lib_init notify
need_root
bpffs=$tmp/bpffs
sock=$tmp/un.sock
notes=$tmp/notify.log

bpffs_mount "$bpffs"
gw_peer un$$ 1 "$pass_obj"

# conf FILE [EXTRA-ENDPOINT-LINES] [ENDPOINTS]: the daemon's file
conf() {
    cat >"$1" <<EOC
control = { socket = "$sock"; };
table-sizes = { endpoints = ${3:-1024}; networks = 64; vpcs = 64; neighbors = 64; };
xdp = { interfaces = [ "gw0" ]; pin-path = "$bpffs/alkaid"; };
gateway = { ip = "198.18.0.1"; mac = "$gw_mac"; };
initial-tables = (
  "neighbor add ip 198.18.0.2 mac 02:00:00:00:00:02",
  "network add vni 100 prefix 203.0.113.0/24 bouncers 198.18.0.1",
  "endpoint add vni 100 ip 203.0.113.5 mac 0e:00:00:00:00:05 host 198.18.0.12"${2:-}
);
EOC
}

# listener: the check at READY=1 is what a unit ordered after ours sees
start_listener() {
    rm -f "$tmp/notify.sock"
    background listener /usr/bin/python3 "$listen" "$tmp/notify.sock" "$notes" \
        "ip -n $ns_gw -d link show dev gw0 | grep -o 'prog/xdp id [0-9]*' &&
         $ctl -s $sock endpoint list" >>"$tmp/listener.log" 2>&1
    wait_for 10 grep -q listening "$notes" || fail "the listener did not start"
}

# the listing, in an order that does not depend on the hash table's
endpoints() { "$ctl" -s "$sock" endpoint list | sort; }
has_endpoint() { endpoints | grep -q " $1 "; }
count() { grep -c -- "$1" "$notes" || true; }

# --- a failed start never says READY=1 ------------------------------------
start_listener
conf "$tmp/bad-if.conf"
sed -i 's/"gw0"/"unnope0"/' "$tmp/bad-if.conf"
rc=0
gw env NOTIFY_SOCKET="$tmp/notify.sock" "$alkaid" -c "$tmp/bad-if.conf" \
    >"$tmp/bad-if.log" 2>&1 || rc=$?
[ "$rc" -eq 1 ] || fail "no such interface: exit $rc, expected 1"
sleep 0.5
[ "$(count READY=1)" -eq 0 ] || fail "a daemon that failed sent READY=1: $(cat "$notes")"
step "a failed start (exit 1) sent no READY=1"

# --- READY=1 once attached, tables loaded -----------------------------------
conf "$tmp/gw.conf"
daemon_start gw --log "ready:" -- ip netns exec "$ns_gw" env \
    NOTIFY_SOCKET="$tmp/notify.sock" "$alkaid" -c "$tmp/gw.conf" ||
    fail "alkaid-xdp did not start"
wait_for 10 grep -q "^check 1:" "$notes" || fail "no READY=1: $(cat "$notes")"
[ "$(count READY=1)" -eq 1 ] || fail "READY=1 sent $(count READY=1) times"
grep "^check 1:" "$notes" | grep -q "^check 1: 0 prog/xdp id [0-9]* .*203.0.113.5" ||
    fail "at READY=1 the program or the tables were not there: $(grep '^check 1' "$notes")"
grep -q "READY=1 STATUS=serving gw0: 1 network, 1 endpoint, 0 vpcs, 1 neighbor" "$notes" ||
    fail "READY=1 without the expected STATUS: $(grep READY "$notes")"
step "READY=1 with the program attached and the tables listable: $(grep -o 'STATUS=[^|]*' "$notes" | head -1)"

# --- reload: an endpoint added, one removed stays -------------------------
conf "$tmp/gw.conf" ',
  "endpoint add vni 100 ip 203.0.113.6 mac 0e:00:00:00:00:06 host 198.18.0.12"'
sed -i '/203.0.113.5 mac/d' "$tmp/gw.conf"
kill -HUP "$(daemon_pid gw)"
wait_for 10 grep -q "^check 2:" "$notes" || fail "no READY=1 after SIGHUP: $(cat "$notes")"
grep -q "^RELOADING=1" "$notes" || fail "no RELOADING=1 before it"
[ "$(grep -n RELOADING=1 "$notes" | head -1 | cut -d: -f1)" -lt \
  "$(grep -n '^READY=1' "$notes" | sed -n 2p | cut -d: -f1)" ] ||
    fail "READY=1 came before RELOADING=1"
has_endpoint 203.0.113.6 || fail "reload: the endpoint added to the file is not there"
has_endpoint 203.0.113.5 || fail "reload: the endpoint left out of the file was removed"
grep -q "STATUS=serving gw0: 1 network, 2 endpoints" "$notes" ||
    fail "no STATUS with 2 endpoints after the reload"
step "SIGHUP: RELOADING=1, READY=1, endpoint added, the one removed from the file kept"

# --- a file with an error changes nothing ---------------------------------
before=$(endpoints)
cp "$tmp/gw.conf" "$tmp/good.conf"
conf "$tmp/gw.conf" ',
  "endpoint add vni 100 ip 203.0.113.7 mac 0e:00:00:00:00:07 host 198.18.0.12",
  "endpoint add vni 100 ip 203.0.113.8 mac 0e:00:00:00:00:08 host 224.0.0.1"'
kill -HUP "$(daemon_pid gw)"
wait_for 10 grep -q "^check 3:" "$notes" || fail "no READY=1 after the bad SIGHUP"
grep -q "error: reload: $tmp/gw.conf:[0-9]*: .*nothing changed" "$tmp/gw.log" ||
    fail "the bad file's reason and line are not logged: $(tail -3 "$tmp/gw.log")"
[ "$(endpoints)" = "$before" ] || fail "a bad file changed the tables: $(endpoints)"
kill -0 "$(daemon_pid gw)" || fail "the daemon died of a bad file"
step "a file with an error: $(grep -o 'reload: [^;]*' "$tmp/gw.log" | tail -1 | sed "s|$tmp/||"); tables unchanged"

# --- rows the live tables refuse, after a part they took: none applied ----
# initial-tables add .9 (taken), then initial-file claims the MAC of .5 for
# .10 (refused by the live tables): .9 must be undone
printf '%s\n' "endpoint add vni 100 ip 203.0.113.10 mac 0e:00:00:00:00:05 host 198.18.0.12" \
    >"$tmp/more.batch"
conf "$tmp/gw.conf" ',
  "endpoint add vni 100 ip 203.0.113.9 mac 0e:00:00:00:00:09 host 198.18.0.13",
  "endpoint add vni 100 ip 203.0.113.6 mac 0e:00:00:00:00:06 host 198.18.0.14"'
echo "initial-file = \"more.batch\";" >>"$tmp/gw.conf"
kill -HUP "$(daemon_pid gw)"
wait_for 10 grep -q "^check 4:" "$notes" || fail "no READY=1 after the refused SIGHUP"
grep -q "error: reload: .*more.batch:1: .*nothing changed" "$tmp/gw.log" ||
    fail "the refused row is not logged with its line: $(tail -3 "$tmp/gw.log")"
[ "$(endpoints)" = "$before" ] ||
    fail "a refused reload left part of it applied: $(endpoints)"
step "rows the tables refuse: $(grep -o 'reload: [^;]*' "$tmp/gw.log" | tail -1 | sed "s|$tmp/||"); the rows before them undone"

# --- a size changed: needs a restart --------------------------------------
conf "$tmp/gw.conf" "" 2048
kill -HUP "$(daemon_pid gw)"
wait_for 10 grep -q "^check 5:" "$notes" || fail "no READY=1 after the resize SIGHUP"
grep -q "reload: table-sizes.endpoints changed (1024 to 2048): needs a restart" "$tmp/gw.log" ||
    fail "a changed size is not said to need a restart"
step "a changed table size: needs a restart (logged)"

# --- SIGTERM: STOPPING=1 --------------------------------------------------
stop=$(daemon_pid gw)
daemon_stop gw || fail "alkaid-xdp exited with $? on SIGTERM"
wait_for 5 grep -q "^STOPPING=1" "$notes" || fail "no STOPPING=1 on SIGTERM"
step "SIGTERM: STOPPING=1; $(count READY=1) READY=1 in all (1 start, 4 reloads)"
[ "$(count READY=1)" -eq 5 ] || fail "expected 5 READY=1"
: "$stop"
