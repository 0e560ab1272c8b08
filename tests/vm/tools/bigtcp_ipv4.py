#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Sets an interface's IPv4 BIG TCP limits (IFLA_GSO_IPV4_MAX_SIZE and
IFLA_GRO_IPV4_MAX_SIZE, kernel 6.3+) with one RTM_NEWLINK, for iproute2
releases (Debian 12's 6.1) that cannot: run inside the interface's netns.

  bigtcp_ipv4.py IFNAME SIZE       exit 0 when the kernel took it (read back),
                                   else the errno (EOPNOTSUPP before 6.3)
"""
import errno
import os
import socket
import struct
import sys

RTM_NEWLINK, RTM_GETLINK = 16, 18
NLM_F_REQUEST, NLM_F_ACK = 1, 4
NLMSG_ERROR = 2
IFLA_GSO_IPV4_MAX_SIZE, IFLA_GRO_IPV4_MAX_SIZE = 63, 64


def attr(kind, value):
    return struct.pack("=HHI", 8, kind, value)


def link_attrs(s, index):
    """The attributes RTM_GETLINK returns for the interface."""
    body = struct.pack("=BxHiII", socket.AF_UNSPEC, 0, index, 0, 0)
    s.send(struct.pack("=IHHII", 16 + len(body), RTM_GETLINK, NLM_F_REQUEST, 2, 0) + body)
    reply = s.recv(65536)
    attrs, off = {}, 16 + 16
    length = struct.unpack_from("=I", reply)[0]
    while off + 4 <= length:
        alen, kind = struct.unpack_from("=HH", reply, off)
        if alen < 4:
            break
        attrs[kind] = reply[off + 4:off + alen]
        off += (alen + 3) & ~3
    return attrs


def main(ifname, size):
    index = socket.if_nametoindex(ifname)
    body = struct.pack("=BxHiII", socket.AF_UNSPEC, 0, index, 0, 0)
    body += attr(IFLA_GSO_IPV4_MAX_SIZE, size) + attr(IFLA_GRO_IPV4_MAX_SIZE, size)
    msg = struct.pack("=IHHII", 16 + len(body), RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK, 1, 0) + body
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
    s.send(msg)
    reply = s.recv(65536)
    _, kind = struct.unpack_from("=IH", reply)
    err = -struct.unpack_from("=i", reply, 16)[0] if kind == NLMSG_ERROR else 0
    # Kernels before 6.3 ignore attributes they do not know: read it back.
    got = link_attrs(s, index).get(IFLA_GSO_IPV4_MAX_SIZE)
    if not err and (got is None or struct.unpack("=I", got[:4])[0] != size):
        err = errno.EOPNOTSUPP
    if err:
        print("%s: %s" % (ifname, os.strerror(err)), file=sys.stderr)
    return err


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], int(sys.argv[2])))
