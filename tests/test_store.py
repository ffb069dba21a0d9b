#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""mamori-store end to end, with real processes, real sockets and real SQLite
files (store/tests/store_client.c is the nng client: Debian has no Python
binding of nng).

  * the command line: --help names every long option, unknown options and
    unknown keys of the store: section exit 2 naming them, other sections of
    a shared file are left alone;
  * ingest over ipc: every batch acknowledged, every event stored exactly once,
    a resend stored nothing twice and is counted as duplicates;
  * kill -9 in the middle of a stream: every event acknowledged before the
    kill is in the database; the client's resend of what was not acknowledged
    completes the set exactly once (both with a new client and with the same
    client waiting across the restart, whose requests nng sends again);
  * malformed batches are answered with a non-zero status and counted;
  * queries: type, time range (ns and RFC 3339), prefix, text, plugin, paging
    with cursors, malformed requests;
  * the live view republishes committed events as "<type> <json>";
  * a tls+tcp listener on 127.0.0.1 with certificates made here with openssl
    takes a client with a certificate from its CA and refuses others;
  * SIGTERM: exit 0, the data is there after a restart; a database from a
    newer schema is refused.

The ingest rate is printed (informally: the machine may be shared).
"""
import grp
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import mamori_test as mt  # noqa: E402
import procs  # noqa: E402

STORE = procs.STORE
CLIENT = procs.CLIENT
T0 = 1750000000 * 10**9  # 2025-06-15T15:06:40Z: events of the tests start here
MS = 10**6
EBADMSG = 74


class Store(procs.Store):
    def seqs(self, producer):
        """The seqs SQLite has of producer."""
        return [r[1] for r in self.rows(producer)]


def send(url, producer, first, count, batch, extra=(), timeout=120):
    """Runs the client; returns (rc, acks [(producer, seq, status, reason)], output)."""
    cmd = [CLIENT, "send", url, "--producer", str(producer), "--first", str(first),
           "--count", str(count), "--batch", str(batch), "--ts", str(T0), "--step", str(MS)]
    p = subprocess.run(cmd + list(extra), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=timeout)
    out = p.stdout.decode("utf-8", "replace")
    return p.returncode, parse_acks(out), out


def parse_acks(out):
    acks = []
    for line in out.splitlines():
        f = line.split(" ", 4)
        if f[0] == "ack" and len(f) >= 4:
            acks.append((int(f[1]), int(f[2]), int(f[3]), f[4] if len(f) > 4 else ""))
    return acks


def done_line(out):
    m = re.search(r"^done .*$", out, re.M)
    return m.group(0) if m else "(no summary)"


def long_options():
    with open(os.path.join(mt.SRC, "store", "main.c")) as f:
        src = f.read()
    m = re.search(r"struct option long_opts\[\]\s*=\s*\{(.*?)\};", src, re.S)
    return re.findall(r'\{\s*"([a-z0-9-]+)"', m.group(1)) if m else []


def test_cli(t, work):
    rc, out, err = mt.run([STORE, "--help"])
    opts = long_options()
    missing = [o for o in opts if "--" + o not in out]
    t.check(rc == 0 and opts and not missing,
            "--help exits 0 (%d) and names all %d long options" % (rc, len(opts)),
            ["missing: " + " ".join(missing)] if missing else None)
    rc, out, err = mt.run([STORE, "--no-such-option"])
    t.check(rc == 2 and "no-such-option" in err, "an unknown option exits 2 (%d)" % rc)

    cfg = os.path.join(work, "shared.yaml")
    with open(cfg, "w") as f:
        f.write("# a file shared with mamorid: its sections are not the store's business\n"
                "flow:\n  timeouts:\n    udp: 2m\n"
                "store:\n  db: %s/x.db\n  ingest: [ipc://%s/a.ipc, tcp://127.0.0.1:7450]\n"
                "  retention:\n    days: 7\n    max_size_mb: 100\n"
                "  tls:\n    require_client: false\n" % (work, work))
    rc, out, err = mt.run([STORE, "-c", cfg, "--check-config"])
    t.check(rc == 0, "--check-config on a shared file with a store: section exits 0 (%d)" % rc,
            err.splitlines()[:2])
    bad = os.path.join(work, "typo.yaml")
    with open(bad, "w") as f:
        f.write("store:\n  retention:\n    dayz: 7\n")
    rc, out, err = mt.run([STORE, "-c", bad, "--check-config"])
    t.check(rc == 2 and "%s:3:" % bad in err and "store.retention.dayz" in err,
            "an unknown key exits 2 (%d) naming file:line and store.retention.dayz" % rc,
            err.splitlines()[:2])
    rc, out, err = mt.run([STORE, "--retention-days", "many", "--check-config"])
    t.check(rc == 2 and "store.retention.days" in err,
            "--retention-days many exits 2 (%d) naming store.retention.days" % rc,
            err.splitlines()[:2])
    rc, out, err = mt.run([STORE, "--listen", "ipc:///tmp/x.ipc", "--listen", "udp://1.2.3.4:5",
                           "--check-config"])
    t.check(rc == 2 and "udp://1.2.3.4:5" in err and "store.ingest" in err,
            "--listen udp://... exits 2 (%d) naming the URL" % rc, err.splitlines()[:2])
    rc, out, err = mt.run([STORE, "--listen", "tls+tcp://127.0.0.1:7450", "--check-config"])
    t.check(rc == 2 and "store.tls.cert" in err,
            "a tls+tcp URL without a certificate exits 2 (%d)" % rc, err.splitlines()[:2])
    rc, out, err = mt.run([STORE, "--tls-require-client", "--check-config"])
    t.check(rc == 2 and "store.tls.ca" in err,
            "--tls-require-client without a CA exits 2 (%d)" % rc, err.splitlines()[:2])
    rc, out, err = mt.run([STORE, "--writer-nice", "-30", "--check-config"])
    t.check(rc == 2 and "store.writer_nice" in err and "-20 to 19" in err,
            "--writer-nice -30 exits 2 (%d) naming store.writer_nice and its range" % rc,
            err.splitlines()[:2])


def thread_nice(pid, name):
    """The nice value of pid's thread called name, or None."""
    for tid in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/comm" % (pid, tid)) as f:
                if f.read().strip() != name:
                    continue
            with open("/proc/%d/task/%s/stat" % (pid, tid)) as f:
                # The fields after the command name, which ends at the last ')'.
                return int(f.read().rsplit(")", 1)[1].split()[16])
        except OSError:
            continue
    return None


