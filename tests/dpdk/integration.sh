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
prefix=alk-integ-$$
. "$(dirname "$0")/../lib/lib.sh"
lib_init integration
need_root
vxlan_hosts "$prefix"
ha=${host_ns[ha]}
hb=${host_ns[hb]}

cat >"$tmp/tables.batch" <<EOF
# the hosts' underlay MACs, and one endpoint on each
neighbor add ip ${under_ip[ha]} mac ${under_mac[ha]}
neighbor add ip ${under_ip[hb]} mac ${under_mac[hb]}
endpoint add vni 100 ip ${ep_ip[ha]} mac ${ep_mac[ha]} host ${under_ip[ha]}
endpoint add vni 100 ip ${ep_ip[hb]} mac ${ep_mac[hb]} host ${under_ip[hb]}
endpoint add vni 200 ip 192.0.2.2 mac 02:00:5e:00:02:b1 host ${under_ip[hb]}
EOF

eal_args eal 1024 "$prefix"
daemon_start alkaid --log serving -- ip netns exec "$sw" "$alkaid" -l 0,1 \
    "${eal[@]}" --vdev net_af_packet0,iface=gw0 -- \
    --gateway-ip $gw_ip --batch "$tmp/tables.batch" -s "$tmp/alkaid.sock" \
    --endpoints 4096 --networks 64 --network-tbl8s 64 --vpcs 64 \
    --neighbors 64 || fail "alkaid-dpdk did not start"
step "alkaid-dpdk serving on gw0 ($gw_ip, $gw_mac)"

# 1. underlay ARP, from ha's kernel: any datagram to the gateway makes it ask
ip netns exec "$ha" "$py" -c "
import socket; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b'x', ('$gw_ip', 9))"
neigh_ok() {
    ip -n "$ha" neigh show "$gw_ip" dev ha0 | grep -q "lladdr $gw_mac .*\(REACHABLE\|STALE\|DELAY\)"
}
wait_for 5 neigh_ok || fail "ha did not resolve $gw_ip: $(ip -n "$ha" neigh show $gw_ip)"
step "1. kernel ARP for the gateway: $(ip -n "$ha" neigh show $gw_ip dev ha0)"

# 2. overlay ARP and a bounced datagram, each way, kernel VXLAN at both ends
udp_over() { # udp_over FROM TO: a datagram from FROM's endpoint to TO's
    local from=$1 to=$2 msg="through alkaid from $1 to $2"
    ip netns exec "${host_ns[$to]}" "$py" -c "
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('${ep_ip[$to]}', 5000)); s.settimeout(10)
open('$tmp/ready-$to', 'w').close()
data, peer = s.recvfrom(2048)
sys.exit(0 if data == b'$msg' and peer[0] == '${ep_ip[$from]}' else 1)" &
    local listener=$!
    wait_for 10 test -e "$tmp/ready-$to" || fail "no listener on $to"
    # the kernel may drop the first datagram while it resolves: resend
    for _ in $(seq 10); do
        kill -0 $listener 2>/dev/null || break
        ip netns exec "${host_ns[$from]}" "$py" -c "
import socket
socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b'$msg', ('${ep_ip[$to]}', 5000))"
        sleep 0.5
    done
    wait $listener || fail "datagram from $from did not reach $to's endpoint"
    rm -f "$tmp/ready-$to"
    ip -n "${host_ns[$from]}" neigh show "${ep_ip[$to]}" dev vx0 |
        grep -q "lladdr ${ep_mac[$to]}" ||
        fail "$from resolved ${ep_ip[$to]} wrongly: $(ip -n "${host_ns[$from]}" neigh show dev vx0)"
    step "2. $from -> $to: overlay ARP answered (${ep_ip[$to]} is at ${ep_mac[$to]}), datagram delivered"
}
udp_over ha hb
udp_over hb ha

# 3. Geneve, which these kernels cannot send: scapy, checked byte by byte
cat >"$tmp/geneve.py" <<EOF
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
open('$tmp/ready-sniff', 'w').close()
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
ip netns exec "$hb" "$py" "$tmp/geneve.py" sniff &
sniffer=$!
wait_for 20 test -e "$tmp/ready-sniff" || fail "no sniffer on hb"
ip netns exec "$ha" "$py" "$tmp/geneve.py" send
wait $sniffer || fail "Geneve frame not bounced as specified"
step "3. Geneve from ha bounced to hb: outer rewritten, TTL 17 -> 16, tenant frame intact"

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
step "ok"
