# SPDX-License-Identifier: BSD-3-Clause
"""The plugin ABI from the outside.

mamorid is asked to load flowlog, a working probe plugin and four broken ones:
a plugin built for another ABI major, one with a descriptor shorter than the
host reads, one without pd_init and a shared object that is no plugin at all.
Each broken one must be refused with one line naming its file and the reason,
none of its code may run (their constructors would leave marker files), and
mamorid must go on with the others: flowlog's flow records and the probe's
events, whose counts made in per-flow state must equal the flow records'.
A misspelt key in a loaded plugin's section is refused like any other.
"""
import json
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import mamori_test as mt  # noqa: E402

PLUGINS = os.path.join(mt.BUILD, "tests", "plugins")
BROKEN = {
    "bad_abi": "built for plugin ABI 2.0, this host speaks 1.0",
    "short_desc": "descriptor is",
    "no_init": "no pd_init entry point",
    "not_a_plugin": "no .mamori_plugin section",
}


def capture(work):
    """A shared capture if there is one, else the project's own demo capture."""
    shared = os.path.join(mt.DATA, "pcap", "c2", "test-cc-capture-2.pcap")
    if os.path.exists(shared):
        return shared
    synth = os.path.join(mt.BUILD, "tools", "synth", "mamori-synth")
    out = os.path.join(work, "demo.pcap")
    mt.run([synth, "--scenario", "demo", "--seed", "3", "-q", "-w", out])
    return out


def patterns(c, work):
    """A plugin's pattern, compiled by the core, matches where tshark finds the text."""
    synth = os.path.join(mt.BUILD, "tools", "synth", "mamori-synth")
    pcap = os.path.join(work, "synth.pcap")
    rc, _, _ = mt.run([synth, "--scenario", "demo", "--seed", "5", "-q", "-w", pcap])
    if rc != 0 or shutil.which("tshark") is None:
        c.note("mamori-synth or tshark missing: pattern checks skipped")
        return
    literal = "GET /"
    rc, out, _ = mt.run(["tshark", "-r", pcap, "-Y", 'tcp.payload contains "%s"' % literal,
                         "-T", "fields", "-e", "frame.number"])
    want = len([l for l in out.splitlines() if l.strip()])
    eve = os.path.join(work, "pattern-eve.json")
    runs = []
    for tag in ("cold", "warm"):  # the second start loads the compiled database from the cache
        rc, out, err = mt.run([mt.MAMORID, "-q", "--pcap", pcap, "--eve", eve, "-l", "info",
                               "--set", "state_dir=" + work,
                               "--set", "plugins.load=[%s]" % os.path.join(
                                   PLUGINS, "test_probe.so"),
                               "--set", "plugins.probe.pattern=%s" % literal])
        got = sum(json.loads(l).get("probe", {}).get("matches", 0)
                  for l in open(eve) if l.strip()) if rc == 0 else None
        runs.append((rc, got, err))
    c.check(runs[0][0] == 0 and want > 0 and runs[0][1] == want,
            "the probe's pattern %r matched %s payloads, tshark finds %d" % (
                literal, runs[0][1], want), runs[0][2].splitlines()[-3:])
    c.check(runs[1][1] == want and "1 from the cache" in runs[1][2],
            "a restart reuses the compiled database from the cache", [
                l for l in runs[1][2].splitlines() if "patterns" in l])
    rc, out, err = mt.run([mt.MAMORID, "-q", "--pcap", pcap, "--set", "state_dir=" + work,
                           "--set", "plugins.load=[%s]" % os.path.join(PLUGINS, "test_probe.so"),
                           "--set", "plugins.probe.pattern=GET (/"])
    c.check(rc != 0 and "plugin probe pattern 7" in err and "GET (/" in err,
            "a bad expression is refused naming the plugin, pattern id and expression",
            err.splitlines()[-2:])


