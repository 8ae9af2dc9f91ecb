#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# control.sh ALKAID_AGENT ALKAIDCTL
#
# alkaid-agent in a namespace, programmed with alkaidctl over its control
# socket:
#   - --help, and no --underlay refused with exit status 2;
#   - its program at TC ingress of the underlay and of each port, one
#     program (the same id everywhere);
#   - ports and networks added, listed, counted; bad input answered with
#     an error naming the entry and nothing half-applied; the gateways'
#     objects not served; the pinned maps hold the ports' two indexes;
#   - the bouncers' next hops (on link, or their router) asked of the
#     kernel when networks change;
#   - two endpoints of the host ping each other (local delivery), and go on
#     without a loss while the agent restarts: the restart keeps the
#     tables, and the filters, whose program is replaced;
#   - deleting a port detaches the program from it.
#
#   namespace h:   u0 198.18.0.2 (underlay), va, vb   alkaid-agent
#   namespace n:   u1 198.18.0.1 (the bouncer's address, nothing runs)
#   namespace e1:  eth0 203.0.113.5 (vni 100), behind va
#   namespace e2:  eth0 203.0.113.6 (vni 100), behind vb
#
# Names take $LAB (default agc$$) as a prefix.  Exit 77 (skip) when not root.
set -euo pipefail

