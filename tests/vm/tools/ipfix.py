#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""NetFlow v5/v9 (RFC 3954) and IPFIX (RFC 7011) as the module sends them,
read from a tshark capture by a decoder of our own (tshark only cuts out the
UDP payloads), plus normalizers for what the other collectors print.

  ipfix.py check PCAP PORT VERSION [--refresh N]
        checks every message to PORT (VERSION 9 or 10; 0 = any, for captures
        across protocol switches); prints a summary line, then one line
        "violation KIND COUNT FIRST" per kind of violation, FIRST with the
        offending bytes in hex.  Kinds: version, header-length, sequence,
        sequence-after-switch, domain, set-length, set-id, template-id,
        template-padding, redefined, data-padding, v9-count, refresh,
        export-time, ipversion, counters, times, endreason, icmp, v9-elements.
        Exits 1 only when a message cannot be decoded at all.
  ipfix.py records PCAP PORT       one normalized line per flow record (below)
  ipfix.py fields PCAP PORT        PROTO SRC SPORT DST DPORT PKTS BYTES IN OUT
                                   IPVER ENDREASON START_MS END_MS TEMPLATE TCPFLAGS
                                   VERSION (template 0: v5)
                                   (wall-clock ms; v9: from FIRST/LAST_SWITCHED,
                                   sys_uptime and unix_secs; ENDREASON '-' in v9)
  ipfix.py options PCAP PORT       options data records: "sysinit DOMAIN INIT_MS
                                   NAME", "iface INDEX NAME", "stats DOMAIN
                                   MESSAGES FLOWS OCTETS OBSERVED"
  ipfix.py messages PCAP PORT      per message: "VERSION SEQUENCE SRCADDR
                                   TEMPLATE_IDS DATA_SET_IDS RECORDS DATA_RECORDS
                                   SET_LENGTHS" (lists comma separated, '-' if none)
  ipfix.py payloads PCAP PORT      per datagram: "SRCADDR HEX"
  ipfix.py nfdump-seqfail PCAP PORT  the sequence failures nfcapd will count (it
                                   leaves options data records out of the IPFIX
                                   sequence; RFC 7011 and we do not)
  ipfix.py to-file PCAP PORT OUT   the IPFIX messages concatenated: an IPFIX file
  ipfix.py ipfixdump FILE          records as libfixbuf's ipfixDump decodes them
  ipfix.py ipfixdump-fields FILE   as `fields` without times and template, from ipfixDump
  ipfix.py ipfixdump-options FILE  options records as ipfixDump decodes them
  ipfix.py ipfixdump-l2 FILE       PROTO SRC SPORT DST DPORT PKTS BYTES SRCMAC DSTMAC
                                   ETHERTYPE DIR VLAN PRIO INNER_VLAN INNER_PRIO per
                                   record from ipfixDump ('-' when absent)
  ipfix.py tshark PCAP PORT        records as tshark's cflow dissector decodes
                                   them (v5, v9, IPFIX; exits 1 on a malformed
                                   packet or an expert error)
  ipfix.py tshark-segments PCAP PORT  as `tshark`, each run of one protocol version
                                   dissected alone (tshark keeps a template id's first
                                   layout for the whole capture)
  ipfix.py tshark-fields PCAP PORT as `fields` without times and template, from tshark
  ipfix.py tshark-options PCAP PORT  options records as tshark decodes them
  ipfix.py nfacctd CSV             records pmacct's nfacctd printed (print plugin, csv)
  ipfix.py bundle PCAP DIR VERSION PORT... [--nfacctd CSV] [--refresh N]
        all of the above into DIR, with one tshark run: check-PORT.txt,
        records-PORT.txt, tshark-PORT.txt, tshark-expert-PORT.txt (tshark's
        warnings and notes, e.g. on sequence numbers) and payloads-PORT.txt
        per port; for the first port
        fields.txt, options.txt, messages.txt, tshark-fields.txt,
        tshark-options.txt, records-agg.txt, records-agg-noicmp.txt,
        records-icmpzero.txt, for VERSION 0 (mixed) tshark-segments.txt; for IPFIX export.ipfix, ipfixdump.txt,
        ipfixdump-fields.txt, ipfixdump-options.txt; with --nfacctd
        nfacctd.txt, nfacctd-agg.txt, nfacctd-agg-noicmp.txt
  ipfix.py norm [--icmp-type-zero] records on stdin, sorted (optionally with the
                                   ICMP type/code column zeroed)
  ipfix.py agg [--no-icmp-type]    records on stdin summed per flow key:
                                   "PROTO SRC SPORT DST DPORT IN OUT PKTS BYTES"

