#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# alkaid-dpdk against real kernels.  Three network namespaces on a bridge:
#
#   ha (198.18.0.1) --+
#   hb (198.18.0.2) --+-- br0 --- gw0: alkaid-dpdk on net_af_packet
#                                  (gateway 198.18.0.254)
#
# ha and hb are hosts with kernel VXLAN devices (VNI 100) pointed at the
# gateway, with one endpoint each (192.0.2.1, 192.0.2.2).  Checked:
#   1. the kernel of ha resolves the gateway's underlay address by ARP;
#   2. ha's kernel resolves 192.0.2.2 by ARP over the overlay (answered by
#      the gateway) and a UDP datagram then reaches a socket on hb, bounced
#      by the gateway; the same from hb back to ha;
#   3. a Geneve frame sent by scapy from ha (VNI 200) arrives on hb
#      rewritten as the core specifies (outer addresses, TTL - 1) with the
#      tenant frame untouched;
#   4. the telemetry counters say the same.
#
#   integration.sh ALKAID_DPDK
set -euo pipefail

alkaid=$(realpath "$1")
py=/usr/bin/python3 # Debian's, with scapy

if [ "$(id -u)" != 0 ]; then
    echo "integration: needs root for network namespaces; skipped"
    exit 77
fi

tag=$$
ha=alk-ha-$tag
hb=alk-hb-$tag
sw=alk-sw-$tag
prefix=alk-integ-$tag
work=$(mktemp -d /tmp/alk-integ.XXXXXX)
pid=

cleanup() {
    local rc=$?
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        kill -INT "$pid"
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
    fi
    for ns in "$ha" "$hb" "$sw"; do ip netns del "$ns" 2>/dev/null || true; done
    rm -rf "/var/run/dpdk/$prefix" # the EAL's runtime directory
    if [ $rc != 0 ] && [ -f "$work/alkaid.log" ]; then
        echo "--- alkaid-dpdk log"; cat "$work/alkaid.log"
    fi
    rm -rf "$work"
    exit $rc
}
trap cleanup EXIT INT TERM

fail() { echo "integration: FAIL: $*"; exit 1; }

# wait_for SECONDS COMMAND...: until COMMAND succeeds
wait_for() {
    local tries=$(($1 * 10))
    shift
    for _ in $(seq "$tries"); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
    return 1
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
    ns=alk-$h-$tag
    ip netns add "$ns"
    ip -n "$ns" link set lo up
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
    ip -n "$sw" link add "${h}p" type veth peer name "${h}0" netns "$ns"
    ip -n "$sw" link set "${h}p" master br0 up
    ip -n "$ns" link set "${h}0" address "${under_mac[$h]}" up
    ip -n "$ns" addr add "${under_ip[$h]}/24" dev "${h}0"
    # frames leave through a packet socket, not a NIC: checksums in full
    ip netns exec "$ns" ethtool -K "${h}0" tx off >/dev/null
    ip -n "$ns" link add vx0 address "${ep_mac[$h]}" type vxlan id 100 \
        remote $gw_ip local "${under_ip[$h]}" dstport 4789 nolearning
    ip netns exec "$ns" ethtool -K vx0 tx off >/dev/null
    ip -n "$ns" addr add "${ep_ip[$h]}/24" dev vx0
    ip -n "$ns" link set vx0 up
done

cat >"$work/tables.batch" <<EOF
# the hosts' underlay MACs, and one endpoint on each
neighbor add ip ${under_ip[ha]} mac ${under_mac[ha]}
neighbor add ip ${under_ip[hb]} mac ${under_mac[hb]}
endpoint add vni 100 ip ${ep_ip[ha]} mac ${ep_mac[ha]} host ${under_ip[ha]}
endpoint add vni 100 ip ${ep_ip[hb]} mac ${ep_mac[hb]} host ${under_ip[hb]}
endpoint add vni 200 ip 192.0.2.2 mac 02:00:5e:00:02:b1 host ${under_ip[hb]}
EOF

ip netns exec "$sw" "$alkaid" -l 0,1 --no-huge --no-shconf --no-pci -m 1024 \
    --file-prefix "$prefix" --vdev net_af_packet0,iface=gw0 -- \
    --gateway-ip $gw_ip --batch "$work/tables.batch" -s "$work/alkaid.sock" \
    --endpoints 4096 --networks 64 --network-tbl8s 64 --vpcs 64 \
    --neighbors 64 >"$work/alkaid.log" 2>&1 &
pid=$!
wait_for 30 grep -q serving "$work/alkaid.log" || fail "alkaid-dpdk did not start"
echo "integration: alkaid-dpdk serving on gw0 ($gw_ip, $gw_mac)"

# 1. underlay ARP, from ha's kernel: any datagram to the gateway makes it ask
ip netns exec "$ha" "$py" -c "
import socket; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b'x', ('$gw_ip', 9))"
neigh_ok() {
    ip -n "$ha" neigh show "$gw_ip" dev ha0 | grep -q "lladdr $gw_mac .*\(REACHABLE\|STALE\|DELAY\)"
}
wait_for 5 neigh_ok || fail "ha did not resolve $gw_ip: $(ip -n "$ha" neigh show $gw_ip)"
echo "integration: 1. kernel ARP for the gateway: $(ip -n "$ha" neigh show $gw_ip dev ha0)"

