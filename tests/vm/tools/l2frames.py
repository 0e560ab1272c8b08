#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Sends hand-built Ethernet frames out of an interface (scapy), for the
promiscuous-capture scenarios: frames for another host's MAC, with or
without VLAN tags, and malformed ones.  One run sends every frame asked
for on standard input (scapy takes seconds to start in a TCG guest), one
spec a line, in order:

  udp DST_MAC TAGS SRC DST SPORT DPORT PAYLOAD COUNT [PAD]
      COUNT UDP datagrams of PAYLOAD bytes, SRC and DST IPv4 or IPv6.
      TAGS: "-" (none), "10" (one 802.1Q tag, VLAN 10), "100,10" (802.1ad
      outer tag 100 then 802.1Q 10: QinQ); then optionally ":" and an MPLS
      label stack, outermost first, "/" between labels: "-:16/17" (two
      labels, no VLAN), "10:1000" (VLAN 10, one label); each entry has
      traffic class 0 and TTL 64 - its position (63, 62, ...).  PAD: bytes
      of Ethernet padding after the IP packet (not part of it).
  bad DST_MAC KIND
      one malformed frame: csum (IPv4 header checksum wrong), long (IPv4
      total length beyond the frame), short (2 bytes of IPv4 header), arp
      (not IP at all).

  l2frames.py IFACE < SPECS
Prints the number of frames sent.
"""
import logging
import sys

logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
import struct  # noqa: E402

from scapy.all import ARP, UDP, Dot1AD, Dot1Q, Ether, IP, IPv6, Padding, Raw, conf, get_if_hwaddr, sendp  # noqa: E402

conf.verb = 0
SRC_MAC = None


def ether(dst_mac, **kw):
    return Ether(src=SRC_MAC, dst=dst_mac, **kw)


def mpls_stack(labels):
    """The label stack entries, bottom-of-stack bit on the last one."""
    out = b""
    for i, label in enumerate(labels):
        out += struct.pack("!I", label << 12 | (i == len(labels) - 1) << 8 | (63 - i))
    return out


def tagged(dst_mac, tags, payload_type):
    vlans, _, mpls = tags.partition(":")
    labels = [int(x) for x in mpls.split("/")] if mpls else []
    inner = 0x8847 if labels else payload_type
    if vlans == "-":
        frame = ether(dst_mac, type=inner)
    else:
        ids = [int(t) for t in vlans.split(",")]
        if len(ids) == 2:
            frame = ether(dst_mac) / Dot1AD(vlan=ids[0]) / Dot1Q(vlan=ids[1], type=inner)
        else:
            frame = ether(dst_mac) / Dot1Q(vlan=ids[0], type=inner)
    return frame / Raw(mpls_stack(labels)) if labels else frame


def udp_frames(dst_mac, tags, src, dst, sport, dport, payload, count, pad="0"):
    ip = IPv6(src=src, dst=dst) if ":" in src else IP(src=src, dst=dst)
    frame = tagged(dst_mac, tags, 0x86DD if ":" in src else 0x0800) / ip / UDP(sport=int(sport), dport=int(dport)) / Raw(b"x" * int(payload))
    if int(pad):
        frame = frame / Padding(load=b"\0" * int(pad))
    return [frame] * int(count)


def bad_frame(dst_mac, kind):
    udp = UDP(sport=9, dport=9) / Raw(b"y" * 20)
    if kind == "csum":
        return ether(dst_mac) / IP(src="10.9.9.1", dst="10.9.9.2", chksum=0x1234) / udp
    if kind == "long":
        return ether(dst_mac) / IP(src="10.9.9.1", dst="10.9.9.2", len=1000) / udp
    if kind == "short":
        return ether(dst_mac, type=0x0800) / Raw(b"\x45\x00")
    if kind == "arp":
        return ether(dst_mac) / ARP(hwsrc=SRC_MAC, psrc="10.9.9.1", pdst="10.9.9.2")
    raise SystemExit(f"unknown malformed kind {kind}")


def frames_of(spec):
    what, args = spec[0], spec[1:]
    if what == "udp":
        return udp_frames(*args)
    if what == "bad":
        return [bad_frame(*args)]
    raise SystemExit(f"unknown spec {' '.join(spec)}\n{__doc__}")


def main(argv):
    global SRC_MAC
    iface = argv[1]
    SRC_MAC = get_if_hwaddr(iface)
    frames = []
    for line in sys.stdin:
        if line.split() and not line.startswith("#"):
            frames += frames_of(line.split())
    sendp(frames, iface=iface)
    print(len(frames))


if __name__ == "__main__":
    main(sys.argv)