def test_writer_nice(t, st):
    nice = thread_nice(st.proc.pid, "store-writer")
    if os.geteuid() == 0:
        t.check(nice == -10, "the writer thread runs at nice -10 (%s), the default" % nice)
    else:
        t.check(nice == os.getpriority(os.PRIO_PROCESS, 0) and
                "stays at nice" in st.log_text(),
                "unprivileged, the writer stays at the process's nice value (%s) and the "
                "log says why" % nice)


def test_ingest(t, st):
    n, batch = 20000, 500
    rc, acks, out = send(st.ingest, 1, 1, n, batch)
    ok = [a for a in acks if a[2] == 0]
    t.check(rc == 0 and len(ok) == n // batch and acks[-1][1] == n,
            "%d events in batches of %d: %d acks, all status 0, last seq %d" % (
                n, batch, len(ok), acks[-1][1] if acks else -1), [done_line(out)])
    seqs = st.seqs(1)
    t.check(sorted(seqs) == list(range(1, n + 1)), "every event stored exactly once (%d rows)"
            % len(seqs))
    rc, acks, out = send(st.ingest, 1, 1, n, batch)
    seqs = st.seqs(1)
    s = st.query({"op": "stats"}) or {}
    ing = s.get("ingest", {})
    t.check(rc == 0 and len(seqs) == n and ing.get("duplicates") == n,
            "a resend of all %d is acknowledged, stores nothing twice (%d rows), counts %s "
            "duplicates" % (n, len(seqs), ing.get("duplicates")))
    con = sqlite3.connect(st.db)
    nflow = con.execute("SELECT count(*) FROM flow JOIN events USING (id) WHERE producer = 1"
                        ).fetchone()[0]
    bad_addr = con.execute("SELECT count(*) FROM events WHERE producer = 1 AND "
                           "(length(src_addr) != 16 OR length(dest_addr) != 16)").fetchone()[0]
    con.close()
    t.check(nflow == n and bad_addr == 0,
            "each flow event has its flow row (%d) and 16-byte address keys" % nflow)