A record line is, as in nfcheck.py: PROTO SRC SPORT DST DPORT PKTS BYTES IN
OUT NEXTHOP TCPFLAGS TOS; for ICMP, SPORT 0 and DPORT type * 256 + code (from
icmpTypeCodeIPv4/IPv6 in IPFIX, from the destination port in v5/v9).  Sorted.
"""
import calendar
import csv
import ipaddress
import os
import re
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET

ADDR4 = {8, 12, 15}
ADDR6 = {27, 28, 62}
TEXT = {82, 83, 300}


class Bad(Exception):
    pass


def run(cmd):
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout


def cached(pcap, suffix, make):
    """make()'s text, kept in PCAP.SUFFIX while that is newer than the
    capture (tshark starts slowly under TCG; every subcommand needs the same)."""
    path = pcap + suffix
    try:
        if os.path.getmtime(path) >= os.path.getmtime(pcap):
            with open(path) as f:
                return f.read()
    except OSError:
        pass
    text = make()
    try:
        with open(path + ".tmp", "w") as f:
            f.write(text)
        os.replace(path + ".tmp", path)
    except OSError:
        pass
    return text


PORTS = []  # set by bundle: decode all its ports in one tshark run


def packets(pcap, port):
    """The PDML <packet> elements of the datagrams to PORT, in capture order
    (one tshark run, dissected as cflow, for all of PORTS)."""
    ports = sorted(set(PORTS) | {port})
    key = "-".join(map(str, ports))
    cmd = ["tshark", "-r", pcap, "-Y", " || ".join(f"udp.dstport == {p}" for p in ports), "-T", "pdml"]
    for p in ports:
        cmd[3:3] = ["-d", f"udp.port=={p},cflow"]
    root = PARSED.get((pcap, key))
    if root is None:
        root = ET.fromstring(cached(pcap, f".{key}.pdml", lambda: run(cmd)))
        PARSED[(pcap, key)] = root
    for pkt in root.iter("packet"):
        f = {}
        for fld in pkt.iter("field"):
            n = fld.get("name")
            if n in ("frame.number", "frame.time_epoch", "ip.src", "ipv6.src", "udp.dstport", "udp.payload") \
                    and n not in f:
                f[n] = fld.get("value") if n == "udp.payload" and fld.get("value") else fld.get("show")
        if int(f["udp.dstport"]) == port:
            yield f, pkt


PARSED = {}


def datagrams(pcap, port):
    """(time, src, payload) of every UDP datagram to PORT, in capture order."""
    for f, _ in packets(pcap, port):
        payload = f.get("udp.payload", "").replace(":", "")
        yield float(f["frame.time_epoch"]), f.get("ip.src") or f.get("ipv6.src"), bytes.fromhex(payload)


def value(fid, raw):
    if fid in ADDR4:
        return str(ipaddress.IPv4Address(raw))
    if fid in ADDR6:
        return str(ipaddress.IPv6Address(raw))
    if fid in TEXT:
        return raw.split(b"\0", 1)[0].decode("utf-8", "replace")
    return int.from_bytes(raw, "big")


class Template:
    def __init__(self, tid, fields, scope, options):
        self.id, self.fields, self.scope, self.options = tid, fields, scope, options
        self.size = sum(n for _, n in fields)

    def decode(self, rec):
        out, off = {}, 0
        for fid, n in self.fields:
            out[fid] = value(fid, rec[off:off + n])
            off += n
        return out


V5 = Template(0, [(8, 4), (12, 4), (15, 4), (10, 2), (14, 2), (2, 4), (1, 4), (22, 4), (21, 4), (7, 2), (11, 2),
                  (0, 1), (6, 1), (4, 1), (5, 1), (16, 2), (17, 2), (9, 1), (13, 1), (0, 2)], 0, False)


class Stream:
    """The messages of one capture to one port, in order."""

    def __init__(self, version, refresh=None):
        self.version = version
        self.refresh = refresh
        self.cur_version = None
        self.templates = {}
        self.sent_in = {}  # template id -> message index it was last sent in
        self.index = -1
        self.seq = "?"
        self.expect_seq = {}  # version -> next sequence number
        self.domain = None
        self.messages = []
        self.flow_data = []  # per message: (flow data records, flow data sets), options ones not counted
        self.records = []  # (header, template, decoded fields)
        self.count = {"templates": 0, "options_templates": 0, "data": 0, "options_data": 0}
        self.max_distance = 0
        self.violations = {}  # kind -> [where]

    def where(self, msg, data):
        hexd = f" [bytes: {data.hex()}]" if data else ""
        return f"message #{self.index + 1} (v{self.cur_version} seq {self.seq}): {msg}{hexd}"

    def fail(self, msg, data=b""):
        raise Bad(self.where(msg, data))

    def warn(self, kind, msg, data=b""):
        self.violations.setdefault(kind, []).append(self.where(msg, data))

    def message(self, t, src, d):
        self.index += 1
        self.seq = "?"
        if len(d) < 4:
            self.fail(f"short datagram ({len(d)} bytes)", d)
        ver = struct.unpack_from("!H", d)[0]
        if self.version and ver != self.version:
            self.warn("version", f"version {ver}, expected {self.version}", d[:20])
        switched = self.cur_version is not None and ver != self.cur_version
        if switched:
            # A protocol switch: a fresh template space.
            self.templates, self.sent_in = {}, {}
        self.cur_version = ver
        if ver == 5:
            return self.message_v5(t, src, d, switched)
        if ver == 10:
            if len(d) < 16:
                self.fail("short IPFIX header", d)
            _, length, export, seq, domain = struct.unpack_from("!HHIII", d)
            hdr = {"version": 10, "export": export, "seq": seq, "domain": domain}
            if length != len(d):
                self.warn("header-length", f"header length {length} != datagram {len(d)}", d[:16])
            off = 16
        elif ver == 9:
            if len(d) < 20:
                self.fail("short v9 header", d)
            _, count, uptime, secs, seq, domain = struct.unpack_from("!HHIIII", d)
            hdr = {"version": 9, "count": count, "uptime": uptime, "export": secs, "seq": seq, "domain": domain}
            off = 20
        else:
            self.fail(f"not a NetFlow/IPFIX message (version {ver})", d[:24])
        self.seq = seq
        self.sequence(ver, seq, switched)
        if abs(hdr["export"] - t) > 2:
            self.warn("export-time", f"export time {hdr['export']}, captured at {t:.3f}", d[:20])
        if self.domain is not None and domain != self.domain:
            self.warn("domain", f"domain/source id {domain}, was {self.domain}")
        self.domain = domain
        tids, dids, lens = [], [], []
        nrec = ndata = nflow = nflowsets = 0
        while off < len(d):
            if len(d) - off < 4:
                self.fail(f"{len(d) - off} stray bytes after the last set", d[off:])
            sid, slen = struct.unpack_from("!HH", d, off)
            body = d[off + 4:off + slen]
            setb = d[off:off + slen]
            lens.append(slen)
            if slen < 4 or off + slen > len(d):
                self.fail(f"set id {sid} length {slen} at offset {off} overruns the message ({len(d)})", d[off:])
            if slen % 4:
                self.warn("set-length", f"set id {sid} length {slen} is not a multiple of 4", setb)
            tset = (0, 1) if ver == 9 else (2, 3)
            if sid in tset:
                for tpl in self.template_set(ver, sid == tset[1], body, setb):
                    tids.append(tpl.id)
                    nrec += 1
            elif sid >= 256:
                tpl = self.templates.get(sid)
                if tpl is None:
                    self.fail(f"data set {sid} before its template", setb)
                if self.refresh is not None:
                    dist = self.index - self.sent_in[sid]
                    self.max_distance = max(self.max_distance, dist)
                    if dist > self.refresh:
                        self.warn("refresh", f"template {sid} last sent {dist} messages earlier "
                                  f"(refresh-rate {self.refresh})")
                n = len(body) // tpl.size
                pad = body[n * tpl.size:]
                if n == 0:
                    self.fail(f"data set {sid} holds no record of {tpl.size} bytes", setb)
                if len(pad) >= 4 or any(pad):
                    self.warn("data-padding", f"data set {sid}: {len(pad)} bytes of padding after {n} records "
                              f"of {tpl.size} (must be < 4 zero bytes)", setb)
                for i in range(n):
                    rec = tpl.decode(body[i * tpl.size:(i + 1) * tpl.size])
                    self.record(hdr, tpl, rec, setb)
                    self.count["options_data" if tpl.options else "data"] += 1
                dids.append(sid)
                nrec += n
                ndata += n
                if not tpl.options:
                    nflow += n
                    nflowsets += 1
            else:
                self.warn("set-id", f"reserved set id {sid}", setb)
            off += slen
        if ver == 9:
            if hdr["count"] != nrec:
                self.warn("v9-count", f"v9 header count {hdr['count']} != {nrec} records in the message", d[:20])
            self.expect_seq[9] = (seq + 1) & 0xffffffff
        else:
            self.expect_seq[10] = (seq + ndata) & 0xffffffff
        self.messages.append((ver, seq, src, tids, dids, nrec, ndata, lens))
        self.flow_data.append((nflow, nflowsets))

    def sequence(self, ver, seq, switched):
        want = self.expect_seq.get(ver)
        if want is not None and seq != want:
            kind = "sequence-after-switch" if switched else "sequence"
            self.warn(kind, f"sequence {seq}, expected {want}")

    def message_v5(self, t, src, d, switched):
        _, count, uptime, secs, nsecs, seq = struct.unpack_from("!HHIIII", d)
        self.seq = seq
        hdr = {"version": 5, "uptime": uptime, "export": secs, "seq": seq}
        if len(d) != 24 + 48 * count:
            self.fail(f"v5 length {len(d)} for {count} records", d[:24])
        self.sequence(5, seq, switched)
        self.expect_seq[5] = (seq + count) & 0xffffffff
        for i in range(count):
            r = V5.decode(d[24 + 48 * i:72 + 48 * i])
            r[60] = 4
            self.records.append((hdr, V5, r))
            self.count["data"] += 1
        self.messages.append((5, seq, src, [], [], count, count, []))
        self.flow_data.append((count, 1))

    def template_set(self, ver, options, body, setb):
        off = 0
        out = []
        while len(body) - off >= 4:
            if ver == 9 and options:
                tid, scope_len, opt_len = struct.unpack_from("!HHH", body, off)
                if scope_len % 4 or opt_len % 4 or scope_len == 0:
                    self.fail(f"v9 options template {tid}: scope length {scope_len}, option length {opt_len}", setb)
                nfields, nscope = (scope_len + opt_len) // 4, scope_len // 4
                off += 6
            elif options:
                tid, nfields, nscope = struct.unpack_from("!HHH", body, off)
                if nscope == 0 or nscope > nfields:
                    self.fail(f"options template {tid}: scope count {nscope} of {nfields} fields", setb)
                off += 6
            else:
                tid, nfields = struct.unpack_from("!HH", body, off)
                nscope = 0
                off += 4
            if tid < 256:
                self.warn("template-id", f"template id {tid} < 256", setb)
            if nfields == 0:
                self.fail(f"template {tid} without fields (a withdrawal?)", setb)
            if off + 4 * nfields > len(body):
                self.fail(f"template {tid}: {nfields} fields overrun the set", setb)
            fields = []
            for i in range(nfields):
                ftype, flen = struct.unpack_from("!HH", body, off)
                off += 4
                if ftype & 0x8000:
                    self.fail(f"template {tid}: enterprise bit in field {ftype:#x}", setb)
                if flen == 0 or flen == 0xffff:
                    self.fail(f"template {tid}: field {ftype} length {flen}", setb)
                if ver == 9 and i < nscope:
                    if ftype not in (1, 2):  # System, Interface
                        self.fail(f"v9 options template {tid}: scope type {ftype}", setb)
                    ftype = 149 if ftype == 1 else 10
                fields.append((ftype, flen))
            tpl = Template(tid, fields, nscope, options)
            old = self.templates.get(tid)
            if old is not None and (old.fields, old.scope) != (tpl.fields, tpl.scope):
                self.warn("redefined", f"template {tid} redefined: {old.fields} -> {tpl.fields}", setb)
            self.templates[tid] = tpl
            self.sent_in[tid] = self.index
            self.count["options_templates" if options else "templates"] += 1
            out.append(tpl)
        rest = body[off:]
        if any(rest):
            self.warn("template-padding", f"non-zero padding after template records: {rest.hex()}", setb)
        return out

    def record(self, hdr, t, r, setb):
        self.records.append((hdr, t, r))
        if t.options:
            return
        v6 = 27 in r
        want = 6 if v6 else 4
        if r.get(60) != want:
            self.warn("ipversion", f"template {t.id}: ipVersion {r.get(60)} for IPv{want} addresses", setb)
        if r[2] < 1 or r[1] < r[2] * 20:
            self.warn("counters", f"template {t.id}: {r[2]} packets, {r[1]} octets", setb)
        proto = r[4]
        if hdr["version"] == 10:
            if not r[152] <= r[153] <= hdr["export"] * 1000 + 999:
                self.warn("times", f"flowStart {r[152]} / flowEnd {r[153]} / exportTime {hdr['export']}", setb)
            if r.get(136) not in (1, 2, 3, 4, 5):
                self.warn("endreason", f"flowEndReason {r.get(136)}", setb)
            if proto in (1, 58):
                ie = 139 if v6 else 32
                if ie not in r or (proto == 1) == v6:
                    self.warn("icmp", f"ICMP record of template {t.id} without icmpTypeCodeIPv{want} ({ie})", setb)
        else:
            if not r[22] <= r[21] <= hdr["uptime"]:
                self.warn("times", f"FIRST_SWITCHED {r[22]} / LAST_SWITCHED {r[21]} / sys_uptime {hdr['uptime']}",
                          setb)
            if 136 in r or 152 in r or 32 in r or 139 in r:
                self.warn("v9-elements", f"v9 template {t.id} carries IPFIX-only elements", setb)


def stream(pcap, port, version=0, refresh=None):
    s = Stream(version, refresh)
    for t, src, d in datagrams(pcap, port):
        s.message(t, src, d)
    return s


def decode(pcap, port):
    try:
        return stream(pcap, port)
    except Bad as e:
        sys.exit(f"{pcap} port {port}: {e}")


def wall_ms(hdr, r, which):
    if hdr["version"] == 10:
        return r[152 if which == "start" else 153]
    up = r[22 if which == "start" else 21]
    return hdr["export"] * 1000 - hdr["uptime"] + up


def flow_line(r):
    v6 = 27 in r
    src, dst, nh = (r[27], r[28], r[62]) if v6 else (r[8], r[12], r[15])
    proto = r[4]
    sport, dport = r.get(7, 0), r.get(11, 0)
    if proto in (1, 58):
        sport = 0
        if 32 in r or 139 in r:
            dport = r.get(32, r.get(139))
    return (proto, src, sport, dst, dport, r[2], r[1], r[10], r[14], nh, r.get(6, 0), r[5])


def sort_key(row):
    # as tuples sort, where a column holds one type; numbers before text else
    return tuple((0, x, "") if isinstance(x, int) else (1, 0, x) for x in row)


def emit(rows):
    for row in sorted(rows, key=sort_key):
        print(" ".join(str(x) for x in row))


def cmd_check(pcap, port, version, refresh=None):
    try:
        s = stream(pcap, port, version, refresh)
    except Bad as e:
        sys.exit(f"ipfix.py check {pcap} port {port}: {e}")
    if not s.messages:
        sys.exit(f"no message to port {port} in {pcap}")
    c = s.count
    ids = sorted({i for m in s.messages for i in m[3]})
    summary = (f"messages {len(s.messages)} templates {c['templates']} options-templates "
               f"{c['options_templates']} data-records {c['data']} options-records {c['options_data']} "
               f"template-ids {','.join(map(str, ids)) or '-'} sequence {s.messages[0][1]}..{s.messages[-1][1]}")
    if refresh is not None:
        summary += f" max-template-age {s.max_distance}"
    print(summary)
    for kind, where in s.violations.items():
        print(f"violation {kind} {len(where)} {where[0]}")


def cmd_records(pcap, port):
    s = decode(pcap, port)
    emit(flow_line(r) for _, t, r in s.records if not t.options)


def cmd_fields(pcap, port):
    s = decode(pcap, port)
    rows = []
    for hdr, t, r in s.records:
        if t.options:
            continue
        rows.append(flow_line(r)[:9] + (r[60], r.get(136, "-"), wall_ms(hdr, r, "start"), wall_ms(hdr, r, "end"),
                                        t.id, r.get(6, 0), hdr["version"]))
    emit(rows)


def print_option(r, init=None):
    if 160 in r:
        print("sysinit", r.get(149), r[160] if init is None else init, r.get(300, "") or "-")
    elif 82 in r:
        print("iface", r[10], r[82] or "-")
    elif 41 in r:
        print("stats", r.get(149), r[41], r[42], r[40], r[163])
    else:
        print("unknown", r)


def cmd_options(pcap, port):
    s = decode(pcap, port)
    for _, t, r in s.records:
        if t.options:
            print_option(r)


def nfdump_seq_failures(s):
    """The sequence failures nfdump (nfcapd 1.6) reports for this IPFIX stream.

    RFC 7011 counts every Data Record in the Sequence Number, Options Template
    data included (and so do we); nfcapd advances its expected number by the
    flow records it decodes only, so a message carrying options data records
    makes it report a failure on the next one, unless no flow data set was
    seen yet (it then only resynchronises)."""
    expect, flow_sets, fails = 0, 0, 0
    for (ver, seq, *_), (nflow, nsets) in zip(s.messages, s.flow_data):
        if ver != 10:
            continue
        if seq != expect:
            fails += 1 if flow_sets else 0
            expect = seq
        expect = (expect + nflow) & 0xffffffff
        flow_sets += nsets
    return fails


def cmd_nfdump_seqfail(pcap, port):
    print(nfdump_seq_failures(decode(pcap, port)))


def cmd_messages(pcap, port):
    s = decode(pcap, port)
    for ver, seq, src, tids, dids, nrec, ndata, lens in s.messages:
        j = lambda v: ",".join(map(str, v)) or "-"
        print(ver, seq, src, j(tids), j(dids), nrec, ndata, j(lens))


def cmd_payloads(pcap, port):
    for _, src, d in datagrams(pcap, port):
        print(src, d.hex())


def cmd_to_file(pcap, port, out):
    n = 0
    with open(out, "wb") as f:
        for _, _, d in datagrams(pcap, port):
            if struct.unpack_from("!H", d)[0] == 10:
                f.write(d)
                n += 1
    print(f"{n} messages")


# ------------------------------------------------------------- ipfixDump ---
IPFIXDUMP = {}


def ipfixdump_records(path):
    if path not in IPFIXDUMP:
        IPFIXDUMP[path] = ipfixdump_run(path)
    return IPFIXDUMP[path]


def ipfixdump_run(path):
    p = subprocess.run(["ipfixDump", "--in", path], capture_output=True, text=True)
    if p.returncode != 0 or p.stderr.strip():
        sys.exit(f"ipfixDump --in {path}: status {p.returncode}: {p.stderr.strip()[:500]}")
    recs, cur = [], None
    for line in p.stdout.splitlines():
        if line.startswith("--- data record"):
            cur = {}
            recs.append(cur)
        elif line.startswith("---") or line.startswith("***"):
            cur = None
        elif cur is not None:
            m = re.match(r"\s*\((\d+)\)(?: \(S\))?\s+\S+ : ?(.*)$", line)
            if m:
                v = m.group(2).strip()
                m2 = re.match(r"\(len: \d+\) ?(.*)$", v)
                cur[int(m.group(1))] = m2.group(1) if m2 else v
    return recs


def ipfixdump_flow(r):
    v6 = 27 in r
    src, dst, nh = (r[27], r[28], r[62]) if v6 else (r[8], r[12], r[15])
    src, dst, nh = (str(ipaddress.ip_address(a)) for a in (src, dst, nh))
    proto = int(r[4])
    sport, dport = int(r.get(7, 0)), int(r.get(11, 0))
    if 32 in r or 139 in r:
        sport, dport = 0, int(r.get(32, r.get(139)))
    return (proto, src, sport, dst, dport, int(r[2]), int(r[1]), int(r[10]), int(r[14]), nh,
            int(r.get(6, 0)), int(r[5]))


def cmd_ipfixdump(path):
    emit(ipfixdump_flow(r) for r in ipfixdump_records(path) if 4 in r)


def cmd_ipfixdump_fields(path):
    emit(ipfixdump_flow(r)[:9] + (int(r[60]), int(r[136])) for r in ipfixdump_records(path) if 4 in r)


def cmd_ipfixdump_l2(path):
    """As nfcheck.py tshark-l2: PROTO SRC SPORT DST DPORT PKTS BYTES SRCMAC DSTMAC ETHERTYPE DIR VLAN
    PRIO INNER_VLAN INNER_PRIO ('-' when absent)."""
    rows = []
    for r in ipfixdump_records(path):
        if 4 not in r:
            continue
        g = lambda k: r[k] if k in r else "-"  # noqa: E731
        etype = "0x%04x" % int(r[256]) if 256 in r else "-"
        rows.append(ipfixdump_flow(r)[:7] + (g(56), g(80), etype, g(61), g(243), g(244), g(245), g(246)))
    emit(rows)


def utc_ms(text):
    """ipfixDump's "YYYY-MM-DD HH:MM:SS.mmm" (UTC) as epoch milliseconds."""
    m = re.match(r"(\d+)-(\d+)-(\d+) (\d+):(\d+):(\d+)(?:\.(\d{1,3}))?$", text)
    if not m:
        return text
    y, mo, d, h, mi, sec, ms = m.groups()
    epoch = calendar.timegm((int(y), int(mo), int(d), int(h), int(mi), int(sec)))
    return epoch * 1000 + int((ms or "0").ljust(3, "0"))


