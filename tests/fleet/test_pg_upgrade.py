# SPDX-License-Identifier: BSD-3-Clause
"""The central store's PostgreSQL schema, version 1 to version 2.

A database is made here as mamori-store made it before version 2 (the DDL
of store/pg.c at commit d7169dd, below), with events of three producers on
two sites and the flow rows of the flow events, written as that store wrote
them.  mamori-store started on it (store.backend postgresql, a nats-server
on loopback) must:

* bring it up to version 2 at start, and say so;
* keep every row as it was, and answer the query API (query, with its
  cursor, count with filters, types, stats) as the rows say;
* leave the tables, columns and indexes as they were, with the foreign key
  from flow to events dropped and the statement trigger that deletes the
  flow rows of deleted events in its place;
* store new events, with their flow rows, into the upgraded database;
* on deletion of events (by ts, as from cron, and one by id), delete their
  flow rows and no others;
* with store.retention.days set, delete the events older than that, with
  their flow rows, and keep a newer one (without it, it keeps everything).

A second start on the upgraded database changes nothing: not the version
row, the catalog (constraints, triggers, the trigger's function), the rows,
nor the query API's answers.

Servers are started here, on loopback: initdb + postgres in a temporary
directory (as 'nobody' when run as root) and one nats-server.  Skips (77)
without nats-server or PostgreSQL."""
import calendar
import datetime
import ipaddress
import json
import os
import socket
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
sys.path.insert(0, HERE)
import mamori_test as mt  # noqa: E402
import fleet_lib as fl  # noqa: E402

# Schema version 1: the statements store/pg.c ran, in one transaction, on a new
# database before version 2 (commit d7169dd, schema_v1[]).  Kept here as they
# were: the version 1 database must be made as that code made it.
SCHEMA_V1 = [
    "CREATE TABLE mamori_schema (version INTEGER NOT NULL)",
    "CREATE TABLE events (\n"
    "    id BIGSERIAL PRIMARY KEY,\n"
    "    producer BIGINT NOT NULL,\n"
    "    seq BIGINT NOT NULL,\n"
    "    site TEXT NOT NULL DEFAULT '',\n"
    "    ts BIGINT NOT NULL,\n"
    "    event_type TEXT NOT NULL,\n"
    "    src_ip TEXT, dest_ip TEXT,\n"
    "    src_addr BYTEA, dest_addr BYTEA,\n"
    "    src_port INTEGER, dest_port INTEGER, proto TEXT, flow_id BIGINT,\n"
    "    plugin TEXT, exercise TEXT,\n"
    "    raw TEXT NOT NULL,\n"
    "    UNIQUE (producer, seq))",
    "CREATE INDEX events_ts ON events (ts, producer, seq)",
    "CREATE INDEX events_type_ts ON events (event_type, ts, producer, seq)",
    "CREATE INDEX events_site_ts ON events (site, ts, producer, seq)",
    "CREATE INDEX events_src ON events (src_addr)",
    "CREATE INDEX events_dest ON events (dest_addr)",
    "CREATE TABLE flow (\n"
    "    id BIGINT PRIMARY KEY REFERENCES events (id) ON DELETE CASCADE,\n"
    "    pkts_toserver BIGINT, pkts_toclient BIGINT,\n"
    "    bytes_toserver BIGINT, bytes_toclient BIGINT,\n"
    "    start_ts BIGINT, end_ts BIGINT,\n"
    "    reason TEXT, state TEXT, age BIGINT)",
    "INSERT INTO mamori_schema VALUES (1)",
]

# Producers as the bus's u64; the store keeps them bit for bit in a BIGINT.
PROD_A = 0x00000000000000a1
PROD_B = 0x00000000000000b2
PROD_HI = 0xfeedface00000001  # above 2^63: negative in PostgreSQL


def flow_ev(ts, src, sport, dst, dport, proto, fid, start, end, pkts, byts, state,
            reason="timeout", age=1, **more):
    ev = {"timestamp": ts, "flow_id": fid, "event_type": "flow", "src_ip": src,
          "src_port": sport, "dest_ip": dst, "dest_port": dport, "proto": proto,
          "flow": {"pkts_toserver": pkts[0], "pkts_toclient": pkts[1],
                   "bytes_toserver": byts[0], "bytes_toclient": byts[1],
                   "start": start, "end": end, "age": age, "state": state,
                   "reason": reason}}
    ev.update(more)
    return ev


