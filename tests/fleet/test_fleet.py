# SPDX-License-Identifier: BSD-3-Clause
"""Fleet mode end to end: three appliances (mamorid --pcap on three captures,
sites pop-a, pop-b, pop-c) export through their JetStream sinks to a 3-node
NATS cluster (JetStream, stream replicated 3 times), and the central
mamori-store consumes the stream into PostgreSQL.  During the run one NATS
node is killed (kill -9) and later restarted, the central store is killed
(kill -9) and restarted, and PostgreSQL is stopped while a round exports,
then restarted.  Every event each appliance exported (its
--eve file, byte for byte what the exporter published) must be in
PostgreSQL exactly once, under its site; the query API must answer with a
site filter as the SQLite store does without one.

Servers are started here, on loopback: initdb + postgres in a temporary
directory (as 'nobody' when run as root), nats-server x 3.  Skips (77)
without nats-server, PostgreSQL or the shared captures."""
import collections
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
sys.path.insert(0, HERE)
import mamori_test as mt  # noqa: E402
import fleet_lib as fl  # noqa: E402

CAPTURES = {"pop-a": "iot/ssh-bruteforce.pcap",
            "pop-b": "c2/test-cc-capture-2.pcap",
            "pop-c": "iot/hidenseek-iot-bot.pcap"}
ROUNDS = 3


def run_sites(workdir, urls, rnd, during=None):
    """One mamorid --pcap per site, all at once; during() runs while they do."""
    procs = {}
    for site, cap in CAPTURES.items():
        st = os.path.join(workdir, "state-" + site)
        os.makedirs(st, exist_ok=True)
        eve = os.path.join(workdir, "%s.%d.eve" % (site, rnd))
        log = open(os.path.join(workdir, "%s.%d.log" % (site, rnd)), "wb")
        cmd = [mt.MAMORID, "-q", "--pcap", os.path.join(mt.DATA, "pcap", cap), "--eve", eve,
               "-s", "export.store=%s?site=%s" % (",".join(urls), site),
               "-s", "state_dir=%s" % st, "-s", "export.batch_events=32",
               "-s", "export.batch_delay=20ms", "-s", "export.flush_timeout=40s",
               "-l", "info"]
        procs[site] = (subprocess.Popen(cmd, stdout=log, stderr=log), eve, log.name)
    if during is not None:
        during()
    out = {}
    for site, (p, eve, log) in procs.items():
        rc = fl.wait_or_kill(p, 90)
        with open(log, errors="replace") as f:
            text = f.read()
        out[site] = (rc, eve, text)
    return out


