# SPDX-License-Identifier: BSD-3-Clause
"""c2detect end to end: mamorid --pcap with the plugin on real and synthetic captures.

The shared C&C captures (a 2 s beacon, a 2-3 s jittered one) must give a
high-score beacon candidate for the known pair; the scan captures and the
synthetic background no high-score candidate; mamori-synth's beacon scenario
its C&C as a high beacon and its mirai scenario the C&C server as a high
fan-in candidate (with the Mirai handshake as payload evidence).  The C&C
list exported as STIX 2.1 must validate against the official schemas.
"""
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.join(os.environ.get("MAMORI_SRC", ""), "tests", "lib"))
import mamori_test as mt  # noqa: E402

PLUGIN = os.path.join(mt.BUILD, "plugins", "mamori_c2detect.so")
SYNTH = os.path.join(mt.BUILD, "tools", "synth", "mamori-synth")
CTL = os.path.join(mt.BUILD, "tools", "mamorictl", "mamorictl")

# Feeds for the shared captures: the CSV lists capture 1's C&C a day after the
# capture (a detection ahead of the feed); the STIX bundle lists capture 2's
# weeks before it (the feed was first).
FEED_CSV = """# first_seen_utc,dst_ip,dst_port,c2_status,last_online,malware
"2024-02-09 15:27:44","141.193.213.21","443","online","2024-02-10","test"
"""
FEED_STIX = {
    "type": "bundle", "id": "bundle--0b4b2a6c-3bb6-4bd5-9d3c-55a4f1d6a111",
    "objects": [{"type": "indicator", "spec_version": "2.1",
                 "id": "indicator--7c3d0b8e-2f51-4b8e-8a43-2b0f6f0c0a11",
                 "created": "2024-01-20T00:00:00.000Z", "modified": "2024-01-20T00:00:00.000Z",
                 "pattern": "[ipv4-addr:value = '141.193.213.20']", "pattern_type": "stix",
                 "valid_from": "2024-01-20T00:00:00Z"}]}


def candidates(pcap, work, tag, home, sets=()):
    eve = os.path.join(work, tag + ".eve.json")
    state = os.path.join(work, tag + ".state")
    os.makedirs(state, exist_ok=True)
    cmd = [mt.MAMORID, "-q", "--pcap", pcap, "--eve", eve, "--set", "state_dir=" + state,
           "--set", "home_net=[%s]" % home, "--set", "plugins.load=[%s]" % PLUGIN]
    for s in sets:
        cmd += ["--set", s]
    rc, out, err = mt.run(cmd, timeout=120)
    evs = []
    if os.path.exists(eve):
        with open(eve) as f:
            evs = [json.loads(l) for l in f if l.strip()]
    return rc, evs, state, err


def high(evs):
    return [e for e in evs if e.get("event_type") == "c2_candidate"
            and e["c2_candidate"]["level"] == "high"]


def show(evs):
    return ["%s -> %s:%s %s %s %s" % (e.get("src_ip"), e["dest_ip"], e.get("dest_port"),
                                      e["c2_candidate"]["kind"], e["c2_candidate"]["level"],
                                      e["c2_candidate"]["score"])
            for e in evs if e.get("event_type") == "c2_candidate"]


def validate_stix(c, path):
    try:
        import jsonschema
        from referencing import Registry, Resource  # noqa: F401
    except ImportError:
        jsonschema = None
    if jsonschema is None:
        c.note("python3-jsonschema (with referencing) missing: STIX validation skipped")
        return
    root = os.path.join(mt.DATA, "schemas", "stix2.1")
    store = {}
    for d, _, files in os.walk(root):
        for fn in files:
            if fn.endswith(".json"):
                with open(os.path.join(d, fn)) as f:
                    s = json.load(f)
                store[s.get("$id", fn)] = s
    resources = [(k, Resource.from_contents(v)) for k, v in store.items()]
    registry = Registry().with_resources(resources)

    def schema(rel):
        with open(os.path.join(root, rel)) as f:
            return json.load(f)
    with open(path) as f:
        bundle = json.load(f)
    errs = []
    for obj, rel in [(bundle, "common/bundle.json")] + [
            (o, "sdos/%s.json" % o["type"]) for o in bundle["objects"]
            if os.path.exists(os.path.join(root, "sdos", o["type"] + ".json"))]:
        v = jsonschema.Draft202012Validator(schema(rel), registry=registry)
        errs += ["%s: %s" % (obj.get("id"), e.message) for e in v.iter_errors(obj)]
    inds = [o for o in bundle["objects"] if o["type"] == "indicator"]
    c.check(not errs and inds, "STIX 2.1 bundle of %d indicator(s) validates" % len(inds),
            errs[:5])


