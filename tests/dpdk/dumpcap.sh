#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Debian's dpdk-dumpcap captures alkaid-dpdk's port (rte_pdump), between
# the kernels of two hosts with VXLAN devices (the topology of
# integration.sh):
#
#   ha (198.18.0.1, endpoint 192.0.2.1) --+
#   hb (198.18.0.2, endpoint 192.0.2.2) --+-- br0 --- gw0: alkaid-dpdk on
#                                                      net_af_packet
#
# dpdk-dumpcap is a secondary process: it shares the daemon's memory, which
# a --no-huge daemon cannot share.  So this test reserves 2 MiB hugepages
# for its run, on a hugetlbfs mount of its own, and gives back exactly
# what it took at exit (the pages it added to nr_hugepages, the mount and
# the files on it).  ha's endpoint pings hb's while dpdk-dumpcap captures
# the port; tshark reads the pcapng file and finds, for the frames the
# gateway bounced, the outer headers it rewrote: from the gateway's MAC and
# address to hb's, the TTL one less than ha sent, the tenant frame the
# same.
#
#   dumpcap.sh ALKAID_DPDK
set -euo pipefail

alkaid=$(realpath "$1")
pages=${DUMPCAP_HUGEPAGES:-128}
prefix=mt-dc-$$
. "$(dirname "$0")/../lib/lib.sh"
lib_init dumpcap
need_root
for t in dpdk-dumpcap tshark; do
    command -v $t >/dev/null || { echo "dumpcap: no $t: skipped"; exit 77; }
done

# --- hugepages, given back at exit ------------------------------------------
had=$(cat /proc/sys/vm/nr_hugepages)
echo $((had + pages)) >/proc/sys/vm/nr_hugepages
# what the kernel added (it may find fewer free pages than asked)
took=$(($(cat /proc/sys/vm/nr_hugepages) - had))
on_exit sh -c "echo \$((\$(cat /proc/sys/vm/nr_hugepages) - $took)) >/proc/sys/vm/nr_hugepages"
[ "$took" -ge 64 ] || fail "only $took of $pages hugepages could be reserved"
mkdir "$tmp/huge"
mount -t hugetlbfs -o pagesize=2M nodev "$tmp/huge" || fail "cannot mount a hugetlbfs"
# after the daemon (stopped before: registered later), the files with it
on_exit umount "$tmp/huge"
on_exit rm -rf "/var/run/dpdk/$prefix"
step "$took hugepages reserved, hugetlbfs on $tmp/huge"

vxlan_hosts "$prefix"
ha=${host_ns[ha]}
cat >"$tmp/state" <<EOF
gateway set ip $gw_ip mac $gw_mac underlay-arp on
neighbor add ip ${under_ip[ha]} mac ${under_mac[ha]}
neighbor add ip ${under_ip[hb]} mac ${under_mac[hb]}
endpoint add vni 100 ip ${ep_ip[ha]} mac ${ep_mac[ha]} host ${under_ip[ha]}
endpoint add vni 100 ip ${ep_ip[hb]} mac ${ep_mac[hb]} host ${under_ip[hb]}
EOF

# multi-process on: hugepages, a shared configuration under its prefix
daemon_start gw --log serving --timeout 60 -- ip netns exec "$sw" \
    "$alkaid" -l 0,1 --no-pci --huge-dir "$tmp/huge" --file-prefix "$prefix" \
    -m 160 --vdev net_af_packet0,iface=gw0 -- \
    --state "$tmp/state" -s "$tmp/alkaid.sock" --endpoints 1024 \
    --networks 64 --network-tbl8s 64 --vpcs 64 --neighbors 64 ||
    fail "alkaid-dpdk did not start"
for _ in $(seq 20); do
    ip netns exec "$ha" ping -c 1 -W 1 "${ep_ip[hb]}" >/dev/null 2>&1 && break
done