def main():
    mt.need_mamorid()
    work = tempfile.mkdtemp(prefix="mamori-plugins.")
    c = mt.Checks(work)
    pcap = capture(work)
    markers = os.path.join(work, "markers")
    os.mkdir(markers)
    load = ["flowlog", os.path.join(PLUGINS, "test_probe.so")]
    load += [os.path.join(PLUGINS, "test_%s.so" % b) for b in BROKEN]
    eve = os.path.join(work, "eve.json")
    env = dict(os.environ, MAMORI_TEST_MARKER_DIR=markers)
    rc, out, err = mt.run([mt.MAMORID, "-q", "--pcap", pcap, "--eve", eve,
                           "--summary-json", os.path.join(work, "s.json"),
                           "--set", "state_dir=" + work,
                           "--set", "plugins.load=[%s]" % ", ".join(load),
                           "--set", "plugins.probe.min_bytes=0"], env=env)
    c.check(rc == 0, "mamorid runs on with the good plugins (exit %d)" % rc,
            err.splitlines()[-5:] if rc != 0 else None)
    for name, reason in BROKEN.items():
        lines = [l for l in err.splitlines() if "test_%s.so" % name in l]
        c.check(len(lines) == 1 and reason in lines[0],
                "%s refused in one line with the reason (%r)" % (name, reason), lines)
        c.check(not os.path.exists(os.path.join(markers, name + ".ran")),
                "%s: none of its code ran" % name)

    events = [json.loads(l) for l in open(eve) if l.strip()] if os.path.exists(eve) else []
    flows = {e["flow_id"]: e for e in events if e["event_type"] == "flow"}
    probes = [e for e in events if e["event_type"] == "probe"]
    c.check(len(flows) > 0, "flowlog's flow events are written (%d)" % len(flows))
    c.check(len(probes) == len(flows),
            "the probe emitted one event per flow (%d probe, %d flow)" % (len(probes),
                                                                        len(flows)))
    bad = []
    for p in probes:
        f = flows.get(p["flow_id"])
        pr = p.get("probe", {})
        if f is None or p.get("plugin") != "probe":
            bad.append("probe event for unknown flow %s" % p.get("flow_id"))
            continue
        total = f["flow"]["pkts_toserver"] + f["flow"]["pkts_toclient"]
        if pr.get("pkts") != total or pr.get("record_pkts") != total or \
                pr.get("to_server") != f["flow"]["pkts_toserver"]:
            bad.append("flow %s: probe %s, record %d/%d" % (
                p["flow_id"], pr, f["flow"]["pkts_toserver"], f["flow"]["pkts_toclient"]))
    c.check(not bad, "per-flow state counted every packet of its own flow, each direction",
            bad[:5])
    summary = mt.read_json(os.path.join(work, "s.json")) or {}
    names = [p["name"] for p in summary.get("plugins", [])]
    c.check(names == ["flowlog", "probe"], "the summary lists the loaded plugins %s" % names)
    probe = [p for p in summary.get("plugins", []) if p["name"] == "probe"]
    pkts = summary.get("totals", {}).get("packets")
    c.check(probe and probe[0]["counters"].get("packets") == pkts,
            "the probe's counter saw every packet (%s of %s)" % (
                probe[0]["counters"].get("packets") if probe else None, pkts))

    patterns(c, work)

    rc, out, err = mt.run([mt.MAMORID, "-q", "--pcap", pcap, "--set", "state_dir=" + work,
                           "--set", "plugins.flowlog.activ_reports=false"])
    c.check(rc == 2 and "unknown key 'plugins.flowlog.activ_reports'" in err,
            "a misspelt key in a plugin's section is refused (exit %d)" % rc,
            err.splitlines()[-2:])
    rc, out, err = mt.run([mt.MAMORID, "-q", "--pcap", pcap, "--set", "state_dir=" + work,
                           "--set", "plugins.load=[nosuchplugin]"])
    c.check("nosuchplugin" in err and "No such file" in err,
            "a plugin that is not there is named in the error", err.splitlines()[-2:])
    c.finish()


if __name__ == "__main__":
    main()
