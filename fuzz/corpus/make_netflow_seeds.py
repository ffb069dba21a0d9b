#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Writes the seed corpus of the NetFlow/IPFIX fuzzer into fuzz/corpus/netflow/.

A seed is what fuzz/fuzz_netflow.c reads: datagrams, each as [control byte]
[length, 2 bytes big-endian][datagram]; bit 0 of the control byte picks
exporter A or B, the other bits advance the clock by that many seconds.

Two kinds of seeds:

* hand_*: built here field by field after RFC 3954 (v9), RFC 7011 (IPFIX),
  RFC 5103 (biflows) and Cisco's v5 layout, one per feature and one per way
  of being malformed, so the fuzzer starts from every branch of the decoder;
* real_*: what the tools installed here send, made now from the shared data
  (not copied from it): softflowd -a reading a shared capture (v5, v9, IPFIX,
  IPFIX biflows, sampled), and nfreplay sending the shared nfdump file.  The
  first datagrams of each are kept.  softflowd puts its process id in the
  options record (meteringProcessId) and nfreplay a random engine type in
  v5 headers; they are overwritten with 1 so that the seeds come out the
  same on every run.  Skipped, with a note, when the
  tools or the data are missing.

Deterministic: running it again rewrites the same files.  Python 3 standard
library only; loopback only.

