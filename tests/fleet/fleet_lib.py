# SPDX-License-Identifier: BSD-3-Clause
"""Real servers for the fleet tests and benchmark: a PostgreSQL cluster made
with initdb in a temporary directory, a NATS JetStream cluster on loopback,
and the central mamori-store between them (Python 3 stdlib only)."""
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import time

PG_BIN = "/usr/lib/postgresql/15/bin"
NATS = shutil.which("nats-server") or "/usr/sbin/nats-server"


def missing_servers():
    """What is missing to run the fleet servers, or None."""
    if not os.access(NATS, os.X_OK):
        return "nats-server not found (apt-get install nats-server)"
    if not os.access(os.path.join(PG_BIN, "initdb"), os.X_OK):
        return "PostgreSQL 15 not found in %s (apt-get install postgresql)" % PG_BIN
    return None


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_or_kill(proc, timeout):
    """proc's exit status; killed when it has not exited within timeout seconds."""
    try:
        return proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.wait()


def stop_all(*servers):
    """stop() on each in order (stores before NATS and PostgreSQL); None is skipped."""
    for s in servers:
        if s is not None:
            s.stop()


def eve_lines(path):
    """The EVE JSON lines of a file ([] when there is none)."""
    try:
        with open(path, "rb") as f:
            return [l.rstrip(b"\n").decode() for l in f if l.strip()]
    except OSError:
        return []


def stored(pg, site):
    """The raw events PostgreSQL holds for site, sorted."""
    got = pg.psql("SELECT raw FROM events WHERE site = '%s' ORDER BY raw" % site)
    return got.split("\n") if got else []


def wait_for(pred, timeout, step=0.1):
    end = time.time() + timeout
    while time.time() < end:
        if pred():
            return True
        time.sleep(step)
    return pred()


