#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The forwarding gap of an alkaid-dpdk restart with 1M endpoints, between
# the kernels of two hosts with VXLAN devices (the topology of
# integration.sh):
#
#   ha (198.18.0.1, endpoint 192.0.2.1) --+
#   hb (198.18.0.2, endpoint 192.0.2.2) --+-- br0 --- gw0: alkaid-dpdk on
#                                                      net_af_packet
#
# The daemon starts from a state file of 1M endpoints (and the two hosts');
# ha's endpoint pings hb's every millisecond while the daemon is replaced:
#   restart   SIGTERM to the old one, then the new one started (the way a
#             service manager restarts);
#   takeover  the new one started beside the old one with --takeover: it
#             loads the tables, then stops the old one and takes its ports.
# Reported: pings sent and lost, and the time without an answer around the
# moment the old daemon stops forwarding (it then removes its socket): the
# gap, in ms.  The takeover's must be under RESTART_MAX_GAP ms (100).  (The
# longest gap of the whole run is printed too: with 2 CPUs, the new daemon
# loading its tables beside the old one's polling worker delays some
# answers by tens of ms.)
#
#   restart.sh ALKAID_DPDK [takeover|restart] [ENDPOINTS]
set -euo pipefail

alkaid=$(realpath "$1")
mode=${2:-takeover}
n=${3:-1048576}
max_gap=${RESTART_MAX_GAP:-100}
py=/usr/bin/python3
prefix=alk-rst-$$
. "$(dirname "$0")/../lib/lib.sh"
lib_init restart
need_root
vxlan_hosts "$prefix"
ha=${host_ns[ha]}

# the state file: the gateway, the hosts, their endpoints and n more
"$py" - "$tmp/state" "$n" <<EOF
import sys
path, n = sys.argv[1], int(sys.argv[2])
with open(path, 'w') as f:
    f.write('gateway set ip $gw_ip mac $gw_mac underlay-arp on\n')
    f.write('neighbor add ip ${under_ip[ha]} mac ${under_mac[ha]}\n')
    f.write('neighbor add ip ${under_ip[hb]} mac ${under_mac[hb]}\n')
    f.write('endpoint add vni 100 ip ${ep_ip[ha]} mac ${ep_mac[ha]} host ${under_ip[ha]}\n')
    f.write('endpoint add vni 100 ip ${ep_ip[hb]} mac ${ep_mac[hb]} host ${under_ip[hb]}\n')
    for i in range(n - 2):
        vni = 1000 + (i >> 16)
        f.write('endpoint add vni %d ip 198.19.%d.%d mac 0e:00:%02x:%02x:%02x:%02x host ${under_ip[hb]}\n'
                % (vni, (i >> 8) & 255, i & 255, (i >> 24) & 255,
                   (i >> 16) & 255, (i >> 8) & 255, i & 255))
EOF

# start NAME [OPTION...]: a daemon on gw0 with the state file, until serving
start() {
    local name=$1
    shift
    eal_args eal 1024 "$prefix-$name"
    daemon_start "$name" --log serving --timeout 90 -- ip netns exec "$sw" \
        "$alkaid" -l 0,1 "${eal[@]}" --vdev net_af_packet0,iface=gw0 -- \
        --state "$tmp/state" -s "$tmp/alkaid.sock" --endpoints "$n" \
        --networks 64 --network-tbl8s 64 --vpcs 64 --neighbors 64 "$@" ||
        fail "alkaid-dpdk ($name) did not start"
}

t0=$(date +%s%N)
start old
step "old daemon serving, $n endpoints from the state file in $((($(date +%s%N) - t0) / 1000000)) ms"
for _ in $(seq 20); do
    ip netns exec "$ha" ping -c 1 -W 1 "${ep_ip[hb]}" >/dev/null 2>&1 && break
done

# every millisecond, each answer timestamped (-D), until stopped
ip netns exec "$ha" ping -D -i 0.001 -W 1 "${ep_ip[hb]}" >"$tmp/ping.log" 2>&1 &
pinger=$!
sleep 1
# the old daemon stops its workers, then removes its socket (the new one
# makes another): the moment forwarding changes hands, to within 1 ms
"$py" - "$tmp/alkaid.sock" "$tmp/handover" <<'EOF' &
import os, sys, time
path, out = sys.argv[1], sys.argv[2]
ino = os.stat(path).st_ino
open(out + '.ready', 'w').close()
while True:
    try:
        if os.stat(path).st_ino != ino:
            break
    except FileNotFoundError:
        break
    time.sleep(0.0005)
open(out, 'w').write('%d\n' % time.time_ns())
EOF
watcher=$!
wait_for 10 test -e "$tmp/handover.ready" || fail "no watcher of the socket"
t0=$(date +%s%N)
case $mode in
restart)
    daemon_stop old || fail "the old daemon exited with $?"
    start new
    ;;
takeover)
    start new --takeover
    daemon_wait old || fail "the old daemon exited with $? on the takeover"
    ;;
*) fail "mode: restart or takeover, not $mode" ;;
esac
took=$((($(date +%s%N) - t0) / 1000000))
wait $watcher
sleep 1
kill -INT $pinger
wait $pinger || true

"$py" - "$tmp/ping.log" "$mode" "$took" "$max_gap" "$(cat "$tmp/handover")" <<'EOF'
import re, sys
path, mode, took, max_gap = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
handover = int(sys.argv[5]) / 1e9
text = open(path).read()
times = [float(t) for t in re.findall(r'^\[(\d+\.\d+)\].*icmp_seq', text, re.M)]
m = re.search(r'(\d+) packets transmitted, (\d+) received', text)
sent, got = int(m.group(1)), int(m.group(2))
pairs = list(zip(times, times[1:]))
longest = max((b - a) * 1000 for a, b in pairs)
# the gap at the handover: from the last answer before it to the first after
gap = max((b - a) * 1000 for a, b in pairs if a <= handover + 0.001 and b >= handover - 0.001)
print('restart: %s (%s ms to serving): %d pings at 1 ms, %d lost; gap at '
      'the handover %.0f ms (longest of the run %.0f ms)'
      % (mode, took, sent, sent - got, gap, longest))
sys.exit(0 if mode == 'restart' or gap <= max_gap else 1)
EOF
step "ok"