def cmd_ipfixdump_options(path):
    for r in ipfixdump_records(path):
        if 4 not in r:
            print_option(r, utc_ms(r[160]) if 160 in r else None)


# ---------------------------------------------------------------- tshark ---
TS = {"cflow.protocol": "proto", "cflow.srcaddr": "src", "cflow.srcaddrv6": "src", "cflow.dstaddr": "dst",
      "cflow.dstaddrv6": "dst", "cflow.srcport": "sport", "cflow.dstport": "dport", "cflow.packets": "pkts",
      "cflow.octets": "bytes", "cflow.inputint": "in", "cflow.scope_interface": "in", "cflow.outputint": "out",
      "cflow.nexthop": "nh", "cflow.nexthopv6": "nh", "cflow.tcpflags": "flags", "cflow.tos": "tos",
      "cflow.icmp_type_code_ipv4": "icmp", "cflow.icmp_type_code_ipv6": "icmp",
      "cflow.icmp_ipv4_type": "itype", "cflow.icmp_ipv6_type": "itype", "cflow.icmp_ipv4_code": "icode",
      "cflow.icmp_ipv6_code": "icode", "cflow.if_name": "ifname",
      "cflow.sys_init_time": "init", "cflow.observation_domain_name": "dname", "cflow.packetsexp": "emsgs",
      "cflow.flowsexp": "eflows", "cflow.octetsexp": "eoctets", "cflow.flows": "observed",
      "cflow.od_id": "domain", "cflow.scope_system": "domain", "cflow.ip_version": "ipver",
      "cflow.flow_end_reason": "endreason"}