# the port by name, as dpdk-dumpcap -D lists it
dpdk-dumpcap --file-prefix="$prefix" -D >"$tmp/list" 2>&1 ||
    fail "dpdk-dumpcap -D: $(tail -3 "$tmp/list")"
grep -q 'net_af_packet0' "$tmp/list" || fail "dpdk-dumpcap -D does not list net_af_packet0: $(cat "$tmp/list")"

count=40
background dumpcap timeout 30 dpdk-dumpcap --file-prefix="$prefix" \
    -i net_af_packet0 -c "$count" -w "$tmp/cap.pcapng" >"$tmp/dumpcap.log" 2>&1
# (its messages come at exit) the file's header is written once the
# primary has enabled the capture
wait_for 15 test -s "$tmp/cap.pcapng" || fail "dpdk-dumpcap did not start capturing"
sleep 0.5
ip netns exec "$ha" ping -c 40 -i 0.05 -W 1 "${ep_ip[hb]}" >"$tmp/ping.log" 2>&1 ||
    fail "no ping through the gateway during the capture"
daemon_wait dumpcap || fail "dpdk-dumpcap exited with $?"
step "dpdk-dumpcap: $(grep -m1 'Packets received' "$tmp/dumpcap.log" || true)"

# every frame: direction, outer MACs, IPs and TTL, VNI, inner IPs, ICMP
tshark -r "$tmp/cap.pcapng" -T fields -E separator=/t \
    -e eth.src -e eth.dst -e ip.src -e ip.dst -e ip.ttl -e vxlan.vni \
    -e icmp.type >"$tmp/frames" 2>"$tmp/tshark.err" ||
    fail "tshark cannot read the capture: $(cat "$tmp/tshark.err")"
n=$(wc -l <"$tmp/frames")
[ "$n" -eq "$count" ] || fail "tshark read $n frames, dpdk-dumpcap was to take $count"
# a bounced echo request: arrived from ha to the gateway, left from the
# gateway to hb, outer TTL one less, the tenant packet as it was
python3 - "$tmp/frames" "$gw_mac" "$gw_ip" "${under_mac[ha]}" "${under_ip[ha]}" \
    "${under_mac[hb]}" "${under_ip[hb]}" "${ep_ip[ha]}" "${ep_ip[hb]}" <<'EOF' || exit 1
import sys
path, gw_mac, gw_ip, ha_mac, ha_ip, hb_mac, hb_ip, ea, eb = sys.argv[1:]
rx = tx = 0
ttl_in = set()
for line in open(path):
    # two of each header: the outer, then the tenant's
    src, dst, ips, ipd, ttl, vni, icmp = line.rstrip('\n').split('\t')
    src, dst = src.split(',')[0], dst.split(',')[0]
    if ips.split(',')[0] == ha_ip and ipd.split(',')[0] == gw_ip:
        rx += 1
        ttl_in.add(int(ttl.split(',')[0]))
    if (src, dst) == (gw_mac, hb_mac) and ips.split(',')[0] == gw_ip and \
       ipd.split(',')[0] == hb_ip:
        assert vni == '100', f'bounced frame of VNI {vni}: {line}'
        assert ips.split(',')[1:] == [ea] and ipd.split(',')[1:] == [eb], \
            f'the tenant packet changed: {line}'
        assert icmp == '8', f'not the echo request: {line}'
        t = int(ttl.split(',')[0])
        assert t + 1 in ttl_in or not ttl_in, f'outer TTL {t}, in {ttl_in}'
        tx += 1
assert rx > 0, 'no frame from ha to the gateway captured (RX)'
assert tx > 0, 'no frame bounced to hb captured (TX, rewritten headers)'
print(f'dumpcap: {rx} frames from ha to the gateway, {tx} bounced to hb '
      f'with rewritten outer headers ({gw_mac} {gw_ip} -> {hb_mac} {hb_ip})')
EOF
daemon_stop gw || fail "alkaid-dpdk exited with $? on SIGTERM"
step "ok"
