#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""capture_frames.py [--src IP] [--gateway IP] [--count N] DEV GW_MAC KIND...
capture_frames.py --pcap FILE KIND...

Send one Geneve frame of each KIND from the host --src (198.18.0.2) to the
gateway --gateway (198.18.0.1) on DEV, VNI 100, inner 198.19.0.10 to
198.19.0.20 (or write them into FILE, for net_pcap):
  bounce         to the endpoint 198.19.0.20: bounced to its host
  broken_option  opt_len 2, one option claiming 8 bytes: geneve_option
  unknown_vni    VNI 4242, which the gateway does not know: unknown_vni
--count N sends them N times.
Used by tests/ctl/capture.sh and the lab's capture check."""
import argparse
import struct

from scapy.all import Ether, IP, UDP, ICMP, Raw, conf, sendp, wrpcap

conf.verb = 0
KINDS = ("bounce", "broken_option", "unknown_vni")


def frame(kind, src_mac, gw_mac, src, gateway):
    vni = 4242 if kind == "unknown_vni" else 100
    inner = (Ether(src="0e:00:00:00:00:0a", dst="0e:00:00:00:00:14") /
             IP(src="198.19.0.10", dst="198.19.0.20") / ICMP(id=0x4343) /
             Raw(b"alkaid-capture" * 4))
    if kind == "broken_option":
        opts = struct.pack("!HBB", 0x0102, 1, 2) + bytes(4)
        optlen = 2
    else:
        opts, optlen = b"", 0
    geneve = struct.pack("!BBHI", optlen, 0, 0x6558, vni << 8) + opts
    return (Ether(src=src_mac, dst=gw_mac) /
            IP(src=src, dst=gateway, ttl=64) /
            UDP(sport=50000, dport=6081) / Raw(geneve + bytes(inner)))


def main():
    ap = argparse.ArgumentParser(usage=__doc__)
    ap.add_argument("--src", default="198.18.0.2")
    ap.add_argument("--gateway", default="198.18.0.1")
    ap.add_argument("--pcap")
    ap.add_argument("--count", type=int, default=1)
    ap.add_argument("args", nargs="+")
    a = ap.parse_intermixed_args()
    if a.pcap:
        kinds, dev, gw_mac = a.args, None, "02:a1:ca:1d:01:00"
        src_mac = "02:a1:ca:1d:02:00"
    else:
        dev, gw_mac, kinds = a.args[0], a.args[1], a.args[2:]
        src_mac = open(f"/sys/class/net/{dev}/address").read().strip()
    for k in kinds:
        if k not in KINDS:
            ap.error(f"no kind {k} (of {', '.join(KINDS)})")
    frames = [frame(k, src_mac, gw_mac, a.src, a.gateway) for k in kinds]
    if a.pcap:
        wrpcap(a.pcap, frames)
    else:
        sendp(frames, iface=dev, count=a.count)


if __name__ == "__main__":
    main()