def operator(c, state, pcap, work, home, cnc):
    """The list is signed and verifies; a false-positive mark silences the server."""
    if not os.access(CTL, os.X_OK):
        c.note("mamorictl not built: marks and signing skipped")
        return
    rc, out, err = mt.run([CTL, "c2", "sign", "--state-dir", state])
    c.check(rc == 0, "mamorictl c2 sign signs the C&C list", err.splitlines()[-2:])
    d = os.path.join(state, "c2detect")
    rc, out, err = mt.run([CTL, "verify", "--state-dir", state,
                           os.path.join(d, "c2-servers.csv"),
                           os.path.join(d, "c2-servers.stix.json")])
    c.check(rc == 0, "mamorictl verify: both signatures valid", (out + err).splitlines()[-2:])
    rc, _, err = mt.run([CTL, "c2", "mark", cnc, "false_positive", "--note", "lab server",
                         "--state-dir", state])
    c.check(rc == 0, "mamorictl c2 mark %s false_positive" % cnc, err.splitlines()[-2:])
    rc, out, _ = mt.run([CTL, "c2", "marks", "--json", "--state-dir", state])
    marks = [json.loads(l) for l in out.splitlines() if l.strip()]
    c.check(rc == 0 and marks and marks[-1]["address"] == cnc
            and marks[-1]["mark"] == "false_positive", "mamorictl c2 marks lists it")
    # The same state directory: the plugin reads the marks at start.
    evs2 = []
    eve = os.path.join(work, "again.eve.json")
    rc, _, _ = mt.run([mt.MAMORID, "-q", "--pcap", pcap, "--eve", eve,
                       "--set", "state_dir=" + state, "--set", "home_net=[%s]" % home,
                       "--set", "plugins.load=[%s]" % PLUGIN], timeout=120)
    if os.path.exists(eve):
        with open(eve) as f:
            evs2 = [json.loads(l) for l in f if l.strip()]
    c.check(rc == 0 and not [e for e in evs2 if e.get("event_type") == "c2_candidate"
                             and e["dest_ip"] == cnc],
            "after the mark, %s is no longer a candidate" % cnc, show(evs2))


