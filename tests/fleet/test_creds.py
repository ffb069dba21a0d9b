# SPDX-License-Identifier: BSD-3-Clause
"""Fleet mode with NATS credentials and TLS: a nats-server in operator mode
(decentralised JWT authentication: an operator, a system account and the
account MAMORI with JetStream, preloaded in a MEMORY resolver) that requires
TLS; the nkeys, JWTs and .creds files are made here by fleet_creds (libsodium),
the certificates by openssl.

* The central store connects over tls:// with its own user's .creds
  (store.jetstream.creds, store.jetstream.tls.ca) and consumes into
  PostgreSQL.
* An appliance (mamorid --pcap) exports with its .creds file (creds=FILE in
  export.store) and the CA (export.tls.ca): every event arrives in
  PostgreSQL exactly once.
* Without credentials, with a user of an account the server does not know,
  and with the right JWT but another user's seed, the server refuses the
  appliance: nothing is committed, the events wait in its spool, and the
  error says what to do.  Given the right .creds file, the same appliance
  (same state directory) delivers the spooled events.
* A central store without credentials is refused and says so.
* Schema version 2: deleting events deletes their flow rows (a statement
  trigger, no foreign key).

Skips (77) without nats-server, PostgreSQL, openssl or the shared captures."""
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
sys.path.insert(0, HERE)
import mamori_test as mt  # noqa: E402
import fleet_lib as fl  # noqa: E402

CAPTURE = "iot/ssh-bruteforce.pcap"
CAPTURE2 = "iot/hidenseek-iot-bot.pcap"
WHAT_TO_DO = "creds=FILE"


