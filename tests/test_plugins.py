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
import struct
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import mamori_test as mt  # noqa: E402

PLUGINS = os.path.join(mt.BUILD, "tests", "plugins")
BROKEN = {
    "bad_abi": "built for plugin ABI 2.0, this host speaks 1.2",
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


TOKEN = b"MAMORI-SPLIT-TOKEN"


def tcp_frame(src, dst, sport, dport, seq, flags, payload=b""):
    """Ethernet, IPv4 and TCP headers (checksums left zero: nothing here checks them)."""
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, 0, 5 << 4, flags, 65535, 0, 0)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp) + len(payload), 1, 0, 64, 6, 0,
                     bytes(map(int, src.split("."))), bytes(map(int, dst.split("."))))
    return b"\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02\x08\x00" + ip + tcp + payload


def split_capture(path):
    """Five connections to port 8000 carrying TOKEN: whole in one segment, split in order,
    split with the middle piece last, sent by the server (the pattern is to the server
    only), and retransmitted whole after being split.  Block scope sees 2 of them (the
    whole one and the retransmission), stream scope 4 (all sent to the server, the
    retransmitted one once: bytes already scanned are not scanned again)."""
    SYN, ACK, PSH, FIN = 0x02, 0x10, 0x08, 0x01
    t, frames = 1775001600.0, []
    conns = [
        [(True, 0, TOKEN)],
        [(True, 0, TOKEN[:7]), (True, 7, TOKEN[7:])],
        [(True, 0, TOKEN[:5]), (True, 12, TOKEN[12:]), (True, 5, TOKEN[5:12])],
        [(False, 0, TOKEN)],
        [(True, 0, TOKEN[:9]), (True, 9, TOKEN[9:]), (True, 0, TOKEN)],
    ]
    for i, segs in enumerate(conns):
        c, s, cp = "192.0.2.%d" % (10 + i), "198.51.100.1", 40000 + i
        isn_c, isn_s = 1000 * (i + 1), 7000000 + i

        def frame(to_server, seq, flags, payload=b""):
            if to_server:
                return tcp_frame(c, s, cp, 8000, seq, flags, payload)
            return tcp_frame(s, c, 8000, cp, seq, flags, payload)
        frames += [frame(True, isn_c, SYN), frame(False, isn_s, SYN | ACK),
                   frame(True, isn_c + 1, ACK)]
        for to_server, off, data in segs:
            frames.append(frame(to_server, (isn_c if to_server else isn_s) + 1 + off,
                                PSH | ACK, data))
        frames += [frame(True, isn_c + 1 + len(TOKEN), FIN | ACK),
                   frame(False, isn_s + 1 + len(TOKEN), FIN | ACK)]
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for k, fr in enumerate(frames):
            ts = t + k * 0.001
            f.write(struct.pack("<IIII", int(ts), int((ts % 1) * 1e6), len(fr), len(fr)))
            f.write(fr)


