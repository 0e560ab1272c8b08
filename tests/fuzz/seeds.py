#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Writes the hand-made seed corpora of tests/fuzz/corpus/<target>/.

Run from anywhere: python3 tests/fuzz/seeds.py  (rewrites the seed files;
the fuzzers' own finds go to tests/fuzz/build/corpus/, never here).
Each seed is a small valid (or deliberately borderline) input in the
target's input format, described by its file name.
"""
import os
import random
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")


def write(target, name, data):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


# ---- packets (fuzz_parser: ctl, slack be16, IP header on) -------------------

def csum_free_ipv4(proto, payload, opts=b"", frag=0x4000, tos=0, src=b"\x0a\x00\x00\x01",
                   dst=b"\x0a\x00\x00\x02", tot_len=None):
    ihl = 5 + len(opts) // 4
    total = tot_len if tot_len is not None else ihl * 4 + len(payload)
    return (bytes([0x40 | ihl, tos]) + struct.pack(">HHHBBH", total, 0x1234, frag, 64, proto, 0)
            + src + dst + opts + payload)


def tcp(sport, dport, flags, opts=b""):
    doff = 5 + len(opts) // 4
    return struct.pack(">HHIIBBHHH", sport, dport, 1, 0, doff << 4, flags, 65535, 0, 0) + opts


def udp(sport, dport, payload=b""):
    return struct.pack(">HHHH", sport, dport, 8 + len(payload), 0) + payload


V6S = bytes.fromhex("20010db8000000000000000000000001")
V6D = bytes.fromhex("20010db8000000000000000000000002")


def ipv6(nh, payload, tclass=0, label=0, plen=None):
    first = (6 << 28) | (tclass << 20) | label
    return struct.pack(">IHBB", first, len(payload) if plen is None else plen, nh, 64) + V6S + V6D + payload


def ext(nh, units, body=b""):
    """Hop-by-hop / destination / routing / mobility: (units+1)*8 bytes."""
    size = (units + 1) * 8
    body = (body + b"\x01" + bytes([size - 4]) + bytes(size))[: size - 2]
    return bytes([nh, units]) + body


def frag6(nh, offset, more, ident=0x11223344):
    return struct.pack(">BBHI", nh, 0, (offset << 3) | (1 if more else 0), ident)


def ah(nh, units=4):
    return bytes([nh, units]) + b"\x00\x00" + struct.pack(">II", 0x1000, 1) + bytes((units + 2) * 4 - 12)


def pkt(l3, ctl=0, slack=0):
    return bytes([ctl]) + struct.pack(">H", slack) + l3


def parser_seeds():
    mss_ts = b"\x02\x04\x05\xb4\x04\x02\x08\x0a" + bytes(8) + b"\x01\x03\x03\x07"
    s = {
        "ipv4-tcp-syn-options": pkt(csum_free_ipv4(6, tcp(40000, 80, 0x02, mss_ts))),
        "ipv4-udp-dns": pkt(csum_free_ipv4(17, udp(5353, 53, b"\x12\x34\x01\x00"))),
        "ipv4-icmp-echo": pkt(csum_free_ipv4(1, b"\x08\x00\x00\x00\x00\x01\x00\x01" + bytes(8))),
        "ipv4-igmp": pkt(csum_free_ipv4(2, b"\x16\x00\x00\x00\xe0\x00\x00\xfb")),
        "ipv4-esp": pkt(csum_free_ipv4(50, struct.pack(">II", 0xdeadbeef, 1) + bytes(16))),
        "ipv4-ah": pkt(csum_free_ipv4(51, bytes([6, 4, 0, 0]) + struct.pack(">II", 0xcafe, 1) + bytes(12))),
        "ipv4-sctp": pkt(csum_free_ipv4(132, struct.pack(">HHII", 2905, 2905, 0, 0))),
        "ipv4-udplite": pkt(csum_free_ipv4(136, udp(1, 2))),
        "ipv4-gre-other": pkt(csum_free_ipv4(47, b"\x00\x00\x08\x00")),
        # record route (7), router alert (148), NOP, EOL
        "ipv4-options-udp": pkt(csum_free_ipv4(17, udp(1234, 53), opts=b"\x07\x07\x04" + bytes(4) + b"\x94\x04\x00\x00\x01\x00")),
        "ipv4-frag-first-cut": pkt(csum_free_ipv4(6, tcp(1, 2, 0x18)[:10], frag=0x2000)),
        "ipv4-frag-later": pkt(csum_free_ipv4(17, bytes(16), frag=185)),
        # the copy stops after 40 bytes of a 1500-byte packet
        "ipv4-copy-limited": pkt(csum_free_ipv4(6, tcp(443, 40000, 0x10), tot_len=1500), slack=1460),
        # tot_len larger than the wire: truncated
        "ipv4-lying-tot-len": pkt(csum_free_ipv4(17, udp(1, 2), tot_len=600), slack=0),
        "ipv4-ihl-short": pkt(bytes([0x44]) + csum_free_ipv4(17, udp(1, 2))[1:]),
        "ipv4-wire-shorter-than-copy": pkt(csum_free_ipv4(17, udp(1, 2)), ctl=4, slack=10),
        "ipv6-udp": pkt(ipv6(17, udp(5000, 53, b"abcd")), ctl=1),
        "ipv6-tcp-label": pkt(ipv6(6, tcp(40000, 443, 0x12, mss_ts), tclass=0xb8, label=0xabcde), ctl=1),
        "ipv6-icmpv6": pkt(ipv6(58, b"\x80\x00\x00\x00\x00\x01\x00\x01"), ctl=1),
        "ipv6-ext-chain-tcp": pkt(ipv6(0, ext(43, 0) + ext(44, 0) + frag6(60, 0, False) + ext(6, 1) + tcp(1, 2, 0x02)), ctl=1),
        "ipv6-frag-first": pkt(ipv6(44, frag6(17, 0, True) + udp(1, 2)[:6]), ctl=1),
        "ipv6-frag-later": pkt(ipv6(44, frag6(17, 100, True) + bytes(32)), ctl=1),
        "ipv6-atomic-frag": pkt(ipv6(44, frag6(17, 0, False) + udp(7, 8)), ctl=1),
        "ipv6-ah-esp": pkt(ipv6(51, ah(50) + struct.pack(">II", 0x1234, 1) + bytes(8)), ctl=1),
        "ipv6-ah-tcp": pkt(ipv6(51, ah(6) + tcp(22, 40000, 0x10)), ctl=1),
        "ipv6-mobility-nonext": pkt(ipv6(135, ext(59, 0)), ctl=1),
        "ipv6-ipcomp": pkt(ipv6(108, b"\x06\x00\x00\x01" + bytes(8)), ctl=1),
        "ipv6-jumbogram": pkt(ipv6(0, ext(17, 0) + udp(1, 2), plen=0), ctl=1, slack=100),
        "ipv6-16-dstopts": pkt(ipv6(60, b"".join(ext(60, 0) for _ in range(15)) + ext(17, 0) + udp(1, 2)), ctl=1),
        "ipv6-17-dstopts": pkt(ipv6(60, b"".join(ext(60, 0) for _ in range(16)) + ext(17, 0) + udp(1, 2)), ctl=1),
        "auto-family-v6": pkt(ipv6(17, udp(1, 2)), ctl=2),
        "bad-family": pkt(csum_free_ipv4(17, udp(1, 2)), ctl=0x07),
    }
    for name, data in s.items():
        write("parser", name, data)


# ---- destination=, aggregation= ---------------------------------------------

def string_seeds():
    dests = {
        "v4": "127.0.0.1:2055",
        "v4-list": "10.0.0.1:9995,10.0.0.2 10.0.0.3;10.0.0.4:1",
        "v4-bind-if": "192.0.2.1:2055@192.0.2.254%eth0",
        "v6-bracketed": "[2001:db8::1]:2055",
        "v6-dot-port": "2001:db8::1.2055",
        "v6-p-port": "2001:db8::1p9996@2001:db8::2%lo",
        "v6-hash-port": "2001:db8::1#9996",
        "v6-mapped": "[::ffff:192.0.2.1]:4739",
        "v6-bracket-bind": "[fe80::1]:2055@[fe80::2]%veth-1.23",
        "v6-any": "[::]:1 [::1]:65535",
        "v6-full": "[2001:0db8:0000:0000:0000:ff00:0042:8329]:2055",
        "v6-bare-trailing": "2001:db8::1:2055",
        "dup": "1.2.3.4 1.2.3.4:2055 1.2.3.4:2056",
        "bad-octal": "010.0.0.1",
        "bad-port": "1.2.3.4:65536",
        "bad-family-bind": "[::1]:2055@1.2.3.4",
        "too-many": ",".join("10.0.0.%d" % i for i in range(1, 18)),
        "ifname-long": "1.2.3.4%abcdefghijklmnop",
        "seps": " \t\n,;1.1.1.1;\n",
    }
    for name, text in dests.items():
        write("destination", name, text)

    aggr = {
        "net": "10.0.0.0/8=16",
        "net-ports": "0.0.0.0/0=24,80=8080",
        "ranges": "1-1024=1 53=5353;1000-2000=1500",
        "mixed": "192.168.0.0/16=24,10.0.0.0/8=8,0-65535=0",
        "bad-mask": "10.0.0.0/33=8",
        "bad-range": "2000-1000=1",
        "spaces": "  ,, 10.1.2.3/32=32 ;",
    }
    for name, text in aggr.items():
        write("aggregation", name, text)
    # With keys after the NUL: src, dst, sport, dport, iif, proto, tos, pad.
    key = (bytes([10, 1, 2, 3]) + bytes([192, 168, 7, 9]) + struct.pack(">HH", 80, 53000)
           + struct.pack("<i", 2) + bytes([6, 0, 0, 0]))
    key_udp = (bytes([10, 200, 0, 1]) + bytes([8, 8, 8, 8]) + struct.pack(">HH", 53, 1500)
               + struct.pack("<i", -1) + bytes([17, 0x10, 0, 0]))
    write("aggregation", "net-ports-with-keys", b"10.0.0.0/8=16,80=8080,1000-2000=1\0" + key + key_udp)
    write("aggregation", "icmp-key", b"0.0.0.0/0=24,0-65535=7\0" + key[:16] + bytes([1, 0, 0, 0]))

    sampler = {
        "off": "", "zero": "0", "off-word": "off", "none": "none",
        "det": "deterministic:10", "rand": "random:100", "hash": "hash:16383",
        "short": "d:2", "prefix": "rand:7", "too-big": "hash:16384", "one": "random:1",
        "junk": "hash:10x", "no-n": "random", "two-colons": "d:1:2",
    }
    for name, text in sampler.items():
        write("sampler", name, text)


def destination_format_seeds():
    # flags, port be16, addr[16], bind[16], ifname chars[15]
    def seed(flags, port, addr, bind=b"", ifc=b""):
        return bytes([flags]) + struct.pack(">H", port) + addr.ljust(16, b"\0") + bind.ljust(16, b"\0") + ifc
    write("destination_format", "v4", seed(0, 2055, bytes([127, 0, 0, 1])))
    write("destination_format", "v4-bind-if", seed(2 | (4 << 2), 9995, bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2]), b"\x10\x20\x30\x40"))
    write("destination_format", "v6", seed(1, 4739, V6S))
    write("destination_format", "v6-zero-runs", seed(1, 1, bytes.fromhex("00010000000000010000000000000000")))
    write("destination_format", "v6-mapped", seed(1 | 2, 65535, bytes.fromhex("00000000000000000000ffffc0000201"), V6D))
    write("destination_format", "v6-any-if15", seed(1 | (15 << 2), 0, bytes(16), b"", bytes(range(40, 55))))


# ---- ctnetlink (host-order netlink headers) ----------------------------------

def nla(t, payload):
    b = struct.pack("<HH", 4 + len(payload), t) + payload
    return b + bytes(-len(b) % 4)


def tuple_(src, dst, proto, sport, dport):
    ip = nla(1, bytes(src)) + nla(2, bytes(dst))
    pr = nla(1, bytes([proto])) + nla(2 | 0x4000, struct.pack(">H", sport)) + nla(3 | 0x4000, struct.pack(">H", dport))
    return nla(1 | 0x8000, ip) + nla(2 | 0x8000, pr)


def ct_msg(kind, flags, status, stamp=None, family=2):
    orig = tuple_([192, 168, 1, 10], [93, 184, 216, 34], 6, 40000, 443)
    reply = tuple_([93, 184, 216, 34], [203, 0, 113, 5], 6, 443, 61000)
    body = bytes([family, 0, 0, 0]) + nla(1 | 0x8000, orig) + nla(2 | 0x8000, reply) + nla(3 | 0x4000, struct.pack(">I", status))
    if stamp:
        body += nla(20 | 0x8000, nla(1 | 0x4000, struct.pack(">Q", stamp[0])) + nla(2 | 0x4000, struct.pack(">Q", stamp[1])))
    hdr = struct.pack("<IHHII", 16 + len(body), (1 << 8) | kind, flags, 1, 0)
    return hdr + body


def ctnetlink_seeds():
    snat_new = ct_msg(0, 0x400, 0x10 | 0x8)
    dnat_del = ct_msg(2, 0, 0x20, stamp=(1700000000 * 10**9, 1700000042 * 10**9))
    write("ctnetlink", "snat-create", snat_new)
    write("ctnetlink", "dnat-destroy-timestamps", dnat_del)
    write("ctnetlink", "not-nat", ct_msg(0, 0x400, 0x8))
    write("ctnetlink", "update-not-create", ct_msg(0, 0, 0x10))
    write("ctnetlink", "ipv6-family", ct_msg(0, 0x400, 0x10, family=10))
    write("ctnetlink", "done-then-event", struct.pack("<IHHII", 16, 3, 2, 0, 0) + snat_new)
    write("ctnetlink", "three-events", snat_new + dnat_del + ct_msg(2, 0, 0x30))
    write("ctnetlink", "truncated", snat_new[:-6])
    write("ctnetlink", "bad-nla-len", snat_new[:24] + b"\xff\x00" + snat_new[26:])


# ---- settings: (which, value be32) records ----------------------------------

def settings_seeds():
    rec = lambda w, v: bytes([w]) + struct.pack(">I", v)
    write("settings", "limits", rec(0, 1) + rec(0, 86400) + rec(0, 86401) + rec(1, 604800) + rec(1, 0))
    write("settings", "protocol", rec(3, 9) + rec(15, 0x80000009) + rec(15, 0x8000000a) + rec(15, 0x80000007))
    write("settings", "scan-refresh", rec(6, 1000) + rec(7, 1) + rec(8, 1440) + rec(9, 1) + rec(10, 5) + rec(14, 1))


# ---- export: FuzzedDataProvider programs --------------------------------------

def export_seeds():
    # The end-to-end target decodes its input with FuzzedDataProvider
    # (integers from the end, bytes from the front), so a hand-written
    # program is not readable anyway: deterministic pseudo-random programs
    # of a few sizes give it varied starting points.
    rnd = random.Random(20261125)
    for n in (64, 128, 256, 512, 768, 1024):  # up to run.sh's -max_len
        write("export", "random-%d" % n, bytes(rnd.getrandbits(8) for _ in range(n)))
    # Mostly small bytes: many cheap operations (packets, advances, exports).
    write("export", "small-bytes-1024", bytes(rnd.randrange(0, 24) for _ in range(1024)))


# ---- table: (operation, 32-bit argument) records ------------------------------

def table_seeds():
    # tests/common/table_ops.hpp: operation byte % 100 picks a packet of an
    # old flow (< 55), a burst of new flows (< 80), a resize start or step
    # (< 88), an exporter run (< 95) or a clock advance.
    rec = lambda op, arg: bytes([op]) + struct.pack(">I", arg)
    burst, old, resize, export = 60, 10, 85, 90
    write("table", "grow-while-packets",
          rec(burst, 39) * 20 + rec(resize, 2000) + (rec(old, 7) + rec(resize, 50) + rec(burst, 5)) * 30)
    write("table", "shrink-and-expire",
          rec(burst, 39) * 10 + rec(resize, 0) + rec(export, 299) + rec(resize, 3) * 40 + rec(export, 299))
    rnd = random.Random(20261207)
    write("table", "random-1000", bytes(rnd.getrandbits(8) for _ in range(1000)))


if __name__ == "__main__":
    parser_seeds()
    string_seeds()
    destination_format_seeds()
    ctnetlink_seeds()
    settings_seeds()
    export_seeds()
    table_seeds()
