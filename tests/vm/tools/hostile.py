#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Malformed IPv4/IPv6 packets built with scapy, run inside a netns.

  hostile.py l2 IFACE DSTMAC EXPR...
        each EXPR (a scapy IP/IPv6 packet or a list of them; all of
        scapy.all in scope, and chain(BASE, N, TOP): N IPv6 extension
        headers between BASE and TOP) sent in Ethernet frames to DSTMAC on IFACE: the
        receiver's IP input sees them as they are.
  hostile.py raw EXPR...
        each IPv4 packet sent as is through a raw IPPROTO_RAW socket
        (IP_HDRINCL): with IHL < 5 the kernel fixes nothing in the header,
        and the packet crosses OUTPUT (LOCAL_OUT) untouched; prints a fourth
        figure, the packets sendto() refused with EINVAL (not sent).

  hostile.py l2 IFACE DSTMAC EXPR... raw EXPR...   both, in this order.

Prints "PKTS DECLARED BUFFER" per EXPR: the packets, the sum of their
declared lengths (IPv4 total length, IPv6 40 + payload length: what a
router keeps of a longer frame) and of their real sizes.
"""
import errno
import socket
import sys

from scapy.all import IP, IPv6, Ether, Raw, conf, sendp  # noqa: F401
from scapy.all import *  # noqa: F401,F403  (the EXPRs use any layer)

conf.verb = 0


def chain(base, n, top):
    """base / n extension headers (Destination Options and Routing, in
    turn: neither is looked at by a router) / top."""
    p = base
    for i in range(n):
        p = p / (IPv6ExtHdrDestOpt() if i % 2 == 0 else IPv6ExtHdrRouting())  # noqa: F405
    return p / top


def packets(expr):
    p = eval(expr)  # noqa: S307  (test input written in the scenario)
    return p if isinstance(p, list) else [p]


def declared(raw):
    if raw and raw[0] >> 4 == 6 and len(raw) >= 6:
        return 40 + int.from_bytes(raw[4:6], "big")
    if len(raw) >= 4:
        return int.from_bytes(raw[2:4], "big")
    return len(raw)


def report(pkts):
    raws = [bytes(p) for p in pkts]
    print(len(raws), sum(declared(r) for r in raws), sum(len(r) for r in raws), flush=True)
    return raws


def l2(iface, dstmac, *exprs):
    for e in exprs:
        frames = [Ether(dst=dstmac, type=0x86DD if r[0] >> 4 == 6 else 0x0800) / Raw(r)
                  for r in report(packets(e))]
        sendp(frames, iface=iface)


def raw(*exprs):
    """Prints "PKTS DECLARED BUFFER REFUSED" per EXPR: the kernel refuses
    some headers at sendto() (EINVAL); those are counted, not sent."""
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    for e in exprs:
        pkts = packets(e)
        sent = []
        refused = 0
        for p in pkts:
            r = bytes(p)
            try:
                s.sendto(r, (p[IP].dst, 0))
                sent.append(r)
            except OSError as err:
                if err.errno != errno.EINVAL:
                    raise
                refused += 1
        print(len(sent), sum(declared(r) for r in sent), sum(len(r) for r in sent), refused, flush=True)
    s.close()


if __name__ == "__main__":
    # "l2 ... raw ...": both in one run (importing scapy takes seconds)
    args = sys.argv[1:]
    cut = args.index("raw") if "raw" in args else len(args)
    l2_args, raw_args = args[:cut], args[cut + 1:]
    if l2_args and (l2_args[0] != "l2" or len(l2_args) < 3) or not (l2_args or cut < len(args)):
        sys.exit(__doc__)
    if l2_args:
        l2(*l2_args[1:])
    if cut < len(args):
        raw(*raw_args)
