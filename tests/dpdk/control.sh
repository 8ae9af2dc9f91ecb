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

if [ "$(id -u)" != 0 ]; then
    echo "control: needs root for network namespaces; skipped"
    exit 77
fi

tag=$$
ha=alk-cha-$tag
hb=alk-chb-$tag
sw=alk-csw-$tag
prefix=alk-ctl-$tag
work=$(mktemp -d /tmp/alk-dpdk-control.XXXXXX)
pid=

cleanup() {
    local rc=$?
    set +e
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        kill -INT "$pid"
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null
    fi
    for ns in "$ha" "$hb" "$sw"; do ip netns del "$ns" 2>/dev/null; done
    rm -rf /var/run/dpdk/"$prefix"-* # the EAL's runtime directories
    if [ $rc != 0 ]; then
        for f in "$work"/*.log; do
            [ -s "$f" ] || continue
            echo "--- ${f##*/}"
            tail -n 30 "$f"
        done
    fi
    rm -rf "$work"
    exit $rc
}
trap cleanup EXIT INT TERM

fail() { echo "control: FAIL: $*"; exit 1; }
step() { echo "control: $*"; }

# wait_for SECONDS COMMAND...: until COMMAND succeeds
wait_for() {
    local tries=$(($1 * 10))
    shift
    for _ in $(seq "$tries"); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
    return 1
}

# q FILE PYTHON-EXPR: FILE is JSON and EXPR of it (j) is true
q() {
    python3 -c 'import json, sys
j = json.load(open(sys.argv[1]))
sys.exit(0 if eval(sys.argv[2]) else 1)' "$1" "$2"
}

# start LOG ARGS...: alkaid-dpdk in the switch's namespace, until serving
start() {
    local log=$work/$1.log
    shift
    ip netns exec "$sw" "$alkaid" "$@" >"$log" 2>&1 &
    pid=$!
    wait_for 60 grep -q serving "$log" || fail "alkaid-dpdk $* did not start"
}

stop() {
    local rc=0
    kill -TERM "$pid"
    wait "$pid" || rc=$?
    pid=
    [ $rc -eq 0 ] || fail "alkaid-dpdk exited with $rc on SIGTERM"
}

# ping_over: ha's endpoint pings hb's through the gateway
ping_over() {
    for _ in $(seq 10); do
        ip netns exec "$ha" ping -c 2 -i 0.2 -W 1 192.0.2.2 \
            >"$work/ping.log" 2>&1 && return 0
    done
    fail "no ping from 192.0.2.1 to 192.0.2.2 through the gateway"
}

gw_ip=198.18.0.254
gw_mac=02:00:5e:00:00:fe
declare -A under_ip=([ha]=198.18.0.1 [hb]=198.18.0.2)
declare -A under_mac=([ha]=02:00:5e:00:00:a1 [hb]=02:00:5e:00:00:b1)
declare -A ep_ip=([ha]=192.0.2.1 [hb]=192.0.2.2)
declare -A ep_mac=([ha]=02:00:5e:00:01:a1 [hb]=02:00:5e:00:01:b1)

ip netns add "$sw"
ip -n "$sw" link set lo up
ip -n "$sw" link add br0 type bridge
ip -n "$sw" link set br0 up
ip -n "$sw" link add gw0 address $gw_mac type veth peer name gwp
ip -n "$sw" link set gwp master br0 up
ip -n "$sw" link set gw0 up
ip netns exec "$sw" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
for h in ha hb; do
    ns=alk-c$h-$tag
    ip netns add "$ns"
    ip -n "$ns" link set lo up
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
    ip -n "$sw" link add "${h}p" type veth peer name "${h}0" netns "$ns"
    ip -n "$sw" link set "${h}p" master br0 up
    ip -n "$ns" link set "${h}0" address "${under_mac[$h]}" up
    ip -n "$ns" addr add "${under_ip[$h]}/24" dev "${h}0"
    ip netns exec "$ns" ethtool -K "${h}0" tx off >/dev/null
    ip -n "$ns" link add vx0 address "${ep_mac[$h]}" type vxlan id 100 \
        remote $gw_ip local "${under_ip[$h]}" dstport 4789 nolearning
    ip netns exec "$ns" ethtool -K vx0 tx off >/dev/null
    ip -n "$ns" addr add "${ep_ip[$h]}/24" dev vx0
    ip -n "$ns" link set vx0 up
