#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Test traffic with exactly known packets and bytes, run inside a netns.

  traffic.py udp DST SPORT DPORT PAYLOAD COUNT   COUNT datagrams of PAYLOAD bytes
  traffic.py tcp-server PORT                    accepts one connection, reads to EOF
  traffic.py tcp-client DST PORT BYTES          sends BYTES and closes
  traffic.py udp-stamp DST SPORT DPORT PAYLOAD COUNT
                      as udp; prints the wall-clock time (epoch s) of the last send
  traffic.py udp-spray DST SPORT0 NPORTS DPORT PAYLOAD SECONDS
                      one datagram from each of NPORTS source ports SPORT0..,
                      round after round for SECONDS or until SIGTERM (the round
                      under way is completed); prints "sent N rounds R"
  traffic.py udp-many DST SPORT0 NPORTS DPORT PAYLOAD GAP [ROUNDS]
                      one datagram from each of NPORTS source ports, GAP s
                      apart; ROUNDS (default 1) such rounds; prints "sent N"
  traffic.py scapy IFACE DSTMAC EXPR...
                      evaluates each EXPR with scapy's IPv4 layers in scope (an
                      IP packet or a list of them, e.g. fragment(IP()/UDP()/..);
                      also Raw, and rnd: a random.Random seeded with 24),
                      sends every packet in an Ethernet frame to DSTMAC on IFACE;
                      prints "PKTS IPBYTES" per EXPR (the sum of the IPv4 total
                      length fields: what a router forwards and accounts)
"""
import socket
import sys
import time


def udp(dst, sport, dport, payload, count, gap=0.0):
    s = socket.socket(socket.AF_INET6 if ":" in dst else socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("", int(sport)))
    data = b"x" * int(payload)
    for _ in range(int(count)):
        s.sendto(data, (dst, int(dport)))
        if gap:
            time.sleep(gap)
    s.close()


def tcp_server(port):
    ls = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("::", int(port)))
    ls.listen(1)
    print("listening", flush=True)
    c, _ = ls.accept()
    total = 0
    while True:
        b = c.recv(65536)
        if not b:
            break
        total += len(b)
    c.close()
    print(total, flush=True)


def tcp_client(dst, port, nbytes):
    s = socket.create_connection((dst, int(port)), timeout=20)
    s.sendall(b"y" * int(nbytes))
    s.shutdown(socket.SHUT_WR)
    s.recv(1)
    s.close()


def udp_stamp(dst, sport, dport, payload, count):
    s = socket.socket(socket.AF_INET6 if ":" in dst else socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("", int(sport)))
    data = b"x" * int(payload)
    last = None
    for _ in range(int(count)):
        s.sendto(data, (dst, int(dport)))
        last = time.time()
    s.close()
    print(f"{last:.6f}", flush=True)


def port_sockets(dst, sport0, nports):
    family = socket.AF_INET6 if ":" in dst else socket.AF_INET
    socks = []
    for i in range(int(nports)):
        s = socket.socket(family, socket.SOCK_DGRAM)
        s.bind(("", int(sport0) + i))
        socks.append(s)
    return socks


def udp_spray(dst, sport0, nports, dport, payload, seconds):
    import signal
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    socks = port_sockets(dst, sport0, nports)
    data = b"x" * int(payload)
    to = (dst, int(dport))
    end = time.monotonic() + float(seconds)
    sent = rounds = 0
    while not stop and time.monotonic() < end:
        for s in socks:
            s.sendto(data, to)
            sent += 1
        rounds += 1
    for s in socks:
        s.close()
    print(f"sent {sent} rounds {rounds}", flush=True)


def udp_many(dst, sport0, nports, dport, payload, gap, rounds=1):
    socks = port_sockets(dst, sport0, nports)
    data = b"x" * int(payload)
    to = (dst, int(dport))
    sent = 0
    for _ in range(int(rounds)):
        for s in socks:
            s.sendto(data, to)
            sent += 1
            if float(gap):
                time.sleep(float(gap))
    for s in socks:
        s.close()
    print(f"sent {sent}", flush=True)


def scapy_send(iface, dstmac, *exprs):
    # Imported here: scapy is slow to load and only this subcommand needs it.
    from scapy.arch import get_if_hwaddr
    from scapy.layers import inet
    from scapy.layers.l2 import Ether
    from scapy.packet import Raw
    from scapy.sendrecv import sendp
    scope = {k: getattr(inet, k) for k in dir(inet) if not k.startswith("_")}
    scope["Raw"] = Raw
    scope["rnd"] = __import__("random").Random(24)
    src = get_if_hwaddr(iface)
    frames, lines = [], []
    for e in exprs:
        pkts = eval(e, scope)  # noqa: S307 -- test-provided expressions
        if not isinstance(pkts, (list, tuple)):
            pkts = [pkts]
        nbytes = 0
        for p in pkts:
            raw = bytes(p)
            nbytes += int.from_bytes(raw[2:4], "big")
            frames.append(Ether(dst=dstmac, src=src, type=0x0800) / Raw(raw))
        lines.append(f"{len(pkts)} {nbytes}")
    sendp(frames, iface=iface, verbose=False)
    for line in lines:
        print(line, flush=True)


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "udp":
        udp(*args)
    elif cmd == "udp-paced":
        udp(*args[:5], gap=float(args[5]))
    elif cmd == "tcp-server":
        tcp_server(*args)
    elif cmd == "tcp-client":
        tcp_client(*args)
    elif cmd == "udp-stamp":
        udp_stamp(*args)
    elif cmd == "udp-spray":
        udp_spray(*args)
    elif cmd == "udp-many":
        udp_many(*args)
    elif cmd == "scapy":
        scapy_send(*args)
    else:
        sys.exit(__doc__)
