# SPDX-License-Identifier: BSD-3-Clause
"""iotsense test helpers: run mamorid with the plugin, read its events and
state files, and write small captures (Ethernet/IPv4/TCP/UDP) by hand."""
import ipaddress
import json
import os
import struct
import sys

sys.path.insert(0, os.path.join(os.environ.get("MAMORI_SRC") or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", ".."), "tests", "lib"))
import mamori_test as mt  # noqa: E402

PLUGIN = os.path.join(mt.BUILD, "plugins", "mamori_iotsense.so")
SYNTH = os.path.join(mt.BUILD, "tools", "synth", "mamori-synth")
CONFIGS = os.path.join(mt.SRC, "configs", "iotsense")


def need_plugin():
    mt.need_mamorid()
    if not os.path.exists(PLUGIN):
        mt.skip("%s not built: build the mamori_iotsense target; skipping" % PLUGIN)


def run(pcap, work, tag, sets=(), timeout=120):
    """mamorid --pcap with iotsense; returns (rc, iot_device events, other events, stderr)."""
    eve = os.path.join(work, tag + ".eve.json")
    state = os.path.join(work, tag + ".state")
    os.makedirs(state, exist_ok=True)
    cmd = [mt.MAMORID, "-q", "--pcap", pcap, "--eve", eve, "--set", "state_dir=" + state,
           "--set", "plugins.load=[%s]" % PLUGIN,
           "--set", "plugins.iotsense.credentials=" + os.path.join(CONFIGS, "credentials.txt"),
           "--set", "plugins.iotsense.firmware.signatures=" + os.path.join(
               CONFIGS, "firmware.json")]
    for s in sets:
        cmd += ["--set", s]
    rc, out, err = mt.run(cmd, timeout=timeout)
    events = []
    if os.path.exists(eve):
        events = [json.loads(l) for l in open(eve) if l.strip()]
    dev = [e for e in events if e.get("event_type") == "iot_device"]
    return rc, dev, events, out + err


def state_file(work, tag, name):
    return os.path.join(work, tag + ".state", "iotsense", name)


def devices(events, category=None, confirmed=None):
    """{address: [events]} of iot_device events, optionally of one category."""
    out = {}
    for e in events:
        d = e["iot_device"]
        if category is not None and d["category"] != category:
            continue
        if confirmed is not None and d["confirmed"] != confirmed:
            continue
        out.setdefault(d["device"], []).append(e)
    return out


def synth(work, scenario, seed=1, extra=()):
    out = os.path.join(work, "%s-%d.pcap" % (scenario, seed))
    truth = os.path.join(work, "%s-%d.json" % (scenario, seed))
    rc, _, err = mt.run([SYNTH, "-s", scenario, "-S", str(seed), "-q", "-w", out, "-t", truth]
                        + list(extra))
    if rc != 0:
        mt.skip("mamori-synth failed (%s): build it; skipping" % err.strip())
    return out, json.load(open(truth))


def read_pcap(path):
    """(ts, frame) of a classic pcap file (microsecond or nanosecond)."""
    data = open(path, "rb").read()
    magic = struct.unpack("<I", data[:4])[0]
    endian = "<" if magic in (0xa1b2c3d4, 0xa1b23c4d) else ">"
    off = 24
    frames = []
    while off + 16 <= len(data):
        sec, frac, incl, _ = struct.unpack(endian + "IIII", data[off:off + 16])
        frames.append((sec + frac / 1e6, data[off + 16:off + 16 + incl]))
        off += 16 + incl
    return frames


def tcp_syns(path):
    """(src, dst, sport, dport, seq, has_options) of the SYNs without ACK of an Ethernet pcap."""
    out = []
    for _, f in read_pcap(path):
        if len(f) < 34 or f[12:14] != b"\x08\x00":
            continue
        ip = f[14:]
        ihl = (ip[0] & 15) * 4
        if ip[9] != 6 or len(ip) < ihl + 20:
            continue
        t = ip[ihl:]
        flags = t[13]
        if flags & 0x12 != 0x02:
            continue
        out.append((str(ipaddress.IPv4Address(ip[12:16])), str(ipaddress.IPv4Address(ip[16:20])),
                    struct.unpack(">H", t[0:2])[0], struct.unpack(">H", t[2:4])[0],
                    struct.unpack(">I", t[4:8])[0], (t[12] >> 4) * 4 > 20))
    return out


def _csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


class Pcap:
    """Writes Ethernet/IPv4 frames: TCP sessions and single segments, UDP datagrams."""

    def __init__(self, path, start=1775001600.0):
        self.f = open(path, "wb")
        self.f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        self.t = start
        self.ipid = 1

    def close(self):
        self.f.close()

    def frame(self, ip_payload, src, dst, proto, dt=0.001, ttl=64):
        self.t += dt
        s, d = ipaddress.IPv4Address(src).packed, ipaddress.IPv4Address(dst).packed
        hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(ip_payload), self.ipid & 0xffff,
                          0, ttl, proto, 0, s, d)
        self.ipid += 1
        hdr = hdr[:10] + struct.pack("!H", _csum(hdr)) + hdr[12:]
        pkt = b"\x02\0\0\0\0\x01\x02\0\0\0\0\x02\x08\x00" + hdr + ip_payload
        sec = int(self.t)
        self.f.write(struct.pack("<IIII", sec, int((self.t - sec) * 1e6), len(pkt), len(pkt)))
        self.f.write(pkt)

    def tcp(self, src, dst, sport, dport, flags, seq=0, ack=0, data=b"", options=b"",
            dt=0.001, win=29200):
        s, d = ipaddress.IPv4Address(src).packed, ipaddress.IPv4Address(dst).packed
        off = (20 + len(options)) // 4
        seg = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xffffffff, ack & 0xffffffff,
                          off << 4, flags, win, 0, 0) + options + data
        ph = s + d + struct.pack("!BBH", 0, 6, len(seg))
        seg = seg[:16] + struct.pack("!H", _csum(ph + seg)) + seg[18:]
        self.frame(seg, src, dst, 6, dt)

    def udp(self, src, dst, sport, dport, data, dt=0.001):
        seg = struct.pack("!HHHH", sport, dport, 8 + len(data), 0) + data
        self.frame(seg, src, dst, 17, dt)

    def session(self, cli, srv, cport, sport, exchange, dt=0.01):
        """A whole TCP session: handshake, (direction, bytes) segments, FIN both ways."""
        cs, ss = 1000, 5000
        self.tcp(cli, srv, cport, sport, 0x02, cs, 0, options=b"\x02\x04\x05\xb4", dt=dt)
        self.tcp(srv, cli, sport, cport, 0x12, ss, cs + 1, options=b"\x02\x04\x05\xb4", dt=dt)
        cs += 1
        ss += 1
        self.tcp(cli, srv, cport, sport, 0x10, cs, ss, dt=dt)
        for to_server, data in exchange:
            if to_server:
                self.tcp(cli, srv, cport, sport, 0x18, cs, ss, data=data, dt=dt)
                cs += len(data)
            else:
                self.tcp(srv, cli, sport, cport, 0x18, ss, cs, data=data, dt=dt)
                ss += len(data)
        self.tcp(cli, srv, cport, sport, 0x11, cs, ss, dt=dt)
        self.tcp(srv, cli, sport, cport, 0x11, ss, cs + 1, dt=dt)
        self.tcp(cli, srv, cport, sport, 0x10, cs + 1, ss + 1, dt=dt)
