#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The NetFlow v5/v9 and IPFIX collector against a reference collector.

The issue's check: "Real exporters and collectors as peers, in one test:
softflowd reads the shared captures and exports NetFlow v9 and IPFIX to
Mamori and to nfcapd at the same time; nfreplay replays the shared .nfdump
file to both.  Mamori's flow counts, packets and bytes agree with what
nfdump reads from nfcapd's files, exporter by exporter."

Every exporter sends to a UDP tee in this process, which forwards each
datagram, unchanged, to mamorid and to nfcapd from a loopback address of its
own (127.0.0.2, 127.0.0.3, ...), so both collectors receive the very same
datagrams and "exporter by exporter" means something:

  127.0.0.2  softflowd -v 9   c2/test-cc-capture-1.pcap
  127.0.0.3  softflowd -v 10  iot/hidenseek-iot-bot.pcap   (IPFIX)
  127.0.0.4  nfreplay  -v 9   netflow/test1-malicious.nfdump
  127.0.0.5  nfreplay  -v 5   the same file
  127.0.0.6  softflowd -v 9   iot/ssh-bruteforce.pcap
  127.0.0.7  softflowd -v 10  c2/test-cc-capture-2.pcap    (IPFIX)
  ::1        a copy of 127.0.0.5's datagrams, to mamorid's IPv6 socket only

mamorid runs with the collector alone (no port, eal.lcores "0"), its own
control socket and state directory under the test's temporary directory,
and writes every event with --eve.  Each exporter's flows, packets and bytes
(and the set of flows itself) in mamorid's EVE flow events must equal what
nfdump reads from nfcapd's file for that exporter.

Also: datagrams from 127.0.0.9 (outside collector.allow) are refused and
counted for that source; garbage (random bytes, a v9 header whose set runs
past the datagram), also injected into 127.0.0.2's stream to mamorid, is
counted and changes nothing of the other records.

nfreplay 1.7 skips the legacy record types of the shared .nfdump file, so
the file is first rewritten with `nfdump -r FILE -w COPY` (same flows) and
the copy replayed.  softflowd cuts -r paths at 16 characters: it reads short
symbolic links in the working directory.

