#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The event pipeline end to end under kill -9: live traffic -> mamorid
(flowlog, exporter, spool) -> nng req/rep -> mamori-store (SQLite).

The issue's requirement: "kill -9 of the store in the middle of a stream of
events, then restart: every event committed before the kill and every event
produced during the outage is in the store exactly once.  The same after
kill -9 of mamorid for events already acknowledged."

Live input as in tests/test_live_afpacket.sh: mamorid listens with
net_af_packet on the host end of a veth pair whose other end sits in a
network namespace made here; tcpreplay, run inside that namespace, plays a
shared capture into it at a paced rate (MAMORI_PIPELINE_PPS, default 200),
and short flow timeouts make flow events come out all through the replay.
Traffic goes nowhere but into that namespace: the host end has no address,
IPv6 is off on both ends, the MTU is 9000 on both.

  1. store killed mid-stream: kill -9 the store once events are committed,
     keep the traffic flowing (events go to mamorid's spool), restart the
     store on the same database, finish the replay, stop mamorid.  The store
     must hold exactly the events of the --eve file, each once (byte for byte,
     event seq i = line i of the file), every row committed before the kill
     (read from a copy of the killed store's files) still there, and the
     summary's export counters must say spooled > 0, drained > 0, dropped 0,
     and mamorid's exit line must count each committed event once.
  2a. mamorid killed (store up): kill -9 mamorid mid-stream, restart it on
     the same state_dir; every event acknowledged before the kill is in the
     store once, and the stored events are a gap-free prefix of what mamorid
     numbered.
  2b. mamorid killed while the store is down: events sit in the spool; the
     spool file is decoded here (core/include/mamori/spool.h, bus.h) to know
     exactly which events wait in it; restart the store, then mamorid on the
     same state_dir: the old run's spooled events are drained into the store
     exactly once (byte for byte), with the old run's producer id.
  2c. as 2b, but mamorid restarts first, with traffic, while the store is
     still down: its own events queue in the spool behind the killed run's;
     then the store comes back and both runs' events are stored exactly once.

Events the killed mamorid held only in memory (its open batch, its memory
queue) may be lost: the requirement covers acknowledged events only.  The
test prints which ones they were (by sequence number).  mamorid writes its
--eve file through stdio without flushing each line, so after kill -9 the
file can also lack its newest events, including some the store has: the test
says how many, and compares those with the spool or the store instead.

Needs root, ip netns, tcpreplay, python3 and the shared captures; exits 77
otherwise.
"""
import atexit
import hashlib
import json
import os
import re
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import mamori_test as mt  # noqa: E402
import procs  # noqa: E402
from procs import Store, kill9, start, wait_for  # noqa: E402

CTL = os.path.join(mt.BUILD, "tools", "mamorictl", "mamorictl")
CAPTURE = "iot/hidenseek-iot-bot.pcap"  # 2000 packets over 642 s: flows all along
PPS = int(os.environ.get("MAMORI_PIPELINE_PPS", "200"))

SHORT = ["flow.timeouts.udp=1s", "flow.timeouts.tcp_established=2s",
         "flow.timeouts.tcp_new=1s", "flow.timeouts.tcp_closed=1s",
         "flow.timeouts.icmp=1s", "flow.timeouts.other=1s",
         "export.batch_delay=50ms", "export.batch_events=16"]

NS = "mamori-pipe-%d" % os.getpid()
VH = "mmph%d" % (os.getpid() % 100000)  # host end, mamorid's (at most 15 bytes)
VN = "mmpn%d" % (os.getpid() % 100000)  # namespace end, tcpreplay's

NET_MADE = []


def signed64(u):
    return u - (1 << 64) if u >= (1 << 63) else u


def seq_ranges(seqs):
    """[1,2,3,7,8] -> '1-3, 7-8'"""
    seqs = sorted(seqs)
    out = []
    i = 0
    while i < len(seqs):
        j = i
        while j + 1 < len(seqs) and seqs[j + 1] == seqs[j] + 1:
            j += 1
        out.append("%d" % seqs[i] if i == j else "%d-%d" % (seqs[i], seqs[j]))
        i = j + 1
    return ", ".join(out) if out else "none"


def cleanup():
    procs.kill_all()
    if NET_MADE:
        subprocess.run(["ip", "netns", "del", NS], stderr=subprocess.DEVNULL)
        subprocess.run(["ip", "link", "del", VH], stderr=subprocess.DEVNULL)


class Interrupted(Exception):
    pass


def on_signal(signum, frame):
    raise Interrupted("signal %d" % signum)


def db_snapshot(store, dest):
    """Rows of a killed store, read from a copy of its files (the store's own are left
    for its restart to recover)."""
    os.makedirs(dest, exist_ok=True)
    copy = os.path.join(dest, "store.db")
    for suffix in ("", "-wal"):
        if os.path.exists(store.db + suffix):
            shutil.copyfile(store.db + suffix, copy + suffix)
    return procs.rows(copy)


def read_spool(path):
    """Events waiting in a spool file: [(producer, seq, json bytes)], and a remark.
    Layout: core/include/mamori/spool.h (records) and bus.h (batches)."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        return [], "no spool (%s)" % e.strerror
    if len(data) < 32 or data[:4] != b"MMSP":
        return [], "not a spool (%d bytes)" % len(data)
    head = struct.unpack_from("<Q", data, 16)[0]
    evs, off, torn = [], head, 0
    while off + 24 <= len(data):
        magic, ln = struct.unpack_from("<4sI", data, off)
        batch = data[off + 24:off + 24 + ln]
        digest = hashlib.blake2b(struct.pack("<I", ln) + batch, digest_size=16).digest()
        if magic != b"MMSR" or len(batch) != ln or digest != data[off + 8:off + 24]:
            torn = len(data) - off
            break
        bm, _, _, prod, first, count, _ = struct.unpack_from("<4sHHQQII", batch, 0)
        if bm != b"MMEV":
            torn = len(data) - off
            break
        p = 32
        for i in range(count):
            el = struct.unpack_from("<I", batch, p)[0]
            evs.append((signed64(prod), first + i, batch[p + 4:p + 4 + el]))
            p += 4 + el
        off += 24 + ln
    remark = "file %d bytes, head at %d" % (len(data), head)
    if torn:
        remark += ", %d bytes of a torn record at the end" % torn
    return evs, remark


def read_eve(path):
    """Complete lines of an EVE file (bytes), and the length of a partial last line."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return [], 0
    lines = data.split(b"\n")
    partial = len(lines[-1])
    return [l for l in lines[:-1] if l], partial


def canon(obj):
    return json.dumps(obj, sort_keys=True, separators=(",", ":"))


class Mamorid:
    """One mamorid process on the veth, exporting to a store."""

    def __init__(self, work, tag, state_dir, store):
        self.tag = tag
        self.state = state_dir
        self.control = "ipc://%s/control.ipc" % state_dir
        self.eve = os.path.join(work, tag + ".eve.json")
        self.summary = os.path.join(work, tag + ".summary.json")
        self.log = os.path.join(work, tag + ".log")
        self.cfg = os.path.join(work, tag + ".yaml")
        self.spool = os.path.join(state_dir, "export.spool")
        self.store = store
        self.proc = None
        self.producer = None
        os.makedirs(state_dir, exist_ok=True)
        with open(self.cfg, "w") as f:
            f.write("# Written by tests/test_pipeline.py\n"
                    "eal:\n  lcores: \"0-1\"\n"
                    "ports:\n  - dev: \"net_af_packet0,iface=%s\"\n    promiscuous: true\n"
                    % VH)

    def log_text(self):
        try:
            with open(self.log, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def start(self):
        cmd = [mt.MAMORID, "-c", self.cfg, "-q", "--log-level", "info",
               "--set", "state_dir=%s" % self.state, "--set", "control.url=%s" % self.control,
               "--set", "export.store=%s" % self.store.ingest,
               "--eve", self.eve, "--summary-json", self.summary]
        for s in SHORT:
            cmd += ["--set", s]
        self.proc = start(cmd, self.log)
        # Ready when the port is up and the exporter is open (logged at info level).
        ok = wait_for(lambda: self.proc.poll() is not None or
                      ("port 0: net_af_packet0" in self.log_text() and
                       "exporting events to" in self.log_text()), 20)
        for line in self.log_text().splitlines():
            if "exporter: producer " in line:
                self.producer = signed64(int(line.split("exporter: producer ")[1].split()[0],
                                             16))
        return ok and self.proc.poll() is None and self.producer is not None

    def stop(self):
        """mamorictl stop, then waits (its flush takes up to export.flush_timeout)."""
        r = subprocess.run([CTL, "stop", "--control", self.control], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=30)
        how = "mamorictl stop (exit %d)" % r.returncode
        if r.returncode != 0:
            self.proc.send_signal(signal.SIGTERM)
            how += ", then SIGTERM"
        try:
            rc = self.proc.wait(timeout=40)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            rc = None
            how += ": still running 40 s later, killed"
        self.proc = None
        return rc, how

    def kill9(self):
        kill9(self.proc)
        self.proc = None

    def summary_export(self):
        return (mt.read_json(self.summary) or {}).get("export")

    def flow_records(self):
        """The flowlog plugin's "records" counter (flow events emitted), over the control
        socket; None if it cannot be read."""
        try:
            r = subprocess.run([CTL, "stats", "--control", self.control],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=10)
            j = json.loads(r.stdout.decode())
        except (subprocess.TimeoutExpired, ValueError):
            return None

        def find(o):
            if isinstance(o, dict):
                if o.get("name") == "flowlog" and isinstance(o.get("counters"), dict):
                    return o["counters"].get("records")
                o = list(o.values())
            if isinstance(o, list):
                for v in o:
                    n = find(v)
                    if n is not None:
                        return n
            return None
        return find(j)

    def check_exit_line(self, t, what):
        """mamorid's last words: "export to URL: N events committed, ..." must count each
        committed event once (acked already includes drained: exporter.c ex_ack)."""
        ex = self.summary_export() or {}
        m = re.search(r"export to \S+: (\d+) events committed", self.log_text())
        said = int(m.group(1)) if m else None
        t.check(said is not None and said == ex.get("acked"),
                "%s: mamorid's exit line says %s events committed; the store committed %s "
                "(summary acked %s, of which drained %s)" % (
                    what, said, ex.get("acked"), ex.get("acked"), ex.get("drained")),
                None if said == ex.get("acked") else
                ["dataplane/main.c print_summary prints es_acked + es_drained, but es_acked "
                 "already counts the drained events (core/src/exporter.c ex_ack): drained "
                 "events are counted twice"])


def replay(work, tag, pcap):
    return start(["ip", "netns", "exec", NS, "tcpreplay", "--pps=%d" % PPS, "-i", VN, pcap],
                 os.path.join(work, tag + ".replay.log"))


def setup_net(t, work):
    r = subprocess.run(["ip", "netns", "add", NS], stderr=subprocess.PIPE)
    if r.returncode != 0:
        shutil.rmtree(work, ignore_errors=True)
        mt.skip("cannot create a network namespace (%s): skipping" % r.stderr.decode().strip())
    NET_MADE.append(NS)
    r = subprocess.run(["ip", "link", "add", VH, "type", "veth", "peer", "name", VN],
                       stderr=subprocess.PIPE)
    if r.returncode != 0:
        shutil.rmtree(work, ignore_errors=True)
        mt.skip("cannot create a veth pair (%s): skipping" % r.stderr.decode().strip())
    steps = [
        # IPv6 off before the links come up: no router solicitation, no DAD.
        ["sysctl", "-qw", "net.ipv6.conf.%s.disable_ipv6=1" % VH],
        ["ip", "link", "set", VN, "netns", NS],
        ["ip", "netns", "exec", NS, "sysctl", "-qw", "net.ipv6.conf.%s.disable_ipv6=1" % VN],
        ["ip", "link", "set", VH, "mtu", "9000"],
        ["ip", "netns", "exec", NS, "ip", "link", "set", VN, "mtu", "9000"],
        ["ip", "link", "set", VH, "up"],
        ["ip", "netns", "exec", NS, "ip", "link", "set", VN, "up"],
    ]
    errs = []
    for s in steps:
        r = subprocess.run(s, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        if r.returncode != 0:
            errs.append("%s: %s" % (" ".join(s), r.stdout.decode().strip()))
            break
    t.check(not errs, "namespace %s with veth %s (host, mamorid) <-> %s (namespace, "
            "tcpreplay), MTU 9000, IPv6 off" % (NS, VH, VN), errs)
    if errs:
        t.finish()


def compare_stored(t, what, rows, expected, eve_lines, partial):
    """Checks the rows of one producer against the events it should have stored:
    expected maps seq -> JSON bytes.  Returns the stored seqs."""
    seqs = [r[1] for r in rows]
    dup = sorted(s for s in set(seqs) if seqs.count(s) > 1)
    t.check(not dup, "%s: no (producer, seq) twice in the store (%d rows)" % (what, len(rows)),
            ["twice: " + seq_ranges(dup)] if dup else None)
    stored = {r[1]: r[2].encode() for r in rows}
    missing = sorted(set(expected) - set(stored))
    differ = sorted(s for s in expected if s in stored and stored[s] != expected[s])
    t.check(not missing and not differ,
            "%s: all %d expected events are in the store, byte for byte" % (what, len(expected)),
            (["missing seq: " + seq_ranges(missing)] if missing else []) +
            (["different text at seq: " + seq_ranges(differ)] if differ else []))
    # The --eve file (line i = seq i, numbered from 1) against what the store has.
    bad = [s for s in stored if s <= len(eve_lines) and stored[s] != eve_lines[s - 1]]
    t.check(not bad, "%s: every stored event with a line in the --eve file (%d complete lines%s)"
            " is that line, byte for byte" % (what, len(eve_lines),
                                             ", a partial one of %d bytes" % partial
                                             if partial else ""),
            ["differ at seq: " + seq_ranges(bad)] if bad else None)
    return set(stored)


def scenario_store_killed(t, work, pcap):
    print("== 1. the store killed (kill -9) in the middle of the stream, then restarted")
    st = Store(work, "store1")
    if not t.check(st.start(), "store 1 starts (%s)" % st.db):
        return
    m = Mamorid(work, "run1", os.path.join(work, "state1"), st)
    if not t.check(m.start(), "mamorid starts on net_af_packet0,iface=%s, exporting to %s "
                   "(producer %s)" % (VH, st.ingest, m.producer), m.log_text().splitlines()[-5:]):
        return
    rp = replay(work, "run1", pcap)
    t0 = time.time()
    n = wait_for(lambda: (st.count(producer=m.producer) or 0) >= 20 and
                 st.count(producer=m.producer), 20, 0.2)
    t.check(bool(n), "events committed while the replay runs: %s after %.1f s" % (n, time.time() - t0))

    st.kill9()
    t_kill = time.time()
    before = [r for r in db_snapshot(st, os.path.join(work, "store1-at-kill"))
              if r[0] == m.producer]
    t.note("store killed (kill -9) %.1f s into the replay, %d events of producer %d committed"
           % (t_kill - t0, len(before), m.producer))
    eve_at_kill = len(read_eve(m.eve)[0])
    # The outage: traffic goes on, and the events go to the spool once the exporter has
    # given the store up (a send no store takes within export's 2 s send timeout), until
    # then they wait in memory.  Then a second more of spooling.
    wait_for(lambda: read_spool(m.spool)[0], 10, 0.2)
    time.sleep(1.0)
    spool_mid = read_spool(m.spool)
    eve_mid = len(read_eve(m.eve)[0])
    t.check(len(spool_mid[0]) > 0,
            "during the outage events wait in the spool: %d after %.1f s (%s)" %
            (len(spool_mid[0]), time.time() - t_kill, spool_mid[1]),
            ["--eve file lines (flushed so far): %d at the kill, %d after 3 s" %
             (eve_at_kill, eve_mid)])
    t.note("the replay is %s when the store comes back" %
           ("still running" if rp.poll() is None else "over"))
    t.check(st.start(), "the store restarts on the same database after kill -9")

    rp.wait(timeout=120)
    time.sleep(2.5)  # the last flows time out (1-2 s)
    rc, how = m.stop()
    t.check(rc == 0, "mamorid stops: %s, exit %s" % (how, rc),
            [l for l in m.log_text().splitlines() if "export" in l or "spool" in l][-6:])

    eve, partial = read_eve(m.eve)
    ex = m.summary_export() or {}
    t.check(ex.get("spooled", 0) > 0 and ex.get("drained", 0) > 0 and
            ex.get("dropped") == 0 and ex.get("rejected") == 0 and
            ex.get("invalid") == 0 and ex.get("pending") == 0 and
            ex.get("submitted") == len(eve) == ex.get("acked"),
            "summary export: submitted %s = --eve lines %d = acked %s; spooled %s > 0, "
            "drained %s > 0, dropped %s, rejected %s, invalid %s, pending %s all 0" % (
                ex.get("submitted"), len(eve), ex.get("acked"), ex.get("spooled"),
                ex.get("drained"), ex.get("dropped"), ex.get("rejected"), ex.get("invalid"),
                ex.get("pending")), [json.dumps(ex)])

    m.check_exit_line(t, "store killed")

    rows = procs.rows(st.db, m.producer)
    expected = {i + 1: line for i, line in enumerate(eve)}
    stored = compare_stored(t, "store killed", rows, expected, eve, partial)
    extra = sorted(stored - set(expected))
    t.check(not extra, "no event in the store that mamorid did not produce (%d rows, %d "
            "events in the --eve file)" % (len(rows), len(eve)),
            ["extra seq: " + seq_ranges(extra)] if extra else None)
    have = {r[1]: r[2].encode() for r in rows}
    out_mid = [e for e in spool_mid[0] if have.get(e[1]) != e[2]]
    t.check(spool_mid[0] and not out_mid,
            "the %d events seen in the spool during the outage (seq %s) are in the store, "
            "byte for byte" % (len(spool_mid[0]), seq_ranges([e[1] for e in spool_mid[0]])),
            ["missing or different: " + seq_ranges([e[1] for e in out_mid])] if out_mid
            else None)
    now = {(r[1], r[2]) for r in rows}
    lost = [r[1] for r in before if (r[1], r[2]) not in now]
    t.check(before and not lost,
            "every one of the %d events committed before the kill is still there" % len(before),
            ["gone: " + seq_ranges(lost)] if lost else None)

    # Through the query API, as a console would read it: the same events, each once.
    evs, err = st.events(type="flow")
    if t.check(evs is not None, "the query API pages through the store's flow events (%s)"
               % (len(evs) if evs is not None else err)):
        got, want = {}, {}
        for e in evs:
            got[canon(e)] = got.get(canon(e), 0) + 1
        for line in eve:
            e = json.loads(line)
            want[canon(e)] = want.get(canon(e), 0) + 1
        twice = sum(1 for k in got if got[k] > 1)
        miss = sum(want[k] - got.get(k, 0) for k in want if want[k] > got.get(k, 0))
        more = sum(got[k] - want.get(k, 0) for k in got if got[k] > want.get(k, 0))
        t.check(twice == 0 and miss == 0 and more == 0 and len(evs) == len(eve),
                "query API: %d flow events = the %d of the --eve file, each once (%d twice, "
                "%d missing, %d extra)" % (len(evs), len(eve), twice, miss, more))
    s = st.stats()
    t.note("store ingest counters: %s (duplicates are resent rows ignored: fine)" %
           json.dumps(s, sort_keys=True))
    rc = st.stop()
    t.check(rc == 0, "the store stops on SIGTERM, exit %s" % rc)


def scenario_mamorid_killed(t, work, pcap, st, tag, store_down, restart_first=False):
    """restart_first: mamorid restarts (with traffic) while the store is still down; its own
    events queue in the spool behind the killed run's, then the store comes back."""
    what = "mamorid killed, store %s" % ("down" if store_down else "up")
    if restart_first:
        what += ", restarted before the store"
    m = Mamorid(work, tag, os.path.join(work, "state-" + tag), st)
    if not t.check(m.start(), "%s: mamorid starts (producer %s)" % (what, m.producer),
                   m.log_text().splitlines()[-5:]):
        return
    rp = replay(work, tag, pcap)
    t0 = time.time()
    n = wait_for(lambda: (st.count(producer=m.producer) or 0) >= 20 and
                 st.count(producer=m.producer), 20, 0.2)
    t.check(bool(n), "%s: events committed while the replay runs: %s after %.1f s" %
            (what, n, time.time() - t0))
    if store_down:
        st.kill9()
        # Events go to the spool once the exporter has given the store up (2 s send
        # timeout); a second of spooling more.
        wait_for(lambda: read_spool(m.spool)[0], 10, 0.2)
        time.sleep(1.0)
    else:
        time.sleep(1.0)
    emitted = m.flow_records()
    m.kill9()
    kill9(rp)
    t.note("%s: mamorid killed (kill -9) %.1f s into the replay" % (what, time.time() - t0))
    time.sleep(0.5)  # a batch in flight at the kill may still be committed
    if store_down:
        acked = [r for r in db_snapshot(st, os.path.join(work, tag + "-store-at-kill"))
                 if r[0] == m.producer]
    else:
        acked = procs.rows(st.db, m.producer)
    spooled, remark = read_spool(m.spool)
    mine = [e for e in spooled if e[0] == m.producer]
    t.check(len(mine) == len(spooled), "%s: the spool holds events of the killed run only "
            "(%d of %d)" % (what, len(mine), len(spooled)))
    t.note("%s: at the kill: %d events acknowledged (seq %s), %d waiting in the spool "
           "(seq %s; %s)" % (what, len(acked), seq_ranges([r[1] for r in acked]), len(mine),
                              seq_ranges([e[1] for e in mine]), remark))
    if store_down:
        t.check(len(mine) > 0, "%s: events produced during the outage wait in the spool (%d)"
                % (what, len(mine)))
        if not restart_first and not t.check(st.start(), "%s: the store restarts on the "
                                             "same database" % what):
            return

    # Restart mamorid on the same state_dir: it drains the old spool first.
    m2 = Mamorid(work, tag + "-restart", m.state, st)
    ok = m2.start()
    t.check(ok, "%s: mamorid restarts on the same state_dir (producer %s)" % (what, m2.producer),
            [l for l in m2.log_text().splitlines() if "spool" in l][-3:])
    expected = {r[1]: r[2].encode() for r in acked}
    for _, s, j in mine:
        expected[s] = j
    if ok and restart_first:
        rp2 = replay(work, tag + "-restart", pcap)
        wait_for(lambda: len(read_spool(m.spool)[0]) > len(mine), 10, 0.2)
        time.sleep(1.0)
        behind = read_spool(m.spool)[0]
        t.check(behind[:len(mine)] == mine and
                all(e[0] == m2.producer for e in behind[len(mine):]) and len(behind) > len(mine),
                "%s: the new run's events queue in the spool behind the killed run's (%d of "
                "producer %d, then %d of producer %d)" % (
                    what, len(mine), m.producer, len(behind) - len(mine), m2.producer))
        kill9(rp2)
        ok = t.check(st.start(), "%s: the store restarts on the same database" % what)
        time.sleep(2.5)  # the last flows time out
    if ok:
        wait_for(lambda: (st.count(producer=m.producer) or 0) >= len(expected), 20, 0.2)
        rc, how = m2.stop()
        t.check(rc == 0, "%s: the restarted mamorid stops: %s, exit %s" % (what, how, rc))
        ex = m2.summary_export() or {}
        own = ex.get("submitted", 0)
        t.check(ex.get("drained", 0) >= len(mine) and ex.get("acked") == len(mine) + own and
                ex.get("dropped") == 0 and ex.get("pending") == 0,
                "%s: the restarted mamorid delivered the %d spooled events of the killed run "
                "and its own %d (acked %s = %d + %d, drained %s, dropped %s, pending %s)" % (
                    what, len(mine), own, ex.get("acked"), len(mine), own, ex.get("drained"),
                    ex.get("dropped"), ex.get("pending")),
                [json.dumps(ex)])
        m2.check_exit_line(t, what + " (the restarted mamorid)")
        if own:
            # The new run stopped cleanly: its --eve file is complete.
            eve2, partial2 = read_eve(m2.eve)
            rows2 = procs.rows(st.db, m2.producer)
            exp2 = {i + 1: line for i, line in enumerate(eve2)}
            stored2 = compare_stored(t, what + ", the new run", rows2, exp2, eve2, partial2)
            t.check(stored2 == set(exp2), "%s, the new run: the store holds its %d events and "
                    "no other (%d rows)" % (what, len(exp2), len(rows2)))
        spool_left, remark = read_spool(m.spool)
        t.check(not spool_left, "%s: the spool is empty afterwards (%s)" % (what, remark))

    eve, partial = read_eve(m.eve)
    rows = procs.rows(st.db, m.producer)
    stored = compare_stored(t, what, rows, expected, eve, partial)
    extra = sorted(stored - set(expected))
    t.check(not extra, "%s: nothing stored beyond the acknowledged and spooled events"
            % what, ["extra seq: " + seq_ranges(extra)] if extra else None)
    # What the killed mamorid had numbered: its --eve lines, and whatever reached the
    # store or the spool (the --eve file may lack its last, unflushed lines).
    top = max(stored | {0})
    gaps = [s for s in range(1, top + 1) if s not in stored]
    t.check(stored and not gaps,
            "%s: the stored events are a gap-free prefix, seq 1-%d: only the newest events "
            "can be lost with the process" % (what, top),
            ["not stored, older than stored ones: " + seq_ranges(gaps)] if gaps else None)
    # What was lost with the process (allowed: none of it was acknowledged).  --eve line i
    # is seq i (mamorid writes the line, then submits the event), so the lines past the
    # stored prefix name the lost events that had been numbered; the flowlog counter read
    # just before the kill bounds from below what had been emitted in all.
    memory_only = list(range(top + 1, len(eve) + 1))
    unseen = max(0, (emitted or 0) - max(top, len(eve)))
    t.note("%s: lost with the process, neither acknowledged nor spooled: %d numbered events "
           "in the --eve file (seq %s) and at least %d more that the flowlog plugin had "
           "emitted (%s just before the kill) but that reached neither the --eve file nor "
           "the store (workers' rings, open batch, memory queue or the --eve stdio buffer)"
           % (what, len(memory_only), seq_ranges(memory_only), unseen,
              "counter %d" % emitted if emitted is not None else "counter unreadable"))
    unflushed = [s for s in stored if s > len(eve)]
    if unflushed:
        t.note("%s: %d stored events (seq %s) are not in the killed run's --eve file: mamorid "
               "writes it through a stdio buffer (not flushed per line) that kill -9 lost; "
               "they were checked against the spool or the store's rows instead"
               % (what, len(unflushed), seq_ranges(unflushed)))


def main():
    for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(sig, on_signal)
    mt.need_data()
    pcap = os.path.join(mt.DATA, "pcap", CAPTURE)
    if not os.access(pcap, os.R_OK):
        mt.skip("%s not found: skipping" % pcap)
    if os.geteuid() != 0:
        mt.skip("not root (a network namespace and a veth pair are needed): skipping")
    mt.need_tools("ip", "tcpreplay")
    if subprocess.run(["ip", "netns", "list"], stdout=subprocess.DEVNULL,
                      stderr=subprocess.DEVNULL).returncode != 0:
        mt.skip("'ip netns' is unavailable: skipping")
    mt.need_mamorid()
    for b in (procs.STORE, procs.CLIENT, CTL):
        if not os.access(b, os.X_OK):
            mt.skip("%s not found: build first; skipping" % b)

    work = tempfile.mkdtemp(prefix="mamori-pipeline.")
    t = mt.Checks(work)
    atexit.register(cleanup)
    t_start = time.time()
    setup_net(t, work)
    try:
        scenario_store_killed(t, work, pcap)
        print("== 2. mamorid killed (kill -9) in the middle of the stream, then restarted")
        st = Store(work, "store2")
        if t.check(st.start(), "store 2 starts (%s)" % st.db):
            scenario_mamorid_killed(t, work, pcap, st, "run2a", store_down=False)
            scenario_mamorid_killed(t, work, pcap, st, "run2b", store_down=True)
            scenario_mamorid_killed(t, work, pcap, st, "run2c", store_down=True,
                                    restart_first=True)
            rows = procs.rows(st.db)
            keys = [(r[0], r[1]) for r in rows]
            t.check(len(keys) == len(set(keys)), "store 2: (producer, seq) unique over all "
                    "%d rows" % len(keys))
            t.note("store 2 ingest counters: %s" % json.dumps(st.stats(), sort_keys=True))
            rc = st.stop()
            t.check(rc == 0, "store 2 stops on SIGTERM, exit %s" % rc)
    except Interrupted as e:
        t.check(False, "interrupted (%s): the processes, the namespace and the veth are "
                "removed" % e)
    finally:
        cleanup()
    left = []
    if subprocess.run(["ip", "netns", "list"], stdout=subprocess.PIPE).stdout.decode().find(
            NS) >= 0:
        left.append("namespace " + NS)
    if subprocess.run(["ip", "link", "show", VH], stdout=subprocess.DEVNULL,
                      stderr=subprocess.DEVNULL).returncode == 0:
        left.append("veth " + VH)
    t.check(not left, "namespace %s and veth %s removed" % (NS, VH), left)
    t.note("whole test: %.0f s" % (time.time() - t_start))
    t.finish()


if __name__ == "__main__":
    main()
