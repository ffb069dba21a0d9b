# SPDX-License-Identifier: BSD-3-Clause
"""Shared helpers for Mamori's integration tests (Python 3 stdlib only).

The tests are started by CTest through tests/lib/run_python.sh with
MAMORI_BUILD, MAMORI_SRC and MAMORI_TEST_DATA in the environment; each prints
its checks and ends with the line "N passed, N failed".  Exit status: 0 when
all passed, 1 otherwise, 77 (CTest "skipped") when a prerequisite is missing.
"""
import datetime
import glob
import json
import os
import shutil
import subprocess
import sys

SKIP = 77

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.environ.get("MAMORI_SRC") or os.path.dirname(os.path.dirname(HERE))
BUILD = os.environ.get("MAMORI_BUILD") or os.path.join(SRC, "build")
DATA = os.environ.get("MAMORI_TEST_DATA") or os.path.join(SRC, "..", "shared", "data")
MAMORID = os.path.join(BUILD, "dataplane", "mamorid")

# Every idle timeout "very long", the active timeout off: one record per connection.
LONG_TIMEOUTS = ["flow.timeouts.%s=365d" % k for k in
                 ("tcp_new", "tcp_established", "tcp_closed", "udp", "icmp", "other")]
LONG_TIMEOUTS.append("flow.active_timeout=0")

# configs/default.yaml, in seconds (also mamorid's built-in defaults).
DEFAULT_TIMEOUTS = {"tcp_new": 30, "tcp_established": 600, "tcp_closed": 10,
                    "udp": 120, "icmp": 60, "other": 60}
DEFAULT_ACTIVE = 1800


def skip(msg):
    print(msg)
    print("0 passed, 0 failed")
    sys.exit(SKIP)


class Checks:
    """Counts checks; every check prints one line."""

    def __init__(self, workdir=None):
        self.passed = 0
        self.failed = 0
        self.failures = []
        self.workdir = workdir  # removed at the end when every check passed

    def check(self, ok, what, detail=None):
        if ok:
            self.passed += 1
            print("ok   %s" % what)
        else:
            self.failed += 1
            self.failures.append(what)
            print("FAIL %s" % what)
        if detail:
            for line in detail if isinstance(detail, list) else [detail]:
                print("       %s" % line)
        sys.stdout.flush()
        return ok

    def note(self, msg):
        print("note %s" % msg)
        sys.stdout.flush()

    def finish(self):
        if self.failures:
            print("failed checks:")
            for f in self.failures:
                print("  - %s" % f)
        if self.workdir:
            if self.failed == 0:
                shutil.rmtree(self.workdir, ignore_errors=True)
            else:
                print("(outputs kept in %s)" % self.workdir)
        print("%d passed, %d failed" % (self.passed, self.failed))
        sys.exit(0 if self.failed == 0 else 1)


def need_data():
    """Exits 77 unless the shared captures are there; returns the data directory."""
    if not os.path.isdir(os.path.join(DATA, "pcap")):
        skip("%s not found: skipping (no shared captures in %s)" % (
            DATA, os.path.join(DATA, "pcap")))
    return DATA


def need_mamorid():
    if not os.access(MAMORID, os.X_OK):
        skip("%s not found: build mamorid first; skipping" % MAMORID)
    return MAMORID


def need_tools(*tools):
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        skip("%s not installed: skipping (apt-get install tshark tcpreplay)" %
             ", ".join(missing))


def captures():
    """Every pcap and pcapng under DATA/pcap/*/, sorted."""
    found = []
    for pat in ("*.pcap", "*.pcapng"):
        found += glob.glob(os.path.join(DATA, "pcap", "*", pat))
    return sorted(found)


def short(path):
    return os.path.relpath(path, os.path.join(DATA, "pcap"))


def run(cmd, timeout=120, **kw):
    """Runs cmd; returns (rc, stdout, stderr) as text."""
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=timeout, **kw)
    return (p.returncode, p.stdout.decode("utf-8", "replace"),
            p.stderr.decode("utf-8", "replace"))


def mamorid_offline(pcap, workdir, tag, sets=(), extra=(), timeout=120):
    """Runs mamorid --pcap; returns (rc, flows list, summary dict or None, stderr)."""
    flows = os.path.join(workdir, tag + ".flows.json")
    summary = os.path.join(workdir, tag + ".summary.json")
    for f in (flows, summary):
        if os.path.exists(f):
            os.unlink(f)
    cmd = [MAMORID, "-q", "--pcap", pcap, "--flows-out", flows, "--summary-json", summary]
    for s in sets:
        cmd += ["--set", s]
    cmd += list(extra)
    rc, out, err = run(cmd, timeout=timeout)
    return rc, read_flows(flows), read_json(summary), out + err


def read_json(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def read_flows(path):
    recs = []
    try:
        with open(path) as f:
            for line in f:
                line = line.strip()
                if line:
                    recs.append(json.loads(line))
    except OSError:
        pass
    return [r for r in recs if r.get("event_type") == "flow"]


def ts(s):
    """EVE timestamp ('2024-02-13T14:34:40.856323+0000') to seconds since the epoch."""
    return datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%f%z").timestamp()


def endpoints(r):
    return (r["src_ip"], r.get("src_port", 0)), (r["dest_ip"], r.get("dest_port", 0))


def tuple_key(r):
    """Order-insensitive 5-tuple of a flow record."""
    a, b = endpoints(r)
    return (r["proto"],) + tuple(sorted([a, b]))


def fmt_key(k):
    return "%s %s:%s <-> %s:%s" % (k[0], k[1][0], k[1][1], k[2][0], k[2][1])


def directional(r):
    """{(from, to): (pkts, bytes)} for both directions of a record."""
    a, b = endpoints(r)
    f = r["flow"]
    return {(a, b): (f["pkts_toserver"], f["bytes_toserver"]),
            (b, a): (f["pkts_toclient"], f["bytes_toclient"])}


def capture_count(pcap):
    """Frames in a capture according to capinfos -c (None if capinfos cannot tell)."""
    rc, out, _ = run(["capinfos", "-M", "-c", pcap])
    for line in out.splitlines():
        if "Number of packets" in line:
            try:
                return int(line.split(":", 1)[1].strip())
            except ValueError:
                return None
    return None
