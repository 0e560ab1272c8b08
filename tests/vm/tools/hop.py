#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Traffic whose sender moves between CPUs while it sends, run inside a netns.

A veth transmit is processed (routing, FORWARD, the NETFLOW target) in the
softirq of the CPU that sent it, so moving the sender moves the flow's
packets from one CPU's flow cache to another's.

  hop.py tcp DST PORT CHUNKS CHUNK   CHUNKS writes of CHUNK bytes, the sender
                                      pinned to CPU i % ncpu before write i
  hop.py udp DST SPORT DPORT PAYLOAD COUNT   COUNT datagrams, likewise
  hop.py icmp DST PAYLOAD COUNT      COUNT echo requests (one id, raw
                                      socket), waiting for each reply
Each waits 50 ms after a send, so that the send has left its CPU.
"""
import os
import socket
import struct
import sys
import time

CPUS = sorted(os.sched_getaffinity(0))


def hop(i):
    os.sched_setaffinity(0, {CPUS[i % len(CPUS)]})


def tcp(dst, port, chunks, chunk):
    s = socket.create_connection((dst, int(port)), timeout=20)
    data = b"y" * int(chunk)
    for i in range(int(chunks)):
        hop(i)
        s.sendall(data)
        time.sleep(0.05)
    s.shutdown(socket.SHUT_WR)
    s.recv(1)
    s.close()


def udp(dst, sport, dport, payload, count):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("", int(sport)))
    data = b"x" * int(payload)
    for i in range(int(count)):
        hop(i)
        s.sendto(data, (dst, int(dport)))
        time.sleep(0.05)
    s.close()


def checksum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack(f"!{len(b) // 2}H", b))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return ~s & 0xFFFF


def icmp(dst, payload, count):
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    s.settimeout(5)
    data = b"p" * int(payload)
    for i in range(int(count)):
        hop(i)
        hdr = struct.pack("!BBHHH", 8, 0, 0, 0x4242, i)
        s.sendto(struct.pack("!BBHHH", 8, 0, checksum(hdr + data), 0x4242, i) + data, (dst, 0))
        while True:	# the reply (a raw socket also sees other ICMP)
            pkt = s.recv(65535)
            ihl = (pkt[0] & 15) * 4
            if pkt[ihl] == 0 and struct.unpack("!HH", pkt[ihl + 4:ihl + 8]) == (0x4242, i):
                break
        time.sleep(0.05)
    s.close()


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    {"tcp": tcp, "udp": udp, "icmp": icmp}.get(cmd, lambda *_: sys.exit(__doc__))(*args)