class Postgres:
    """A PostgreSQL server of its own on 127.0.0.1 and a socket directory.  As
    root, the cluster belongs to 'nobody' (initdb refuses root)."""

    def __init__(self, workdir):
        self.dir = os.path.join(workdir, "pg")
        self.port = free_port()
        self.proc = None
        self.user = None
        self.log = os.path.join(workdir, "pg.log")

    def _as_owner(self, cmd):
        if os.geteuid() == 0:
            return ["runuser", "-u", "nobody", "--"] + cmd
        return cmd

    def start(self):
        os.makedirs(self.dir)
        if os.geteuid() == 0:
            nobody = pwd.getpwnam("nobody")
            os.chown(self.dir, nobody.pw_uid, nobody.pw_gid)
            os.chmod(os.path.dirname(self.dir), 0o755)
        self.user = "nobody" if os.geteuid() == 0 else pwd.getpwuid(os.geteuid()).pw_name
        data = os.path.join(self.dir, "data")
        r = subprocess.run(self._as_owner([os.path.join(PG_BIN, "initdb"), "-D", data, "-A",
                                           "trust", "-U", self.user, "--no-sync"]),
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        if r.returncode != 0:
            raise RuntimeError("initdb failed: %s" % r.stdout.decode()[-500:])
        self._spawn()
        self.psql("CREATE DATABASE mamori", db="postgres")

    def _spawn(self):
        data = os.path.join(self.dir, "data")
        logf = open(self.log, "ab")
        self.proc = subprocess.Popen(
            self._as_owner([os.path.join(PG_BIN, "postgres"), "-D", data, "-p", str(self.port),
                            "-k", self.dir, "-c", "listen_addresses=127.0.0.1",
                            "-c", "fsync=off", "-c", "max_connections=40"]),
            stdout=logf, stderr=logf)
        if not wait_for(lambda: self.psql("SELECT 1", db="postgres") == "1", 30, 0.2):
            raise RuntimeError("postgres did not start; see %s" % self.log)

    def restart(self):
        """Starts the server again on the same cluster after stop()."""
        self._spawn()

    def conninfo(self, db="mamori"):
        return "host=127.0.0.1 port=%d dbname=%s user=%s" % (self.port, db, self.user)

    def psql(self, sql, db="mamori"):
        """Runs one statement; returns its output (unaligned, tuples only) or None."""
        r = subprocess.run([os.path.join(PG_BIN, "psql") if os.path.exists(
            os.path.join(PG_BIN, "psql")) else "psql", "-X", "-q", "-A", "-t", "-h", "127.0.0.1",
            "-p", str(self.port), "-U", self.user, "-d", db, "-c", sql],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if r.returncode != 0:
            return None
        return r.stdout.decode().strip()

    def stop(self):
        """Fast shutdown (pg_ctl: runuser does not pass signals on to postgres)."""
        if self.proc is not None and self.proc.poll() is None:
            subprocess.run(self._as_owner([os.path.join(PG_BIN, "pg_ctl"), "stop", "-D",
                                           os.path.join(self.dir, "data"), "-m", "fast",
                                           "-w", "-t", "20"]),
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            wait_or_kill(self.proc, 20)
        self.proc = None


class NatsCluster:
    """n nats-server processes with JetStream, clustered over loopback routes."""

    def __init__(self, workdir, n=3):
        self.workdir = workdir
        self.n = n
        self.ports = [free_port() for _ in range(n)]
        self.cports = [free_port() for _ in range(n)]
        self.procs = [None] * n

    def urls(self, idx=None):
        idx = range(self.n) if idx is None else idx
        return ["nats://127.0.0.1:%d" % self.ports[i] for i in idx]

    def start(self, i):
        sd = os.path.join(self.workdir, "nats%d" % i)
        os.makedirs(sd, exist_ok=True)
        routes = ",".join("nats://127.0.0.1:%d" % p for j, p in enumerate(self.cports) if j != i)
        cmd = [NATS, "-js", "-sd", sd, "-a", "127.0.0.1", "-p", str(self.ports[i]),
               "-n", "n%d" % i, "--cluster_name", "mamori",
               "--cluster", "nats://127.0.0.1:%d" % self.cports[i], "--routes", routes]
        if self.n == 1:
            cmd = [NATS, "-js", "-sd", sd, "-a", "127.0.0.1", "-p", str(self.ports[i]), "-n", "n0"]
        log = open(os.path.join(self.workdir, "nats%d.log" % i), "ab")
        self.procs[i] = subprocess.Popen(cmd, stdout=log, stderr=log)

    def start_all(self):
        for i in range(self.n):
            self.start(i)
        for p in self.ports:
            wait_for(lambda: _port_open(p), 15)

    def kill(self, i):
        if self.procs[i] is not None:
            self.procs[i].kill()
            self.procs[i].wait()
            self.procs[i] = None

    def stop(self):
        for i in range(self.n):
            if self.procs[i] is not None:
                self.procs[i].terminate()
        for i in range(self.n):
            if self.procs[i] is not None:
                try:
                    self.procs[i].wait(10)
                except subprocess.TimeoutExpired:
                    self.procs[i].kill()
                self.procs[i] = None


def tree_cpu(pid):
    """CPU seconds (user + system) of a process and its descendants, counting
    children that have exited and been waited for."""
    ticks = os.sysconf("SC_CLK_TCK")
    kids = {}
    stats = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                st = f.read()
        except OSError:
            continue
        fields = st[st.rindex(")") + 2:].split()
        stats[int(d)] = fields
        kids.setdefault(int(fields[1]), []).append(int(d))
    total, pending = 0, [pid]
    while pending:
        p = pending.pop()
        if p in stats:
            f = stats[p]
            total += int(f[11]) + int(f[12]) + int(f[13]) + int(f[14])
        pending += kids.get(p, [])
    return total / ticks


def _port_open(port):
    try:
        socket.create_connection(("127.0.0.1", port), 0.5).close()
        return True
    except OSError:
        return False


class CentralStore:
    """mamori-store with store.backend postgresql, consuming from the cluster."""

    def __init__(self, build, workdir, pg, urls, replicas=3, ack_wait=2, batch=512, tag="store"):
        self.bin = os.path.join(build, "store", "mamori-store")
        self.client = os.path.join(build, "store", "store_client")
        self.workdir = workdir
        self.rundir = os.path.join(workdir, "run-" + tag)
        self.query = "ipc://%s/query.ipc" % self.rundir
        self.pg = pg
        self.urls = urls
        self.replicas = replicas
        self.ack_wait = ack_wait
        self.batch = batch
        self.log = os.path.join(workdir, tag + ".log")
        self.proc = None
        self.extra = []  # more -s settings (credentials, TLS)

    def start(self, timeout=30):
        sets = ["store.backend=postgresql",
                "store.postgresql.conninfo=%s" % self.pg.conninfo(),
                "store.jetstream.servers=[%s]" % ", ".join(self.urls),
                "store.jetstream.replicas=%d" % self.replicas,
                "store.jetstream.ack_wait_s=%d" % self.ack_wait,
                "store.jetstream.batch=%d" % self.batch] + self.extra
        cmd = [self.bin, "--rundir", self.rundir, "-l", "info"]
        for s in sets:
            cmd += ["-s", s]
        log = open(self.log, "ab")
        self.proc = subprocess.Popen(cmd, stdout=log, stderr=log)
        return wait_for(lambda: (self.stats() or {}).get("ingest", {}).get("consuming"),
                        timeout, 0.2)

    def ask(self, req, timeout=15):
        r = subprocess.run([self.client, "query", self.query, json.dumps(req)],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
        if r.returncode != 0:
            return None
        try:
            return json.loads(r.stdout.decode())
        except ValueError:
            return None

    def stats(self):
        if self.proc is None or self.proc.poll() is not None:
            return None
        a = self.ask({"op": "stats"})
        return a if a and a.get("ok") else None

    def stop(self, kill=False):
        if self.proc is None:
            return None
        if kill:
            self.proc.kill()
        else:
            self.proc.terminate()
        rc = wait_or_kill(self.proc, 30)
        self.proc = None
        return rc

    def log_text(self):
        try:
            with open(self.log, errors="replace") as f:
                return f.read()
        except OSError:
            return ""