def test_rate(t, st):
    n = 200000
    rc, acks, out = send(st.ingest, 2, 1, n, 1000, ["--inflight", "4", "--quiet"])
    line = done_line(out)
    t.check(rc == 0 and len(st.seqs(2)) == n, "%d events with 4 batches in flight: %s" % (n, line))
    t.note("ingest rate (informal; the machine may be shared): %s" % line)


def test_kill9(t, st):
    n, batch = 60000, 500
    cmd = [CLIENT, "send", st.ingest, "--producer", "3", "--first", "1", "--count", str(n),
           "--batch", str(batch), "--ts", str(T0), "--step", str(MS)]
    client = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    lines = []
    while len(lines) < 30:
        line = client.stdout.readline().decode()
        if not line:
            break
        lines.append(line)
    st.kill9()  # kill -9 in the middle of the stream
    client.kill()
    rest, _ = client.communicate()
    acks = parse_acks("".join(lines) + rest.decode("utf-8", "replace"))
    acked = max([a[1] for a in acks if a[2] == 0] or [0])
    stored = set(st.seqs(3))
    lost = [s for s in range(1, acked + 1) if s not in stored]
    t.check(acked > 0 and acked < n and not lost,
            "kill -9 after %d acknowledged events: all of them are in the database "
            "(%d stored, %d missing)" % (acked, len(stored), len(lost)))
    t.check(st.start(), "the store restarts on the same database after kill -9")
    # Resend from two batches before the last acknowledged: those are duplicates.
    first = max(1, acked - 2 * batch + 1)
    rc, acks, out = send(st.ingest, 3, first, n - first + 1, batch)
    seqs = st.seqs(3)
    t.check(rc == 0 and sorted(seqs) == list(range(1, n + 1)),
            "the resend from seq %d completes the set exactly once (%d rows of %d)" % (
                first, len(seqs), n))

    # The same client across a kill and restart: nng sends its request again.
    client = subprocess.Popen(cmd[:4] + ["4"] + cmd[5:] + ["--resend", "500", "--timeout",
                                                            "30000"],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    lines = []
    while len(lines) < 20:
        line = client.stdout.readline().decode()
        if not line:
            break
        lines.append(line)
    st.kill9()
    time.sleep(0.3)
    restarted = st.start()
    out, _ = client.communicate(timeout=120)
    seqs = st.seqs(4)
    t.check(restarted and client.returncode == 0 and sorted(seqs) == list(range(1, n + 1)),
            "a client waiting across kill -9 and restart completes, every event once "
            "(rc %s, %d rows)" % (client.returncode, len(seqs)),
            [done_line(out.decode("utf-8", "replace"))])


def test_malformed(t, st):
    before = (st.query({"op": "stats"}) or {}).get("ingest", {}).get("rejected", 0)
    for kind, expect in (("garbage", "magic"), ("badjson", "event 1"), ("badversion", "version")):
        p = subprocess.run([CLIENT, "raw", st.ingest, kind], stdout=subprocess.PIPE, timeout=30)
        acks = parse_acks(p.stdout.decode())
        t.check(acks and acks[0][2] == EBADMSG and expect in acks[0][3],
                "a malformed batch (%s) gets status %d and a reason with '%s'" % (
                    kind, EBADMSG, expect), [p.stdout.decode().strip()])
    s = st.query({"op": "stats"}) or {}
    t.check(s.get("ingest", {}).get("rejected") == before + 3,
            "the store counts them: rejected %s" % s.get("ingest", {}).get("rejected"))
    t.check(len(st.seqs(99)) == 0, "nothing of a refused batch is stored")


def page_all(st, req, limit):
    seen, after, pages = [], None, 0
    while True:
        q = dict(req, op="query", limit=limit)
        if after:
            q["after"] = after
        a = st.query(q)
        if not a or not a.get("ok"):
            return None, pages
        seen += [e["x_seq"] for e in a["events"]]
        pages += 1
        after = a["next"]
        if after is None:
            return seen, pages


def test_queries(t, st):
    def count(**kw):
        a = st.query(dict(kw, op="count"))
        return a.get("count") if a and a.get("ok") else a

    # Producer 1 holds seqs 1..20000 at T0 + (seq - 1) ms, flows.
    t.check(count(producer=1, type="flow") == 20000, "count by type and producer")
    t.check(count(producer=1, since=T0 + 1000 * MS, until=T0 + 2000 * MS) == 1000,
            "a time range in ns: 1000 events in one second")
    t.check(count(producer=1, since="2025-06-16T00:06:45+09:00",
                  until="2025-06-15T15:06:46Z") == 1000,
            "a time range in RFC 3339 with offsets: 1000 events")
    t.check(count(producer=1, ip="10.0.0.0/8") == 10000,
            "ip=10.0.0.0/8 matches the even seqs (sources in 10/8): 10000")
    t.check(count(producer=1, ip="172.16.0.0/12") == 10000 and
            count(producer=1, ip="198.51.100.7") == 80,
            "ip=172.16.0.0/12 (sources) and a single destination address")
    a = st.query({"op": "query", "producer": 1, "text": "\"x_seq\":12345,"})
    t.check(a and a.get("ok") and [e["x_seq"] for e in a["events"]] == [12345],
            "text: a substring of the raw JSON finds one event")
    rc, acks, out = send(st.ingest, 5, 1, 100, 50, ["--plugin", "c2detect", "--type", "c2_beacon"])
    t.check(count(plugin="c2detect") == 100 and count(type="c2_beacon") == 100,
            "plugin and an event type without a table of its own")
    types = st.query({"op": "types"}) or {}
    t.check("c2_beacon" in types.get("types", []) and "flow" in types.get("types", []),
            "types lists the stored event types", [json.dumps(types)[:200]])
    seen, pages = page_all(st, {"producer": 1, "ip": "10.0.0.0/8"}, 999)
    t.check(seen == list(range(2, 20001, 2)) and pages == 11,
            "paging 10000 events by 999 with cursors: each once, in order, %d pages" % pages)
    seen, pages = page_all(st, {"producer": 1, "order": "desc", "since": T0 + 19000 * MS}, 300)
    t.check(seen == list(range(20000, 19000, -1)),
            "paging newest first: 1000 events in %d pages" % pages)
    for req in ({"op": "query", "limit": 10001}, {"op": "query", "ip": "10.0.0.0/40"},
                {"op": "qeury"}, {"op": "query", "sinse": 5}):
        a = st.query(req) or {}
        t.check(a.get("ok") is False and a.get("error"),
                "malformed request %s: ok false, %s" % (json.dumps(req), a.get("error")))
    s = st.query({"op": "stats"}) or {}
    t.check(s.get("ok") and s["types"].get("flow", 0) > 0 and s["db"]["file_bytes"] > 0 and
            "retention" in s, "stats: rows per type, database size, retention, counters",
            [json.dumps(s)[:300]])


def test_live(t, st):
    sub = subprocess.Popen([CLIENT, "sub", st.live, "flow ", "200", "10000"],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    first = sub.stdout.readline().decode().strip()
    time.sleep(0.3)  # the subscription travels to the publisher
    send(st.ingest, 6, 1, 200, 50)
    # Events of another type are not for this subscriber.
    send(st.ingest, 7, 1, 10, 10, ["--type", "alert"])
    try:
        out, _ = sub.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        sub.kill()
        out, _ = sub.communicate()
    msgs = [m for m in out.decode().splitlines() if m.startswith("flow ")]
    try:
        seqs = [json.loads(m[5:])["x_seq"] for m in msgs]
        ok = len(seqs) > 0
    except ValueError:
        ok, seqs = False, []
    # pub/sub is lossy by design (a slow subscriber's queue drops the oldest): what the
    # live view promises is committed events of the subscribed type, each at most once.
    t.check(first == "subscribed" and ok and len(set(seqs)) == len(seqs) and
            set(seqs) <= set(range(1, 201)),
            "the live view republishes committed events as 'flow <json>' (%d of 200 reached "
            "the subscriber)" % len(msgs))
    if len(msgs) < 200:
        t.note("the live view dropped %d of 200 events for a slow subscriber "
               "(lossy by design)" % (200 - len(msgs)))


def openssl(args, cwd):
    p = subprocess.run(["openssl"] + args, cwd=cwd, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=60)
    if p.returncode != 0:
        raise RuntimeError("openssl %s: %s" % (" ".join(args), p.stderr.decode()))


def make_certs(d):
    os.makedirs(d, exist_ok=True)
    for ca in ("ca", "otherca"):
        openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                 "-subj", "/CN=%s" % ca, "-keyout", ca + ".key", "-out", ca + ".crt"], d)

    def leaf(name, ca, cn, server):
        openssl(["req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=%s" % cn,
                 "-keyout", name + ".key", "-out", name + ".csr"], d)
        ext = os.path.join(d, name + ".ext")
        with open(ext, "w") as f:
            f.write("subjectAltName=DNS:localhost,IP:127.0.0.1\n" if server else
                    "extendedKeyUsage=clientAuth\n")
        openssl(["x509", "-req", "-in", name + ".csr", "-CA", ca + ".crt", "-CAkey", ca + ".key",
                 "-CAcreateserial", "-days", "2", "-extfile", ext, "-out", name + ".crt"], d)
        with open(os.path.join(d, name + ".pem"), "w") as out:
            for part in (name + ".crt", name + ".key"):
                with open(os.path.join(d, part)) as f:
                    out.write(f.read())

    leaf("server", "ca", "localhost", True)
    leaf("good", "ca", "exporter-good", False)
    leaf("bad", "otherca", "exporter-bad", False)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_tls(t, work):
    if shutil.which("openssl") is None:
        t.note("openssl not installed: TLS checks skipped")
        return
    certs = os.path.join(work, "certs")
    try:
        make_certs(certs)
    except RuntimeError as e:
        t.check(False, "certificates made with openssl", [str(e)])
        return
    url = "tls+tcp://127.0.0.1:%d" % free_port()
    c = lambda f: os.path.join(certs, f)  # noqa: E731
    # This store also runs with synchronous=FULL and an operators' group for its ipc sockets.
    try:
        group = grp.getgrnam("daemon").gr_name
    except KeyError:
        group = None
    st = Store(work, "tls", ["--listen", url, "--tls-cert", c("server.crt"), "--tls-key",
                             c("server.key"), "--tls-ca", c("ca.crt"), "--tls-require-client",
                             "--synchronous", "full"] + (["--group", group] if group else []))
    if not t.check(st.start(), "a store with a tls+tcp listener starts (%s)" % url,
                   st.log_text().splitlines()[-3:]):
        return
    if group:
        d = os.stat(st.run)
        q = os.stat(os.path.join(st.run, "query.ipc"))
        t.check(d.st_mode & 0o777 == 0o750 and q.st_mode & 0o777 == 0o660 and
                d.st_gid == q.st_gid == grp.getgrnam(group).gr_gid,
                "--group %s: runtime directory 0750 (%o), sockets 0660 (%o), both of the group"
                % (group, d.st_mode & 0o777, q.st_mode & 0o777))
    common = ["--tls-ca", c("ca.crt"), "--server-name", "localhost", "--timeout", "4000"]
    rc, acks, out = send(url, 10, 1, 1000, 100, ["--tls-cert", c("good.pem")] + common)
    t.check(rc == 0 and len(acks) == 10 and len(st.seqs(10)) == 1000,
            "a client with a certificate from the store's CA is served (%d acks)" % len(acks),
            out.splitlines()[-2:])
    rc, acks, out = send(url, 11, 1, 100, 100, ["--tls-cert", c("bad.pem")] + common, timeout=60)
    t.check(rc != 0 and not acks and not st.seqs(11),
            "a client with a certificate from another CA is refused (rc %d)" % rc,
            out.splitlines()[-2:])
    rc, acks, out = send(url, 12, 1, 100, 100, common, timeout=60)
    t.check(rc != 0 and not acks and not st.seqs(12),
            "a client without a certificate is refused (rc %d)" % rc, out.splitlines()[-2:])
    rc = st.stop()
    t.check(rc == 0, "the TLS store stops cleanly (exit %s)" % rc)
    check_sanitizers(t, st)