Needs softflowd, nfcapd, nfdump, nfreplay, python3 and the shared data;
exits 77 otherwise.  Only loopback addresses are used.
"""
import collections
import ipaddress
import json
import os
import random
import selectors
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import mamori_test as mt  # noqa: E402

CTL = os.path.join(mt.BUILD, "tools", "mamorictl", "mamorictl")
NFDUMP_FILE = os.path.join(mt.DATA, "netflow", "test1-malicious.nfdump")

# (exporter address, tool, version, input)
EXPORTERS = [
    ("127.0.0.2", "softflowd", 9, "c2/test-cc-capture-1.pcap"),
    ("127.0.0.3", "softflowd", 10, "iot/hidenseek-iot-bot.pcap"),
    ("127.0.0.4", "nfreplay", 9, None),
    ("127.0.0.5", "nfreplay", 5, None),
    ("127.0.0.6", "softflowd", 9, "iot/ssh-bruteforce.pcap"),
    ("127.0.0.7", "softflowd", 10, "c2/test-cc-capture-2.pcap"),
]
V6_COPY_OF = "127.0.0.5"  # its datagrams also go to mamorid's IPv6 socket, from ::1
REFUSED = "127.0.0.9"     # outside collector.allow
GARBAGE_FROM = ["127.0.0.10", "127.0.0.11"]
ALLOW = ["127.0.0.0/29", "127.0.0.10/31", "::1/128"]
SOURCE_NAME = {5: "netflow_v5", 9: "netflow_v9", 10: "ipfix"}
PROTO = {"TCP": 6, "UDP": 17, "ICMP": 1, "ICMP6": 58, "IPv6-ICMP": 58, "IPV6-ICMP": 58}

PROCS = []


def cleanup():
    for p in PROCS:
        if p.poll() is None:
            p.kill()
            p.wait()


def free_port(family=socket.AF_INET, host="127.0.0.1"):
    s = socket.socket(family, socket.SOCK_DGRAM)
    s.bind((host, 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Tee:
    """Forwards every datagram an exporter sends to both collectors, from the
    exporter's own loopback address; counts what went where."""

    def __init__(self, mamori, mamori6, nfcapd):
        self.sel = selectors.DefaultSelector()
        self.mamori = mamori
        self.mamori6 = mamori6
        self.nfcapd = nfcapd
        self.sent = collections.Counter()      # exporter -> datagrams forwarded
        self.inject = {}                       # exporter -> [(after n, garbage)]
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.v6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        self.v6.bind(("::1", 0))
        self.v6_sent = 0
        self.mamori_extra = 0                  # garbage injected into a stream

    def add(self, exporter):
        """A socket for one exporter to send to; returns its port."""
        rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        rx.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
        rx.bind(("127.0.0.1", 0))
        tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        tx.bind((exporter, 0))
        self.sel.register(rx, selectors.EVENT_READ, (exporter, tx))
        return rx.getsockname()[1]

    def run(self):
        while not self.stop.is_set():
            for key, _ in self.sel.select(0.05):
                exporter, tx = key.data
                while True:
                    try:
                        data = key.fileobj.recv(65536, socket.MSG_DONTWAIT)
                    except BlockingIOError:
                        break
                    self.forward(exporter, tx, data)

    def forward(self, exporter, tx, data):
        tx.sendto(data, self.mamori)
        tx.sendto(data, self.nfcapd)
        self.sent[exporter] += 1
        for after, garbage in self.inject.get(exporter, []):
            if self.sent[exporter] == after:
                tx.sendto(garbage, self.mamori)
                self.mamori_extra += 1
        if exporter == V6_COPY_OF:
            self.v6.sendto(data, self.mamori6)
            self.v6_sent += 1
        # Both collectors read from 8 MB buffers; a short pause every few
        # hundred datagrams keeps nfcapd (one thread, writing) in step.
        if sum(self.sent.values()) % 200 == 0:
            time.sleep(0.005)

    def idle(self, quiet=0.5, timeout=30):
        """Waits until nothing has come in for quiet seconds."""
        last, t0 = sum(self.sent.values()), time.time()
        t_last = t0
        while time.time() - t0 < timeout:
            time.sleep(0.1)
            now = sum(self.sent.values())
            if now != last:
                last, t_last = now, time.time()
            elif time.time() - t_last >= quiet:
                return


def garbage_datagrams():
    """Random bytes (a version no collector knows) and a v9 header whose set runs past the end."""
    rnd = random.Random(20240213)
    junk = bytearray(rnd.getrandbits(8) for _ in range(300))
    junk[0:2] = b"\x13\x37"
    v9 = struct.pack(">HHIIII", 9, 1, 1000, int(time.time()), 1, 7)
    v9 += struct.pack(">HH", 256, 1400) + bytes(rnd.getrandbits(8) for _ in range(40))
    return [bytes(junk), v9]


def ctl(url, *args, timeout=20):
    return mt.run([CTL] + list(args) + ["--control", url], timeout=timeout)


def ctl_stats(url):
    rc, out, _ = ctl(url, "stats")
    if rc != 0:
        return None
    try:
        d = json.loads(out)
    except ValueError:
        return None
    return d.get("stats", d)


def norm_addr(a):
    return str(ipaddress.ip_address(a.strip()))


def proto_num(p):
    """A protocol number from a number, EVE's name or nfdump's (/etc/protocols)."""
    p = str(p).strip()
    if p.isdigit():
        return int(p)
    if p.upper() in PROTO:
        return PROTO[p.upper()]
    try:
        return socket.getprotobyname(p.lower())
    except OSError:
        return p


