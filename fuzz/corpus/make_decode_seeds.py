#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Writes the seed corpus of the decoder fuzzer into fuzz/corpus/decode/.

Every seed is built here byte by byte (no capture is copied), one per
protocol path and one per anomaly kind, so the fuzzer starts from inputs that
already reach every branch of dp_decode().  Deterministic: running it again
rewrites the same files.  Python 3 standard library only.

Usage: python3 fuzz/corpus/make_decode_seeds.py
"""

import os
import struct

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "decode")

MAC = bytes([0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01])
V4_SRC, V4_DST = bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2])
V6_SRC = bytes([0x20, 0x01, 0x0D, 0xB8] + [0] * 11 + [1])
V6_DST = bytes([0x20, 0x01, 0x0D, 0xB8] + [0] * 11 + [2])


def eth(ethertype, *tags):
    """Ethernet header; each tag is (tpid, tci) and ethertype is the innermost."""
    out = bytearray(MAC)
    for tpid, tci in tags:
        out += struct.pack("!HH", tpid, tci)
    out += struct.pack("!H", ethertype)
    return bytes(out)


def ipv4(proto, l4, opts=b"", frag=0, tlen=None, ihl=None):
    hlen = 20 + len(opts)
    if ihl is None:
        ihl = hlen // 4
    if tlen is None:
        tlen = hlen + len(l4)
    hdr = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, tlen, 0x1234, frag, 64, proto, 0,
                      V4_SRC, V4_DST)
    return hdr + opts + l4


def ipv6(nh, rest, plen=None, version=6):
    if plen is None:
        plen = len(rest)
    return struct.pack("!IHBB16s16s", version << 28, plen, nh, 64, V6_SRC, V6_DST) + rest


def ext(nh, units):
    """Hop-by-hop, routing, destination options and the like: (units + 1) * 8 bytes."""
    return bytes([nh, units]) + bytes((units + 1) * 8 - 2)


def ah(nh, units):
    """Authentication header: (units + 2) * 4 bytes."""
    return bytes([nh, units]) + bytes((units + 2) * 4 - 2)


def frag6(nh, offset, more, ident):
    return struct.pack("!BBHI", nh, 0, offset | (1 if more else 0), ident)


def payload(n):
    return bytes(ord("a") + i % 26 for i in range(n))


def tcp(sport, dport, flags, optlen=0, data=b"", doff=None):
    if doff is None:
        doff = (20 + optlen) // 4
    hdr = struct.pack("!HHIIBBHHH", sport, dport, 0x01020304, 0x05060708, doff << 4, flags,
                      0xFAF0, 0, 0)
    return hdr + b"\x01" * optlen + data


def udp(sport, dport, data=b"", ulen=None):
    if ulen is None:
        ulen = 8 + len(data)
    return struct.pack("!HHHH", sport, dport, ulen, 0) + data


def icmp(typ, code, data=b""):
    return struct.pack("!BBHHH", typ, code, 0, 0x4242, 1) + data


E4, E6 = 0x0800, 0x86DD
VLAN, QINQ, QINQ1 = 0x8100, 0x88A8, 0x9100

# IPv4 options: NOP, record route (7 bytes), router alert (4), EOL and padding.
GOOD_OPTS = bytes([1, 7, 7, 4, 0, 0, 0, 0, 0x94, 4, 0, 0, 0, 0, 0, 0])

V4_TCP = eth(E4) + ipv4(6, tcp(1234, 80, 0x12, 12, payload(10)), frag=0x4000)
V4_UDP = eth(E4) + ipv4(17, udp(5353, 53, payload(24)))
V6_TCP = eth(E6) + ipv6(6, tcp(40000, 443, 0x02, 20, payload(4)))
V6_UDP = eth(E6) + ipv6(17, udp(546, 547, payload(12)))

SEEDS = {
    # Protocol paths.
    "ipv4_tcp": V4_TCP,
    "ipv4_tcp_syn": eth(E4) + ipv4(6, tcp(50000, 22, 0x02, 20)),
    "ipv4_udp": V4_UDP,
    "ipv4_icmp_echo": eth(E4) + ipv4(1, icmp(8, 0, payload(16))),
    "ipv4_icmp_unreach": eth(E4) + ipv4(1, icmp(3, 3, ipv4(17, udp(1, 2))[:28])),
    "ipv4_gre": eth(E4) + ipv4(47, payload(12)),
    "ipv6_tcp": V6_TCP,
    "ipv6_udp": V6_UDP,
    "ipv6_icmpv6_echo": eth(E6) + ipv6(58, icmp(128, 0, payload(8))),
    "vlan_ipv4_tcp": eth(E4, (VLAN, 0x2064)) + ipv4(6, tcp(1234, 80, 0x10, 0, payload(3))),
    "qinq_ipv6_udp": eth(E6, (QINQ, 10), (VLAN, 0xF014)) + ipv6(17, udp(1000, 2000, payload(5))),
    "qinq9100_ipv4_udp": eth(E4, (QINQ1, 7), (VLAN, 8)) + ipv4(17, udp(9, 9, payload(2))),
    "ipv4_options_tcp": eth(E4) + ipv4(6, tcp(1, 2, 0x02), GOOD_OPTS),
    "ipv4_padded_60": (eth(E4) + ipv4(6, tcp(1, 2, 0x10))).ljust(60, b"\xee"),
    "ipv4_first_fragment": eth(E4) + ipv4(17, udp(4000, 5000, payload(16), ulen=1000),
                                          frag=0x2000),
    "ipv4_last_fragment": eth(E4) + ipv4(17, payload(24), frag=370),
    "ipv6_ext_frag_udp": eth(E6) + ipv6(0, ext(60, 0) + ext(44, 1) +
                                        frag6(17, 0, True, 0xDEADBEEF) + udp(7, 9, payload(6))),
    "ipv6_later_fragment": eth(E6) + ipv6(44, frag6(6, 1448, False, 77) + payload(30)),
    "ipv6_atomic_fragment": eth(E6) + ipv6(44, frag6(17, 0, False, 5) + udp(1, 2)),
    "ipv6_rt_ah_mh_hip_shim6_tcp": eth(E6) + ipv6(43, ext(51, 0) + ah(135, 4) + ext(139, 0) +
                                                  ext(140, 1) + ext(6, 0) +
                                                  tcp(22, 50000, 0x18, 0, payload(7))),
    "ipv6_esp": eth(E6) + ipv6(50, payload(24)),
    "ipv6_no_next": eth(E6) + ipv6(0, ext(59, 0) + payload(8)),
    "ipv6_jumbo_tcp": eth(E6) + ipv6(0, bytes([6, 0, 0xC2, 4]) + struct.pack("!I", 70000) +
                                     tcp(80, 8080, 0x10, 0, payload(100)), plen=0),
    # One per anomaly kind.
    "an_eth_truncated": V4_TCP[:13],
    "an_vlan_truncated": (eth(E4, (VLAN, 100)) + ipv4(6, tcp(1, 2, 0x10)))[:17],
    "an_vlan_too_deep": eth(E4, (QINQ, 1), (VLAN, 2), (VLAN, 3)) + ipv4(17, udp(1, 2)),
    "an_unknown_ethertype_arp": eth(0x0806) + struct.pack("!HHBBH", 1, 0x0800, 6, 4, 1) +
    bytes(20),
    "an_ipv4_truncated": V4_TCP[:33],
    "an_ipv4_bad_version": eth(E4) + ipv6(6, tcp(1, 2, 0x02)),
    "an_ipv4_bad_hlen": eth(E4) + ipv4(6, tcp(1, 2, 0x02), ihl=4),
    "an_ipv4_bad_len": eth(E4) + ipv4(17, udp(53, 53, payload(4)), tlen=1500),
    "an_ipv4_bad_options": eth(E4) + ipv4(17, udp(53, 53, payload(2)), bytes([0x44, 40, 0, 0])),
    "an_ipv4_fragment": eth(E4) + ipv4(17, payload(16), frag=0x2000 | 100),
    "an_ipv6_truncated": V6_TCP[:53],
    "an_ipv6_bad_version": eth(E6) + ipv6(6, tcp(1, 2, 0x02), version=4),
    "an_ipv6_bad_len": eth(E6) + ipv6(17, udp(1, 2, payload(4)), plen=2000),
    "an_ipv6_exthdr_truncated": eth(E6) + ipv6(0, ext(60, 0) + bytes([17, 2]) + bytes(6)),
    "an_ipv6_exthdr_too_many": eth(E6) + ipv6(60, ext(60, 0) * 8 + ext(17, 0) + udp(1, 2)),
    "an_ipv6_fragment": eth(E6) + ipv6(44, frag6(17, 8, True, 1) + payload(16)),
    "an_tcp_truncated": eth(E4) + ipv4(6, payload(19)),
    "an_tcp_bad_hlen": eth(E4) + ipv4(6, tcp(1, 2, 0x02, doff=4)),
    "an_udp_truncated": eth(E6) + ipv6(17, payload(7)),
    "an_udp_bad_len": eth(E6) + ipv6(17, udp(1, 2, payload(4), ulen=100)),
    "an_icmp_truncated": eth(E4) + ipv4(1, payload(3)),
    "an_icmpv6_truncated": eth(E6) + ipv6(58, payload(3)),
}


def main():
    os.makedirs(OUT, exist_ok=True)
    for name in os.listdir(OUT):
        if name.endswith(".bin"):
            os.remove(os.path.join(OUT, name))
    for name, data in sorted(SEEDS.items()):
        with open(os.path.join(OUT, name + ".bin"), "wb") as f:
            f.write(data)
    print("make_decode_seeds: %d seeds in %s" % (len(SEEDS), OUT))


if __name__ == "__main__":
    main()
