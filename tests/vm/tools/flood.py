#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Many UDP flows from one socket, run inside a netns: flow i is the
datagram(s) to destination port DPORT0+i (one source port), so N flows need
no N sockets (the descriptor limit is 1024).

  flood.py DST SPORT DPORT0 N [PAYLOAD=32] [ROUNDS=1] [GAP=0]
        ROUNDS times (0: until SIGTERM, the round under way completed): one
        datagram of PAYLOAD bytes to each port DPORT0..DPORT0+N-1, GAP
        seconds after each; prints "sent PKTS".  A send that fails (ENOBUFS,
        EAGAIN under a flood) is retried, so PKTS is exact.
"""
import errno
import signal
import socket
import sys
import time

STOP = []


def send(s, data, to):
    while True:
        try:
            s.sendto(data, to)
            return
        except OSError as e:
            if e.errno not in (errno.ENOBUFS, errno.EAGAIN):
                raise
            time.sleep(0.001)


def flood(dst, sport, dport0, n, payload=32, rounds=1, gap=0):
    fam = socket.AF_INET6 if ":" in dst else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.bind(("", int(sport)))
    data = b"f" * int(payload)
    ports = range(int(dport0), int(dport0) + int(n))
    rounds, gap = int(rounds), float(gap)
    # the handler only sets a flag: no datagram sent but not counted
    signal.signal(signal.SIGTERM, lambda *_: STOP.append(1))
    sent = done = 0
    while (rounds == 0 and not STOP) or done < rounds:
        for p in ports:
            send(s, data, (dst, p))
            sent += 1
            if gap:
                time.sleep(gap)
        done += 1
    s.close()
    print(f"sent {sent}", flush=True)


if __name__ == "__main__":
    if len(sys.argv) < 5:
        sys.exit(__doc__)
    flood(*sys.argv[1:])