def main():
    mt.need_mamorid()
    mt.need_data()
    why = fl.missing_servers()
    if why:
        mt.skip(why)
    for cap in CAPTURES.values():
        if not os.path.exists(os.path.join(mt.DATA, "pcap", cap)):
            mt.skip("capture %s missing" % cap)
    workdir = tempfile.mkdtemp(prefix="mm-fleet-")
    os.chmod(workdir, 0o755)
    t = mt.Checks(workdir)
    pg = fl.Postgres(workdir)
    nats = fl.NatsCluster(workdir, 3)
    store = None
    try:
        pg.start()
        nats.start_all()
        t.check(True, "PostgreSQL on 127.0.0.1:%d, NATS cluster on %s" %
                (pg.port, ", ".join(nats.urls())))
        store = fl.CentralStore(mt.BUILD, workdir, pg, nats.urls(), replicas=3, ack_wait=2)
        t.check(store.start(), "the central store creates the stream (3 replicas) and consumes",
                store.log_text().splitlines()[-5:])
        results = []

        def kill_node():
            time.sleep(0.3)
            nats.kill(0)
            t.note("NATS node n0 killed (kill -9) while the appliances export")

        def restart_store():
            time.sleep(0.3)
            store.stop(kill=True)
            t.note("central store killed (kill -9) while the appliances export")
            time.sleep(1.0)
            t.check(store.start(), "the central store restarts and consumes again")

        for rnd in range(ROUNDS):
            during = {0: kill_node, 1: restart_store}.get(rnd)
            if rnd == 2:
                nats.start(0)
                t.note("NATS node n0 restarted")
            res = run_sites(workdir, nats.urls(), rnd, during)
            for site, (rc, eve, text) in sorted(res.items()):
                line = [l for l in text.splitlines() if l.startswith("export to ")]
                t.check(rc == 0 and line and " 0 waiting in the spool, 0 dropped, 0 refused"
                        in line[-1], "round %d, %s: mamorid exits 0 with every event committed"
                        % (rnd, site), line[-1:] or text.splitlines()[-5:])
            results.append(res)

        # PostgreSQL goes away: the appliance still exports (into the stream), the central
        # store keeps its batch and retries; PostgreSQL back, it all arrives.
        pg.stop()
        t.note("PostgreSQL stopped")
        res = run_sites(workdir, nats.urls(), ROUNDS, None)
        t.check(all(rc == 0 for rc, _, _ in res.values()),
                "round %d, PostgreSQL down: every appliance's events are acknowledged by the "
                "stream" % ROUNDS)
        results.append(res)
        time.sleep(1.5)
        pg.restart()
        t.note("PostgreSQL restarted")

        expected = collections.defaultdict(list)
        for res in results:
            for site, (rc, eve, text) in res.items():
                expected[site] += fl.eve_lines(eve)
        total = sum(len(v) for v in expected.values())
        t.check(total > 0 and all(expected.values()), "appliances exported %d events (%s)" % (
            total, ", ".join("%s %d" % (s, len(v)) for s, v in sorted(expected.items()))))

        fl.wait_for(lambda: pg.psql("SELECT count(*) FROM events") == str(total), 60, 0.5)
        for site in sorted(expected):
            got = fl.stored(pg, site)
            want = sorted(expected[site])
            missing = len(collections.Counter(want) - collections.Counter(got))
            extra = len(collections.Counter(got) - collections.Counter(want))
            t.check(got == want, "%s: every exported event is in PostgreSQL exactly once "
                    "(%d events; %d missing, %d extra)" % (site, len(want), missing, extra))
        dup = pg.psql("SELECT count(*) - count(DISTINCT (producer, seq)) FROM events")
        t.check(dup == "0", "no (producer, seq) stored twice")

        st = store.stats() or {}
        ing = st.get("ingest", {})
        t.note("store after restart: %s" % ing)
        t.check(ing.get("failed", 0) > 0, "the store kept its batch and retried while "
                "PostgreSQL was down (%s failed attempts); queries reconnected" %
                ing.get("failed"))
        t.check(st.get("rows") == total and st.get("sites", {}).get("pop-b") ==
                len(expected["pop-b"]), "stats: %s rows, per site %s" % (st.get("rows"),
                                                                         st.get("sites")))
        a = store.ask({"op": "count", "site": "pop-a", "type": "flow"})
        t.check(a and a.get("count") == sum(1 for l in expected["pop-a"] if
                                             '"event_type":"flow"' in l),
                "count with a site filter: %s" % a)
        a = store.ask({"op": "query", "site": "pop-c", "limit": 5, "order": "desc"})
        b = a and a.get("next") and store.ask({"op": "query", "site": "pop-c", "limit": 5,
                                                "order": "desc", "after": a["next"]})
        c = store.ask({"op": "query", "site": "pop-c", "limit": 10, "order": "desc"})
        t.check(a and len(a["events"]) == 5 and b and c and a["events"] + b["events"] ==
                c["events"] and all(e.get("src_ip") for e in c["events"]),
                "query with a site filter pages by cursor (2 pages of 5 = 1 page of 10)")
        a = store.ask({"op": "types"})
        t.check(a and a.get("sites") == sorted(expected), "types lists the sites: %s" %
                (a or {}).get("sites"))
        ctl = os.path.join(mt.BUILD, "tools", "mamorictl", "mamorictl")
        if os.access(ctl, os.X_OK):
            check_mamorictl(t, ctl, store, expected)
        else:
            t.note("%s not built: its checks skipped" % ctl)
        a = store.ask({"op": "count", "site": ""})
        t.check(a and not a.get("ok") and "non-empty" in a.get("error", ""),
                "an empty site is refused: %s" % a)
        rc = store.stop()
        store = None
        t.check(rc == 0, "the central store stops cleanly on SIGTERM (exit %s)" % rc)
    finally:
        fl.stop_all(store, nats, pg)
    sys.exit(t.finish())


def check_mamorictl(t, ctl, store, expected):
    """mamorictl against the central store, with the site filter."""
    rc, out, err = mt.run([ctl, "events", "--store", store.query, "--site", "pop-b", "--count"])
    t.check(rc == 0 and out.strip() == str(len(expected["pop-b"])),
            "mamorictl events --site pop-b --count: %s" % (out.strip() or err.strip()))
    rc, out, err = mt.run([ctl, "events", "--store", store.query, "--site", "pop-a",
                           "--type", "flow", "--limit", "3"])
    evs = [json.loads(l) for l in out.splitlines() if l.strip()]
    want = [json.loads(l) for l in expected["pop-a"]]
    t.check(rc == 0 and len(evs) == 3 and all(e.get("event_type") == "flow" and e in want
                                              for e in evs),
            "mamorictl events --site pop-a --type flow --limit 3: 3 of pop-a's flows")
    rc, out, err = mt.run([ctl, "store", "--store", store.query])
    t.check(rc == 0 and "site pop-c" in out and "postgresql://" in out,
            "mamorictl store shows the central store and its sites", out.splitlines()[:3])


if __name__ == "__main__":
    main()