def flow_key(proto, sa, sp, da, dp, pkts, byts):
    if proto in (1, 58):
        sp = dp = 0  # ICMP type/code: nfdump prints it as a port, EVE does not
    return (proto, norm_addr(sa), int(sp), norm_addr(da), int(dp), int(pkts), int(byts))


def mamori_flows(eve):
    """{exporter: Counter(flow keys)} and {exporter: set(sources)} from the EVE file."""
    flows = collections.defaultdict(collections.Counter)
    sources = collections.defaultdict(set)
    for r in mt.read_flows(eve):
        f = r.get("flow", {})
        exp = f.get("exporter")
        if exp is None:
            continue
        exp = norm_addr(exp)
        sources[exp].add(f.get("source"))
        flows[exp][flow_key(proto_num(r["proto"]), r["src_ip"], r.get("src_port", 0),
                            r["dest_ip"], r.get("dest_port", 0),
                            f["pkts_toserver"] + f["pkts_toclient"],
                            f["bytes_toserver"] + f["bytes_toclient"])] += 1
    return flows, sources


def nfdump_flows(nfdir):
    """{exporter: Counter(flow keys)} from nfcapd's files, read by nfdump."""
    rc, out, err = mt.run(["nfdump", "-R", nfdir, "-o", "csv", "-N"], timeout=120)
    flows = collections.defaultdict(collections.Counter)
    if rc != 0:
        return None, err
    lines = out.splitlines()
    head = None
    for line in lines:
        cols = [c.strip() for c in line.split(",")]
        if head is None:
            if cols and cols[0] == "ts":
                head = {name: i for i, name in enumerate(cols)}
            continue
        if len(cols) != len(head):
            break  # the summary after the records
        g = lambda name: cols[head[name]]  # noqa: E731
        flows[norm_addr(g("ra"))][flow_key(
            proto_num(g("pr")), g("sa"), g("sp") if g("sp").isdigit() else 0, g("da"),
            g("dp") if g("dp").isdigit() else 0, int(g("ipkt")) + int(g("opkt")),
            int(g("ibyt")) + int(g("obyt")))] += 1
    return flows, None


def nfcapd_seq_failures(nfdir):
    """{exporter: sequence failures} as nfcapd counted them (nfdump -E)."""
    fails = {}
    for name in sorted(os.listdir(nfdir)):
        _, out, _ = mt.run(["nfdump", "-E", os.path.join(nfdir, name)])
        for line in out.splitlines():
            f = [x.strip() for x in line.split(",")]
            d = dict(x.split(":", 1) for x in f if ":" in x)
            if "IP" in d and "Sequence failures" in d:
                ip = norm_addr(d["IP"])
                fails[ip] = fails.get(ip, 0) + int(d["Sequence failures"])
    return fails


def totals(c):
    return (sum(c.values()), sum(k[5] * n for k, n in c.items()),
            sum(k[6] * n for k, n in c.items()))


def diff_lines(a, b, limit=6):
    only_a, only_b = a - b, b - a
    out = ["mamorid has %d flows nfdump lacks, nfdump has %d mamorid lacks" % (
        sum(only_a.values()), sum(only_b.values()))]
    for k in list(only_a)[:limit]:
        out.append("only mamorid: %s x%d" % (k, only_a[k]))
    for k in list(only_b)[:limit]:
        out.append("only nfdump:  %s x%d" % (k, only_b[k]))
    return out