Usage: python3 fuzz/corpus/make_netflow_seeds.py [--data SHARED_DATA]
"""

import argparse
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "netflow")
EXPORT = 1707834878  # 2024-02-13 14:34:38 UTC
A, B = 0, 1
VARLEN = 0xFFFF
BIFLOW_PEN = 29305


def ip4(s):
    return socket.inet_aton(s)


def ip6(s):
    return socket.inet_pton(socket.AF_INET6, s)


def seed(*dgs):
    """dgs: (exporter, seconds to advance, datagram) or just a datagram (exporter A)."""
    out = bytearray()
    for d in dgs:
        ex, step, dg = d if isinstance(d, tuple) else (A, 0, d)
        out += struct.pack(">BH", (step << 1) | ex, len(dg)) + dg
    return bytes(out)


def field(fid, length, pen=0):
    if pen:
        return struct.pack(">HHI", fid | 0x8000, length, pen)
    return struct.pack(">HH", fid, length)


def aset(sid, body, pad=0):
    return struct.pack(">HH", sid, 4 + len(body) + pad) + body + bytes(pad)


def tmpl(tid, fields):
    return struct.pack(">HH", tid, len(fields)) + b"".join(fields)


def ipfix_opts(tid, scope, fields):
    return struct.pack(">HHH", tid, len(scope) + len(fields), len(scope)) + b"".join(
        scope + fields)


def v9_opts(tid, scope, fields):
    return struct.pack(">HHH", tid, 4 * len(scope), 4 * len(fields)) + b"".join(scope + fields)


def v9(sets, seq=1, source=7, uptime=100000, secs=EXPORT):
    return struct.pack(">HHIIII", 9, 0, uptime, secs, seq, source) + b"".join(sets)


def ipfix(sets, seq=0, domain=1, secs=EXPORT, length=None):
    body = b"".join(sets)
    n = 16 + len(body) if length is None else length
    return struct.pack(">HHIII", 10, n, secs, seq, domain) + body


def v5(records, seq=0, sampling=0, uptime=100000, count=None):
    n = len(records) if count is None else count
    return struct.pack(">HHIIIIBBH", 5, n, uptime, EXPORT, 500000000, seq, 1, 2,
                       sampling) + b"".join(records)


def v5_rec(src, dst, sport, dport, proto, flags, pkts, octets, first, last):
    return (ip4(src) + ip4(dst) + bytes(4) + struct.pack(">HHIIIIHH", 1, 2, pkts, octets, first,
                                                         last, sport, dport) +
            struct.pack(">BBBBHHBBH", 0, flags, proto, 0, 0, 0, 24, 24, 0))


# v9/IPFIX template 256: the common IPv4 fields.
T256 = [field(8, 4), field(12, 4), field(7, 2), field(11, 2), field(4, 1), field(6, 1),
        field(1, 4), field(2, 4), field(22, 4), field(21, 4), field(136, 1), field(58, 2)]


def rec256(src, reason=1):
    return (ip4(src) + ip4("198.51.100.2") + struct.pack(">HHBBIIIIBH", 1234, 53, 17, 0, 300, 3,
                                                        40000, 90000, reason, 100))


MS = EXPORT * 1000

# IPFIX template 300: IPv6 with absolute times in milliseconds.
T300 = [field(27, 16), field(28, 16), field(7, 2), field(11, 2), field(4, 1), field(6, 2),
        field(2, 8), field(1, 8), field(152, 8), field(153, 8), field(136, 1)]
REC300 = (ip6("2001:db8::1") + ip6("2001:db8:1::2") +
          struct.pack(">HHBHQQQQB", 50000, 22, 6, 0x16, 4, 240, MS - 1500, MS - 250, 3))

# IPFIX template 301: variable-length and enterprise fields.
T301 = [field(8, 4), field(82, VARLEN), field(12, 4, 9), field(12, 4), field(1, VARLEN, 4242),
        field(2, 4), field(1, 4)]
REC301 = (ip4("192.0.2.1") + b"\x04eth0" + ip4("198.51.100.7") + ip4("198.51.100.1") +
          b"\xff" + struct.pack(">H", 300) + bytes(300) + struct.pack(">II", 2, 120) +
          ip4("192.0.2.2") + b"\x00" + ip4("198.51.100.7") + ip4("198.51.100.2") + b"\x00" +
          struct.pack(">II", 3, 180))

# IPFIX template 302: a biflow (RFC 5103).
T302 = [field(8, 4), field(12, 4), field(7, 2), field(11, 2), field(4, 1), field(2, 4),
        field(1, 4), field(6, 1), field(2, 4, BIFLOW_PEN), field(1, 4, BIFLOW_PEN),
        field(6, 1, BIFLOW_PEN), field(152, 8), field(153, 8)]


def rec302(fp, fb, rp, rb):
    return (ip4("192.0.2.1") + ip4("198.51.100.2") +
            struct.pack(">HHBIIBIIBQQ", 50000, 80, 6, fp, fb, 0x1B, rp, rb, 0x12, MS - 2000,
                        MS - 1000))


# IPFIX small template 310: source address and packets.
T310 = [field(8, 4), field(2, 4)]


def rec310(src, pkts=1):
    return ip4(src) + struct.pack(">I", pkts)


def hand_seeds():
    s = {}
    s["hand_v5_basic.bin"] = seed(v5([
        v5_rec("192.0.2.1", "198.51.100.2", 40000, 443, 6, 0x1B, 10, 1500, 40000, 90000),
        v5_rec("192.0.2.3", "198.51.100.4", 0, 0x0303, 1, 0, 1, 84, 95000, 95000)]))
    s["hand_v5_sampled_sequence.bin"] = seed(
        v5([v5_rec("192.0.2.1", "198.51.100.2", 1, 2, 17, 0, 1, 100, 90000, 90000)],
           seq=0, sampling=0x4000 | 10),
        v5([v5_rec("192.0.2.1", "198.51.100.2", 1, 2, 17, 0, 1, 100, 90000, 90000)],
           seq=5, sampling=0x4000 | 10))
    s["hand_v9_template_data.bin"] = seed(
        v9([aset(0, tmpl(256, T256)), aset(256, rec256("192.0.2.1"), pad=1)]))
    s["hand_v9_data_before_template.bin"] = seed(
        v9([aset(256, rec256("192.0.2.1") + rec256("192.0.2.2"))], seq=1),
        (A, 1, v9([aset(0, tmpl(256, T256))], seq=2, uptime=101000, secs=EXPORT + 1)))
    s["hand_v9_held_expires.bin"] = seed(
        v9([aset(256, rec256("192.0.2.1"))], seq=1),
        (A, 11, v9([aset(0, tmpl(256, T256))], seq=2, uptime=111000, secs=EXPORT + 11)))
    s["hand_v9_refresh_layout.bin"] = seed(
        v9([aset(0, tmpl(256, T256)), aset(256, rec256("192.0.2.1"))], seq=1),
        v9([aset(0, tmpl(256, [field(12, 4), field(8, 4), field(2, 8), field(1, 8),
                               field(4, 1)])),
            aset(256, ip4("198.51.100.9") + ip4("192.0.2.9") +
                 struct.pack(">QQB", 5000000000, 6000000000000, 47))], seq=2))
    s["hand_v9_options_sampling.bin"] = seed(v9([
        aset(1, v9_opts(257, [field(1, 4)], [field(34, 4), field(35, 1)]), pad=2),
        aset(257, struct.pack(">IIB", 0, 100, 2), pad=3),
        aset(0, tmpl(256, T256)), aset(256, rec256("192.0.2.1"))]))
    s["hand_v9_icmp.bin"] = seed(v9([
        aset(0, tmpl(260, [field(8, 4), field(12, 4), field(4, 1), field(32, 2), field(2, 4)])),
        aset(260, ip4("192.0.2.1") + ip4("198.51.100.1") + struct.pack(">BHI", 1, 0x0B01, 1))]))
    s["hand_ipfix_ipv6.bin"] = seed(ipfix([aset(2, tmpl(300, T300)), aset(300, REC300)]))
    s["hand_ipfix_varlen_enterprise.bin"] = seed(
        ipfix([aset(2, tmpl(301, T301)), aset(301, REC301)]))
    s["hand_ipfix_withdrawal.bin"] = seed(
        ipfix([aset(2, tmpl(310, T310)), aset(310, rec310("192.0.2.1"))], seq=0),
        ipfix([aset(2, struct.pack(">HH", 310, 0)), aset(310, rec310("192.0.2.2"))], seq=1),
        ipfix([aset(2, tmpl(310, T310) + tmpl(311, T310)),
               aset(3, ipfix_opts(400, [field(149, 4)], [field(34, 4)]))], seq=1),
        ipfix([aset(2, struct.pack(">HH", 2, 0)), aset(3, struct.pack(">HH", 3, 0))], seq=2))
    s["hand_ipfix_biflow.bin"] = seed(ipfix([
        aset(2, tmpl(302, T302)),
        aset(302, rec302(5, 500, 4, 4000) + rec302(5, 500, 0, 0) + rec302(0, 0, 4, 4000))]))
    s["hand_ipfix_sampling_interval.bin"] = seed(ipfix([
        aset(3, ipfix_opts(400, [field(143, 4)], [field(305, 4), field(306, 4)])),
        aset(400, struct.pack(">III", 1, 1, 9)),
        aset(2, tmpl(310, T310)), aset(310, rec310("192.0.2.1"))]))
    s["hand_ipfix_sysuptime.bin"] = seed(ipfix([
        aset(3, ipfix_opts(401, [field(149, 4)], [field(160, 8)])),
        aset(401, struct.pack(">IQ", 1, MS - 3600000)),
        aset(2, tmpl(320, [field(8, 4), field(22, 4), field(21, 4)])),
        aset(320, ip4("192.0.2.1") + struct.pack(">II", 3500000, 3590000))]))
    ntp = EXPORT + 2208988800
    s["hand_ipfix_time_formats.bin"] = seed(ipfix([
        aset(2, tmpl(330, [field(8, 4), field(150, 4), field(151, 4)]) +
             tmpl(331, [field(8, 4), field(154, 8), field(155, 8)]) +
             tmpl(332, [field(8, 4), field(156, 8), field(157, 8)]) +
             tmpl(333, [field(8, 4), field(158, 4), field(159, 4)]) +
             tmpl(334, [field(8, 4), field(152, 8), field(161, 4)])),
        aset(330, ip4("192.0.2.1") + struct.pack(">II", EXPORT - 2, EXPORT - 1)),
        aset(331, ip4("192.0.2.1") + struct.pack(">QQ", (ntp - 3) << 32 | 1 << 31,
                                                 (ntp - 2) << 32)),
        aset(332, ip4("192.0.2.1") + struct.pack(">QQ", (ntp - 3) << 32, (ntp - 2) << 32 | 5)),
        aset(333, ip4("192.0.2.1") + struct.pack(">II", 2000000, 1000000)),
        aset(334, ip4("192.0.2.1") + struct.pack(">QI", MS - 2000, 1000))]))
    s["hand_ipfix_end_vlan.bin"] = seed(ipfix([
        aset(2, tmpl(340, [field(8, 4), field(4, 1), field(6, 1), field(136, 1), field(58, 2),
                           field(245, 2)])),
        aset(340, b"".join(ip4("192.0.2.1") + struct.pack(">BBBHH", 6, f, r, 100, 200)
                           for r, f in ((1, 0x10), (3, 0x11), (3, 0x14), (4, 0), (5, 0),
                                        (9, 0))))]))
    s["hand_exporter_spoof.bin"] = seed(
        (A, 0, ipfix([aset(2, tmpl(310, T310)), aset(310, rec310("192.0.2.1"))], domain=5)),
        (B, 0, ipfix([aset(2, tmpl(310, [field(12, 4)])), aset(2, struct.pack(">HH", 2, 0))],
                     domain=5)),
        (A, 0, ipfix([aset(310, rec310("192.0.2.2"))], seq=1, domain=5)))
    # Malformed.
    s["bad_truncated_headers.bin"] = seed(v5([])[:10], v9([])[:19], ipfix([])[:15], b"\x00")
    s["bad_version.bin"] = seed(struct.pack(">H", 7) + bytes(40))
    s["bad_v5_count.bin"] = seed(
        v5([v5_rec("192.0.2.1", "198.51.100.2", 1, 2, 17, 0, 1, 100, 90000, 90000)], count=3))
    s["bad_ipfix_length.bin"] = seed(ipfix([aset(2, tmpl(310, T310))], length=200))
    s["bad_set_past_end.bin"] = seed(v9([
        aset(0, tmpl(256, T256)), aset(256, rec256("192.0.2.1")),
        struct.pack(">HH", 256, 200) + rec256("192.0.2.2")]))
    s["bad_zero_length_field.bin"] = seed(
        ipfix([aset(2, tmpl(310, [field(210, 0)])), aset(310, rec310("192.0.2.1"))]),
        v9([aset(0, tmpl(256, [field(8, 4), field(2, 0)]) + struct.pack(">HH", 257, 0))]))
    s["bad_template_truncated.bin"] = seed(ipfix([
        aset(2, struct.pack(">HH", 300, 10) + field(8, 4) + field(2, 4)),
        aset(2, struct.pack(">HHHH", 301, 1, 0x8001, 4)),
        aset(3, struct.pack(">HHH", 400, 1, 0) + field(34, 4) +
             struct.pack(">HHH", 401, 1, 2) + field(34, 4))]))
    s["bad_too_many_templates.bin"] = seed(ipfix([
        aset(2, b"".join(tmpl(300 + i, T310) for i in range(8)))]))
    s["bad_record_cut.bin"] = seed(ipfix([
        aset(2, tmpl(300, [field(8, 4), field(82, VARLEN)])),
        aset(300, ip4("192.0.2.1") + b"\x02ok" + ip4("192.0.2.2") + b"\xc8cut")]))
    s["bad_out_of_range.bin"] = seed(ipfix([
        aset(2, tmpl(350, [field(152, 8), field(153, 8), field(2, 4), field(1, 4)])),
        aset(350, struct.pack(">QQII", MS - 1000, MS - 3500, 1, 60) +
             struct.pack(">QQII", MS - 1000, MS + 7200000, 1, 60) +
             struct.pack(">QQII", MS - 8 * 86400000, MS - 8 * 86400000 + 10, 1, 60) +
             struct.pack(">QQII", MS - 1000, MS - 500, 1, 100000))]))
    return s


class Catcher:
    """Collects the datagrams sent to a loopback UDP port."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.05)
        self.port = self.sock.getsockname()[1]
        self.got = []
        self.stopping = False
        self.thread = threading.Thread(target=self._run)
        self.thread.start()

    def _run(self):
        while True:
            try:
                self.got.append(self.sock.recv(65535))
            except socket.timeout:
                if self.stopping:
                    return

    def close(self):
        self.stopping = True
        self.thread.join()
        self.sock.close()
        return self.got