def stream_scope(c, work):
    """Stream scope matches a pattern split over segments, in order or not, once."""
    pcap = os.path.join(work, "split.pcap")
    split_capture(pcap)
    got = {}
    for scope, want in (("block", 2), ("stream", 4)):
        eve = os.path.join(work, "split-%s.json" % scope)
        summ = os.path.join(work, "split-%s-summary.json" % scope)
        rc, out, err = mt.run([mt.MAMORID, "-q", "--pcap", pcap, "--eve", eve,
                               "--summary-json", summ, "--set", "state_dir=" + work,
                               "--set", "plugins.load=[%s]" % os.path.join(
                                   PLUGINS, "test_probe.so"),
                               "--set", "plugins.probe.pattern=%s" % TOKEN.decode(),
                               "--set", "plugins.probe.scope=" + scope])
        per_flow = sorted(json.loads(l).get("probe", {}).get("matches", 0)
                          for l in open(eve) if l.strip()) if rc == 0 else None
        got[scope] = per_flow
        c.check(rc == 0 and per_flow is not None and sum(per_flow) == want and
                max(per_flow) == 1,
                "%s scope: the split token matched in %d connections, once each (%s)" % (
                    scope, want, per_flow), err.splitlines()[-3:])
    st = (mt.read_json(os.path.join(work, "split-stream-summary.json")) or {}).get(
        "totals", {}).get("streams", {})
    c.check(st.get("held_out_of_order") == 1 and st.get("old_bytes") == len(TOKEN) and
            st.get("flows") == 5 and st.get("errors") == 0,
            "stream totals: one segment held out of order, the retransmission skipped (%s)"
            % st)
    rc, out, err = mt.run([mt.MAMORID, "-q", "--pcap", pcap, "--set", "state_dir=" + work,
                           "--set", "flow.stream.depth=0",
                           "--set", "plugins.load=[%s]" % os.path.join(PLUGINS, "test_probe.so"),
                           "--set", "plugins.probe.pattern=x", "--set", "plugins.probe.scope=stream"])
    c.check(rc == 0 and "probe: pattern 7: stream scope is off (flow.stream.depth is 0)" in err
            and "continuing without it" in err,
            "with stream scope off, a stream pattern is refused saying why; mamorid goes on",
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
    c.check("freed before pd_fini" not in err,
            "the probe's lcore blocks are still there at pd_fini",
            [l for l in err.splitlines() if "pd_fini" in l])
    for name, reason in BROKEN.items():
        lines = [l for l in err.splitlines() if "test_%s.so" % name in l]
        c.check(len(lines) == 1 and reason in lines[0],
                "%s refused in one line with the reason (%r)" % (name, reason), lines)
        c.check(not os.path.exists(os.path.join(markers, name + ".ran")),
                "%s: none of its code ran" % name)

    events = [json.loads(l) for l in open(eve) if l.strip()] if os.path.exists(eve) else []
    # A long flow has several records (active-timeout reports, then its end): flowlog
    # and the probe each emit one per record, in the same order.
    flows, probes = {}, {}
    for e in events:
        if e["event_type"] in ("flow", "probe"):
            (flows if e["event_type"] == "flow" else probes).setdefault(
                e["flow_id"], []).append(e)
    nflow = sum(len(v) for v in flows.values())
    nprobe = sum(len(v) for v in probes.values())
    c.check(nflow > 0, "flowlog's flow events are written (%d)" % nflow)
    c.check(nprobe == nflow and set(probes) == set(flows),
            "the probe emitted one event per flow record (%d probe, %d flow)" % (nprobe, nflow))
    bad = []
    for fid, recs in flows.items():
        pkts = to_server = 0
        for f, p in zip(recs, probes.get(fid, [])):
            pr = p.get("probe", {})
            rec = f["flow"]["pkts_toserver"] + f["flow"]["pkts_toclient"]
            pkts += rec
            to_server += f["flow"]["pkts_toserver"]
            if p.get("plugin") != "probe" or pr.get("record_pkts") != rec or \
                    pr.get("pkts") != pkts or pr.get("to_server") != to_server:
                bad.append("flow %s: probe %s, records so far %d (%d to the server)" % (
                    fid, pr, pkts, to_server))
    c.check(not bad, "per-flow state counted every packet of its own flow, each direction, "
            "across its records", bad[:5])
    summary = mt.read_json(os.path.join(work, "s.json")) or {}
    names = [p["name"] for p in summary.get("plugins", [])]
    c.check(names == ["flowlog", "probe"], "the summary lists the loaded plugins %s" % names)
    probe = [p for p in summary.get("plugins", []) if p["name"] == "probe"]
    # Bursts carry the packets that belong to a flow: all but those that are not IP.
    tot = summary.get("totals", {})
    pkts = tot.get("packets", 0) - tot.get("not_ip", 0)
    c.check(probe and probe[0]["counters"].get("packets") == pkts,
            "the probe's counter saw every IP packet (%s of %s)" % (
                probe[0]["counters"].get("packets") if probe else None, pkts))

    patterns(c, work)
    stream_scope(c, work)

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