def make_certs(d):
    """A CA and a server certificate for 127.0.0.1 / localhost, or None."""
    cmd = ("openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=mamori-test-ca "
           "-keyout ca.key -out ca.pem && "
           "openssl req -newkey rsa:2048 -nodes -subj /CN=localhost -keyout srv.key "
           "-out srv.csr && printf 'subjectAltName=DNS:localhost,IP:127.0.0.1' > ext && "
           "openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 1 "
           "-extfile ext -out srv.pem")
    r = subprocess.run(cmd, shell=True, cwd=d, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    return os.path.join(d, "ca.pem") if r.returncode == 0 else None


class OperatorNats:
    """One nats-server in operator mode with TLS and JetStream."""

    def __init__(self, d):
        self.dir = d
        self.port = fl.free_port()
        self.proc = None
        self.log = os.path.join(d, "nats.log")

    def start(self):
        conf = os.path.join(self.dir, "nats.conf")
        with open(conf, "w") as f:
            f.write("include resolver.conf\n"
                    "listen: 127.0.0.1:%d\n"
                    "tls { cert_file: \"%s/srv.pem\", key_file: \"%s/srv.key\" }\n"
                    "jetstream { store_dir: \"%s/js\" }\n" % (self.port, self.dir, self.dir,
                                                            self.dir))
        self.proc = subprocess.Popen([fl.NATS, "-c", conf], stdout=open(self.log, "ab"),
                                     stderr=subprocess.STDOUT)
        return fl.wait_for(lambda: fl._port_open(self.port), 15)

    def url(self):
        return "tls://127.0.0.1:%d" % self.port

    def stop(self):
        if self.proc is not None:
            self.proc.terminate()
            fl.wait_or_kill(self.proc, 10)
            self.proc = None


def mamorid(workdir, tag, site, url, creds, ca, state, capture=CAPTURE, flush="40s",
            during=None):
    """One mamorid --pcap exporting to url, during() running meanwhile; returns
    (rc, eve lines, output)."""
    eve = os.path.join(workdir, tag + ".eve")
    store = "%s?site=%s" % (url, site) + ("&creds=%s" % creds if creds else "")
    cmd = [mt.MAMORID, "-q", "--pcap", os.path.join(mt.DATA, "pcap", capture), "--eve", eve,
           "-s", "export.store=" + store, "-s", "export.tls.ca=" + ca,
           "-s", "state_dir=" + state, "-s", "export.batch_events=64",
           "-s", "export.batch_delay=20ms", "-s", "export.flush_timeout=" + flush,
           "-l", "info"]
    os.makedirs(state, exist_ok=True)
    log = os.path.join(workdir, tag + ".log")
    with open(log, "wb") as f:
        p = subprocess.Popen(cmd, stdout=f, stderr=subprocess.STDOUT)
        if during is not None:
            during()
        rc = fl.wait_or_kill(p, 120)
    with open(log, errors="replace") as f:
        out = f.read()
    return rc, fl.eve_lines(eve), out


def export_line(text):
    lines = [l for l in text.splitlines() if l.startswith("export to ")]
    return lines[-1] if lines else ""


def main():
    mt.need_mamorid()
    mt.need_data()
    why = fl.missing_servers()
    if why:
        mt.skip(why)
    helper = os.path.join(mt.BUILD, "tests", "fleet", "fleet_creds")
    if not os.access(helper, os.X_OK):
        mt.skip("%s not built" % helper)
    if shutil.which("openssl") is None:
        mt.skip("openssl not found (apt-get install openssl)")
    for cap in (CAPTURE, CAPTURE2):
        if not os.path.exists(os.path.join(mt.DATA, "pcap", cap)):
            mt.skip("capture %s missing" % cap)
    workdir = tempfile.mkdtemp(prefix="mm-fleet-creds-")
    os.chmod(workdir, 0o755)
    t = mt.Checks(workdir)
    keys = os.path.join(workdir, "keys")
    os.makedirs(keys)
    r = subprocess.run([helper, keys], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    t.check(r.returncode == 0, "fleet_creds makes an operator, accounts, users and .creds files",
            r.stdout.decode().splitlines())
    ca = make_certs(keys)
    if ca is None:
        mt.skip("openssl cannot make test certificates")
    creds = {n: os.path.join(keys, n + ".creds") for n in ("site", "store", "other",
                                                          "wrong-seed")}
    nats = OperatorNats(keys)
    pg = fl.Postgres(workdir)
    store = None
    try:
        t.check(nats.start(), "nats-server in operator mode with TLS and JetStream on %s" %
                nats.url(), open(nats.log, errors="replace").read().splitlines()[-5:])
        pg.start()

        # A central store without credentials is refused, and says what to do.
        bare = fl.CentralStore(mt.BUILD, workdir, pg, [nats.url()], replicas=1, tag="bare")
        bare.extra = ["store.jetstream.tls.ca=%s" % ca]
        ok = bare.start(timeout=4)
        st = bare.stats() or {}
        bare.stop()
        log = bare.log_text()
        t.check(not ok and not st.get("ingest", {}).get("consuming") and
                "refused" in log and "store.jetstream.creds" in log,
                "a central store without credentials is refused and says to set "
                "store.jetstream.creds", [l for l in log.splitlines() if "refused" in l][:2])

        store = fl.CentralStore(mt.BUILD, workdir, pg, [nats.url()], replicas=1)
        store.extra = ["store.jetstream.creds=%s" % creds["store"],
                       "store.jetstream.tls.ca=%s" % ca]
        t.check(store.start(), "the central store connects over TLS with its .creds and "
                "consumes", store.log_text().splitlines()[-5:])

        # The appliance with its credentials: every event arrives once.
        rc, want, out = mamorid(workdir, "good", "pop-a", nats.url(), creds["site"], ca,
                                os.path.join(workdir, "state-a"))
        line = export_line(out)
        t.check(rc == 0 and " 0 waiting in the spool, 0 dropped, 0 refused" in line and want,
                "mamorid with site.creds over TLS: %d events, all committed" % len(want),
                line or out.splitlines()[-5:])
        fl.wait_for(lambda: pg.psql("SELECT count(*) FROM events WHERE site = 'pop-a'") ==
                    str(len(want)), 30, 0.3)
        t.check(fl.stored(pg, "pop-a") == sorted(want),
                "pop-a: every exported event is in PostgreSQL exactly once (%d)" % len(want))

        # Refused: no credentials, a user of an unknown account, the right JWT with a wrong
        # seed.  Each keeps its events in its spool and says what to do.
        state_b = os.path.join(workdir, "state-b")
        spooled = 0
        exported = []
        for tag, cred in (("none", None), ("other-account", creds["other"]),
                          ("wrong-seed", creds["wrong-seed"])):
            rc, evs, out = mamorid(workdir, tag, "pop-b", nats.url(), cred, ca, state_b,
                                   CAPTURE2, flush="2s")
            line = export_line(out)
            warn = [l for l in out.splitlines() if "refused the credentials" in l]
            t.check(evs and " 0 events committed" in line and
                    (" %d waiting in the spool" % (spooled + len(evs))) in line and
                    "credentials refused" in line and warn and WHAT_TO_DO in warn[0],
                    "mamorid with %s: refused, %d events wait in the spool, the error says "
                    "what to do" % (tag, len(evs)), [line, (warn or [""])[0]])
            spooled += len(evs)
            exported += evs
        t.check(pg.psql("SELECT count(*) FROM events WHERE site = 'pop-b'") == "0",
                "nothing from the refused appliance reached PostgreSQL")

        # The same appliance, refused at first; its .creds file is replaced with the right
        # one while it runs: it connects again by itself and delivers what it spooled.
        own = os.path.join(workdir, "pop-b.creds")
        shutil.copy(creds["wrong-seed"], own)

        def fix():
            fl.wait_for(lambda: "credentials refused" in open(os.path.join(
                workdir, "fixed.log"), errors="replace").read(), 20, 0.1)
            shutil.copy(creds["site"], own)
        rc, evs, out = mamorid(workdir, "fixed", "pop-b", nats.url(), own, ca, state_b,
                               CAPTURE2, during=fix)
        line = export_line(out)
        t.check(rc == 0 and " 0 waiting in the spool, 0 dropped, 0 refused" in line and
                "credentials refused" in out,
                "refused, then given the right .creds file while running, the appliance "
                "connects again and delivers its spool", line)
        exported += evs
        fl.wait_for(lambda: pg.psql("SELECT count(*) FROM events WHERE site = 'pop-b'") ==
                    str(len(exported)), 30, 0.3)
        got = fl.stored(pg, "pop-b")
        t.check(got == sorted(exported),
                "pop-b: the 4 runs' %d events are in PostgreSQL once each (%d stored)" %
                (len(exported), len(got)))
        dup = pg.psql("SELECT count(*) - count(DISTINCT (producer, seq)) FROM events")
        t.check(dup == "0", "no (producer, seq) stored twice")

        # Schema 2: deleting events (retention from cron) deletes their flow rows.
        flows = pg.psql("SELECT count(*) FROM flow JOIN events USING (id) "
                        "WHERE site = 'pop-a'")
        pg.psql("DELETE FROM events WHERE site = 'pop-a'")
        left = pg.psql("SELECT count(*) FROM flow f WHERE NOT EXISTS "
                       "(SELECT 1 FROM events e WHERE e.id = f.id)")
        t.check(pg.psql("SELECT version FROM mamori_schema") == "2" and flows not in (None, "0")
                and left == "0", "schema version 2: deleting pop-a's events deletes their %s "
                "flow rows too (%s left without an event)" % (flows, left))
        rc = store.stop()
        store = None
        t.check(rc == 0, "the central store stops cleanly (exit %s)" % rc)
    finally:
        fl.stop_all(store, nats, pg)
    sys.exit(t.finish())


if __name__ == "__main__":
    main()
