# SPDX-License-Identifier: BSD-3-Clause
"""Training mode end to end: mamorid plays cyder.yaml (shared captures and
synthesised traffic, rewritten) into its own processing through the replay
plugin and a net_ring port, tags every event with the run id and exports them
to a real mamori-store; mamorictl exercise scores the run from the EVE file and
from the store alike, keeps the score in the store, lists the run, and scores a
trainee's report the same way."""
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.environ.get("MAMORI_SRC", os.path.join(HERE, "..", "..", "..")),
                                "tests", "lib"))
import mamori_test as mt  # noqa: E402

CTL = os.path.join(mt.BUILD, "tools", "mamorictl", "mamorictl")
STORE = os.path.join(mt.BUILD, "store", "mamori-store")
CLIENT = os.path.join(mt.BUILD, "store", "store_client")
PLUGINS = os.path.join(mt.BUILD, "plugins")
SCENARIO = os.path.join(HERE, "cyder.yaml")

# What cyder.yaml declares, with only flowlog and replay installed.
EXPECTED = {
    "c2-beacon-flows": "detected", "c2-server": "not_scorable",
    "iot-scan-flows": "detected", "iot-infected": "not_scorable",
    "mirai-telnet-scan": "detected", "mirai-cnc": "detected",
    "mirai-scanner-infected": "not_scorable", "mirai-bot-infected": "not_scorable",
    "weak-credentials": "not_scorable",
    "pq-hybrid-tls": "detected", "pq-hybrid-inventory": "not_scorable",
    "ssh-downgrade": "detected", "ssh-downgrade-inventory": "not_scorable",
    "lab-ssh": "detected", "sealed-uploads": "detected", "tampered-seal": "not_scorable",
    "decoy-backdoor": "missed",
}


def wait_for(pred, timeout, step=0.2):
    end = time.time() + timeout
    while time.time() < end:
        if pred():
            return True
        time.sleep(step)
    return pred()


def start(cmd, log):
    return subprocess.Popen(cmd, stdout=open(log, "w"), stderr=subprocess.STDOUT,
                            start_new_session=True)


def stop(p, timeout=60):
    if p is None or p.poll() is not None:
        return p.returncode if p else None
    p.send_signal(signal.SIGTERM)
    try:
        return p.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        return p.wait()


def query(url, req):
    rc, out, _ = mt.run([CLIENT, "query", url, json.dumps(req)], timeout=30)
    try:
        return json.loads(out)
    except ValueError:
        return None


def eve_events(path):
    out = []
    with open(path) as f:
        for line in f:
            if line.strip():
                out.append(json.loads(line))
    return out


def ctl(*args, timeout=120):
    return mt.run([CTL] + list(args), timeout=timeout)


def statuses(rep):
    return {it["id"]: it["status"] for it in rep.get("items", [])}


def check_report(t, rep, what):
    got = statuses(rep)
    t.check(got == EXPECTED, "%s: every item as the scenario declares" % what,
            ["%s: %s, expected %s" % (k, got.get(k), v) for k, v in EXPECTED.items()
             if got.get(k) != v])
    t.check(rep.get("scorable") == 9 and rep.get("detected") == 8 and rep.get("missed") == 1 and
            rep.get("not_scorable") == 8,
            "%s: 8 of 9 scorable items detected, 8 not scorable (%s/%s, %s)" % (
                what, rep.get("detected"), rep.get("scorable"), rep.get("not_scorable")))
    t.check(rep.get("false_positives") == 0 and rep.get("precision") == 1.0 and
            abs(rep.get("recall", 0) - 8 / 9) < 1e-9,
            "%s: no false positive, precision 1, recall 8/9" % what)
    t.check(rep.get("points") == 65 and rep.get("points_possible") == 75 and rep.get("passed"),
            "%s: 65 of 75 points, passed at a pass mark of 70%%" % what)
    bad = []
    for it in rep.get("items", []):
        if it["status"] != "detected":
            continue
        ttd = it.get("time_to_detect_s")
        if ttd is None or ttd < 0 or ttd > 60:
            bad.append("%s: %s" % (it["id"], ttd))
    t.check(not bad, "%s: every time to detect within its window" % what, bad)


