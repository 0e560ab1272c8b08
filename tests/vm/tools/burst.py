#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Several UDP flows of known sizes from one process (each python start costs
about a second under TCG), run inside a netns.

  burst.py DST SPORT0 DPORT0 N [GAP]
        flow i = 1..N: from port SPORT0+i to DST port DPORT0+i, i+1 datagrams
        of 100*i bytes payload; GAP seconds between flows (default 0).
        Prints per flow: "SPORT DPORT PAYLOAD COUNT T0_MS T1_MS", the wall
        clock just before the first and just after the last datagram.
  burst.py paced DST SPORT DPORT PAYLOAD SECONDS INTERVAL
        one flow: a datagram every INTERVAL seconds for SECONDS or until
        SIGTERM; then prints the number of datagrams sent.
"""
import signal
import socket
import sys
import time


def ms():
    return int(time.time() * 1000)


def burst(dst, sport0, dport0, n, gap=0.0):
    fam = socket.AF_INET6 if ":" in dst else socket.AF_INET
    for i in range(1, int(n) + 1):
        s = socket.socket(fam, socket.SOCK_DGRAM)
        s.bind(("", int(sport0) + i))
        data = b"x" * (100 * i)
        t0 = ms()
        for _ in range(i + 1):
            s.sendto(data, (dst, int(dport0) + i))
        t1 = ms()
        s.close()
        print(int(sport0) + i, int(dport0) + i, 100 * i, i + 1, t0, t1, flush=True)
        if gap:
            time.sleep(float(gap))


STOP = []


def paced(dst, sport, dport, payload, seconds, interval):
    fam = socket.AF_INET6 if ":" in dst else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.bind(("", int(sport)))
    data = b"p" * int(payload)
    end = time.monotonic() + float(seconds)
    n = 0
    nxt = time.monotonic()
    # the handler only sets a flag: no datagram sent but not counted
    signal.signal(signal.SIGTERM, lambda *_: STOP.append(1))
    while not STOP and time.monotonic() < end:
        s.sendto(data, (dst, int(dport)))
        n += 1
        nxt += float(interval)
        time.sleep(max(0.0, nxt - time.monotonic()))
    print(n, flush=True)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "paced":
        paced(*sys.argv[2:8])
    elif len(sys.argv) >= 5:
        burst(*sys.argv[1:6])
    else:
        sys.exit(__doc__)
