#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Many UDP flows from one socket, as fast as python goes, run inside a netns:
flow i is the datagram(s) to destination port DPORT0+i (one source port), so
N flows need no N sockets (the descriptor limit is 1024).

  flood.py DST SPORT DPORT0 N [PAYLOAD=32] [ROUNDS=1] [DST2...]
        ROUNDS times: one datagram of PAYLOAD bytes to each port
        DPORT0..DPORT0+N-1 (wrapping past 65535 onto the next destination
        address DST2, ...); prints "sent PKTS".  A send that fails (ENOBUFS,
        EAGAIN under a flood) is retried, so PKTS is exact.
"""
import errno
import socket
import sys
import time


def targets(dsts, dport0, n):
    """(address, port) of flow i, for i in 0..n-1."""
    out = []
    d, port = 0, dport0
    for _ in range(n):
        if port > 65535:
            d, port = d + 1, 1024
        out.append((dsts[d], port))
        port += 1
    return out


def flood(dst, sport, dport0, n, payload=32, rounds=1, *more):
    fam = socket.AF_INET6 if ":" in dst else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.bind(("", int(sport)))
    data = b"f" * int(payload)
    to = targets([dst, *more], int(dport0), int(n))
    sent = 0
    for _ in range(int(rounds)):
        for t in to:
            while True:
                try:
                    s.sendto(data, t)
                    break
                except OSError as e:
                    if e.errno not in (errno.ENOBUFS, errno.EAGAIN):
                        raise
                    time.sleep(0.001)
            sent += 1
    s.close()
    print(f"sent {sent}", flush=True)


if __name__ == "__main__":
    if len(sys.argv) < 5:
        sys.exit(__doc__)
    flood(*sys.argv[1:])