def start_mamorid(w, port4, port6, url):
    conf = os.path.join(w, "mamorid.yaml")
    with open(conf, "w") as f:
        f.write("""# written by tests/test_collector.py
eal:
  lcores: "0"
collector:
  listen: ["127.0.0.1:%d", "[::1]:%d"]
  allow: [%s]
  # softflowd -r and nfreplay export years-old flows, and nfreplay stamps its
  # v9 datagrams (sysUptime 0) a day before the flows they carry
  max_age: 36500d
  max_future: 2d
  rcvbuf: 8388608
state_dir: %s
control:
  url: %s
output:
  stats_interval: 0
plugins:
  load: [flowlog]
""" % (port4, port6, ", ".join('"%s"' % a for a in ALLOW), os.path.join(w, "state"), url))
    cmd = [mt.MAMORID, "-c", conf, "-q", "--eve", os.path.join(w, "eve.json"),
           "--summary-json", os.path.join(w, "summary.json")]
    out = open(os.path.join(w, "mamorid.out"), "w")
    err = open(os.path.join(w, "mamorid.err"), "w")
    p = subprocess.Popen(cmd, stdout=out, stderr=err)
    PROCS.append(p)
    t0 = time.time()
    while time.time() - t0 < 60 and p.poll() is None:
        rc, _, _ = ctl(url, "status", timeout=5)
        if rc == 0:
            return p
        time.sleep(0.2)
    return p if p.poll() is None and ctl(url, "status")[0] == 0 else None


def run_exporter(w, tee, port, exporter, tool, version, src, replay_file):
    tag = exporter.rsplit(".", 1)[1]
    if tool == "softflowd":
        link = "s%s.pcap" % tag
        if not os.path.lexists(os.path.join(w, link)):
            os.symlink(os.path.join(mt.DATA, "pcap", src), os.path.join(w, link))
        cmd = ["softflowd", "-d", "-a", "-r", link, "-n", "127.0.0.1:%d" % port,
               "-v", str(version), "-p", "s%s.pid" % tag, "-c", "s%s.ctl" % tag]
    else:
        cmd = ["nfreplay", "-r", replay_file, "-H", "127.0.0.1", "-p", str(port),
               "-v", str(version), "-d", "50"]
    rc, out, err = mt.run(cmd, timeout=120, cwd=w)
    tee.idle()
    return rc, (out + err).strip().splitlines()[-3:]


