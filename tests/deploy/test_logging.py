# SPDX-License-Identifier: BSD-3-Clause
"""Where mamorid's and mamori-store's log lines go, and with which level.

  1. a terminal or a file: "prog: error: message", no level prefix;
  2. stderr that is the journal stream systemd gave ($JOURNAL_STREAM names
     its device and inode): each line starts with its syslog priority
     ("<3>error: ..."), which journald records as PRIORITY; a
     $JOURNAL_STREAM inherited from elsewhere (another file) is ignored;
  3. MAMORI_LOG_TARGET=journal forces the prefix; an unknown value is
     reported as a warning ("<4>") and the automatic choice stands;
  4. MAMORI_LOG_TARGET=syslog: syslog(3) datagrams, facility daemon, the
     program and pid as identifier, the level as priority, nothing on
     stderr.  The test receives them itself on a socket bound over /dev/log
     in a mount namespace of its own (root and unshare needed; that part is
     skipped otherwise).
The errors are real ones (a capture that does not exist, a database in a
directory that does not exist); no daemon stays running.
"""
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import mamori_test as mt  # noqa: E402

STORE = os.path.join(mt.BUILD, "store", "mamori-store")


def run(argv, work, env_extra, journal=False):
    """Runs argv with stderr to a file; returns (rc, stderr text)."""
    path = os.path.join(work, "stderr.%d" % len(os.listdir(work)))
    env = dict(os.environ)
    env.pop("JOURNAL_STREAM", None)
    env.pop("MAMORI_LOG_TARGET", None)
    env.update(env_extra)
    with open(path, "w") as f:
        if journal:
            st = os.fstat(f.fileno())
            env["JOURNAL_STREAM"] = "%d:%d" % (st.st_dev, st.st_ino)
        p = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=f, env=env, timeout=60)
    return p.returncode, open(path).read()


def main():
    mt.need_mamorid()
    work = tempfile.mkdtemp(prefix="test_logging.")
    t = mt.Checks(work)
    logs = os.path.join(work, "runs")
    os.mkdir(logs)
    missing = os.path.join(work, "no-such-capture.pcap")
    mamorid = [mt.MAMORID, "--pcap", missing]
    store = [STORE, "--db", os.path.join(work, "no-such-dir", "s.db"),
             "--rundir", os.path.join(work, "run")] if os.access(STORE, os.X_OK) else None

    # 1. Plain stderr.
    rc, err = run(mamorid, logs, {})
    t.check(rc != 0 and re.search(r"^mamorid: error: capture '.*no-such-capture", err, re.M)
            and "<3>" not in err, "stderr: 'mamorid: error: ...', no level prefix", err.strip())

    # 2. The journal stream.
    rc, err = run(mamorid, logs, {}, journal=True)
    t.check(re.match(r"^<3>error: capture '.*no-such-capture", err) is not None,
            "journal stream: '<3>error: ...'", err.strip())
    rc, err = run(mamorid, logs, {"JOURNAL_STREAM": "1:1"})
    t.check(err.startswith("mamorid: error:"),
            "a $JOURNAL_STREAM that is not stderr is ignored", err.strip())
    if store:
        rc, err = run(store, logs, {}, journal=True)
        lines = err.strip().splitlines()
        t.check(rc != 0 and lines and all(re.match(r"^<[3-7]>", ln) for ln in lines) and
                any(ln.startswith("<3>error:") for ln in lines),
                "mamori-store on the journal stream: every line carries its level", lines)

    # 3. Forced, and unknown, targets.
    rc, err = run(mamorid, logs, {"MAMORI_LOG_TARGET": "journal"})
    t.check(err.startswith("<3>error: capture"), "MAMORI_LOG_TARGET=journal forces the prefix",
            err.strip())
    rc, err = run(mamorid, logs, {"MAMORI_LOG_TARGET": "elsewhere"}, journal=True)
    lines = err.strip().splitlines()
    t.check(len(lines) == 2 and lines[0].startswith("<4>warning: MAMORI_LOG_TARGET") and
            "'elsewhere'" in lines[0] and lines[1].startswith("<3>error:"),
            "an unknown MAMORI_LOG_TARGET: a warning naming it, then the journal as chosen",
            lines)
    rc, err = run(mamorid, logs, {"MAMORI_LOG_TARGET": "stderr"}, journal=True)
    t.check(err.startswith("mamorid: error:"), "MAMORI_LOG_TARGET=stderr: no prefix",
            err.strip())

    # 4. syslog, received on our own /dev/log.
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        t.note("not root or no unshare: syslog output not checked")
        t.finish()
    sock_path = os.path.join(work, "log.sock")
    rx = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    rx.bind(sock_path)
    rx.settimeout(5)
    inner = ("mount --make-rprivate / && mount -t tmpfs tmpfs /dev && touch /dev/log && "
             "mount --bind %s /dev/log && exec \"$@\"" % sock_path)
    got = {}
    for name, argv in (("mamorid", mamorid), ("mamori-store", store)):
        if argv is None:
            continue
        cmd = ["unshare", "--mount", "sh", "-c", inner, "sh"] + argv
        rc, err = run(cmd, logs, {"MAMORI_LOG_TARGET": "syslog"})
        if "mount" in err and rc != 0 and not err.startswith(name):
            t.note("cannot bind a socket over /dev/log here (%s): syslog not checked" %
                   err.strip()[:200])
            break
        msgs = []
        try:
            while True:
                msgs.append(rx.recv(4096).decode("utf-8", "replace"))
                rx.settimeout(0.5)
        except socket.timeout:
            rx.settimeout(5)
        got[name] = msgs
        errs = [m for m in msgs if re.match(r"^<27>.*%s\[\d+\]: error: " % re.escape(name), m)]
        t.check(rc != 0 and errs and err.strip() == "",
                "%s with MAMORI_LOG_TARGET=syslog: <27> (daemon.err) '%s[pid]: error: ...', "
                "nothing on stderr" % (name, name), msgs[:3] + ([err.strip()] if err else []))
    rx.close()
    t.finish()


if __name__ == "__main__":
    main()