def main():
    mt.need_mamorid()
    if not os.path.exists(PLUGIN):
        mt.skip("%s not built; skipping" % PLUGIN)
    data = mt.need_data()
    work = tempfile.mkdtemp(prefix="c2detect-")
    c = mt.Checks(work)
    cc = os.path.join(data, "pcap", "c2")
    with open(os.path.join(work, "feed.csv"), "w") as f:
        f.write(FEED_CSV)
    with open(os.path.join(work, "feed.stix.json"), "w") as f:
        json.dump(FEED_STIX, f)
    feeds = "plugins.c2detect.feeds=[%s,%s]" % (os.path.join(work, "feed.csv"),
                                                os.path.join(work, "feed.stix.json"))
    for name, dst, lead in (("test-cc-capture-1.pcap", "141.193.213.21", 86400),
                            ("test-cc-capture-2.pcap", "141.193.213.20", None)):
        rc, evs, _, err = candidates(os.path.join(cc, name), work, name, "147.32.0.0/16",
                                     [feeds])
        hits = [e for e in high(evs) if e["dest_ip"] == dst and e.get("src_ip") == "147.32.80.37"]
        c.check(rc == 0 and hits, "%s: high beacon 147.32.80.37 -> %s" % (name, dst),
                show(evs) or err.splitlines()[-3:])
        if hits:
            b = hits[0]["c2_candidate"]
            c.check(b["kind"] == "beacon" and 1.5 <= b["period_s"] <= 3.5
                    and all(k in b["components"] for k in ("ts", "ds", "hist", "dur")),
                    "%s: period %.1f s and the four components reported" % (name, b["period_s"]))
            ti = b["threat_intel"]
            if lead:
                # Listed a day after the capture's end; scored within the capture.
                c.check(ti["listed"] and ti["before_feeds"] and ti["lead_time_s"] >= lead
                        and ti["lead_time_s"] == mt.ts(ti["feed_published"])
                        - mt.ts(ti["first_detected"]),
                        "%s: detected %s s before the CSV feed listed it" % (
                            name, ti.get("lead_time_s")), str(ti))
            else:
                c.check(ti["listed"] and ti["lead_time_s"] < 0 and not ti["before_feeds"]
                        and ti["feed"].endswith("feed.stix.json"),
                        "%s: the STIX feed listed it first (lead %s s)" % (
                            name, ti.get("lead_time_s")), str(ti))
    iot = os.path.join(data, "pcap", "iot")
    for name in ("synscan.pcapng", "icmp-portscan.pcap"):
        path = os.path.join(iot, name)
        rc, evs, _, _ = candidates(path, work, name, "10.0.0.0/8,172.16.0.0/12,192.168.0.0/16")
        c.check(rc == 0 and not high(evs), "%s: no high-score candidate" % name, show(evs))
    if not os.access(SYNTH, os.X_OK):
        c.note("mamori-synth not built: synthetic scenarios skipped")
        c.finish()
    home = "10.0.0.0/16,2001:db8:1::/48"
    for sc in ("background", "beacon", "mirai"):
        pcap = os.path.join(work, sc + ".pcap")
        truth = os.path.join(work, sc + ".truth.json")
        mt.run([SYNTH, "-s", sc, "--seed", "7", "-q", "-w", pcap, "-t", truth])
        with open(truth) as f:
            gen = json.load(f)["generators"]
        if sc == "mirai":
            # iotsense's quarantine list beside c2detect's state: half the bots known.
            q = os.path.join(work, sc + ".state", "iotsense")
            os.makedirs(q)
            known = sorted(b["host"] for b in gen["mirai"]["bots"])[:3]
            with open(os.path.join(q, "quarantine.txt"), "w") as f:
                f.write("# infected devices\n" + "\n".join(known) + "\n")
        rc, evs, state, _ = candidates(pcap, work, sc, home)
        if sc == "background":
            c.check(rc == 0 and not high(evs), "synth background: no high-score candidate",
                    show(evs))
        elif sc == "beacon":
            b = gen["beacon"]
            hits = [e for e in high(evs) if e["dest_ip"] == b["cnc"]
                    and e.get("src_ip") == b["host"]]
            c.check(hits, "synth beacon: high beacon %s -> %s" % (b["host"], b["cnc"]),
                    show(evs))
            others = [e for e in high(evs) if e["dest_ip"] != b["cnc"]]
            c.check(not others, "synth beacon: no other high-score candidate", show(others))
        else:
            m = gen["mirai"]
            bots = {x["host"] for x in m["bots"]}
            fan = [e for e in high(evs) if e["c2_candidate"]["kind"] == "fanin"
                   and e["dest_ip"] == m["cnc"] and e["dest_port"] == m["cnc_port"]]
            c.check(fan, "synth mirai: high fan-in candidate %s:%d" % (m["cnc"], m["cnc_port"]),
                    show(evs))
            if fan:
                f = fan[0]["c2_candidate"]
                c.check(f["clients"] >= 3 and set(f["client_sample"]) <= bots,
                        "synth mirai: %d clients, all of them bots" % f["clients"])
                c.check("mirai_bot_hello" in f["payload_evidence"],
                        "synth mirai: the bot hello is payload evidence")
                # Reported when it first reached "high": maybe before every bot had.
                ninf = f.get("clients_infected", 0)
                c.check(1 <= ninf <= 3 and abs(
                    f["components"].get("infected_share", -1) - float(ninf) / f["clients"])
                        < 1e-9,
                        "synth mirai: %d of %d clients known infected from iotsense's list" % (
                            ninf, f["clients"]), str(f.get("components")))
            hs = [e for e in evs if e.get("event_type") == "c2_handshake"]
            c.check(hs and {e["src_ip"] for e in hs} <= bots,
                    "synth mirai: %d c2_handshake events, all from bots" % len(hs))
            rep = m["report"]
            c.check({(e["dest_ip"], e["dest_port"]) for e in hs
                      if e["c2_handshake"]["pattern"] == "mirai_scan_report"}
                     == {(rep["server"], rep["port"])},
                    "synth mirai: the scan report to %s:%d is recognised" % (
                        rep["server"], rep["port"]))
            csv = os.path.join(state, "c2detect", "c2-servers.csv")
            stix = os.path.join(state, "c2detect", "c2-servers.stix.json")
            ok = os.path.exists(csv) and m["cnc"] in open(csv).read()
            c.check(ok, "synth mirai: the C&C is in the exported CSV")
            if os.path.exists(stix):
                validate_stix(c, stix)
            else:
                c.check(False, "synth mirai: STIX bundle written")
            operator(c, state, pcap, work, home, m["cnc"])
    c.finish()


if __name__ == "__main__":
    main()