def main():
    mt.need_data()
    mt.need_mamorid()
    mt.need_tools("softflowd", "nfcapd", "nfdump", "nfreplay")
    if not os.access(CTL, os.X_OK):
        mt.skip("%s not built: skipping" % CTL)
    missing = [src for _, tool, _, src in EXPORTERS
               if src and not os.path.exists(os.path.join(mt.DATA, "pcap", src))]
    if missing or not os.path.exists(NFDUMP_FILE):
        mt.skip("shared data missing (%s): skipping" % ", ".join(missing or [NFDUMP_FILE]))
    try:
        socket.socket(socket.AF_INET6, socket.SOCK_DGRAM).bind(("::1", 0))
    except OSError:
        mt.skip("no IPv6 loopback (::1): skipping")

    w = tempfile.mkdtemp(prefix="mamori-collector-")
    c = mt.Checks(w)
    os.makedirs(os.path.join(w, "nfcapd"))
    replay = os.path.join(w, "replay.nfdump")
    rc, _, err = mt.run(["nfdump", "-r", NFDUMP_FILE, "-w", replay])
    if not c.check(rc == 0 and os.path.exists(replay),
                   "nfdump rewrites the shared .nfdump file for nfreplay", err.strip()[-300:]):
        c.finish()

    port4, port6, portn = free_port(), free_port(socket.AF_INET6, "::1"), free_port()
    url = "ipc://%s/ctl.sock" % w
    nfcapd = subprocess.Popen(["nfcapd", "-w", os.path.join(w, "nfcapd"), "-p", str(portn),
                               "-b", "127.0.0.1", "-B", str(8 << 20), "-t", "3600"],
                              stdout=open(os.path.join(w, "nfcapd.out"), "w"),
                              stderr=subprocess.STDOUT)
    PROCS.append(nfcapd)
    md = start_mamorid(w, port4, port6, url)
    if not c.check(md is not None, "mamorid starts with the collector alone (no port, "
                   "eal.lcores 0) and answers on its control socket",
                   open(os.path.join(w, "mamorid.err")).read().strip().splitlines()[-5:]):
        c.finish()
    time.sleep(0.5)
    c.check(nfcapd.poll() is None, "nfcapd runs")

    tee = Tee(("127.0.0.1", port4), ("::1", port6, 0, 0), ("127.0.0.1", portn))
    garbage = garbage_datagrams()
    tee.inject["127.0.0.2"] = [(3, g) for g in garbage]
    ports = {e: tee.add(e) for e, _, _, _ in EXPORTERS}
    tee.thread.start()
    for exporter, tool, version, src in EXPORTERS:
        rc, tail = run_exporter(w, tee, ports[exporter], exporter, tool, version, src, replay)
        c.check(rc == 0 and tee.sent[exporter] > 0,
                "%s %s -v %d%s: %d datagrams" % (exporter, tool, version,
                                                 " " + src if src else "",
                                                 tee.sent[exporter]), None if rc == 0 else tail)

    # Outside the allow-list, and garbage from allowed addresses.
    refused = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    refused.bind((REFUSED, 0))
    for _ in range(5):
        refused.sendto(garbage[1], ("127.0.0.1", port4))
    for a, g in zip(GARBAGE_FROM, garbage):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind((a, 0))
        s.sendto(g, ("127.0.0.1", port4))
        s.close()
    tee.stop.set()
    tee.thread.join()

    to_mamori = sum(tee.sent.values()) + tee.v6_sent + tee.mamori_extra + 5 + len(GARBAGE_FROM)
    st, t0 = None, time.time()
    while time.time() - t0 < 30:
        st = ctl_stats(url)
        if st and st.get("collector", {}).get("datagrams", 0) >= to_mamori:
            break
        time.sleep(0.5)
    col = (st or {}).get("collector")
    c.check(col is not None and col.get("datagrams") == to_mamori,
            "mamorictl stats: the collector received every datagram (%s of %d)" % (
                col.get("datagrams") if col else None, to_mamori))
    live_exporters = {e["address"] for e in (col or {}).get("exporters", [])}
    c.check({e for e, _, _, _ in EXPORTERS} | {"::1"} <= live_exporters,
            "mamorictl stats lists every exporter while running",
            sorted(live_exporters))

    rc, out, err = ctl(url, "stop")
    c.check(rc == 0, "mamorictl stop", (out + err).strip())
    try:
        md.wait(timeout=60)
    except subprocess.TimeoutExpired:
        md.kill()
        md.wait()
    c.check(md.returncode == 0, "mamorid exits 0 after the stop (exit %s)" % md.returncode,
            open(os.path.join(w, "mamorid.err")).read().strip().splitlines()[-5:])
    time.sleep(1.0)
    nfcapd.send_signal(signal.SIGTERM)
    try:
        nfcapd.wait(timeout=30)
    except subprocess.TimeoutExpired:
        nfcapd.kill()
        nfcapd.wait()
    nfout = open(os.path.join(w, "nfcapd.out")).read()
    c.check(nfcapd.returncode == 0, "nfcapd ends on SIGTERM and completes its file",
            nfout.strip().splitlines()[-3:])

    summary = mt.read_json(os.path.join(w, "summary.json")) or {}
    scol = summary.get("collector", {})
    c.check(bool(scol), "the summary JSON has a \"collector\" object")
    text = open(os.path.join(w, "mamorid.out")).read()
    c.check("collector:" in text and "exporter 127.0.0.2" in text,
            "the text summary has the collector's lines",
            [l for l in text.splitlines() if "collector" in l or "exporter" in l][:4])

    mflows, msources = mamori_flows(os.path.join(w, "eve.json"))
    nflows, nerr = nfdump_flows(os.path.join(w, "nfcapd"))
    if not c.check(nflows is not None, "nfdump reads nfcapd's files", nerr):
        c.finish()
    # Per address, the stream with the most records: garbage injected into
    # 127.0.0.2's stream claims another source id, hence a state of its own.
    nfseq = nfcapd_seq_failures(os.path.join(w, "nfcapd"))
    sexp = {}
    for e in scol.get("exporters", []):
        if e["records"] >= sexp.get(e["address"], {"records": -1})["records"]:
            sexp[e["address"]] = e
    for exporter, tool, version, _ in EXPORTERS:
        m, n = mflows.get(exporter, collections.Counter()), nflows.get(exporter)
        mt_, nt = totals(m), totals(n or collections.Counter())
        c.check(n is not None and nt[0] > 0, "%s: nfcapd has its flows (%d)" % (exporter, nt[0]))
        c.check(mt_ == nt, "%s (%s v%d): flows, packets, bytes agree: mamorid %s, nfdump %s" % (
            exporter, tool, version, mt_, nt))
        c.check(m == n, "%s: the same flows, one by one" % exporter,
                None if m == n else diff_lines(m, n or collections.Counter()))
        c.check(msources.get(exporter) == {SOURCE_NAME[version]},
                "%s: every record says flow.source %s and flow.exporter %s" % (
                    exporter, SOURCE_NAME[version], exporter), sorted(msources.get(exporter, [])))
        e = sexp.get(exporter, {})
        c.check(e.get("records") == mt_[0] and e.get("version") == version and
                e.get("malformed") == 0 and e.get("unknown_template") == 0 and
                e.get("out_of_range") == 0,
                "%s: summary counters: %s records, version %s, malformed %s, "
                "unknown_template %s, out_of_range %s" % (
                    exporter, e.get("records"), e.get("version"), e.get("malformed"),
                    e.get("unknown_template"), e.get("out_of_range")))
        # Nothing is lost on loopback; what an exporter numbers oddly, both notice.
        if nfseq.get(exporter) == 0:
            c.check(e.get("seq_gaps") == 0, "%s: seq_gaps 0, as nfcapd's sequence failures "
                    "(%s)" % (exporter, e.get("seq_gaps")))
        else:
            c.note("%s: seq_gaps %s; nfcapd counted %s sequence failures" % (
                exporter, e.get("seq_gaps"), nfseq.get(exporter)))

    # IPv6: 127.0.0.5's datagrams again, over [::1].
    m6, n5 = mflows.get("::1", collections.Counter()), nflows.get(V6_COPY_OF)
    c.check(totals(m6) == totals(n5 or collections.Counter()) and m6 == n5,
            "::1 (IPv6 socket): the same flows as nfdump's %s: %s" % (V6_COPY_OF, totals(m6)))

    # Allow-list and garbage.
    ref = {r["address"]: r["datagrams"] for r in scol.get("refused_sources", [])}
    c.check(scol.get("refused") == 5 and ref.get(REFUSED) == 5,
            "%s (outside collector.allow): 5 datagrams refused and counted for it (%s, %s)" % (
                REFUSED, scol.get("refused"), ref))
    c.check(REFUSED not in mflows and REFUSED not in sexp,
            "%s: no record and no exporter state" % REFUSED)
    bad = (scol.get("bad_version", 0) + scol.get("malformed", 0) +
           sum(e.get("malformed", 0) for e in scol.get("exporters", [])))
    sent_bad = len(GARBAGE_FROM) + tee.mamori_extra
    c.check(bad >= sent_bad and not any(a in mflows for a in GARBAGE_FROM),
            "garbage: %d datagrams counted (bad_version %s, malformed %s, exporters' malformed), "
            "%d sent, no record from them" % (bad, scol.get("bad_version"),
                                               scol.get("malformed"), sent_bad))
    c.check(scol.get("socket_drops") == 0,
            "socket_drops reported and 0 on loopback (%s)" % scol.get("socket_drops"))
    c.finish()


if __name__ == "__main__":
    try:
        main()
    finally:
        cleanup()
