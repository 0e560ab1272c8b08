#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Test traffic with exactly known packets and bytes, run inside a netns.

  traffic.py udp DST SPORT DPORT PAYLOAD COUNT   COUNT datagrams of PAYLOAD bytes
  traffic.py tcp-server PORT                    accepts one connection, reads to EOF
  traffic.py tcp-client DST PORT BYTES          sends BYTES and closes
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
    else:
        sys.exit(__doc__)