RAW = ("init", "domain")


EXPERT = {}  # (pcap, port) -> tshark's expert notes (not errors)


def tshark_flows(pcap, port):
    flows = []
    notes = EXPERT.setdefault((pcap, port), [])
    notes.clear()
    for i, (_, pkt) in enumerate(packets(pcap, port)):
        for f in pkt.iter("field"):
            name = f.get("name", "")
            text = f.get("showname") or f.get("show") or ""
            if name.startswith("_ws.malformed") or (name == "_ws.expert" and "(Error/" in text):
                sys.exit(f"tshark: {pcap} port {port}: message #{i + 1}: {text}")
            if name == "_ws.expert":
                notes.append(f"message #{i + 1}: {text}")
        for proto in pkt.iter("proto"):
            if proto.get("name") != "cflow":
                continue
            for f in proto.iter("field"):
                if f.get("name") == "" and re.match(r"(Flow|pdu) \d+", f.get("show", "")):
                    rec = {}
                    for c in f.iter("field"):
                        k = TS.get(c.get("name"))
                        if k and k not in rec:
                            rec[k] = int(c.get("value"), 16) if k in RAW else c.get("show")
                    flows.append(rec)
    return flows


def tshark_flow(r):
    proto = int(r["proto"])
    sport, dport = int(r.get("sport", 0)), int(r.get("dport", 0))
    if "icmp" in r:
        sport, dport = 0, int(r["icmp"], 0)
    elif "itype" in r:
        sport, dport = 0, int(r["itype"], 0) * 256 + int(r.get("icode", "0"), 0)
    elif proto in (1, 58):
        sport = 0
    return (proto, r["src"], sport, r["dst"], dport, int(r["pkts"]), int(r["bytes"]), int(r["in"]),
            int(r["out"]), r["nh"], int(r.get("flags", "0"), 0), int(r["tos"], 0))


