#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# control.sh ALKAID_XDP ALKAIDCTL XDP_TABLES TRAFFICGEN XDP_PASS_OBJ
#
# alkaid-xdp started from a configuration file and programmed with
# alkaidctl over its control socket:
#   - a file with an error is refused with its file:line and exit status 2,
#     and so is xdp.mode "hw", before anything is touched;
#   - a first start applies the file's gateway and initial tables to both
#     interfaces; alkaidctl adds entries (one by one and in a batch), and
#     'alkaidctl -j' lists them, counts them (tables) and counts the frames
#     bounced (stats); both interfaces' pinned maps hold the same entries;
#   - a restart (pins kept) applies the file's gateway again but not its
#     initial tables, and -s overrides the file's socket; forwarding goes on;
#   - a third interface added on a restart gets a copy of the tables;
#     --group gives the socket to a group;
#   - SIGTERM writes the state file; after --detach, a first start loads it
#     instead of the initial tables.
#
#   namespace gw:   gw0, gw1, gw2   alkaid-xdp, native XDP, 198.18.0.1
#   namespace peer: pe0, pe1, pe2   XDP_PASS attached; trafficgen on pe0 is
#                                   the host 198.18.0.2 that sends and the
#                                   host 198.18.0.3 of the destination
#
# Exit 77 (skip) when not root.
set -euo pipefail