# (producer, seq, site, event): the version 1 database's events.
OLD = [
    (PROD_A, 1, "pop-a", flow_ev("2024-02-13T14:34:38.788187+0000", "10.0.0.5", 40022,
                                 "192.0.2.10", 22, "TCP", 1001,
                                 "2024-02-13T14:34:30.100000+0000",
                                 "2024-02-13T14:34:38.700000+0000", (12, 10), (2048, 4096),
                                 "closed", age=8)),
    (PROD_A, 2, "pop-a", {"timestamp": "2024-02-13T14:34:39.000001+0000", "flow_id": 1001,
                          "event_type": "alert", "src_ip": "10.0.0.5", "src_port": 40022,
                          "dest_ip": "192.0.2.10", "dest_port": 22, "proto": "TCP",
                          "plugin": "ssh_bruteforce",
                          "alert": {"signature": "ssh brute force", "severity": 2}}),
    (PROD_A, 3, "pop-a", flow_ev("2024-02-13T14:35:10.500000+0000", "10.0.0.6", 53001,
                                 "198.51.100.53", 53, "UDP", 1002,
                                 "2024-02-13T14:34:10.000000+0000",
                                 "2024-02-13T14:34:10.020000+0000", (1, 1), (74, 120), "new",
                                 exercise="ex-7")),
    (PROD_B, 1, "pop-b", flow_ev("2024-02-13T14:34:50.250000+0000", "2001:db8::1", 443,
                                 "2001:db8:1::20", 51234, "TCP", 2001,
                                 "2024-02-13T14:30:00.000000+0000",
                                 "2024-02-13T14:34:50.000000+0000", (300, 280),
                                 (40000, 900000), "established", reason="shutdown", age=290)),
    (PROD_B, 2, "pop-b", {"timestamp": "2024-02-13T14:35:00.000000+0000",
                          "event_type": "dns", "src_ip": "2001:db8::1", "dest_ip": "2001:db8::53",
                          "src_port": 5353, "dest_port": 53, "proto": "UDP",
                          "dns": {"rrname": "example.com", "rrtype": "AAAA"}}),
    (PROD_HI, 7, "pop-b", flow_ev("2024-02-13T14:34:50.250000+0000", "172.16.1.2", 0,
                                  "172.16.1.1", 0, "ICMP", 3001,
                                  "2024-02-13T14:34:49.000000+0000",
                                  "2024-02-13T14:34:50.000000+0000", (2, 2), (196, 196),
                                  "established")),
    (PROD_HI, 8, "pop-b", {"timestamp": "2024-02-13T14:36:00.000000+0000",
                           "event_type": "stats", "uptime": 3600}),
]

# Published through the stream after the upgrade: stored by the upgraded store.
NEW = (PROD_A, 4, "pop-c", flow_ev("2024-02-13T14:40:00.000000+0000", "10.9.0.1", 1234,
                                   "203.0.113.9", 8443, "TCP", 4001,
                                   "2024-02-13T14:39:00.000000+0000",
                                   "2024-02-13T14:39:59.000000+0000", (5, 4), (600, 800),
                                   "closed", age=59))

# Deleting by ts "from cron" takes the events before this; one more by (producer, seq).
CUTOFF = "2024-02-13T14:34:55.000000+0000"
DELETE_ONE = (PROD_A, 3)


def ns(t):
    d = datetime.datetime.strptime(t, "%Y-%m-%dT%H:%M:%S.%f%z")
    return calendar.timegm(d.utctimetuple()) * 1000000000 + d.microsecond * 1000


def signed(u):
    return u - (1 << 64) if u >= 1 << 63 else u


def addr(ip):
    a = ipaddress.ip_address(ip)
    return (b"\0" * 10 + b"\xff\xff" + a.packed) if a.version == 4 else a.packed


def lit(v):
    if v is None:
        return "NULL"
    if isinstance(v, bytes):
        return "'\\x%s'::bytea" % v.hex()
    if isinstance(v, int):
        return str(v)
    return "'%s'" % v.replace("'", "''")


def raw(ev):
    return json.dumps(ev, separators=(",", ":"))