# 2. overlay ARP and a bounced datagram, each way, kernel VXLAN at both ends
udp_over() { # udp_over FROM TO: a datagram from FROM's endpoint to TO's
    local from=$1 to=$2 msg="through alkaid from $1 to $2"
    ip netns exec "alk-$to-$tag" "$py" -c "
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('${ep_ip[$to]}', 5000)); s.settimeout(10)
open('$work/ready-$to', 'w').close()
data, peer = s.recvfrom(2048)
sys.exit(0 if data == b'$msg' and peer[0] == '${ep_ip[$from]}' else 1)" &
    local listener=$!
    wait_for 10 test -e "$work/ready-$to" || fail "no listener on $to"
    # the kernel may drop the first datagram while it resolves: resend
    for _ in $(seq 10); do
        kill -0 $listener 2>/dev/null || break
        ip netns exec "alk-$from-$tag" "$py" -c "
import socket
socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b'$msg', ('${ep_ip[$to]}', 5000))"
        sleep 0.5
    done
    wait $listener || fail "datagram from $from did not reach $to's endpoint"
    rm -f "$work/ready-$to"
    ip -n "alk-$from-$tag" neigh show "${ep_ip[$to]}" dev vx0 |
        grep -q "lladdr ${ep_mac[$to]}" ||
        fail "$from resolved ${ep_ip[$to]} wrongly: $(ip -n "alk-$from-$tag" neigh show dev vx0)"
    echo "integration: 2. $from -> $to: overlay ARP answered (${ep_ip[$to]} is at ${ep_mac[$to]}), datagram delivered"
}
udp_over ha hb
udp_over hb ha

# 3. Geneve, which these kernels cannot send: scapy, checked byte by byte
cat >"$work/geneve.py" <<EOF
import sys, time
from scapy.all import Ether, IP, UDP, Raw, sendp, AsyncSniffer, raw
from scapy.contrib.geneve import GENEVE
inner = (Ether(src='02:00:5e:00:02:a1', dst='02:00:5e:00:02:b1') /
         IP(src='192.0.2.1', dst='192.0.2.2') / UDP(sport=1234, dport=5001) /
         Raw(b'geneve through alkaid'))
frame = (Ether(src='${under_mac[ha]}', dst='$gw_mac') /
         IP(src='${under_ip[ha]}', dst='$gw_ip', ttl=17) /
         UDP(sport=50000, dport=6081) / GENEVE(vni=200, proto=0x6558) / inner)
if sys.argv[1] == 'send':
    sendp(frame, iface='ha0', verbose=False)
    sys.exit(0)
sniffer = AsyncSniffer(iface='hb0', count=1,
                       lfilter=lambda p: UDP in p and p[UDP].dport == 6081
                       and p[IP].dst == '${under_ip[hb]}')
sniffer.start()
time.sleep(0.5)
open('$work/ready-sniff', 'w').close()
sniffer.join(timeout=10)
got = sniffer.results
if not got:
    print('no Geneve frame on hb'); sys.exit(1)
p = got[0]
want = {'eth dst': '${under_mac[hb]}', 'eth src': '$gw_mac',
        'ip src': '$gw_ip', 'ip dst': '${under_ip[hb]}', 'ttl': 16,
        'vni': 200, 'tenant frame': raw(inner).hex()}
have = {'eth dst': p[Ether].dst, 'eth src': p[Ether].src,
        'ip src': p[IP].src, 'ip dst': p[IP].dst, 'ttl': p[IP].ttl,
        'vni': p[GENEVE].vni, 'tenant frame': raw(p[GENEVE].payload).hex()}
bad = [k for k in want if want[k] != have[k]]
for k in bad:
    print('%s: want %s, have %s' % (k, want[k], have[k]))
# checksums updated incrementally must equal ones computed afresh
fresh = IP(raw(p[IP]))
del fresh.chksum
del fresh[UDP].chksum
if raw(fresh) != raw(p[IP]):
    bad.append('checksums'); print('outer IPv4 or UDP checksum wrong')
sys.exit(1 if bad else 0)
EOF
ip netns exec "$hb" "$py" "$work/geneve.py" sniff &
sniffer=$!
wait_for 20 test -e "$work/ready-sniff" || fail "no sniffer on hb"
ip netns exec "$ha" "$py" "$work/geneve.py" send
wait $sniffer || fail "Geneve frame not bounced as specified"
echo "integration: 3. Geneve from ha bounced to hb: outer rewritten, TTL 17 -> 16, tenant frame intact"

# 4. the counters agree
stats=$(echo /alkaid/stats | "$py" /usr/bin/dpdk-telemetry.py -f "$prefix" 2>/dev/null)
"$py" - "$stats" <<'EOF' || fail "telemetry: $stats"
import json, sys
s = json.loads(sys.argv[1])['/alkaid/stats']
need = {'underlay_arp_reply': 1, 'arp_reply': 2, 'bounce': 3}
low = {k: s[k] for k in need if s[k] < need[k]}
print('integration: 4. telemetry:', ', '.join('%s %d' % (k, s[k]) for k in need))
sys.exit(1 if low else 0)
EOF
echo "integration: ok"
