#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Send Geneve frames (with and without options) from an emulated host to
the gateway, and check that each one arrives bounced at the destination
host: outer source = gateway, outer destination = that host, tunnel header,
options and inner frame unchanged.  Runs inside the sending host's network
namespace; captures in the receiving host's with tcpdump."""
import argparse
import os
import subprocess
import sys
import tempfile
import time

from scapy.all import (Ether, IP, UDP, ICMP, Raw, rdpcap, sendp,  # noqa: E402
                       conf)
from scapy.contrib.geneve import GENEVE, GeneveOptions

conf.verb = 0


def frames(a):
    src_mac = open("/sys/class/net/eth0/address").read().strip()
    inner = (Ether(src="0e:00:00:00:aa:01", dst="0e:00:00:00:aa:02") /
             IP(src=a.inner_src, dst=a.inner_dst) / ICMP(id=0x4747) /
             Raw(b"alkaid-lab"))
    variants = [
        ("no options", []),
        ("one option", [GeneveOptions(classid=0x0102, type=0x80, data=b"\x00\x00\x00\x01")]),
        ("three options", [GeneveOptions(classid=0x0102, type=t, data=b"\x00" * 4 * (t + 1))
                           for t in range(3)]),
    ]
    out = []
    for seq, (name, opts) in enumerate(variants):
        g = GENEVE(vni=a.vni, proto=0x6558, options=opts)
        pkt = (Ether(src=src_mac, dst=a.gateway_mac) /
               IP(src=a.src, dst=a.gateway, ttl=64, id=seq) /
               UDP(sport=50000 + seq, dport=6081) / g / inner)
        out.append((name, pkt))
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__)
    for opt in ("gateway", "gateway-mac", "src", "dst-host", "inner-src",
                "inner-dst", "peer-ns"):
        p.add_argument("--" + opt, required=True)
    p.add_argument("--vni", type=int, required=True)
    a = p.parse_args()

    pcap = tempfile.mktemp(suffix=".pcap")
    cap = subprocess.Popen(["ip", "netns", "exec", a.peer_ns, "tcpdump", "-q",
                            "-U", "-i", "eth0", "-w", pcap, "udp port 6081"],
                           stderr=subprocess.DEVNULL)
    time.sleep(1.0)
    sent = frames(a)
    for _, pkt in sent:
        sendp(pkt, iface="eth0")
    time.sleep(1.0)
    cap.terminate()
    cap.wait()
    got = rdpcap(pcap) if os.path.exists(pcap) else []
    os.unlink(pcap) if os.path.exists(pcap) else None

    bad = 0
    for name, pkt in sent:
        want_tail = bytes(pkt[UDP].payload)
        match = [g for g in got if IP in g and UDP in g and
                 bytes(g[UDP].payload) == want_tail]
        if not match:
            print(f"geneve: {name}: not bounced to {a.dst_host}", file=sys.stderr)
            bad += 1
            continue
        g = match[0]
        if (g[IP].src, g[IP].dst, g[IP].ttl) != (a.gateway, a.dst_host, 63):
            print(f"geneve: {name}: outer {g[IP].src} -> {g[IP].dst} ttl {g[IP].ttl}",
                  file=sys.stderr)
            bad += 1
            continue
        print(f"geneve: {name}: bounced {a.gateway} -> {a.dst_host}, "
              f"{len(g)} bytes, options kept")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