def insert_sql(producer, seq, site, ev):
    """The rows the version 1 store wrote for one event: events, and flow for a flow event."""
    cols = [signed(producer), seq, site, ns(ev["timestamp"]), ev["event_type"],
            ev.get("src_ip"), ev.get("dest_ip"),
            addr(ev["src_ip"]) if "src_ip" in ev else None,
            addr(ev["dest_ip"]) if "dest_ip" in ev else None,
            ev.get("src_port"), ev.get("dest_port"), ev.get("proto"), ev.get("flow_id"),
            ev.get("plugin"), ev.get("exercise"), raw(ev)]
    sql = ["INSERT INTO events (producer, seq, site, ts, event_type, src_ip, dest_ip, "
           "src_addr, dest_addr, src_port, dest_port, proto, flow_id, plugin, exercise, "
           "raw) VALUES (%s)" % ", ".join(lit(c) for c in cols)]
    if ev["event_type"] == "flow" and "flow" in ev:
        f = ev["flow"]
        sql.append("INSERT INTO flow VALUES ((SELECT id FROM events WHERE producer = %d AND "
                   "seq = %d), %s)" % (signed(producer), seq, ", ".join(lit(c) for c in (
                       f["pkts_toserver"], f["pkts_toclient"], f["bytes_toserver"],
                       f["bytes_toclient"], ns(f["start"]), ns(f["end"]), f["reason"],
                       f["state"], f["age"]))))
    return sql


def snapshot(pg):
    """Everything a migration may touch, as text: the version row (with the
    transaction that wrote it), constraints, triggers and the trigger's
    function, columns, indexes, and every row of events and flow."""
    q = {
        "version": "SELECT version, xmin FROM mamori_schema",
        "constraints": "SELECT conrelid::regclass, conname, pg_get_constraintdef(oid) "
        "FROM pg_constraint WHERE connamespace = 'public'::regnamespace ORDER BY 1, 2",
        "triggers": "SELECT tgrelid::regclass, tgname, oid, xmin, pg_get_triggerdef(oid) "
        "FROM pg_trigger WHERE NOT tgisinternal ORDER BY 1, 2",
        "functions": "SELECT proname, oid, xmin, prosrc FROM pg_proc "
        "WHERE pronamespace = 'public'::regnamespace ORDER BY 1",
        "columns": "SELECT table_name, column_name, data_type, is_nullable, column_default "
        "FROM information_schema.columns WHERE table_schema = 'public' "
        "ORDER BY table_name, ordinal_position",
        "indexes": "SELECT tablename, indexname, indexdef FROM pg_indexes "
        "WHERE schemaname = 'public' ORDER BY 1, 2",
        "events": "SELECT e::text FROM events e ORDER BY id",
        "flow": "SELECT f::text FROM flow f ORDER BY id",
    }
    return {k: pg.psql(v) for k, v in q.items()}


def api_answers(store):
    """The query API's answers the checks compare, as one dict."""
    out = {}
    pages, after = [], None
    while True:
        req = {"op": "query", "limit": 3}
        if after is not None:
            req["after"] = after
        a = store.ask(req)
        if not a or not a.get("ok"):
            pages = None
            break
        pages += a["events"]
        after = a.get("next")
        if after is None:
            break
    out["paged"] = pages
    a = store.ask({"op": "query", "order": "desc", "limit": 100})
    out["desc"] = a and a.get("events")
    for name, req in (("flow", {"type": "flow"}), ("pop-b", {"site": "pop-b"}),
                      ("v4", {"ip": "10.0.0.0/8"}), ("v6", {"ip": "2001:db8::/32"}),
                      ("text", {"text": "example.com"}), ("plugin", {"plugin": "ssh_bruteforce"}),
                      ("exercise", {"exercise": "ex-7"}),
                      ("producer", {"producer": signed(PROD_HI)}),
                      ("since", {"since": "2024-02-13T14:34:50.250000Z",
                                 "until": "2024-02-13T14:35:10Z"})):
        a = store.ask(dict(op="count", **req))
        out["count " + name] = a.get("count") if a and a.get("ok") else None
    a = store.ask({"op": "types"}) or {}
    out["types"] = (a.get("types"), a.get("sites"))
    a = store.stats() or {}
    out["stats"] = (a.get("db", {}).get("schema_version"), a.get("rows"), a.get("types"),
                    a.get("sites"))
    return out