done

# --- 1. a file with an error ----------------------------------------------
cat >"$work/bad.conf" <<EOF
dpdk = {
  ports = [ "net_af_packet0,iface=gw0" ];
  workers = [ 1, 1 ];
};
EOF
rc=0
"$alkaid" -- -c "$work/bad.conf" >"$work/bad.log" 2>&1 || rc=$?
[ $rc -eq 2 ] || fail "bad config: exit $rc, expected 2"
grep -qF "$work/bad.conf:3: dpdk.workers[1]: lcore 1 listed twice" \
    "$work/bad.log" || fail "bad config: $(cat "$work/bad.log")"
step "1. a bad file is refused: $(cat "$work/bad.log")"

# --- 2. from the file alone -----------------------------------------------
cat >"$work/dpdk.conf" <<EOF
control = { socket = "$work/cfg.sock"; };
table-sizes = { endpoints = 4096; networks = 64; vpcs = 64; neighbors = 64; };
dpdk = {
  ports = ( { device = "net_af_packet0,iface=gw0"; queues = 1;
              rx-desc = 512; tx-desc = 512; } );
  workers = [ 1 ];
  main-lcore = 0;
  eal-args = [ "--no-huge", "--no-shconf", "--no-pci", "-m", "512",
               "--file-prefix", "$prefix-1" ];
};
gateway = { ip = "$gw_ip"; mac = "$gw_mac"; underlay-arp = true; };
state-file = "$work/state/dpdk.state";
initial-tables = (
  "neighbor add ip ${under_ip[ha]} mac ${under_mac[ha]}",
  "neighbor add ip 198.18.0.99 mac 02:00:5e:00:00:99"
);
EOF
sock=$work/cfg.sock
start first -- -c "$work/dpdk.conf" --network-tbl8s 64
[ -S "$sock" ] || fail "no control socket at $sock (control.socket)"
[ -d "/var/run/dpdk/$prefix-1" ] || fail "eal-args' --file-prefix not used"

"$ctl" -s "$sock" -j gateway >"$work/gateway.json"
q "$work/gateway.json" 'j["ip"] == "'$gw_ip'" and j["mac"] == "'$gw_mac'" and j["underlay_arp"]' ||
    fail "gateway not from the file: $(cat "$work/gateway.json")"
"$ctl" -s "$sock" -j neighbor list >"$work/neighbors.json"
q "$work/neighbors.json" 'sorted(n["ip"] for n in j) == ["198.18.0.1", "198.18.0.99"]' ||
    fail "initial tables not applied: $(cat "$work/neighbors.json")"

"$ctl" -s "$sock" neighbor add ip "${under_ip[hb]}" mac "${under_mac[hb]}"
"$ctl" -s "$sock" neighbor del ip 198.18.0.99
for h in ha hb; do
    "$ctl" -s "$sock" endpoint add vni 100 ip "${ep_ip[$h]}" \
        mac "${ep_mac[$h]}" host "${under_ip[$h]}"
done
"$ctl" -s "$sock" network add vni 100 prefix 192.0.2.0/24 bouncers $gw_ip \
    router 192.0.2.254 mtu 1450
"$ctl" -s "$sock" vpc add vni 100 dividers $gw_ip
for i in $(seq 1 50); do
    printf 'endpoint add vni 300 ip 203.0.113.%d mac 0e:00:00:2c:00:%02x host 198.18.0.2\n' \
        "$i" "$i"
done >"$work/endpoints.batch"
"$ctl" -s "$sock" -b "$work/endpoints.batch" >"$work/batch.log" 2>&1 ||
    fail "alkaidctl -b: $(cat "$work/batch.log")"

"$ctl" -s "$sock" -j endpoint list >"$work/endpoints.json"
q "$work/endpoints.json" 'len(j) == 52 and {"vni": 100, "ip": "192.0.2.2", "mac": "'"${ep_mac[hb]}"'", "host": "198.18.0.2"} in j' ||
    fail "endpoint list: $(head -c 300 "$work/endpoints.json")"