def cmd_tshark(pcap, port):
    emit(tshark_flow(r) for r in tshark_flows(pcap, port) if "proto" in r)


def cmd_tshark_segments(pcap, port):
    """As cmd_tshark, but each run of one protocol version cut out (editcap)
    and dissected alone: tshark keeps the first definition of a template id
    for the whole capture, and after a protocol switch the module numbers its
    templates from 256 again, with other layouts."""
    segs = []
    for f, _ in packets(pcap, port):
        ver = int(f["udp.payload"].replace(":", "")[:4], 16)
        num = int(f["frame.number"])
        if segs and segs[-1][0] == ver:
            segs[-1][2] = num
        else:
            segs.append([ver, num, num])
    rows = []
    for i, (ver, a, b) in enumerate(segs):
        seg = f"{pcap}.seg{i}.pcap"
        run(["editcap", "-r", pcap, seg, f"{a}-{b}"])
        rows += [tshark_flow(r) for r in tshark_flows(seg, port) if "proto" in r]
        print(f"segment {i}: v{ver} frames {a}-{b}: {len(rows)} records so far", file=sys.stderr)
    emit(rows)


def cmd_tshark_fields(pcap, port):
    emit(tshark_flow(r)[:9] + (int(r.get("ipver", "4")), int(r["endreason"]) if "endreason" in r else "-")
         for r in tshark_flows(pcap, port) if "proto" in r)


