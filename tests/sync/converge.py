#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Exact equality of a gateway's tables with its share of the fleet's store.

    converge.py --ctl ALKAIDCTL --socket SOCKET --etcd URLS --prefix P
                [--wait SECONDS] SEL...

SEL is alkaid-sync's --share (OBJECT, OBJECT/GROUP or *).  The store is read
with `etcdctl get --prefix`, the daemon with `alkaidctl -j OBJECT list`;
every table a SEL names must hold exactly the share's rows, field for
field.  With --wait, tries again until equal or the time is up.  Prints
"converged: N rows" (exit 0) or the first differences (exit 1).
"""
import argparse
import json
import subprocess
import sys
import time

KEYS = {"endpoint": ("vni", "ip"), "network": ("vni", "prefix"),
        "vpc": ("vni",), "neighbor": ("ip",)}


def store(etcd, prefix, sels):
    rows = {}
    for sel in sels:
        obj, _, group = sel.partition("/")
        p = prefix + obj + "/" + (group + "/" if group and group != "*" else "")
        out = subprocess.run(["etcdctl", "--endpoints", etcd, "get", "--prefix", p],
                             check=True, capture_output=True, text=True).stdout
        lines = out.split("\n")
        for k, v in zip(lines[0::2], lines[1::2]):
            val = json.loads(v)
            rows[(obj, tuple(val[f] for f in KEYS[obj]))] = val
    return rows


def daemon(ctl, sock, objs):
    rows = {}
    for obj in objs:
        out = subprocess.run([ctl, "-s", sock, "-j", obj, "list"], check=True,
                             capture_output=True, text=True).stdout
        for val in json.loads(out):
            rows[(obj, tuple(val[f] for f in KEYS[obj]))] = val
    return rows


def compare(a, args, sels):
    want = store(args.etcd, args.prefix, sels)
    have = daemon(args.ctl, args.socket, sorted({s.split("/")[0] for s in sels}))
    diffs = []
    for k in want.keys() | have.keys():
        w, h = want.get(k), have.get(k)
        if w is None:
            diffs.append(f"extra in the daemon: {k} {h}")
        elif h is None:
            diffs.append(f"missing in the daemon: {k} {w}")
        elif {f: h.get(f) for f in w} != w or any(
                f not in w for f in h if h[f] not in (None, 0, False)):
            diffs.append(f"differs: {k} store {w} daemon {h}")
    return len(want), diffs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ctl", required=True)
    ap.add_argument("--socket", required=True)
    ap.add_argument("--etcd", required=True)
    ap.add_argument("--prefix", default="/alkaid/")
    ap.add_argument("--wait", type=float, default=0)
    ap.add_argument("sel", nargs="+")
    args = ap.parse_args()
    sels = []
    for s in ",".join(args.sel).split(","):
        sels += KEYS.keys() if s == "*" else [s]
    deadline = time.monotonic() + args.wait
    while True:
        try:
            n, diffs = compare(None, args, sels)
        except (subprocess.CalledProcessError, json.JSONDecodeError) as e:
            n, diffs = 0, [f"cannot read: {e}"]
        if not diffs:
            print(f"converged: {n} rows")
            return 0
        if time.monotonic() >= deadline:
            print(f"not converged: {len(diffs)} differences of {n} rows")
            for d in sorted(diffs)[:10]:
                print("  " + d)
            return 1
        time.sleep(0.3)


if __name__ == "__main__":
    sys.exit(main())
