#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""notify_listen.py SOCKET LOG CHECK

systemd's side of sd_notify() for tests: binds the datagram socket
SOCKET (give it to a daemon as NOTIFY_SOCKET) and appends each message to
LOG, one line per message ("READY=1 STATUS=..."), until SIGTERM.  When a
READY=1 arrives, the shell command CHECK runs before the next message is
read, while the daemon goes on, and its exit status and output are logged
as "check N: STATUS OUTPUT": what a unit ordered after the daemon would
find at that moment.
"""
import os
import signal
import socket
import subprocess
import sys


def main(path, log, check):
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
    readies = 0
    with open(log, "a", buffering=1) as out:
        out.write("listening\n")
        while True:
            msg = sock.recv(4096).decode(errors="replace")
            out.write(" ".join(msg.split("\n")) + "\n")
            if "READY=1" in msg.split("\n"):
                readies += 1
                r = subprocess.run(check, shell=True, capture_output=True,
                                   text=True)
                text = " ".join((r.stdout + r.stderr).split())
                out.write(f"check {readies}: {r.returncode} {text}\n")


if __name__ == "__main__":
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    main(*sys.argv[1:])