def main():
    data = mt.need_data()
    mamorid = mt.need_mamorid()
    for b in (CTL, STORE, CLIENT, os.path.join(PLUGINS, "mamori_replay.so"),
              os.path.join(PLUGINS, "mamori_flowlog.so")):
        if not os.access(b, os.R_OK):
            mt.skip("%s not built: skipping" % b)
    os.environ["MAMORI_TEST_DATA"] = data
    work = tempfile.mkdtemp(prefix="replay-training.")
    t = mt.Checks(work)
    run_id = "cyder-%d" % os.getpid()
    # Only the plugins this run loads count as installed.
    pdir = os.path.join(work, "plugins")
    os.makedirs(pdir)
    for p in ("flowlog", "replay"):
        os.symlink(os.path.join(PLUGINS, "mamori_%s.so" % p), os.path.join(pdir, "mamori_%s.so" % p))
    rundir = os.path.join(work, "store")
    ingest, qurl = "ipc://%s/ingest.ipc" % rundir, "ipc://%s/query.ipc" % rundir
    store = start([STORE, "--db", os.path.join(work, "store.db"), "--rundir", rundir,
                   "--retention-days", "0"], os.path.join(work, "store.log"))
    md = None
    try:
        if not t.check(wait_for(lambda: store.poll() is not None or (
                os.path.exists(os.path.join(rundir, "query.ipc")) and
                (query(qurl, {"op": "stats"}) or {}).get("ok")), 20) and store.poll() is None,
                "mamori-store is up"):
            return t.finish()
        eve = os.path.join(work, "eve.json")
        cfg = os.path.join(work, "training.yaml")
        with open(cfg, "w") as f:
            f.write("eal: {lcores: \"0-1\", memory: 768}\n"
                    "ports:\n  - dev: net_ring0\n"
                    "home_net: [10.0.0.0/8]\n"
                    "state_dir: %s\n"
                    "control: {url: \"ipc://%s/ctl.ipc\"}\n"
                    "output: {eve: %s, stats_interval: 0}\n"
                    "export: {store: \"%s\"}\n"
                    "exercise: {run_id: %s}\n"
                    "plugins:\n  dir: %s\n  load: [flowlog, replay]\n"
                    "  replay: {scenario: %s, start_delay: 1s, progress_interval: 2s}\n" % (
                        os.path.join(work, "state"), work, eve, ingest, run_id, pdir, SCENARIO))
        os.makedirs(os.path.join(work, "state"))
        md = start([mamorid, "-c", cfg, "-q"], os.path.join(work, "mamorid.log"))

        def finished():
            with open(os.path.join(work, "mamorid.log")) as f:
                if "initialisation failed" in f.read():
                    return True
            if md.poll() is not None or not os.path.exists(eve):
                return md.poll() is not None
            with open(eve) as f:
                return '"state":"finished"' in f.read()
        ok = wait_for(finished, 120)
        rc = stop(md)
        md = None
        with open(os.path.join(work, "mamorid.log")) as f:
            log = f.read()
        if not t.check(ok and rc == 0, "mamorid played the exercise and stopped (exit %s)" % rc,
                       log.strip().splitlines()[-8:]):
            return t.finish()
        evs = eve_events(eve)
        t.check(evs and all(e.get("exercise") == run_id for e in evs),
                "all %d events carry the run id %s" % (len(evs), run_id))
        runs = [e["exercise_run"] for e in evs if e["event_type"] == "exercise_run"]
        states = [r["state"] for r in runs]
        t.check(states[:1] == ["started"] and states[-1:] == ["finished"],
                "exercise_run events: %s" % " ".join(states))
        fin = runs[-1] if runs else {}
        rep = fin.get("report", {})
        t.check(fin.get("frames_sent") == fin.get("frames_total") and rep.get("sent", 0) > 10000,
                "every one of %s scheduled frames injected" % fin.get("frames_total"))
        t.check("timing_error_ns" in rep, "the achieved timing error is reported",
                json.dumps(rep.get("timing_error_ns")))
        t.note("injection timing error: %s" % json.dumps(rep.get("timing_error_ns")))
        flows = [e for e in evs if e["event_type"] == "flow"]
        addrs = set(e.get("src_ip") for e in flows) | set(e.get("dest_ip") for e in flows)
        t.check("10.20.80.37" in addrs and "147.32.80.37" not in addrs and
                "10.30.2.16" in addrs and "192.168.2.16" not in addrs,
                "flows carry the rewritten addresses (%d flows)" % len(flows))

        # Scored from the EVE file.
        rj = os.path.join(work, "score.json")
        rc, out, err = ctl("exercise", "score", "--scenario", SCENARIO, "--eve", eve, "--run",
                           run_id, "--plugin-dir", pdir, "--report", rj)
        t.check(rc == 0, "exercise score --eve: exit 0 (passed)", err.strip().splitlines()[-3:])
        t.check(all(i in out for i in EXPECTED) and "PASSED" in out and "precision 1.000" in out,
                "the printable summary lists every item and the verdict")
        with open(rj) as f:
            check_report(t, json.load(f), "EVE")

        # The same from the store, kept there as an exercise_score event.
        rc, out, err = ctl("exercise", "score", "--scenario", SCENARIO, "--store", qurl, "--run",
                           run_id, "--plugin-dir", pdir, "--submit", ingest, "--json")
        t.check(rc == 0, "exercise score --store --submit: exit 0", err.strip().splitlines()[-3:])
        try:
            check_report(t, json.loads(out), "store")
        except ValueError:
            t.check(False, "store: the report is one JSON line", out[:200])
        n_all = (query(qurl, {"op": "count"}) or {}).get("count")
        n_run = (query(qurl, {"op": "count", "exercise": run_id}) or {}).get("count")
        n_score = (query(qurl, {"op": "count", "type": "exercise_score"}) or {}).get("count")
        t.check(n_all and n_all == n_run and n_score == 1 and n_run == len(evs) + 1,
                "the store keeps the run apart: %s events of run %s (all %s), 1 score" % (
                    n_run, run_id, n_all))
        rc, out, err = ctl("exercise", "runs", "--store", qurl)
        lines = [ln for ln in out.splitlines() if run_id in ln]
        t.check(rc == 0 and any("started" in ln for ln in lines) and
                any("finished" in ln for ln in lines) and
                any("score" in ln and "passed" in ln for ln in lines),
                "exercise runs lists the run and its score", lines[:6])

        # A trainee's report: two right, one wrong.
        t0 = next(r["t0"] for r in runs if r["state"] == "started")
        t0s = mt.ts(t0)

        def at(sec):
            return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t0s + sec)) + ".000000+0000"
        findings = os.path.join(work, "findings.json")
        with open(findings, "w") as f:
            json.dump({"findings": [
                {"timestamp": at(5), "event_type": "c2_candidate", "dest_ip": "141.193.213.21"},
                {"timestamp": at(8), "event_type": "iot_device", "src_ip": "10.30.2.16"},
                {"timestamp": at(9), "event_type": "pqc_session", "dest_ip": "192.0.2.99"},
            ]}, f)
        rc, out, err = ctl("exercise", "report", "--scenario", SCENARIO, "--eve", eve, "--run",
                           run_id, "--trainee", "team-3", "--json", findings)
        try:
            tr = json.loads(out)
        except ValueError:
            tr = {}
        st = statuses(tr)
        t.check(rc == 1 and st.get("c2-server") == "detected" and
                st.get("iot-infected") == "detected" and tr.get("detected") == 2 and
                tr.get("scorable") == 17 and tr.get("false_positives") == 1 and
                abs(tr.get("precision", 0) - 2 / 3) < 1e-9 and tr.get("trainee") == "team-3" and
                not tr.get("passed"),
                "a trainee's report is scored the same way (2 found, 1 false, failed: exit %d)" % rc,
                err.strip().splitlines()[-3:])
        rc, _, err = ctl("exercise", "score", "--scenario", SCENARIO, "--store", qurl)
        t.check(rc == 2 and "--run" in err, "the store without --run: usage error (exit %d)" % rc)

        # Offline: the timeline rendered to a capture, mamorid --pcap over it, t0 the epoch.
        replay = os.path.join(mt.BUILD, "plugins", "replay", "mamori-replay")
        off = os.path.join(work, "offline.pcap")
        rc1, _, err1 = mt.run([replay, "-s", SCENARIO, "--render", off, "--epoch", "1775001600",
                               "-q"], timeout=120)
        off_eve = os.path.join(work, "offline.eve")
        rc2, _, err2 = mt.run([mamorid, "-q", "--pcap", off, "--eve", off_eve, "--set",
                               "exercise.run_id=offline-1", "--set",
                               "state_dir=%s" % os.path.join(work, "state"), "--set",
                               "plugins.dir=%s" % pdir, "--set", "plugins.load=[flowlog]"],
                              timeout=120)
        rc, out, err = ctl("exercise", "score", "--scenario", SCENARIO, "--eve", off_eve, "--run",
                           "offline-1", "--t0", "2026-04-01T00:00:00Z", "--plugin-dir", pdir,
                           "--json")
        t.check(rc1 == 0 and rc2 == 0 and rc == 0,
                "offline: rendered, analysed with mamorid --pcap, scored with --t0 (exit %d %d %d)" % (
                    rc1, rc2, rc), (err1 + err2 + err).strip().splitlines()[-3:])
        try:
            check_report(t, json.loads(out), "offline")
        except ValueError:
            t.check(False, "offline: the report is one JSON line", out[:200])

        # Without its net_ring port the plugin says which line to add, and mamorid goes on.
        cfg2 = os.path.join(work, "noring.yaml")
        with open(cfg) as f:
            text = f.read().replace("dev: net_ring0", "dev: net_null0").replace(
                "export: {store: \"%s\"}\n" % ingest, "")
        with open(cfg2, "w") as f:
            f.write(text)
        log2 = os.path.join(work, "noring.log")
        md = start([mamorid, "-c", cfg2, "-q"], log2)

        def said():
            with open(log2) as f:
                return "add '- dev: net_ring0'" in f.read() or md.poll() is not None
        wait_for(said, 60)
        rc = stop(md)
        md = None
        with open(log2) as f:
            text = f.read()
        t.check(rc == 0 and "no such net_ring device" in text and "continuing without it" in text,
                "no net_ring port: the plugin names the missing line, mamorid goes on",
                text.strip().splitlines()[-4:])
    finally:
        stop(md)
        stop(store)
    t.finish()


if __name__ == "__main__":
    main()