if [ $# -ne 2 ]; then
    echo "usage: $0 ALKAID_AGENT ALKAIDCTL" >&2
    exit 2
fi
agent=$1 ALKAIDCTL=$2
. "$(dirname "$0")/../lib/lib.sh"
lib_init agent-control
need_root

P=${LAB:-agc$$}
ns_h=$P-h ns_n=$P-n ns_e1=$P-e1 ns_e2=$P-e2
bpffs=$tmp/bpffs
pins=$bpffs/agent
sock=$tmp/agent.sock
mac1=0e:00:00:00:00:05 mac2=0e:00:00:00:00:06

ctl() { "$ALKAIDCTL" -s "$sock" "$@"; }
h() { ip netns exec "$ns_h" "$@"; }

# filter_id DEV: the id of the program at TC ingress of DEV, "" if none
filter_id() {
    tc -n "$ns_h" filter show dev "$1" ingress 2>/dev/null |
        sed -n 's/.* id \([0-9]*\) .*/\1/p' | head -n 1
}

# map_entry MAP KEY: the value at KEY (dotted IPv4, or hex bytes) of a
# pinned map, as hex bytes; "" if none
map_entry() {
    bpftool -j map dump pinned "$pins/$1" | python3 -c '
import json, socket, sys
key = sys.argv[1]
want = socket.inet_aton(key).hex() if key.count(".") == 3 else key
for e in json.load(sys.stdin):
    if "".join(b[2:] for b in e["key"]) == want:
        print("".join(b[2:] for b in e["value"]))' "$2"
}

# neighbor_is IP MAC: alk_neighbors holds IP -> MAC (hex); MAC "": nothing
neighbor_is() {
    local v
    v=$(map_entry alk_neighbors "$1")
    [ "${v:0:12}" = "$2" ]
}

# mac_hex NS DEV: the MAC of DEV, as hex bytes
mac_hex() { ip -n "$1" -j link show "$2" | python3 -c 'import json, sys; print(json.load(sys.stdin)[0]["address"].replace(":", ""))'; }

start_agent() {
    daemon_start agent --log "ready:" -- ip netns exec "$ns_h" "$agent" \
        --underlay u0 --pin-dir "$pins" -s "$sock" "$@" ||
        fail "alkaid-agent $* did not start"
}

stop_agent() {
    daemon_stop agent || fail "alkaid-agent exited with $? on SIGTERM"
}

# --- usage -----------------------------------------------------------------
"$agent" --help >"$tmp/help.out" || fail "--help: exit $?"
for w in NAME SYNOPSIS DESCRIPTION OPTIONS --underlay --direct-path \
    --dp-age --ask --pin-dir EXAMPLES "port add dev"; do
    grep -qF -- "$w" "$tmp/help.out" || fail "--help does not say '$w'"
done
rc=0
"$agent" -s "$tmp/none.sock" >"$tmp/usage.out" 2>&1 || rc=$?
[ "$rc" -eq 2 ] || fail "no --underlay: exit $rc, expected 2"
grep -q -- "--underlay" "$tmp/usage.out" || fail "no --underlay: not said"
step "--help; no --underlay refused (exit 2)"

# --- namespaces -------------------------------------------------------------
bpffs_mount "$bpffs"
for ns in "$ns_h" "$ns_n" "$ns_e1" "$ns_e2"; do netns_add "$ns"; done
veth "$ns_h" u0 "$ns_n" u1
ip -n "$ns_h" addr add 198.18.0.2/24 dev u0
ip -n "$ns_n" addr add 198.18.0.1/24 dev u1
veth "$ns_h" va "$ns_e1" eth0 "" "$mac1"
veth "$ns_h" vb "$ns_e2" eth0 "" "$mac2"
ip -n "$ns_e1" addr add 203.0.113.5/24 dev eth0
ip -n "$ns_e2" addr add 203.0.113.6/24 dev eth0
# no gateway here to answer ARP: the endpoints know each other
ip -n "$ns_e1" neigh add 203.0.113.6 lladdr "$mac2" dev eth0
ip -n "$ns_e2" neigh add 203.0.113.5 lladdr "$mac1" dev eth0

# --- start: one program on the underlay ------------------------------------
start_agent --trust 198.18.0.8,198.18.0.9
uid=$(filter_id u0)
[ -n "$uid" ] || fail "no program at TC ingress of u0"
ctl -j gateway get >"$tmp/gw.json"
json_ok "$tmp/gw.json" 'j["ip"] == "198.18.0.2" and j["geneve_port"] == 6081' ||
    fail "gateway (this host): $(cat "$tmp/gw.json")"
# the settings: the underlay's index and MTU, direct path on, the ages
conf=$(map_entry alk_agent 00000000)
u0_idx=$(ip -n "$ns_h" -j link show u0 | python3 -c 'import json, sys; print(json.load(sys.stdin)[0]["ifindex"])')
want=$(python3 -c "import struct, sys; print(struct.pack('<6I', $u0_idx, 1, 30000, 100, 1500, 0).hex())")
[ "$conf" = "$want" ] || fail "alk_agent: $conf, expected $want"
[ -n "$(map_entry alk_trusted 198.18.0.9)" ] && [ -n "$(map_entry alk_trusted 198.18.0.8)" ] ||
    fail "alk_trusted lacks --trust 198.18.0.8,198.18.0.9"
step "started: program $uid on u0, this host 198.18.0.2, settings and trusted gateways written"

# --- ports and networks ---------------------------------------------------------
ctl port add dev va vni 100 ip 203.0.113.5 mac "$mac1" ||
    fail "port add va"
ctl port add dev vb vni 100 ip 203.0.113.6 mac "$mac2" ||
    fail "port add vb"
ctl network add vni 100 prefix 203.0.113.0/24 bouncers 198.18.0.1 ||
    fail "network add"
ctl -j port list >"$tmp/ports.json"
json_ok "$tmp/ports.json" \
    'sorted((p["dev"], p["ip"]) for p in j) == [("va", "203.0.113.5"), ("vb", "203.0.113.6")]' ||
    fail "port list: $(cat "$tmp/ports.json")"
ctl -j network list >"$tmp/nets.json"
json_ok "$tmp/nets.json" 'len(j) == 1 and j[0]["bouncers"] == ["198.18.0.1"]' ||
    fail "network list: $(cat "$tmp/nets.json")"
ctl -j tables >"$tmp/tables.json"
json_ok "$tmp/tables.json" \
    'j["backend"] == "agent" and sorted(j["tables"]) == ["network", "port"] and j["tables"]["port"]["count"] == 2' ||
    fail "tables: $(cat "$tmp/tables.json")"
for d in va vb; do
    [ "$(filter_id $d)" = "$uid" ] ||
        fail "$d: program '$(filter_id $d)', not u0's $uid"
done
step "2 ports, 1 network; the same program $uid on u0, va, vb"

# the indexes the program reads: (vni, ip) and (vni, mac) -> the port
for m in alk_ports alk_local_ip alk_local_mac; do
    n=$(bpftool -j map dump pinned "$pins/$m" | python3 -c \
        'import json, sys; print(len(json.load(sys.stdin)))')
    [ "$n" -eq 2 ] || fail "$m holds $n entries, not 2"
done
va_idx=$(ip -n "$ns_h" -j link show va | python3 -c \
    'import json, sys; print(json.load(sys.stdin)[0]["ifindex"])')
bpftool -j map dump pinned "$pins/alk_local_ip" >"$tmp/local_ip.json"
json_ok "$tmp/local_ip.json" \
    "any(e['formatted']['value']['ifindex'] == $va_idx and e['formatted']['key']['vni'] == 100 for e in j)" ||
    fail "alk_local_ip has no (100, 203.0.113.5) -> va ($va_idx)"
step "maps: alk_ports, alk_local_ip, alk_local_mac hold both ports"

# the bouncer's neighbor, asked of the kernel
wait_for 3 sh -c "ip -n $ns_h neigh show 198.18.0.1 dev u0 | grep -q ." ||
    fail "no neighbor entry for the bouncer 198.18.0.1"
u1_mac=$(mac_hex "$ns_n" u1)
wait_for 3 neighbor_is 198.18.0.1 "$u1_mac" ||
    fail "alk_neighbors: 198.18.0.1 -> '$(map_entry alk_neighbors 198.18.0.1)', not u1's $u1_mac"
step "the bouncer's neighbor resolved, its MAC kept for the program: $(ip -n "$ns_h" neigh show 198.18.0.1 dev u0)"
# a bouncer behind a router: the router is resolved
ip -n "$ns_n" addr add 198.18.0.3/24 dev u1
ip -n "$ns_h" route add 198.51.100.0/24 via 198.18.0.3
ctl network add vni 200 prefix 203.0.113.0/24 bouncers 198.51.100.7 ||
    fail "network add (vni 200)"
wait_for 3 sh -c "ip -n $ns_h neigh show 198.18.0.3 dev u0 | grep -q ." ||
    fail "no neighbor entry for 198.18.0.3, the route to the bouncer 198.51.100.7"
[ -z "$(ip -n "$ns_h" neigh show 198.51.100.7)" ] ||
    fail "a neighbor entry for 198.51.100.7, which is not on link"
wait_for 3 neighbor_is 198.51.100.7 "$u1_mac" ||
    fail "alk_neighbors: 198.51.100.7 -> '$(map_entry alk_neighbors 198.51.100.7)', not its router's $u1_mac"
ctl network del vni 200 prefix 203.0.113.0/24 || fail "network del (vni 200)"
wait_for 3 neighbor_is 198.51.100.7 "" ||
    fail "alk_neighbors keeps 198.51.100.7, a bouncer of no network"
step "a bouncer behind a router: the router resolved: $(ip -n "$ns_h" neigh show 198.18.0.3 dev u0)"

# --- bad input: an error naming the entry, nothing applied ----------------------
expect_refused() { # WHAT STATUS PATTERN ARGS...
    local what=$1 want=$2 pat=$3 rc=0
    shift 3
    ctl "$@" >"$tmp/refused.out" 2>&1 || rc=$?
    [ "$rc" -eq "$want" ] || fail "$what: exit $rc, expected $want"
    grep -q -- "$pat" "$tmp/refused.out" ||
        fail "$what: '$(cat "$tmp/refused.out")' does not say '$pat'"
}
expect_refused "unknown device" 1 "no such interface" \
    port add dev nosuch0 vni 100 ip 203.0.113.9 mac 0e:00:00:00:00:09
expect_refused "ip taken" 1 "already belongs to port va" \
    port add dev u0 vni 100 ip 203.0.113.5 mac 0e:00:00:00:00:09
expect_refused "bad name" 2 "dev" \
    port add dev a/b vni 100 ip 203.0.113.9 mac 0e:00:00:00:00:09
expect_refused "multicast mac" 1 "unicast" \
    port add dev u0 vni 100 ip 203.0.113.9 mac 01:00:00:00:00:09
expect_refused "not served" 1 "no endpoint table" \
    endpoint add vni 100 ip 203.0.113.9 mac 0e:00:00:00:00:09 host 198.18.0.3
# a batch whose second entry clashes with its first: nothing applied
ip -n "$ns_h" link add vc type veth peer name vc-p
ip -n "$ns_h" link add vd type veth peer name vd-p
cat >"$tmp/batch" <<EOF
port add dev vc vni 200 ip 203.0.113.7 mac 0e:00:00:00:00:07
port add dev vd vni 200 ip 203.0.113.7 mac 0e:00:00:00:00:08
EOF
expect_refused "batch clash" 1 "in the batch" -b "$tmp/batch"
ctl -j port list >"$tmp/ports.json"
json_ok "$tmp/ports.json" 'len(j) == 2' || fail "half-applied: $(cat "$tmp/ports.json")"
[ -z "$(filter_id vc)" ] || fail "vc attached by a refused batch"
step "bad input refused with its reason; nothing half-applied"

# --- local delivery, and a restart under ping ---------------------------------------
ip netns exec "$ns_e1" ping -c 3 -i 0.2 -W 1 203.0.113.6 >"$tmp/ping.log" 2>&1 ||
    fail "e1 cannot ping e2 through the agent"
step "e1 pings e2 (local delivery)"

# an address of the network on no port: encapsulated to the bouncer, from
# this host's address, in Geneve with the VNI (e1 knows the MAC: no
# gateway here answers ARP)
ip -n "$ns_e1" neigh add 203.0.113.9 lladdr 0e:00:00:00:00:09 dev eth0
ip netns exec "$ns_n" timeout 10 tcpdump -i u1 -n -c 1 -w "$tmp/geneve.pcap" \
    'udp dst port 6081' >"$tmp/tcpdump.log" 2>&1 &
dump_pid=$!
wait_for 5 grep -q "listening on" "$tmp/tcpdump.log" || fail "tcpdump did not start"
ip netns exec "$ns_e1" ping -c 2 -i 0.3 -W 1 203.0.113.9 >/dev/null 2>&1 || true
wait "$dump_pid" || fail "nothing reached the bouncer in Geneve"
tshark -r "$tmp/geneve.pcap" -T fields -e ip.src -e ip.dst -e geneve.vni \
    -e icmp.type >"$tmp/geneve.txt" 2>/dev/null
want="198.18.0.2,203.0.113.5 198.18.0.1,203.0.113.9 0x000064 8"
[ "$(tr '\t' ' ' <"$tmp/geneve.txt")" = "$want" ] ||
    fail "to the bouncer: '$(cat "$tmp/geneve.txt")', expected '$want'"
ctl -j stats >"$tmp/stats.json"
json_ok "$tmp/stats.json" 'j["reasons"]["agent_encap"] >= 1 and j["reasons"]["agent_local"] >= 3' ||
    fail "counters: $(cat "$tmp/stats.json")"
step "to an endpoint elsewhere: the echo request in Geneve (vni 100) from 198.18.0.2 to the bouncer 198.18.0.1"

# and an ARP request (not IPv4 to the kernel: the MAC the agent keeps)
ip netns exec "$ns_n" timeout 10 tcpdump -i u1 -n -c 1 -w "$tmp/arp.pcap" \
    'udp dst port 6081' >"$tmp/tcpdump-arp.log" 2>&1 &
dump_pid=$!
wait_for 5 grep -q "listening on" "$tmp/tcpdump-arp.log" || fail "tcpdump did not start"
ip netns exec "$ns_e1" ping -c 2 -i 0.3 -W 1 203.0.113.10 >/dev/null 2>&1 || true
wait "$dump_pid" || fail "no ARP request reached the bouncer in Geneve"
tshark -r "$tmp/arp.pcap" -T fields -e eth.dst -e ip.dst -e geneve.vni \
    -e arp.dst.proto_ipv4 >"$tmp/arp.txt" 2>/dev/null
want="$(ip -n "$ns_n" -j link show u1 | python3 -c 'import json, sys; print(json.load(sys.stdin)[0]["address"])'),ff:ff:ff:ff:ff:ff 198.18.0.1 0x000064 203.0.113.10"
[ "$(tr '\t' ' ' <"$tmp/arp.txt")" = "$want" ] ||
    fail "ARP to the bouncer: '$(cat "$tmp/arp.txt")', expected '$want'"
step "an ARP request for 203.0.113.10 in Geneve to the bouncer, to its MAC"

ip netns exec "$ns_e1" ping -i 0.01 -w 6 -q 203.0.113.6 >"$tmp/ping-restart.log" 2>&1 &
ping_pid=$!
on_exit sh -c "kill $ping_pid 2>/dev/null; true"
sleep 1
stop_agent
[ "$(filter_id va)" = "$uid" ] || fail "va lost its program when the agent stopped"
start_agent --trust 198.18.0.8
[ -z "$(map_entry alk_trusted 198.18.0.9)" ] && [ -n "$(map_entry alk_trusted 198.18.0.8)" ] ||
    fail "alk_trusted after a restart with --trust 198.18.0.8 only"
nid=$(filter_id u0)
for d in u0 va vb; do
    [ "$(filter_id $d)" = "$nid" ] || fail "$d: program '$(filter_id $d)' after the restart, not $nid"
done
[ "$nid" != "$uid" ] || fail "the restart did not replace the program ($uid)"
ctl -j port list >"$tmp/ports.json"
json_ok "$tmp/ports.json" 'len(j) == 2' || fail "ports lost in the restart"
ctl -j network list >"$tmp/nets.json"
json_ok "$tmp/nets.json" 'len(j) == 1' || fail "networks lost in the restart"
wait "$ping_pid" || true
loss=$(sed -n 's/.* \([0-9.]*\)% packet loss.*/\1/p' "$tmp/ping-restart.log")
sent=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' "$tmp/ping-restart.log")
[ "$loss" = 0 ] || fail "restart under ping: $loss% lost ($(tail -n 2 "$tmp/ping-restart.log"))"
step "restart: tables kept, program $uid replaced by $nid on u0, va, vb; $sent pings, 0 lost"

# --- delete detaches ---------------------------------------------------------------
ctl port del dev va || fail "port del va"
[ -z "$(filter_id va)" ] || fail "va still has a program after port del"
[ "$(filter_id vb)" = "$nid" ] || fail "vb lost its program"
ctl -j port list >"$tmp/ports.json"
json_ok "$tmp/ports.json" '[p["dev"] for p in j] == ["vb"]' ||
    fail "port list after del: $(cat "$tmp/ports.json")"
n=$(bpftool -j map dump pinned "$pins/alk_local_mac" | python3 -c \
    'import json, sys; print(len(json.load(sys.stdin)))')
[ "$n" -eq 1 ] || fail "alk_local_mac holds $n entries after del, not 1"
step "port del: va detached, its indexes gone"

# --- a first start from a configuration file --------------------------------
stop_agent
rm -f "$pins"/*
cat >"$tmp/agent.conf" <<EOF
control = { socket = "$sock"; };
gateway = { ip = "198.18.0.77"; mac = "02:00:00:00:00:77"; };
initial-tables = (
  "network add vni 300 prefix 198.51.100.0/24 bouncers 198.18.0.1",
  "port add dev vb vni 300 ip 198.51.100.6 mac $mac2"
);
EOF
daemon_start agent --log "ready:" -- ip netns exec "$ns_h" "$agent" \
    --underlay u0 --pin-dir "$pins" -c "$tmp/agent.conf" ||
    fail "alkaid-agent -c did not start"
ctl -j port list >"$tmp/ports.json"
json_ok "$tmp/ports.json" '[(p["dev"], p["vni"]) for p in j] == [("vb", 300)]' ||
    fail "port list after -c: $(cat "$tmp/ports.json")"
ctl -j network list >"$tmp/nets.json"
json_ok "$tmp/nets.json" '[n["vni"] for n in j] == [300]' ||
    fail "network list after -c: $(cat "$tmp/nets.json")"
ctl -j gateway get >"$tmp/gw.json"
json_ok "$tmp/gw.json" 'j["ip"] == "198.18.0.2"' ||
    fail "the file's gateway won over the underlay's address: $(cat "$tmp/gw.json")"
[ "$(filter_id vb)" = "$(filter_id u0)" ] || fail "vb not attached after -c"
step "first start from -c: its initial tables loaded, vb attached, this host still 198.18.0.2"

stop_agent
step "ok"