def cmd_tshark_options(pcap, port):
    for r in tshark_flows(pcap, port):
        if "init" in r:
            print("sysinit", r.get("domain"), r["init"], r.get("dname", "") or "-")
        elif "ifname" in r:
            print("iface", r.get("in", "?"), r["ifname"] or "-")
        elif "emsgs" in r:
            print("stats", r.get("domain"), r["emsgs"], r["eflows"], r["eoctets"], r["observed"])


# --------------------------------------------------------------- nfacctd ---
PROTO = {"icmp": 1, "tcp": 6, "udp": 17, "ipv6-icmp": 58, "icmp6": 58}


def cmd_nfacctd(path):
    rows = []
    with open(path) as f:
        for r in csv.DictReader(f):
            if r.get("SRC_IP") in (None, "SRC_IP"):
                continue
            p = r["PROTOCOL"]
            proto = int(p) if p.isdigit() else PROTO[p.lower()]
            rows.append((proto, r["SRC_IP"], int(r["SRC_PORT"]), r["DST_IP"], int(r["DST_PORT"]),
                         int(r["PACKETS"]), int(r["BYTES"]), int(r["IN_IFACE"]), int(r["OUT_IFACE"]), "-",
                         int(r["TCP_FLAGS"]), int(r["TOS"])))
    emit(rows)