def want_answers(events, version):
    """What api_answers() should find for these events: the query API's order is
    (ts, producer as a signed BIGINT, seq)."""
    evs = [e[3] for e in sorted(events, key=lambda e: (ns(e[3]["timestamp"]), signed(e[0]),
                                                       e[1]))]
    types, sites = {}, {}
    for _, _, site, ev in events:
        types[ev["event_type"]] = types.get(ev["event_type"], 0) + 1
        sites[site] = sites.get(site, 0) + 1

    def n(pred):
        return sum(1 for x in evs if pred(x))

    def t(x):
        return ns(x["timestamp"])

    def in_net(x, net):
        return any(ipaddress.ip_address(x[k]) in ipaddress.ip_network(net)
                   for k in ("src_ip", "dest_ip") if k in x)

    return {"paged": evs, "desc": list(reversed(evs)),
            "count flow": n(lambda x: x["event_type"] == "flow"),
            "count pop-b": sites.get("pop-b", 0),
            "count v4": n(lambda x: in_net(x, "10.0.0.0/8")),
            "count v6": n(lambda x: in_net(x, "2001:db8::/32")),
            "count text": n(lambda x: "example.com" in raw(x)),
            "count plugin": n(lambda x: x.get("plugin") == "ssh_bruteforce"),
            "count exercise": n(lambda x: x.get("exercise") == "ex-7"),
            "count producer": sum(1 for p, _, _, _ in events if p == PROD_HI),
            "count since": n(lambda x: ns("2024-02-13T14:34:50.250000+0000") <= t(x) <
                             ns("2024-02-13T14:35:10.000000+0000")),
            "types": (sorted(types), sorted(sites)),
            "stats": (version, len(evs), types, sites)}


def compare(t, got, want, what):
    bad = [k for k in want if got.get(k) != want[k]]
    t.check(not bad, what, ["%s: got %r, want %r" % (k, got.get(k), want[k]) for k in bad])


def publish(url, producer, seq, site, ev):
    """One event into the stream as an appliance's exporter publishes it (subject
    mamori.<site>.<type>, message id <producer>-<seq>), over the NATS protocol."""
    host, port = url[len("nats://"):].split(":")
    s = socket.create_connection((host, int(port)), 5)
    s.settimeout(5)
    try:
        f = s.makefile("rb")
        if not f.readline().startswith(b"INFO "):
            return False
        hdr = b"NATS/1.0\r\nNats-Msg-Id: %016x-%d\r\n\r\n" % (producer, seq)
        body = raw(ev).encode()
        s.sendall(b'CONNECT {"verbose":false,"pedantic":false,"headers":true}\r\n' +
                  b"HPUB mamori.%s.%s %d %d\r\n" % (site.encode(), ev["event_type"].encode(),
                                                    len(hdr), len(hdr) + len(body)) +
                  hdr + body + b"\r\nPING\r\n")
        while True:
            line = f.readline()
            if not line or line.startswith(b"-ERR"):
                return False
            if line.startswith(b"PONG"):
                return True
    finally:
        s.close()


