# SPDX-License-Identifier: BSD-3-Clause
"""Processes the integration tests start: started with their output in a log,
waited for, stopped or killed, and all killed at the end whatever happened;
and mamori-store on a directory of its own, queried through store_client
(store/tests/store_client.c: Debian has no Python binding of nng)."""
import json
import os
import signal
import sqlite3
import subprocess
import time

import mamori_test as mt

STORE = os.path.join(mt.BUILD, "store", "mamori-store")
CLIENT = os.path.join(mt.BUILD, "store", "store_client")

# Every process started here, so that kill_all() leaves nothing behind.
PROCS = []


def wait_for(pred, timeout, step=0.1):
    """Calls pred until it returns something true or timeout seconds pass; its last value."""
    deadline = time.time() + timeout
    while True:
        v = pred()
        if v or time.time() >= deadline:
            return v
        time.sleep(step)


def start(cmd, log, **kw):
    """Starts cmd with stdout and stderr appended to the file log."""
    f = open(log, "ab")
    p = subprocess.Popen(cmd, stdout=f, stderr=subprocess.STDOUT, **kw)
    f.close()
    PROCS.append(p)
    return p


def stop(p, sig=signal.SIGTERM, timeout=30):
    """Sends sig and waits; kills after timeout seconds.  The exit status."""
    if p is None or p.poll() is not None:
        return p.returncode if p is not None else None
    p.send_signal(sig)
    try:
        return p.wait(timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        return p.wait()


def kill9(p):
    if p is not None and p.poll() is None:
        p.kill()
    if p is not None:
        p.wait()


def kill_all():
    for p in PROCS:
        if p.poll() is None:
            p.kill()
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass


class Store:
    """One mamori-store process on a database and run directory of its own."""

    def __init__(self, work, name="store", extra=()):
        self.dir = os.path.join(work, name)
        os.makedirs(self.dir, exist_ok=True)
        self.db = os.path.join(self.dir, "store.db")
        self.run = os.path.join(self.dir, "run")
        self.ingest = "ipc://%s/ingest.ipc" % self.run
        self.query_url = "ipc://%s/query.ipc" % self.run
        self.live = "ipc://%s/live.ipc" % self.run
        self.log = os.path.join(self.dir, "store.log")
        self.extra = list(extra)
        self.proc = None

    def start(self, timeout=15):
        """Starts the store; True once it answers queries."""
        self.proc = start([STORE, "--db", self.db, "--rundir", self.run,
                           "--retention-days", "0", "-l", "info"] + self.extra, self.log)

        def ready():
            if self.proc.poll() is not None:
                return True
            if not os.path.exists(os.path.join(self.run, "query.ipc")):
                return False
            a = self.query({"op": "stats"}, timeout=5)
            return a is not None and a.get("ok")
        wait_for(ready, timeout, 0.05)
        return self.proc.poll() is None

    def stop(self, sig=signal.SIGTERM, timeout=30):
        rc = stop(self.proc, sig, timeout)
        self.proc = None
        return rc

    def kill9(self):
        kill9(self.proc)
        self.proc = None

    def query(self, req, timeout=30):
        """One query-API request (a dict); the answer as a dict, or None."""
        try:
            p = subprocess.run([CLIENT, "query", self.query_url, json.dumps(req)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
        except subprocess.TimeoutExpired:
            return None
        try:
            return json.loads(p.stdout.decode())
        except ValueError:
            return None

    def count(self, **filters):
        a = self.query(dict(op="count", **filters), timeout=10)
        return a.get("count") if a and a.get("ok") else None

    def events(self, **filters):
        """Every event matching the filters through the query API, page by page;
        (events, None) or (None, what went wrong)."""
        out, after = [], None
        while True:
            req = dict(op="query", limit=10000, **filters)
            if after is not None:
                req["after"] = after
            a = self.query(req)
            if not a or not a.get("ok"):
                return None, "query failed: %r" % (a,)
            out += a.get("events", [])
            after = a.get("next")
            if after is None:
                return out, None

    def stats(self):
        a = self.query({"op": "stats"}) or {}
        return a.get("ingest", {})

    def log_text(self):
        with open(self.log) as f:
            return f.read()

    def rows(self, producer=None):
        return rows(self.db, producer)


def rows(db, producer=None):
    """[(producer, seq, raw)] as SQLite has them (WAL readers beside the writer are fine)."""
    con = sqlite3.connect(db, timeout=10)
    try:
        if producer is None:
            return con.execute("SELECT producer, seq, raw FROM events").fetchall()
        return con.execute("SELECT producer, seq, raw FROM events WHERE producer = ?",
                           (producer,)).fetchall()
    finally:
        con.close()