def stdin_rows():
    for line in sys.stdin:
        f = line.split()
        if f:
            yield [int(x) if x.isdigit() else x for x in f]


def norm_rows(rows, icmp_zero):
    out = []
    for f in rows:
        f = list(f)
        if icmp_zero and f[0] in (1, 58):
            f[4] = 0
        out.append(tuple(f))
    return sorted(out, key=sort_key)


def agg_rows(rows, no_icmp):
    acc = {}
    for f in rows:
        f = list(f)
        if no_icmp and f[0] in (1, 58):
            f[4] = "-"
        k = (f[0], f[1], f[2], f[3], str(f[4]), f[7], f[8])
        p, b = acc.get(k, (0, 0))
        acc[k] = (p + f[5], b + f[6])
    return [k + acc[k] for k in sorted(acc)]


def cmd_norm(args):
    emit(norm_rows(stdin_rows(), "--icmp-type-zero" in args))


def cmd_agg(args):
    for row in agg_rows(stdin_rows(), "--no-icmp-type" in args):
        print(*row)


def rows_of(path):
    with open(path) as f:
        return [[int(x) if x.isdigit() else x for x in line.split()] for line in f if line.strip()]


def cmd_bundle(pcap, outdir, version, ports, nfacctd=None, refresh=None):
    """Everything a scenario needs from one capture, in one process."""
    import contextlib

    PORTS[:] = ports

    def to(name, fn, *args):
        with open(os.path.join(outdir, name), "w") as f, contextlib.redirect_stdout(f):
            fn(*args)

    def lines(name, rows):
        with open(os.path.join(outdir, name), "w") as f:
            for row in rows:
                print(*row, file=f)

    for port in ports:
        to(f"check-{port}.txt", cmd_check, pcap, port, version, refresh)
        to(f"records-{port}.txt", cmd_records, pcap, port)
        to(f"tshark-{port}.txt", cmd_tshark, pcap, port)
        lines(f"tshark-expert-{port}.txt", ([n] for n in EXPERT.get((pcap, port), [])))
        to(f"payloads-{port}.txt", cmd_payloads, pcap, port)
    p = ports[0]
    to("fields.txt", cmd_fields, pcap, p)
    to("options.txt", cmd_options, pcap, p)
    to("messages.txt", cmd_messages, pcap, p)
    to("nfdump-seqfail.txt", cmd_nfdump_seqfail, pcap, p)
    to("tshark-fields.txt", cmd_tshark_fields, pcap, p)
    to("tshark-options.txt", cmd_tshark_options, pcap, p)
    own = rows_of(os.path.join(outdir, f"records-{p}.txt"))
    lines("records-agg.txt", agg_rows(own, False))
    lines("records-agg-noicmp.txt", agg_rows(own, True))
    lines("records-icmpzero.txt", norm_rows(own, True))
    if version == 0:
        to("tshark-segments.txt", cmd_tshark_segments, pcap, p)
    if version == 10:
        ipf = os.path.join(outdir, "export.ipfix")
        to("export.txt", cmd_to_file, pcap, p, ipf)
        to("ipfixdump.txt", cmd_ipfixdump, ipf)
        to("ipfixdump-fields.txt", cmd_ipfixdump_fields, ipf)
        to("ipfixdump-options.txt", cmd_ipfixdump_options, ipf)
    if nfacctd:
        to("nfacctd.txt", cmd_nfacctd, nfacctd)
        acct = rows_of(os.path.join(outdir, "nfacctd.txt"))
        lines("nfacctd-agg.txt", agg_rows(acct, False))
        lines("nfacctd-agg-noicmp.txt", agg_rows(acct, True))