def main():
    why = fl.missing_servers()
    if why:
        mt.skip(why)
    if not os.access(os.path.join(mt.BUILD, "store", "mamori-store"), os.X_OK):
        mt.skip("%s/store/mamori-store not built" % mt.BUILD)
    workdir = tempfile.mkdtemp(prefix="mm-fleet-pgu-")
    os.chmod(workdir, 0o755)
    t = mt.Checks(workdir)
    pg = fl.Postgres(workdir)
    nats = fl.NatsCluster(workdir, 1)
    store = None
    try:
        pg.start()
        nats.start_all()

        # The version 1 database, as the store before version 2 left it.
        sql = list(SCHEMA_V1)
        for e in OLD:
            sql += insert_sql(*e)
        ok = pg.psql(";\n".join(sql)) is not None
        fk = pg.psql("SELECT pg_get_constraintdef(oid) FROM pg_constraint "
                     "WHERE conrelid = 'flow'::regclass AND contype = 'f'")
        nflow = sum(1 for e in OLD if e[3]["event_type"] == "flow")
        t.check(ok and pg.psql("SELECT version FROM mamori_schema") == "1" and
                pg.psql("SELECT count(*) FROM events") == str(len(OLD)) and
                pg.psql("SELECT count(*) FROM flow") == str(nflow) and
                fk == "FOREIGN KEY (id) REFERENCES events(id) ON DELETE CASCADE",
                "a version 1 database: %d events, %d flow rows, flow's foreign key to events"
                % (len(OLD), nflow), fk)
        before = snapshot(pg)

        # First start: the upgrade.
        store = fl.CentralStore(mt.BUILD, workdir, pg, nats.urls(), replicas=1)
        t.check(store.start(), "mamori-store starts on the version 1 database and consumes",
                store.log_text().splitlines()[-5:])
        log = store.log_text()
        t.check("schema version 1 brought up to 2" in log and "created the schema" not in log,
                "it brings the schema from version 1 up to 2, and says so",
                [l for l in log.splitlines() if "schema" in l])
        after = snapshot(pg)
        t.check(pg.psql("SELECT version FROM mamori_schema") == "2" and
                pg.psql("SELECT count(*) FROM mamori_schema") == "1",
                "mamori_schema: one row, version 2")
        t.check(pg.psql("SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND "
                        "connamespace = 'public'::regnamespace") == "0",
                "the foreign key from flow to events is gone",
                (after["constraints"] or "").split("\n"))
        trig = pg.psql("SELECT pg_get_triggerdef(oid) FROM pg_trigger "
                       "WHERE tgrelid = 'events'::regclass AND NOT tgisinternal")
        t.check(trig == "CREATE TRIGGER events_delete_flow AFTER DELETE ON public.events "
                "REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION "
                "mamori_events_delete_flow()" and
                pg.psql("SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal") == "1",
                "one trigger: events_delete_flow, after delete on events, for each statement",
                trig)
        t.check(after["functions"] and after["functions"].startswith(
            "mamori_events_delete_flow|") and "DELETE FROM flow" in after["functions"],
            "its function mamori_events_delete_flow() deletes the flow rows")
        other = [l for l in before["constraints"].split("\n") if "FOREIGN KEY" not in l]
        t.check(after["constraints"].split("\n") == other,
                "the other constraints are as they were", after["constraints"].split("\n"))
        same = [k for k in ("columns", "indexes", "events", "flow") if after[k] != before[k]]
        t.check(not same, "tables, columns, indexes and every events and flow row are as "
                "they were", ["%s changed" % k for k in same])
        compare(t, api_answers(store), want_answers(OLD, 2),
                "the query API answers for the old rows as they say (query in pages of 3 and "
                "descending, count by type, site, ip, text, plugin, exercise, producer, time; "
                "types; stats)")

        # New events go into the upgraded database, with their flow rows.
        ok = publish(nats.urls()[0], *NEW)
        fl.wait_for(lambda: pg.psql("SELECT count(*) FROM events") == str(len(OLD) + 1), 30,
                    0.2)
        row = pg.psql("SELECT f.pkts_toserver, f.bytes_toclient, f.state, f.age FROM flow f "
                      "JOIN events e USING (id) WHERE e.producer = %d AND e.seq = %d" %
                      (signed(NEW[0]), NEW[1]))
        t.check(ok and row == "5|800|closed|59", "an event published after the upgrade is "
                "stored with its flow row (%s)" % row,
                None if row else store.log_text().splitlines()[-5:])
        live = OLD + [NEW]
        compare(t, api_answers(store), want_answers(live, 2),
                "the query API answers for old and new rows")

        # Deleting events deletes their flow rows, and no others.
        gone = [e for e in live if ns(e[3]["timestamp"]) < ns(CUTOFF)]
        gone_ids = pg.psql("SELECT string_agg(id::text, ',' ORDER BY id) FROM events "
                           "WHERE ts < %d" % ns(CUTOFF))
        kept_flows = pg.psql("SELECT string_agg(f::text, ';' ORDER BY id) FROM flow f "
                             "WHERE id NOT IN (%s)" % gone_ids)
        pg.psql("DELETE FROM events WHERE ts < %d" % ns(CUTOFF))
        t.check(len(gone) >= 2 and
                sum(1 for e in gone if e[3]["event_type"] == "flow") >= 2 and
                pg.psql("SELECT count(*) FROM flow WHERE id IN (%s)" % gone_ids) == "0" and
                pg.psql("SELECT string_agg(f::text, ';' ORDER BY id) FROM flow f") ==
                kept_flows,
                "deleting the %d events before %s (as from cron) deletes their flow rows, "
                "and only theirs" % (len(gone), CUTOFF))
        live = [e for e in live if e not in gone]
        one = pg.psql("SELECT id FROM events WHERE producer = %d AND seq = %d" %
                      (signed(DELETE_ONE[0]), DELETE_ONE[1]))
        nflow = pg.psql("SELECT count(*) FROM flow")
        pg.psql("DELETE FROM events WHERE id = %s" % one)
        t.check(one and pg.psql("SELECT count(*) FROM flow WHERE id = %s" % one) == "0" and
                nflow and pg.psql("SELECT count(*) FROM flow") == str(int(nflow) - 1),
                "deleting one flow event by id deletes its flow row, and only that")
        live = [e for e in live if (e[0], e[1]) != DELETE_ONE]
        t.check(pg.psql("SELECT count(*) FROM flow f WHERE NOT EXISTS "
                        "(SELECT 1 FROM events e WHERE e.id = f.id)") == "0" and
                pg.psql("SELECT count(*) FROM flow") ==
                str(sum(1 for e in live if e[3]["event_type"] == "flow")),
                "every flow event left has its flow row; no flow row is left without its "
                "event")
        first = api_answers(store)
        compare(t, first, want_answers(live, 2), "the query API answers for the rows left")
        rc = store.stop()
        t.check(rc == 0, "mamori-store stops cleanly (exit %s)" % rc)

        # Second start on the upgraded database: nothing changes.
        settled = snapshot(pg)
        mark = len(store.log_text())
        t.check(store.start(), "mamori-store starts again on the version 2 database",
                store.log_text().splitlines()[-5:])
        log = store.log_text()[mark:]
        t.check("brought up" not in log and "created the schema" not in log,
                "the second start finds the schema up to date",
                [l for l in log.splitlines() if "schema" in l])
        again = snapshot(pg)
        changed = [k for k in settled if again[k] != settled[k]]
        t.check(not changed and again["version"] and again["version"].startswith("2|"),
                "the second start changes nothing: version row, constraints, trigger, "
                "function, columns, indexes, rows",
                ["%s: %r -> %r" % (k, settled[k], again[k]) for k in changed])
        second = api_answers(store)
        compare(t, second, first, "the query API answers as before the second start")

        # An event of today, then a start with an age limit: the 2024 events go
        # (the central store keeps everything unless store.retention.days is set).
        now = datetime.datetime.now(datetime.timezone.utc)
        today = now.strftime("%Y-%m-%dT%H:%M:%S.000000+0000")
        fresh = (PROD_B, 9, "pop-a", flow_ev(today, "10.9.0.2", 4321, "203.0.113.7", 443,
                                               "TCP", 5001, today, today, (3, 2), (300, 200),
                                               "closed"))
        ok = publish(nats.urls()[0], *fresh)
        fl.wait_for(lambda: pg.psql("SELECT count(*) FROM events") == str(len(live) + 1), 30,
                    0.2)
        rc = store.stop()
        t.check(ok and rc == 0, "a flow event of today is stored; mamori-store stops cleanly "
                "(exit %s)" % rc)
        store.extra = ["store.retention.days=1"]
        mark = len(store.log_text())
        t.check(store.start(), "mamori-store starts with store.retention.days=1",
                store.log_text().splitlines()[-5:])
        fl.wait_for(lambda: pg.psql("SELECT count(*) FROM events") == "1", 30, 0.2)
        left = pg.psql("SELECT e.producer, e.seq, f.pkts_toserver FROM events e "
                       "JOIN flow f USING (id)")
        st = (store.stats() or {}).get("ingest", {})
        t.check(left == "%d|9|3" % signed(PROD_B) and pg.psql("SELECT count(*) FROM flow") ==
                "1" and st.get("retention_deleted") == len(live),
                "the %d events older than a day are deleted with their flow rows; today's "
                "is kept with its own (left: %r, retention_deleted %s)" %
                (len(live), left, st.get("retention_deleted")))
        t.check("retention 1 days" in store.log_text()[mark:],
                "the start says the retention it applies",
                store.log_text()[mark:].splitlines()[:3])
        rc = store.stop()
        t.check(rc == 0, "mamori-store stops cleanly (exit %s)" % rc)
    finally:
        fl.stop_all(store, nats, pg)
    sys.exit(t.finish())


if __name__ == "__main__":
    main()