def softflowd(pcap, args, work):
    catcher = Catcher()
    ctl = os.path.join(work, "ctl")
    proc = subprocess.Popen(["softflowd", "-d", "-a", "-r", pcap, "-n",
                             "127.0.0.1:%d" % catcher.port, "-p", os.path.join(work, "pid"),
                             "-c", ctl] + args, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    # softflowd 1.1.0 reading a file waits on its control socket each pass.
    deadline = time.time() + 60
    while proc.poll() is None and time.time() < deadline:
        try:
            c = socket.socket(socket.AF_UNIX)
            c.connect(ctl)
            c.sendall(b"statistics\n")
            while c.recv(65536):
                pass
            c.close()
        except OSError:
            pass
        time.sleep(0.01)
    if proc.poll() is None:
        proc.kill()
        proc.wait()
    return catcher.close()


def fix_pid(dg):
    """softflowd's options data set (id 256) starts with its process id: made 1."""
    version = struct.unpack_from(">H", dg)[0]
    if version == 5:
        return dg[:20] + b"\x01" + dg[21:]  # nfreplay's random engine type
    off = 20 if version == 9 else 16 if version == 10 else len(dg)
    out = bytearray(dg)
    while off + 4 <= len(out):
        sid, slen = struct.unpack_from(">HH", out, off)
        if slen < 4:
            break
        if sid == 256 and slen >= 8:
            struct.pack_into(">I", out, off + 4, 1)
        off += slen
    return bytes(out)


def real_seeds(data, keep=12):
    s = {}
    pcap = os.path.join(data, "pcap", "c2", "test-cc-capture-2.pcap")
    pcap6 = os.path.join(data, "pcap", "pqc", "tls12-certs.pcap")
    nffile = os.path.join(data, "netflow", "test1-malicious.nfdump")
    with tempfile.TemporaryDirectory(prefix="mamori-nfseeds.") as work:
        if shutil.which("softflowd") and os.path.exists(pcap):
            for name, args, src in (("v5", ["-v", "5"], pcap), ("v9", ["-v", "9"], pcap),
                                    ("ipfix", ["-v", "10"], pcap),
                                    ("ipfix_biflow", ["-v", "10", "-b"], pcap),
                                    ("ipfix_sampled", ["-v", "10", "-s", "4"], pcap),
                                    ("v9_ipv6", ["-v", "9"], pcap6),
                                    ("ipfix_ipv6_msec", ["-v", "10", "-A", "milli"], pcap6)):
                if not os.path.exists(src):
                    continue
                dgs = [fix_pid(d) for d in softflowd(src, args, work)[:keep]]
                if dgs:
                    s["real_softflowd_%s.bin" % name] = seed(*dgs)
        else:
            print("make_netflow_seeds: softflowd or %s missing: no softflowd seeds" % pcap)
        if shutil.which("nfreplay") and shutil.which("nfdump") and os.path.exists(nffile):
            # nfreplay 1.7.1 cannot read this file's (nfdump 1.6) records: converted first.
            conv = os.path.join(work, "conv.nfcapd")
            subprocess.run(["nfdump", "-r", nffile, "-w", conv], check=True,
                           capture_output=True)
            for version in (9, 5):
                catcher = Catcher()
                subprocess.run(["nfreplay", "-r", conv, "-H", "127.0.0.1", "-p",
                                str(catcher.port), "-v", str(version)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               check=True, timeout=120)
                dgs = [fix_pid(d) for d in catcher.close()[:keep]]
                if dgs:
                    s["real_nfreplay_v%d.bin" % version] = seed(*dgs)
        else:
            print("make_netflow_seeds: nfreplay or %s missing: no nfreplay seeds" % nffile)
    return s


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=os.path.join(HERE, "..", "..", "..", "shared", "data"))
    args = ap.parse_args()
    seeds = hand_seeds()
    seeds.update(real_seeds(os.path.abspath(args.data)))
    os.makedirs(OUT, exist_ok=True)
    for name in os.listdir(OUT):
        if name.endswith(".bin") and name not in seeds:
            os.unlink(os.path.join(OUT, name))
    for name, blob in sorted(seeds.items()):
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(blob)
    print("make_netflow_seeds: %d seeds in %s" % (len(seeds), OUT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