def main(a):
    if not a:
        sys.exit(__doc__)
    c = a[0]
    if c == "check":
        refresh = None
        if "--refresh" in a:
            i = a.index("--refresh")
            refresh = int(a[i + 1])
            del a[i:i + 2]
        cmd_check(a[1], int(a[2]), int(a[3]), refresh)
    elif c in ("records", "fields", "options", "messages", "payloads", "tshark", "tshark-fields",
               "tshark-options", "tshark-segments", "nfdump-seqfail"):
        globals()["cmd_" + c.replace("-", "_")](a[1], int(a[2]))
    elif c == "to-file":
        cmd_to_file(a[1], int(a[2]), a[3])
    elif c in ("ipfixdump", "ipfixdump-fields", "ipfixdump-options", "ipfixdump-l2", "nfacctd"):
        globals()["cmd_" + c.replace("-", "_")](a[1])
    elif c == "bundle":
        acct = None
        if "--nfacctd" in a:
            i = a.index("--nfacctd")
            acct = a[i + 1]
            del a[i:i + 2]
        refresh = None
        if "--refresh" in a:
            i = a.index("--refresh")
            refresh = int(a[i + 1])
            del a[i:i + 2]
        cmd_bundle(a[1], a[2], int(a[3]), [int(x) for x in a[4:]], acct, refresh)
    elif c == "norm":
        cmd_norm(a[1:])
    elif c == "agg":
        cmd_agg(a[1:])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
