#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# alkaid-dpdk started from a configuration file and programmed with
# alkaidctl over its control socket, between two kernels with VXLAN devices:
#
#   ha (198.18.0.1, endpoint 192.0.2.1) --+
#   hb (198.18.0.2, endpoint 192.0.2.2) --+-- br0 --- gw0: alkaid-dpdk on
#                                                      net_af_packet
#                                                      (gateway 198.18.0.254)
# Checked:
#   1. a file with an error is refused with its file:line and exit status 2;
#   2. a start from the file alone (its dpdk section becomes the EAL's
#      lcores, device and arguments) applies its gateway and initial tables;
#      underlay ARP is on by default, from the file and from 'alkaidctl
#      gateway set ip A mac M', and off when asked;
#      alkaidctl adds entries (one by one and in a batch) and 'alkaidctl -j'
#      lists them (endpoint list), counts them (tables) and counts the frames
#      (stats) of a ping from ha's endpoint to hb's through the gateway;
#   3. SIGTERM writes the state file; a restart with EAL options, socket,
#      group and state file on the command line (overriding the file)
#      loads it, not the initial tables: same tables, and forwarding
#      resumes.
#
#   control.sh ALKAID_DPDK ALKAIDCTL
set -euo pipefail

alkaid=$(realpath "$1")
ctl=$(realpath "$2")
ALKAIDCTL=$ctl
prefix=alk-ctl-$$
. "$(dirname "$0")/../lib/lib.sh"
lib_init control
need_root
vxlan_hosts "$prefix"
eal_args eal1 512 "$prefix-1"
eal_args eal2 512 "$prefix-2"

# start NAME ARGS...: alkaid-dpdk in the switch's namespace, until serving
start() {
    local name=$1
    shift
    daemon_start "$name" --log serving --timeout 60 -- \
        ip netns exec "$sw" "$alkaid" "$@" || fail "alkaid-dpdk $* did not start"
    daemon=$name
}

stop() {
    daemon_stop "$daemon" || fail "alkaid-dpdk exited with $? on SIGTERM"
}

# ping_over: ha's endpoint pings hb's through the gateway
ping_over() {
    for _ in $(seq 10); do
        ip netns exec "${host_ns[ha]}" ping -c 2 -i 0.2 -W 1 192.0.2.2 \
            >"$tmp/ping.log" 2>&1 && return 0
    done
    fail "no ping from 192.0.2.1 to 192.0.2.2 through the gateway"
}

# --- 1. a file with an error ----------------------------------------------
cat >"$tmp/bad.conf" <<EOF
dpdk = {
  ports = [ "net_af_packet0,iface=gw0" ];
  workers = [ 1, 1 ];
};
EOF
rc=0
"$alkaid" -- -c "$tmp/bad.conf" >"$tmp/bad.log" 2>&1 || rc=$?
[ $rc -eq 2 ] || fail "bad config: exit $rc, expected 2"
grep -qF "$tmp/bad.conf:3: dpdk.workers[1]: lcore 1 listed twice" \
    "$tmp/bad.log" || fail "bad config: $(cat "$tmp/bad.log")"
step "1. a bad file is refused: $(cat "$tmp/bad.log")"

# --- 2. from the file alone -----------------------------------------------
cat >"$tmp/dpdk.conf" <<EOF
control = { socket = "$tmp/cfg.sock"; };
table-sizes = { endpoints = 4096; networks = 64; vpcs = 64; neighbors = 64; };
dpdk = {
  ports = ( { device = "net_af_packet0,iface=gw0"; queues = 1;
              rx-desc = 512; tx-desc = 512; } );
  workers = [ 1 ];
  main-lcore = 0;
  eal-args = [ $(printf '"%s", ' "${eal1[@]}" | sed 's/, $//') ];
};
gateway = { ip = "$gw_ip"; mac = "$gw_mac"; };
state-file = "$tmp/state/dpdk.state";
initial-tables = (
  "neighbor add ip ${under_ip[ha]} mac ${under_mac[ha]}",
  "neighbor add ip 198.18.0.99 mac 02:00:5e:00:00:99"
);
EOF
sock=$tmp/cfg.sock
start first -- -c "$tmp/dpdk.conf" --network-tbl8s 64
[ -S "$sock" ] || fail "no control socket at $sock (control.socket)"
[ -d "/var/run/dpdk/$prefix-1" ] || fail "eal-args' --file-prefix not used"

"$ctl" -s "$sock" -j gateway >"$tmp/gateway.json"
json_ok "$tmp/gateway.json" 'j["ip"] == "'$gw_ip'" and j["mac"] == "'$gw_mac'" and j["underlay_arp"]' ||
    fail "gateway not from the file: $(cat "$tmp/gateway.json")"
"$ctl" -s "$sock" -j neighbor list >"$tmp/neighbors.json"
json_ok "$tmp/neighbors.json" 'sorted(n["ip"] for n in j) == ["198.18.0.1", "198.18.0.99"]' ||
    fail "initial tables not applied: $(cat "$tmp/neighbors.json")"
# underlay ARP: on unless turned off, set as the README shows it; the ping
# below needs the hosts to resolve the gateway
"$ctl" -s "$sock" gateway set ip "$gw_ip" mac "$gw_mac" underlay-arp off
"$ctl" -s "$sock" -j gateway >"$tmp/gateway.json"
json_ok "$tmp/gateway.json" 'not j["underlay_arp"]' ||
    fail "underlay-arp off not applied: $(cat "$tmp/gateway.json")"
