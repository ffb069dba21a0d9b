# SPDX-License-Identifier: BSD-3-Clause
"""Reads pcap (µs or ns) and pcapng frames: [(ts_ns, bytes)], Python stdlib only."""
import struct


def _pcap(data):
    magic = struct.unpack("<I", data[:4])[0]
    if magic in (0xa1b2c3d4, 0xa1b23c4d):
        end = "<"
    else:
        end = ">"
        magic = struct.unpack(">I", data[:4])[0]
    scale = 1 if magic == 0xa1b23c4d else 1000
    out, off = [], 24
    while off + 16 <= len(data):
        sec, frac, incl, _orig = struct.unpack(end + "IIII", data[off:off + 16])
        off += 16
        out.append((sec * 1000000000 + frac * scale, data[off:off + incl]))
        off += incl
    return out


def _pcapng(data):
    out, off, end = [], 0, "<"
    tsres = {}
    nif = 0
    while off + 12 <= len(data):
        btype, blen = struct.unpack(end + "II", data[off:off + 8])
        if btype == 0x0a0d0d0a:
            bom = struct.unpack("<I", data[off + 8:off + 12])[0]
            end = "<" if bom == 0x1a2b3c4d else ">"
            blen = struct.unpack(end + "I", data[off + 4:off + 8])[0]
            nif = 0
        elif btype == 1:
            # Interface: default µs unless if_tsresol (option 9) says otherwise.
            res, o = 1000, off + 16
            while o + 4 <= off + blen - 4:
                code, olen = struct.unpack(end + "HH", data[o:o + 4])
                if code == 0:
                    break
                if code == 9:
                    v = data[o + 4]
                    res = 10 ** 9 // (10 ** v) if not v & 0x80 else 10 ** 9 // (2 ** (v & 0x7f))
                o += 4 + (olen + 3) // 4 * 4
            tsres[nif] = res
            nif += 1
        elif btype == 6:
            ifid, hi, lo, incl, _orig = struct.unpack(end + "IIIII", data[off + 8:off + 28])
            ts = ((hi << 32) | lo) * tsres.get(ifid, 1000)
            out.append((ts, data[off + 28:off + 28 + incl]))
        off += blen
    return out


def frames(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] == b"\x0a\x0d\x0d\x0a":
        return _pcapng(data)
    return _pcap(data)
