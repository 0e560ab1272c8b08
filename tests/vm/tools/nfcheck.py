#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Decodes what a real collector received into one normalized line per flow
record, so scenarios can compare exact packets and bytes.

  nfcheck.py nfdump DIR        records nfcapd stored (decoded by nfdump)
  nfcheck.py tshark PCAP       records in captured datagrams (decoded by tshark)
  nfcheck.py v5-headers PCAP   checks every v5 header; prints a summary line
  nfcheck.py sum [KEY...]      reads records on stdin, prints "PKTS BYTES RECORDS"
                               of those whose key starts with KEY (all if none)
  nfcheck.py nfdump-times DIR  as nfdump, each line followed by DURATION_MS (last -
                               first, as nfdump's td) and RECEIVED_MS (epoch ms at
                               which nfcapd received the datagram, nfdump's tr)

A record line is: PROTO SRC SPORT DST DPORT PKTS BYTES IN OUT NEXTHOP TCPFLAGS TOS
(PROTO numeric; ICMP DPORT = type * 256 + code).  Output is sorted.
"""
import csv
import io
import subprocess
import sys

PROTO = {"ICMP": 1, "IGMP": 2, "TCP": 6, "UDP": 17, "ICMP6": 58, "IPv6-ICMP": 58, "SCTP": 132}
TCP_FLAGS = "CEUAPRSF"


def flags_value(text):
    text = text.strip()
    if text.isdigit():
        return int(text)
    if text.startswith("0x"):
        return int(text, 16)
    v = 0
    for i, ch in enumerate(text[-8:].rjust(8, ".")):
        if ch != ".":
            v |= 1 << (7 - i)
    return v


def run(cmd):
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout


def nfdump(directory):
    out = run(["nfdump", "-R", directory, "-o", "csv"])
    rows = []
    reader = csv.reader(io.StringIO(out))
    header = None
    for row in reader:
        if not row:
            continue
        if row[0] == "ts":
            header = row
            continue
        if header is None or len(row) < len(header) or row[0] in ("Summary", "flows"):
            continue
        r = dict(zip(header, (c.strip() for c in row)))
        if not r.get("pr"):
            continue
        pr = PROTO.get(r["pr"], None)
        pr = int(r["pr"]) if pr is None else pr
        rows.append((pr, r["sa"], int(r["sp"]), r["da"], int(float(r["dp"])), int(r["ipkt"]), int(r["ibyt"]),
                     int(r["in"]), int(r["out"]), r["nh"], flags_value(r["flg"]), int(r["stos"])))
    return rows


TSHARK_FIELDS = ["cflow.protocol", "cflow.srcaddr", "cflow.srcport", "cflow.dstaddr", "cflow.dstport",
                 "cflow.packets", "cflow.octets", "cflow.inputint", "cflow.outputint", "cflow.nexthop",
                 "cflow.tcpflags", "cflow.tos"]


def tshark_fields(pcap, fields):
    cmd = ["tshark", "-r", pcap, "-d", "udp.port==2055,cflow", "-d", "udp.port==2056,cflow",
           "-Y", "cflow", "-T", "fields", "-E", "occurrence=a", "-E", "aggregator=;"]
    for f in fields:
        cmd += ["-e", f]
    for line in run(cmd).splitlines():
        yield [col.split(";") if col else [] for col in line.split("\t")]


def tshark(pcap):
    rows = []
    for cols in tshark_fields(pcap, TSHARK_FIELDS):
        n = len(cols[0])
        for i in range(n):
            v = [c[i] for c in cols]
            rows.append((int(v[0]), v[1], int(v[2]), v[3], int(v[4]), int(v[5]), int(v[6]), int(v[7]),
                         int(v[8]), v[9], int(v[10], 0), int(v[11], 0)))
    return rows


def v5_headers(pcap):
    """Every datagram: version 5, 1..30 records, length 24 + 48n, sequences
    contiguous, nanoseconds below 1e9.  Prints 'datagrams N records M'."""
    fields = ["cflow.version", "cflow.count", "cflow.sequence", "cflow.unix_nsecs", "udp.length",
              "udp.dstport"]
    expect = {}
    datagrams = records = 0
    for cols in tshark_fields(pcap, fields):
        ver, count, seq, nsecs, ulen, port = (int(c[0]) for c in cols)
        problems = []
        if ver != 5:
            problems.append(f"version {ver}")
        if not 1 <= count <= 30:
            problems.append(f"count {count}")
        if ulen - 8 != 24 + 48 * count:
            problems.append(f"length {ulen - 8} for {count} records")
        if nsecs >= 1000000000:
            problems.append(f"unix_nsecs {nsecs}")
        if port in expect and seq != expect[port]:
            problems.append(f"sequence {seq}, expected {expect[port]}")
        if problems:
            sys.exit(f"bad v5 datagram #{datagrams + 1} to port {port}: " + ", ".join(problems))
        expect[port] = seq + count
        datagrams += 1
        records += count
    print(f"datagrams {datagrams} records {records}")


def nfdump_times(directory):
    """nfdump() rows with two more columns: td in ms and tr as epoch ms."""
    import datetime
    out = run(["nfdump", "-R", directory, "-o", "csv"])
    rows = []
    header = None
    for row in csv.reader(io.StringIO(out)):
        if not row:
            continue
        if row[0] == "ts":
            header = row
            continue
        if header is None or len(row) < len(header) or row[0] in ("Summary", "flows"):
            continue
        r = dict(zip(header, (c.strip() for c in row)))
        if not r.get("pr"):
            continue
        pr = PROTO.get(r["pr"], None)
        pr = int(r["pr"]) if pr is None else pr
        tr = datetime.datetime.strptime(r["tr"], "%Y-%m-%d %H:%M:%S.%f").timestamp()
        rows.append((pr, r["sa"], int(r["sp"]), r["da"], int(float(r["dp"])), int(r["ipkt"]), int(r["ibyt"]),
                     int(r["in"]), int(r["out"]), r["nh"], flags_value(r["flg"]), int(r["stos"]),
                     int(round(float(r["td"]) * 1000)), int(round(tr * 1000))))
    return rows


def emit(rows):
    for r in sorted(rows):
        print(" ".join(str(x) for x in r))


def total(prefixes):
    pkts = byts = recs = 0
    for line in sys.stdin:
        if not line.strip():
            continue
        if prefixes and not any((line + " ").startswith(p + " ") for p in prefixes):
            continue
        f = line.split()
        pkts += int(f[5])
        byts += int(f[6])
        recs += 1
    print(pkts, byts, recs)


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    cmd = sys.argv[1]
    if cmd == "nfdump":
        emit(nfdump(sys.argv[2]))
    elif cmd == "tshark":
        emit(tshark(sys.argv[2]))
    elif cmd == "v5-headers":
        v5_headers(sys.argv[2])
    elif cmd == "sum":
        total(sys.argv[2:])
    elif cmd == "nfdump-times":
        emit(nfdump_times(sys.argv[2]))
    else:
        sys.exit(__doc__)
