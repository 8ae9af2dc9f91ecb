#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Provisioning latency: an endpoint put into etcd until every gateway of
its group has it in its tables.

    latency.py ETCD_URL PREFIX GROUP COUNT SOCKET...

Puts COUNT endpoints one at a time through etcd's JSON gateway (one
kept-alive HTTP connection), and after each put asks each gateway's control
socket (endpoint.get) until all have the row.  Prints
"latency p50_ms p99_ms put_p50_ms put_p99_ms": the put alone is the
reference, measured by the same client in the same loop.
"""
import base64
import http.client
import json
import socket
import sys
import time
import urllib.parse


def main():
    url, prefix, group, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    u = urllib.parse.urlparse(url)
    conn = http.client.HTTPConnection(u.hostname, u.port)
    gws = []
    for path in sys.argv[5:]:
        s = socket.socket(socket.AF_UNIX)
        s.connect(path)
        gws.append((s, s.makefile("rb")))
    total, puts = [], []
    for i in range(count):
        ip = "198.19.%d.%d" % (i >> 8, i & 255)
        row = {"vni": 900, "ip": ip, "mac": "0e:09:00:00:%02x:%02x" % (i >> 8, i & 255),
               "host": "203.0.113.%d" % (1 + i % 200)}
        key = "%sendpoint/%s/900/%s" % (prefix, group, ip)
        body = json.dumps({"key": base64.b64encode(key.encode()).decode(),
                           "value": base64.b64encode(json.dumps(row).encode()).decode()})
        t0 = time.perf_counter()
        conn.request("POST", "/v3/kv/put", body, {"Content-Type": "application/json"})
        conn.getresponse().read()
        t1 = time.perf_counter()
        req = (json.dumps({"jsonrpc": "2.0", "id": 1, "method": "endpoint.get",
                           "params": {"vni": 900, "ip": ip}}) + "\n").encode()
        for s, f in gws:
            while True:
                s.sendall(req)
                if b'"result"' in f.readline():
                    break
        t2 = time.perf_counter()
        puts.append((t1 - t0) * 1e3)
        total.append((t2 - t0) * 1e3)
    total.sort()
    puts.sort()
    pick = lambda v, q: v[min(len(v) - 1, int(q * len(v)))]
    print("latency %.3f %.3f %.3f %.3f" % (pick(total, 0.5), pick(total, 0.99),
                                           pick(puts, 0.5), pick(puts, 0.99)))


if __name__ == "__main__":
    main()