"$ctl" -s "$sock" -j tables >"$work/tables.json"
q "$work/tables.json" 'j["backend"] == "dpdk" and j["tables"]["endpoint"]["count"] == 52 and j["tables"]["dhcp"]["count"] == 52 and j["tables"]["endpoint"]["capacity"] == 4096 and j["tables"]["network"]["count"] == 1 and j["tables"]["vpc"]["count"] == 1 and j["tables"]["neighbor"]["count"] == 2' ||
    fail "tables: $(cat "$work/tables.json")"
step "2. started from the file: gateway and initial tables applied; alkaidctl added 52 endpoints, 1 network, 1 vpc"

ping_over
"$ctl" -s "$sock" -j stats >"$work/stats.json"
q "$work/stats.json" 'j["reasons"]["bounce"] >= 4 and j["reasons"]["arp_reply"] >= 1 and j["reasons"]["underlay_arp_reply"] >= 1' ||
    fail "stats after the ping: $(cat "$work/stats.json")"
step "2. ping through the gateway; stats: $(python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["reasons"]; print(", ".join("%s %d" % (k, r[k]) for k in ("bounce", "arp_reply", "underlay_arp_reply")))' "$work/stats.json")"

stop
[ ! -e "$sock" ] || fail "the socket outlived the daemon"
state=$work/state/dpdk.state
[ -f "$state" ] || fail "no state file written at exit"
grep -q "^endpoint add vni 100 ip 192.0.2.2 " "$state" &&
    grep -q "^network add vni 100 prefix 192.0.2.0/24 " "$state" ||
    fail "state file incomplete: $(cat "$state")"
! grep -q "198.18.0.99" "$state" || fail "state file has a deleted neighbor"

# --- 3. restart: command line over the file, tables from the state file ----
cp "$state" "$work/other.state"
group=$(getent group daemon >/dev/null && echo daemon || echo root)
sock=$work/cli.sock
start second -l 0,1 --no-huge --no-shconf --no-pci -m 512 \
    --file-prefix "$prefix-2" --vdev net_af_packet0,iface=gw0 -- \
    -c "$work/dpdk.conf" -s "$sock" --state "$work/other.state" \
    --network-tbl8s 64 --group "$group"
[ -S "$sock" ] && [ ! -e "$work/cfg.sock" ] || fail "-s did not override the file"
[ "$(stat -c %G "$sock")" = "$group" ] || fail "--group $group not applied"
grep -q "loading the state file $work/other.state" "$work/second.log" ||
    fail "--state not loaded"
"$ctl" -s "$sock" -j endpoint list >"$work/endpoints-2.json"
q "$work/endpoints-2.json" 'sorted(map(str, j)) == sorted(map(str, json.load(open("'"$work/endpoints.json"'"))))' ||
    fail "endpoints not back from the state file"
"$ctl" -s "$sock" -j neighbor list >"$work/neighbors.json"
q "$work/neighbors.json" 'sorted(n["ip"] for n in j) == ["198.18.0.1", "198.18.0.2"]' ||
    fail "the initial tables were applied over the state file: $(cat "$work/neighbors.json")"
"$ctl" -s "$sock" -j tables >"$work/tables-2.json"
q "$work/tables-2.json" 'j["tables"] == json.load(open("'"$work/tables.json"'"))["tables"]' ||
    fail "tables differ after the restart: $(cat "$work/tables-2.json")"
ping_over
"$ctl" -s "$sock" -j stats >"$work/stats.json"
q "$work/stats.json" 'j["reasons"]["bounce"] >= 4' ||
    fail "stats after the restart: $(cat "$work/stats.json")"
"$ctl" -s "$sock" endpoint add vni 300 ip 203.0.113.200 mac 0e:00:00:2c:00:c8 \
    host 198.18.0.2
stop
grep -q "ip 203.0.113.200 " "$work/other.state" ||
    fail "--state not written at exit"
! grep -q "ip 203.0.113.200 " "$state" || fail "the file's state-file written too"
step "3. restart: tables back from the state file (not the initial ones), ping through the gateway again"
echo "control: ok"