if [ $# -ne 5 ]; then
    echo "usage: $0 ALKAID_XDP ALKAIDCTL XDP_TABLES TRAFFICGEN XDP_PASS_OBJ" >&2
    exit 2
fi
alkaid=$1 ctl=$2 tables=$3 TRAFFICGEN=$4 pass_obj=$5
ALKAIDCTL=$ctl
. "$(dirname "$0")/../lib/lib.sh"
lib_init control
need_root
bpffs=$tmp/bpffs
pins=$bpffs/gw

attached_id() { xdp_prog_id "$ns_gw" "$1"; }

# start_daemon NAME ARGS...: alkaid-xdp, ready when it says so
start_daemon() {
    local name=$1
    shift
    daemon_start "$name" --log "ready:" -- ip netns exec "$ns_gw" "$alkaid" "$@" ||
        fail "alkaid-xdp $* did not start"
    daemon=$name
}

stop_daemon() {
    daemon_stop "$daemon" || fail "alkaid-xdp exited with $? on SIGTERM"
}

# traffic NAME: VXLAN and Geneve frames for a second; every one must come
# back bounced; prints how many were sent
traffic() {
    stream_start "$1" "$ns_peer" pe0 "$gw_mac" "$peer_mac" 2000
    sleep 1
    stream_stop "$1" || fail "$1: not every frame came back bounced once"
    awk '$1 == "sent" { print $2 }' "$tmp/$1.log"
}

# --- a bpffs; namespaces: three veth pairs, XDP_PASS on the peers -------
bpffs_mount "$bpffs"
gw_peer alkctl$$ 3 "$pass_obj"

# --- refused files: nothing is touched -----------------------------------
cat >"$tmp/bad.conf" <<EOF
# line 2
xdp = { interfaces = [ "gw0" ]; pin-path = "$pins"; };
table-sizes = {
  endpoints = 0;
};
EOF
rc=0
gw "$alkaid" -c "$tmp/bad.conf" -s "$tmp/bad.sock" >"$tmp/bad.log" 2>&1 || rc=$?
[ "$rc" -eq 2 ] || fail "bad config: exit $rc, expected 2"
grep -qF "$tmp/bad.conf:4: table-sizes.endpoints: 0 out of range" \
    "$tmp/bad.log" || fail "bad config: $(cat "$tmp/bad.log")"
[ ! -e "$pins" ] && [ -z "$(attached_id gw0)" ] ||
    fail "a refused config touched gw0"
step "a bad file is refused: $(head -n 1 "$tmp/bad.log")"

sed 's/^xdp = { interfaces/xdp = { mode = "hw"; interfaces/' \
    "$tmp/bad.conf" | sed '/endpoints = 0/d' >"$tmp/hw.conf"
rc=0
gw "$alkaid" -c "$tmp/hw.conf" -s "$tmp/bad.sock" >"$tmp/hw.log" 2>&1 || rc=$?
[ "$rc" -eq 2 ] && grep -q "offload" "$tmp/hw.log" ||
    fail "mode hw: exit $rc, $(cat "$tmp/hw.log")"
[ -z "$(attached_id gw0)" ] || fail "mode hw touched gw0"
step "xdp.mode hw is refused: $(head -n 1 "$tmp/hw.log")"

# --- first start from the file -------------------------------------------
cat >"$tmp/gw.conf" <<EOF
control = { socket = "$tmp/cfg.sock"; };
table-sizes = { endpoints = 4096; networks = 256; vpcs = 256; neighbors = 256; };
xdp = {
  interfaces = [ "gw0", "gw1" ];
  mode = "native";
  pin-path = "$pins";
};
gateway = { ip = "198.18.0.1"; mac = "$gw_mac"; };
state-file = "$tmp/xdp.state";
initial-tables = (
  "neighbor add ip 198.18.0.3 mac $peer_mac",
  "neighbor add ip 198.18.0.99 mac 02:00:00:00:00:99",
  "endpoint add vni 100 ip 198.19.0.20 mac 0e:00:00:00:00:14 host 198.18.0.3"
);
EOF
sock=$tmp/cfg.sock
start_daemon first -c "$tmp/gw.conf"
[ -S "$sock" ] || fail "no control socket at $sock (control.socket)"
[ -n "$(attached_id gw0)" ] && [ -n "$(attached_id gw1)" ] ||
    fail "program not attached to gw0 and gw1"

"$ctl" -s "$sock" -j gateway >"$tmp/gateway.json"
json_ok "$tmp/gateway.json" 'j["ip"] == "198.18.0.1" and j["mac"] == "'"$gw_mac"'"' ||
    fail "gateway not from the file: $(cat "$tmp/gateway.json")"
"$ctl" -s "$sock" -j neighbor list >"$tmp/neighbors.json"
json_ok "$tmp/neighbors.json" 'sorted(n["ip"] for n in j) == ["198.18.0.3", "198.18.0.99"]' ||
    fail "initial tables not applied: $(cat "$tmp/neighbors.json")"
step "first start: gateway and initial tables from the file"

"$ctl" -s "$sock" endpoint add vni 100 ip 198.19.0.10 mac 0e:00:00:00:00:0a \
    host 198.18.0.2
"$ctl" -s "$sock" network add vni 100 prefix 198.19.0.0/24 \
    bouncers 198.18.0.1 router 198.19.0.1 mtu 1450 lease 3600
"$ctl" -s "$sock" vpc add vni 100 dividers 198.18.3.1,198.18.3.2
batch_endpoints "$sock" 200 198.18.0.3 100
"$ctl" -s "$sock" neighbor del ip 198.18.0.99
# the file's gateway comes back at every start: change it here
"$ctl" -s "$sock" gateway set ip 198.18.0.1 mac "$gw_mac" vxlan-port 4790
"$ctl" -s "$sock" -j gateway >"$tmp/gateway.json"
json_ok "$tmp/gateway.json" 'j["vxlan_port"] == 4790' || fail "gateway set"
"$ctl" -s "$sock" gateway set ip 198.18.0.1 mac "$gw_mac"

"$ctl" -s "$sock" -j endpoint list >"$tmp/endpoints.json"
json_ok "$tmp/endpoints.json" 'len(j) == 102 and {"vni": 100, "ip": "198.19.0.10", "mac": "0e:00:00:00:00:0a", "host": "198.18.0.2"} in j' ||
    fail "endpoint list: $(head -c 300 "$tmp/endpoints.json")"
"$ctl" -s "$sock" -j tables >"$tmp/tables.json"
json_ok "$tmp/tables.json" 'j["tables"]["endpoint"]["count"] == 102 and j["tables"]["dhcp"]["count"] == 102 and j["tables"]["endpoint"]["capacity"] == 4096 and j["tables"]["network"]["count"] == 1 and j["tables"]["vpc"]["count"] == 1 and j["tables"]["neighbor"]["count"] == 1' ||
    fail "tables: $(cat "$tmp/tables.json")"
# every change went to both interfaces' maps
"$tables" "$pins/gw0" list | sort >"$tmp/gw0.txt"
"$tables" "$pins/gw1" list | sort >"$tmp/gw1.txt"
diff -u "$tmp/gw0.txt" "$tmp/gw1.txt" >"$tmp/pins-diff.log" ||
    fail "gw0's and gw1's tables differ"
[ "$(grep -c '^endpoint add' "$tmp/gw0.txt")" -eq 102 ] ||
    fail "gw0's pinned endpoints: $(grep -c '^endpoint add' "$tmp/gw0.txt")"
step "alkaidctl: 102 endpoints, 1 network, 1 vpc, 1 neighbor, in gw0's and gw1's maps"

"$ctl" -s "$sock" stats reset
sent=$(traffic traffic-first)
"$ctl" -s "$sock" -j stats >"$tmp/stats.json"
json_ok "$tmp/stats.json" "j['reasons']['bounce'] == $sent and j['verdicts']['tx'] == $sent" ||
    fail "stats after $sent frames: $(cat "$tmp/stats.json")"
step "forwarding: $sent frames bounced, alkaidctl stats says $sent"

stop_daemon
[ ! -e "$sock" ] || fail "the socket outlived the daemon"
grep -q "^endpoint add vni 100 ip 198.19.0.10 " "$tmp/xdp.state" ||
    fail "state file not written at exit"
[ -n "$(attached_id gw0)" ] || fail "SIGTERM detached the program"

# --- restart: pins kept, the file's gateway again, not its initial tables -
sock=$tmp/cli.sock
start_daemon second -c "$tmp/gw.conf" -s "$sock"
[ -S "$sock" ] && [ ! -e "$tmp/cfg.sock" ] || fail "-s did not override the file"
"$ctl" -s "$sock" -j neighbor list >"$tmp/neighbors.json"
json_ok "$tmp/neighbors.json" '[n["ip"] for n in j] == ["198.18.0.3"]' ||
    fail "restart re-applied the initial tables: $(cat "$tmp/neighbors.json")"
"$ctl" -s "$sock" -j gateway >"$tmp/gateway.json"
json_ok "$tmp/gateway.json" 'j["vxlan_port"] == 4789 and j["ip"] == "198.18.0.1"' ||
    fail "the file's gateway not applied on restart: $(cat "$tmp/gateway.json")"
"$ctl" -s "$sock" -j endpoint list >"$tmp/endpoints-2.json"
json_ok "$tmp/endpoints-2.json" 'j == json.load(open("'"$tmp/endpoints.json"'"))' ||
    fail "endpoints changed across the restart"
sent=$(traffic traffic-second)
step "restart: tables kept, initial tables not re-applied, gateway from the file, $sent frames bounced"
stop_daemon

# --- a third interface: it gets the tables of the others ------------------
group=$(getent group daemon >/dev/null && echo daemon || echo root)
start_daemon third -c "$tmp/gw.conf" -s "$sock" -i gw0 -i gw1 -i gw2 \
    --group "$group"
[ "$(stat -c %G "$sock")" = "$group" ] || fail "--group $group not applied"
grep -q "gw2: tables copied from gw0" "$tmp/third.log" ||
    fail "gw2 not filled: $(cat "$tmp/third.log")"
"$tables" "$pins/gw2" list | sort >"$tmp/gw2.txt"
"$tables" "$pins/gw0" list | sort >"$tmp/gw0.txt"
diff -u "$tmp/gw0.txt" "$tmp/gw2.txt" >"$tmp/pins-diff.log" ||
    fail "gw2's tables differ from gw0's"
"$ctl" -s "$sock" endpoint del vni 200 ip 203.0.113.1
for i in 0 1 2; do
    ! "$tables" "$pins/gw$i" list | grep -q "ip 203.0.113.1 " ||
        fail "delete did not reach gw$i"
done
step "gw2 added: tables copied from gw0; a delete reaches all three; socket of group $group"
stop_daemon

# --- --detach, then a first start from the state file ---------------------
gw "$alkaid" --detach -c "$tmp/gw.conf" -i gw0 -i gw1 -i gw2 \
    >"$tmp/detach.log" 2>&1 || fail "--detach failed"
for i in 0 1 2; do
    [ -z "$(attached_id gw$i)" ] && [ ! -e "$pins/gw$i" ] ||
        fail "--detach left gw$i"
done
start_daemon fourth -c "$tmp/gw.conf" -s "$sock"
grep -q "loading the state file" "$tmp/fourth.log" ||
    fail "state file not loaded: $(cat "$tmp/fourth.log")"
"$ctl" -s "$sock" -j endpoint list >"$tmp/endpoints-4.json"
json_ok "$tmp/endpoints-4.json" 'len(j) == 101 and not any(e["ip"] == "203.0.113.1" for e in j)' ||
    fail "endpoints from the state file: $(head -c 300 "$tmp/endpoints-4.json")"
"$ctl" -s "$sock" -j neighbor list >"$tmp/neighbors.json"
json_ok "$tmp/neighbors.json" '[n["ip"] for n in j] == ["198.18.0.3"]' ||
    fail "the initial tables were applied over the state file"
sent=$(traffic traffic-fourth)
step "after --detach: tables back from the state file, $sent frames bounced"
stop_daemon
gw "$alkaid" --detach -c "$tmp/gw.conf" >"$tmp/detach.log" 2>&1 ||
    fail "--detach failed"

echo "xdp-control: ok"
