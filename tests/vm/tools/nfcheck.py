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
                               which nfcapd received the datagram, nfdump's tr); knows
                               more protocol names (ESP, AH, UDP-L, /etc/protocols)

  nfcheck.py nfdump-masks DIR  PROTO SRC SPORT DST DPORT PKTS BYTES SMASK DMASK per record
                               (nfdump decodes the masks of v9/IPFIX, not of v5)
  nfcheck.py tshark-ext PCAP [DGRAMS]
                               every data record from tshark's JSON tree, as
                               PROTO SRC SPORT DST DPORT PKTS BYTES SMASK DMASK REASON
                               VERSION DOMAIN ENGINE_TYPE EPOCH ('-' = absent; DOMAIN is
                               the IPFIX observation domain, the v9 source id or the v5
                               engine_id; EPOCH is the capture time of its datagram);
                               with DGRAMS, one line per datagram is written there:
                               EPOCH VERSION DOMAIN ENGINE_TYPE DATA_RECORDS

  nfcheck.py nfdump-mpls DIR   PROTO SRC SPORT DST DPORT PKTS BYTES LABELS per record, LABELS
                               the MPLS stack outermost first as LABEL.EXP.BOS joined by
                               '/' ('-': none), from nfdump's mpls1..mpls10
  nfcheck.py tshark-mpls PCAP  the same from tshark (IE 70..79), then the top label's TTL
                               (IE 200; '-' when absent)

  nfcheck.py nfdump-l2 DIR     PROTO SRC SPORT DST DPORT PKTS BYTES ISMC IDMC ODMC OSMC DIR SVLN
                               per record, nfdump's MAC columns, direction and VLAN
  nfcheck.py tshark-l2 PCAP    PROTO SRC SPORT DST DPORT PKTS BYTES SRCMAC DSTMAC ETHERTYPE DIR
                               VLAN PRIO INNER_VLAN INNER_PRIO per record from tshark (IE 56,
                               80, 256, 61, 58 or 243-246; '-' when absent; VLAN is v9's
                               58 or IPFIX's 243)
  nfcheck.py tshark-ports PCAP PROTO SRC SPORT DST DPORT PKTS BYTES IN OUT PHYSIN PHYSOUT
                               per record from tshark (IE 10, 14, 252, 253; '-' when absent)
  nfcheck.py tshark-template-ids PCAP
                               every element id of the templates captured (data and
                               options), once each, ascending

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


def nfdump_csv(directory):
    """Every flow row of nfdump's csv output as a dict by column name."""
    out = run(["nfdump", "-R", directory, "-o", "csv"])
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
        if r.get("pr"):
            yield r


def nfdump_key(r, proto=None):
    """PROTO SRC SPORT DST DPORT PKTS BYTES of an nfdump_csv() row."""
    pr = (proto or (lambda n: PROTO.get(n) if n in PROTO else int(n)))(r["pr"])
    return (pr, r["sa"], int(r["sp"]), r["da"], int(float(r["dp"])), int(r["ipkt"]), int(r["ibyt"]))


def nfdump(directory):
    return [nfdump_key(r) + (int(r["in"]), int(r["out"]), r["nh"], flags_value(r["flg"]), int(r["stos"]))
            for r in nfdump_csv(directory)]


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


def nfdump_proto_any(name):
    """nfdump's protocol name (or number) as a number; knows more names than
    PROTO (nfdump writes ESP, AH, UDP-L, ...), else asks /etc/protocols."""
    if name.isdigit():
        return int(name)
    extra = {"ESP": 50, "AH": 51, "GRE": 47, "UDP-L": 136, "UDPL": 136, "UDPLite": 136}
    if name in PROTO:
        return PROTO[name]
    if name in extra:
        return extra[name]
    import socket
    for n in (name, name.lower()):
        try:
            return socket.getprotobyname(n)
        except OSError:
            pass
    raise SystemExit(f"nfcheck: unknown protocol name {name!r} from nfdump")


def nfdump_times(directory):
    """nfdump() rows with two more columns: td in ms and tr as epoch ms."""
    import datetime
    rows = []
    for r in nfdump_csv(directory):
        tr = datetime.datetime.strptime(r["tr"], "%Y-%m-%d %H:%M:%S.%f").timestamp()
        rows.append(nfdump_key(r, nfdump_proto_any) +
                    (int(r["in"]), int(r["out"]), r["nh"], flags_value(r["flg"]), int(r["stos"]),
                     int(round(float(r["td"]) * 1000)), int(round(tr * 1000))))
    return rows


def nfdump_masks(directory):
    """PROTO SRC SPORT DST DPORT PKTS BYTES SMASK DMASK from nfdump's csv."""
    return [nfdump_key(r) + (int(r["smk"]), int(r["dmk"])) for r in nfdump_csv(directory)]


def json_records(node, found):
    """The flow records in tshark's JSON tree: every object holding
    cflow.protocol (options records and templates have none)."""
    if isinstance(node, dict):
        if "cflow.protocol" in node:
            found.append(node)
            return
        for v in node.values():
            json_records(v, found)
    elif isinstance(node, list):
        for v in node:
            json_records(v, found)


def tshark_ext(pcap, dgrams_out=None):
    """Walks tshark's JSON tree: a record is any object holding cflow.protocol,
    so options records and templates are left out whatever their fields."""
    import json
    out = run(["tshark", "-r", pcap, "-d", "udp.port==2055,cflow", "-d", "udp.port==2056,cflow",
               "-Y", "cflow", "-T", "json", "-J", "frame cflow"])
    rows, dgrams = [], []

    for pkt in json.loads(out or "[]"):
        layers = pkt["_source"]["layers"]
        epoch = layers["frame"]["frame.time_epoch"]
        cf = layers["cflow"]
        # Several NetFlow PDUs in one frame are not expected here.
        if isinstance(cf, list):
            sys.exit("more than one cflow PDU in frame " + layers["frame"]["frame.number"])
        ver = cf.get("cflow.version", "-")
        dom = cf.get("cflow.od_id", cf.get("cflow.source_id", cf.get("cflow.engine_id", "-")))
        etype = cf.get("cflow.engine_type", "-")
        found = []
        json_records(cf, found)
        dgrams.append((epoch, ver, dom, etype, len(found)))
        for r in found:
            g = lambda k: r.get(k, "-")  # noqa: E731
            rows.append((int(g("cflow.protocol")), g("cflow.srcaddr"), int(g("cflow.srcport")), g("cflow.dstaddr"),
                         int(g("cflow.dstport")), int(g("cflow.packets")), int(g("cflow.octets")),
                         g("cflow.srcmask"), g("cflow.dstmask"), g("cflow.flow_end_reason"), ver, dom, etype, epoch))
    if dgrams_out:
        with open(dgrams_out, "w") as f:
            for d in dgrams:
                print(" ".join(str(x) for x in d), file=f)
    return rows


# ---- MPLS labels (scenario 96) ----

def nfdump_mpls(directory):
    rows = []
    for r in nfdump_csv(directory):
        labels = []
        for i in range(1, 11):
            # nfdump prints an entry as LABEL-EXP-BOS, "0-0-0" when absent.
            parts = r.get("mpls%d" % i, "").split("-")
            if len(parts) == 3 and parts != ["0", "0", "0"]:
                labels.append(".".join(parts))
        rows.append(nfdump_key(r) + ("/".join(labels) or "-",))
    return rows


def tshark_mpls(pcap):
    """Labels from tshark's JSON tree: every cflow.mpls_label under a record,
    in order, with the exp and bos values next to it."""
    import json
    out = run(["tshark", "-r", pcap, "-d", "udp.port==2055,cflow", "-d", "udp.port==2056,cflow",
               "-Y", "cflow", "-T", "json", "--no-duplicate-keys", "-J", "cflow"])
    rows = []

    def as_list(v):
        return v if isinstance(v, list) else [v]

    def labels_of(node, found):
        if isinstance(node, dict):
            if "cflow.mpls_label" in node:
                for lab, exp, bos in zip(as_list(node["cflow.mpls_label"]), as_list(node.get("cflow.mpls_exp", [])),
                                         as_list(node.get("cflow.mpls_bos", []))):
                    found.append((int(lab, 0), int(exp, 0), 1 if bos in ("1", "True", "true") else 0))
            for k, v in node.items():
                if k not in ("cflow.mpls_label", "cflow.mpls_exp", "cflow.mpls_bos"):
                    labels_of(v, found)
        elif isinstance(node, list):
            for v in node:
                labels_of(v, found)

    for pkt in json.loads(out or "[]"):
        found = []
        json_records(pkt["_source"]["layers"]["cflow"], found)
        for r in found:
            stack = []
            labels_of(r, stack)
            # Sections past the stack are zero: label 0, exp 0, bos 0.
            stack = [e for e in stack if e != (0, 0, 0)]
            g = lambda k: r.get(k, "-")  # noqa: E731
            rows.append((int(g("cflow.protocol")), g("cflow.srcaddr") if "cflow.srcaddr" in r else g("cflow.srcaddrv6"),
                         int(g("cflow.srcport")),
                         g("cflow.dstaddr") if "cflow.dstaddr" in r else g("cflow.dstaddrv6"), int(g("cflow.dstport")),
                         int(g("cflow.packets")), int(g("cflow.octets")),
                         "/".join("%d.%d.%d" % e for e in stack) or "-", g("cflow.mpls_top_label_ttl")))
    return rows


# ---- NAT events (scenarios 40-49) ----

NEL_FMT = "fmt:%nevt|%pr|%sa|%sp|%da|%dp|%xsa|%xsp|%xda|%xdp|%msec|%nfv"
NAT_EVENTS = {"ADD": 1, "DELETE": 2, "CREATE": 1}


def version_number(text):
    """nfdump's %nfv ('Nv10', 'EVT9', 'Nv5', ...) -> 10, 9, 5."""
    digits = "".join(ch for ch in text if ch.isdigit())
    return int(digits) if digits else 0


def proto_number(text):
    text = text.strip()
    return PROTO[text] if text in PROTO else int(text)


def nel(directory):
    rows = []
    for line in run(["nfdump", "-R", directory, "-q", "-N", "-o", NEL_FMT]).splitlines():
        f = [c.strip() for c in line.split("|")]
        if len(f) != 12:
            continue
        ev = NAT_EVENTS.get(f[0], 0)	# 0: not a NAT event record (e.g. a v5 flow)
        rows.append((ev, proto_number(f[1]), f[2], int(f[3]), f[4], int(f[5]), f[6], int(f[7]), f[8], int(f[9]),
                     int(f[10]), version_number(f[11])))
    return rows


def tshark_abs_ms(text):
    """'Nov 25, 2026 23:00:03.591000000 UTC' -> epoch ms."""
    import datetime
    head, frac = text.rsplit(".", 1)
    frac = frac.split()[0]
    t = datetime.datetime.strptime(head, "%b %d, %Y %H:%M:%S").replace(tzinfo=datetime.timezone.utc)
    return int(t.timestamp()) * 1000 + int(frac[:3].ljust(3, "0"))


NEL_TSHARK = ["cflow.nat_event", "cflow.protocol", "cflow.srcaddr", "cflow.srcport", "cflow.dstaddr",
              "cflow.dstport", "cflow.post_natsource_ipv4_address", "cflow.post_naptsource_transport_port",
              "cflow.post_natdestination_ipv4_address", "cflow.post_naptdestination_transport_port",
              "cflow.observation_time_milliseconds", "cflow.version"]


def nel_tshark(pcap):
    rows = []
    for cols in tshark_fields(pcap, NEL_TSHARK):
        if not cols[-1] or cols[-1][0] not in ("9", "10"):
            continue
        version = int(cols[-1][0])
        cols = cols[:-1]
        n = len(cols[0])
        if any(len(c) != n for c in cols):
            sys.exit(f"nel-tshark: a datagram with {n} natEvent fields but {[len(c) for c in cols]} others")
        for i in range(n):
            v = [c[i] for c in cols]
            rows.append((int(v[0]), int(v[1]), v[2], int(v[3]), v[4], int(v[5]), v[6], int(v[7]), v[8], int(v[9]),
                         tshark_abs_ms(v[10]), version))
    return rows


V5NAT_FMT = "fmt:%nfv|%pr|%sa|%sp|%da|%dp|%pkt|%byt|%nh|%sas|%das|%flg|%tsr"


def v5nat(directory):
    rows = []
    for line in run(["nfdump", "-R", directory, "-q", "-N", "-o", V5NAT_FMT]).splitlines():
        f = [c.strip() for c in line.split("|")]
        if len(f) != 13:
            continue
        rows.append((proto_number(f[1]), f[2], int(f[3]), f[4], int(float(f[5])), int(f[6]), int(f[7]), f[8],
                     int(f[9]), int(f[10]), flags_value(f[11]), int(round(float(f[12]) * 1000)),
                     version_number(f[0])))
    return rows


V5_TSHARK = ["cflow.protocol", "cflow.srcaddr", "cflow.srcport", "cflow.dstaddr", "cflow.dstport",
             "cflow.packets", "cflow.octets", "cflow.nexthop", "cflow.srcas", "cflow.dstas", "cflow.tcpflags",
             "cflow.timestart", "cflow.unix_secs", "cflow.unix_nsecs", "cflow.sysuptime", "cflow.version"]


def v5nat_tshark(pcap):
    rows = []
    for cols in tshark_fields(pcap, V5_TSHARK):
        if not cols[-1] or cols[-1][0] != "5":
            continue
        secs, nsecs, uptime = int(cols[12][0]), int(cols[13][0]), float(cols[14][0])
        base_ms = secs * 1000 + nsecs // 1000000 - int(round(uptime * 1000))
        n = len(cols[0])
        if any(len(c) != n for c in cols[:12]):
            sys.exit(f"v5nat-tshark: a datagram with {n} records but {[len(c) for c in cols[:12]]} fields")
        for i in range(n):
            v = [c[i] for c in cols[:12]]
            rows.append((int(v[0]), v[1], int(v[2]), v[3], int(v[4]), int(v[5]), int(v[6]), v[7], int(v[8]),
                         int(v[9]), int(v[10], 0), base_ms + int(round(float(v[11]) * 1000)), 5))
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



# ---- link-layer fields (scenario 98) ----

def nfdump_l2(directory):
    rows = []
    for r in nfdump_csv(directory):
        rows.append(nfdump_key(r) + tuple(r.get(k, "-") or "-" for k in ("ismc", "idmc", "odmc", "osmc", "dir", "svln")))
    return rows


def tshark_records_json(pcap):
    import json
    out = run(["tshark", "-r", pcap, "-d", "udp.port==2055,cflow", "-d", "udp.port==2056,cflow",
               "-Y", "cflow", "-T", "json", "--no-duplicate-keys", "-J", "cflow"])
    for pkt in json.loads(out or "[]"):
        found = []
        json_records(pkt["_source"]["layers"]["cflow"], found)
        yield from found


def tshark_l2(pcap):
    rows = []
    for r in tshark_records_json(pcap):
        g = lambda k: r.get(k, "-")  # noqa: E731
        num = lambda k: str(int(r[k], 0)) if k in r else "-"  # noqa: E731
        etype = "0x%04x" % int(r["cflow.ethernet_type"], 0) if "cflow.ethernet_type" in r else "-"
        vlan = num("cflow.vlanid") if "cflow.vlanid" in r else num("cflow.dot1q_vlan_id")
        rows.append((int(g("cflow.protocol")), g("cflow.srcaddr") if "cflow.srcaddr" in r else g("cflow.srcaddrv6"),
                     int(g("cflow.srcport")),
                     g("cflow.dstaddr") if "cflow.dstaddr" in r else g("cflow.dstaddrv6"), int(g("cflow.dstport")),
                     int(g("cflow.packets")), int(g("cflow.octets")), g("cflow.srcmac"), g("cflow.dstmac"), etype,
                     num("cflow.direction"), vlan, num("cflow.dot1q_priority"), num("cflow.dot1q_customer_vlan_id"),
                     num("cflow.dot1q_customer_priority")))
    return rows


def tshark_ports(pcap):
    """PROTO SRC SPORT DST DPORT PKTS BYTES IN OUT PHYSIN PHYSOUT per record ('-': element absent)."""
    rows = []
    for r in tshark_records_json(pcap):
        g = lambda k: r.get(k, "-")  # noqa: E731
        num = lambda k: str(int(r[k], 0)) if k in r else "-"  # noqa: E731
        rows.append((int(g("cflow.protocol")), g("cflow.srcaddr") if "cflow.srcaddr" in r else g("cflow.srcaddrv6"),
                     int(g("cflow.srcport")),
                     g("cflow.dstaddr") if "cflow.dstaddr" in r else g("cflow.dstaddrv6"), int(g("cflow.dstport")),
                     int(g("cflow.packets")), int(g("cflow.octets")), num("cflow.inputint"), num("cflow.outputint"),
                     num("cflow.ingress_physical_interface"), num("cflow.egress_physical_interface")))
    return rows


def tshark_template_ids(pcap):
    ids = set()
    for cols in tshark_fields(pcap, ["cflow.template_field_type", "cflow.template_ipfix_field_type"]):
        for col in cols:
            for v in col:
                ids.add(int(v, 0))
    for i in sorted(ids):
        print(i)

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
    elif cmd == "nel":
        emit(nel(sys.argv[2]))
    elif cmd == "nel-tshark":
        emit(nel_tshark(sys.argv[2]))
    elif cmd == "v5nat":
        emit(v5nat(sys.argv[2]))
    elif cmd == "v5nat-tshark":
        emit(v5nat_tshark(sys.argv[2]))
    elif cmd == "nfdump-masks":
        emit(nfdump_masks(sys.argv[2]))
    elif cmd == "nfdump-mpls":
        emit(nfdump_mpls(sys.argv[2]))
    elif cmd == "tshark-mpls":
        emit(tshark_mpls(sys.argv[2]))
    elif cmd == "nfdump-l2":
        emit(nfdump_l2(sys.argv[2]))
    elif cmd == "tshark-l2":
        emit(tshark_l2(sys.argv[2]))
    elif cmd == "tshark-ports":
        emit(tshark_ports(sys.argv[2]))
    elif cmd == "tshark-template-ids":
        tshark_template_ids(sys.argv[2])
    elif cmd == "tshark-ext":
        emit(tshark_ext(sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else None))
    else:
        sys.exit(__doc__)
