#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""capture_frames.py DEV GW_MAC KIND...: send one frame of each KIND from
the host 198.18.0.2 to the gateway 198.18.0.1 on DEV (Geneve, VNI 100,
inner 198.19.0.10 -> 198.19.0.20 unless said):
  bounce         to the endpoint 198.19.0.20: bounced to its host
  broken_option  opt_len 2, one option claiming 8 bytes: geneve_option
  unknown_vni    VNI 4242, which the gateway does not know: unknown_vni
capture_frames.py --pcap FILE KIND... writes them into FILE instead (for
net_pcap).  Used by the capture tests of both back ends."""
import struct
import sys

from scapy.all import Ether, IP, UDP, ICMP, Raw, conf, sendp, wrpcap

conf.verb = 0


def frame(kind, src_mac, gw_mac):
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
            IP(src="198.18.0.2", dst="198.18.0.1", ttl=64) /
            UDP(sport=50000, dport=6081) / Raw(geneve + bytes(inner)))


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    dev, gw_mac, kinds = sys.argv[1], sys.argv[2], sys.argv[3:]
    if dev == "--pcap":
        wrpcap(gw_mac, [frame(k, "02:a1:ca:1d:02:00", "02:a1:ca:1d:01:00")
                        for k in kinds])
        return
    src_mac = open(f"/sys/class/net/{dev}/address").read().strip()
    sendp([frame(k, src_mac, gw_mac) for k in kinds], iface=dev)


if __name__ == "__main__":
    main()