def check_sanitizers(t, st):
    """In sanitizer builds, a report in a store's log is a failure."""
    bad = [ln for ln in st.log_text().splitlines()
           if "Sanitizer" in ln or "runtime error:" in ln]
    t.check(not bad, "no sanitizer reports in %s" % st.log, bad[:5])


def test_shutdown(t, st, work):
    before = len(st.seqs(1))
    rc = st.stop(signal.SIGTERM)
    log = st.log_text()
    t.check(rc == 0 and "stopped:" in log, "SIGTERM: exit 0 (%s) with a summary line" % rc)
    t.check(not os.path.exists(st.db + "-wal") or os.path.getsize(st.db + "-wal") == 0,
            "the WAL is checkpointed away at exit")
    ok = st.start()
    t.check(ok and len(st.seqs(1)) == before == 20000, "after a restart the data is there")
    st.stop()

    newer = os.path.join(work, "newer.db")
    shutil.copy(st.db, newer)
    con = sqlite3.connect(newer)
    con.execute("PRAGMA user_version = 99")
    con.commit()
    con.close()
    rc, out, err = mt.run([STORE, "--db", newer, "--rundir", os.path.join(work, "newer-run")],
                          timeout=30)
    t.check(rc == 1 and "newer" in err and newer in err,
            "a database of schema version 99 is refused (exit %d), naming the file" % rc,
            err.splitlines()[:2])
    check_sanitizers(t, st)


def main():
    for exe in (STORE, CLIENT):
        if not os.access(exe, os.X_OK):
            mt.skip("%s not found: build first; skipping" % exe)
    work = tempfile.mkdtemp(prefix="test_store.")
    t = mt.Checks(work)
    t0 = time.time()
    st = Store(work, "main")
    try:
        test_cli(t, work)
        if not t.check(st.start(), "mamori-store starts on ipc sockets in %s" % st.run):
            print(st.log_text())
            t.finish()
        mode = os.stat(st.run).st_mode & 0o777
        sock = os.stat(os.path.join(st.run, "ingest.ipc")).st_mode & 0o777
        t.check(mode == 0o700 and sock == 0o600,
                "runtime directory 0700 (%o), sockets 0600 (%o)" % (mode, sock))
        test_writer_nice(t, st)
        test_ingest(t, st)
        test_rate(t, st)
        test_kill9(t, st)
        test_malformed(t, st)
        test_queries(t, st)
        test_live(t, st)
        test_tls(t, work)
        test_shutdown(t, st, work)
    finally:
        if st.proc is not None:
            st.stop()
    t.note("%.1f s" % (time.time() - t0))
    t.finish()


if __name__ == "__main__":
    main()
