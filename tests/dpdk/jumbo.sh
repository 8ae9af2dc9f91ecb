#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Jumbo frames through alkaid-dpdk, between the kernels of two hosts with
# VXLAN devices (the topology of integration.sh):
#
#   ha (198.18.0.1, endpoint 192.0.2.1) --+
#   hb (198.18.0.2, endpoint 192.0.2.2) --+-- br0 --- gw0: alkaid-dpdk on
#                                                      net_af_packet
#
# net_af_packet takes no MTU over 1500 and cannot scatter: the daemon is
# given --mtu 9000 (refused: a warning, not an exit), the vdev frames of
# 16 KiB (framesz, blocksz) and mbufs as large (--mbuf-size); the kernel
# interfaces get their MTU from ip link.  Checked:
#   1. the daemon starts, saying what the port kept;
#   2. at an underlay MTU of 1500 (VXLAN 1450): iperf3 from ha to hb;
#   3. at 9000 (VXLAN 8950): 'ping -s 8000 -M do' from ha's endpoint to
#      hb's, 5 of 5 answered, and iperf3;
#   4. no frame counted malformed, every jumbo frame bounced.
# iperf3 runs 3 s each way (JUMBO_SECS): the figures are printed.
#
#   jumbo.sh ALKAID_DPDK
set -euo pipefail

alkaid=$(realpath "$1")
py=/usr/bin/python3
secs=${JUMBO_SECS:-3}
prefix=alk-jumbo-$$
. "$(dirname "$0")/../lib/lib.sh"
lib_init jumbo
need_root
command -v iperf3 >/dev/null || { echo "jumbo: no iperf3: skipped"; exit 77; }
vxlan_hosts "$prefix"
ha=${host_ns[ha]}
hb=${host_ns[hb]}

# underlay_mtu N: every underlay link at N, the VXLAN devices 50 below
underlay_mtu() {
    local h
    for dev in br0 gwp hap hbp gw0; do
        ip -n "$sw" link set "$dev" mtu "$1"
    done
    for h in ha hb; do
        ip -n "${host_ns[$h]}" link set "${h}0" mtu "$1"
        ip -n "${host_ns[$h]}" link set vx0 mtu $(($1 - 50))
    done
}
underlay_mtu 1500

cat >"$tmp/tables.batch" <<EOF
neighbor add ip ${under_ip[ha]} mac ${under_mac[ha]}
neighbor add ip ${under_ip[hb]} mac ${under_mac[hb]}
endpoint add vni 100 ip ${ep_ip[ha]} mac ${ep_mac[ha]} host ${under_ip[ha]}
endpoint add vni 100 ip ${ep_ip[hb]} mac ${ep_mac[hb]} host ${under_ip[hb]}
EOF

eal_args eal 1024 "$prefix"
daemon_start alkaid --log serving --timeout 60 -- ip netns exec "$sw" \
    "$alkaid" -l 0,1 "${eal[@]}" \
    --vdev net_af_packet0,iface=gw0,framesz=16384,blocksz=16384,framecnt=256 \
    -- --gateway-ip $gw_ip --batch "$tmp/tables.batch" \
    -s "$tmp/alkaid.sock" --mtu 9000 --mbuf-size 16384 --mbufs 4096 \
    --rxd 512 --txd 512 --endpoints 4096 --networks 64 \
    --network-tbl8s 64 --vpcs 64 --neighbors 64 ||
    fail "alkaid-dpdk did not start with --mtu 9000 on net_af_packet"
grep -q "warning: port 0 (net_af_packet): MTU 9000 refused" "$tmp/alkaid.log" ||
    fail "no warning for the refused MTU: $(grep alkaid-dpdk "$tmp/alkaid.log")"
step "1. $(grep -o 'port 0 (net_af_packet): MTU 9000 refused.*' "$tmp/alkaid.log")"

listening() { ip netns exec "$hb" ss -ltn | grep -q ':5201 '; }

# iperf MTU: TCP from ha's endpoint to hb's, in Mbit/s received
iperf() {
    local out=$tmp/iperf-$1.json
    ip netns exec "$hb" iperf3 -s -1 -B "${ep_ip[hb]}" >/dev/null 2>&1 &
    local server=$!
    wait_for 10 listening || fail "no iperf3 server on hb"
    ip netns exec "$ha" iperf3 -c "${ep_ip[hb]}" -t "$secs" -J >"$out" 2>&1 ||
        fail "iperf3 at MTU $1: $(head -c 400 "$out")"
    wait $server || true
    "$py" -c 'import json, sys
j = json.load(open(sys.argv[1]))
print("%.0f" % (j["end"]["sum_received"]["bits_per_second"] / 1e6))' "$out"
}

# the overlay first: the hosts resolve the gateway and each other
for _ in $(seq 10); do
    ip netns exec "$ha" ping -c 1 -W 1 "${ep_ip[hb]}" >/dev/null 2>&1 && break
done
ip netns exec "$ha" ping -c 2 -W 1 "${ep_ip[hb]}" >"$tmp/ping.log" 2>&1 ||
    fail "no ping at MTU 1500: $(cat "$tmp/ping.log")"
mbit1500=$(iperf 1500)
[ "$mbit1500" -gt 0 ] || fail "iperf3 at MTU 1500: nothing received"
step "2. MTU 1500 (VXLAN 1450): iperf3 $mbit1500 Mbit/s"

underlay_mtu 9000
ip netns exec "$ha" ping -c 5 -i 0.2 -W 2 -s 8000 -M do "${ep_ip[hb]}" \
    >"$tmp/ping-jumbo.log" 2>&1 ||
    fail "ping -s 8000 -M do: $(tail -3 "$tmp/ping-jumbo.log")"
got=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$tmp/ping-jumbo.log")
[ "$got" = 5 ] || fail "ping -s 8000 -M do: $got of 5 answered"
mbit9000=$(iperf 9000)
[ "$mbit9000" -gt 0 ] || fail "iperf3 at MTU 9000: nothing received"
step "3. MTU 9000 (VXLAN 8950): ping -s 8000 -M do 5/5, iperf3 $mbit9000 Mbit/s"

stats=$(echo /alkaid/stats | "$py" /usr/bin/dpdk-telemetry.py -f "$prefix" 2>/dev/null)
"$py" - "$stats" <<'EOF' || fail "telemetry: $stats"
import json, sys
s = json.loads(sys.argv[1])['/alkaid/stats']
bad = {k: v for k, v in s.items()
       if v and (k.startswith('malformed') or k in ('headers_not_linear', 'resize_failed'))}
print('jumbo: 4. bounce %d; malformed or not linear: %s' % (s['bounce'], bad or 'none'))
sys.exit(1 if bad or s['bounce'] < 1000 else 0)
EOF
echo "jumbo: iperf3 through alkaid-dpdk: MTU 1500 $mbit1500 Mbit/s, MTU 9000 $mbit9000 Mbit/s"
step "ok"