"$ctl" -s "$sock" gateway set ip "$gw_ip" mac "$gw_mac"
"$ctl" -s "$sock" -j gateway >"$tmp/gateway.json"
json_ok "$tmp/gateway.json" 'j["underlay_arp"]' ||
    fail "gateway set without underlay-arp: off on DPDK: $(cat "$tmp/gateway.json")"

"$ctl" -s "$sock" neighbor add ip "${under_ip[hb]}" mac "${under_mac[hb]}"
"$ctl" -s "$sock" neighbor del ip 198.18.0.99
for h in ha hb; do
    "$ctl" -s "$sock" endpoint add vni 100 ip "${ep_ip[$h]}" \
        mac "${ep_mac[$h]}" host "${under_ip[$h]}"
done
"$ctl" -s "$sock" network add vni 100 prefix 192.0.2.0/24 bouncers $gw_ip \
    router 192.0.2.254 mtu 1450
"$ctl" -s "$sock" vpc add vni 100 dividers $gw_ip
batch_endpoints "$sock" 300 198.18.0.2 50

"$ctl" -s "$sock" -j endpoint list >"$tmp/endpoints.json"
json_ok "$tmp/endpoints.json" 'len(j) == 52 and {"vni": 100, "ip": "192.0.2.2", "mac": "'"${ep_mac[hb]}"'", "host": "198.18.0.2"} in j' ||
    fail "endpoint list: $(head -c 300 "$tmp/endpoints.json")"
"$ctl" -s "$sock" -j tables >"$tmp/tables.json"
json_ok "$tmp/tables.json" 'j["backend"] == "dpdk" and j["tables"]["endpoint"]["count"] == 52 and j["tables"]["dhcp"]["count"] == 52 and j["tables"]["endpoint"]["capacity"] == 4096 and j["tables"]["network"]["count"] == 1 and j["tables"]["vpc"]["count"] == 1 and j["tables"]["neighbor"]["count"] == 2' ||
    fail "tables: $(cat "$tmp/tables.json")"
step "2. started from the file: gateway and initial tables applied; alkaidctl added 52 endpoints, 1 network, 1 vpc"

ping_over
"$ctl" -s "$sock" -j stats >"$tmp/stats.json"
json_ok "$tmp/stats.json" 'j["reasons"]["bounce"] >= 4 and j["reasons"]["arp_reply"] >= 1 and j["reasons"]["underlay_arp_reply"] >= 1' ||
    fail "stats after the ping: $(cat "$tmp/stats.json")"
step "2. ping through the gateway; stats: $(python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["reasons"]; print(", ".join("%s %d" % (k, r[k]) for k in ("bounce", "arp_reply", "underlay_arp_reply")))' "$tmp/stats.json")"

stop
[ ! -e "$sock" ] || fail "the socket outlived the daemon"
state=$tmp/state/dpdk.state
[ -f "$state" ] || fail "no state file written at exit"
grep -q "^endpoint add vni 100 ip 192.0.2.2 " "$state" &&
    grep -q "^network add vni 100 prefix 192.0.2.0/24 " "$state" ||
    fail "state file incomplete: $(cat "$state")"
! grep -q "198.18.0.99" "$state" || fail "state file has a deleted neighbor"

# --- 3. restart: command line over the file, tables from the state file ----
cp "$state" "$tmp/other.state"
group=$(getent group daemon >/dev/null && echo daemon || echo root)
sock=$tmp/cli.sock
start second -l 0,1 "${eal2[@]}" --vdev net_af_packet0,iface=gw0 -- \
    -c "$tmp/dpdk.conf" -s "$sock" --state "$tmp/other.state" \
    --network-tbl8s 64 --group "$group"
[ -S "$sock" ] && [ ! -e "$tmp/cfg.sock" ] || fail "-s did not override the file"
[ "$(stat -c %G "$sock")" = "$group" ] || fail "--group $group not applied"
grep -q "loading the state file $tmp/other.state" "$tmp/second.log" ||
    fail "--state not loaded"
"$ctl" -s "$sock" -j endpoint list >"$tmp/endpoints-2.json"
json_ok "$tmp/endpoints-2.json" 'sorted(map(str, j)) == sorted(map(str, json.load(open("'"$tmp/endpoints.json"'"))))' ||
    fail "endpoints not back from the state file"
"$ctl" -s "$sock" -j neighbor list >"$tmp/neighbors.json"
json_ok "$tmp/neighbors.json" 'sorted(n["ip"] for n in j) == ["198.18.0.1", "198.18.0.2"]' ||
    fail "the initial tables were applied over the state file: $(cat "$tmp/neighbors.json")"
"$ctl" -s "$sock" -j tables >"$tmp/tables-2.json"
json_ok "$tmp/tables-2.json" 'j["tables"] == json.load(open("'"$tmp/tables.json"'"))["tables"]' ||
    fail "tables differ after the restart: $(cat "$tmp/tables-2.json")"
ping_over
"$ctl" -s "$sock" -j stats >"$tmp/stats.json"
json_ok "$tmp/stats.json" 'j["reasons"]["bounce"] >= 4' ||
    fail "stats after the restart: $(cat "$tmp/stats.json")"
"$ctl" -s "$sock" endpoint add vni 300 ip 203.0.113.200 mac 0e:00:00:2c:00:c8 \
    host 198.18.0.2
stop
grep -q "ip 203.0.113.200 " "$tmp/other.state" ||
    fail "--state not written at exit"
! grep -q "ip 203.0.113.200 " "$state" || fail "the file's state-file written too"
step "3. restart: tables back from the state file (not the initial ones), ping through the gateway again"
echo "control: ok"
